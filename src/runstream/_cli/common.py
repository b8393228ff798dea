"""What every command shares: exit statuses, the one-line error, safe printing, inputs split.

Every command reports a problem by raising `CommandError`, which ``main`` prints as one
line on stderr (through `printable`: a hostile stream cannot drive the terminal) and turns
into the exit status; no command shows a traceback.
"""

from __future__ import annotations

import argparse

from .._core.sse import SSEDecoder
from ..errors import RunstreamError

__all__ = [
    "EXIT_ERROR",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "CommandError",
    "non_negative_seconds",
    "printable",
    "split_streams",
]

#: Exit statuses.
EXIT_OK = 0
EXIT_FINDINGS = 1  # check found discrepancies
EXIT_ERROR = 2  # bad input, unreadable file, incomplete stream
EXIT_INTERNAL = 70  # an unexpected failure inside runstream (a bug; EX_SOFTWARE of sysexits.h)


class CommandError(Exception):
    """An error to report as one line, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_ERROR, *, partial: bool = False) -> None:
        super().__init__(message)
        self.status = status
        #: The last input ended early: the state built so far is complete otherwise.
        self.partial = partial


def printable(text: str) -> str:
    """``text`` with terminal control characters (C0, DEL, C1 and other unprintable ones)
    escaped, so that a hostile stream cannot drive the terminal it is shown on."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode() for c in text)


def non_negative_seconds(text: str) -> float:
    """An argparse type: a finite number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < 1e9:  # also false for NaN
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds, 0 or more")
    return value


def split_streams(data: bytes, label: str) -> list[bytes]:
    """The streams in ``data``, split after each ``done`` event (recordings concatenated, e.g.
    by ``cat``, are fed as the streams they were).

    Raises:
        CommandError: ``data`` holds no server-sent events at all, or is not a stream.
    """
    decoder = SSEDecoder()
    try:
        events = decoder.feed(data) + decoder.end()
    except RunstreamError as error:
        raise CommandError(f"{label}: {printable(str(error))}") from None
    if not events:
        raise CommandError(f"{label}: no server-sent events ({len(data)} bytes)")
    cuts = [following.offset for event, following in zip(events, events[1:]) if event.event == "done"]
    bounds = [0, *cuts, len(data)]
    return [data[start:end] for start, end in zip(bounds, bounds[1:])]
