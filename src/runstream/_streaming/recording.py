"""Recordings: ``.sse`` files of live streams, their timing, and their pacing on replay.

A recording is the raw bytes exactly as they arrived, so any SSE reader can replay it, plus
a small ``.timing`` sidecar (one ``offset seconds`` line per chunk) that replay uses to
reproduce the original pacing. A run with tool calls spans several streams: the first is
``NAME.sse``, the continuations ``NAME.continuation-1.sse``, ``NAME.continuation-2.sse``...
The recording sources and the replay, sync and async, are in ``async_recording_source.py``
and the ``recording_source.py`` generated from it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["MAX_TIMING_SECONDS", "Tee", "paced", "recording_path", "recording_paths", "recording_timing"]

_CONTINUATION = re.compile(r"\.continuation-?(\d*)\.sse$")


def recording_path(path: str | Path, stream_index: int) -> Path:
    """The file of the ``stream_index``-th stream (0 = the first) of a recording."""
    path = Path(path)
    if stream_index == 0:
        return path
    stem = path.name[: -len(".sse")] if path.name.endswith(".sse") else path.name
    return path.with_name(f"{stem}.continuation-{stream_index}.sse")


def recording_paths(path: str | Path) -> list[Path]:
    """Every file of the recording whose first stream is ``path``, in stream order."""
    path = Path(path)
    stem = path.name[: -len(".sse")] if path.name.endswith(".sse") else path.name
    found = []
    for candidate in path.parent.glob(f"{stem}.continuation*.sse"):
        match = _CONTINUATION.search(candidate.name)
        if match and candidate.name == f"{stem}{match.group(0)}":
            found.append((int(match.group(1) or 0), candidate))
    return [path, *(candidate for _, candidate in sorted(found))]


class Tee:
    """Writes the chunks of a live stream to a recording and its timing sidecar."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self.timing: BinaryIO = open(self.path.with_name(self.path.name + ".timing"), "wb")  # noqa: SIM115
        self.offset = 0
        self.start = time.monotonic()

    def write(self, chunk: bytes) -> None:
        self.timing.write(f"{self.offset} {time.monotonic() - self.start:.6f}\n".encode())
        self.file.write(chunk)
        self.offset += len(chunk)

    def close(self) -> None:
        self.file.close()
        self.timing.close()


#: The longest wait a timing record may ask for, in seconds: recordings are of streams, not
#: of days; a larger value is a broken or hostile file, not a pace to reproduce.
MAX_TIMING_SECONDS = 24 * 3600.0


def recording_timing(path: Path) -> list[tuple[int, float]]:
    """The ``(offset, seconds)`` marks of ``path``'s timing record, checked.

    Raises:
        ValueError: a line is not ``OFFSET SECONDS``, a number is out of range (not finite,
            negative, beyond the file or `MAX_TIMING_SECONDS`), or marks go backwards; the
            message names the file and the line.
    """
    timing_path = path.with_name(path.name + ".timing")
    if not timing_path.exists():
        return []
    size = path.stat().st_size
    marks: list[tuple[int, float]] = []
    for number, line in enumerate(timing_path.read_text(errors="replace").splitlines(), 1):
        where = f"{timing_path}, line {number}"
        fields = line.split()
        if len(fields) != 2 or not fields[0].isdigit() or not fields[0].isascii():
            raise ValueError(f"{where}: expected 'OFFSET SECONDS', got {line[:40]!r}")
        offset = int(fields[0]) if len(fields[0]) < 20 else size + 1
        try:
            seconds = float(fields[1])
        except ValueError:
            raise ValueError(f"{where}: {fields[1][:40]!r} is not a number of seconds") from None
        if not 0 <= seconds <= MAX_TIMING_SECONDS:  # also false for NaN
            raise ValueError(f"{where}: {fields[1][:40]} seconds is not between 0 and {MAX_TIMING_SECONDS:.0f}")
        if offset > size:
            raise ValueError(f"{where}: offset {fields[0][:40]} is beyond the recording ({size} bytes)")
        if marks and (offset < marks[-1][0] or seconds < marks[-1][1]):
            raise ValueError(f"{where}: goes back (offset {offset} at {seconds} s after {marks[-1][0]} at {marks[-1][1]} s)")
        marks.append((offset, seconds))
    return marks


def paced(path: Path, speed: float) -> Iterator[tuple[float, bytes]]:
    """The chunks of a recording with the second each is due (``speed`` > 0: as recorded,
    sped up ``speed`` times), or all of it at once."""
    data = path.read_bytes()
    marks = recording_timing(path)
    if not marks or speed <= 0:
        yield 0.0, data
        return
    bounds = [offset for offset, _ in marks[1:]] + [len(data)]
    for (offset, seconds), end in zip(marks, bounds):
        yield seconds / speed, data[offset:end]
