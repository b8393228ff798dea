"""The Responses accumulator's fast path for a stream nobody listens to event by event:
runs of raw events (`RawRun`s of ``(name, data)`` bytes and `UniformRun`s of JSON lines, see
`SSEDecoder.feed_runs`) merged straight from bytes.

``until_done`` with a handler that overrides nothing wants only the final Response, so
neither event objects for the caller, notifications, nor a ``ServerSentEvent`` and a str copy
per event are needed. Output text and function call argument deltas, nearly all of a
stream, come in runs of the same event type: such a run is decoded by its class's decoder
(the same validation as the union decoder; text deltas with logprobs fail it) in one call
(`runstream._core.json_batches`), and, when its deltas all go to one part or item that
already exists, joined and appended at once, with no Python code per event. Anything else (a
run that spreads over several parts, a delta before its part, logprobs, every other event
type, data the batch decode refuses) takes the usual way, event by event
(`ResponseEventDecoder.decode`, then `ResponseAccumulator.update`), with the same errors,
event ordinal and byte offset included."""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from .._core.json_batches import decode_batch, json_lines
from .._core.sse import ServerSentEvent, UniformRun
from .._core.text_pieces import TextPieces
from ..errors import StreamDecodeError
from .decoder import MISSED
from .event_base import ResponseErrorEvent
from .output_events import ResponseFunctionCallArgumentsDeltaEvent

__all__ = ["update_run", "update_uniform"]

_TEXT_DELTA = b"response.output_text.delta"
_ARGUMENTS_DELTA = b"response.function_call_arguments.delta"


class _TextDelta(msgspec.Struct, tag_field="type", tag="response.output_text.delta", kw_only=True, gc=False):
    # `ResponseTextDeltaEvent` as the fast path reads it: the same members and types, but
    # ``logprobs`` only empty (decoded as the one empty tuple: no list for each delta);
    # any other sends the run the usual way, where it is decoded and checked. Declared in
    # the order the service sends them: msgspec looks a member up from where the last one
    # was found, so members in declared order are found at the first try.
    sequence_number: int | UnsetType = UNSET
    item_id: str
    output_index: int
    content_index: int
    delta: str
    logprobs: tuple[()] = ()
    obfuscation: str | UnsetType = UNSET


class _FirstPartTextDelta(_TextDelta, tag="response.output_text.delta", kw_only=True, gc=False):
    # `_TextDelta` to a message's first content part, nearly every text delta: decoded
    # first, so that a batch of them needs no pass over its content indexes.
    content_index: Literal[0]


# Runs of them as JSON lines, one call each (see _core/json_batches.py).
_DECODE_TEXT_DELTAS = msgspec.json.Decoder(_TextDelta).decode_lines
_DECODE_FIRST_PART_TEXT_DELTAS = msgspec.json.Decoder(_FirstPartTextDelta).decode_lines
_DECODE_ARGUMENTS_DELTAS = msgspec.json.Decoder(ResponseFunctionCallArgumentsDeltaEvent).decode_lines
_name = itemgetter(0)
_data = itemgetter(1)


def update_run(accumulator: Any, run: Any, decoder: Any) -> tuple[Any, int] | None:
    """Merge the events of ``run`` (a `RawRun`) into ``accumulator`` (a
    `ResponseAccumulator`); ``decoder`` (a `ResponseEventDecoder`) numbers the events and
    decodes the ones off the fast path. Stops after an ``error`` event and returns it with
    its byte offset (``None`` otherwise); a ``[DONE]`` marker calls ``done_marker``.

    Raises:
        StreamDecodeError: an event could not be decoded (its ordinal and byte offset as
            the usual way gives them).
    """
    start = decoder.ordinal
    position = 0
    try:
        for name, grouped in groupby(run.pairs, _name):
            group = list(grouped)
            if len(group) > 1 and (name == _TEXT_DELTA or name == _ARGUMENTS_DELTA) and _merge_deltas(
                accumulator, name, group
            ):
                position += len(group)
                continue
            for name, raw in group:
                # One event, decoded and merged the usual way (from its bytes when it is a
                # usual one, see `ResponseEventDecoder.decode_bytes`).
                decoder.ordinal = start + position
                event = decoder.decode_bytes(raw)
                if event is MISSED:
                    sse = ServerSentEvent(name.decode("utf-8", "replace") or "message", str(raw, "utf-8", "replace"))
                    try:
                        event = decoder.decode(sse)
                    except StreamDecodeError:
                        # Again, with the event's byte offset (counted only now: errors are rare).
                        decoder.ordinal = start + position
                        event = decoder.decode(msgspec.structs.replace(sse, offset=run.offsets()[position]))
                position += 1
                if event is None:
                    accumulator.done_marker()
                    continue
                accumulator.update(event)
                if type(event) is ResponseErrorEvent:
                    return event, run.offsets()[position - 1]
    finally:
        decoder.ordinal = start + position
    return None


