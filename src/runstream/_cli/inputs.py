"""The inputs of ``replay`` and ``check``: files and standard input, read in chunks as they
arrive, so that a stream piped in is replayed live and in bounded memory, and the streams an
input holds, cut after each ``done`` event (recordings concatenated by ``cat`` are fed as the
streams they were).
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterable, Iterator

from .._core.sse import SSEDecoder

__all__ = ["CHUNK_SIZE", "STDIN", "StreamSplitter", "file_chunks", "label_of", "stdin_chunks"]

#: The file name that stands for standard input.
STDIN = "-"
#: How much is read at a time.
CHUNK_SIZE = 64 * 1024


def label_of(name: str) -> str:
    """How an input is named in messages."""
    return "<stdin>" if name == STDIN else name


def stdin_chunks() -> Iterator[bytes]:
    """Standard input in the pieces it arrives in. What was printed so far is flushed before
    each wait for more, so that the output of a stream piped in follows it live."""
    buffer = sys.stdin.buffer
    read = getattr(buffer, "read1", buffer.read)  # read1: what is there, without waiting for more
    while True:
        sys.stdout.flush()
        chunk = read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def file_chunks(name: str) -> Iterator[bytes]:
    """The file ``name`` in chunks; it is opened at once (an `OSError` is raised here, not
    when the chunks are read) and closed when they are."""
    file = open(name, "rb")  # noqa: SIM115 - closed by the generator

    def chunks() -> Iterator[bytes]:
        with file:
            while chunk := file.read(CHUNK_SIZE):
                yield chunk

    return chunks()


class StreamSplitter:
    """The streams in a sequence of chunks, each cut where the first event after a ``done``
    event begins, handed out as the chunks arrive.

    The chunks go through an SSE decoder of their own to find the cuts. Nothing is held
    back but, after a ``done``, the bytes of an event begun and not yet complete (they may
    belong to the next stream): memory stays within the decoder's ``max_event_size``.

    Attributes:
        events: the server-sent events found so far.
        size: the bytes read so far.
        exhausted: the input has ended.
        cuts: how many streams were cut off so far.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.events = 0
        self.size = 0
        self.exhausted = False
        self.cuts = 0
        self._at_cut = False

    def streams(self) -> Iterator[Iterator[bytes]]:
        """The streams, each an iterator of its chunks; read each before asking for the next
        (what a stream leaves unread, up to its cut, is skipped).

        Raises:
            EventTooLargeError: from the iterators, as the decoder of a whole stream would.
        """
        pieces = self._pieces()
        try:
            while True:
                self._at_cut = False
                stream = self._until_cut(pieces)
                yield stream
                stream.close()
                if not self._at_cut and not self.exhausted:
                    for piece in pieces:  # the stream stopped reading before its cut
                        if piece is None:
                            break
                if self.exhausted:
                    return
        finally:
            pieces.close()  # and with it the input (a file)

    def _until_cut(self, pieces: Iterator[bytes | None]) -> Generator[bytes, None, None]:
        for piece in pieces:
            if piece is None:
                self._at_cut = True
                return
            yield piece

    def _pieces(self) -> Generator[bytes | None, None, None]:
        """The bytes as they come, with ``None`` at each cut; closes the input at its end."""
        try:
            yield from self._cut_pieces(iter(self._chunks))
        finally:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()

    def _cut_pieces(self, chunks: Iterator[bytes]) -> Iterator[bytes | None]:
        decoder = SSEDecoder()
        held = b""  # the bytes read and not handed out yet
        given = 0  # the stream offset of held's first byte
        after_done = False  # the last event was ``done``: the next one starts a new stream
        for chunk in chunks:
            held = held + chunk if held else chunk
            self.size += len(chunk)
            events = decoder.feed(chunk)
            self.events += len(events)
            for event in events:
                if after_done:
                    cut = event.offset - given
                    if cut:
                        yield held[:cut]
                    self.cuts += 1
                    yield None
                    held = held[cut:]
                    given = event.offset
                after_done = event.event == "done"
            # Hand on all that was read but, after a done, the event in progress.
            safe = self.size
            if after_done:
                pending = decoder.pending_offset
                safe = decoder.offset if pending is None else pending
            if safe > given:
                yield held[: safe - given]
                held = held[safe - given :]
                given = safe
        decoder.end()
        self.exhausted = True
        if held:
            yield held
