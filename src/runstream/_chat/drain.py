"""The Chat Completions accumulator's fast path for a stream nobody listens to chunk by
chunk: the usual content chunks of a run (see `SSEDecoder.feed_runs`) merged at once.

``until_done`` with a handler that overrides nothing wants only the completion. Nearly every
chunk of a stream is the same shape: one choice whose delta is one more piece of
``content``, under the header of the chunks before it. Such chunks are decoded by a class
that declares exactly that shape (unknown members forbidden, ``logprobs`` and
``finish_reason`` only ``null``, the header typed as in `ChatCompletionChunk`), a whole
stretch of them in one call (a `UniformRun`'s values as JSON lines, see
`runstream._core.json_batches`); when they all continue one existing choice under the
current header, their pieces are joined and appended at once. Any other chunk (a role, a tool call, a finish, usage,
logprobs, an error, ``[DONE]``, a member runstream does not declare) and any batch that does
not fit takes the usual way (`ChatChunkDecoder.decode`, then `ChatCompletionAccumulator.update`),
with the same errors, ordinal and byte offset included.
"""

from __future__ import annotations

from itertools import islice, repeat
from operator import attrgetter, itemgetter
from typing import Any, Literal, NamedTuple, Union

import msgspec
from msgspec import UNSET, UnsetType

from .._core.json_batches import decode_leading, refused_item
from .._core.sse import RawRun, ServerSentEvent, UniformRun
from .._core.text_pieces import TextPieces
from ..errors import StreamDecodeError
from .decoder import MISSED

__all__ = ["update_batch"]


