"""Wire events as the fake server sends them, SSE framing, and recorded ``.sse`` files."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import msgspec

__all__ = ["RecordedScenario", "WireEvent", "encode_event", "load_sse", "split_sse"]

_json_decoder = msgspec.json.Decoder()
_LINE_END = re.compile(rb"\r\n|\r|\n")
_BLANK_LINE = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


class WireEvent(NamedTuple):
    """One event of a stream as the fake server holds it.

    Attributes:
        name: the SSE event name (``""`` for a hidden state change that is never sent).
        data: the event's data, as on the ``data:`` line.
        raw: the exact bytes sent for the event, terminator included.
        obj: the full run, step or message object the event carries, if any; the server's
            state follows these objects as the events are sent.
    """

    name: str
    data: bytes
    raw: bytes
    obj: dict[str, Any] | None


def encode_event(name: str, data: bytes) -> bytes:
    """Frame one event the way the service does: ``event:`` line, ``data:`` line, blank line.

    Args:
        name: the event name.
        data: the single-line data (JSON, or ``[DONE]``).

    Returns:
        The SSE bytes of the event.
    """
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


def split_sse(body: bytes) -> list[WireEvent]:
    """Split a recorded SSE body into events, keeping each event's exact bytes.

    LF, CRLF and CR line endings all work. Bytes after the last blank line (a final event
    without terminator, as some recordings end) become one last event, so joining the
    ``raw`` of all events gives back ``body`` unchanged.

    Args:
        body: the whole recorded body.

    Returns:
        The events in order; ``obj`` is set for events whose data is a run, step or message.
    """
    events: list[WireEvent] = []
    start = 0
    for match in _BLANK_LINE.finditer(body):
        events.append(_parse_block(body[start : match.end()]))
        start = match.end()
    if start < len(body):
        events.append(_parse_block(body[start:]))
    return events


def _parse_block(raw: bytes) -> WireEvent:
    name = ""
    data_lines: list[bytes] = []
    for line in _LINE_END.split(raw):
        field, _, value = line.partition(b":")
        value = value[1:] if value.startswith(b" ") else value
        if field == b"event":
            name = value.decode("utf-8", "replace")
        elif field == b"data":
            data_lines.append(value)
    data = b"\n".join(data_lines)
    obj = None
    if data.lstrip().startswith(b"{"):
        try:
            decoded = _json_decoder.decode(data)
        except msgspec.DecodeError:
            decoded = None
        # Only full objects carry state; deltas and errors are not objects of the store.
        if isinstance(decoded, dict) and decoded.get("object") in _STATEFUL_OBJECTS:
            obj = decoded
    # An unnamed block is still sent as-is; "message" is the SSE default name.
    return WireEvent(name or ("message" if data_lines else ""), data, raw, obj)


_STATEFUL_OBJECTS = frozenset({"thread.run", "thread.run.step", "thread.message"})


def load_sse(path: str | os.PathLike[str]) -> list[bytes]:
    """Read a recorded ``.sse`` file: one file is one segment (one HTTP response body).

    Args:
        path: the file.

    Returns:
        A one-element list with the file's bytes, so the results of several files
        concatenate into the segments of one run.
    """
    with open(path, "rb") as file:
        return [file.read()]


class RecordedScenario:
    """A run replayed from recorded stream bodies, byte for byte.

    Each body is one segment: the first answers the create-run request, each later one a
    submit-tool-outputs request. The thread and run ids come from the first run object
    recorded, and the pending tool calls from the ``requires_action`` run object that ends
    a segment.

    Args:
        segments: the bodies, or paths of ``.sse`` files (one file per segment).
        chunk_size: bytes per write when served (``None``: one write per event).

    Raises:
        ValueError: no segment, or no run object in the first one.
    """

    def __init__(
        self,
        segments: Sequence[bytes | str | os.PathLike[str]],
        *,
        chunk_size: int | None = None,
    ) -> None:
        bodies = [s if isinstance(s, bytes) else load_sse(s)[0] for s in segments]
        if not bodies:
            raise ValueError("a recorded scenario needs at least one segment")
        self._segments = [split_sse(body) for body in bodies]
        self.chunk_size = chunk_size
        first_run = next(
            (e.obj for e in self._segments[0] if e.obj and e.obj["object"] == "thread.run"), None
        )
        if first_run is None:
            raise ValueError("the first recorded segment holds no run object")
        self.run_id: str = first_run["id"]
        self.thread_id: str = first_run.get("thread_id", "")
        self.created_at: int = first_run.get("created_at") or 0

    @property
    def segment_count(self) -> int:
        """How many segments (HTTP responses) the run streams."""
        return len(self._segments)

    def wire_segment(
        self,
        index: int,
        *,
        tool_outputs: Mapping[str, str] | None = None,
        include_content: bool = False,
    ) -> list[WireEvent]:
        """The events of segment ``index`` exactly as recorded (the options do not apply to
        a recording: it has the outputs and contents it was recorded with).

        Args:
            index: the segment.
            tool_outputs: ignored.
            include_content: ignored.
        """
        del tool_outputs, include_content
        return self._segments[index]
