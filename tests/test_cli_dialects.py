"""``runstream replay`` and ``check`` on Responses API and Chat Completions recordings: the
dialect is detected from the data."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import runstream
from runstream._cli.dialects import CHAT, RESPONSES, RUN, detect_dialect
from runstream._cli.main import main

RECORDINGS = Path(__file__).parent / "recordings"
RESPONSES_FILE = RECORDINGS / "responses" / "dotnet_file_search.sse"
CHAT_FILE = RECORDINGS / "chat" / "python_three_choices.sse"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_detection() -> None:
    assert detect_dialect(RESPONSES_FILE.read_bytes()[:4000]) == RESPONSES
    assert detect_dialect(CHAT_FILE.read_bytes()[:4000]) == CHAT
    assert detect_dialect(runstream.sample_stream_path().read_bytes()[:4000]) == RUN
    # A Responses stream whose proxy dropped the event lines is still recognised.
    assert detect_dialect(b'data: {"type":"response.created","response":{}}\n\n') == RESPONSES


def test_replay_json_prints_the_final_responses(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "replay", "--json", str(RESPONSES_FILE), str(RECORDINGS / "responses" / "dotnet_mcp.sse"))
    assert status == 0
    printed = json.loads(out)
    assert printed == {
        "responses": [
            runstream.ResponseStream(RESPONSES_FILE).final_response_json(),
            runstream.ResponseStream(RECORDINGS / "responses" / "dotnet_mcp.sse").final_response_json(),
        ]
    }


def test_replay_json_prints_the_completions(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CHAT_FILE.read_bytes())))
    status, out, _ = run_cli(capsys, "replay", "--json", "-")
    assert status == 0
    assert json.loads(out) == {"completions": [runstream.ChatCompletionStream(CHAT_FILE).final_completion_json()]}


def test_replay_lines_name_each_event(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "replay", str(RESPONSES_FILE))
    lines = out.splitlines()
    body = RESPONSES_FILE.read_bytes()
    assert status == 0 and len(lines) == body.count(b"\nevent: ") + 1
    assert lines[0].split()[1] == "response.created" and lines[-1].split()[1] == "response.completed"


def test_check_accepts_real_recordings(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(path) for path in (RECORDINGS / "responses").glob("*.sse"))
    status, out, _ = run_cli(capsys, "check", *files)
    assert status == 0 and out.startswith("ok: ") and "the deltas match every final object" in out
    status, out, _ = run_cli(capsys, "check", str(CHAT_FILE))
    assert status == 0 and "3 choices" in out


def test_check_fails_when_a_delta_disagrees(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    body = RESPONSES_FILE.read_bytes()
    events = body.split(b"\n\n")
    for index, block in enumerate(events):
        if b"response.output_text.delta" in block and b'"delta":"' in block:
            events[index] = block.replace(b'"delta":"', b'"delta":"X', 1)
            break
    corrupted = tmp_path / "corrupted.sse"
    corrupted.write_bytes(b"\n\n".join(events))
    status, out, _ = run_cli(capsys, "check", str(corrupted))
    assert status == 1
    assert "discrepancies" in out and "content[0].text" in out


def test_check_of_a_cut_stream_is_one_error_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    body = RESPONSES_FILE.read_bytes()
    cut = tmp_path / "cut.sse"
    cut.write_bytes(body[: body.index(b"event: response.completed")])
    status, out, err = run_cli(capsys, "check", str(cut))
    assert status == 2 and len(err.splitlines()) == 1 and "Traceback" not in err and "cut.sse" in err


def test_replay_json_of_a_cut_chat_stream_prints_what_was_built_then_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = CHAT_FILE.read_bytes()
    cut = tmp_path / "cut.sse"
    cut.write_bytes(body[: len(body) // 2])
    status, out, err = run_cli(capsys, "replay", "--json", str(cut))
    assert status == 2 and "finish_reason" in err
    printed: Any = json.loads(out)
    assert printed["completions"][0]["object"] == "chat.completion"


@pytest.mark.parametrize("repeat", [1, 2])
def test_serve_plays_responses_recordings_in_order(repeat: int) -> None:
    # ``--repeat N`` serves the files N times over (it reached only run-stream files).
    import os
    import signal
    import subprocess

    files = [RESPONSES_FILE, RECORDINGS / "responses" / "dotnet_mcp.sse"]
    process = subprocess.Popen(
        [sys.executable, "-m", "runstream", "serve", *map(str, files), "--api-key", "sk-serve", "--repeat", str(repeat)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # Stopped with SIGINT (Ctrl-C) below: a test run started in the background inherits
        # SIGINT ignored, and Python then never raises KeyboardInterrupt. Restore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "responses" in line
        base_url = line.split(" on ")[1].strip()
        with runstream.Client(base_url=base_url, api_key="sk-serve", timeout=10) as client:
            for path in files * repeat:
                got = client.stream_response(model="m", input="x").final_response_json()
                assert got == runstream.ResponseStream(path).final_response_json()
            with pytest.raises(runstream.APIError, match="No scripted answer left"):
                client.stream_response(model="m", input="x")
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=10)
    assert process.returncode == 0, errors


def test_replay_of_files_of_different_dialects_reads_each_in_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    """Each file is detected by itself: a Chat Completions file after a Responses one is not
    read as a Responses stream (nor the run-stream sample as either)."""
    sample = runstream.sample_stream_path()
    status, out, err = run_cli(capsys, "replay", "--json", str(RESPONSES_FILE), str(CHAT_FILE), str(sample))
    assert status == 0, err
    printed = json.loads(out)
    assert printed["responses"] == [runstream.ResponseStream(RESPONSES_FILE).final_response_json()]
    assert printed["completions"] == [runstream.ChatCompletionStream(CHAT_FILE).final_completion_json()]
    runs = runstream.RunStream(sample).until_done().accumulator.to_builtins()
    assert {key: printed[key] for key in runs} == runs
    status, out, _ = run_cli(capsys, "replay", str(CHAT_FILE), str(RESPONSES_FILE))
    names = [line.split()[1] for line in out.splitlines()]
    assert status == 0 and names[0] == "chat.completion.chunk" and names[-1] == "response.completed"
    assert [int(line.split()[0]) for line in out.splitlines()] == list(range(len(names)))


def test_check_of_files_of_different_dialects_checks_each_in_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "check", str(CHAT_FILE), str(RESPONSES_FILE), str(runstream.sample_stream_path()))
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 3 and all(line.startswith("ok: ") for line in lines)
    assert "3 choices" in lines[0] and "output items" in lines[1] and "steps" in lines[2]


def test_check_of_mixed_files_fails_when_one_of_them_has_a_discrepancy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = RESPONSES_FILE.read_bytes().replace(b'"delta":"', b'"delta":"X', 1)
    corrupted = tmp_path / "corrupted.sse"
    corrupted.write_bytes(body)
    status, out, _ = run_cli(capsys, "check", str(CHAT_FILE), str(corrupted))
    assert status == 1 and "discrepancies" in out and out.startswith("ok: ")


def test_serve_plays_files_of_different_dialects_each_on_its_endpoint() -> None:
    import os
    import signal
    import subprocess

    process = subprocess.Popen(
        [sys.executable, "-m", "runstream", "serve", str(CHAT_FILE), str(RESPONSES_FILE), "--api-key", "sk-serve"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # see the test above
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        assert "chat/completions" in lines[0] and "responses" in lines[2]
        base_url = lines[0].split(" on ")[1].strip()
        with runstream.Client(base_url=base_url, api_key="sk-serve", timeout=10) as client:
            got = client.stream_response(model="m", input="x").final_response_json()
            assert got == runstream.ResponseStream(RESPONSES_FILE).final_response_json()
            completion = client.stream_chat_completion(model="m", messages=[]).final_completion_json()
            assert completion == runstream.ChatCompletionStream(CHAT_FILE).final_completion_json()
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=10)
    assert process.returncode == 0 and "Traceback" not in errors
