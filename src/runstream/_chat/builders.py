"""The choices and tool calls a Chat Completions stream is building, and their JSON as the
non-streaming API gives it (see `ChatCompletionAccumulator`)."""

from __future__ import annotations

from typing import Any

from .._core.delta_tree import materialize
from .._core.text_pieces import TextPieces

__all__ = ["ChoiceBuilder", "ToolCallBuilder"]


class ToolCallBuilder:
    """A tool call (or legacy function call) of a choice, as its deltas built it."""

    __slots__ = ("arguments", "extra", "function_extra", "has_function", "id", "index", "name", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id: Any = None
        self.type: Any = None
        self.name: Any = None
        self.arguments = TextPieces()
        #: Whether a delta carried a ``function`` member.
        self.has_function = False
        self.extra: dict[str, Any] = {}
        self.function_extra: dict[str, Any] = {}

    def json(self) -> dict[str, Any]:
        call: dict[str, Any] = {"id": self.id, "type": self.type if self.type is not None else "function"}
        # A call of another type (``custom``) has its own member, merged among the extras;
        # ``function`` is not invented for it.
        if self.has_function or self.type is None or self.type == "function":
            function = {"name": self.name, "arguments": self.arguments.text()}
            function.update(materialize(self.function_extra))
            call["function"] = function
        call.update(materialize(self.extra))
        return call


class ChoiceBuilder:
    """A choice, as its deltas built it; `json` is the choice of a ``chat.completion``."""

    __slots__ = (
        "content",
        "extra",
        "finish_reason",
        "function_call",
        "index",
        "logprobs",
        "message_extra",
        "refusal",
        "role",
        "tool_calls",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.role: Any = None
        # None until a string arrives: the message then says ``null``, as the API does.
        self.content: TextPieces | None = None
        self.refusal: TextPieces | None = None
        self.tool_calls: dict[int, ToolCallBuilder] = {}
        self.function_call: ToolCallBuilder | None = None
        self.logprobs: dict[str, Any] | None = None
        self.finish_reason: Any = None
        self.extra: dict[str, Any] = {}
        self.message_extra: dict[str, Any] = {}

    def message_json(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": self.role if self.role is not None else "assistant",
            "content": self.content.text() if self.content is not None else None,
            "refusal": self.refusal.text() if self.refusal is not None else None,
        }
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[index].json() for index in sorted(self.tool_calls)]
        if self.function_call is not None:
            call = self.function_call
            function = {"name": call.name, "arguments": call.arguments.text()}
            function.update(materialize(call.function_extra))
            message["function_call"] = function
        message.update(materialize(self.message_extra))
        return message

    def json(self) -> dict[str, Any]:
        logprobs = self.logprobs
        choice: dict[str, Any] = {
            "index": self.index,
            "message": self.message_json(),
            "logprobs": {key: list(value) if isinstance(value, list) else value for key, value in logprobs.items()}
            if logprobs is not None
            else None,
            "finish_reason": self.finish_reason,
        }
        choice.update(materialize(self.extra))
        return choice
