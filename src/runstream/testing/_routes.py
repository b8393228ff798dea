"""The Threads, Messages, Runs and Run Steps endpoints of the fake server, over its `Store`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ._faults import error_body
from ._http import Request
from ._render import cancel_events
from ._store import RunRecord, Store, ThreadRecord, paginate
from ._wire import WireEvent, encode_event

__all__ = ["INCLUDE_CONTENT", "Reply", "Routes", "StreamReply"]

#: The ``include[]`` value that asks for file_search result contents.
INCLUDE_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
_TERMINAL = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
_json_decoder = msgspec.json.Decoder()


@dataclass
class StreamReply:
    """Answer with the SSE stream of ``segment`` of the record's run."""

    record: RunRecord
    segment: int
    #: Events sent before the segment's (``thread.created`` of a create-thread-and-run).
    prefix: list[WireEvent] = field(default_factory=list)


#: A JSON answer (status, payload, extra headers) or a stream.
Reply = tuple[int, Any, dict[str, str]] | StreamReply


def _error(
    status: int, message: str, *, param: str | None = None
) -> tuple[int, Any, dict[str, str]]:
    body = error_body(status, message)
    body["error"]["param"] = param
    return status, body, {}


def _ok(payload: Any) -> tuple[int, Any, dict[str, str]]:
    return 200, payload, {}


def _includes_content(request: Request) -> bool:
    values = request.query.get("include[]", []) + request.query.get("include", [])
    return INCLUDE_CONTENT in values


