"""The sans-IO server-sent events decoder: bytes in, `ServerSentEvent`s out.

It follows the WHATWG HTML standard, section "Interpreting an event stream", to the letter:
CR, LF and CRLF line endings (also a CRLF split across two chunks), a UTF-8 byte order mark
only at the very start, comment lines, fields without a colon, one leading space stripped
from a value, data lines joined with LF, no dispatch for an empty data buffer, ``id`` values
containing NUL ignored, ``retry`` only when all ASCII digits, and an unterminated last block
discarded at the end. Lines are decoded as UTF-8 with invalid sequences replaced by U+FFFD;
line terminators are ASCII, so decoding line by line equals decoding the whole stream.

The decoder works on bytes in bulk (``rfind`` / ``splitlines``), never per character, and
never rescans bytes it has already searched: a long line arriving in many small chunks is
kept as a list of pieces and joined once, so decoding stays linear in the input. Runs of
blank lines and comments (keep-alive floods, in any line ending) are skipped a run at a
time, not a line at a time. A comment is not part of the event it precedes: an event's
offset is that of its first field line.
"""

from __future__ import annotations

import re
from itertools import chain, repeat

import msgspec

from ..errors import EventTooLargeError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent"]

#: The largest event (and the longest line) the decoder buffers, in bytes, unless told
#: otherwise, or unless the stream carried more bytes before it (see `SSEDecoder`). Real
#: events are a few hundred bytes; the largest new ones are complete run steps with
#: file_search results, which stay far below a megabyte. 16 MiB leaves room for any real
#: payload while bounding what a broken or hostile server can make us hold.
DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
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
# Values from this size on are decoded from a memoryview, without an intermediate copy.
_LARGE_VALUE = 64 * 1024
_CR = 13
_LF = 10
_COLON = 58


# Blank lines and comment lines change nothing between events (a comment is not even part
# of the event it precedes), so runs of them are skipped in bulk, three ways, each in C:
# lines of nothing but colons and line ends (blank-line and bare ``:`` floods) by one
# character class; a few other comment lines by one match of a line pattern; and a long
# run of them a window at a time, by one translation and one search for the start of a
# field line (a line end followed by a byte that is neither a line end nor a colon).
_NEWLINES = re.compile(rb"\n*+")
_BLANKS_AND_COLONS = re.compile(rb"[:\r\n]*+")
_IDLE_LINES = re.compile(rb"(?:[\r\n]++|:[^\r\n]*+(?:\r\n|\r|\n))*+")
_COMMENT_LINES = re.compile(rb"(?::[^\r\n]*+(?:\r\n|\r|\n))*+")
_FIELD_MARKS = bytes(10 if byte in (10, 13) else 58 if byte == 58 else 120 for byte in range(256))
# How far the line pattern goes before the windows take over, and the largest window.
_SHORT_RUN = 512
_WINDOW = 1 << 20
# The line path splits this much at a time, so that a run it skips is never split.
_SEGMENT = 4096


def _line_start_before(buffer: bytes, start: int, end: int) -> int:
    """The start of the line ``end`` falls in (``start`` if no line ends in between)."""
    return max(buffer.rfind(b"\n", start, end), buffer.rfind(b"\r", start, end), start - 1) + 1


def _whole_crlf(buffer: bytes, end: int) -> int:
    """``end``, moved past an LF that completes the CR just before it."""
    if buffer[end - 1 : end] == b"\r" and buffer[end : end + 1] == b"\n":
        return end + 1
    return end


