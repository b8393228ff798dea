"""The Chat Completions wire model: streamed chunks and the completion they add up to.

Chunks decode in one msgspec pass into the public classes' strict twins (unknown fields
forbidden). A chunk that carries a member no class declares (a provider's extra, a new API
field) fails that pass and takes the exact path instead: it is decoded as plain JSON, its
declared members are read through the public classes and the rest is merged by
`runstream._core.delta_tree`. Either way nothing the server sent is dropped.

``usage`` and ``logprobs`` stay plain JSON objects: they are passed through, never merged
field by field, so they are reproduced exactly whatever members they grow.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from .._models.base import ErrorObject

__all__ = [
    "ChatChoice",
    "ChatChunkChoice",
    "ChatChunkDelta",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatErrorEvent",
    "ChatFunctionCall",
    "ChatFunctionCallDelta",
    "ChatMessage",
    "ChatToolCall",
    "ChatToolCallDelta",
]


class _Wire(msgspec.Struct, kw_only=True):
    pass


class ChatFunctionCallDelta(_Wire):
    """A fragment of a function call: its ``name`` once, its ``arguments`` in pieces."""

    name: str | None | UnsetType = UNSET
    arguments: str | None | UnsetType = UNSET


class ChatToolCallDelta(_Wire):
    """A fragment of the ``index``-th tool call of a choice."""

    index: int = 0
    id: str | None | UnsetType = UNSET
    type: str | None | UnsetType = UNSET
    function: ChatFunctionCallDelta | None | UnsetType = UNSET


class ChatChunkDelta(_Wire):
    """What one chunk adds to a choice's message."""

    role: str | None | UnsetType = UNSET
    content: str | None | UnsetType = UNSET
    refusal: str | None | UnsetType = UNSET
    tool_calls: list[ChatToolCallDelta] | None | UnsetType = UNSET
    function_call: ChatFunctionCallDelta | None | UnsetType = UNSET


class ChatChunkChoice(_Wire):
    """One choice of a chunk."""

    index: int = 0
    delta: ChatChunkDelta = msgspec.field(default_factory=ChatChunkDelta)
    logprobs: dict[str, Any] | None | UnsetType = UNSET
    finish_reason: str | None | UnsetType = UNSET


class ChatCompletionChunk(_Wire, dict=True):
    """One ``chat.completion.chunk`` of a Chat Completions stream.

    `wire` is the chunk's exact JSON object when it carried members no class declares
    (``None`` otherwise: then the typed fields are all it said).
    """

    @property
    def wire(self) -> dict[str, Any] | None:
        """The exact JSON object, kept only for chunks with undeclared members."""
        return self.__dict__.get("_wire")

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int | UnsetType = UNSET
    model: str | UnsetType = UNSET
    choices: list[ChatChunkChoice] = msgspec.field(default_factory=list)
    system_fingerprint: str | None | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET
    usage: dict[str, Any] | None | UnsetType = UNSET


# ---- the strict twins: same fields, unknown ones forbidden (see the module docstring) -------


class _StrictFunctionCallDelta(ChatFunctionCallDelta, forbid_unknown_fields=True):
    pass


class _StrictToolCallDelta(ChatToolCallDelta, forbid_unknown_fields=True):
    function: _StrictFunctionCallDelta | None | UnsetType = UNSET


class _StrictChunkDelta(ChatChunkDelta, forbid_unknown_fields=True):
    tool_calls: list[_StrictToolCallDelta] | None | UnsetType = UNSET  # type: ignore[assignment]
    function_call: _StrictFunctionCallDelta | None | UnsetType = UNSET


class _StrictChunkChoice(ChatChunkChoice, forbid_unknown_fields=True):
    delta: _StrictChunkDelta = msgspec.field(default_factory=_StrictChunkDelta)


class StrictChatCompletionChunk(ChatCompletionChunk, forbid_unknown_fields=True):
    choices: list[_StrictChunkChoice] = msgspec.field(default_factory=list)  # type: ignore[assignment]


# ---- the completion ------------------------------------------------------------------------


class ChatFunctionCall(_Wire):
    """A function call: its name and its arguments as a JSON string."""

    name: str = ""
    arguments: str = ""


class ChatToolCall(_Wire):
    """A tool call of an assistant message."""

    id: str = ""
    type: str = "function"
    function: ChatFunctionCall = msgspec.field(default_factory=ChatFunctionCall)


class ChatMessage(_Wire):
    """The message of a choice, as the non-streaming API returns it."""

    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChatToolCall] | UnsetType = UNSET
    function_call: ChatFunctionCall | UnsetType = UNSET
    audio: dict[str, Any] | None | UnsetType = UNSET
    annotations: list[dict[str, Any]] | UnsetType = UNSET


class ChatChoice(_Wire):
    """A choice of a completion."""

    index: int = 0
    message: ChatMessage = msgspec.field(default_factory=ChatMessage)
    logprobs: dict[str, Any] | None = None
    finish_reason: str | None = None


class ChatCompletion(_Wire):
    """A ``chat.completion`` object, as the non-streaming API returns it.

    The typed view of `ChatCompletionAccumulator.completion_json`, which holds every member
    the stream carried (unknown ones included).
    """

    id: str = ""
    object: str = "chat.completion"
    created: int | UnsetType = UNSET
    model: str | UnsetType = UNSET
    choices: list[ChatChoice] = msgspec.field(default_factory=list)
    system_fingerprint: str | None | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET
    usage: dict[str, Any] | None | UnsetType = UNSET


class ChatErrorEvent(msgspec.Struct, frozen=True, gc=False):
    """An error object the server sent in place of a chunk (``{"error": {...}}``)."""

    error: ErrorObject

#: Member names each chunk level declares; the exact path merges the others generically.
CHUNK_FIELDS = frozenset(ChatCompletionChunk.__struct_fields__)
CHOICE_FIELDS = frozenset(ChatChunkChoice.__struct_fields__)
DELTA_FIELDS = frozenset(ChatChunkDelta.__struct_fields__)
TOOL_CALL_FIELDS = frozenset(ChatToolCallDelta.__struct_fields__)
FUNCTION_FIELDS = frozenset(ChatFunctionCallDelta.__struct_fields__)