class Routes:
    """Request handlers; each returns a `Reply`. They run in the server's event loop,
    never concurrently, so the store needs no locks."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def dispatch(
        self,
        request: Request,
        *,
        thread_id: str,
        run_id: str | None,
        action: str | None,
        step_id: str | None,
    ) -> Reply:
        """Route a request whose path matched the Runs API."""
        method = request.method
        if run_id is None:
            if method == "POST":
                return self.create_run(request, thread_id)
            if method == "GET":
                return self.list_runs(request, thread_id)
            return _error(405, f"Method {method} not allowed.")
        record = self.store.runs.get(run_id)
        if record is None or record.thread_id != thread_id or record.run is None:
            return _error(404, f"No run found with id '{run_id}'.")
        if step_id is not None:
            if method != "GET":
                return _error(405, f"Method {method} not allowed.")
            return self.retrieve_step(request, record, step_id)
        handlers = {
            ("GET", None): self.retrieve_run,
            ("POST", None): self.modify_run,
            ("POST", "submit_tool_outputs"): self.submit_tool_outputs,
            ("POST", "cancel"): self.cancel_run,
            ("GET", "steps"): self.list_steps,
        }
        handler = handlers.get((method, action))
        if handler is None:
            return _error(405, f"Method {method} not allowed.")
        return handler(request, record)

    # ---- runs ------------------------------------------------------------------------------

    def create_run(self, request: Request, thread_id: str) -> Reply:
        """POST /threads/{thread_id}/runs."""
        body = _json_body(request)
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        if not (body.get("assistant_id") or body.get("agent_id")):  # agent_id: Azure's dialect
            return _error(400, "Missing required parameter: 'assistant_id'.", param="assistant_id")
        thread = self.store.thread(thread_id)
        if thread is None:
            return _error(404, f"No thread found with id '{thread_id}'.")
        additional = body.get("additional_messages") or []
        problem = _check_messages(additional, "additional_messages")
        if problem is not None:
            return problem
        record = self.store.start(thread_id)
        if record is None:
            return _error(400, f"No scripted run is left for thread '{thread_id}'.")
        for message in additional:
            self._post(thread, message)
        return self._begin(request, body, record, [])

    def _begin(self, request: Request, body: dict[str, Any], record: RunRecord, prefix: list[WireEvent]) -> Reply:
        """Answer a create-run request with the run's first segment."""
        record.include_content = _includes_content(request)
        if isinstance(body.get("metadata"), dict):
            record.metadata = dict(body["metadata"])
        record.next_segment = 1
        if body.get("stream"):
            return StreamReply(record, 0, prefix)
        return _ok(self._play_silently(record, 0))

    def create_thread_and_run(self, request: Request) -> Reply:
        """POST /threads/runs: a new thread, and the next scenario without a thread of its
        own answers its run (the stream opens with ``thread.created``)."""
        body = _json_body(request)
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        if not (body.get("assistant_id") or body.get("agent_id")):
            return _error(400, "Missing required parameter: 'assistant_id'.", param="assistant_id")
        spec = body.get("thread") or {}
        if not isinstance(spec, dict):
            return _error(400, "Invalid type for 'thread': expected an object.", param="thread")
        if not self.store.unbound:
            return _error(400, "No scripted run is left for a new thread (queue a Scenario without thread_id).")
        created = self._new_thread(spec, "thread.messages")
        if not isinstance(created, ThreadRecord):
            return created
        record = self.store.start(created.id)
        assert record is not None  # an unbound script was waiting
        data = msgspec.json.encode(created.thread)
        return self._begin(request, body, record, [WireEvent("thread.created", data, encode_event("thread.created", data), None)])

    def list_runs(self, request: Request, thread_id: str) -> Reply:
        """GET /threads/{thread_id}/runs."""
        if not self.store.knows_thread(thread_id):
            return _error(404, f"No thread found with id '{thread_id}'.")
        # A run exists from its creation, even if its stream broke before the first event.
        for record in self.store.runs.values():
            if record.thread_id == thread_id:
                record.on_read()
        records = self.store.thread_runs(thread_id)
        return _page([r.run_view() for r in records], request)

    def retrieve_run(self, request: Request, record: RunRecord) -> Reply:
        """GET /threads/{thread_id}/runs/{run_id}."""
        record.on_read()
        return _ok(record.run_view())

    def modify_run(self, request: Request, record: RunRecord) -> Reply:
        """POST /threads/{thread_id}/runs/{run_id}: only ``metadata`` can change."""
        body = _json_body(request)
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            return _error(400, "Invalid type for 'metadata': expected an object.", param="metadata")
        record.on_read()
        if metadata is not None:
            record.metadata = dict(metadata)
        return _ok(record.run_view())

    def submit_tool_outputs(self, request: Request, record: RunRecord) -> Reply:
        """POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs."""
        body = _json_body(request)
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        outputs = body.get("tool_outputs")
        if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
            return _error(400, "Missing required parameter: 'tool_outputs'.", param="tool_outputs")
        # A submission is a write: the run must be where the service really has it.
        record.catch_up()
        pending = [call["id"] for call in record.pending_calls()]
        if not pending:
            status = record.run["status"] if record.run else "unknown"
            return _error(400, f'Runs in status "{status}" do not accept tool outputs.')
        submitted = [o.get("tool_call_id") for o in outputs]
        if sorted(map(str, submitted)) != sorted(pending) or len(set(submitted)) != len(submitted):
            message = f"Expected tool outputs for call_ids {pending}, got {submitted}."
            return _error(400, message, param="tool_outputs")
        if record.next_segment >= record.script.segment_count:
            return _error(400, "The scripted run has no segment after this submission.")
        for output in outputs:
            record.tool_outputs[output["tool_call_id"]] = str(output.get("output", ""))
        segment = record.next_segment
        record.next_segment += 1
        if body.get("stream"):
            return StreamReply(record, segment)
        return _ok(self._play_silently(record, segment))

    def cancel_run(self, request: Request, record: RunRecord) -> Reply:
        """POST /threads/{thread_id}/runs/{run_id}/cancel."""
        record.catch_up()
        assert record.run is not None
        status = record.run["status"]
        if status in _TERMINAL or status == "cancelling":
            return _error(400, f"Cannot cancel run with status '{status}'.")
        answer = dict(record.run_view(), status="cancelling")
        if record.streaming:
            # The stream ends itself with cancelling, cancelled and done after its
            # current event (see _streaming).
            record.cancel_requested = True
        else:
            for event in cancel_events(record.run, cancel_time(record.run)):
                record.apply(event.obj)
        record.next_segment = record.script.segment_count
        return _ok(answer)

    # ---- steps -----------------------------------------------------------------------------

    def list_steps(self, request: Request, record: RunRecord) -> Reply:
        """GET /threads/{thread_id}/runs/{run_id}/steps."""
        record.on_read()
        include = _includes_content(request)
        return _page([record.step_view(s, include) for s in record.steps.values()], request)

    def retrieve_step(self, request: Request, record: RunRecord, step_id: str) -> Reply:
        """GET /threads/{thread_id}/runs/{run_id}/steps/{step_id}."""
        record.on_read()
        step = record.steps.get(step_id)
        if step is None:
            return _error(404, f"No run step found with id '{step_id}'.")
        return _ok(record.step_view(step, _includes_content(request)))

    # ---- threads ---------------------------------------------------------------------------

    def threads(self, request: Request, thread_id: str | None) -> Reply:
        """POST /threads; GET, POST (modify) and DELETE /threads/{thread_id}."""
        method = request.method
        body = _json_body(request)
        if method == "POST" and not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        if thread_id is None:
            if method != "POST":
                return _error(405, f"Method {method} not allowed.")
            created = self._new_thread(body, "messages")
            return created if not isinstance(created, ThreadRecord) else _ok(dict(created.thread))
        thread = self.store.thread(thread_id)
        if thread is None:
            return _error(404, f"No thread found with id '{thread_id}'.")
        if method == "GET":
            return _ok(dict(thread.thread))
        if method == "DELETE":
            del self.store.threads[thread_id]
            self.store.waiting.pop(thread_id, None)
            return _ok({"id": thread_id, "object": "thread.deleted", "deleted": True})
        if method != "POST":
            return _error(405, f"Method {method} not allowed.")
        for key in ("metadata", "tool_resources"):
            if body.get(key) is not None:
                if not isinstance(body[key], dict):
                    return _error(400, f"Invalid type for '{key}': expected an object.", param=key)
                thread.thread[key] = dict(body[key])
        return _ok(dict(thread.thread))

    def _new_thread(self, spec: dict[str, Any], where: str) -> ThreadRecord | tuple[int, Any, dict[str, str]]:
        messages = spec.get("messages") or []
        problem = _check_messages(messages, where)
        if problem is not None:
            return problem
        metadata = spec.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            return _error(400, "Invalid type for 'metadata': expected an object.", param="metadata")
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
            return _error(404, f"No thread found with id '{thread_id}'.")
        method = request.method
        body = _json_body(request)
        if method == "POST" and not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        if message_id is None:
            if method == "GET":
                items = list(thread.messages.values())
                run_id = (request.query.get("run_id") or [None])[-1]
                if run_id is not None:
                    items = [m for m in items if m.get("run_id") == run_id]
                try:
                    return _ok(paginate(items, request.query))
                except ValueError as error:
                    return _error(400, str(error))
            if method != "POST":
                return _error(405, f"Method {method} not allowed.")
            problem = _check_messages([body], "message")
            return problem if problem is not None else _ok(dict(self._post(thread, body)))
        message = thread.messages.get(message_id)
        if message is None:
            return _error(404, f"No message found with id '{message_id}'.")
        if method == "GET":
            return _ok(dict(message))
        if method == "DELETE":
            del thread.messages[message_id]
            return _ok({"id": message_id, "object": "thread.message.deleted", "deleted": True})
        if method != "POST":
            return _error(405, f"Method {method} not allowed.")
        metadata = body.get("metadata")
        if metadata is not None:
            if not isinstance(metadata, dict):
                return _error(400, "Invalid type for 'metadata': expected an object.", param="metadata")
            message["metadata"] = dict(metadata)
        return _ok(dict(message))

    def _post(self, thread: ThreadRecord, spec: dict[str, Any]) -> dict[str, Any]:
        """Add a checked message (see `_check_messages`) to the thread."""
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

    # ---- for the server object ------------------------------------------------------------

    def peek_run(self, run_id: str) -> dict[str, Any] | None:
        """The current run object, not counted as a read."""
        record = self.store.runs.get(run_id)
        return record.run_view() if record is not None and record.run is not None else None

    def peek_steps(self, run_id: str) -> list[dict[str, Any]]:
        """The current steps, not counted as a read."""
        record = self.store.runs.get(run_id)
        return [dict(s) for s in record.steps.values()] if record is not None else []

    def _play_silently(self, record: RunRecord, segment: int) -> dict[str, Any]:
        """Without a stream the run goes through the whole segment at once (as if the
        service ran it in the background); the answer is the run as the segment opens."""
        events = record.state_segment(segment)
        runs = [e.obj for e in events if e.obj is not None and e.obj["object"] == "thread.run"]
        first_run = runs[0] if runs else record.run
        record.apply_all(events)
        view = dict(first_run or {})
        if record.metadata is not None:
            view["metadata"] = record.metadata
        return view


