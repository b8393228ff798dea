"""What merging a Chat Completions chunk changed: the notifications handlers are called for."""

from __future__ import annotations

import msgspec

from .._models.base import ErrorObject

__all__ = [
    "ChatChoiceFinished",
    "ChatCompleted",
    "ChatContentDelta",
    "ChatErrorReceived",
    "ChatFunctionCallArgumentsDelta",
    "ChatRefusalDelta",
    "ChatToolCallArgumentsDelta",
]


class ChatContentDelta(msgspec.Struct, frozen=True, gc=False):
    """Content text was appended to choice ``choice_index``."""

    choice_index: int
    delta: str


class ChatRefusalDelta(msgspec.Struct, frozen=True, gc=False):
    """Refusal text was appended to choice ``choice_index``."""

    choice_index: int
    delta: str


class ChatToolCallArgumentsDelta(msgspec.Struct, frozen=True, gc=False):
    """An arguments fragment was appended to a tool call."""

    choice_index: int
    tool_call_index: int
    delta: str


class ChatFunctionCallArgumentsDelta(msgspec.Struct, frozen=True, gc=False):
    """An arguments fragment was appended to a choice's legacy ``function_call``."""

    choice_index: int
    delta: str


class ChatChoiceFinished(msgspec.Struct, frozen=True, gc=False):
    """A choice got its ``finish_reason`` (``None``: the stream ended without one)."""

    choice_index: int
    finish_reason: str | None


class ChatCompleted(msgspec.Struct, frozen=True, gc=False):
    """The stream's ``[DONE]`` marker (or its end): the completion is whole."""


class ChatErrorReceived(msgspec.Struct, frozen=True, gc=False):
    """The server sent an error object instead of a chunk."""

    error: ErrorObject