def _idle_end(buffer: bytes, start: int, limit: int) -> int:
    """Where the blank and comment lines at ``start`` (a line start between events) end:
    at the start of a field line, or of a line of ``limit`` bytes or more (left to the line
    path, which raises for it), or at the end of ``buffer`` (whole lines, CR, LF or CRLF)."""
    size = len(buffer)
    position = start
    while position < size:
        stop = min(size, position + min(limit, _WINDOW))  # a line ending before it is short enough
        short = min(stop, position + _SHORT_RUN)
        end = _NEWLINES.match(buffer, position, short).end()  # type: ignore[union-attr]
        end = _BLANKS_AND_COLONS.match(buffer, end, short).end()  # type: ignore[union-attr]
        if end == short and end < stop:  # a long run: while it repeats itself, by comparisons
            end = _line_start_before(buffer, position, end)
            if end - position >= _SHORT_RUN // 2:
                end = _repeats_end(buffer, position, _whole_crlf(buffer, end), stop)
            end = _BLANKS_AND_COLONS.match(buffer, end, stop).end()  # type: ignore[union-attr]
        if end > position and end < size and buffer[end - 1] != _LF and buffer[end - 1] != _CR:
            end = _line_start_before(buffer, position, end)  # it stopped inside a comment's text
        if end > position:
            position = _whole_crlf(buffer, end)
            continue
        if buffer[position] != _COLON:
            return position  # a field line
        # Comment lines with text: a few by the line pattern, a long run a window at a time.
        end = _IDLE_LINES.match(buffer, position, min(stop, position + _SHORT_RUN)).end()  # type: ignore[union-attr]
        if end == position:
            return position  # a long comment line: the line path takes it
        read, position = position, _whole_crlf(buffer, end)
        if position - read < _SHORT_RUN // 2 or position >= size:
            continue
        # A long run: while it repeats itself, by comparisons; else a window at a time, by
        # one translation (field line starts become "\nx") and one search.
        stop = min(size, position + min(limit, _WINDOW))
        position = _repeats_end(buffer, read, position, stop)
        window_end = size if stop == size else _line_start_before(buffer, position, stop)
        if window_end - position < _SHORT_RUN:
            continue
        first = buffer[position]
        if first != _COLON and first != _LF and first != _CR:
            continue
        found = buffer[position:window_end].translate(_FIELD_MARKS).find(b"\nx")
        if found >= 0:
            return position + found + 1
        position = _whole_crlf(buffer, window_end)
    return position


def _repeats_end(buffer: bytes, start: int, end: int, stop: int) -> int:
    """How far the idle lines ``[start, end)`` (whole lines, just read) go on repeating
    themselves before ``stop``: a flood sends the same keep-alive over and over, so its
    period is found once and whole windows of it are compared with what was already read
    (a memory comparison), instead of being read again line by line."""
    tail = buffer[max(start, end - 16) : end]
    previous = buffer.rfind(tail, start, end - 1)
    period = end - len(tail) - previous
    if previous < 0:
        return end
    # The tail ends a line, so its earlier occurrence does too: ``block`` starts a line (were
    # that a CR of a CRLF, its LF would differ from what follows ``end``, a line start), and
    # copies of [block, end) are whole idle lines.
    block = end - period
    low, high = 0, (stop - end) // period  # how many more periods repeat: between low and high
    if buffer[end : end + high * period] == buffer[block : block + high * period]:
        return end + high * period  # the usual case: the whole window
    while low < high - 1:
        middle = (low + high) // 2
        if buffer[end : end + middle * period] == buffer[block : block + middle * period]:
            low = middle
        else:
            high = middle
    return end + low * period


def _segment_end(buffer: bytes, start: int) -> int:
    """The end of the line that ends at or after ``start + _SEGMENT`` (or of ``buffer``)."""
    stop = start + _SEGMENT
    if stop >= len(buffer):
        return len(buffer)
    lf, cr = buffer.find(b"\n", stop - 1), buffer.find(b"\r", stop - 1)
    end = min(lf, cr) if lf >= 0 and cr >= 0 else max(lf, cr)
    return len(buffer) if end < 0 else _whole_crlf(buffer, end + 1)


