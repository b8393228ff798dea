"""Real recorded run streams (see tests/recordings/NOTICE.md): every object whose last word
came from the server is reproduced exactly, delta-built text and arguments equal the final
objects, and ``runstream check`` says ok.

The truth is each stream's own JSON, decoded here with the standard library: a snapshot is
exact when its encoding equals the server's object (every key, nested and unknown ones
included, and no other key).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runstream
from runstream._cli.main import main

RECORDINGS = Path(__file__).parent / "recordings" / "assistants"

#: Streams of one run, fed in order to one accumulator.
RUNS = {
    "dotnet_tool_call": ["dotnet_streaming_tool_call_1_requires_action.sse", "dotnet_streaming_tool_call_2_submit_outputs.sse"],
    "dotnet_file_search": ["dotnet_file_search_annotations.sse"],
    "dotnet_text": ["dotnet_streaming_run_text.sse"],
    "azure_agents": [
        "azure_agents_parallel_fn_requires_action.sse",
        "azure_agents_parallel_fn_continuation.sse",
        "azure_agents_send_email_final.sse",
    ],
    "azure_projects_text": ["azure_projects_event_stream_text_trailing_ws.sse"],
    "azure_run_failed": ["MOCK_azure_persistent_agents_run_failed.sse"],
    "dotnet_async_text": ["dotnet_async_streaming_run_text.sse"],
    "dotnet_async_file_search": ["dotnet_async_file_search.sse"],
    "dotnet_async_tool_call": [
        "dotnet_async_tool_call_1_requires_action.sse",
        "dotnet_async_tool_call_2_submit_outputs.sse",
    ],
}

_STEP_AUTHORITATIVE = {"created", "in_progress", "completed", "failed", "cancelled", "expired"}
_MESSAGE_AUTHORITATIVE = {"created", "in_progress", "completed", "incomplete"}


def _kind(name: str) -> str | None:
    """Which object an event's data is, if it is a whole object (not a delta)."""
    parts = name.split(".")
    if name == "thread.created":
        return "thread"
    if parts[:3] == ["thread", "run", "step"]:
        return "step" if parts[3] in _STEP_AUTHORITATIVE else None
    if parts[:2] == ["thread", "run"] and len(parts) == 3:
        return "run"
    if parts[:2] == ["thread", "message"]:
        return "message" if parts[2] in _MESSAGE_AUTHORITATIVE else None
    return None


def _events(path: Path) -> list[runstream.ServerSentEvent]:
    decoder = runstream.SSEDecoder()
    events = decoder.feed(path.read_bytes())
    events += decoder.end()
    return events


def _same_shape(left: Any, right: Any) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same_shape(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same_shape(a, b) for a, b in zip(left, right))
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return left == right


def _encoded(obj: Any) -> Any:
    return json.loads(msgspec.json.encode(obj))


def _snapshot(accumulator: runstream.Accumulator, kind: str, object_id: str) -> Any:
    if kind == "run":
        return accumulator.run(object_id)
    if kind == "step":
        return accumulator.run_step(object_id)
    if kind == "message":
        return accumulator.message(object_id)
    return accumulator.thread


def _replay(files: list[str]) -> tuple[runstream.Accumulator, list[tuple[str, str, Any, Any, Any]]]:
    """Feed the files into one accumulator; for every whole object received, record
    (event, kind, server JSON, decoded object, snapshot right after it)."""
    accumulator = runstream.Accumulator()
    seen = []
    for file in files:
        for sse in _events(RECORDINGS / file):
            event = accumulator._event_decoder.decode(sse)
            accumulator.feed(event)
            kind = _kind(sse.event)
            if kind is not None:
                server = json.loads(sse.data)
                seen.append((sse.event, kind, server, event.data, _snapshot(accumulator, kind, server["id"])))
        accumulator.end()
    return accumulator, seen


def test_every_recording_is_covered() -> None:
    listed = {name for files in RUNS.values() for name in files}
    assert listed == {path.name for path in RECORDINGS.glob("*.sse")}


@pytest.mark.parametrize("run", sorted(RUNS))
def test_every_server_object_is_reproduced_exactly(run: str) -> None:
    accumulator, seen = _replay(RUNS[run])
    assert seen
    for name, _kind_, server, decoded, snapshot in seen:
        assert _same_shape(_encoded(decoded), server), f"{name} {server['id']}: decoded object differs"
        assert _same_shape(_encoded(snapshot), server), f"{name} {server['id']}: snapshot differs"
    # The objects whose last word came from the server, in the final state.
    last: dict[tuple[str, str], Any] = {}
    for _name, kind, server, _decoded, _snapshot_ in seen:
        last[(kind, server["id"])] = server
    final = accumulator.to_builtins()
    by_id = {
        "run": {run_["id"]: run_ for run_ in final["runs"]},
        "step": {step["id"]: step for step in final["steps"]},
        "message": {message["id"]: message for message in final["messages"]},
    }
    for (kind, object_id), server in last.items():
        if kind == "thread":
            continue
        assert _same_shape(by_id[kind][object_id], server), f"to_builtins: {kind} {object_id} differs"


