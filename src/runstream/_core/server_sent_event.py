"""What the SSE decoder hands out: dispatched events, and runs of usual events as bytes."""

from __future__ import annotations

import msgspec

__all__ = ["RawRun", "ServerSentEvent"]


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
