"""The run as the service holds it while a script plays: its objects and lifecycle events.

`RunRenderer` keeps the run object, emits each event with a snapshot of the full object it
carries, and gives the run and its steps their lifecycle (created, in progress, completed;
the run's endings and a broken stream's error). What each scripted step streams in between
is `testing/_render.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ._actions import EXPIRY_SECONDS, ErrorAction, FinishAction, RunParams
from ._wire import WireEvent, encode_event

__all__ = ["RunRenderer", "cancel_events", "cancel_time"]

_decode = msgspec.json.Decoder().decode
_DONE = b"[DONE]"


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


def cancel_time(run: dict[str, Any]) -> int:
    """The cancellation timestamp: right after the run's latest time, so it stays in the
    scenario's clock."""
    times = [run.get(k) for k in ("created_at", "started_at")]
    return max(t for t in times if isinstance(t, int)) + 1


def _wire(name: str, payload: Mapping[str, Any], *, stateful: bool = True) -> WireEvent:
    data = msgspec.json.encode(payload)
    # The snapshot is decoded from the wire bytes: it is a deep copy and equals what is sent.
    return WireEvent(name, data, encode_event(name, data), _decode(data) if stateful else None)


class RunRenderer:
    """Plays the run-level part of a script into segments of `WireEvent`s."""

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

    # ---- emission ------------------------------------------------------------------------

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

    # ---- steps' lifecycle ----------------------------------------------------------------

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
