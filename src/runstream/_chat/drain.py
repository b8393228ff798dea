"""The Chat Completions accumulator's fast path for a stream nobody listens to chunk by
chunk: the usual content chunks of a run (see `SSEDecoder.feed_runs`) merged at once.

``until_done`` with a handler that overrides nothing wants only the completion. Nearly every
chunk of a stream is the same shape: one choice whose delta is one more piece of
``content``, under the header of the chunks before it. Such chunks are decoded by a class
that declares exactly that shape (unknown members forbidden, ``logprobs`` and
``finish_reason`` only ``null``, the header typed as in `ChatCompletionChunk`), mapped over
the batch in C; when they all continue one existing choice under the current header, their
pieces are joined and appended at once. Any other chunk (a role, a tool call, a finish, usage,
logprobs, an error, ``[DONE]``, a member runstream does not declare) and any batch that does
not fit takes the usual way (`ChatChunkDecoder.decode`, then `ChatCompletionAccumulator.update`),
with the same errors, ordinal and byte offset included.
"""

from __future__ import annotations

from operator import attrgetter, itemgetter
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from .._core.merge import COMPACT_AFTER, compact_pieces
from .._core.sse import RawRun, ServerSentEvent
from .._core.text_pieces import TextPieces
from ..errors import StreamDecodeError

__all__ = ["update_batch"]


class _ContentDelta(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    content: str


class _ContentChoice(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    delta: _ContentDelta
    index: int = 0
    logprobs: None = None
    finish_reason: None = None


class _ContentChunk(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    # One choice exactly (a one-element tuple), nothing but content in its delta.
    choices: tuple[_ContentChoice]
    id: str = ""
    object: str = "chat.completion.chunk"
    created: int | UnsetType = UNSET
    model: str | UnsetType = UNSET
    system_fingerprint: str | None | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET


_DECODE_CONTENT_CHUNK = msgspec.json.Decoder(_ContentChunk).decode
_data = attrgetter("data")
_value = itemgetter(1)
_header = attrgetter("id", "created", "model", "system_fingerprint", "service_tier")
_only_choice = itemgetter(0)
_choices = attrgetter("choices")
_index = attrgetter("index")
_content = attrgetter("delta.content")


def update_batch(accumulator: Any, batch: list[Any], decoder: Any) -> tuple[Any, int] | None:
    """Merge a batch of `ServerSentEvent`s and `RawRun`s (see `SSEDecoder.feed_runs`) into
    ``accumulator`` (a `ChatCompletionAccumulator`); ``decoder`` (a `ChatChunkDecoder`)
    numbers them and decodes those off the fast path. Stops after an error object and
    returns it with its byte offset (``None`` otherwise); ``[DONE]`` calls ``done_marker``.

    Raises:
        StreamDecodeError: a chunk could not be decoded (its ordinal and byte offset as
            the usual way gives them).
    """
    events: list[Any] = []
    for item in batch:
        if type(item) is RawRun:
            stopped_by = _update_events(accumulator, events, decoder) if events else None
            events = []
            if stopped_by is None:
                stopped_by = _update_run(accumulator, item, decoder)
        else:
            events.append(item)
            continue
        if stopped_by is not None:
            return stopped_by
    return _update_events(accumulator, events, decoder) if events else None


def _update_run(accumulator: Any, run: Any, decoder: Any) -> Any:
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

    return _update(accumulator, list(map(_value, pairs)), decoder, one_by_one)


def _update_events(accumulator: Any, events: list[Any], decoder: Any) -> Any:
    def one_by_one(position: int) -> Any:
        sse = events[position]
        chunk = decoder.decode(sse)
        return (chunk, sse.offset) if _merge_one(accumulator, chunk) is not None else None

    return _update(accumulator, list(map(_data, events)), decoder, one_by_one)


def _update(accumulator: Any, datas: list[Any], decoder: Any, one_by_one: Any) -> Any:
    """Merge the chunks of ``datas`` in order: stretches of usual content chunks at once,
    each other chunk the usual way (``one_by_one(position)``, which returns what stopped
    the stream, if anything did)."""
    remaining = iter(datas)
    position = 0
    size = len(datas)
    misses = 0
    while position < size:
        chunks: list[Any] = []
        stopped = False
        if misses < 2:
            try:
                # map() of the decoder's own method: a loop in C, no Python code per chunk.
                # On a chunk of another shape it stops; what it decoded before stays.
                chunks.extend(map(_DECODE_CONTENT_CHUNK, remaining))
            except (msgspec.MsgspecError, RecursionError):
                stopped = True  # at the chunk after the decoded ones, consumed
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
    """Append the content of ``chunks`` at once if they continue one existing choice under
    the current header; ``False`` (nothing merged) otherwise."""
    headers = set(map(_header, chunks))
    if len(headers) != 1 or headers.pop() != accumulator._last_header:
        return False
    choices = list(map(_only_choice, map(_choices, chunks)))
    indexes = set(map(_index, choices))
    if len(indexes) != 1:
        return False
    choice = accumulator._choices.get(indexes.pop())
    if choice is None:
        return False
    text = "".join(map(_content, choices))
    pieces = choice.content
    if pieces is None:
        choice.content = TextPieces(text)
    else:
        pieces.pieces.append(text)
        if len(pieces.pieces) - pieces.compacted >= COMPACT_AFTER:
            compact_pieces(pieces)
    accumulator.chunks_fed += len(chunks)
    accumulator._cached = None
    return True
