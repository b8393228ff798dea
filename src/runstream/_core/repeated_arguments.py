"""Large run objects that repeat arguments the deltas built, decoded without a second copy.

A ``thread.run.requires_action`` run lists every call it waits on with its complete
``arguments``, which the step deltas have already built: for a 50 MB tool call the event is
50 MB of JSON. Decoded as is, the arguments would be in memory four times at once: the
event's bytes, the text the deltas built, msgspec's unescaping buffer and the decoded
string. Instead, each long ``arguments`` string of the event is compared with the text its
deltas built a slice at a time (decoded as JSON, so the server's escapes are read as such),
and where they are equal the event is decoded with that string left out; once the event's
bytes are released, the built text is joined and put in its place. The run is the one the
usual decoding gives (the same object, keys and values), and the built text and the run
share one string. Anything unusual (a call whose text differs, a shape not expected, a
decoding error) takes the usual way, with its usual result or error.
"""

from __future__ import annotations

import operator
import re
from typing import TYPE_CHECKING, Any

import msgspec

from .events import EVENT_CLASSES, event_data_type
from .._models.run import Run

if TYPE_CHECKING:
    from .accumulator import Accumulator
    from .tool_call_builder import ToolCallBuilder

__all__ = ["LONG_ARGUMENTS", "RUN_EVENT_NAMES", "decode_repeating_run"]

#: Arguments strings from this length on (in bytes of JSON) are not decoded a second time.
LONG_ARGUMENTS = 64 * 1024
#: The names of the events whose data is a run object.
RUN_EVENT_NAMES = frozenset(
    name.encode() for name, event_class in EVENT_CLASSES.items() if event_data_type(event_class) is Run
)
# How much of a long string is decoded at a time to compare it with the built text.
_SLICE = 1 << 18
# A structural "arguments" key and the opening quote of its string value (a quote inside a
# string is always escaped, so one not preceded by a backslash is structural).
_ARGUMENTS_KEY = re.compile(rb'(?<!\\)"arguments"[ \t\r\n]*:[ \t\r\n]*"')
# The rest of a JSON string, up to and including its closing quote.
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)
# A place to cut a string's JSON between two slices: twelve bytes with no backslash (no
# escape, not even a surrogate pair, spans the cut) and then an ASCII byte that is not one
# (the cut falls between two characters).
_SAFE_CUT = re.compile(rb"[^\\]{12}[\x00-\x5b\x5d-\x7f]")
_decode_string = msgspec.json.Decoder(str).decode


# Decoded from JSON (no reference cycle possible) and dropped at once: every run event that
# waits on calls has one per call, which the cycle collector need not track.
class _Function(msgspec.Struct, gc=False):
    arguments: msgspec.Raw = msgspec.Raw(b'""')


class _Call(msgspec.Struct, gc=False):
    id: Any = None
    function: _Function | None = None


class _Submit(msgspec.Struct, gc=False):
    tool_calls: list[_Call] = []


class _Action(msgspec.Struct, gc=False):
    submit_tool_outputs: _Submit | None = None


class _RunCalls(msgspec.Struct, gc=False):
    """What of a run object says where its calls' arguments are, decoded with the
    arguments left as views of the event's bytes (`msgspec.Raw`: no copy)."""

    id: Any = None
    required_action: _Action | None = None


_decode_run_calls = msgspec.json.Decoder(_RunCalls).decode


