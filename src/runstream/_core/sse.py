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
kept as a list of pieces and joined once, so decoding stays linear in the input.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=8)
def _idle_lines(max_event_size: int) -> re.Pattern[bytes]:
    """Blank lines, and blocks of comment lines each closed by a blank line: between events
    they change nothing. Possessive, so a flood is matched in one pass in C without
    backtracking. A comment line longer than ``max_event_size`` is left to the line path,
    which raises for it as for any other line."""
    if max_event_size < 1:
        return re.compile(rb"\n*+")
    return re.compile(rb"\n*+(?:(?::[^\n]{0,%d}+\n)++\n++)*+" % (max_event_size - 1))


def _idle_end(buffer: bytes, start: int, max_event_size: int) -> int:
    """Where the blank lines and comment blocks at ``start`` (a line start, no event in
    progress, LF line endings) end. A comment block closed by a blank line dispatches
    nothing, so a flood of keep-alives is skipped in one regular expression match, not line
    by line. A comment directly before a field stays: it is its event's first line."""
    return _idle_lines(max_event_size).match(buffer, start).end()  # type: ignore[union-attr] - it matches ""


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
        offset: the byte offset in the stream of the event's first line (for error messages).
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
        position = self._offset
        event_type = self._event_type
        data = self._data
        data_size = self._data_size
        event_offset = self._event_offset
        max_event_size = self.max_event_size
        for raw_line in complete.splitlines(True):
            line_start = position
            position += len(raw_line)
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
            if event_offset < 0:
                event_offset = line_start
                self._block_event_id = self._last_event_id
            if len(line) + data_size > max_event_size and len(line) + data_size > event_offset:
                # The same test `feed` applies to a partial line, so whether (and where) the
                # limit is hit does not depend on how the stream was chunked.
                self._too_large("line" if not data else "event", event_offset, event_type)
            if line[:5] == b"data:":
                value = line[6:] if line[5:6] == b" " else line[5:]
                data.append(value)
                data_size += len(value) + 1
                continue
            if line[0] == 58:  # ":" starts a comment
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
