"""The ``runstream`` command line: replay and check recorded streams (and more).

Every command prints errors as one line on stderr and exits non-zero, without a traceback.
``-`` as a file name reads standard input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import httpx
import msgspec

from .._core.accumulator import Accumulator
from .._samples import sample_stream_paths
from ..errors import RunstreamError
from . import dialects, live
from .common import (
    EXIT_ERROR,
    EXIT_INTERNAL,
    EXIT_OK,
    CommandError,
    non_negative_seconds,
    printable,
)
from .run_files import check_run_files, describe_event, replay_run_files

__all__ = ["main"]

class _ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def _command_replay(arguments: argparse.Namespace) -> int:
    dialect, preread = dialects.read_inputs(arguments.files, CommandError)
    if dialect != dialects.RUN:
        return dialects.replay_dialect(arguments, dialect, preread, CommandError)
    accumulator = Accumulator()
    out = sys.stdout
    try:
        for ordinal, (_, event) in enumerate(replay_run_files(arguments.files, accumulator, arguments.speed, preread)):
            if not arguments.json:
                out.write(describe_event(ordinal, event) + "\n")
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
    except Exception as error:  # noqa: BLE001 - the last resort: a bug, said in one line
        # Input runstream should have refused in its own words reached code that failed:
        # a bug in runstream, but the command still answers in one line, never a traceback.
        sys.stdout.flush()
        sys.stderr.write(f"runstream {arguments.command}: error: {printable(type(error).__name__ + ': ' + str(error))}"
                         " (an unexpected failure inside runstream: please report it with the input)\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
