"""Sans-IO decoding of a Responses API stream's server-sent events into typed events.

Events that carry an object (a ``response``, ``item``, ``part`` or ``annotation``) must
reproduce it exactly, which a typed msgspec decode cannot (it would drop unknown members and
invent absent ones). So the one tagged-union decoder knows them through *wire twins*: the
same events with the object as plain JSON. A twin is then turned into its public event, the
object converted exactly (`runstream._models.exact`) and its JSON kept beside it
(`object_json`) for the accumulator. Deltas, the many, decode straight to their classes.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, Union

import msgspec

from .._core.sse import ServerSentEvent
from .._models.complete_types import with_structs_replaced
from .._models.conversion import convert
from .._models.exact import UNNAMEABLE, convert_exact
from ..errors import StreamDecodeError
from .events import RESPONSE_EVENT_CLASSES, ResponseStreamEvent, UnknownResponseEvent

__all__ = ["MISSED", "WIRE_TWINS", "ResponseEventDecoder", "object_json"]

_PREVIEW_LENGTH = 80
#: What `ResponseEventDecoder.decode_bytes` returns for an event it leaves to `decode`.
MISSED: Any = object()
#: The members that hold a whole object, in the events that carry one.
_OBJECT_MEMBERS = ("response", "item", "part", "annotation")


def _object_member(event_class: type) -> str | None:
    fields = {field.name for field in msgspec.structs.fields(event_class)}
    return next((name for name in _OBJECT_MEMBERS if name in fields), None)


def _wire_twin(event_class: Any, member: str) -> Any:
    config = event_class.__struct_config__
    fields = [
        (field.name, dict[str, Any] if field.name == member else field.type, field.default)
        if field.default is not msgspec.NODEFAULT
        else (field.name, dict[str, Any] if field.name == member else field.type)
        for field in msgspec.structs.fields(event_class)
    ]
    return msgspec.defstruct(
        f"_Wire{event_class.__name__}",
        [field for field in fields if len(field) == 2] + [field for field in fields if len(field) == 3],
        tag_field=config.tag_field,
        tag=config.tag,
        kw_only=True,
        gc=False,
    )


#: Public event class -> the member holding its object, for the events that carry one.
OBJECT_MEMBER: dict[type, str] = {
    cls: member for cls in RESPONSE_EVENT_CLASSES.values() if (member := _object_member(cls)) is not None
}
#: Wire twin -> (public class, object member, the object's annotation).
_TWINS: dict[type, tuple[type, str, Any]] = {
    _wire_twin(cls, member): (cls, member, typing.get_type_hints(cls)[member]) for cls, member in OBJECT_MEMBER.items()
}
_DECODED_CLASSES = tuple(cls for cls in RESPONSE_EVENT_CLASSES.values() if cls not in OBJECT_MEMBER) + tuple(_TWINS)
_KNOWN = Union[_DECODED_CLASSES]  # type: ignore[valid-type]
# Decoders are reusable, and building one for a union of fifty classes is not cheap.
_DECODE_TYPED = msgspec.json.Decoder(_KNOWN).decode
_DECODE_PLAIN = msgspec.json.Decoder().decode


#: Wire twin -> its public class: what the accumulator merges a twin as, on the fast path of
#: a stream nobody listens to (see `ResponseEventDecoder.decode_bytes`).
WIRE_TWINS: dict[type, type] = {twin: entry[0] for twin, entry in _TWINS.items()}
# Wire twin -> the member holding its object (as JSON).
_TWIN_MEMBER: dict[type, str] = {twin: entry[1] for twin, entry in _TWINS.items()}


def object_json(event: Any) -> Any:
    """The JSON of the object an event (or a checked wire twin) carries, as the server sent
    it (for an event built by hand, its encoding)."""
    member = _TWIN_MEMBER.get(type(event))
    if member is not None:
        return getattr(event, member)  # a twin holds the JSON itself (no attribute lookup fails)
    wire = event.__dict__.get("_json") if hasattr(event, "__dict__") else None
    if wire is not None:
        return wire
    value = getattr(event, OBJECT_MEMBER[type(event)])
    return value if isinstance(value, dict) else msgspec.to_builtins(value)


def upgrade(twin: Any) -> Any:
    """The public event of a wire twin: its object converted exactly, its JSON kept.

    Raises:
        msgspec.ValidationError: a documented member of the object has the wrong type.
    """
    cls, member, annotation = _TWINS[type(twin)]
    wire = getattr(twin, member)
    arguments = {name: getattr(twin, name) for name in twin.__struct_fields__}
    arguments[member] = convert_exact(wire, annotation)
    event = cls(**arguments)
    event._json = wire
    return event


def _unnameable_key(value: Any) -> bool:
    """Whether any object in decoded JSON ``value`` has a member name a Struct cannot carry
    (`convert_exact` refuses those): the names of every object are gathered by walking only
    objects and arrays (a Response holds tens of names, mostly of leaves), then searched at
    once."""
    names: list[str] = []
    stack = [value] if type(value) is dict or type(value) is list else []
    pop, push, gather = stack.pop, stack.append, names.extend
    while stack:
        node = pop()
        members = node
        if type(node) is dict:
            gather(node)  # JSON names are strings
            members = node.values()
        for member in members:
            kind = type(member)
            if kind is dict or kind is list:
                push(member)
    joined = "".join(names)
    if joined.isprintable():
        # No control character (a C loop, unlike a regex's): then only a quote or a backslash.
        return '"' in joined or "\\" in joined
    return UNNAMEABLE.search(joined) is not None


@functools.lru_cache(maxsize=None)
def closed_type(annotation: Any) -> Any:
    """``annotation`` with every Struct in it replaced by its *closed* variant: the same
    fields, types (closed in turn), defaults, names and tag, but unknown keys forbidden. An
    object that converts to it converts to ``annotation`` (the closed variant is only
    stricter) and holds no key its class does not declare, at any level a Struct reads."""
    return with_structs_replaced(annotation, closed_type, _closed_struct)


def _closed_struct(annotation: Any) -> Any:
    config = annotation.__struct_config__
    fields = msgspec.structs.fields(annotation)
    return msgspec.defstruct(
        annotation.__name__,
        [
            (field.name, closed_type(field.type),
             msgspec.field(default=field.default) if field.default_factory is msgspec.NODEFAULT
             else msgspec.field(default_factory=field.default_factory))
            if not field.required else (field.name, closed_type(field.type))
            for field in fields
        ],
        rename={field.name: field.encode_name for field in fields if field.encode_name != field.name} or None,
        tag=config.tag,
        tag_field=config.tag_field,
        kw_only=True,
        forbid_unknown_fields=True,
        gc=False,
    )


def passes(twin: Any, data: str | bytes) -> bool:
    """Whether the object of a wire twin converts exactly, checked in C and left as JSON:
    exactly the objects `upgrade` accepts pass but some it accepts (an unknown variant,
    which it keeps raw) and those it refuses. ``data`` is the event's JSON text (a str, or
    its UTF-8 bytes)."""
    cls, member, annotation = _TWINS[type(twin)]
    wire = getattr(twin, member)
    # Only an escape can put a quote, backslash or control character in a name.
    escaped = ("\\" if type(data) is str else b"\\") in data
    if escaped:
        # The usual object declares every key it has: if it converts to the closed variant
        # of its type (see `closed_type`), it converts exactly and holds no key a Struct
        # cannot carry, with no walk over its names.
        try:
            convert(wire, closed_type(annotation))
            return True
        except (msgspec.ValidationError, RecursionError):
            pass
    try:
        # msgspec.convert succeeds only where the exact conversion does (it is stricter:
        # an unknown variant, which the exact one keeps raw, fails it), but for a member
        # name a Struct cannot carry, which it ignores.
        convert(wire, annotation)
    except (msgspec.ValidationError, RecursionError):
        return False
    return not (escaped and _unnameable_key(wire))


def checked(twin: Any, data: str | bytes) -> Any:
    """The public event of a wire twin for a reader that never looks at the object (the fast
    path of a stream nobody listens to): its object left as JSON when it `passes`; any
    other takes `upgrade`, for the exact conversion or its error.

    Raises:
        msgspec.ValidationError: as `upgrade` raises it.
    """
    if not passes(twin, data):
        return upgrade(twin)
    cls, member, _ = _TWINS[type(twin)]
    event = cls(**{name: getattr(twin, name) for name in twin.__struct_fields__})
    event._json = getattr(twin, member)
    return event


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
        #: Whether the events go to no reader but the accumulator (a stream's fast path):
        #: the objects they carry are then checked but left as JSON (see `checked`).
        self.unread = False
        self._typed = _DECODE_TYPED
        self._plain = _DECODE_PLAIN

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
            event = self._typed(data)
        except (msgspec.ValidationError, RecursionError):
            pass
        except msgspec.DecodeError:
            raise self._error("the event's data is not valid JSON", sse, ordinal) from None
        else:
            if type(event) in _TWINS:
                return self._upgrade(event, sse, ordinal)
            return event  # type: ignore[no-any-return]
        try:
            wire: Any = self._plain(data)
        except (msgspec.DecodeError, RecursionError):
            # ``[DONE]`` (no JSON) gets here: the typed decode refuses it as an array.
            if data.strip() == "[DONE]":
                return None
            raise self._error("the event's data is not valid JSON", sse, ordinal) from None
        if not isinstance(wire, dict):
            raise self._error("the event's data is not a JSON object", sse, ordinal)
        kind = wire.get("type")
        if not isinstance(kind, str):
            kind = sse.event if sse.event != "message" else ""
        known = RESPONSE_EVENT_CLASSES.get(kind)
        if known is not None:
            # A data line without its ``type`` member (the SSE event name carries it), or a
            # known event that does not match its schema.
            target = next((twin for twin, entry in _TWINS.items() if entry[0] is known), known)
            try:
                event = msgspec.convert({**wire, "type": kind}, target)
            except msgspec.ValidationError as problem:
                raise self._error(f"the event does not match its schema ({problem})", sse, ordinal) from None
            if target is not known:
                return self._upgrade(event, sse, ordinal)
            return event  # type: ignore[no-any-return]
        return UnknownResponseEvent(name=kind, data=wire)

    def decode_bytes(self, data: Any) -> Any:
        """Decode the next event straight from its data's bytes (a `RawRun`'s, see
        `SSEDecoder.feed_runs`) when it is a usual one: a known event that matches its
        schema. Returns `MISSED` (and numbers nothing) for anything else, which the caller
        decodes the usual way (`decode`, with a `ServerSentEvent`): the result, or the
        error, is always what `decode` gives for the same event, but that with ``unread``
        set an event whose object `passes` comes as its wire twin, the object as JSON (no
        public event is made for a reader that never sees it: the accumulator merges the
        twin as its public class, see `WIRE_TWINS`). No str of the data is made
        (an authoritative object repeats the whole text: decoding it twice, as UTF-8 and
        then as JSON, is most of an event's cost); invalid UTF-8, which `decode` replaces,
        fails msgspec's decode and misses."""
        if type(data) is not bytes:
            return MISSED  # a memoryview of a large value: the usual way
        try:
            event = self._typed(data)
            if type(event) in _TWINS and not (self.unread and passes(event, data)):
                event = upgrade(event)
        except (msgspec.MsgspecError, RecursionError):
            return MISSED
        self.ordinal += 1
        return event

    def _upgrade(self, twin: Any, sse: ServerSentEvent, ordinal: int) -> Any:
        try:
            return checked(twin, sse.data) if self.unread else upgrade(twin)
        except msgspec.ValidationError as problem:
            raise self._error(f"the event does not match its schema ({problem})", sse, ordinal) from None

    @staticmethod
    def _error(problem: str, sse: ServerSentEvent, ordinal: int) -> StreamDecodeError:
        data = sse.data
        preview = data if len(data) <= _PREVIEW_LENGTH else data[:_PREVIEW_LENGTH] + "..."
        return StreamDecodeError(problem, event=sse.event, ordinal=ordinal, offset=sse.offset, preview=preview)
