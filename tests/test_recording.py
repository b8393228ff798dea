"""Recording raw streams to .sse files and replaying them, instantly or with their pacing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import runstream
from runstream._streaming.async_recording_source import AsyncRecordingSource
from runstream._streaming.recording_source import RecordingSource


def test_a_recording_is_the_bytes_as_they_arrived_plus_timing(tmp_path: Path) -> None:
    chunks = [b"event: done\n", b"data: [DO", b"NE]\n\n"]
    closed = []
    source = RecordingSource(iter(chunks), tmp_path / "run.sse", close=lambda: closed.append(True))
    assert list(source) == chunks
    source.close()
    assert (tmp_path / "run.sse").read_bytes() == b"".join(chunks)
    marks = (tmp_path / "run.sse.timing").read_text().splitlines()
    assert [int(line.split()[0]) for line in marks] == [0, 12, 21]
    assert closed == [True]


def test_continuation_files_are_named_and_found_in_stream_order(tmp_path: Path) -> None:
    first = tmp_path / "run.sse"
    paths = [runstream.recording_path(first, index) for index in range(12)]
    for path in paths:
        path.write_bytes(b"")
    (tmp_path / "other.continuation-1.sse").write_bytes(b"")
    assert runstream.recording_paths(first) == paths


def test_sample_continuations_are_in_stream_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sorted as text, continuation-10 came before continuation-2.
    from runstream import _samples

    first = tmp_path / "run.sse"
    paths = [runstream.recording_path(first, index) for index in range(12)]
    for path in paths:
        path.write_bytes(b"")
    monkeypatch.setattr(_samples, "_SAMPLES", tmp_path)
    assert runstream.sample_stream_paths("run") == paths


def test_replay_is_instant_without_speed_and_paced_with_it(tmp_path: Path) -> None:
    path = tmp_path / "run.sse"
    path.write_bytes(b"data: a\n\ndata: b\n\n")
    path.with_name("run.sse.timing").write_text("0 0.000000\n9 0.300000\n")
    assert list(runstream.replay_chunks(path)) == [path.read_bytes()]
    started = time.monotonic()
    assert list(runstream.replay_chunks(path, speed=2.0)) == [b"data: a\n\n", b"data: b\n\n"]
    assert time.monotonic() - started >= 0.14  # 0.3 s recorded, replayed twice as fast


@pytest.mark.anyio
async def test_async_recording_and_paced_replay(tmp_path: Path) -> None:
    async def chunks():
        for chunk in (b"data: x\n\n", b"data: y\n\n"):
            yield chunk

    source = AsyncRecordingSource(chunks(), tmp_path / "a.sse")
    received = [chunk async for chunk in source]
    await source.aclose()
    assert received == [b"data: x\n\n", b"data: y\n\n"]
    replayed = [chunk async for chunk in runstream.replay_chunks_async(tmp_path / "a.sse", speed=1000.0)]
    assert replayed == received


def test_the_bundled_sample_replays_through_a_recording(tmp_path: Path) -> None:
    accumulator = runstream.Accumulator()
    for index, path in enumerate(runstream.sample_stream_paths()):
        copy = runstream.recording_path(tmp_path / "sample.sse", index)
        source = RecordingSource(runstream.replay_chunks(path), copy)
        with runstream.RunStream(source, accumulator=accumulator) as stream:
            stream.until_done()
        assert copy.read_bytes() == path.read_bytes()
    assert accumulator.current_run is not None and accumulator.current_run.status == "completed"
