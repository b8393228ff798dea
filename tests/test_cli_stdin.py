"""``replay -`` and ``check -`` read standard input as it arrives: events are printed while
the rest is still to come, memory does not grow with the input, errors name ``<stdin>``,
and concatenated streams are cut after each ``done`` whatever the chunking."""

from __future__ import annotations

import io
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stream_builders import sample_bytes, text_run
from test_cli import assert_one_error_line

from runstream import SSEDecoder
from runstream._cli.inputs import StreamSplitter
from runstream._cli.common import split_streams
from runstream._cli.main import main

CHAT_FILE = Path(__file__).parent / "recordings" / "chat" / "python_text_usage.sse"


class Arriving(io.RawIOBase):
    """Standard input whose bytes arrive in ``pieces``, one piece per read (as a pipe gives
    what was written so far). At each read it notes how many lines had been printed."""

    def __init__(self, pieces: Iterator[bytes], out: io.StringIO) -> None:
        self._pieces = pieces
        self._out = out
        self.printed_at_read: list[int] = []
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if not self._rest:
            self.printed_at_read.append(self._out.getvalue().count("\n"))
            self._rest = next(self._pieces, b"")
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


def run_on_stdin(monkeypatch: pytest.MonkeyPatch, pieces: Iterator[bytes], *argv: str) -> tuple[int, str, str, Arriving]:
    out, err = io.StringIO(), io.StringIO()
    arriving = Arriving(pieces, out)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(arriving, buffer_size=1 << 16)))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    status = main(list(argv))
    return status, out.getvalue(), err.getvalue(), arriving


def event_pieces(data: bytes, events_per_piece: int) -> list[bytes]:
    """``data`` cut after every ``events_per_piece``-th event."""
    ends = [event.offset for event in SSEDecoder().feed(data)][events_per_piece::events_per_piece]
    bounds = [0, *ends, len(data)]
    return [data[start:end] for start, end in zip(bounds, bounds[1:])]


def events_before_each_piece(pieces: list[bytes]) -> list[int]:
    decoder = SSEDecoder()
    counts = [0]
    for piece in pieces[:-1]:
        counts.append(counts[-1] + len(decoder.feed(piece)))
    return counts


@pytest.mark.parametrize("data", [b"".join(sample_bytes()), CHAT_FILE.read_bytes()], ids=["run", "chat"])
def test_replay_prints_each_event_before_the_next_bytes_are_read(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    pieces = event_pieces(data, 3)
    assert len(pieces) > 4
    status, out, err, arriving = run_on_stdin(monkeypatch, iter(pieces), "replay", "-")
    assert status == 0 and err == ""
    lines = [event for event in SSEDecoder().feed(data) if (event.event, event.data) != ("message", "[DONE]")]
    assert out.count("\n") == len(lines)
    # Each piece is asked for only once every event before it was printed.
    assert arriving.printed_at_read[: len(pieces)] == events_before_each_piece(pieces)


def keep_alive_padded_run(padding: int) -> Iterator[bytes]:
    """A whole run with ``padding`` bytes of keep-alive comments after its second event,
    generated as it is read (in 64 KiB pieces)."""
    first = event_pieces(text_run(["Hel", "lo"]), 2)
    yield first[0]
    comments = b": keep-alive\n\n" * (64 * 1024 // 14)
    for _ in range(padding // len(comments)):
        yield comments
    yield from first[1:]


@pytest.mark.parametrize("command", ["replay", "check"])
def test_memory_does_not_grow_with_what_arrives_on_stdin(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    padding = 8 * 1024 * 1024
    tracemalloc.start()
    try:
        status, out, err, _ = run_on_stdin(monkeypatch, keep_alive_padded_run(padding), command, "-")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 0 and err == "", err
    assert peak < padding / 8, f"peak {peak} bytes for {padding} bytes on stdin"


@pytest.mark.parametrize("command", ["replay", "check"])
@pytest.mark.parametrize(("data", "expected"), [
    (sample_bytes()[0][:2500], "<stdin>: the stream ended before the run finished"),
    (b"hello\n\n", "<stdin>: no server-sent events (7 bytes)"),
    (CHAT_FILE.read_bytes()[:-700], "<stdin>: the stream ended before it was complete"),
], ids=["cut short", "no events", "chat cut short"])
def test_errors_on_stdin_name_it(monkeypatch: pytest.MonkeyPatch, command: str, data: bytes, expected: str) -> None:
    status, _, err, _ = run_on_stdin(monkeypatch, iter(event_pieces(data, 2)), command, "-")
    assert status == 2
    assert_one_error_line(err, f"runstream {command}: error: {expected}")


# ---- the streams of one input -------------------------------------------------------------


def concatenated() -> bytes:
    first, second = sample_bytes()
    # Blank lines and a comment between the streams, a BOM at the very start.
    return b"\xef\xbb\xbf" + first + b"\n\n: between\n\n" + second + first.replace(b"\n", b"\r\n")


@given(cuts=st.lists(st.integers(0, len(concatenated())), max_size=12), stop_early=st.booleans())
def test_streams_are_cut_after_done_whatever_the_chunking(cuts: list[int], stop_early: bool) -> None:
    data = concatenated()
    bounds = sorted({0, len(data), *cuts})
    splitter = StreamSplitter(data[start:end] for start, end in zip(bounds, bounds[1:]))
    streams = []
    for stream in splitter.streams():
        pieces = []
        for piece in stream:
            pieces.append(piece)
            if stop_early and b"[DONE]" in b"".join(pieces):
                break  # what was left unread up to the cut is skipped
        streams.append(b"".join(pieces))
    expected = split_streams(data, "data")
    assert len(streams) == len(expected) == 3
    if stop_early:
        assert all(expected_stream.startswith(stream) for stream, expected_stream in zip(streams, expected))
    else:
        assert streams == expected
    assert splitter.exhausted and splitter.size == len(data) and splitter.cuts == 2


class ClosedPipe(io.StringIO):
    """Standard output whose reader has gone (``runstream replay | head``)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_goes_away_ends_replay_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["replay"]) == 0
    assert err.getvalue() == ""
