"""The command line answers bad input in one line with exit status 2, never a traceback;
it escapes terminal control characters, splits concatenated streams at ``done``, and says
plainly when a file holds no server-sent events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stream_builders import run, sample_bytes, text_run, wire
from test_cli import SAMPLES, assert_one_error_line, feed_stdin, run_cli


def recording(tmp_path: Path, timing: str) -> Path:
    path = tmp_path / "run.sse"
    path.write_bytes(text_run(["Hel", "lo"]))
    (tmp_path / "run.sse.timing").write_text(timing)
    return path


# ---- the .timing sidecar --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timing", "fragment"),
    [
        ("0 0.0\nten 0.1\n", "line 2"),
        ("0 0.0\n5 nan\n", "line 2"),
        ("0 0.0\n5 inf\n", "line 2"),
        ("0 0.0\n5 1e300\n", "line 2"),
        ("0 0.0\n5 -1\n", "line 2"),
        ("0 0.0\n50 0.1\n20 0.2\n", "line 3"),
        ("0 0.0\n999999999 0.1\n", "line 2"),
        ("0\n", "line 1"),
    ],
)
def test_a_bad_timing_sidecar_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, timing: str,
                                          fragment: str) -> None:
    path = recording(tmp_path, timing)
    status, _, err = run_cli(capsys, "replay", "--speed", "1", str(path))
    assert status == 2
    assert_one_error_line(err, "run.sse.timing", fragment)


def test_a_good_timing_sidecar_still_replays(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = recording(tmp_path, "0 0.0\n40 0.001\n")
    status, lines, err = run_cli(capsys, "replay", "--speed", "100", str(path))
    assert status == 0 and err == "" and lines[-1].split()[1] == "done"


# ---- record, serve, demo arguments ----------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        ["--header", "novalue"],
        ["--query", "novalue"],
        ["--header", ":value"],
    ],
)
def test_record_rejects_malformed_headers_and_queries(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      arguments: list[str]) -> None:
    status, _, err = run_cli(capsys, "record", "http://127.0.0.1:9/v1", "--thread", "t", "--api-key", "k",
                             "--out", str(tmp_path / "r.sse"), *arguments)
    assert status == 2
    assert_one_error_line(err, arguments[1])


def test_record_out_under_a_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    status, _, err = run_cli(capsys, "record", "http://127.0.0.1:9/v1", "--thread", "t", "--api-key", "k",
                             "--out", str(tmp_path / "file" / "r.sse"))
    assert status == 2
    assert_one_error_line(err, "r.sse")


@pytest.mark.parametrize("kind", ["missing", "directory", "not SSE", "empty", "stdin"])
def test_serve_rejects_what_it_cannot_serve(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str) -> None:
    target = {"missing": tmp_path / "nope.sse", "directory": tmp_path, "not SSE": tmp_path / "notes.txt",
              "empty": tmp_path / "empty.sse", "stdin": "-"}[kind]
    (tmp_path / "notes.txt").write_text("just some notes\nno events here\n")
    (tmp_path / "empty.sse").write_bytes(b"")
    status, _, err = run_cli(capsys, "serve", str(target))
    assert status == 2
    assert_one_error_line(err)


@pytest.mark.parametrize("arguments", [["--delay", "-1"], ["--delay", "nan"], ["--delay", "abc"]])
def test_demo_rejects_a_bad_delay(capsys: pytest.CaptureFixture[str], arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:  # argparse's own exit, with one line
        run_cli(capsys, "demo", *arguments)
    assert raised.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_error_line(captured.err, "--delay")


def test_argument_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        run_cli(capsys, "replay", "--speed", "fast")
    assert raised.value.code == 2
    assert_one_error_line(capsys.readouterr().err, "--speed")


def test_serve_help_says_it_can_replay_more_than_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "serve", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--repeat" in help_text and "more than once" in help_text


def test_serve_repeat_serves_the_recording_that_many_times() -> None:
    import runstream
    from runstream._cli.live import _scenarios
    from runstream.testing import FakeAssistantsServer

    scenarios = _scenarios([Path(path) for path in SAMPLES], 2)
    with FakeAssistantsServer(scenarios) as server:
        with runstream.Client(base_url=server.base_url, api_key="sk-any") as client:
            for _ in range(2):
                with client.stream_run(scenarios[0].thread_id, assistant_id="asst_any") as stream:
                    assert stream.final_run().status == "requires_action"
            with pytest.raises(runstream.APIError):  # served twice, as asked
                client.stream_run(scenarios[0].thread_id, assistant_id="asst_any")


# ---- what replay and check print --------------------------------------------------------------


def test_replay_escapes_terminal_control_characters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "hostile.sse"
    path.write_bytes(wire(("thread.run.created", run("queued")), ("x\x1b]0;owned\x07\x9b31m", {"id": "\x1b[2J"}))
                     + wire(("thread.run.completed", run("completed")), ("done", "[DONE]")))
    status, lines, err = run_cli(capsys, "replay", str(path))
    printed = "\n".join(lines) + err
    assert status == 0
    assert "\x1b" not in printed and "\x07" not in printed and "\x9b" not in printed
    assert "\\x1b]0;owned" in printed


def test_a_file_without_server_sent_events_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\nthis is not a stream\n")
    status, _, err = run_cli(capsys, "check", str(path))
    assert status == 2
    assert_one_error_line(err, "no server-sent events")


def test_check_of_concatenated_streams_on_stdin_splits_them_at_done(capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, b"".join(sample_bytes()))
    status, lines, err = run_cli(capsys, "check", "-")
    assert status == 0 and err == ""
    assert not any("end()" in line for line in lines)
    assert lines[-1].startswith("ok: 47 events")


def test_a_run_going_backwards_gets_a_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "backwards.sse"
    path.write_bytes(wire(("thread.run.created", run("queued")), ("thread.run.completed", run("completed")),
                          ("thread.run.queued", run("queued")), ("thread.run.completed", run("completed")),
                          ("done", "[DONE]")))
    status, lines, _ = run_cli(capsys, "check", str(path))
    assert any(line.startswith("warning:") and "'completed' to 'queued'" in line for line in lines), lines
    assert json.dumps(status) == "0"


def test_an_unexpected_failure_inside_runstream_is_still_one_line(capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # A bug (input that should have been refused in runstream's words, reaching code that
    # fails) must not turn into a traceback either: one line naming the failure, status 70.
    import runstream._cli.main as command_line

    def broken(*arguments: object, **keywords: object) -> str:
        raise IndexError("list index out of range")

    monkeypatch.setattr(command_line, "describe_event", broken)
    status, _, err = run_cli(capsys, "replay", str(SAMPLES[0]))
    assert status == 70
    assert_one_error_line(err, "replay", "IndexError: list index out of range", "please report")