def _comments_end(buffer: bytes, start: int, limit: int) -> int:
    """Where the comment lines at ``start`` (inside an event) end; those shorter than
    ``limit`` only (a longer one is left to the line path, which raises for it)."""
    end = _COMMENT_LINES.match(buffer, start, min(len(buffer), start + limit)).end()  # type: ignore[union-attr]
    return _whole_crlf(buffer, end) if end > start else start


def _decode(buffer: bytes, start: int, end: int) -> str:
    """``buffer[start:end]`` decoded as UTF-8; a large value straight from the buffer,
    without the intermediate copy a slice would make."""
    if end - start < _LARGE_VALUE:
        return buffer[start:end].decode("utf-8", "replace")
    return str(memoryview(buffer)[start:end], "utf-8", "replace")


def _retry_value(digits: bytes) -> int:
    """The reconnection time a ``retry`` field of ASCII digits sets. Absurdly long values
    (Python's ``int()`` refuses more than 4,300 digits) are held at `SSEDecoder.MAX_RETRY`."""
    digits = digits.lstrip(b"0")
    if len(digits) > 19:
        return _MAX_RETRY
    return min(int(digits or b"0"), _MAX_RETRY)


# The largest reconnection time kept, in milliseconds: 2**63 - 1, far beyond any real wait.
_MAX_RETRY = (1 << 63) - 1