def _texts_from_deltas(files: list[str]) -> tuple[dict[str, str], dict[tuple[str, int], str]]:
    """Text per message and arguments per (step, tool call index), from the raw deltas."""
    texts: dict[str, str] = {}
    arguments: dict[tuple[str, int], str] = {}
    for file in files:
        for sse in _events(RECORDINGS / file):
            if sse.event in ("thread.message.delta", "thread.message.chunk"):
                data = json.loads(sse.data)
                for part in data["delta"].get("content") or []:
                    value = (part.get("text") or {}).get("value")
                    if value is not None:
                        texts[data["id"]] = texts.get(data["id"], "") + value
            elif sse.event == "thread.run.step.delta":
                data = json.loads(sse.data)
                for call in data["delta"].get("step_details", {}).get("tool_calls") or []:
                    piece = (call.get("function") or {}).get("arguments")
                    if piece is not None:
                        key = (data["id"], call["index"])
                        arguments[key] = arguments.get(key, "") + piece
    return texts, arguments


@pytest.mark.parametrize("run", sorted(RUNS))
def test_delta_built_text_and_arguments_equal_the_final_objects(run: str) -> None:
    accumulator, seen = _replay(RUNS[run])
    assert accumulator.discrepancies == []
    texts, arguments = _texts_from_deltas(RUNS[run])
    final_texts = {}
    final_arguments = {}
    for name, kind, server, _decoded, _snapshot_ in seen:
        if kind == "message" and name.endswith((".completed", ".incomplete")):
            final_texts[server["id"]] = "".join(part["text"]["value"] for part in server["content"] if part["type"] == "text")
        if kind == "step" and name.endswith(".completed") and server["step_details"]["type"] == "tool_calls":
            for index, call in enumerate(server["step_details"]["tool_calls"]):
                if call["type"] == "function":
                    final_arguments[(server["id"], index)] = call["function"]["arguments"]
        if kind == "run" and server["status"] == "requires_action":
            calls = server["required_action"]["submit_tool_outputs"]["tool_calls"]
            for call in calls:
                step_index = next(
                    (key for key, step in _steps_with_call(seen, call["id"]).items()), None
                )
                if step_index is not None:
                    final_arguments[step_index] = call["function"]["arguments"]
    for message_id, text in texts.items():
        if message_id in final_texts:
            assert text == final_texts[message_id]
            assert accumulator.message(message_id).content[0].text.value == text  # type: ignore[union-attr]
    compared = [key for key in arguments if key in final_arguments]
    for key in compared:
        assert arguments[key] == final_arguments[key]
    if run in ("dotnet_tool_call", "dotnet_async_tool_call", "azure_agents"):
        assert compared  # the function calls' arguments were streamed and compared
    if run in ("dotnet_text", "azure_projects_text", "dotnet_file_search", "dotnet_tool_call", "dotnet_async_text"):
        assert any(message_id in final_texts for message_id in texts)


def _steps_with_call(seen: list[tuple[str, str, Any, Any, Any]], call_id: str) -> dict[tuple[str, int], None]:
    found = {}
    for _name, kind, server, _decoded, _snapshot_ in seen:
        details = server.get("step_details") if kind == "step" else None
        if details and details.get("type") == "tool_calls":
            for index, call in enumerate(details.get("tool_calls") or []):
                if call.get("id") == call_id:
                    found[(server["id"], index)] = None
    return found


