"""Runs of events of one type found whole, for a consumer that decodes their data in batches:
`UniformRun`s, from `SSEDecoder.feed_runs` with ``uniform_runs`` set (the dialects' fast
paths).

Nearly every chunk of a Responses or Chat Completions stream is one run of deltas of one
type: ``event: NAME`` and ``data: {...}`` lines and a blank line, again and again (or lone
``data: {...}`` lines). Such a run is found by one ``replace`` and one ``find`` in C rather
than cut event by event: the ``replace`` turns each boundary between two events (``}``, the
blank line, the next event's prefix and ``{``) into ``}\\r{``, and the stretch is such events
exactly when no line feed is left between the first value and the last blank line (a run is
only looked for where the chunk holds no carriage return, see `SSEDecoder`: a ``\\r`` in the
text is a boundary, and the search for a stray line feed is a ``memchr``, not a count). The
values are then ready for a batch decode, separated by JSON whitespace that no value can hold
(see `runstream._core.json_batches`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .server_sent_event import RawRun, UniformRun
from .sse_lines import LARGE_VALUE

__all__ = ["uniform_run", "uniform_runs"]


def uniform_runs(complete: bytes, position: int, end: int, origin: int, max_event_size: int,
                 tiled: Callable[[bytes, int, int, int], RawRun | None], events: list[Any]) -> int:
    """The events of ``complete`` from ``position`` to ``end`` (a blank line's end), in
    stretches of about `LARGE_VALUE` bytes (a whole event more): each a `UniformRun`, or a
    `UniformRun` with a few other usual events before or after it (``tiled`` makes their
    `RawRun`: the first and the last chunk of a stream). Returns where the rest starts: the
    first stretch that is anything else, or longer than twice `LARGE_VALUE` (a long value,
    which goes its usual way, without a copy) or than ``max_event_size``."""
    limit = min(max_event_size, 2 * LARGE_VALUE)
    while position < end:
        cut = end
        if end - position > LARGE_VALUE:
            cut = complete.find(b"\n\n", position + LARGE_VALUE, end) + 2
            if cut < 2:
                cut = end
        if cut - position > limit:
            break
        run = uniform_run(complete, position, cut, origin)
        if run is not None:
            events.append(run)
        else:
            parts = _run_among_others(complete, position, cut, origin, tiled)
            if parts is None:
                break
            events.extend(parts)
        position = cut
    return position


def uniform_run(complete: bytes, position: int, end: int, origin: int) -> UniformRun | None:
    """The events from ``position`` to ``end`` (a blank line's end) of ``complete`` (which
    holds no ``\\r``) as a `UniformRun`, if they are usual events of one type whose values are
    JSON objects by their first and last byte; ``None`` otherwise."""
    if complete.startswith(b"event: ", position):
        line_end = complete.find(b"\n", position)
        name = complete[position + 7 : line_end]
        prefix = complete[position : line_end + 1] + b"data: "
        named = True
    else:
        name = b"message"
        prefix = b"data: "
        named = False
    if not complete.startswith(prefix + b"{", position) or not complete.endswith(b"}\n\n", position, end):
        return None
    last = complete.rfind(b"\n\n", position, end - 2) + 2
    if last > 1 and not complete.startswith(prefix + b"{", last):
        return None  # the last event is of another type: no pass over the bytes for that
    boundary = b"}\n\n" + prefix + b"{"
    # ``\r``: JSON whitespace that cannot stand in a value (a raw control character in a
    # string is invalid JSON) nor in the chunk (the caller's is LF only).
    text = _replaced(complete, position, end, boundary)
    if text.find(b"\n", len(prefix), len(text) - 2) >= 0:
        return None  # another line within an event: not usual events only
    boundaries = (end - position - len(text)) // (len(boundary) - 3)
    return UniformRun(origin + position, name, text, len(prefix), boundaries + 1, named)


#: Where a long stretch is cut for its ``replace`` (see `_replaced`).
_PIECE = 27_000


def _replaced(complete: bytes, position: int, end: int, boundary: bytes) -> bytes:
    """``complete[position:end].replace(boundary, b"}\\r{")``, replaced in pieces below 30000
    bytes (and with no copy of the stretch first): ``replace`` searches for each boundary
    anew, and in 30000 bytes or more CPython (3.10 on) prepares a two-way search each time,
    which costs more than the search itself at a boundary every few hundred bytes. A piece
    ends at a boundary's ``}``, the next starts at its ``{``."""
    parts = []
    find = complete.find
    while end - position > _PIECE + 2_000:
        cut = find(boundary, position + _PIECE, end)
        if cut < 0:
            break
        parts.append(complete[position : cut + 1].replace(boundary, b"}\r{"))
        parts.append(b"\r")
        position = cut + len(boundary) - 1
    last = complete[position:end].replace(boundary, b"}\r{")
    if not parts:
        return last
    parts.append(last)
    return b"".join(parts)


def _run_among_others(complete: bytes, position: int, end: int, origin: int,
                      tiled: Callable[[bytes, int, int, int], RawRun | None]) -> list[Any] | None:
    """The run of the type of the event in the middle of the stretch, as a `UniformRun`,
    with the usual events before and after it as `RawRun`s; ``None`` when the stretch is not
    so (its events go their usual way)."""
    middle = complete.find(b"\n\n", (position + end) // 2, end) + 2
    if middle < position + 2 or middle >= end:
        return None
    if complete.startswith(b"event: ", middle):
        prefix = complete[middle : complete.find(b"\n", middle) + 1] + b"data: {"
    else:
        prefix = b"data: {"
    if not complete.startswith(prefix, middle):
        return None
    # The run's first event: the first of that type in the stretch.
    start = position
    if not complete.startswith(prefix, position):
        start = complete.find(b"\n\n" + prefix, position, middle + len(prefix)) + 2
        if start < position + 2:
            return None
    # Its last event: the last of that type after an object.
    last = complete.rfind(b"}\n\n" + prefix, middle, end) + 3
    stop = complete.find(b"\n\n", last if last > middle else middle, end) + 2
    if stop < middle:
        return None
    run = uniform_run(complete, start, stop, origin)
    if run is None:
        return None
    parts: list[Any] = []
    for first, after in ((position, start), (stop, end)):
        if first < after:
            others = tiled(complete, first, after, origin)
            if others is None:
                return None
            parts.append(others)
    parts.insert(1 if position < start else 0, run)
    return parts