class _ContentDelta(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    content: str


# Members are declared in the order the service sends them: msgspec looks a member up from
# where the last one was found, so members in declared order are found at the first try.


class _ContentChoice(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    index: int = 0
    delta: _ContentDelta
    logprobs: None = None
    finish_reason: None = None


class _ContentChunk(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    # One choice exactly (a one-element tuple), nothing but content in its delta.
    id: str = ""
    object: str = "chat.completion.chunk"
    created: int | UnsetType = UNSET
    model: str | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET
    system_fingerprint: str | None | UnsetType = UNSET
    choices: tuple[_ContentChoice]
    # Current services send both on every chunk: ``usage`` null until the usage chunk (with
    # ``stream_options.include_usage``), and random padding (``obfuscation``), a member no
    # class declares, which the completion keeps as the last chunk that carried it left it.
    usage: None | UnsetType = UNSET
    obfuscation: str | UnsetType = UNSET


_DECODE_CONTENT_CHUNK = msgspec.json.Decoder(_ContentChunk).decode
# A stretch of them as JSON lines, one call (see _core/json_batches.py).
_DECODE_CONTENT_CHUNKS = msgspec.json.Decoder(_ContentChunk).decode_lines


class _FirstChoice(_ContentChoice, forbid_unknown_fields=True, kw_only=True, gc=False):
    # `_ContentChoice` of the first choice, nearly every chunk's.
    index: Literal[0] = 0


# The members a content chunk may carry, with their types when present.
_PRESENT_TYPES: dict[str, Any] = {
    "id": str, "object": str, "created": int, "model": str, "service_tier": Union[str, None],
    "system_fingerprint": Union[str, None], "choices": tuple[_FirstChoice], "usage": None, "obfuscation": str,
}
_HEADER_NAMES = ("id", "created", "model", "system_fingerprint", "service_tier")
# The top-level members of an object, their values left undecoded.
_TOP_LEVEL = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode


class _Shape(NamedTuple):
    """How the content chunks of a stream that all carry the same members (``members``, in
    the order sent) decode and merge: a class declaring exactly them, all required (so a
    batch that decodes carries each of them in every chunk and nothing else), the first
    choice only. Merging such a batch reads its last chunk alone (see `_merge_shaped`)."""

    members: tuple[str, ...]
    decode: Any
    header: tuple[str, ...]


_SHAPES: dict[tuple[str, ...], _Shape | None] = {}


def _shape_of(value: Any) -> _Shape | None:
    # The shape of the content chunks like ``value`` (``None`` when it is no such chunk).
    try:
        members = tuple(_TOP_LEVEL(value))
    except (msgspec.MsgspecError, RecursionError):
        return None
    shape = _SHAPES.get(members, _SHAPES)
    if shape is _SHAPES:
        shape = None
        # Once the cache is full (a server sending endless new shapes), no class is made:
        # one made per batch would cost a class definition each time and stay behind.
        if len(_SHAPES) < _MAX_SHAPES and "choices" in members and all(name in _PRESENT_TYPES for name in members):
            chunk = msgspec.defstruct("_ShapedChunk", [(name, _PRESENT_TYPES[name]) for name in members],
                                      forbid_unknown_fields=True, kw_only=True, gc=False)
            shape = _Shape(members, msgspec.json.Decoder(chunk).decode_lines,
                           tuple(name for name in _HEADER_NAMES if name in members))
        if len(_SHAPES) < _MAX_SHAPES:  # a server sending endless new shapes gets the general class
            _SHAPES[members] = shape
    return shape  # type: ignore[return-value]


#: How many chunk shapes are kept (a stream has one or two).
_MAX_SHAPES = 64
_data = attrgetter("data")
_value = itemgetter(1)
_header = attrgetter("id", "created", "model", "system_fingerprint", "service_tier")
# Each header member, how to read it, and its value when a chunk does not carry it (an
# empty ``id`` is not carried either).
_HEADER_MEMBERS = tuple(
    (name, attrgetter(name), "" if name == "id" else UNSET)
    for name in ("id", "created", "model", "system_fingerprint", "service_tier")
)
_id = attrgetter("id")


def update_batch(accumulator: Any, batch: list[Any], decoder: Any) -> tuple[Any, int] | None:
    """Merge a batch of `ServerSentEvent`s, `RawRun`s and `UniformRun`s (see
    `SSEDecoder.feed_runs`) into
    ``accumulator`` (a `ChatCompletionAccumulator`); ``decoder`` (a `ChatChunkDecoder`)
    numbers them and decodes those off the fast path. Stops after an error object and
    returns it with its byte offset (``None`` otherwise); ``[DONE]`` calls ``done_marker``.

    Raises:
        StreamDecodeError: a chunk could not be decoded (its ordinal and byte offset as
            the usual way gives them).
    """
    events: list[Any] = []
    for item in batch:
        kind = type(item)
        if kind is UniformRun or kind is RawRun:
            stopped_by = _update_events(accumulator, events, decoder) if events else None
            events = []
            if stopped_by is None:
                if kind is UniformRun:
                    stopped_by = _update_uniform(accumulator, item, decoder)
                elif len(item.pairs) == 1:
                    # A chunk cut by a chunk boundary, or [DONE] after the last run.
                    name, data = item.pairs[0]
                    stopped_by = _update_alone(accumulator, decoder, data, item.offset, name)
                else:
                    stopped_by = _update_run(accumulator, item, decoder)
        else:
            events.append(item)
            continue
        if stopped_by is not None:
            return stopped_by
    return _update_events(accumulator, events, decoder) if events else None


def _update_uniform(accumulator: Any, run: UniformRun, decoder: Any) -> Any:
    # The usual chunk of a stream: nothing but content chunks, decoded as one batch. A role
    # chunk first, or a finish or usage chunk last, goes alone, the usual way (the first and
    # last chunks are tried alone first: a batch refused at its end costs twice). The values
    # are found in the run's text and decoded where they are: no copy of the run.
    text, start, count = run.text, run.start, run.count
    begin, end = start, len(text) - 2  # the values still to merge: text[begin:end]
    first, stop = 0, count  # ... the events first to stop of the run
    # An event's bytes in the stream are its value's and ``start + 2`` more (its prefix and
    # blank line); in the text each value but the last is followed by one carriage return.
    extra = start + 1
    after: list[tuple[bytes, int]] = []
    while stop - first > 1 and len(after) < 3:
        cut = text.find(b"\r", begin, end)
        value = text[begin:cut]
        if not _usual(value):
            stopped_by = _update_alone(accumulator, decoder, value, run.offset + begin - start + first * extra, run.name)
            if stopped_by is not None:
                return stopped_by
            begin = cut + 1
            first += 1
            continue
        cut = text.rfind(b"\r", begin, end)
        value = text[cut + 1 : end]
        if _usual(value):
            break
        stop -= 1
        after.append((value, run.offset + cut + 1 - start + stop * extra))
        end = cut
    if stop - first == 1:
        stopped_by = _update_alone(accumulator, decoder, text[begin:end], run.offset + begin - start + first * extra,
                                   run.name)
    else:
        stopped_by = _update_whole(accumulator, run, decoder, begin, end, stop - first,
                                   run.offset + begin - start + first * extra)
    for value, offset in reversed(after):
        if stopped_by is not None:
            break
        stopped_by = _update_alone(accumulator, decoder, value, offset, run.name)
    return stopped_by


def _update_whole(accumulator: Any, run: UniformRun, decoder: Any, begin: int, end: int, count: int,
                  offset: int) -> Any:
    # ``count`` events of ``run`` whose values are ``run.text[begin:end]`` (the first at byte
    # ``offset``), as one batch.
    refused = None
    lines = memoryview(run.text)[begin:end]
    if decoder.shaped:
        # The chunks of the stream's shape, decoded by its class; any other batch (and then
        # the rest of the stream) takes the general class.
        cut = run.text.find(b"\r", begin, end)
        shape = _shape_of(lines[: cut - begin])
        if shape is not None:
            try:
                chunks = shape.decode(lines)
            except (msgspec.MsgspecError, RecursionError):
                decoder.shaped = False
            else:
                if len(chunks) == count and _merge_shaped(accumulator, chunks, shape):
                    decoder.ordinal += count
                    return None
                decoder.shaped = False
    try:
        chunks = _DECODE_CONTENT_CHUNKS(lines)
    except msgspec.ValidationError as error:
        refused = refused_item(error)
    except (msgspec.MsgspecError, RecursionError):
        pass
    else:
        if len(chunks) == count and _merge_contents(accumulator, chunks):
            decoder.ordinal += count
            return None
    values = run.text[begin:end].split(b"\r")
    return _update_run(accumulator, RawRun(offset, list(zip(repeat(run.name), values)), run.named), decoder, refused)


def _update_alone(accumulator: Any, decoder: Any, data: Any, offset: int, name: bytes) -> Any:
    """One chunk, merged the usual way: decoded straight from its bytes when it is a usual
    one (see `ChatChunkDecoder.decode_bytes`), else from a `ServerSentEvent` at byte
    ``offset``; returns the error object and its offset if it is one."""
    if data == b"[DONE]":
        decoder.ordinal += 1
        accumulator.done_marker()
        return None
    chunk = decoder.decode_bytes(data)
    if chunk is MISSED:
        sse = ServerSentEvent(name.decode("utf-8", "replace") or "message", str(data, "utf-8", "replace"), offset=offset)
        chunk = decoder.decode(sse)
    return (chunk, offset) if _merge_one(accumulator, chunk) is not None else None


def _usual(data: Any) -> bool:
    """Whether ``data`` is a usual content chunk."""
    try:
        _DECODE_CONTENT_CHUNK(data)
    except (msgspec.MsgspecError, RecursionError):
        return False
    return True


def _update_run(accumulator: Any, run: Any, decoder: Any, refused: int | None = None) -> Any:
    pairs = run.pairs

    def one_by_one(position: int) -> Any:
        name, data = pairs[position]
        ordinal = decoder.ordinal
        sse = ServerSentEvent(name.decode("utf-8", "replace") or "message", str(data, "utf-8", "replace"))
        try:
            chunk = decoder.decode(sse)
        except StreamDecodeError:
            # Again, with the event's byte offset (counted only now: errors are rare).
            decoder.ordinal = ordinal
            chunk = decoder.decode(msgspec.structs.replace(sse, offset=run.offsets()[position]))
        return (chunk, run.offsets()[position]) if _merge_one(accumulator, chunk) is not None else None

    return _update(accumulator, list(map(_value, pairs)), decoder, one_by_one, refused)


def _update_events(accumulator: Any, events: list[Any], decoder: Any) -> Any:
    def one_by_one(position: int) -> Any:
        sse = events[position]
        chunk = decoder.decode(sse)
        return (chunk, sse.offset) if _merge_one(accumulator, chunk) is not None else None

    return _update(accumulator, list(map(_data, events)), decoder, one_by_one)


def _update(accumulator: Any, datas: list[Any], decoder: Any, one_by_one: Any, refused: int | None = None) -> Any:
    """Merge the chunks of ``datas`` in order: stretches of usual content chunks at once,
    each other chunk the usual way (``one_by_one(position)``, which returns what stopped
    the stream, if anything did). ``refused``: the chunk a batch of all ``datas`` stopped
    at, when one was tried."""
    position = 0
    size = len(datas)
    misses = 0
    # Where the last stretch of usual chunks ends: a stream ends with a finish, usage and
    # [DONE], which a batch would find only at its end.
    tail = size
    while tail > size - 4 and tail > 1 and not _usual(datas[tail - 1]):
        tail -= 1
    while position < size:
        chunks: list[Any] = []
        stopped = False
        if misses < 2 and _usual(datas[position]):
            # The rest as one batch (see _core/json_batches.py), cut before the first chunk of
            # another shape; else one call per chunk, map() of the decoder's own method (a
            # loop in C), which stops at a chunk of another shape, what it decoded kept.
            stop = tail if position < tail else size
            chunks = decode_leading(_DECODE_CONTENT_CHUNKS, datas[position:stop], refused if position == 0 else None)
            if not chunks:
                try:
                    chunks.extend(map(_DECODE_CONTENT_CHUNK, islice(datas, position, size)))
                except (msgspec.MsgspecError, RecursionError):
                    pass
        stopped = position + len(chunks) < size
        if chunks and _merge_contents(accumulator, chunks):
            decoder.ordinal += len(chunks)
            position += len(chunks)
            misses = 0
            if stopped:
                stopped_by = one_by_one(position)
                if stopped_by is not None:
                    return stopped_by
                position += 1
        else:
            # Off the fast path: the chunks decoded but not merged, and the one that stopped
            # the decoding; after two misses in a row, the rest of the run likewise.
            misses = misses + 1 if not chunks else 0
            end = size if misses >= 2 else min(size, position + len(chunks) + 1)
            for index in range(position, end):
                stopped_by = one_by_one(index)
                if stopped_by is not None:
                    return stopped_by
            position = end
            if misses >= 2:
                break
    return None


def _merge_one(accumulator: Any, chunk: Any) -> Any:
    # The usual way: ``[DONE]``, an error object (returned), or a chunk.
    if chunk is None:
        accumulator.done_marker()
        return None
    accumulator.update(chunk)
    return None if hasattr(chunk, "choices") else chunk


def _merge_contents(accumulator: Any, chunks: list[_ContentChunk]) -> bool:
    """Append the content of ``chunks`` at once if they all continue one existing choice;
    ``False`` (nothing merged) otherwise."""
    # Members are gathered by comprehensions, whose attribute reads the interpreter
    # specializes for the class: a third of the cost of ``map`` over an ``attrgetter``,
    # which looks each attribute up in the type anew.
    choices = [chunk.choices[0] for chunk in chunks]
    index = choices[0].index
    choice = accumulator._choices.get(index)
    if choice is None:
        return False
    contents = [each.delta.content for each in choices if each.index == index]
    if len(contents) != len(choices):
        return False  # chunks of more than one choice
    _merge_header(accumulator, chunks)
    # ``in`` and ``count`` compare by identity first: the members are None, UNSET or a str.
    if accumulator._usage is UNSET and None in [chunk.usage for chunk in chunks]:
        accumulator._usage = None  # as a null usage merged one by one leaves it
    padding = chunks[-1].obfuscation
    if padding is UNSET:
        paddings = [chunk.obfuscation for chunk in chunks]
        if paddings.count(UNSET) != len(paddings):
            padding = next(value for value in reversed(paddings) if value is not UNSET)
    if padding is not UNSET:
        accumulator._extra["obfuscation"] = padding
    _append_contents(accumulator, choice, "".join(contents), len(chunks))
    return True


def _merge_shaped(accumulator: Any, chunks: list[Any], shape: _Shape) -> bool:
    """`_merge_contents` for chunks of one shape: each carries exactly ``shape.members``,
    and one choice of index 0. A member every chunk carries is left by merging them one by
    one as the last chunk has it (but an empty ``id``, which is not carried: then the last
    one that is not empty), a member none carries as it was; so only the last chunk is read,
    and the contents."""
    choice = accumulator._choices.get(0)
    if choice is None:
        return False
    last = chunks[-1]
    header = accumulator._header
    for name in shape.header:
        value = getattr(last, name)
        if name == "id" and not value:
            ids = list(map(_id, chunks))
            if ids.count("") == len(ids):
                continue
            value = next(value for value in reversed(ids) if value)
        header[name] = value
    members = shape.members
    accumulator._last_header = tuple(
        getattr(last, name) if name in members else "" if name == "id" else UNSET for name in _HEADER_NAMES)
    if "usage" in members and accumulator._usage is UNSET:
        accumulator._usage = None  # as a null usage merged one by one leaves it
    if "obfuscation" in members:
        accumulator._extra["obfuscation"] = last.obfuscation
    # A comprehension, as in `_merge_contents`.
    _append_contents(accumulator, choice, "".join([chunk.choices[0].delta.content for chunk in chunks]), len(chunks))
    return True


def _append_contents(accumulator: Any, choice: Any, text: str, chunks: int) -> None:
    """The last step of merging a batch: the joined ``text`` of its ``chunks`` contents
    appended to ``choice``'s content."""
    if choice.content is None:
        choice.content = TextPieces(text)
    else:
        choice.content.append(text)
    accumulator.chunks_fed += chunks
    accumulator._cached = None


def _merge_header(accumulator: Any, chunks: list[_ContentChunk]) -> None:
    """The header members as merging the chunks one by one leaves them: chunk by chunk,
    each member takes every value a chunk carries (an ``id`` only when not empty), so the
    last such value of the batch wins, and it is nearly always the last chunk's."""
    header = accumulator._header
    last = chunks[-1]
    for name, member, absent in _HEADER_MEMBERS:
        value = member(last)
        if value != absent:
            header[name] = value
            continue
        values = list(map(member, chunks))
        if values.count(absent) != len(values):
            header[name] = next(value for value in reversed(values) if value != absent)
    accumulator._last_header = _header(last)
