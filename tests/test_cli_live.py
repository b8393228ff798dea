"""The live commands: demo, serve and record, over real loopback HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import runstream
from runstream._cli.main import main
from runstream.testing import FakeAssistantsServer, Scenario

KEY = "sk-live-secret-4242"


def test_demo_runs_offline_and_summarises_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--delay", "0"]) == 0
    out = capsys.readouterr().out
    assert 'tool call get_weather({"city": "Paris"})' in out
    assert "- Tokyo: 22 °C, clear" in out
    assert ": completed in " in out and "1 tool round(s)" in out
    assert "discrepancies between deltas and final objects: 0" in out


def test_demo_counts_the_same_events_live_and_in_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    from runstream._cli import live

    scenario = live._demo_scenario()
    segments = [runstream.SSEDecoder().feed(scenario.encode_segment(number)) for number in range(2)]
    run_events = sum(event.event != "done" for segment in segments for event in segment)
    assert main(["demo", "--delay", "0"]) == 0
    out = capsys.readouterr().out
    live_counts = [int(count) for count in re.findall(r"^\[run \w+\]  (\d+) events", out, re.MULTILINE)]
    (summary,) = re.findall(r"completed in [\d.]+ s, (\d+) events", out)
    # The run's events, the done markers that end each stream not counted.
    assert live_counts[-1] == int(summary) == run_events


def test_demo_calls_each_tool_once_and_prints_its_result(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from runstream._cli import live

    scenario = live._demo_scenario()  # built first: it asks the tool for the expected text
    monkeypatch.setattr(live, "_demo_scenario", lambda: scenario)
    calls = []
    weather = live.demo_weather
    monkeypatch.setattr(live, "demo_weather", lambda city: calls.append(city) or weather(city))
    assert main(["demo", "--delay", "0"]) == 0
    assert sorted(calls) == ["Paris", "Tokyo"]  # not once more to print the result
    out = capsys.readouterr().out
    assert '-> get_weather({"city": "Paris"}) = {"city": "Paris", "temperature_c": 18, "sky": "cloudy"}' in out


def test_record_writes_the_stream_without_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = Scenario(thread_id="thread_rec", seed=5).message("Recorded words.").complete()
    target = tmp_path / "live.sse"
    with FakeAssistantsServer([scenario], api_key=KEY) as server:
        status = main(["record", server.base_url, "--thread", "thread_rec", "--assistant", scenario.assistant_id,
                       "--out", str(target), "--api-key", KEY, "--query", "api-version=1"])
        assert server.requests[0].query.get("api-version") == ["1"]
    assert status == 0
    assert "recorded run" in capsys.readouterr().out
    assert target.read_bytes() == scenario.encode_segment(0)
    assert KEY not in target.read_text() and KEY not in target.with_name("live.sse.timing").read_text()


def test_record_reports_an_api_error_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = Scenario(thread_id="thread_bad").message("x").complete()
    with FakeAssistantsServer([scenario], api_key=KEY) as server:
        status = main(["record", server.base_url, "--thread", "thread_bad", "--assistant", "asst",
                       "--out", str(tmp_path / "x.sse"), "--api-key", "sk-wrong-key-000"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "HTTP 401" in err and "Traceback" not in err


def test_serve_plays_a_recording_to_any_client() -> None:
    first, continuation = runstream.sample_stream_paths()
    process = subprocess.Popen(
        [sys.executable, "-m", "runstream", "serve", str(first), str(continuation), "--api-key", KEY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # Stopped with SIGINT (Ctrl-C) below: a test run started in the background inherits
        # SIGINT ignored, and Python then never raises KeyboardInterrupt. Restore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split(" on ")[1].strip()
        thread_id = process.stdout.readline().split("/threads/")[1].split("/")[0]
        accumulator = runstream.Accumulator()
        with runstream.Client(base_url=base_url, api_key=KEY, timeout=10) as client:
            stream = client.stream_run(thread_id, assistant_id="asst_any", accumulator=accumulator)
            assert stream.final_run().status == "requires_action"
            outputs = [{"tool_call_id": call.id, "output": "{}"} for call in runstream.pending_tool_calls(stream.final_run())]
            assert stream.submit_tool_outputs(outputs).final_run().status == "completed"
        assert accumulator.messages[0].content[0].text.value.startswith("It is 18 °C")
        with pytest.raises(httpx.HTTPStatusError):
            httpx.get(f"{base_url}/threads/{thread_id}/runs", headers={"api-key": "wrong"}).raise_for_status()
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=10)  # also closes the pipes
    assert process.returncode == 0, errors


def test_the_live_commands_are_registered_by_the_parser_not_by_an_import() -> None:
    # live.py once added its commands to a list in main.py as a side effect of being
    # imported; main now asks it for them.
    import argparse

    from runstream._cli import live

    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    live.register_commands(commands)
    assert set(commands.choices) == {"demo", "serve", "record"}
    assert parser.parse_args(["serve", "a.sse"]).handler.__name__ == "_command_serve"
