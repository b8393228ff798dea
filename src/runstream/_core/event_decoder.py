"""Decoding of `ServerSentEvent`s into typed events, with one reusable decoder per name.

The hot path is a dict lookup and a msgspec decode call. Anything unusual (``done``, an
unknown name, invalid JSON, a variant this version does not know, an unknown member of a
delta) takes `decode_event`, which keeps what it can and raises `StreamDecodeError` naming
the event, its ordinal and its byte offset for what it cannot.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .._models.base import ErrorObject
from .._models.exact import WHOLE_OBJECTS, decode_exact
from .._models.lenient import convert_lenient
from .._models.message import MessageDelta, MessageDeltaEvent
from .._models.run_step import RunStepDelta, RunStepDeltaEvent
from .._models.unknown_members import unknown_members, with_unknown_members
from ..errors import StreamDecodeError
from .events import (
    EVENT_NAME_ALIASES,
    JSON_EVENT_CLASSES,
    AssistantStreamEvent,
    DoneEvent,
    ErrorEvent,
    UnknownEvent,
    event_data_type,
)
from .sse import RawRun, ServerSentEvent

__all__ = ["EventDecoder", "decode_event"]

_PREVIEW_LENGTH = 120

_any_decoder = msgspec.json.Decoder()


class _ExactDecoder:
    """Decodes a whole object keeping exactly its keys (see `decode_exact`)."""

    def __init__(self, data_type: Any) -> None:
        self.data_type = data_type

    def decode(self, data: str | bytes) -> Any:
        return decode_exact(data, self.data_type)


def _decoder(data_type: Any) -> Any:
    if data_type in WHOLE_OBJECTS:
        # Reproduced exactly (see _models/exact.py): every key kept, none invented.
        return _ExactDecoder(data_type)
    return msgspec.json.Decoder(data_type)


# One reusable decoder per event name: the hot path is a dict lookup and a decode call.
_DECODERS: dict[str, tuple[type[Any], Any, Any]] = {
    cls.event: (cls, _decoder(event_data_type(cls)), event_data_type(cls)) for cls in JSON_EVENT_CLASSES
}
for _alias, _standard in EVENT_NAME_ALIASES.items():
    _DECODERS[_alias] = _DECODERS[_standard]
# The hot path's view of the same table: the event class and the bound decode method.
_FAST_DECODERS = {name: (entry[0], entry[1].decode) for name, entry in _DECODERS.items()}
# The same by the name's bytes, for events decoded straight from the stream's bytes.
_RAW_DECODERS = {name.encode(): entry for name, entry in _FAST_DECODERS.items()}


def decode_event(
    name: str, data: str | bytes, *, ordinal: int | None = None, offset: int | None = None
) -> AssistantStreamEvent:
    """Decode one event from its name and data.

    Args:
        name: the SSE event name, e.g. ``"thread.message.delta"``.
        data: the event's data (JSON, except for ``done``).
        ordinal: the event's position in the stream, for error messages.
        offset: the event's byte offset in the stream, for error messages.

    Raises:
        StreamDecodeError: the data is not valid JSON, or a known field has the wrong type.
    """
    entry = _DECODERS.get(name)
    if entry is None:
        if name == "done" or (name == "message" and data in ("[DONE]", b"[DONE]")):
            return DoneEvent(data if isinstance(data, str) else data.decode("utf-8", "replace"))
        return UnknownEvent(name, data if isinstance(data, str) else data.decode("utf-8", "replace"))
    event_class, decoder, data_type = entry
    try:
        return event_class(decoder.decode(data))
    except msgspec.ValidationError as error:
        if type(decoder) is _ExactDecoder:
            # The exact conversion already keeps unknown variants: this is a real problem.
            raise _decode_error(f"invalid {name} data: {error}", name, data, ordinal, offset) from None
    except msgspec.DecodeError as error:
        return _not_json(name, event_class, data, error, ordinal, offset)
    except RecursionError:
        # A hostile server can nest JSON deeper than any decoder's stack.
        raise _decode_error(f"JSON nested too deeply in {name} data", name, data, ordinal, offset) from None
    # A typed decode stops at the first mismatch, before the rest of the JSON was checked;
    # and the mismatch may be a variant of a type this version does not know, which is kept
    # raw (see _lenient). So decode again as plain JSON, then convert leniently.
    try:
        raw = _any_decoder.decode(data)
    except msgspec.DecodeError as error:
        return _not_json(name, event_class, data, error, ordinal, offset)
    except RecursionError:
        raise _decode_error(f"JSON nested too deeply in {name} data", name, data, ordinal, offset) from None
    try:
        converted = convert_lenient(raw, data_type)
    except msgspec.ValidationError as error:
        if event_class is ErrorEvent:
            # An error of an unexpected shape is still the server's error to report.
            return ErrorEvent(_loose_error(raw))
        # Raised only for a real problem, and named by its path (not a tolerated variant).
        raise _decode_error(f"invalid {name} data: {error}", name, data, ordinal, offset) from None
    delta_type = _DELTA_TYPES.get(data_type)
    if delta_type is not None and isinstance(raw, dict):
        # A delta with members this version does not declare: they go on beside it.
        members = unknown_members(raw.get("delta"), delta_type)
        if members:
            converted = with_unknown_members(converted, members)
    return event_class(converted)


#: The delta of each delta event's data.
_DELTA_TYPES: dict[Any, Any] = {RunStepDeltaEvent: RunStepDelta, MessageDeltaEvent: MessageDelta}


def _loose_error(raw: Any) -> ErrorObject:
    """An `ErrorObject` from an error payload of an unexpected shape, keeping its text."""
    if isinstance(raw, dict):
        inner = raw.get("error")
        if isinstance(inner, dict):
            return _loose_error(inner)
        if inner is not None and not any(key in raw for key in ("message", "code", "type")):
            return ErrorObject(message=str(inner))

        def text(key: str) -> str | None:
            value = raw.get(key)
            return None if value is None else value if isinstance(value, str) else msgspec.json.encode(value).decode()

        return ErrorObject(code=text("code"), message=text("message") or text("error") or "", param=text("param"),
                           type=text("type"))
    return ErrorObject(message=raw if isinstance(raw, str) else msgspec.json.encode(raw).decode())


def _not_json(
    name: str,
    event_class: type[Any],
    data: str | bytes,
    error: msgspec.DecodeError,
    ordinal: int | None,
    offset: int | None,
) -> ErrorEvent:
    if event_class is ErrorEvent:
        # Some servers send the error as plain text: that is still the error to report.
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        return ErrorEvent(ErrorObject(message=text.strip()))
    problem = f"invalid JSON in {name} data: {error}"
    raise _decode_error(problem, name, data, ordinal, offset) from None


def _decode_error(
    problem: str, name: str, data: str | bytes, ordinal: int | None, offset: int | None
) -> StreamDecodeError:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    preview = text if len(text) <= _PREVIEW_LENGTH else text[:_PREVIEW_LENGTH] + "..."
    return StreamDecodeError(problem, event=name, ordinal=ordinal, offset=offset, preview=preview)


class EventDecoder:
    """Sans-IO decoder of `ServerSentEvent`s into typed events; counts event ordinals so
    errors can say which event failed.

    Examples:
        >>> from runstream import SSEDecoder
        >>> sse = SSEDecoder().feed(b'event: thread.run.created\\ndata: {"id": "run_1"}\\n\\n')
        >>> EventDecoder().decode(sse[0]).data.id
        'run_1'
    """

    def __init__(self) -> None:
        self.ordinal = 0

    def decode(self, sse: ServerSentEvent) -> AssistantStreamEvent:
        """Decode the next event of the stream.

        Raises:
            StreamDecodeError: see `decode_event`.
        """
        ordinal = self.ordinal
        self.ordinal = ordinal + 1
        entry = _FAST_DECODERS.get(sse.event)
        if entry is not None:
            # The hot path, inlined; anything unusual goes through decode_event.
            try:
                return entry[0](entry[1](sse.data))
            except (msgspec.MsgspecError, RecursionError):
                pass
        return decode_event(sse.event, sse.data, ordinal=ordinal, offset=sse.offset)

    def decode_pair(self, name: bytes, data: bytes, run: RawRun, position: int) -> AssistantStreamEvent:
        """Decode the event at ``position`` of a `RawRun` (see `SSEDecoder.feed_runs`), its
        JSON straight from the bytes; the result and any error are those `decode` gives for
        the same event.

        Raises:
            StreamDecodeError: see `decode_event` (with the event's ordinal and byte offset).
        """
        ordinal = self.ordinal
        self.ordinal = ordinal + 1
        entry = _RAW_DECODERS.get(name)
        if entry is not None:
            try:
                return entry[0](entry[1](data))
            except (msgspec.MsgspecError, RecursionError):
                pass
        # Anything unusual (done, unknown names, invalid JSON or UTF-8, lenient variants):
        # exactly what the ServerSentEvent path does with the same event.
        return decode_event(
            name.decode("utf-8", "replace") or "message",
            str(data, "utf-8", "replace"),  # bytes, or a memoryview of a large value
            ordinal=ordinal,
            offset=run.offsets()[position],
        )