def cancel_time(run: dict[str, Any]) -> int:
    """The cancellation timestamp: right after the run's latest time, so it stays in the
    scenario's clock."""
    times = [run.get(k) for k in ("created_at", "started_at")]
    return max(t for t in times if isinstance(t, int)) + 1


def _content_part(part: dict[str, Any]) -> dict[str, Any]:
    """A content part of a created message, from the part of the request."""
    if part.get("type") == "text":
        return {"type": "text", "text": {"value": part.get("text", ""), "annotations": []}}
    return dict(part)


def _check_messages(messages: Any, where: str) -> tuple[int, Any, dict[str, str]] | None:
    """An error reply if ``messages`` are not messages the API accepts."""
    if not isinstance(messages, list):
        return _error(400, f"Invalid type for '{where}': expected an array.", param=where)
    for message in messages:
        if not isinstance(message, dict):
            return _error(400, f"Invalid type for '{where}': expected objects.", param=where)
        if message.get("role") not in ("user", "assistant"):
            return _error(400, "Invalid value for 'role': expected one of user or assistant.", param="role")
        content = message.get("content")
        if not (isinstance(content, str) or (isinstance(content, list) and content)):
            return _error(400, "Missing required parameter: 'content'.", param="content")
        if isinstance(content, list) and not all(isinstance(part, dict) for part in content):
            return _error(400, "Invalid type for 'content': expected a string or content parts.", param="content")
    return None


def _json_body(request: Request) -> Any:
    if not request.body:
        return {}
    try:
        return _json_decoder.decode(request.body)
    except msgspec.DecodeError:
        return None


def _page(items: list[dict[str, Any]], request: Request) -> Reply:
    items.sort(key=lambda item: item.get("created_at") or 0)  # stable: creation order on ties
    try:
        return _ok(paginate(items, request.query))
    except ValueError as error:
        return _error(400, str(error))
