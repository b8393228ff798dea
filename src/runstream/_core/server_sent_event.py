"""What the SSE decoder hands out: dispatched events, and runs of usual events as bytes."""

from __future__ import annotations

from itertools import repeat

import msgspec

__all__ = ["RawRun", "ServerSentEvent", "UniformRun"]


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


class UniformRun(msgspec.Struct, frozen=True, gc=False):
    """Events back to back that all have one name, each exactly ``event: NAME`` and
    ``data: VALUE`` lines and a blank line (or, ``named`` false, each exactly one ``data``
    line), whose every value is one JSON object by its first and last byte: what
    `SSEDecoder.feed_runs` hands a consumer that asked for them (``uniform_runs``). Their
    values come separated by carriage returns, ready for msgspec's ``Decoder.decode_lines``
    (see `runstream._core.json_batches` for when that equals decoding each value).

    Attributes:
        offset: the byte offset in the stream of the first event's first line.
        name: the events' name (``b"message"`` when they have no ``event`` line).
        text: the first event's prefix (``event: NAME\\ndata: ``), the values joined by
            carriage returns (``\\r``, which no value holds), and a blank line.
        start: where the first value starts in ``text``.
        count: how many events.
        named: whether the events have an ``event`` line.
    """

    offset: int
    name: bytes
    text: bytes
    start: int
    count: int
    named: bool = True

    def json_lines(self) -> memoryview:
        """The values for a batch decode: ``{...}\\r{...}``, a view of ``text``."""
        return memoryview(self.text)[self.start : -2]

    def values(self) -> list[bytes]:
        """Each event's data value."""
        return self.text[self.start : -2].split(b"\r")

    def first_and_last(self) -> tuple[bytes, bytes]:
        """The data values of the first and the last event."""
        text, start = self.text, self.start
        end = len(text) - 2
        first_end = text.find(b"\r", start, end)
        return text[start : first_end if first_end >= 0 else end], text[text.rfind(b"\r", start, end) + 1 or start : end]

    def raw_run(self) -> RawRun:
        """The same events as a `RawRun` of ``(name, data)`` pairs."""
        return RawRun(self.offset, list(zip(repeat(self.name), self.values())), self.named)

    def _size(self, value: bytes) -> int:
        # The bytes of an event of this run with this value, its blank line included.
        return (16 + len(self.name) if self.named else 8) + len(value)

    def split_first(self) -> tuple[RawRun, UniformRun]:
        """The first event as a `RawRun`, and the others (a run of two events or more)."""
        text, start = self.text, self.start
        end = text.find(b"\r", start)
        first = text[start:end]
        rest = UniformRun(self.offset + self._size(first), self.name, text, end + 1, self.count - 1, self.named)
        return RawRun(self.offset, [(self.name, first)], self.named), rest

    def split_last(self) -> tuple[UniformRun, RawRun]:
        """The events but the last (a run of two events or more), and the last as a `RawRun`."""
        text, start = self.text, self.start
        end = text.rfind(b"\r", start, len(text) - 2)
        last = text[end + 1 : -2]
        rest = UniformRun(self.offset, self.name, text[:end] + b"\n\n", start, self.count - 1, self.named)
        # The run's bytes in the stream: each event's prefix and blank line, and the values
        # (the values but their separating carriage returns).
        size = self.count * self._size(b"") + len(text) - 2 - start - (self.count - 1)
        return rest, RawRun(self.offset + size - self._size(last), [(self.name, last)], self.named)
