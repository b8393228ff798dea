"""Chat Completions handlers: subclass, override the ``on_*`` callbacks you need.

The callbacks stand for openai-python's ``client.chat.completions.stream`` events (see the
migration table in the docs). A delta callback receives the fragment and where it belongs,
never a re-joined snapshot, so a delta costs the same however long the text already is; read
``self.accumulator`` when you want the text so far. ``*_done`` callbacks fire once per
object, when its choice got its ``finish_reason`` (or at ``[DONE]``).
"""

from __future__ import annotations

from typing import Any


from .._models.base import ErrorObject
from .._models.exact import convert_exact
from .._streaming.dialect import DialectHandler, RouteTable
from .accumulator import ChatCompletionAccumulator
from .models import (
    ChatChoice,
    ChatCompletion,
    ChatCompletionChunk,
    ChatErrorEvent,
    ChatFunctionCall,
    ChatToolCall,
)
from .notifications import (
    ChatChoiceFinished,
    ChatCompleted,
    ChatContentDelta,
    ChatErrorReceived,
    ChatFunctionCallArgumentsDelta,
    ChatRefusalDelta,
    ChatToolCallArgumentsDelta,
)

__all__ = ["AsyncChatCompletionHandler", "ChatCompletionHandler"]

Call = tuple[str, tuple[Any, ...]]


def _content(note: ChatContentDelta, accumulator: ChatCompletionAccumulator) -> list[Call]:
    return [("on_content_delta", (note.delta, note.choice_index))]


def _refusal(note: ChatRefusalDelta, accumulator: ChatCompletionAccumulator) -> list[Call]:
    return [("on_refusal_delta", (note.delta, note.choice_index))]


def _tool_arguments(note: ChatToolCallArgumentsDelta, accumulator: ChatCompletionAccumulator) -> list[Call]:
    return [("on_tool_call_arguments_delta", (note.delta, note.tool_call_index, note.choice_index))]


def _function_arguments(note: ChatFunctionCallArgumentsDelta, accumulator: ChatCompletionAccumulator) -> list[Call]:
    return [("on_function_call_arguments_delta", (note.delta, note.choice_index))]


def _finished(note: ChatChoiceFinished, accumulator: ChatCompletionAccumulator) -> list[Call]:
    index = note.choice_index
    choice = convert_exact(accumulator.choice_json(index), ChatChoice)
    message = choice.message
    calls: list[Call] = []
    if message.content is not None:
        calls.append(("on_content_done", (message.content, index)))
    if message.refusal is not None:
        calls.append(("on_refusal_done", (message.refusal, index)))
    if isinstance(message.tool_calls, list):
        for tool_call_index, tool_call in zip(accumulator.tool_call_indexes(index), message.tool_calls):
            calls.append(("on_tool_call_done", (tool_call, tool_call_index, index)))
    if isinstance(message.function_call, ChatFunctionCall):
        calls.append(("on_function_call_done", (message.function_call, index)))
    calls.append(("on_choice_done", (choice,)))
    return calls


def _completed(note: ChatCompleted, accumulator: ChatCompletionAccumulator) -> list[Call]:
    return [("on_completed", (accumulator.completion(),))]


def _error(note: ChatErrorReceived, accumulator: ChatCompletionAccumulator) -> list[Call]:
    return [("on_error_event", (note.error,))]


_ROUTES: RouteTable = {
    ChatContentDelta: (_content, ("on_content_delta",)),
    ChatRefusalDelta: (_refusal, ("on_refusal_delta",)),
    ChatToolCallArgumentsDelta: (_tool_arguments, ("on_tool_call_arguments_delta",)),
    ChatFunctionCallArgumentsDelta: (_function_arguments, ("on_function_call_arguments_delta",)),
    ChatChoiceFinished: (
        _finished,
        ("on_content_done", "on_refusal_done", "on_tool_call_done", "on_function_call_done", "on_choice_done"),
    ),
    ChatCompleted: (_completed, ("on_completed",)),
    ChatErrorReceived: (_error, ("on_error_event",)),
}


class ChatCompletionHandler(DialectHandler):
    """Synchronous callbacks for a Chat Completions stream. Override what you need.

    Examples:
        >>> class Printer(ChatCompletionHandler):
        ...     def on_content_delta(self, delta, choice_index):
        ...         print(delta, end="")
    """

    _route_table = _ROUTES
    accumulator: ChatCompletionAccumulator | None = None

    @property
    def listens(self) -> bool:
        """Whether this handler overrides any callback (if not, streams skip notifications)."""
        return type(self).on_chunk is not ChatCompletionHandler.on_chunk or super().listens

    def on_event(self, event: ChatCompletionChunk | ChatErrorEvent) -> Any:
        """Every event, after it was merged (calls `on_chunk` for chunks)."""
        if type(event) is not ChatErrorEvent:
            return self.on_chunk(event)  # type: ignore[arg-type, func-returns-value]
        return None

    def on_chunk(self, chunk: ChatCompletionChunk) -> Any:
        """Every chunk, after it was merged."""

    def on_content_delta(self, delta: str, choice_index: int) -> Any:
        """Content text arrived for a choice."""

    def on_content_done(self, content: str, choice_index: int) -> Any:
        """A choice's content is whole."""

    def on_refusal_delta(self, delta: str, choice_index: int) -> Any:
        """Refusal text arrived for a choice."""

    def on_refusal_done(self, refusal: str, choice_index: int) -> Any:
        """A choice's refusal is whole."""

    def on_tool_call_arguments_delta(self, delta: str, tool_call_index: int, choice_index: int) -> Any:
        """An arguments fragment of a tool call arrived."""

    def on_tool_call_done(self, tool_call: ChatToolCall, tool_call_index: int, choice_index: int) -> Any:
        """A tool call is whole (its arguments complete)."""

    def on_function_call_arguments_delta(self, delta: str, choice_index: int) -> Any:
        """An arguments fragment of a legacy ``function_call`` arrived."""

    def on_function_call_done(self, function_call: ChatFunctionCall, choice_index: int) -> Any:
        """A legacy ``function_call`` is whole."""

    def on_choice_done(self, choice: ChatChoice) -> Any:
        """A choice finished (its ``finish_reason`` arrived, or the stream ended)."""

    def on_completed(self, completion: ChatCompletion) -> Any:
        """The completion is whole (``[DONE]``), usage included when it was requested."""

    def on_error_event(self, error: ErrorObject) -> Any:
        """The server sent an error object (the stream then raises `ServerStreamError`)."""


class AsyncChatCompletionHandler(ChatCompletionHandler):
    """`ChatCompletionHandler` for `AsyncChatCompletionStream`: callbacks may be ``async``
    (override them with ``async def``); plain ones work too."""

    _route_table = _ROUTES
