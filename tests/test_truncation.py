"""Truncation: a stream cut at any byte offset either ends normally (the cut came after the
run event that brought the run to rest: terminal or ``requires_action``) or raises
`IncompleteStreamError`; either way the accumulated state holds exactly the events received
in full before the cut (compared with feeding exactly those events to a fresh accumulator).

An event counts as received once its dispatching blank line arrived: by the SSE rules a
block without it is discarded at the end of the stream. Streams are cut with a stride, always
including every offset around an event end (where the outcome changes); a ``slow`` variant
cuts at every offset (every 4th of the long scenario) and around every line start.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from reliability_support import (
    Recorder,
    event_ends,
    reference_states,
    rich_scenario,
    sample_streams,
    scenario_streams,
    wire_events,
)

import runstream
from runstream import (
    Accumulator,
    AsyncRunStream,
    IncompleteStreamError,
    RunStream,
    StreamConnectionError,
)

RESTING_EVENTS = {
    "thread.run.requires_action",
    "thread.run.completed",
    "thread.run.failed",
    "thread.run.cancelled",
    "thread.run.expired",
    "thread.run.incomplete",
}


@functools.lru_cache(maxsize=None)
def run_bodies(name: str) -> tuple[bytes, ...]:
    return tuple(sample_streams() if name == "sample" else scenario_streams(rich_scenario()))


@functools.lru_cache(maxsize=None)
def states(name: str) -> list[list[dict[str, Any]]]:
    return reference_states(run_bodies(name))


@functools.lru_cache(maxsize=None)
def typed_events(name: str) -> list[list[Any]]:
    return [[runstream.decode_event(n, d) for n, d in wire_events(body)] for body in run_bodies(name)]


def accumulator_before(name: str, stream_index: int) -> Accumulator:
    """An accumulator that read every stream before ``stream_index`` in full."""
    accumulator = Accumulator()
    for events in typed_events(name)[:stream_index]:
        for event in events:
            accumulator.update(event)
        accumulator.end()  # what a stream does when it ends
    return accumulator


def cut_offsets(body: bytes, stride: int, *, near_ends: int = 3, near_lines: bool = True) -> list[int]:
    """Every ``stride``-th offset, plus every offset within ``near_ends`` bytes of an event
    end and (``near_lines``) within 1 byte of a line start, plus 0 and the full length."""
    offsets = set(range(0, len(body) + 1, stride)) | {0, len(body)}
    for end in event_ends(body):
        offsets |= set(range(end - near_ends, end + near_ends + 1))
    if near_lines:
        for position, byte in enumerate(body):
            if byte == 10:
                offsets |= {position, position + 1, position + 2}
    return sorted(o for o in offsets if 0 <= o <= len(body))


@functools.lru_cache(maxsize=None)
def _ends_and_names(name: str, stream_index: int) -> tuple[list[int], list[str]]:
    body = run_bodies(name)[stream_index]
    return event_ends(body), [event_name for event_name, _ in wire_events(body)]


def expected_outcome(name: str, stream_index: int, cut: int) -> tuple[int, bool]:
    """How many events of the stream are complete at ``cut``, and whether one of them
    brought the run to rest."""
    ends, names = _ends_and_names(name, stream_index)
    complete = sum(1 for end in ends if end <= cut)
    return complete, any(n in RESTING_EVENTS for n in names[:complete])


def check_cut(name: str, stream_index: int, cut: int) -> str:
    body = run_bodies(name)[stream_index]
    complete, rested = expected_outcome(name, stream_index, cut)
    accumulator = accumulator_before(name, stream_index)
    handler = Recorder()
    stream = RunStream(body[:cut], handler, accumulator=accumulator)
    error = None
    try:
        events = list(stream)
    except IncompleteStreamError as raised:
        error = raised
        events = []
    where = f"{name} stream {stream_index} cut at {cut}/{len(body)}"
    if rested:
        assert error is None, f"{where}: {error!r}"
        assert len(events) == complete, where
    else:
        assert type(error) is IncompleteStreamError, where  # not a connection error
        assert error.accumulator is accumulator, where
        assert error.offset == cut, where
        assert error.last_status == accumulator.run_status, where
        assert handler.names().count("on_exception") == 1, where
    assert handler.names().count("on_end") == 1, where
    assert accumulator.events_fed == sum(len(e) for e in typed_events(name)[:stream_index]) + complete, where
    assert accumulator.to_builtins() == states(name)[stream_index][complete], where
    return "completed" if rested else "incomplete"


@pytest.mark.parametrize(("name", "stride"), [("sample", 53), ("scenario", 211)])
@pytest.mark.parametrize("stream_index", [0, 1])
def test_cut_anywhere(name: str, stream_index: int, stride: int) -> None:
    # The offsets where the outcome can change (each event end, one byte either side) and
    # a stride between them; the slow tier cuts at every offset and near every line start.
    body = run_bodies(name)[stream_index]
    outcomes = [check_cut(name, stream_index, cut) for cut in cut_offsets(body, stride, near_ends=1, near_lines=False)]
    # Both outcomes occur, and a cut stream ends normally only after the resting event.
    assert {"completed", "incomplete"} == set(outcomes)
    assert outcomes == sorted(outcomes, key=lambda outcome: outcome == "completed")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "stride"), [("sample", 1), ("scenario", 13)])
@pytest.mark.parametrize("stream_index", [0, 1])
def test_cut_at_every_offset(name: str, stream_index: int, stride: int) -> None:
    # Every offset of the recording; every 13th of the (longer) scenario, plus all offsets
    # near its boundaries.
    body = run_bodies(name)[stream_index]
    for cut in cut_offsets(body, stride):
        check_cut(name, stream_index, cut)


def test_continuation_needs_its_own_resting_event() -> None:
    # The continuation starts with the run already resting in requires_action: cutting it
    # before its own terminal run event must not pass for a complete run.
    body = run_bodies("sample")[1]
    last_run_event = max(
        end for end, (name, _) in zip(event_ends(body), wire_events(body)) if name in RESTING_EVENTS
    )
    assert check_cut("sample", 1, 0) == "incomplete"
    assert check_cut("sample", 1, last_run_event - 1) == "incomplete"
    assert check_cut("sample", 1, last_run_event) == "completed"


def test_cut_inside_done_after_terminal_event_is_a_normal_end() -> None:
    # Recordings that end with "data: [DONE]" and no line terminator are normal.
    body = run_bodies("sample")[1]
    assert body.endswith(b"event: done\ndata: [DONE]\n\n")
    stream = RunStream(body[:-2])
    stream.until_done()
    assert stream.accumulator.run_status == "completed"
    assert not stream.done_received


def test_cut_at_terminal_event_data_line_without_blank_line_is_incomplete() -> None:
    # "event: thread.run.completed\ndata: {...}\n" without the blank line is never
    # dispatched (SSE): the run is not known to be complete.
    body = run_bodies("sample")[1]
    done_at = body.rindex(b"event: done")
    with pytest.raises(IncompleteStreamError) as raised:
        RunStream(body[: done_at - 1]).until_done()
    assert raised.value.last_status == "in_progress"


@pytest.mark.anyio
async def test_async_cut_at_event_boundaries() -> None:
    name, stream_index = "scenario", 0
    body = run_bodies(name)[stream_index]
    for cut in [0, *event_ends(body)[::5], len(body) - 1]:
        complete, rested = expected_outcome(name, stream_index, cut)
        accumulator = Accumulator()

        async def source(data: bytes = body[:cut]) -> Any:
            yield data

        stream = AsyncRunStream(source(), accumulator=accumulator)
        if rested:
            await stream.until_done()
        else:
            with pytest.raises(IncompleteStreamError) as raised:
                await stream.until_done()
            assert not isinstance(raised.value, StreamConnectionError)
        assert accumulator.to_builtins() == states(name)[stream_index][complete], cut
