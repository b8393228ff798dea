"""The choices and tool calls a Chat Completions stream is building, and their JSON as the
non-streaming API gives it (see `ChatCompletionAccumulator`)."""

from __future__ import annotations

from typing import Any

from .._core.delta_tree import tree_at, tree_state
from .._core.text_pieces import TextPieces, text_at

__all__ = ["ChoiceBuilder", "ToolCallBuilder", "choice_at", "tool_call_at"]


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

    def state(self) -> tuple[Any, ...]:
        """The call as it is now, for `tool_call_at`, at a cost that does not grow with its
        arguments."""
        return (self.id, self.type, self.name, self.arguments.state(), self.has_function,
                tree_state(self.extra) if self.extra else None,
                tree_state(self.function_extra) if self.function_extra else None)

    def json(self) -> dict[str, Any]:
        return tool_call_at(self.state())


def tool_call_at(state: tuple[Any, ...]) -> dict[str, Any]:
    """A tool call's JSON as it was when `ToolCallBuilder.state` was taken."""
    id, type, name, arguments, has_function, extra, function_extra = state
    call: dict[str, Any] = {"id": id, "type": type if type is not None else "function"}
    # A call of another type (``custom``) has its own member, merged among the extras;
    # ``function`` is not invented for it.
    if has_function or type is None or type == "function":
        call["function"] = _function(name, arguments, function_extra)
    if extra is not None:
        call.update(tree_at(extra))
    return call


def _function(name: Any, arguments: Any, extra: Any) -> dict[str, Any]:
    function = {"name": name, "arguments": text_at(arguments)}
    if extra is not None:
        function.update(tree_at(extra))
    return function


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

    def state(self) -> tuple[Any, ...]:
        """The choice as it is now, for `choice_at`, at a cost that does not grow with its
        texts: appended texts as `TextPieces.state`, logprobs lists as a count, the rest
        copied (none of it grows with the deltas)."""
        logprobs = self.logprobs
        return (
            self.index,
            self.role,
            self.content.state() if self.content is not None else None,
            self.refusal.state() if self.refusal is not None else None,
            [self.tool_calls[index].state() for index in sorted(self.tool_calls)],
            self.function_call.state() if self.function_call is not None else None,
            {key: (value, len(value) if isinstance(value, list) else None) for key, value in logprobs.items()}
            if logprobs is not None else None,
            self.finish_reason,
            tree_state(self.extra) if self.extra else None,
            tree_state(self.message_extra) if self.message_extra else None,
        )

    def message_json(self) -> dict[str, Any]:
        return choice_at(self.state())["message"]  # type: ignore[no-any-return]

    def json(self) -> dict[str, Any]:
        return choice_at(self.state())


def choice_at(state: tuple[Any, ...]) -> dict[str, Any]:
    """A choice's JSON (a ``chat.completion``'s) as it was when `ChoiceBuilder.state` was
    taken."""
    index, role, content, refusal, tool_calls, function_call, logprobs, finish_reason, extra, message_extra = state
    message: dict[str, Any] = {"role": role if role is not None else "assistant",
                               "content": text_at(content), "refusal": text_at(refusal)}
    if tool_calls:
        message["tool_calls"] = [tool_call_at(call) for call in tool_calls]
    if function_call is not None:
        message["function_call"] = _function(function_call[2], function_call[3], function_call[6])
    if message_extra is not None:
        message.update(tree_at(message_extra))
    choice: dict[str, Any] = {
        "index": index,
        "message": message,
        "logprobs": {key: value[:count] if count is not None else value for key, (value, count) in logprobs.items()}
        if logprobs is not None else None,
        "finish_reason": finish_reason,
    }
    if extra is not None:
        choice.update(tree_at(extra))
    return choice
