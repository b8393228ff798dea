"""The sans-IO Chat Completions accumulator: chunks in, notifications out, the completion
on demand.

Merge rules. Choices are keyed by ``choices[].index`` and tool calls by
``tool_calls[].index`` within their choice; indexes may arrive sparse and in any order, and
the result lists them sorted. ``content``, ``refusal`` and function ``arguments`` are
appended (kept as pieces, joined when read: a delta costs the same however long the text
already is); ``role``, ``id``, ``type``, function ``name`` and ``finish_reason`` are set;
``logprobs.content`` / ``logprobs.refusal`` lists are extended; ``usage`` and the chunk's
header members (``id``, ``created``, ``model``, ``system_fingerprint``, ``service_tier``)
take the latest value. Members no class declares are merged by the generic rule of
`runstream._core.delta_tree` and kept in the completion.

The completion is the ``chat.completion`` object the non-streaming API returns for the same
request: ``object`` is ``"chat.completion"``, each choice has a ``message`` (``content`` and
``refusal`` ``null`` when nothing was streamed, ``tool_calls`` / ``function_call`` only when
some were), ``logprobs`` and ``finish_reason``.
"""

from __future__ import annotations

from typing import Any

from .._core.delta_tree import merge_delta
from .._core.text_pieces import TextPieces
from .._models.base import UNSET
from .._models.exact import convert_exact
from .builders import ChoiceBuilder, ToolCallBuilder, choice_at
from .models import (
    CHOICE_FIELDS,
    CHUNK_FIELDS,
    DELTA_FIELDS,
    FUNCTION_FIELDS,
    TOOL_CALL_FIELDS,
    ChatCompletion,
    ChatCompletionChunk,
    ChatErrorEvent,
    StrictChatCompletionChunk,
)
from .notifications import (
    ChatErrorReceived,
    ChatChoiceFinished,
    ChatCompleted,
    ChatContentDelta,
    ChatFunctionCallArgumentsDelta,
    ChatRefusalDelta,
    ChatToolCallArgumentsDelta,
)

__all__ = ["ChatCompletionAccumulator", "completion_at"]

_HEADER = ("id", "created", "model", "system_fingerprint", "service_tier")