def decode_repeating_run(
    accumulator: Accumulator, name: bytes, data: memoryview, decode: Any
) -> Any | None:
    """The event ``name`` with the run object ``data`` (a view of the stream's bytes), its
    long arguments taken from the calls the deltas built, or ``None`` when that does not
    apply (then the caller decodes ``data`` the usual way). ``decode(bytes)`` is the usual
    decoding of the event. ``data`` is released (its bytes freed) before the built texts
    are joined, so the two are never in memory together."""
    if not _builds_long_arguments(accumulator):
        return None  # no long string of the event can equal what the deltas built
    try:
        calls = _long_calls(data)
    except (msgspec.MsgspecError, RecursionError, TypeError):
        return None
    if not calls:
        return None
    step_ids, indexes = accumulator._tool_call_ids(calls[0][0])
    spans = _long_strings(data)
    if [end - start for start, end in spans] != [length for _, _, length in calls]:
        return None
    builders: list[ToolCallBuilder] = []
    for (_run_id, call_id, _length), (start, end) in zip(calls, spans):
        step_id = step_ids.get(call_id) if isinstance(call_id, str) else None
        if step_id is None:
            return None
        index = indexes[call_id]
        builder = accumulator._steps[step_id].tool_calls[index]
        if not _equals_pieces(data[start + 1 : end - 1], builder.pieces):
            return None
        builders.append(builder)
    # The event with each long string replaced by "" (the rest of it is small).
    parts: list[bytes | memoryview] = []
    position = 0
    for start, end in spans:
        parts.append(data[position:start])
        parts.append(b'""')
        position = end
    parts.append(data[position:])
    shortened = b"".join(parts)
    del parts
    try:
        event = decode(shortened)
    except Exception:
        return None  # the usual way gives its own error, about the bytes as sent
    run = getattr(event, "data", None)
    action = getattr(run, "required_action", None)
    submit = getattr(action, "submit_tool_outputs", None)
    decoded_calls = getattr(submit, "tool_calls", None)
    targets = []
    for _run_id, call_id, _length in calls:
        target = None
        for call in decoded_calls or ():
            if getattr(call, "id", None) == call_id and call.function.arguments == "":
                target = call
                break
        if target is None:
            return None
        targets.append(target)
    try:
        data.release()  # the event's bytes: freed now, unless someone else holds them
    except BufferError:
        pass
    for target, builder in zip(targets, builders):
        target.function.arguments = builder.arguments()
    return event


def _builds_long_arguments(accumulator: Accumulator) -> bool:
    """Whether a call of an unfinished step has built text long enough to equal a long
    ``arguments`` string. A character is at most 12 bytes of JSON (an escaped surrogate
    pair), so a text of n characters is a string of at most 12 n + 2 bytes with its quotes.
    Reading the sizes the builders counted costs far less than `_long_calls`' decoding of a
    run that waits on 10,000 short calls."""
    for step in accumulator._steps.values():
        if not step.done and step.tool_calls:
            if max(map(_size, step.tool_calls.values())) * 12 + 2 >= LONG_ARGUMENTS:
                return True
    return False


_size = operator.attrgetter("size")


def _long_calls(data: memoryview) -> list[tuple[Any, Any, int]]:
    """``(run id, call id, length of the arguments' JSON)`` of each call of the run whose
    arguments are long, in the order of the run's list."""
    run = _decode_run_calls(data)
    action = run.required_action
    submit = action.submit_tool_outputs if action is not None else None
    calls = []
    for call in submit.tool_calls if submit is not None else ():
        function = call.function
        if function is not None and len(function.arguments) >= LONG_ARGUMENTS:
            calls.append((run.id, call.id, len(function.arguments)))
    return calls


def _long_strings(data: memoryview) -> list[tuple[int, int]]:
    """Where the long strings of the ``arguments`` keys of ``data`` are (with their quotes),
    in order."""
    spans = []
    for key in _ARGUMENTS_KEY.finditer(data):  # type: ignore[call-overload]
        start = key.end() - 1
        rest = _STRING_REST.match(data, key.end())  # type: ignore[call-overload]
        if rest is None:
            continue
        if rest.end() - start >= LONG_ARGUMENTS:
            spans.append((start, rest.end()))
    return spans


def _equals_pieces(literal: memoryview, pieces: list[str]) -> bool:
    """Whether the JSON string ``literal`` (without its quotes) reads the pieces joined,
    decoded and compared a slice at a time."""
    size = len(literal)
    index = offset = 0  # where in the pieces the next slice is compared
    start = 0
    while start < size:
        cut = _SAFE_CUT.search(literal, start + _SLICE - 12) if start + _SLICE < size else None  # type: ignore[call-overload]
        end = cut.end() - 1 if cut is not None else size
        try:
            text = _decode_string(b"".join((b'"', literal[start:end], b'"')))
        except (msgspec.MsgspecError, RecursionError):
            return False
        start = end
        position, length = 0, len(text)
        while position < length:
            if index == len(pieces):
                return False
            piece = pieces[index]
            take = min(len(piece) - offset, length - position)
            if offset == 0 and take == len(piece):
                if not text.startswith(piece, position):
                    return False
            elif not piece.startswith(text[position : position + take], offset):
                return False
            position += take
            offset += take
            if offset == len(piece):
                index, offset = index + 1, 0
    return all(not piece for piece in pieces[index:]) if offset == 0 else False
