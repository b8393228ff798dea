"""The block path of the SSE decoder: whole usual events matched in C, whole runs of them cut.

The usual event is exactly an ``event: NAME`` and a ``data: JSON`` line and a blank line (or
a lone ``data`` line): one compiled pattern matches it whole, and for a consumer that
decodes event data itself (`SSEDecoder.feed_runs`) a run of them back to back is cut into
``(name, data)`` pairs by one ``findall``, with no Python code per event. Any other block
goes to the line path (`sse_lines`).
"""

from __future__ import annotations

import re
from itertools import chain, repeat

from .server_sent_event import RawRun, ServerSentEvent
from .sse_idle import idle_end
from .sse_lines import LARGE_VALUE, LinePath, decode_value
from .sse_uniform import uniform_runs

__all__ = ["BlockPath"]

# The usual shapes of a whole event, matched in C: an ``event`` and a ``data`` line, or a
# lone ``data`` line, each followed by the blank line that dispatches it.
_EVENT_BLOCK = re.compile(rb"event: ([^\n]*)\ndata: ([^\n]*)\n\n")
_DATA_BLOCK = re.compile(rb"data: ([^\n]*)\n\n")
# The values of lone ``data`` lines, for `SSEDecoder.feed_runs` (checked by length there).
_DATA_VALUES = re.compile(rb"data: ([^\n]*)\n\n")
# A run of such events back to back, for `SSEDecoder.feed_runs`: one match finds where the
# run ends, one ``findall`` cuts it into (name, data) pairs, with no Python code per event.
_EVENT_RUN = re.compile(rb"(?:event: [^\n]*\ndata: [^\n]*\n\n)+")
# A data line of a large value: such an event is handed over as a memoryview of the buffer.
_LARGE_DATA = re.compile(rb"data: [^\n]{65536,}")
_CR = 13
_LF = 10
_COLON = 58


