"""The Runs and Run Steps endpoints of the fake server, over its `Store`.

`Routes` answers every request the server routes to the Assistants API; the thread and
message endpoints it inherits are `testing/_thread_routes.py`, the shapes of its answers
`testing/_replies.py`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._http import Request
from ._replies import Reply, StreamReply, error_reply, json_body, ok, page
from ._run_renderer import cancel_events, cancel_time
from ._store import RunRecord, Store, ThreadRecord
from ._thread_routes import ThreadRoutes, check_messages
from ._wire import WireEvent, encode_event

__all__ = ["INCLUDE_CONTENT", "Routes"]

#: The ``include[]`` value that asks for file_search result contents.
INCLUDE_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
_TERMINAL = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})


def _includes_content(request: Request) -> bool:
    values = request.query.get("include[]", []) + request.query.get("include", [])
    return INCLUDE_CONTENT in values


class Routes(ThreadRoutes):
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
            return error_reply(405, f"Method {method} not allowed.")
        record = self.store.runs.get(run_id)
        if record is None or record.thread_id != thread_id or record.run is None:
            return error_reply(404, f"No run found with id '{run_id}'.")
        if step_id is not None:
            if method != "GET":
                return error_reply(405, f"Method {method} not allowed.")
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
            return error_reply(405, f"Method {method} not allowed.")
        return handler(request, record)

    # ---- runs ------------------------------------------------------------------------------

    def create_run(self, request: Request, thread_id: str) -> Reply:
        """POST /threads/{thread_id}/runs."""
        body = json_body(request)
        if not isinstance(body, dict):
            return error_reply(400, "We could not parse the JSON body of your request.")
        if not (body.get("assistant_id") or body.get("agent_id")):  # agent_id: Azure's dialect
            return error_reply(400, "Missing required parameter: 'assistant_id'.", param="assistant_id")
        thread = self.store.thread(thread_id)
        if thread is None:
            return error_reply(404, f"No thread found with id '{thread_id}'.")
        additional = body.get("additional_messages") or []
        problem = check_messages(additional, "additional_messages")
        if problem is not None:
            return problem
        record = self.store.start(thread_id)
        if record is None:
            return error_reply(400, f"No scripted run is left for thread '{thread_id}'.")
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
        return ok(self._play_silently(record, 0))

    def create_thread_and_run(self, request: Request) -> Reply:
        """POST /threads/runs: a new thread, and the next scenario without a thread of its
        own answers its run (the stream opens with ``thread.created``)."""
        body = json_body(request)
        if not isinstance(body, dict):
            return error_reply(400, "We could not parse the JSON body of your request.")
        if not (body.get("assistant_id") or body.get("agent_id")):
            return error_reply(400, "Missing required parameter: 'assistant_id'.", param="assistant_id")
        spec = body.get("thread") or {}
        if not isinstance(spec, dict):
            return error_reply(400, "Invalid type for 'thread': expected an object.", param="thread")
        if not self.store.unbound:
            return error_reply(400, "No scripted run is left for a new thread (queue a Scenario without thread_id).")
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
            return error_reply(404, f"No thread found with id '{thread_id}'.")
        # A run exists from its creation, even if its stream broke before the first event.
        for record in self.store.runs.values():
            if record.thread_id == thread_id:
                record.on_read()
        records = self.store.thread_runs(thread_id)
        return page([r.run_view() for r in records], request)

    def retrieve_run(self, request: Request, record: RunRecord) -> Reply:
        """GET /threads/{thread_id}/runs/{run_id}."""
        record.on_read()
        return ok(record.run_view())

    def modify_run(self, request: Request, record: RunRecord) -> Reply:
        """POST /threads/{thread_id}/runs/{run_id}: only ``metadata`` can change."""
        body = json_body(request)
        if not isinstance(body, dict):
            return error_reply(400, "We could not parse the JSON body of your request.")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            return error_reply(400, "Invalid type for 'metadata': expected an object.", param="metadata")
        record.on_read()
        if metadata is not None:
            record.metadata = dict(metadata)
        return ok(record.run_view())

    def submit_tool_outputs(self, request: Request, record: RunRecord) -> Reply:
        """POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs."""
        body = json_body(request)
        if not isinstance(body, dict):
            return error_reply(400, "We could not parse the JSON body of your request.")
        outputs = body.get("tool_outputs")
        if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
            return error_reply(400, "Missing required parameter: 'tool_outputs'.", param="tool_outputs")
        # A submission is a write: the run must be where the service really has it.
        record.catch_up()
        pending = [call["id"] for call in record.pending_calls()]
        if not pending:
            status = record.run["status"] if record.run else "unknown"
            return error_reply(400, f'Runs in status "{status}" do not accept tool outputs.')
        submitted = [o.get("tool_call_id") for o in outputs]
        # One output per call id (a run listing an id twice waits on one call).
        if set(map(str, submitted)) != set(pending) or len(set(submitted)) != len(submitted):
            message = f"Expected tool outputs for call_ids {pending}, got {submitted}."
            return error_reply(400, message, param="tool_outputs")
        if record.next_segment >= record.script.segment_count:
            return error_reply(400, "The scripted run has no segment after this submission.")
        for output in outputs:
            record.tool_outputs[output["tool_call_id"]] = str(output.get("output", ""))
        segment = record.next_segment
        record.next_segment += 1
        if body.get("stream"):
            return StreamReply(record, segment)
        return ok(self._play_silently(record, segment))

    def cancel_run(self, request: Request, record: RunRecord) -> Reply:
        """POST /threads/{thread_id}/runs/{run_id}/cancel."""
        record.catch_up()
        assert record.run is not None
        status = record.run["status"]
        if status in _TERMINAL or status == "cancelling":
            return error_reply(400, f"Cannot cancel run with status '{status}'.")
        answer = dict(record.run_view(), status="cancelling")
        if record.streaming:
            # The stream ends itself with cancelling, cancelled and done after its
            # current event (see _streaming).
            record.cancel_requested = True
        else:
            for event in cancel_events(record.run, cancel_time(record.run)):
                record.apply(event.obj)
        record.next_segment = record.script.segment_count
        return ok(answer)

    # ---- steps -----------------------------------------------------------------------------

    def list_steps(self, request: Request, record: RunRecord) -> Reply:
        """GET /threads/{thread_id}/runs/{run_id}/steps."""
        record.on_read()
        include = _includes_content(request)
        return page([record.step_view(s, include) for s in record.steps.values()], request)

    def retrieve_step(self, request: Request, record: RunRecord, step_id: str) -> Reply:
        """GET /threads/{thread_id}/runs/{run_id}/steps/{step_id}."""
        record.on_read()
        step = record.steps.get(step_id)
        if step is None:
            return error_reply(404, f"No run step found with id '{step_id}'.")
        return ok(record.step_view(step, _includes_content(request)))

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
