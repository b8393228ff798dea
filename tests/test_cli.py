"""The ``runstream`` command: replay (event lines or final JSON), check (deltas against the
final objects), standard input, one-line errors with exit statuses, help."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from stream_builders import run_event, sample_bytes, text_run, wire

import runstream
from runstream._cli.main import main

SAMPLES = [str(path) for path in runstream.sample_stream_paths()]
EVENT_COUNT = 47  # 19 in the first stream, 28 in the continuation


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


def sample_state() -> dict[str, Any]:
    accumulator = runstream.Accumulator()
    for path in SAMPLES:
        runstream.RunStream(path, accumulator=accumulator).until_done()
    return accumulator.to_builtins()


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("runstream "), err
    assert "error: " in lines[0] and "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


# ---- replay ---------------------------------------------------------------------------------


def test_replay_prints_one_line_per_event_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, err = run_cli(capsys, "replay", *SAMPLES)
    assert status == 0 and err == ""
    assert len(lines) == EVENT_COUNT
    ordinal, name, object_id, size = lines[0].split()
    assert (ordinal, name, object_id) == ("0", "thread.run.created", "run_Sample1") and int(size) > 0
    assert lines[18].split()[:3] == ["18", "done", "-"]
    assert lines[19].split()[:3] == ["19", "thread.run.step.completed", "step_Tools1"]
    assert [line.split()[0] for line in lines] == [str(n) for n in range(EVENT_COUNT)]
    assert sum(" thread.message.delta " in line for line in lines) == 17


def test_replay_without_files_replays_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "replay") == run_cli(capsys, "replay", *SAMPLES)


def test_replay_json_prints_the_accumulators_final_state(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, err = run_cli(capsys, "replay", "--json", *SAMPLES)
    assert status == 0 and err == "" and len(lines) == 1
    state = json.loads(lines[0])
    assert set(state) == {"runs", "steps", "messages"}
    assert state == json.loads(json.dumps(sample_state()))
    assert state["runs"][0]["status"] == "completed" and len(state["steps"]) == 2
    assert state["messages"][0]["content"][0]["text"]["value"].endswith("Enjoy your trip!")


def test_replay_reads_standard_input_for_a_dash(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, b"".join(sample_bytes()))
    status, lines, err = run_cli(capsys, "replay", "-")
    assert status == 0 and err == ""
    assert lines == run_cli(capsys, "replay", *SAMPLES)[1]


def test_dash_can_follow_a_file(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, sample_bytes()[1])
    status, lines, _ = run_cli(capsys, "replay", "--json", SAMPLES[0], "-")
    assert status == 0 and json.loads(lines[0]) == json.loads(json.dumps(sample_state()))


# ---- bad input ------------------------------------------------------------------------------

BAD_FILES = {
    "missing": None,
    "bad json": wire(run_event("created")).replace(b'{"id"', b"{id", 1),
    "cut short": sample_bytes()[0][:2500],
    "error event": wire(run_event("created"), ("error", {"message": "The server broke.", "type": "server_error", "code": None, "param": None})),
    "no events": b"hello\n\n",
}  # fmt: skip


@pytest.mark.parametrize("command", ["replay", "check"])
@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_exits_2_with_one_line_naming_it(case: str, command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / f"{case.replace(' ', '_')}.sse"
    if BAD_FILES[case] is not None:
        path.write_bytes(BAD_FILES[case])
    status, _, err = run_cli(capsys, command, str(path))
    assert status == 2
    assert_one_error_line(err, f"runstream {command}: error:", str(path))
    expected = {
        "missing": "No such file",
        "bad json": "invalid JSON in thread.run.created",
        "cut short": "ended before the run finished",
        "error event": "The server broke.",
        "no events": "no server-sent events (7 bytes)",
    }[case]
    assert expected in err


def test_bad_file_before_a_good_one_is_reported_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cut.sse"
    path.write_bytes(sample_bytes()[0][:2500])
    status, _, err = run_cli(capsys, "replay", str(path), SAMPLES[1])
    assert status == 2
    assert_one_error_line(err, str(path), "ended before the run finished")


def test_replay_json_of_a_cut_stream_prints_the_partial_state_then_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cut.sse"
    path.write_bytes(text_run(["Hel", "lo"])[:-400])
    status, lines, err = run_cli(capsys, "replay", "--json", str(path))
    assert status == 2 and "ended before the run finished" in err
    state = json.loads(lines[0])
    assert state["runs"][0]["status"] == "in_progress" and state["messages"][0]["content"][0]["text"]["value"] == "Hello"


# ---- check ----------------------------------------------------------------------------------


def test_check_accepts_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, err = run_cli(capsys, "check", *SAMPLES)
    assert status == 0 and err == ""
    assert lines == ["ok: 47 events, 2 steps, 1 messages; the deltas match every final object"]
    assert run_cli(capsys, "check")[0] == 0


def test_check_lists_what_a_corrupted_delta_broke(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first, continuation = sample_bytes()
    corrupted = tmp_path / "continuation.sse"
    bad_delta = b'"text":{"value":"cloudy "}'
    assert continuation.count(bad_delta) == 1
    corrupted.write_bytes(continuation.replace(bad_delta, b'"text":{"value":"sunny "}'))
    status, lines, err = run_cli(capsys, "check", SAMPLES[0], str(corrupted))
    assert status == 1 and err == ""
    assert lines[0] == "1 discrepancies between deltas and final objects:"
    assert lines[1].startswith("- msg_Sample1 content[0].text.value: deltas built 'It is 18 °C and sunny in Paris")
    assert "final object has 'It is 18 °C and cloudy in Paris" in lines[1]


def test_check_reports_corrupted_tool_call_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first, continuation = sample_bytes()
    corrupted = tmp_path / "first.sse"
    corrupted.write_bytes(first.replace(b'"arguments":" \\"To"', b'"arguments":" \\"Ky"'))
    status, lines, _ = run_cli(capsys, "check", str(corrupted), SAMPLES[1])
    assert status == 1
    problems = [line for line in lines if line.startswith("- ")]
    assert problems and all("step_Tools1 step_details.tool_calls[1].function.arguments" in line for line in problems)
    assert "'{\"city\": \"Kykyo\"}'" in problems[0] and "'{\"city\": \"Tokyo\"}'" in problems[0]


# ---- help and the module entry point --------------------------------------------------------


@pytest.mark.parametrize(("argv", "expected"), [
    ([], ["usage: runstream", "replay", "check"]),
    (["replay"], ["usage: runstream replay", "--json", "FILE", "- for stdin"]),
    (["check"], ["usage: runstream check", "FILE", "discrepancies"]),
])  # fmt: skip
def test_help(argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert all(fragment in out for fragment in expected), out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, _ = run_cli(capsys)
    assert status == 2 and lines[0].startswith("usage: runstream")


def test_python_dash_m_runstream(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "runstream", "replay", "--json", *SAMPLES]
    done = subprocess.run(command, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stderr == b""
    assert json.loads(done.stdout) == json.loads(json.dumps(sample_state()))
    missing = str(tmp_path / "nope.sse")
    failed = subprocess.run([sys.executable, "-m", "runstream", "check", missing], capture_output=True, timeout=60, check=False)
    assert failed.returncode == 2 and failed.stdout == b""
    assert failed.stderr.decode().splitlines() == [f"runstream check: error: cannot read {missing}: No such file or directory"]


@pytest.mark.parametrize(
    "argv",
    [
        ["record", "http://[::1", "--thread", "t", "--assistant", "a", "--out", "unused.sse"],
        ["record", "http://127.0.0.1:9/v1", "--thread", "t", "--assistant", "a", "--out", "unused.sse",
         "--api-key", "ключ"],
    ],
    ids=["unparsable-url", "non-ascii-key"],
)
def test_record_answers_an_unusable_url_or_key_in_one_line(argv: list[str], tmp_path, capsys) -> None:
    argv = [part.replace("unused.sse", str(tmp_path / "out.sse")) for part in argv]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("runstream record: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
