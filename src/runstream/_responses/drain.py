"""The Responses accumulator's fast path for a stream nobody listens to event by event:
runs of raw events (``(name, data)`` bytes, see `SSEDecoder.feed_runs`) merged straight from
bytes.

``until_done`` with a handler that overrides nothing wants only the final Response, so
neither event objects for the caller, notifications, nor a ``ServerSentEvent`` and a str copy
per event are needed. Output text and function call argument deltas, nearly all of a
stream, come in runs of the same event type: such a run is decoded by its class's decoder
(the same validation as the union decoder; text deltas with logprobs fail it), mapped over the
run in C, and, when its deltas all go to one part or item that already exists, joined and appended at once,
with no Python code per event. Anything else (a run that spreads over several parts, a
delta before its part, logprobs, every other event type, data the array decode refuses)
takes the usual way, event by event (`ResponseEventDecoder.decode`, then
`ResponseAccumulator.update`), with the same errors, event ordinal and byte offset included.
"""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from .._core.merge import COMPACT_AFTER, compact_pieces
from .._core.sse import ServerSentEvent
from .._core.text_pieces import TextPieces
from ..errors import StreamDecodeError
from .event_base import ResponseErrorEvent
from .output_events import ResponseFunctionCallArgumentsDeltaEvent

__all__ = ["update_run"]

_TEXT_DELTA = b"response.output_text.delta"
_ARGUMENTS_DELTA = b"response.function_call_arguments.delta"


class _TextDelta(msgspec.Struct, tag_field="type", tag="response.output_text.delta", kw_only=True, gc=False):
    # `ResponseTextDeltaEvent` as the fast path reads it: the same members and types, but
    # ``logprobs`` only empty (decoded as the one empty tuple: no list for each delta);
    # any other sends the run the usual way, where it is decoded and checked.
    item_id: str
    output_index: int
    content_index: int
    delta: str
    sequence_number: int | UnsetType = UNSET
    logprobs: tuple[()] = ()
    obfuscation: str | UnsetType = UNSET


_DECODE_TEXT_DELTA = msgspec.json.Decoder(_TextDelta).decode
_DECODE_ARGUMENTS_DELTA = msgspec.json.Decoder(ResponseFunctionCallArgumentsDeltaEvent).decode
_name = itemgetter(0)
_data = itemgetter(1)
_delta = attrgetter("delta")
_item_id = attrgetter("item_id")
_content_index = attrgetter("content_index")


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
                # One event, decoded and merged the usual way.
                decoder.ordinal = start + position
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


def _merge_deltas(accumulator: Any, name: bytes, group: list[tuple[bytes, bytes]]) -> bool:
    """Merge a run of deltas of one type at once, if they all go to one existing part
    (text) or item (arguments) and carry no logprobs; ``False`` (nothing merged) otherwise."""
    text = name == _TEXT_DELTA
    try:
        # map() of the decoder's own method: a loop in C, no Python code per event.
        events: list[Any] = list(map(_DECODE_TEXT_DELTA if text else _DECODE_ARGUMENTS_DELTA, map(_data, group)))
    except (msgspec.MsgspecError, RecursionError):
        return False  # event by event, for the exact error
    if len(set(map(_item_id, events))) != 1 or (text and len(set(map(_content_index, events))) != 1):
        return False
    item = accumulator._by_id.get(events[0].item_id)
    if item is None:
        return False
    if text:
        part = item.content.get(events[0].content_index)
        if part is None:
            return False
        pieces = part.text
        if pieces is None:
            part.text = TextPieces("".join(map(_delta, events)))
    else:
        pieces = item.appended.get("arguments")
        if pieces is None:
            item.appended["arguments"] = TextPieces("".join(map(_delta, events)))
    if pieces is not None:
        pieces.pieces.append("".join(map(_delta, events)))
        if len(pieces.pieces) - pieces.compacted >= COMPACT_AFTER:
            compact_pieces(pieces)
    accumulator.events_fed += len(events)
    accumulator._cached = None
    return True
