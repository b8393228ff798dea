"""The Chat Completions wire model: streamed chunks and the completion they add up to.

Chunks decode in one msgspec pass into the public classes' strict twins (unknown fields
forbidden). A chunk that carries a member no class declares (a provider's extra, a new API
field) fails that pass and takes the exact path instead: it is decoded as plain JSON, its
declared members are read through the public classes and the rest is merged by
`runstream._core.delta_tree`. Either way nothing the server sent is dropped.

In chunks, ``usage`` and ``logprobs`` stay plain JSON objects: they are passed through, never
merged field by field, so they are reproduced exactly whatever members they grow. The
completion they add up to is typed (`ChatCompletionUsage`, `ChatChoiceLogprobs`) and exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

import msgspec
from msgspec import UNSET, UnsetType

from .._models.base import ErrorObject, Model, UnknownObject

__all__ = [
    "ChatAnnotation",
    "ChatAudio",
    "ChatChoice",
    "ChatChoiceLogprobs",
    "ChatCompletionTokensDetails",
    "ChatCompletionUsage",
    "ChatPromptTokensDetails",
    "ChatTokenLogprob",
    "ChatTopLogprob",
    "ChatURLCitation",
    "ChatURLCitationAnnotation",
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
#
# What the stream adds up to, typed and exact: `ChatCompletionAccumulator.completion` converts
# the completion's JSON through runstream._models.exact, so every member is kept (unknown ones
# through `extra_fields`) and the typed object encodes back to the JSON.


class ChatFunctionCall(Model):
    """A function call: its name and its arguments as a JSON string."""

    name: str = ""
    arguments: str = ""


class ChatFunctionToolCall(Model, tag_field="type", tag="function"):
    """A function tool call of an assistant message (``type`` ``"function"``)."""

    type: ClassVar[Literal["function"]] = "function"
    id: str = ""
    function: ChatFunctionCall = msgspec.field(default_factory=ChatFunctionCall)


class ChatCustomCall(Model):
    """A custom tool call: the tool's name and its free-form input."""

    name: str = ""
    input: str = ""


class ChatCustomToolCall(Model, tag_field="type", tag="custom"):
    """A custom tool call of an assistant message (``type`` ``"custom"``)."""

    type: ClassVar[Literal["custom"]] = "custom"
    id: str = ""
    custom: ChatCustomCall = msgspec.field(default_factory=ChatCustomCall)


# A tool call, typed by its ``type`` (narrow on ``.type`` or with isinstance); a type
# runstream does not know is an `UnknownObject`.
if TYPE_CHECKING:
    ChatToolCall = Union[ChatFunctionToolCall, ChatCustomToolCall, UnknownObject]
else:
    ChatToolCall = Union[ChatFunctionToolCall, ChatCustomToolCall]


class ChatURLCitation(Model):
    """The web page a ``url_citation`` annotation cites."""

    url: str = ""
    title: str | None = None
    start_index: int = 0
    end_index: int = 0


class ChatURLCitationAnnotation(Model, tag_field="type", tag="url_citation"):
    """A web citation of a message (web search models)."""

    type: ClassVar[Literal["url_citation"]] = "url_citation"
    url_citation: ChatURLCitation = msgspec.field(default_factory=ChatURLCitation)


if TYPE_CHECKING:
    ChatAnnotation = Union[ChatURLCitationAnnotation, UnknownObject]
else:
    ChatAnnotation = ChatURLCitationAnnotation


class ChatAudio(Model):
    """The audio answer of a message (``data`` is base64; ``transcript`` its text)."""

    id: str = ""
    data: str = ""
    expires_at: int | None = None
    transcript: str = ""


class ChatMessage(Model):
    """The message of a choice, as the non-streaming API returns it."""

    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChatToolCall] | UnsetType = UNSET
    function_call: ChatFunctionCall | UnsetType = UNSET
    audio: ChatAudio | None | UnsetType = UNSET
    annotations: list[ChatAnnotation] | UnsetType = UNSET


class ChatTopLogprob(Model):
    """One of the most likely tokens at a position."""

    token: str = ""
    logprob: int | float = 0
    bytes: list[int] | None = None


class ChatTokenLogprob(Model):
    """The log probability of a token of the message, and the most likely alternatives."""

    token: str = ""
    logprob: int | float = 0
    bytes: list[int] | None = None
    top_logprobs: list[ChatTopLogprob] = []


class ChatChoiceLogprobs(Model):
    """The log probabilities of a choice's content and refusal tokens."""

    content: list[ChatTokenLogprob] | None = None
    refusal: list[ChatTokenLogprob] | None = None


class ChatChoice(Model):
    """A choice of a completion."""

    index: int = 0
    message: ChatMessage = msgspec.field(default_factory=ChatMessage)
    logprobs: ChatChoiceLogprobs | None = None
    finish_reason: str | None = None


class ChatPromptTokensDetails(Model):
    """Details of a completion's prompt tokens."""

    cached_tokens: int | None = None
    audio_tokens: int | None = None


class ChatCompletionTokensDetails(Model):
    """Details of a completion's completion tokens."""

    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class ChatCompletionUsage(Model):
    """Token usage of a completion (the stream's usage chunk)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: ChatPromptTokensDetails | None = None
    completion_tokens_details: ChatCompletionTokensDetails | None = None


class ChatCompletion(Model):
    """A ``chat.completion`` object, as the non-streaming API returns it.

    The typed view of `ChatCompletionAccumulator.completion_json`, converted exactly: every
    member the stream carried, unknown ones included (`extra_fields`).
    """

    id: str = ""
    object: str = "chat.completion"
    created: int | UnsetType = UNSET
    model: str | UnsetType = UNSET
    choices: list[ChatChoice] = msgspec.field(default_factory=list)
    system_fingerprint: str | None | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET
    usage: ChatCompletionUsage | None | UnsetType = UNSET


class ChatErrorEvent(msgspec.Struct, frozen=True, gc=False):
    """An error object the server sent in place of a chunk (``{"error": {...}}``)."""

    error: ErrorObject

#: Member names each chunk level declares; the exact path merges the others generically.
CHUNK_FIELDS = frozenset(ChatCompletionChunk.__struct_fields__)
CHOICE_FIELDS = frozenset(ChatChunkChoice.__struct_fields__)
DELTA_FIELDS = frozenset(ChatChunkDelta.__struct_fields__)
TOOL_CALL_FIELDS = frozenset(ChatToolCallDelta.__struct_fields__)
FUNCTION_FIELDS = frozenset(ChatFunctionCallDelta.__struct_fields__)
