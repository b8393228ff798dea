"""Sans-IO decoding of a Responses API stream's server-sent events into typed events."""

from __future__ import annotations

from typing import Any, Union

import msgspec

from .._core.sse import ServerSentEvent
from ..errors import StreamDecodeError
from .events import RESPONSE_EVENT_CLASSES, ResponseStreamEvent, UnknownResponseEvent

__all__ = ["ResponseEventDecoder"]

_PREVIEW_LENGTH = 80
_KNOWN = Union[tuple(RESPONSE_EVENT_CLASSES.values())]  # type: ignore[valid-type]


class ResponseEventDecoder:
    """Decodes `ServerSentEvent`s of a Responses API stream into typed events.

    Every event goes through one tagged-union decoder keyed by its ``type`` member; an event
    of an unknown type becomes an `UnknownResponseEvent` (never an error). ``decode``
    returns ``None`` for a ``[DONE]`` marker, which some compatible servers send.

    Examples:
        >>> decoder = ResponseEventDecoder()
        >>> event = decoder.decode(ServerSentEvent(
        ...     "response.output_text.delta",
        ...     '{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"Hi"}',
        ... ))
        >>> event.delta
        'Hi'
    """

    def __init__(self) -> None:
        self.ordinal = 0
        self._typed = msgspec.json.Decoder(_KNOWN).decode
        self._plain = msgspec.json.Decoder().decode

    def decode(self, sse: ServerSentEvent) -> ResponseStreamEvent | None:
        """Decode the next event.

        Raises:
            StreamDecodeError: the data is not JSON, or an event of a known type does not
                match its schema.
        """
        ordinal = self.ordinal
        self.ordinal = ordinal + 1
        data = sse.data
        try:
            return self._typed(data)  # type: ignore[no-any-return]
        except (msgspec.ValidationError, RecursionError):
            pass
        except msgspec.DecodeError:
            if data.strip() == "[DONE]":
                return None
            raise self._error("the event's data is not valid JSON", sse, ordinal) from None
        try:
            wire: Any = self._plain(data)
        except (msgspec.DecodeError, RecursionError):
            raise self._error("the event's data is not valid JSON", sse, ordinal) from None
        if not isinstance(wire, dict):
            if data.strip() == "[DONE]":
                return None
            raise self._error("the event's data is not a JSON object", sse, ordinal)
        kind = wire.get("type")
        if not isinstance(kind, str):
            kind = sse.event if sse.event != "message" else ""
        known = RESPONSE_EVENT_CLASSES.get(kind)
        if known is not None:
            # A data line without its ``type`` member (the SSE event name carries it), or a
            # known event that does not match its schema.
            try:
                return msgspec.convert({**wire, "type": kind}, known)  # type: ignore[no-any-return]
            except msgspec.ValidationError as problem:
                raise self._error(f"the event does not match its schema ({problem})", sse, ordinal) from None
        return UnknownResponseEvent(name=kind, data=wire)

    @staticmethod
    def _error(problem: str, sse: ServerSentEvent, ordinal: int) -> StreamDecodeError:
        data = sse.data
        preview = data if len(data) <= _PREVIEW_LENGTH else data[:_PREVIEW_LENGTH] + "..."
        return StreamDecodeError(problem, event=sse.event, ordinal=ordinal, offset=sse.offset, preview=preview)
