"""Logging under ``runstream``: DEBUG for requests, streams, re-sync and tool-loop rounds;
WARNING for anomalies; never a key, and no payload above DEBUG."""

from __future__ import annotations

import json
import logging

import pytest

import runstream
from runstream.testing import (
    FakeAssistantsServer,
    Scenario,
    StreamFault,
    ToolCallSpec,
    encode_event,
)

KEY = "sk-logging-secret-0123456789"


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.DEBUG) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("runstream") and r.levelno == level]


def test_requests_streams_and_tool_rounds_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="runstream")
    scenario = (
        Scenario(assistant_id="asst_1", seed=5)
        .tool_calls([ToolCallSpec("lookup", json.dumps({"query": "private question"}))])
        .message("A private answer.")
    )
    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        thread = client.create_thread(messages=[{"role": "user", "content": "private question"}])
        loop = client.run_tools(thread.id, assistant_id="asst_1", tools={"lookup": lambda query: "private output"})
        events = list(loop)
        run = loop.final_run()
    debug = messages(caplog)
    path = f"/v1/threads/{thread.id}/runs"
    assert debug[0] == "POST /v1/threads -> 200"
    assert f"POST {path} -> 200" in debug
    assert f"POST {path}/{run.id}/submit_tool_outputs -> 200" in debug
    ends = [m for m in debug if m.startswith("stream ended")]
    counts = [int(m.split(": ")[1].split(" events")[0]) for m in ends]
    assert sum(counts) == len(events) and len(counts) == 2
    assert "run 'requires_action', complete" in ends[0] and "run 'completed', complete" in ends[1]
    assert [m for m in debug if m.startswith("stream started")][1] == (
        f"stream started (continuing run {run.id}, 'requires_action')"
    )
    assert f"tool loop: round 1, run {run.id} calls lookup" in debug
    assert f"tool loop: run {run.id} ends 'completed' after 1 rounds" in debug
    everything = " ".join(r.getMessage() for r in caplog.records)
    for secret in (KEY, "private question", "private output", "A private answer"):
        assert secret not in everything
    assert messages(caplog, logging.WARNING) == []


def test_resync_decisions_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="runstream")
    scenario = Scenario(thread_id="thread_drop", seed=7).message("Long enough to be cut. " * 20)
    with FakeAssistantsServer([scenario], api_key=KEY, stream_faults=[StreamFault(drop_at=1500)]) as server, \
            runstream.Client(base_url=server.base_url, api_key=KEY) as client:
        stream = client.stream_run("thread_drop", assistant_id=scenario.assistant_id)
        with pytest.raises(runstream.StreamConnectionError):
            stream.until_done()
        run = stream.resync(poll_interval=0.01, timeout=30)
    debug = messages(caplog)
    assert any(m.startswith("stream ended") and "incomplete" in m for m in debug)
    polls = [m for m in debug if m.startswith("re-sync: run")]
    # The fake server serves one stale read of a broken-off run (StreamFault.stale_reads).
    assert polls == [
        f"re-sync: run {run.id} still 'queued' (1 steps); polling again in 0.01 s",
        f"re-sync: run {run.id} rests in 'completed' (1 steps, 1 messages)",
    ]


def test_anomalies_are_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="runstream")
    delta = {"id": "msg_ghost", "object": "thread.message.delta",
             "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "secret text"}}]}}
    body = runstream.sample_stream_path().read_bytes().replace(
        b"event: done", encode_event("thread.message.delta", json.dumps(delta).encode()) + b"event: done"
    )
    with runstream.RunStream(body) as stream:
        stream.until_done()
    assert stream.accumulator.anomalies
    warnings = messages(caplog, logging.WARNING)
    assert len(warnings) == len(stream.accumulator.anomalies)
    assert "msg_ghost" in warnings[0] and "secret text" not in " ".join(warnings)


def test_nothing_is_logged_above_debug_for_a_normal_run(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="runstream")
    with runstream.RunStream(runstream.sample_stream_path()) as stream:
        stream.until_done()
    assert [r for r in caplog.records if r.name.startswith("runstream")] == []


def test_discrepancies_are_warnings_without_their_values(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="runstream")
    scenario = Scenario(thread_id="thread_1", seed=3, fragment_size=6).message("Hello brave new world.")
    events = scenario.encode_segment(0).split(b"\n\n")
    lost = [i for i, event in enumerate(events) if event.startswith(b"event: thread.message.delta")][1]
    with runstream.RunStream(b"\n\n".join(events[:lost] + events[lost + 1:])) as stream:
        stream.until_done()
    [found] = stream.accumulator.discrepancies
    warnings = messages(caplog, logging.WARNING)
    assert warnings == [
        f"stream discrepancy: {found.path} of {found.object_id} differs from the server's final object"
    ]
    assert "brave" not in " ".join(r.getMessage() for r in caplog.records)


def test_an_application_without_logging_configured_sees_nothing() -> None:
    import subprocess
    import sys

    script = (
        "import runstream\n"
        "from runstream.testing import Scenario\n"
        "events = Scenario(seed=3, fragment_size=6).message('Hello brave new world.').encode_segment(0).split(b'\\n\\n')\n"
        "lost = [i for i, e in enumerate(events) if e.startswith(b'event: thread.message.delta')][1]\n"
        "stream = runstream.RunStream(b'\\n\\n'.join(events[:lost] + events[lost + 1:]))\n"
        "stream.until_done()\n"
        "assert stream.accumulator.discrepancies\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stderr == "" and result.stdout == ""
