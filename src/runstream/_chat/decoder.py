"""Sans-IO decoding of a Chat Completions stream's server-sent events into typed chunks.

The stream is data-only: every event is a ``chat.completion.chunk`` object, an error object,
or the ``[DONE]`` marker that ends it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .._core.sse import ServerSentEvent
from .._models.base import ErrorObject
from ..errors import StreamDecodeError
from .models import ChatCompletionChunk, ChatErrorEvent, StrictChatCompletionChunk

__all__ = ["MISSED", "ChatChunkDecoder"]

_PREVIEW_LENGTH = 80
# Decoders are reusable: built once, not per stream.
_DECODE_STRICT = msgspec.json.Decoder(StrictChatCompletionChunk).decode
_DECODE_PLAIN = msgspec.json.Decoder().decode
#: What `ChatChunkDecoder.decode_bytes` returns for an event it leaves to `decode`.
MISSED: Any = object()


class ChatChunkDecoder:
    """Decodes `ServerSentEvent`s of a Chat Completions stream.

    ``decode`` returns a `ChatCompletionChunk`, a `ChatErrorEvent`, or ``None`` for the
    ``[DONE]`` marker. A chunk is decoded in one pass when every member it carries is
    declared; one with undeclared members is decoded again as plain JSON and keeps them
    (`ChatCompletionChunk.wire`).

    Examples:
        >>> decoder = ChatChunkDecoder()
        >>> decoder.decode(ServerSentEvent(data='{"id": "c1", "choices": []}')).id
        'c1'
        >>> decoder.decode(ServerSentEvent(data="[DONE]")) is None
        True
    """

    def __init__(self) -> None:
        self.ordinal = 0
        #: Whether the fast path still decodes runs of content chunks by their shape (see
        #: `runstream._chat.drain`): until a batch does not fit it.
        self.shaped = True
        self._strict = _DECODE_STRICT
        self._plain = _DECODE_PLAIN

    def decode(self, sse: ServerSentEvent) -> ChatCompletionChunk | ChatErrorEvent | None:
        """Decode the next event.

        Raises:
            StreamDecodeError: the data is not JSON, or not a chunk or an error object.
        """
        ordinal = self.ordinal
        self.ordinal = ordinal + 1
        data = sse.data
        if data == "[DONE]":
            return None
        try:
            return self._strict(data)  # type: ignore[no-any-return]
        except (msgspec.ValidationError, RecursionError):
            pass
        except msgspec.DecodeError:
            if data.strip() == "[DONE]":
                return None
            raise self._error("the event's data is not valid JSON", sse, ordinal) from None
        if data.strip() == "[DONE]":
            return None
        try:
            wire: Any = self._plain(data)
        except (msgspec.DecodeError, RecursionError):
            raise self._error("the event's data is not valid JSON", sse, ordinal) from None
        if not isinstance(wire, dict):
            raise self._error("the event's data is not a JSON object", sse, ordinal)
        # An error object, or what a server sent as an ``error`` event: but a chunk (it has
        # ``choices``) is a chunk whatever its event is named, as the strict decode above
        # and the fast path, which read only the data, take it.
        if ("error" in wire or sse.event == "error") and "choices" not in wire:
            error = wire.get("error", wire)
            return ChatErrorEvent(_error_object(error))
        try:
            chunk = msgspec.convert(wire, ChatCompletionChunk)
        except msgspec.ValidationError as problem:
            raise self._error(f"the chunk does not match the Chat Completions schema ({problem})", sse, ordinal) from None
        chunk._wire = wire  # type: ignore[attr-defined]
        return chunk

    def decode_bytes(self, data: Any) -> Any:
        """Decode the next event straight from its data's bytes when it is a chunk whose
        every member is declared; returns `MISSED` (and numbers nothing) for anything else,
        which the caller decodes the usual way (`decode`, with a `ServerSentEvent`). The
        result is what `decode` gives for the same event: only a valid object decodes, so
        neither ``[DONE]`` nor invalid UTF-8 (which `decode` replaces) gets here."""
        if type(data) is not bytes:
            return MISSED  # a memoryview of a large value: the usual way
        try:
            chunk = self._strict(data)
        except (msgspec.MsgspecError, RecursionError):
            return MISSED
        self.ordinal += 1
        return chunk

    @staticmethod
    def _error(problem: str, sse: ServerSentEvent, ordinal: int) -> StreamDecodeError:
        data = sse.data
        preview = data if len(data) <= _PREVIEW_LENGTH else data[:_PREVIEW_LENGTH] + "..."
        return StreamDecodeError(problem, event=sse.event, ordinal=ordinal, offset=sse.offset, preview=preview)


def _error_object(error: Any) -> ErrorObject:
    if not isinstance(error, dict):
        return ErrorObject(message=str(error))

    def text(key: str) -> str | None:
        value = error.get(key)
        return value if isinstance(value, str) else None if value is None else str(value)

    return ErrorObject(code=text("code"), message=text("message") or "", param=text("param"), type=text("type"))
