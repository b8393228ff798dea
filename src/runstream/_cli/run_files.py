"""Replay and check of Assistants run stream files: fed in order into one accumulator.

``main.py`` runs these for run streams; ``dialects.py`` falls back to them for run-stream
files among others.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from .._core.accumulator import Accumulator
from .._core.events import AssistantStreamEvent, DoneEvent, UnknownEvent
from .._streaming.recording import recording_timing
from .._streaming.recording_source import replay_chunks
from .._streaming.sync_stream import RunStream
from ..errors import IncompleteStreamError, RunstreamError
from .common import EXIT_FINDINGS, EXIT_OK, CommandError, printable
from .inputs import STDIN, StreamSplitter, file_chunks, label_of, stdin_chunks

__all__ = ["check_run_files", "describe_event", "replay_run_files"]


def _open_input(name: str, preread: Mapping[str, Iterator[bytes]]) -> Iterator[bytes]:
    if name in preread:  # standard input, its first chunks read to detect its dialect
        return preread[name]
    if name == STDIN:
        return stdin_chunks()
    try:
        return file_chunks(name)
    except OSError as error:
        raise CommandError(f"cannot read {name}: {error.strerror or error}") from None


def replay_run_files(
    names: Sequence[str], accumulator: Accumulator, speed: float = 0.0,
    preread: Mapping[str, Iterator[bytes]] | None = None,
) -> Iterator[tuple[str, AssistantStreamEvent]]:
    """Feed the files, in order, into one accumulator; yield (file name, event) as the bytes
    arrive. With a ``speed``, a file with a ``.timing`` record is replayed at its recorded
    pace."""
    for position, name in enumerate(names):
        label = label_of(name)
        if speed and name != STDIN and _has_timing(name):
            try:
                streams: Iterable[Any] = [replay_chunks(name, speed=speed)]
            except (OSError, ValueError) as error:
                raise CommandError(printable(str(error))) from None
            splitter = None
        else:
            splitter = StreamSplitter(_open_input(name, preread or {}))
            streams = splitter.streams()
        number = 0
        try:
            for number, source in enumerate(streams):
                stream = RunStream(source, accumulator=accumulator)
                for event in stream:
                    yield name, event
        except RunstreamError as error:
            several = splitter is not None and (number > 0 or splitter.cuts > 0)
            where = f"{label} (stream {number + 1})" if several else label
            if splitter is not None and splitter.events == 0 and splitter.exhausted:
                raise CommandError(f"{label}: no server-sent events ({splitter.size} bytes)") from None
            if isinstance(error, IncompleteStreamError):
                # Name the file, as for any other error; when it is the last one, what was
                # accumulated is still worth printing (replay --json).
                last = position == len(names) - 1 and (splitter is None or splitter.exhausted)
                raise CommandError(f"{where}: {printable(str(error))}", partial=last) from None
            raise CommandError(f"{where}: {printable(str(error))}") from None
        finally:
            close = getattr(streams, "close", None)
            if close is not None:
                close()  # the input, when a stream failed before its end


def _has_timing(name: str) -> bool:
    try:
        return bool(recording_timing(Path(name)))
    except (OSError, ValueError) as error:
        raise CommandError(printable(str(error))) from None


def describe_event(ordinal: int, event: AssistantStreamEvent) -> str:
    """One line of ``replay``: the ordinal, event name, object id and data size."""
    data: Any = event.data
    if isinstance(event, (DoneEvent, UnknownEvent)):
        object_id = "-"
        size = len(event.data)
    else:
        object_id = getattr(data, "id", None) or "-"
        size = len(msgspec.json.encode(data))
    return f"{ordinal:6d}  {printable(event.event):<28s}  {printable(str(object_id)):<32s}  {size:7d}"


def check_run_files(files: Sequence[str], preread: Mapping[str, Iterator[bytes]]) -> int:
    """``check`` of run-stream files, fed in order into one accumulator; returns the exit
    status."""
    accumulator = Accumulator()
    for _ in replay_run_files(files, accumulator, preread=preread):
        pass
    for anomaly in accumulator.anomalies:
        # A run, step or message going back from a final status contradicts itself: a warning.
        level = "warning" if anomaly.kind.endswith("_left_terminal_status") else "note"
        sys.stdout.write(f"{level}: event #{anomaly.ordinal}: {printable(anomaly.detail)}\n")
    if not accumulator.discrepancies:
        sys.stdout.write(
            f"ok: {accumulator.events_fed} events, {len(accumulator.run_steps)} steps, "
            f"{len(accumulator.messages)} messages; the deltas match every final object\n"
        )
        return EXIT_OK
    sys.stdout.write(f"{len(accumulator.discrepancies)} discrepancies between deltas and final objects:\n")
    for found in accumulator.discrepancies:
        sys.stdout.write(
            f"- {printable(found.object_id)} {found.path}: deltas built {_short(found.from_deltas)}, "
            f"final object has {_short(found.authoritative)}\n"
        )
    return EXIT_FINDINGS


def _short(value: Any, limit: int = 80) -> str:
    text = printable(repr(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."