class BlockPath(LinePath):
    """The block path of `SSEDecoder` (its base class)."""

    #: Whether `SSEDecoder.feed_runs` hands out runs of events of one name as `UniformRun`s.
    uniform_runs = False

    def _process_lf(self, complete: bytes, events: list[ServerSentEvent], runs: bool = False) -> None:
        """The fast path for LF-only input: whole events at a time.

        The usual event is exactly ``event: NAME`` and ``data: JSON`` lines and a blank line;
        it is matched whole by one compiled pattern, in C. Any other block (comments, ``id``, ``retry``,
        several data lines, no space after the colon) goes through `_process`, the
        line-by-line path, so both paths give the same result by construction.
        """
        origin = self._offset
        position = 0
        if self._event_offset >= 0:
            pending = _DATA_BLOCK.match(complete) if not self._data else None
            if pending is not None and pending.end() - 2 <= max(self.max_event_size, self._event_offset):
                # The usual way an event is split across chunks: its ``event`` line came
                # before, its one ``data`` line (large ones come in many chunks) ends here.
                value_start, value_end = pending.span(1)
                if runs:
                    # No copy of a value that may be tens of megabytes; a usual one is copied
                    # (its decoder's fast path takes bytes, not a view).
                    value = complete[value_start:value_end] if value_end - value_start < LARGE_VALUE \
                        else memoryview(complete)[value_start:value_end]
                    pair = (self._event_type.encode(), value)
                    events.append(RawRun(self._event_offset, [pair]))  # type: ignore[arg-type]
                else:
                    events.append(
                        ServerSentEvent(
                            self._event_type or "message",
                            decode_value(complete, value_start, value_end),
                            self._last_event_id,
                            self._retry,
                            self._event_offset,
                        )
                    )
                self._event_type = ""
                self._event_offset = -1
                position = pending.end()
            else:
                # Any other event in progress: finish it line by line, up to its blank line.
                if complete[0] == _LF:
                    position = 1
                else:
                    found = complete.find(b"\n\n")
                    if found < 0:
                        self._process(complete, events)
                        return
                    position = found + 2
                self._process(complete[:position], events)
        find = complete.find
        size = len(complete)
        max_event_size = self.max_event_size
        last_event_id = self._last_event_id
        retry = self._retry
        match_event = _EVENT_BLOCK.match
        match_data = _DATA_BLOCK.match
        match_run = _EVENT_RUN.match
        findall = _EVENT_BLOCK.findall
        if runs and position < size:
            position = self._whole_run(complete, position, origin, events)
        while position < size:
            if runs:
                run = match_run(complete, position)
                if run is not None:
                    run_end = run.end()
                    large = _LARGE_DATA.search(complete, position, run_end) if run_end - position > LARGE_VALUE else None
                    if large is not None:
                        # The events before the large one, then the large one alone with its
                        # value as a memoryview of the buffer (decoded with no copy).
                        before = complete.rfind(b"\n\n", position, large.start())
                        event_start = before + 2 if before >= 0 else position
                        if event_start > position:
                            events.append(RawRun(origin + position, findall(complete, position, event_start)))  # type: ignore[arg-type]
                            position = event_start
                            continue
                        block = match_event(complete, position)
                        name_end = block.start(1) + len(block.group(1)) if block is not None else 0
                        value_start, value_end = block.span(2) if block is not None else (0, 0)
                        limit = max(max_event_size, origin + position)
                        if block is not None and name_end - position <= limit and value_end - value_start + 6 <= limit:
                            pair = (complete[position + 7 : name_end], memoryview(complete)[value_start:value_end])
                            events.append(RawRun(origin + position, [pair]))  # type: ignore[arg-type]
                            position = block.end()
                            continue
                        runs = False  # the limit's rules apply to it below
                        continue
                    pairs = findall(complete, position, run_end)
                    # Every line within the limit (certainly so when the whole run is), or
                    # the events go one by one below, where the limit's rules apply.
                    if run_end - position <= max_event_size or max(map(len, chain.from_iterable(pairs))) + 7 <= max_event_size:
                        events.append(RawRun(origin + position, pairs))  # type: ignore[arg-type]
                        position = run_end
                        continue
                    runs = False  # not again for this chunk: the match would rescan the rest
            block = match_event(complete, position)
            if block is not None:
                block_end = block.end()
                if block_end - position < LARGE_VALUE:
                    name, value = block.groups()
                    if len(name) + 7 <= max_event_size and len(value) + 6 <= max_event_size:
                        events.append(
                            ServerSentEvent(
                                name.decode("utf-8", "replace") or "message",
                                value.decode("utf-8", "replace"),
                                last_event_id,
                                retry,
                                origin + position,
                            )
                        )
                        position = block_end
                        continue
                else:
                    value_start, value_end = block.span(2)
                    if value_start - position - 1 <= max_event_size and value_end - value_start + 6 <= max_event_size:
                        # A large value is decoded straight from the buffer: one copy less.
                        events.append(
                            ServerSentEvent(
                                complete[position + 7 : value_start - 7].decode("utf-8", "replace") or "message",
                                decode_value(complete, value_start, value_end),
                                last_event_id,
                                retry,
                                origin + position,
                            )
                        )
                        position = block.end()
                        continue
            elif complete[position] == _LF or complete[position] == _COLON:
                # Blank lines and comments between events change nothing: skipped in bulk.
                skipped_to = idle_end(complete, position, max_event_size)
                if skipped_to > position:
                    position = skipped_to
                    continue
            else:
                block = match_data(complete, position)
                if block is not None and block.end() - position - 2 <= max_event_size:
                    events.append(
                        ServerSentEvent(
                            "message",
                            block.group(1).decode("utf-8", "replace"),
                            last_event_id,
                            retry,
                            origin + position,
                        )
                    )
                    position = block.end()
                    continue
            end = find(b"\n\n", position)
            if end < 0:
                break
            self._offset = origin + position
            self._process(complete[position : end + 2], events)
            position = end + 2
            last_event_id = self._last_event_id
            retry = self._retry
        self._offset = origin + position
        if position < len(complete):
            self._process(complete[position:], events)

    def _whole_run(self, complete: bytes, position: int, origin: int, events: list[ServerSentEvent]) -> int:
        """The usual chunk for `feed_runs`: from ``position`` to its last blank line, nothing
        but usual events, all with an ``event`` line or all without. Cut by one ``findall``,
        checked by length (the matches tile the span exactly only if nothing else is in it),
        with no scan of its own; returns where the rest of the chunk starts (``position``
        when the span is anything else: the loop of `_process_lf` takes it). With
        ``uniform_runs``, runs of one event type come as `UniformRun`s (see `sse_uniform`)."""
        end = complete.rfind(b"\n\n", position) + 2
        if self.uniform_runs and end - position >= 2:
            position = uniform_runs(complete, position, end, origin, self.max_event_size, self._tiled_run, events)
        run = self._tiled_run(complete, position, end, origin)
        if run is None:
            return position
        events.append(run)  # type: ignore[arg-type]
        return end

    def _tiled_run(self, complete: bytes, position: int, end: int, origin: int) -> RawRun | None:
        """The events from ``position`` to ``end`` (a blank line's end) as a `RawRun`, if
        they are all usual events within the limits; ``None`` otherwise."""
        span = end - position
        if span < 2 or span > self.max_event_size:
            return None
        if complete.startswith(b"event: ", position):
            pairs = _EVENT_BLOCK.findall(complete, position, end)
            if 16 * len(pairs) + sum(map(len, chain.from_iterable(pairs))) != span:
                return None
            named = True
        elif complete.startswith(b"data: ", position):
            values = _DATA_VALUES.findall(complete, position, end)
            if 8 * len(values) + sum(map(len, values)) != span:
                return None
            pairs = list(zip(repeat(b"message"), values))
            named = False
        else:
            return None
        if span >= LARGE_VALUE and max(len(pair[1]) for pair in pairs) >= LARGE_VALUE:
            return None  # a large value goes alone, as a memoryview (see _process_lf)
        return RawRun(origin + position, pairs, named)