class ServerSentEvent(msgspec.Struct, frozen=True, gc=False):
    """One dispatched server-sent event.

    Attributes:
        event: the event type; ``"message"`` when the block had no ``event`` field.
        data: the data lines joined with ``"\\n"``.
        id: the last event ID at dispatch time; it persists across events until changed.
        retry: the last valid ``retry`` value seen on the stream, or ``None``.
        offset: the byte offset in the stream of the event's first field line (comment
            lines before it are not part of it), for error messages.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None
    offset: int = 0

    def json(self) -> object:
        """Decode ``data`` as JSON into plain Python objects."""
        return msgspec.json.decode(self.data)


class RawRun(msgspec.Struct, frozen=True, gc=False):
    """Events back to back, each exactly an ``event`` and a ``data`` line, or (``named``
    false) each exactly one ``data`` line (`SSEDecoder.feed_runs`).

    Attributes:
        offset: the byte offset in the stream of the first event's first line.
        pairs: ``(name, data)`` of each event, as bytes (the name ``b"message"`` when the
            events have no ``event`` line); the k-th event starts ``16 + len(name) +
            len(data)`` bytes after the one before it (``8 + len(data)`` without names).
        named: whether the events have an ``event`` line.
    """

    offset: int
    pairs: list[tuple[bytes, bytes]]
    named: bool = True

    def offsets(self) -> list[int]:
        """The byte offset of each event of the run."""
        offsets, position = [], self.offset
        named = self.named
        for name, data in self.pairs:
            offsets.append(position)
            position += (16 + len(name) if named else 8) + len(data)
        return offsets


class SSEDecoder:
    """Incremental, sans-IO decoder of a ``text/event-stream`` body.

    Feed it bytes as they arrive; it returns the events each chunk completed. The result
    never depends on how the bytes were chunked.

    Examples:
        >>> decoder = SSEDecoder()
        >>> decoder.feed(b"event: done\\ndata: [DO")
        []
        >>> decoder.feed(b"NE]\\n\\n")
        [ServerSentEvent(event='done', data='[DONE]', id='', retry=None, offset=0)]
        >>> decoder.end()
        []

    An event may also be as large as the part of the stream before it: an authoritative
    object repeats what its deltas built (``thread.run.requires_action`` repeats the whole
    arguments of the calls it waits on, ``thread.message.completed`` the whole text), so a
    50 MB tool call works with the default limit, while a server that opens with a flood
    is stopped at ``max_event_size``. Either way what the decoder holds is bounded by what
    the server sent, and whether an event passes does not depend on the chunking.

    Args:
        max_event_size: the largest event or line to buffer, in bytes (more when the
            stream before the event was longer); beyond it `feed` raises
            `EventTooLargeError` naming the byte offset.
    """

    #: The largest ``retry`` value kept (milliseconds); longer ones are held at it.
    MAX_RETRY = _MAX_RETRY

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        self.max_event_size = max_event_size
        # Bytes of the line not yet terminated, kept as pieces so they are joined only once.
        self._partial: list[bytes] = []
        self._partial_size = 0
        # Stream offset of the first byte of the partial line (all before it is consumed).
        self._offset = 0
        self._at_start = True
        self._skip_lf = False
        self._event_type = ""
        self._data: list[bytes] = []
        self._data_size = 0
        self._event_offset = -1
        # The last event ID buffer (set by ``id`` fields), and its value when the current
        # block began: what the event source's last event ID is until the block dispatches.
        self._last_event_id = ""
        self._block_event_id = ""
        self._retry: int | None = None
        # A size error found after some events of a chunk: raised by the next call.
        self._error: EventTooLargeError | None = None

    @property
    def last_event_id(self) -> str:
        """The last event ID string: what a reconnection sends as ``Last-Event-ID``.

        As the standard has it, an ``id`` field sets a buffer, and the buffer becomes the
        last event ID only when its block is dispatched (at the blank line ending it, even
        a block without data). An ``id`` in a block not yet ended, or in an unterminated
        last block, does not change it.
        """
        return self._last_event_id if self._event_offset < 0 else self._block_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in milliseconds from the latest valid ``retry`` field."""
        return self._retry

    @property
    def offset(self) -> int:
        """How many bytes of the stream have been consumed into complete lines."""
        return self._offset

    @property
    def pending_offset(self) -> int | None:
        """The byte offset of the first line of the block in progress (an event begun but
        not yet dispatched), or ``None`` between blocks: the bytes before it (or before
        `offset` between blocks) belong to blocks already ended."""
        return self._event_offset if self._event_offset >= 0 else None

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Take the next chunk of the stream and return the events it completed.

        Any bytes-like chunk is accepted; a mutable one (``bytearray``, ``memoryview``) is
        copied first, so the caller may reuse its buffer for the next chunk.

        Raises:
            EventTooLargeError: a line or an event grew beyond ``max_event_size``. The
                events the chunk completed before that point are returned first; the
                error is raised by the next call (nothing received is lost).
        """
        return self._feed(data, False)

    def feed_runs(self, data: bytes) -> list[ServerSentEvent | RawRun]:
        """Like `feed`, for a consumer that decodes event data itself: runs of usual events
        (exactly an ``event`` and a ``data`` line) come as `RawRun`s of ``(name, data)``
        bytes pairs, in stream order among the `ServerSentEvent`s of every other event. The
        events are those `feed` would return; ``id`` and ``retry`` do not apply to the
        pairs. A large value comes as a memoryview of the decoder's buffer (no copy).
        """
        return self._feed(data, True)  # type: ignore[return-value]

    def _feed(self, data: bytes, runs: bool) -> list[ServerSentEvent]:
        if self._error is not None:
            raise self._error
        if type(data) is not bytes:
            # Pieces of a line are kept until it ends: they must not change under us.
            data = bytes(data)
        if not data:
            return []
        if self._at_start:
            data = self._strip_bom(data)
            if not data:
                return []
        if self._skip_lf:
            # The previous chunk ended with CR; an LF starting this one completes that CRLF.
            self._skip_lf = False
            if data[0] == _LF:
                self._offset += 1
                data = data[1:]
                if not data:
                    return []
        last = data[-1]
        if last == _LF or last == _CR:
            # The usual chunk ends with whole lines: no search, no copy.
            complete = data
            rest = b""
            self._skip_lf = last == _CR
        else:
            end = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if end < 0:
                self._partial.append(data)
                self._partial_size += len(data)
                if self._partial_size + self._data_size > self.max_event_size:
                    self._check_size()
                return []
            complete = data[: end + 1]
            rest = data[end + 1 :]
        if self._partial:
            self._partial.append(complete)
            complete = b"".join(self._partial)
            self._partial = []
        if rest:
            self._partial = [rest]
        self._partial_size = len(rest)
        events: list[ServerSentEvent] = []
        try:
            if b"\r" in complete:
                self._process(complete, events)
            else:
                self._process_lf(complete, events, runs)
            if self._partial_size + self._data_size > self.max_event_size:
                self._check_size()
        except EventTooLargeError as error:
            self._error = error
            if events:
                return events
            raise
        return events

    def end(self) -> list[ServerSentEvent]:
        """Signal the end of the stream; return the events it completed (always none).

        By the standard, an event whose block was not terminated by a blank line is
        discarded. The decoder is reset for reuse (a reconnection), keeping only the last
        event ID and the retry value, which persist across connections; byte offsets start
        again at 0.

        Raises:
            EventTooLargeError: the last chunk hit the size limit after completing events.
        """
        error, self._error = self._error, None
        # An unterminated last block is discarded, and with it any ``id`` it set.
        self._last_event_id = self.last_event_id
        self._partial = []
        self._partial_size = 0
        self._at_start = True
        self._skip_lf = False
        self._event_type = ""
        self._data = []
        self._data_size = 0
        self._event_offset = -1
        self._offset = 0
        if error is not None:
            raise error
        return []

    def _strip_bom(self, data: bytes) -> bytes:
        if self._partial:
            # Fewer than three bytes arrived so far, all a prefix of the BOM.
            data = b"".join(self._partial) + data
            self._partial = []
            self._partial_size = 0
        if len(data) < len(_BOM) and _BOM.startswith(data):
            self._partial = [data]
            self._partial_size = len(data)
            return b""
        self._at_start = False
        if data.startswith(_BOM):
            self._offset += len(_BOM)
            return data[len(_BOM) :]
        return data

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
                if runs:  # no copy of a value that may be tens of megabytes
                    pair = (self._event_type.encode(), memoryview(complete)[value_start:value_end])
                    events.append(RawRun(self._event_offset, [pair]))  # type: ignore[arg-type]
                else:
                    events.append(
                        ServerSentEvent(
                            self._event_type or "message",
                            _decode(complete, value_start, value_end),
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
                    large = _LARGE_DATA.search(complete, position, run_end) if run_end - position > _LARGE_VALUE else None
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
                if block_end - position < _LARGE_VALUE:
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
                                _decode(complete, value_start, value_end),
                                last_event_id,
                                retry,
                                origin + position,
                            )
                        )
                        position = block.end()
                        continue
            elif complete[position] == _LF or complete[position] == _COLON:
                # Blank lines and comments between events change nothing: skipped in bulk.
                idle_end = _idle_end(complete, position, max_event_size)
                if idle_end > position:
                    position = idle_end
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
        when the span is anything else: the loop of `_process_lf` takes it)."""
        end = complete.rfind(b"\n\n", position) + 2
        span = end - position
        if span < 2 or span > self.max_event_size:
            return position
        if complete.startswith(b"event: ", position):
            pairs = _EVENT_BLOCK.findall(complete, position, end)
            if 16 * len(pairs) + sum(map(len, chain.from_iterable(pairs))) != span:
                return position
            named = True
        elif complete.startswith(b"data: ", position):
            values = _DATA_VALUES.findall(complete, position, end)
            if 8 * len(values) + sum(map(len, values)) != span:
                return position
            pairs = list(zip(repeat(b"message"), values))
            named = False
        else:
            return position
        if span >= _LARGE_VALUE and max(len(pair[1]) for pair in pairs) >= _LARGE_VALUE:
            return position  # a large value goes alone, as a memoryview (see _process_lf)
        events.append(RawRun(origin + position, pairs, named))  # type: ignore[arg-type]
        return end

    def _process(self, complete: bytes, events: list[ServerSentEvent]) -> None:
        """The line path: any line endings, any fields. Comment lines, and blank lines
        between events, are skipped a run at a time (see `_idle_end`)."""
        position = base = self._offset
        event_type = self._event_type
        data = self._data
        data_size = self._data_size
        event_offset = self._event_offset
        max_event_size = self.max_event_size
        size = len(complete)
        lines: list[bytes] = []
        count = index = 0
        segment_end = 0  # lines are split a segment at a time: a skipped run is never split
        while True:
            if index == count:
                segment_start = position - base
                if segment_start >= size:
                    break
                segment_end = _segment_end(complete, segment_start)
                lines = complete[segment_start:segment_end].splitlines(True)
                count = len(lines)
                index = 0
            raw_line = lines[index]
            index += 1
            line_start = position
            position += len(raw_line)
            first = raw_line[0]
            if first == _COLON or (event_offset < 0 and (first == _LF or first == _CR)):
                start = line_start - base
                if event_offset < 0:
                    end = _idle_end(complete, start, max_event_size)
                else:
                    end = _comments_end(complete, start, max_event_size - data_size)
                if end > start:
                    after = position - base
                    if end >= segment_end:
                        index = count  # past this segment: the next starts at the run's end
                        position = base + end
                    elif end > after:  # more lines than this one: step over them
                        index += complete.count(b"\n", after, end) + complete.count(b"\r", after, end)
                        index -= complete.count(b"\r\n", after, end)
                        position = base + end
                    continue
                # A line too long to skip: the size check below decides.
            line = raw_line.rstrip(b"\r\n")
            if not line:
                if data:
                    events.append(
                        ServerSentEvent(
                            event_type or "message",
                            b"\n".join(data).decode("utf-8", "replace"),
                            self._last_event_id,
                            self._retry,
                            event_offset,
                        )
                    )
                    data = []
                    data_size = 0
                event_type = ""
                event_offset = -1
                continue
            block_start = event_offset if event_offset >= 0 else line_start
            if len(line) + data_size > max_event_size and len(line) + data_size > block_start:
                # The same test `feed` applies to a partial line, so whether (and where) the
                # limit is hit does not depend on how the stream was chunked.
                self._too_large("line" if not data else "event", block_start, event_type)
            if first == _COLON:
                continue  # a comment: not even the start of the event it may precede
            if event_offset < 0:
                event_offset = line_start
                self._block_event_id = self._last_event_id
            if line[:5] == b"data:":
                value = line[6:] if line[5:6] == b" " else line[5:]
                data.append(value)
                data_size += len(value) + 1
                continue
            colon = line.find(b":")
            if colon < 0:
                name, value = line, b""
            else:
                name = line[:colon]
                value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
            if name == b"event":
                event_type = value.decode("utf-8", "replace")
            elif name == b"data":
                data.append(value)
                data_size += len(value) + 1
            elif name == b"id":
                if b"\0" not in value:
                    self._last_event_id = value.decode("utf-8", "replace")
            elif name == b"retry":
                if value.isdigit() and value.isascii():
                    self._retry = _retry_value(value)
        self._offset = position
        self._event_type = event_type
        self._data = data
        self._data_size = data_size
        self._event_offset = event_offset

    def _check_size(self) -> None:
        """The partial line and the event's data passed ``max_event_size``: raise unless
        the stream before the event was longer still."""
        start = self._event_offset if self._event_offset >= 0 else self._offset
        if self._partial_size + self._data_size > start:
            self._too_large("line" if not self._data else "event")

    def _too_large(self, what: str, start: int | None = None, event_type: str | None = None) -> None:
        if start is None:
            start = self._event_offset if self._event_offset >= 0 else self._offset
        if event_type is None:
            event_type = self._event_type
        raise EventTooLargeError(
            f"server-sent {what} larger than max_event_size={self.max_event_size} bytes and than the "
            f"{start} bytes of the stream before it (pass a larger max_event_size to accept it)",
            event=event_type or None,
            offset=start,
        )
