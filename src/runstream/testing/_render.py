"""Render a scripted run into the events the real service would stream.

The renderer plays the script once, keeping the run, step and message objects as the
service would hold them, and emits each event with a snapshot of the full object it
carries. A function call ends a segment (``requires_action`` then ``done``); the next
segment starts by completing that tool step with the submitted outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ._actions import (
    EXPIRY_SECONDS,
    CodeAction,
    ErrorAction,
    FileSearchAction,
    FinishAction,
    FunctionCallsAction,
    MessageAction,
    RunParams,
)
from ._fragments import call_fragments, cut_pieces, estimate_tokens, message_fragments
from ._wire import WireEvent, encode_event

__all__ = ["cancel_events", "render"]

_decode = msgspec.json.Decoder().decode
_DONE = b"[DONE]"


def render(
    params: RunParams,
    actions: Sequence[Any],
    tool_outputs: Mapping[str, str],
    include_content: bool,
) -> list[list[WireEvent]]:
    """Play the script and return its segments of events.

    Args:
        params: the run-level fields.
        actions: the scripted actions, in order.
        tool_outputs: outputs by call id, overriding the scripted ones.
        include_content: whether file_search results carry their content.
    """
    renderer = _Renderer(params, tool_outputs, include_content)
    renderer.start()
    ended = False
    for action in actions:
        ended = renderer.play(action)
    if not ended:
        renderer.finish(FinishAction("completed"))
    return renderer.segments


def cancel_events(run: Mapping[str, Any], now: int) -> list[WireEvent]:
    """The events a stream ends with when its run is cancelled: cancelling, cancelled, done.

    Args:
        run: the run as last sent.
        now: the cancellation time.
    """
    cancelling = dict(run, status="cancelling", required_action=None)
    cancelled = dict(cancelling, status="cancelled", cancelled_at=now, expires_at=None)
    return [
        _wire("thread.run.cancelling", cancelling),
        _wire("thread.run.cancelled", cancelled),
        WireEvent("done", _DONE, encode_event("done", _DONE), None),
    ]


def _wire(name: str, payload: Mapping[str, Any], *, stateful: bool = True) -> WireEvent:
    data = msgspec.json.encode(payload)
    # The snapshot is decoded from the wire bytes: it is a deep copy and equals what is sent.
    return WireEvent(name, data, encode_event(name, data), _decode(data) if stateful else None)


class _Renderer:
    def __init__(
        self, params: RunParams, tool_outputs: Mapping[str, str], include_content: bool
    ) -> None:
        self.params = params
        self.tool_outputs = tool_outputs
        self.include_content = include_content
        self.now = params.created_at
        self.segments: list[list[WireEvent]] = [[]]
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        self.step_count = 0
        self.run: dict[str, Any] = {
            "id": params.run_id,
            "object": "thread.run",
            "created_at": params.created_at,
            "assistant_id": params.assistant_id,
            "thread_id": params.thread_id,
            "status": "queued",
            "started_at": None,
            "expires_at": params.created_at + EXPIRY_SECONDS,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "required_action": None,
            "last_error": None,
            "model": params.model,
            "instructions": params.instructions,
            "tools": params.tools,
            "tool_resources": {},
            "metadata": params.metadata,
            "temperature": 1.0,
            "top_p": 1.0,
            "max_completion_tokens": None,
            "max_prompt_tokens": None,
            "truncation_strategy": {"type": "auto", "last_messages": None},
            "incomplete_details": None,
            "usage": None,
            "response_format": "auto",
            "tool_choice": "auto",
            "parallel_tool_calls": True,
        }

    # ---- emission ----------------------------------------------------------------------

    def emit(self, name: str, payload: Mapping[str, Any], *, stateful: bool = True) -> None:
        self.segments[-1].append(_wire(name, payload, stateful=stateful))

    def emit_run(self, status: str, name: str | None = None) -> None:
        self.run["status"] = status
        self.emit(name or f"thread.run.{status}", self.run)

    def done(self) -> None:
        self.segments[-1].append(WireEvent("done", _DONE, encode_event("done", _DONE), None))

    # ---- the run -------------------------------------------------------------------------

    def start(self) -> None:
        self.emit_run("queued", "thread.run.created")
        self.emit_run("queued")
        self.now += 1
        self.run["started_at"] = self.now
        self.emit_run("in_progress")

    def play(self, action: Any) -> bool:
        """Render one action; return whether it ended the run's stream for good."""
        if isinstance(action, FunctionCallsAction):
            self.function_calls(action)
        elif isinstance(action, CodeAction):
            self.code_interpreter(action)
        elif isinstance(action, FileSearchAction):
            self.file_search(action)
        elif isinstance(action, MessageAction):
            self.message(action)
        elif isinstance(action, ErrorAction):
            self.error(action)
            return True
        elif isinstance(action, FinishAction):
            self.finish(action)
            return True
        else:  # pragma: no cover - the builder only makes the actions above
            raise TypeError(f"unknown scenario action {action!r}")
        return False

    def finish(self, action: FinishAction) -> None:
        self.now += 1
        run = self.run
        if action.status == "cancelled":
            self.emit_run("cancelling")
            run["cancelled_at"] = self.now
        run["expires_at"] = None if action.status != "expired" else run["expires_at"]
        run["usage"] = dict(self.usage)
        if action.status == "completed":
            run["completed_at"] = self.now
        elif action.status == "failed":
            run["failed_at"] = self.now
            run["last_error"] = {"code": action.code, "message": action.message}
        elif action.status == "incomplete":
            run["incomplete_details"] = {"reason": action.reason}
        self.emit_run(action.status)
        self.done()

    def error(self, action: ErrorAction) -> None:
        self.emit(
            "error",
            {
                "code": action.code,
                "message": action.message,
                "param": action.param,
                "type": action.type,
            },
            stateful=False,
        )
        if action.run_status is not None:
            # Never sent: the service fails the run behind the broken stream, and only a
            # retrieve shows it.
            self.now += 1
            self.run.update(status=action.run_status, expires_at=None, usage=dict(self.usage))
            if action.run_status == "failed":
                self.run.update(
                    failed_at=self.now, last_error={"code": action.code, "message": action.message}
                )
            data = msgspec.json.encode(self.run)
            self.segments[-1].append(WireEvent("", b"", b"", _decode(data)))

    # ---- steps ---------------------------------------------------------------------------

    def new_step(self, step_id: str, step_type: str, details: dict[str, Any]) -> dict[str, Any]:
        self.now += 1
        step = {
            "id": step_id,
            "object": "thread.run.step",
            "created_at": self.now,
            "run_id": self.params.run_id,
            "assistant_id": self.params.assistant_id,
            "thread_id": self.params.thread_id,
            "type": step_type,
            "status": "in_progress",
            "cancelled_at": None,
            "completed_at": None,
            "expires_at": self.run["expires_at"],
            "expired_at": None,
            "failed_at": None,
            "last_error": None,
            "step_details": details,
            "usage": None,
            "metadata": {},
        }
        self.emit("thread.run.step.created", step)
        self.emit("thread.run.step.in_progress", step)
        return step

    def complete_step(self, step: dict[str, Any], details: dict[str, Any], completion: int) -> None:
        self.now += 1
        self.step_count += 1
        # The prompt grows with every step, as the context does.
        prompt = 150 + 40 * self.step_count
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        for key, value in usage.items():
            self.usage[key] += value
        step.update(status="completed", completed_at=self.now, step_details=details, usage=usage)
        self.emit("thread.run.step.completed", step)

    def step_delta(self, step_id: str, tool_calls: list[dict[str, Any]]) -> None:
        delta = {"step_details": {"type": "tool_calls", "tool_calls": tool_calls}}
        self.emit(
            "thread.run.step.delta",
            {"id": step_id, "object": "thread.run.step.delta", "delta": delta},
            stateful=False,
        )

    def function_calls(self, action: FunctionCallsAction) -> None:
        step = self.new_step(action.step_id, "tool_calls", {"type": "tool_calls", "tool_calls": []})
        for tool_calls in call_fragments(action):
            self.step_delta(action.step_id, tool_calls)
        self.run["required_action"] = {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {
                "tool_calls": [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                    for c in action.calls
                ]
            },
        }
        self.emit_run("requires_action")
        self.done()
        # The continuation: a new response, opened by submitting the outputs.
        self.segments.append([])
        self.run["required_action"] = None
        calls = [
            {
                "id": c.id,
                "type": "function",
                "function": {
                    "name": c.name,
                    "arguments": c.arguments,
                    "output": self.tool_outputs.get(c.id or "", c.output or ""),
                },
            }
            for c in action.calls
        ]
        completion = sum(estimate_tokens(c.name + c.arguments) for c in action.calls)
        self.complete_step(step, {"type": "tool_calls", "tool_calls": calls}, completion)
        self.emit_run("queued")
        self.emit_run("in_progress")

    def code_interpreter(self, action: CodeAction) -> None:
        step = self.new_step(action.step_id, "tool_calls", {"type": "tool_calls", "tool_calls": []})
        header = {"input": "", "outputs": []}
        self.step_delta(
            action.step_id,
            [
                {
                    "index": 0,
                    "id": action.call_id,
                    "type": "code_interpreter",
                    "code_interpreter": header,
                }
            ],
        )
        for piece in cut_pieces(action.input, action.fragment_size):
            self.step_delta(
                action.step_id,
                [{"index": 0, "type": "code_interpreter", "code_interpreter": {"input": piece}}],
            )
        outputs: list[dict[str, Any]] = []
        if action.logs is not None:
            outputs.append({"type": "logs", "logs": action.logs})
        if action.image_file_id is not None:
            outputs.append({"type": "image", "image": {"file_id": action.image_file_id}})
        for index, output in enumerate(outputs):
            self.step_delta(
                action.step_id,
                [
                    {
                        "index": 0,
                        "type": "code_interpreter",
                        "code_interpreter": {"outputs": [{"index": index, **output}]},
                    }
                ],
            )
        call = {
            "id": action.call_id,
            "type": "code_interpreter",
            "code_interpreter": {"input": action.input, "outputs": outputs},
        }
        details = {"type": "tool_calls", "tool_calls": [call]}
        self.complete_step(step, details, estimate_tokens(action.input))

    def file_search(self, action: FileSearchAction) -> None:
        step = self.new_step(action.step_id, "tool_calls", {"type": "tool_calls", "tool_calls": []})
        search = {"ranking_options": action.ranking_options, "results": []}
        self.step_delta(
            action.step_id,
            [{"index": 0, "id": action.call_id, "type": "file_search", "file_search": search}],
        )
        results = []
        for result in action.results:
            item: dict[str, Any] = {
                "file_id": result.file_id,
                "file_name": result.file_name,
                "score": result.score,
            }
            if self.include_content and result.content is not None:
                item["content"] = [{"type": "text", "text": result.content}]
            results.append(item)
        call = {
            "id": action.call_id,
            "type": "file_search",
            "file_search": {"ranking_options": action.ranking_options, "results": results},
        }
        self.complete_step(step, {"type": "tool_calls", "tool_calls": [call]}, 10)

    # ---- messages ------------------------------------------------------------------------

    def message(self, action: MessageAction) -> None:
        details = {
            "type": "message_creation",
            "message_creation": {"message_id": action.message_id},
        }
        step = self.new_step(action.step_id, "message_creation", details)
        message: dict[str, Any] = {
            "id": action.message_id,
            "object": "thread.message",
            "created_at": self.now,
            "assistant_id": self.params.assistant_id,
            "thread_id": self.params.thread_id,
            "run_id": self.params.run_id,
            "status": "in_progress",
            "incomplete_details": None,
            "incomplete_at": None,
            "completed_at": None,
            "role": "assistant",
            "content": [],
            "attachments": [],
            "metadata": {},
        }
        self.emit("thread.message.created", message)
        self.emit("thread.message.in_progress", message)
        parts, fragments = message_fragments(action)
        for fragment in fragments:
            self.emit(
                "thread.message.delta",
                {
                    "id": action.message_id,
                    "object": "thread.message.delta",
                    "delta": {"content": [fragment]},
                },
                stateful=False,
            )
        self.now += 1
        message["content"] = parts
        if action.incomplete_reason is None:
            message.update(status="completed", completed_at=self.now)
            self.emit("thread.message.completed", message)
        else:
            message.update(
                status="incomplete",
                incomplete_at=self.now,
                incomplete_details={"reason": action.incomplete_reason},
            )
            self.emit("thread.message.incomplete", message)
        self.complete_step(step, details, estimate_tokens(action.text + (action.refusal or "")))