def update_uniform(accumulator: Any, run: UniformRun, decoder: Any) -> tuple[Any, int] | None:
    """`update_run` for a `UniformRun`: a run of text or arguments deltas decoded as one
    batch (see `runstream._core.json_batches`) and merged at once when it fits (see
    `_merge_deltas`); any other run, or one that does not fit, as a `RawRun`."""
    name = run.name
    if name == _TEXT_DELTA or name == _ARGUMENTS_DELTA:
        if _merge_batch(accumulator, name == _TEXT_DELTA, run.json_lines(), run.count):
            decoder.ordinal += run.count
            return None
    return update_run(accumulator, run.raw_run(), decoder)


def _merge_deltas(accumulator: Any, name: bytes, group: list[tuple[bytes, bytes]]) -> bool:
    """Merge a run of deltas of one type at once, if they all go to one existing part
    (text) or item (arguments) and carry no logprobs; ``False`` (nothing merged) otherwise."""
    return _merge_batch(accumulator, name == _TEXT_DELTA, json_lines(list(map(_data, group))), len(group))


def _merge_batch(accumulator: Any, text: bool, lines: Any, count: int) -> bool:
    """Decode ``count`` text (``text``) or arguments deltas from ``lines`` (see
    `runstream._core.json_batches`) and merge them if they fit; ``False`` (nothing merged)
    when they do not decode (then they go event by event, for the exact error) or fit."""
    if text:
        events = decode_batch(_DECODE_FIRST_PART_TEXT_DELTAS, lines, count)
        if events is not None:
            return _merge_decoded(accumulator, text, events, same_part=True)
        decode = _DECODE_TEXT_DELTAS
    else:
        decode = _DECODE_ARGUMENTS_DELTAS
    events = decode_batch(decode, lines, count)
    return events is not None and _merge_decoded(accumulator, text, events)


def _merge_decoded(accumulator: Any, text: bool, events: list[Any], same_part: bool = False) -> bool:
    # The decoded deltas of `_merge_batch`, merged if they fit (``same_part``: their content
    # indexes are known to be one). The deltas are gathered by a comprehension, whose
    # attribute reads the interpreter specializes for the class: a third of the cost of
    # ``map`` over an ``attrgetter``, which looks each attribute up in the type anew.
    first = events[0]
    item_id = first.item_id
    if text and not same_part:
        content_index = first.content_index
        deltas = [event.delta for event in events if event.item_id == item_id and event.content_index == content_index]
    else:
        deltas = [event.delta for event in events if event.item_id == item_id]
    if len(deltas) != len(events):
        return False  # deltas to more than one item or part
    item = accumulator._by_id.get(item_id)
    if item is None:
        return False
    if text:
        part = item.content.get(first.content_index)
        if part is None:
            return False
        pieces = part.text
    else:
        pieces = item.appended.get("arguments")
    joined = "".join(deltas)
    if pieces is not None:
        pieces.append(joined)
    elif text:
        part.text = TextPieces(joined)
    else:
        item.appended["arguments"] = TextPieces(joined)
    accumulator.events_fed += len(events)
    accumulator._cached = None
    return True
