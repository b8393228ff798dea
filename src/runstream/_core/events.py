"""Typed stream events, and their decoding from `ServerSentEvent`s.

The event name (the SSE ``event:`` line) says what the JSON ``data`` holds, so each name has
its own reusable msgspec decoder. ``done`` carries ``[DONE]``, which is not JSON and is never
decoded. An event name runstream does not know becomes an `UnknownEvent`, not an error.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

import msgspec

from .._models.base import ErrorObject
from .._models.exact import WHOLE_OBJECTS, convert_exact, unknown_members, with_unknown_members
from .._models.lenient import convert_lenient
from .._models.message import Message, MessageDelta, MessageDeltaEvent
from .._models.run import Run
from .._models.run_step import RunStep, RunStepDelta, RunStepDeltaEvent
from .._models.thread import Thread
from ..errors import StreamDecodeError
from .sse import RawRun, ServerSentEvent

__all__ = [
    "EVENT_CLASSES",
    "EVENT_NAME_ALIASES",
    "AssistantStreamEvent",
    "DoneEvent",
    "ErrorEvent",
    "EventDecoder",
    "ThreadCreated",
    "ThreadMessageCompleted",
    "ThreadMessageCreated",
    "ThreadMessageDelta",
    "ThreadMessageInProgress",
    "ThreadMessageIncomplete",
    "ThreadRunCancelled",
    "ThreadRunCancelling",
    "ThreadRunCompleted",
    "ThreadRunCreated",
    "ThreadRunExpired",
    "ThreadRunFailed",
    "ThreadRunInProgress",
    "ThreadRunIncomplete",
    "ThreadRunQueued",
    "ThreadRunRequiresAction",
    "ThreadRunStepCancelled",
    "ThreadRunStepCompleted",
    "ThreadRunStepCreated",
    "ThreadRunStepDelta",
    "ThreadRunStepExpired",
    "ThreadRunStepFailed",
    "ThreadRunStepInProgress",
    "UnknownEvent",
    "decode_event",
    "event_data_type",
]

#: Event names of other dialects, and the standard name each means.
EVENT_NAME_ALIASES = {"thread.message.chunk": "thread.message.delta"}

_PREVIEW_LENGTH = 120


class _Event(msgspec.Struct, frozen=True, gc=False):
    event: ClassVar[str]


class ThreadCreated(_Event):
    """``thread.created``: a thread was created (create-thread-and-run only)."""

    event: ClassVar[Literal["thread.created"]] = "thread.created"
    data: Thread


class ThreadRunCreated(_Event):
    """``thread.run.created``: a run was created."""

    event: ClassVar[Literal["thread.run.created"]] = "thread.run.created"
    data: Run


class ThreadRunQueued(_Event):
    """``thread.run.queued``: the run moved to ``queued``."""

    event: ClassVar[Literal["thread.run.queued"]] = "thread.run.queued"
    data: Run


class ThreadRunInProgress(_Event):
    """``thread.run.in_progress``: the run moved to ``in_progress``."""

    event: ClassVar[Literal["thread.run.in_progress"]] = "thread.run.in_progress"
    data: Run


class ThreadRunRequiresAction(_Event):
    """``thread.run.requires_action``: the run waits for tool outputs; the stream ends."""

    event: ClassVar[Literal["thread.run.requires_action"]] = "thread.run.requires_action"
    data: Run


class ThreadRunCompleted(_Event):
    """``thread.run.completed``: the run completed."""

    event: ClassVar[Literal["thread.run.completed"]] = "thread.run.completed"
    data: Run


class ThreadRunIncomplete(_Event):
    """``thread.run.incomplete``: the run ended with status ``incomplete``."""

    event: ClassVar[Literal["thread.run.incomplete"]] = "thread.run.incomplete"
    data: Run


class ThreadRunFailed(_Event):
    """``thread.run.failed``: the run failed."""

    event: ClassVar[Literal["thread.run.failed"]] = "thread.run.failed"
    data: Run


class ThreadRunCancelling(_Event):
    """``thread.run.cancelling``: the run moved to ``cancelling``."""

    event: ClassVar[Literal["thread.run.cancelling"]] = "thread.run.cancelling"
    data: Run


class ThreadRunCancelled(_Event):
    """``thread.run.cancelled``: the run was cancelled."""

    event: ClassVar[Literal["thread.run.cancelled"]] = "thread.run.cancelled"
    data: Run


class ThreadRunExpired(_Event):
    """``thread.run.expired``: the run expired."""

    event: ClassVar[Literal["thread.run.expired"]] = "thread.run.expired"
    data: Run


class ThreadRunStepCreated(_Event):
    """``thread.run.step.created``: a run step was created."""

    event: ClassVar[Literal["thread.run.step.created"]] = "thread.run.step.created"
    data: RunStep


class ThreadRunStepInProgress(_Event):
    """``thread.run.step.in_progress``: the step moved to ``in_progress``."""

    event: ClassVar[Literal["thread.run.step.in_progress"]] = "thread.run.step.in_progress"
    data: RunStep


class ThreadRunStepDelta(_Event):
    """``thread.run.step.delta``: fragments of a run step (tool call pieces)."""

    event: ClassVar[Literal["thread.run.step.delta"]] = "thread.run.step.delta"
    data: RunStepDeltaEvent


class ThreadRunStepCompleted(_Event):
    """``thread.run.step.completed``: the step completed (the authoritative object)."""

    event: ClassVar[Literal["thread.run.step.completed"]] = "thread.run.step.completed"
    data: RunStep


class ThreadRunStepFailed(_Event):
    """``thread.run.step.failed``: the step failed."""

    event: ClassVar[Literal["thread.run.step.failed"]] = "thread.run.step.failed"
    data: RunStep


class ThreadRunStepCancelled(_Event):
    """``thread.run.step.cancelled``: the step was cancelled."""

    event: ClassVar[Literal["thread.run.step.cancelled"]] = "thread.run.step.cancelled"
    data: RunStep


class ThreadRunStepExpired(_Event):
    """``thread.run.step.expired``: the step expired."""

    event: ClassVar[Literal["thread.run.step.expired"]] = "thread.run.step.expired"
    data: RunStep


class ThreadMessageCreated(_Event):
    """``thread.message.created``: a message was created."""

    event: ClassVar[Literal["thread.message.created"]] = "thread.message.created"
    data: Message


class ThreadMessageInProgress(_Event):
    """``thread.message.in_progress``: the message moved to ``in_progress``."""

    event: ClassVar[Literal["thread.message.in_progress"]] = "thread.message.in_progress"
    data: Message


class ThreadMessageDelta(_Event):
    """``thread.message.delta`` (Azure: ``thread.message.chunk``): message fragments."""

    event: ClassVar[Literal["thread.message.delta"]] = "thread.message.delta"
    data: MessageDeltaEvent


class ThreadMessageCompleted(_Event):
    """``thread.message.completed``: the message completed (the authoritative object)."""

    event: ClassVar[Literal["thread.message.completed"]] = "thread.message.completed"
    data: Message


class ThreadMessageIncomplete(_Event):
    """``thread.message.incomplete``: the message ended before it was completed."""

    event: ClassVar[Literal["thread.message.incomplete"]] = "thread.message.incomplete"
    data: Message


class ErrorEvent(_Event):
    """``error``: the server reports an error (both the bare object and the
    ``{"error": {...}}`` envelope decode to `ErrorObject`)."""

    event: ClassVar[Literal["error"]] = "error"
    data: ErrorObject


class DoneEvent(_Event):
    """``done``: the stream ends (``data`` is the literal ``[DONE]``, never decoded)."""

    event: ClassVar[Literal["done"]] = "done"
    data: str = "[DONE]"


class UnknownEvent(msgspec.Struct, frozen=True, gc=False):
    """An event whose name runstream does not know: kept with its raw data (a string).

    For type checkers ``event`` is the literal ``"unknown"`` (no known event has that
    name) and ``data`` is ``Any``, so that narrowing `AssistantStreamEvent` on
    ``event.event == "thread.run.completed"`` works in pyright and mypy alike; at run time
    they are the event's own name and data. Test ``isinstance(event, UnknownEvent)``.
    """

    if TYPE_CHECKING:
        event: Literal["unknown"]
        data: Any
    else:
        event: str
        data: str

    def json(self) -> Any:
        """Decode ``data`` as JSON (raises ``msgspec.DecodeError`` if it is not JSON)."""
        return msgspec.json.decode(self.data)


#: Any event of the run stream.
AssistantStreamEvent = Union[
    ThreadCreated,
    ThreadRunCreated,
    ThreadRunQueued,
    ThreadRunInProgress,
    ThreadRunRequiresAction,
    ThreadRunCompleted,
    ThreadRunIncomplete,
    ThreadRunFailed,
    ThreadRunCancelling,
    ThreadRunCancelled,
    ThreadRunExpired,
    ThreadRunStepCreated,
    ThreadRunStepInProgress,
    ThreadRunStepDelta,
    ThreadRunStepCompleted,
    ThreadRunStepFailed,
    ThreadRunStepCancelled,
    ThreadRunStepExpired,
    ThreadMessageCreated,
    ThreadMessageInProgress,
    ThreadMessageDelta,
    ThreadMessageCompleted,
    ThreadMessageIncomplete,
    ErrorEvent,
    DoneEvent,
    UnknownEvent,
]

#: The events whose data is JSON (all but ``done`` and unknown ones).
_JSON_EVENT_CLASSES: tuple[type[_Event], ...] = tuple(
    event_class for event_class in typing.get_args(AssistantStreamEvent) if event_class not in (DoneEvent, UnknownEvent)
)


def event_data_type(event_class: type) -> Any:
    """The type of an event class's ``data`` (e.g. `Run` for `ThreadRunCompleted`)."""
    return msgspec.structs.fields(event_class)[0].type


#: Every event class with JSON data, by its (standard) event name.
EVENT_CLASSES: dict[str, type[_Event]] = {event_class.event: event_class for event_class in _JSON_EVENT_CLASSES}


_any_decoder = msgspec.json.Decoder()

class _ExactDecoder:
    """Decodes a whole object as plain JSON, then converts it keeping exactly its keys."""

    def __init__(self, data_type: Any) -> None:
        self.data_type = data_type

    def decode(self, data: str | bytes) -> Any:
        return convert_exact(_any_decoder.decode(data), self.data_type)


def _decoder(data_type: Any) -> Any:
    if data_type in WHOLE_OBJECTS:
        # Reproduced exactly (see _exact): every key kept, none invented.
        return _ExactDecoder(data_type)
    return msgspec.json.Decoder(data_type)


# One reusable decoder per event name: the hot path is a dict lookup and a decode call.
_DECODERS: dict[str, tuple[type[_Event], Any, Any]] = {
    cls.event: (cls, _decoder(event_data_type(cls)), event_data_type(cls)) for cls in _JSON_EVENT_CLASSES
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
    event_class: type[_Event],
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
