"""The Threads and Messages endpoints of the fake server, over its `Store`."""

from __future__ import annotations

import time
from typing import Any

from ._http import Request
from ._replies import JSONReply, Reply, error_reply, json_body, ok
from ._store import Store, ThreadRecord, paginate

__all__ = ["ThreadRoutes", "check_messages"]


class ThreadRoutes:
    """Handlers of the thread and message requests; each returns a `Reply`."""

    store: Store

    # ---- threads ------------------------------------------------------------------------

    def threads(self, request: Request, thread_id: str | None) -> Reply:
        """POST /threads; GET, POST (modify) and DELETE /threads/{thread_id}."""
        method = request.method
        body = json_body(request)
        if method == "POST" and not isinstance(body, dict):
            return error_reply(400, "We could not parse the JSON body of your request.")
        if thread_id is None:
            if method != "POST":
                return error_reply(405, f"Method {method} not allowed.")
            created = self._new_thread(body, "messages")
            return created if not isinstance(created, ThreadRecord) else ok(dict(created.thread))
        thread = self.store.thread(thread_id)
        if thread is None:
            return error_reply(404, f"No thread found with id '{thread_id}'.")
        if method == "GET":
            return ok(dict(thread.thread))
        if method == "DELETE":
            del self.store.threads[thread_id]
            self.store.waiting.pop(thread_id, None)
            return ok({"id": thread_id, "object": "thread.deleted", "deleted": True})
        if method != "POST":
            return error_reply(405, f"Method {method} not allowed.")
        for key in ("metadata", "tool_resources"):
            if body.get(key) is not None:
                if not isinstance(body[key], dict):
                    return error_reply(400, f"Invalid type for '{key}': expected an object.", param=key)
                thread.thread[key] = dict(body[key])
        return ok(dict(thread.thread))

    def _new_thread(self, spec: dict[str, Any], where: str) -> ThreadRecord | JSONReply:
        messages = spec.get("messages") or []
        problem = check_messages(messages, where)
        if problem is not None:
            return problem
        metadata = spec.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            return error_reply(400, "Invalid type for 'metadata': expected an object.", param="metadata")
        thread = self.store.create_thread(metadata, spec.get("tool_resources"))
        for message in messages:
            self._post(thread, message)
        return thread

    # ---- messages --------------------------------------------------------------------------

    def messages(self, request: Request, thread_id: str, message_id: str | None) -> Reply:
        """GET and POST /threads/{thread_id}/messages; GET, POST (modify) and DELETE
        /threads/{thread_id}/messages/{message_id}. Messages runs produced are there too."""
        thread = self.store.thread(thread_id)
        if thread is None:
            return error_reply(404, f"No thread found with id '{thread_id}'.")
        method = request.method
        body = json_body(request)
        if method == "POST" and not isinstance(body, dict):
            return error_reply(400, "We could not parse the JSON body of your request.")
        if message_id is None:
            if method == "GET":
                items = list(thread.messages.values())
                run_id = (request.query.get("run_id") or [None])[-1]
                if run_id is not None:
                    items = [m for m in items if m.get("run_id") == run_id]
                try:
                    return ok(paginate(items, request.query))
                except ValueError as error:
                    return error_reply(400, str(error))
            if method != "POST":
                return error_reply(405, f"Method {method} not allowed.")
            problem = check_messages([body], "message")
            return problem if problem is not None else ok(dict(self._post(thread, body)))
        message = thread.messages.get(message_id)
        if message is None:
            return error_reply(404, f"No message found with id '{message_id}'.")
        if method == "GET":
            return ok(dict(message))
        if method == "DELETE":
            del thread.messages[message_id]
            return ok({"id": message_id, "object": "thread.message.deleted", "deleted": True})
        if method != "POST":
            return error_reply(405, f"Method {method} not allowed.")
        metadata = body.get("metadata")
        if metadata is not None:
            if not isinstance(metadata, dict):
                return error_reply(400, "Invalid type for 'metadata': expected an object.", param="metadata")
            message["metadata"] = dict(metadata)
        return ok(dict(message))

    def _post(self, thread: ThreadRecord, spec: dict[str, Any]) -> dict[str, Any]:
        """Add a checked message (see `check_messages`) to the thread."""
        content = spec["content"]
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
        message = {
            "id": self.store.new_id("msg_"),
            "object": "thread.message",
            "created_at": int(time.time()),
            "assistant_id": None,
            "thread_id": thread.id,
            "run_id": None,
            "role": spec["role"],
            "content": [_content_part(part) for part in parts],
            "attachments": list(spec.get("attachments") or []),
            "metadata": dict(spec.get("metadata") or {}),
        }
        thread.messages[message["id"]] = message
        return message

def _content_part(part: dict[str, Any]) -> dict[str, Any]:
    """A content part of a created message, from the part of the request."""
    if part.get("type") == "text":
        return {"type": "text", "text": {"value": part.get("text", ""), "annotations": []}}
    return dict(part)


def check_messages(messages: Any, where: str) -> JSONReply | None:
    """An error reply if ``messages`` are not messages the API accepts."""
    if not isinstance(messages, list):
        return error_reply(400, f"Invalid type for '{where}': expected an array.", param=where)
    for message in messages:
        if not isinstance(message, dict):
            return error_reply(400, f"Invalid type for '{where}': expected objects.", param=where)
        if message.get("role") not in ("user", "assistant"):
            return error_reply(400, "Invalid value for 'role': expected one of user or assistant.", param="role")
        content = message.get("content")
        if not (isinstance(content, str) or (isinstance(content, list) and content)):
            return error_reply(400, "Missing required parameter: 'content'.", param="content")
        if isinstance(content, list) and not all(isinstance(part, dict) for part in content):
            return error_reply(400, "Invalid type for 'content': expected a string or content parts.", param="content")
    return None