@pytest.mark.parametrize("run", sorted(RUNS))
def test_check_says_ok(run: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", *(str(RECORDINGS / name) for name in RUNS[run])])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.splitlines()[-1].startswith("ok: ")


@pytest.mark.parametrize("run", sorted(RUNS))
def test_replay_json_reproduces_the_final_server_objects(run: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["replay", "--json", *(str(RECORDINGS / name) for name in RUNS[run])])
    state = json.loads(capsys.readouterr().out)
    assert status == 0
    _accumulator, seen = _replay(RUNS[run])
    last = {(kind, server["id"]): server for _name, kind, server, _decoded, _snapshot_ in seen}
    for key, collection in (("run", "runs"), ("step", "steps"), ("message", "messages")):
        for obj in state[collection]:
            if (key, obj["id"]) in last:
                assert _same_shape(obj, last[(key, obj["id"])])


# ---- unknown members of deltas ----------------------------------------------------------------


def _feed(accumulator: runstream.Accumulator, name: str, data: dict[str, Any]) -> None:
    accumulator.feed(runstream.decode_event(name, json.dumps(data)))


def test_unknown_members_of_deltas_land_in_the_snapshot_until_the_final_object() -> None:
    accumulator = runstream.Accumulator()
    _feed(accumulator, "thread.message.created", {"id": "m", "object": "thread.message", "content": []})
    _feed(accumulator, "thread.message.delta", {"id": "m", "delta": {"x_mood": "calm", "content": [
        {"index": 0, "type": "text", "text": {"value": "Hi", "x_lang": "e"}, "x_part": 1}]}})
    _feed(accumulator, "thread.message.delta", {"id": "m", "delta": {"content": [
        {"index": 0, "type": "text", "text": {"value": " there", "x_lang": "n"}}]}})
    built = msgspec.to_builtins(accumulator.message("m"))
    assert built["x_mood"] == "calm" and built["content"][0]["x_part"] == 1
    # Strings of unknown members are appended, like every streamed string.
    assert built["content"][0]["text"] == {"value": "Hi there", "annotations": [], "x_lang": "en"}
    assert runstream.types.extra_fields(accumulator.message("m")) == {"x_mood": "calm"}

    _feed(accumulator, "thread.run.step.created", {"id": "s", "type": "tool_calls",
          "step_details": {"type": "tool_calls", "tool_calls": []}})
    _feed(accumulator, "thread.run.step.delta", {"id": "s", "delta": {"x_step": [1], "step_details": {
        "type": "tool_calls", "tool_calls": [
            {"index": 3, "type": "function", "id": "c", "function": {"name": "f", "arguments": "{", "x_hint": 2}}]}}})
    step = msgspec.to_builtins(accumulator.run_step("s"))
    assert step["x_step"] == [1]
    assert step["step_details"]["tool_calls"][0]["function"]["x_hint"] == 2
    assert "index" not in step["step_details"]["tool_calls"][0]

    # The final object has the last word: what it does not carry is gone.
    final = {"id": "m", "object": "thread.message", "status": "completed",
             "content": [{"type": "text", "text": {"value": "Hi there", "annotations": []}}]}
    _feed(accumulator, "thread.message.completed", final)
    assert msgspec.to_builtins(accumulator.message("m")) == final


def test_a_delta_without_unknown_members_takes_the_typed_decoder() -> None:
    # The hot path: no unknown member, no carrier; one unknown member, the slow path.
    plain = runstream.decode_event("thread.message.delta", '{"id": "m", "delta": {"role": "assistant"}}')
    assert type(plain.data) is runstream.types.MessageDeltaEvent
    extra = runstream.decode_event("thread.message.delta", '{"id": "m", "delta": {"role": "assistant", "x": 1}}')
    assert isinstance(extra.data, runstream.types.MessageDeltaEvent)
    assert extra.data.unknown_members == {"x": 1}  # type: ignore[attr-defined]
    assert msgspec.json.encode(extra.data.delta) == b'{"role":"assistant"}'


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.text(max_size=5), min_size=1, max_size=6),
    key=st.from_regex(r"x_[a-z]{1,4}", fullmatch=True),
    numbers=st.lists(st.integers(), min_size=1, max_size=3),
)
def test_unknown_delta_members_merge_like_the_stream(values: list[str], key: str, numbers: list[int]) -> None:
    # Strings are appended and other values replaced, at any level, whatever the fragments.
    accumulator = runstream.Accumulator()
    _feed(accumulator, "thread.message.created", {"id": "m", "object": "thread.message", "content": []})
    for number, value in enumerate(values):
        part = {"index": 0, "type": "text", "text": {"value": value, key: value}, key: numbers[number % len(numbers)]}
        _feed(accumulator, "thread.message.delta", {"id": "m", "delta": {key: value, "content": [part]}})
    built = msgspec.to_builtins(accumulator.message("m"))
    joined = "".join(values)
    assert built[key] == joined
    assert built["content"][0]["text"][key] == joined and built["content"][0]["text"]["value"] == joined
    assert built["content"][0][key] == numbers[(len(values) - 1) % len(numbers)]


@pytest.mark.parametrize("member", [{"type": None}, {"status": 5}, {"metadata": "x"}, {"content": {"a": 1}}])
def test_a_delta_member_named_like_a_field_of_the_object_changes_nothing_it_built(member: dict[str, Any]) -> None:
    accumulator = runstream.Accumulator()
    _feed(accumulator, "thread.message.created", {"id": "m", "object": "thread.message", "status": "in_progress",
                                                   "content": []})
    _feed(accumulator, "thread.run.step.created", {"id": "s", "type": "tool_calls", "status": "in_progress"})
    _feed(accumulator, "thread.message.delta", {"id": "m", "delta": {**member, "content": [
        {"index": 0, "type": "text", "text": {"value": "Hi"}}]}})
    _feed(accumulator, "thread.run.step.delta", {"id": "s", "delta": member})
    message = accumulator.message("m")
    assert message is not None and message.status == "in_progress" and message.content[0].text.value == "Hi"  # type: ignore[union-attr]
    step = accumulator.run_step("s")
    assert step is not None and step.type == "tool_calls" and step.status == "in_progress"
    accumulator.to_builtins()
