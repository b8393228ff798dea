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

from ..errors import EventTooLargeError
from .server_sent_event import RawRun, ServerSentEvent, UniformRun
from .sse_blocks import BlockPath
from .sse_lines import MAX_RETRY

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "RawRun", "SSEDecoder", "ServerSentEvent", "UniformRun"]

#: The largest event (and the longest line) the decoder buffers, in bytes, unless told
#: otherwise, or unless the stream carried more bytes before it (see `SSEDecoder`). Real
#: events are a few hundred bytes; the largest new ones are complete run steps with
#: file_search results, which stay far below a megabyte. 16 MiB leaves room for any real
#: payload while bounding what a broken or hostile server can make us hold.
DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
_CR = 13
_LF = 10


class SSEDecoder(BlockPath):
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
    MAX_RETRY = MAX_RETRY

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

    def feed_runs(self, data: bytes) -> list[ServerSentEvent | RawRun | UniformRun]:
        """Like `feed`, for a consumer that decodes event data itself: runs of usual events
        (exactly an ``event`` and a ``data`` line) come as `RawRun`s of ``(name, data)``
        bytes pairs, in stream order among the `ServerSentEvent`s of every other event. The
        events are those `feed` would return; ``id`` and ``retry`` do not apply to the
        pairs. A large value comes as a memoryview of the decoder's buffer (no copy).

        With ``uniform_runs`` set, runs whose events all have one name come as
        `UniformRun`s (their bytes, not cut into pairs) where a chunk holds nothing else.
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
            # Joined to the pending piece below (the usual chunk, which ends within an event):
            # a view, so that the chunk is copied once, not twice.
            complete = memoryview(data)[: end + 1] if self._partial else data[: end + 1]
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