class ChatCompletionAccumulator:
    """Merges `ChatCompletionChunk`s into the `ChatCompletion` they add up to.

    Pure state: feed it decoded chunks (`feed` returns notifications for handlers, `update`
    merges quietly), read `completion` / `completion_json` whenever you like.

    Examples:
        >>> accumulator = ChatCompletionAccumulator()
        >>> for data in (
        ...     '{"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}',
        ...     '{"id":"c1","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}',
        ... ):
        ...     _ = accumulator.feed(msgspec.json.decode(data, type=ChatCompletionChunk))
        >>> accumulator.completion().choices[0].message.content
        'Hello'
    """

    def __init__(self) -> None:
        self.chunks_fed = 0
        self._header: dict[str, Any] = {}
        self._last_header: tuple[Any, ...] = ()
        self._usage: Any = UNSET
        self._extra: dict[str, Any] = {}
        self._choices: dict[int, ChoiceBuilder] = {}
        self._cached: dict[str, Any] | None = None
        #: Whether the ``[DONE]`` marker arrived.
        self.done = False

    # ---- merging ---------------------------------------------------------------------------

    def feed(self, chunk: ChatCompletionChunk) -> list[Any]:
        """Merge one chunk; return what it changed, as notifications."""
        notes: list[Any] = []
        self._merge(chunk, notes)
        return notes

    def update(self, chunk: ChatCompletionChunk) -> None:
        """Merge one chunk without building notifications."""
        self._merge(chunk, None)

    @property
    def complete(self) -> bool:
        """Whether the completion is whole: ``[DONE]`` arrived, or every choice finished."""
        return self.done or (bool(self._choices) and all(
            choice.finish_reason is not None for choice in self._choices.values()))

    def unfinished_choices(self) -> list[int]:
        """The indexes of the choices without a ``finish_reason``."""
        return [index for index in sorted(self._choices) if self._choices[index].finish_reason is None]

    def end(self) -> list[Any]:
        """The stream ended: a completion whose every choice finished is complete without
        ``[DONE]`` (some compatible servers omit it); returns the notifications."""
        if self.done or not self.complete:
            return []
        return self.done_marker()

    def done_marker(self) -> list[Any]:
        """The ``[DONE]`` marker: choices that never said why they finished are finished
        now; returns the notifications, the completion last."""
        if self.done:
            return []
        self.done = True
        notes: list[Any] = []
        for index in sorted(self._choices):
            choice = self._choices[index]
            if choice.finish_reason is None:
                notes.append(ChatChoiceFinished(index, None))
        notes.append(ChatCompleted())
        return notes

    def _merge(self, chunk: ChatCompletionChunk, notes: list[Any] | None) -> None:
        if type(chunk) is ChatErrorEvent:
            if notes is not None:
                notes.append(ChatErrorReceived(chunk.error))  # type: ignore[attr-defined]
            return
        self.chunks_fed += 1
        self._cached = None
        # The header members repeat unchanged on every chunk: merge them only when they change.
        header_values = (chunk.id, chunk.created, chunk.model, chunk.system_fingerprint, chunk.service_tier)
        if header_values != self._last_header:
            self._last_header = header_values
            header = self._header
            for name, value in zip(_HEADER, header_values):
                if value is not UNSET and (value or name != "id"):
                    header[name] = value
        usage = chunk.usage
        if usage is not UNSET and (usage is not None or self._usage is UNSET):
            self._usage = usage
        choices = self._choices
        for choice_delta in chunk.choices:
            index = choice_delta.index
            choice = choices.get(index)
            if choice is None:
                choice = choices[index] = ChoiceBuilder(index)
            delta = choice_delta.delta
            role = delta.role
            if role.__class__ is str:
                choice.role = role
            content = delta.content
            if content.__class__ is str:
                if choice.content is None:
                    choice.content = TextPieces(content)  # type: ignore[arg-type]
                else:
                    choice.content.append(content)  # type: ignore[arg-type]
                if notes is not None and content:
                    notes.append(ChatContentDelta(index, content))  # type: ignore[arg-type]
            refusal = delta.refusal
            if refusal.__class__ is str:
                if choice.refusal is None:
                    choice.refusal = TextPieces(refusal)  # type: ignore[arg-type]
                else:
                    choice.refusal.append(refusal)  # type: ignore[arg-type]
                if notes is not None and refusal:
                    notes.append(ChatRefusalDelta(index, refusal))  # type: ignore[arg-type]
            tool_calls = delta.tool_calls
            if tool_calls:
                for call_delta in tool_calls:  # type: ignore[union-attr]
                    self._merge_tool_call(choice, call_delta, notes)
            function_call = delta.function_call
            if function_call is not UNSET and function_call is not None:
                call = choice.function_call
                if call is None:
                    call = choice.function_call = ToolCallBuilder(0)
                if function_call.name is not UNSET and function_call.name is not None:  # type: ignore[union-attr]
                    call.name = function_call.name  # type: ignore[union-attr]
                arguments = function_call.arguments  # type: ignore[union-attr]
                if arguments.__class__ is str:
                    call.arguments.append(arguments)  # type: ignore[arg-type]
                    if notes is not None:
                        notes.append(ChatFunctionCallArgumentsDelta(index, arguments))  # type: ignore[arg-type]
            logprobs = choice_delta.logprobs
            if logprobs:
                self._merge_logprobs(choice, logprobs)  # type: ignore[arg-type]
            finish_reason = choice_delta.finish_reason
            if finish_reason.__class__ is str:
                choice.finish_reason = finish_reason
                if notes is not None:
                    notes.append(ChatChoiceFinished(index, finish_reason))  # type: ignore[arg-type]
        if type(chunk) is not StrictChatCompletionChunk:
            # Decoded on the exact path (or built by hand): merge what no class declares.
            wire = chunk.__dict__.get("_wire")
            if wire is not None:
                self._merge_undeclared(wire)

    def _merge_tool_call(self, choice: ChoiceBuilder, call_delta: Any, notes: list[Any] | None) -> None:
        tool_index = call_delta.index
        call = choice.tool_calls.get(tool_index)
        if call is None:
            call = choice.tool_calls[tool_index] = ToolCallBuilder(tool_index)
        if call_delta.id is not UNSET and call_delta.id is not None:
            call.id = call_delta.id
        if call_delta.type is not UNSET and call_delta.type is not None:
            call.type = call_delta.type
        function = call_delta.function
        if function:
            call.has_function = True
            if function.name is not UNSET and function.name is not None:
                call.name = function.name
            arguments = function.arguments
            if arguments.__class__ is str:
                call.arguments.append(arguments)
                if notes is not None:
                    notes.append(ChatToolCallArgumentsDelta(choice.index, tool_index, arguments))

    @staticmethod
    def _merge_logprobs(choice: ChoiceBuilder, logprobs: dict[str, Any]) -> None:
        merged = choice.logprobs
        if merged is None:
            merged = choice.logprobs = {}
        for key, value in logprobs.items():
            current = merged.get(key)
            if isinstance(value, list):
                if isinstance(current, list):
                    current.extend(value)
                else:
                    merged[key] = list(value)
            elif key not in merged or value is not None:
                merged[key] = value

    def _merge_undeclared(self, wire: dict[str, Any]) -> None:
        """Members of the chunk's exact JSON that no class declares (the exact path)."""
        for key, value in wire.items():
            if key not in CHUNK_FIELDS:
                self._extra[key] = value
        choices = wire.get("choices")
        if not isinstance(choices, list):
            return
        for choice_json in choices:
            if not isinstance(choice_json, dict) or not isinstance(choice_json.get("index", 0), int):
                continue
            choice = self._choices[choice_json.get("index", 0)]
            for key, value in choice_json.items():
                if key not in CHOICE_FIELDS:
                    choice.extra[key] = value
            delta = choice_json.get("delta")
            if not isinstance(delta, dict):
                continue
            undeclared = {key: value for key, value in delta.items() if key not in DELTA_FIELDS}
            if undeclared:
                merge_delta(choice.message_extra, undeclared)
            for call_json in delta.get("tool_calls") or ():
                if not isinstance(call_json, dict):
                    continue
                call = choice.tool_calls.get(call_json.get("index", 0))
                if call is None:
                    continue
                undeclared = {key: value for key, value in call_json.items() if key not in TOOL_CALL_FIELDS}
                if undeclared:
                    merge_delta(call.extra, undeclared)
                function = call_json.get("function")
                if isinstance(function, dict):
                    undeclared = {key: value for key, value in function.items() if key not in FUNCTION_FIELDS}
                    if undeclared:
                        merge_delta(call.function_extra, undeclared)
            function = delta.get("function_call")
            if isinstance(function, dict) and choice.function_call is not None:
                undeclared = {key: value for key, value in function.items() if key not in FUNCTION_FIELDS}
                if undeclared:
                    merge_delta(choice.function_call.function_extra, undeclared)

    # ---- reading ---------------------------------------------------------------------------

    @property
    def choice_indexes(self) -> list[int]:
        """The indexes of the choices seen so far, sorted."""
        return sorted(self._choices)

    def content(self, choice_index: int = 0) -> str | None:
        """The content of a choice so far (``None`` if none was streamed)."""
        choice = self._choices.get(choice_index)
        if choice is None or choice.content is None:
            return None
        return choice.content.text()

    def refusal(self, choice_index: int = 0) -> str | None:
        """The refusal of a choice so far (``None`` if none was streamed)."""
        choice = self._choices.get(choice_index)
        if choice is None or choice.refusal is None:
            return None
        return choice.refusal.text()

    def tool_call_json(self, choice_index: int, tool_call_index: int) -> dict[str, Any]:
        """A tool call of a choice as the API's JSON object, as it stands."""
        return self._choices[choice_index].tool_calls[tool_call_index].json()

    def tool_call_indexes(self, choice_index: int = 0) -> list[int]:
        """The indexes of a choice's tool calls, sorted."""
        choice = self._choices.get(choice_index)
        return sorted(choice.tool_calls) if choice is not None else []

    def function_call_json(self, choice_index: int = 0) -> dict[str, Any] | None:
        """A choice's legacy ``function_call`` as JSON, or ``None``."""
        choice = self._choices.get(choice_index)
        if choice is None or choice.function_call is None:
            return None
        return choice.message_json()["function_call"]  # type: ignore[no-any-return]

    def choice_json(self, choice_index: int) -> dict[str, Any]:
        """One choice of the completion as the API's JSON object."""
        return self._choices[choice_index].json()

    def completion_json(self) -> dict[str, Any]:
        """The completion so far as the API's JSON object: every member the stream carried,
        unknown ones included. Built when read after a change and kept until the next chunk
        (read it, do not change it)."""
        if self._cached is None:
            self._cached = completion_at(self.completion_state())
        return self._cached

    def completion_state(self) -> tuple[Any, ...]:
        """The completion as it is now, for `completion_at`, at a cost that does not grow
        with the texts (a lazy snapshot's source, see `ChoiceBuilder.state`)."""
        return (dict(self._header), self._usage, dict(self._extra) if self._extra else None,
                [self._choices[index].state() for index in sorted(self._choices)])

    def completion(self) -> ChatCompletion:
        """The completion so far, typed: exactly the members of `completion_json`."""
        return convert_exact(self.completion_json(), ChatCompletion)  # type: ignore[no-any-return]



def completion_at(state: tuple[Any, ...]) -> dict[str, Any]:
    """The completion's JSON as it was when `ChatCompletionAccumulator.completion_state` was
    taken."""
    header, usage, extra, choices = state
    completion: dict[str, Any] = {"id": header.get("id", ""), "object": "chat.completion"}
    for name in ("created", "model"):
        if name in header:
            completion[name] = header[name]
    completion["choices"] = [choice_at(choice) for choice in choices]
    if usage is not UNSET:
        completion["usage"] = usage
    for name in ("service_tier", "system_fingerprint"):
        if name in header:
            completion[name] = header[name]
    for key, value in (extra or {}).items():
        completion.setdefault(key, value)
    return completion
