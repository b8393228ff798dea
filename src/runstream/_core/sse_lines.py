"""The line path of the SSE decoder: any line endings, any fields, line by line.

It follows the WHATWG rules to the letter (see `SSEDecoder`); the block path (`sse_blocks`)
hands it every block that is not a usual event, so both give the same events by
construction. It also raises the size errors of both.
"""

from __future__ import annotations

from ..errors import EventTooLargeError
from .server_sent_event import ServerSentEvent
from .sse_idle import comments_end, end_of_segment, idle_end

__all__ = ["LARGE_VALUE", "MAX_RETRY", "LinePath", "decode_value"]

# Values from this size on are decoded from a memoryview, without an intermediate copy.
LARGE_VALUE = 64 * 1024

_CR = 13
_LF = 10
_COLON = 58


def decode_value(buffer: bytes, start: int, end: int) -> str:
    """``buffer[start:end]`` decoded as UTF-8; a large value straight from the buffer,
    without the intermediate copy a slice would make."""
    if end - start < LARGE_VALUE:
        return buffer[start:end].decode("utf-8", "replace")
    return str(memoryview(buffer)[start:end], "utf-8", "replace")


def _retry_value(digits: bytes) -> int:
    """The reconnection time a ``retry`` field of ASCII digits sets. Absurdly long values
    (Python's ``int()`` refuses more than 4,300 digits) are held at `MAX_RETRY`."""
    digits = digits.lstrip(b"0")
    if len(digits) > 19:
        return MAX_RETRY
    return min(int(digits or b"0"), MAX_RETRY)


# The largest reconnection time kept, in milliseconds: 2**63 - 1, far beyond any real wait.
MAX_RETRY = (1 << 63) - 1


class LinePath:
    """The line-by-line decoding and the size checks of `SSEDecoder` (its base class)."""

    # The decoder's state (see `SSEDecoder.__init__`).
    max_event_size: int
    _partial_size: int
    _offset: int
    _event_type: str
    _data: list[bytes]
    _data_size: int
    _event_offset: int
    _last_event_id: str
    _block_event_id: str
    _retry: int | None

    def _process(self, complete: bytes, events: list[ServerSentEvent]) -> None:
        """The line path: any line endings, any fields. Comment lines, and blank lines
        between events, are skipped a run at a time (see `sse_idle`)."""
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
                segment_end = end_of_segment(complete, segment_start)
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
                    end = idle_end(complete, start, max_event_size)
                else:
                    end = comments_end(complete, start, max_event_size - data_size)
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
