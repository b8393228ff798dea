"""Chunking invariance: however the bytes of a run's streams are split into chunks (and
whichever SSE line ending they use), a consumer sees the same events, the same callbacks with
the same arguments, and the same final snapshots.

Streams: a scripted run with code_interpreter, file_search, annotated messages with multi-byte
text, an image and a refusal, and parallel function calls (two streams), and the bundled
recording (two streams). Split points are drawn by hypothesis, biased towards event and line
boundaries (where framing bugs live); a heavy variant is marked ``slow``.
"""

from __future__ import annotations

import functools
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import (
    AsyncRecorder,
    Outcome,
    Recorder,
    consume,
    event_ends,
    rich_scenario,
    sample_streams,
    scenario_streams,
    split_at,
    to_crlf,
)

import runstream
from runstream import Accumulator, AsyncRunStream, SSEDecoder

ENDINGS = {"LF": b"\n", "CRLF": b"\r\n", "CR": b"\r"}


@functools.lru_cache(maxsize=None)
def bodies(name: str) -> tuple[bytes, ...]:
    if name == "sample":
        return tuple(sample_streams())
    if name == "scenario":
        return tuple(scenario_streams(rich_scenario()))
    if name == "scenario_fine":  # one character per fragment: many tiny events
        return tuple(scenario_streams(rich_scenario(seed=11, fragment_size=1)))
    raise KeyError(name)


STREAMS = ["sample", "scenario", "scenario_fine"]


@functools.lru_cache(maxsize=None)
def reference(name: str) -> Outcome:
    """Each stream in one chunk, LF line endings."""
    return consume([[body] for body in bodies(name)])


@functools.lru_cache(maxsize=None)
def boundaries(name: str, ending: str) -> tuple[tuple[int, ...], ...]:
    """Per stream: every line start and event end, and the bytes either side of them."""
    result = []
    for body in bodies(name):
        converted = to_crlf(body, ENDINGS[ending])
        lines = {i + 1 for i, byte in enumerate(converted) if byte in (10, 13)}
        near = {p + d for p in lines for d in (-1, 0, 1) if 0 < p + d < len(converted)}
        result.append(tuple(sorted(near)))
    return tuple(result)


def assert_same(outcome: Outcome, expected: Outcome) -> None:
    assert outcome.events == expected.events
    assert [name for name, _ in outcome.calls] == [name for name, _ in expected.calls]
    assert outcome.calls == expected.calls
    assert outcome.final == expected.final
    assert outcome.accumulator is not None and expected.accumulator is not None
    assert outcome.accumulator.anomalies == expected.accumulator.anomalies == []
    assert outcome.accumulator.discrepancies == expected.accumulator.discrepancies == []


def sse_events(chunks: list[bytes]) -> list[Any]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.end()


@st.composite
def splits(draw: st.DrawFn) -> tuple[str, str, list[list[bytes]]]:
    """A run, a line ending, and each of its streams cut into chunks."""
    name = draw(st.sampled_from(STREAMS))
    ending = draw(st.sampled_from(sorted(ENDINGS)))
    streams = []
    for body, near in zip(bodies(name), boundaries(name, ending)):
        converted = to_crlf(body, ENDINGS[ending])
        point = st.one_of(st.integers(1, len(converted) - 1), st.sampled_from(near))
        points = draw(st.lists(point, max_size=60))
        streams.append(split_at(converted, points))
    return name, ending, streams


def check_split(name: str, ending: str, streams: list[list[bytes]]) -> None:
    expected = reference(name)
    assert_same(consume(streams), expected)
    # Below the typed events: the server-sent events, byte offsets included, are the same
    # as those of the whole converted stream.
    for chunks in streams:
        assert sse_events(chunks) == sse_events([b"".join(chunks)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(splits())
def test_any_split_same_events_callbacks_and_snapshots(case: tuple[str, str, list[list[bytes]]]) -> None:
    check_split(*case)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(splits())
def test_any_split_heavy(case: tuple[str, str, list[list[bytes]]]) -> None:
    check_split(*case)


@pytest.mark.parametrize("name", STREAMS)
def test_one_byte_chunks(name: str) -> None:
    streams = [[body[i : i + 1] for i in range(len(body))] for body in bodies(name)]
    assert_same(consume(streams), reference(name))


@pytest.mark.parametrize("ending", ["CRLF", "CR"])
@pytest.mark.parametrize("size", [1, 2, 5, 4096])
def test_fixed_size_chunks_other_line_endings(ending: str, size: int) -> None:
    # A CRLF split between two chunks must not count as two line endings.
    streams = []
    for body in bodies("scenario"):
        converted = to_crlf(body, ENDINGS[ending])
        streams.append([converted[i : i + size] for i in range(0, len(converted), size)])
    assert_same(consume(streams), reference("scenario"))


@pytest.mark.slow
@pytest.mark.parametrize("stream_index", [0, 1])
def test_every_two_way_split_of_the_sample(stream_index: int) -> None:
    # Every split within two bytes of a line end (where a split can fall inside a line
    # terminator, a field name or an event's last line) and every third one elsewhere.
    whole = bodies("sample")
    expected = reference("sample")
    body = whole[stream_index]
    near_line_ends = {end + shift for end, byte in enumerate(body) if byte in b"\r\n" for shift in range(-2, 3)}
    for point in range(1, len(body)):
        if point % 3 and point not in near_line_ends:
            continue
        streams = [[b] for b in whole]
        streams[stream_index] = [body[:point], body[point:]]
        outcome = consume(streams)
        assert outcome.events == expected.events, point
        assert outcome.calls == expected.calls, point
        assert outcome.final == expected.final, point


def test_callback_arguments_never_change_afterwards() -> None:
    # What a callback received (a snapshot, a delta) is not mutated by later events: the
    # plain data recorded at call time equals the same objects converted at the end.
    handler = Recorder()
    consume([[body] for body in bodies("scenario")], handler=handler)
    later = [msgspec.to_builtins(runstream.types.materialize(arguments), enc_hook=repr) for arguments in handler.objects]
    assert later == [arguments for _, arguments in handler.calls]


def test_boundaries_include_every_event_end() -> None:
    # The bias of the strategy really covers the event boundaries.
    for name in STREAMS:
        for body, near in zip(bodies(name), boundaries(name, "LF")):
            assert set(event_ends(body)[:-1]) <= set(near)


@pytest.mark.anyio
@pytest.mark.parametrize("size", [1, 97])
async def test_async_stream_same_callbacks(size: int) -> None:
    expected = reference("scenario")
    handler = AsyncRecorder()
    accumulator = Accumulator()
    events = []
    for body in bodies("scenario"):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]

        async def source(chunks: list[bytes] = chunks) -> Any:
            for number, chunk in enumerate(chunks):
                if number % 100 == 0:
                    await anyio.sleep(0)  # let other tasks in now and then
                yield chunk

        async with AsyncRunStream(source(), handler, accumulator=accumulator) as stream:
            events.extend([event async for event in stream])
    assert events == expected.events
    assert handler.calls == expected.calls
    assert accumulator.to_builtins() == expected.final
