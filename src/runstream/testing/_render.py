"""Render a scripted run into the events the real service would stream, step by step.

The renderer plays the script once, keeping the run, step and message objects as the
service would hold them (the run and the steps' lifecycle are `testing/_run_renderer.py`),
and emits each event with a snapshot of the full object it carries. A function call ends a
segment (``requires_action`` then ``done``); the next segment starts by completing that tool
step with the submitted outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._actions import (
    CodeAction,
    ErrorAction,
    FileSearchAction,
    FinishAction,
    FunctionCallsAction,
    MessageAction,
    RunParams,
)
from ._fragments import call_fragments, cut_pieces, estimate_tokens, message_fragments
from ._run_renderer import RunRenderer
from ._wire import WireEvent

__all__ = ["render"]


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


class _Renderer(RunRenderer):
    """Plays each scripted action: the step it adds and what that step streams."""

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

    # ---- tool call steps -----------------------------------------------------------------

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
