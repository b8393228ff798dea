"""The ``runstream`` command line: replay and check recorded streams (and more).

Every command prints errors as one line on stderr and exits non-zero, without a traceback.
``-`` as a file name reads standard input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import httpx
import msgspec

from .._core.accumulator import Accumulator
from .._core.events import AssistantStreamEvent, DoneEvent, UnknownEvent
from .._samples import sample_stream_paths
from .._streaming.recording import recording_timing
from .._streaming.recording_source import replay_chunks
from .._streaming.sync_stream import RunStream
from ..errors import IncompleteStreamError, RunstreamError
from . import dialects, live
from .common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    CommandError,
    non_negative_seconds,
    printable,
)
from .inputs import STDIN, StreamSplitter, file_chunks, label_of, stdin_chunks

__all__ = ["main"]

class _ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def _open_input(name: str, preread: Mapping[str, Iterator[bytes]]) -> Iterator[bytes]:
    if name in preread:  # standard input, its first chunks read to detect its dialect
        return preread[name]
    if name == STDIN:
        return stdin_chunks()
    try:
        return file_chunks(name)
    except OSError as error:
        raise CommandError(f"cannot read {name}: {error.strerror or error}") from None


def _replay_files(
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


def _describe(ordinal: int, event: AssistantStreamEvent) -> str:
    data: Any = event.data
    if isinstance(event, (DoneEvent, UnknownEvent)):
        object_id = "-"
        size = len(event.data)
    else:
        object_id = getattr(data, "id", None) or "-"
        size = len(msgspec.json.encode(data))
    return f"{ordinal:6d}  {printable(event.event):<28s}  {printable(str(object_id)):<32s}  {size:7d}"


def _command_replay(arguments: argparse.Namespace) -> int:
    dialect, preread = dialects.read_inputs(arguments.files, CommandError)
    if dialect != dialects.RUN:
        return dialects.replay_dialect(arguments, dialect, preread, CommandError)
    accumulator = Accumulator()
    out = sys.stdout
    try:
        for ordinal, (_, event) in enumerate(_replay_files(arguments.files, accumulator, arguments.speed, preread)):
            if not arguments.json:
                out.write(_describe(ordinal, event) + "\n")
    except CommandError as error:
        if arguments.json and error.partial:
            _write_json(accumulator)
        raise
    if arguments.json:
        _write_json(accumulator)
    return EXIT_OK


def _write_json(accumulator: Accumulator) -> None:
    sys.stdout.write(msgspec.json.encode(accumulator.to_builtins()).decode() + "\n")


def _command_check(arguments: argparse.Namespace) -> int:
    dialect, preread = dialects.read_inputs(arguments.files, CommandError)
    if dialect != dialects.RUN:
        return dialects.check_dialect(arguments, dialect, preread, CommandError)
    return check_run_files(arguments.files, preread)


def check_run_files(files: Sequence[str], preread: Mapping[str, Iterator[bytes]]) -> int:
    """``check`` of run-stream files, fed in order into one accumulator; returns the exit
    status."""
    accumulator = Accumulator()
    for _ in _replay_files(files, accumulator, preread=preread):
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``runstream`` command."""
    from .. import __version__

    parser = _ArgumentParser(
        prog="runstream",
        description="Decode, accumulate and check Assistants run streams, Responses API streams and "
        "Chat Completions streams (server-sent events); the dialect is detected from the data.",
    )
    parser.add_argument("--version", action="version", version=f"runstream {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    default_files = [str(path) for path in sample_stream_paths()]

    replay = commands.add_parser(
        "replay",
        help="print the events of recorded .sse files, or the final state as JSON",
        description="Feed recorded .sse files, in order, into one accumulator. Prints one line per "
        "event (ordinal, event name, object id, data size), or with --json the final state as "
        '{"runs": [...], "steps": [...], "messages": [...]} (a Responses API recording: {"responses": [...]}, '
        'each final Response; a Chat Completions one: {"completions": [...]}, each completion the deltas '
        "build). Without files, replays the bundled sample.",
    )
    replay.add_argument("files", nargs="*", default=default_files, metavar="FILE", help="a .sse file, or - for stdin")
    replay.add_argument("--json", action="store_true", help="print the final state as one JSON object")
    replay.add_argument(
        "--speed",
        type=_speed,
        default=0.0,
        metavar="X",
        help="replay at the recorded pace (1 = real time, 2 = twice as fast) when a FILE.timing "
        "record exists; default: instantly",
    )
    replay.set_defaults(handler=_command_replay)

    check = commands.add_parser(
        "check",
        help="replay .sse files and verify the deltas against the final objects",
        description="Replay recorded .sse files into one accumulator and compare what the deltas built "
        "with each authoritative final object. Exits 0 when nothing differs, 1 with the list of "
        "discrepancies otherwise, 2 on bad input.",
    )
    check.add_argument("files", nargs="*", default=default_files, metavar="FILE", help="a .sse file, or - for stdin")
    check.set_defaults(handler=_command_check)

    live.register_commands(commands)  # demo, serve and record
    return parser


def _speed(text: str) -> float:
    value = non_negative_seconds(text)
    if 0 < value < 0.001:
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 (instantly) or a speed of at least 0.001")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``runstream`` command; return its exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(arguments.handler(arguments))
    except CommandError as error:
        sys.stdout.flush()
        sys.stderr.write(f"runstream {arguments.command}: error: {printable(str(error))}\n")
        return error.status
    except RunstreamError as error:
        sys.stdout.flush()
        sys.stderr.write(f"runstream {arguments.command}: error: {printable(str(error))}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader of the output went away (``runstream replay | head``): not an error.
        # Python's own flush of stdout at exit would fail again: point it at /dev/null.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except OSError as error:
        # A file the command was told to write or read (``record --out`` under a file, ...).
        sys.stdout.flush()
        where = f"{error.filename}: " if error.filename else ""
        sys.stderr.write(f"runstream {arguments.command}: error: {printable(where + (error.strerror or str(error)))}\n")
        return EXIT_ERROR
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeEncodeError) as error:
        # A URL httpx cannot parse, or a header value (an API key) that HTTP cannot carry:
        # bad input on the command line, said in one line like every other.
        sys.stdout.flush()
        sys.stderr.write(f"runstream {arguments.command}: error: {printable(type(error).__name__ + ': ' + str(error))}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
