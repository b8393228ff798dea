"""runstream.testing: scenarios render streams shaped like the real service's."""

from __future__ import annotations

import json

import pytest

from runstream import Accumulator, EventDecoder, SSEDecoder
from runstream.testing import (
    AnnotationSpec,
    RecordedScenario,
    Scenario,
    SearchResultSpec,
    ToolCallSpec,
    encode_event,
    load_sse,
    split_sse,
)

RUN_FIELDS = {
    "id", "object", "created_at", "assistant_id", "thread_id", "status", "started_at",
    "expires_at", "cancelled_at", "failed_at", "completed_at", "required_action",
    "last_error", "model", "instructions", "tools", "metadata", "usage", "temperature",
    "top_p", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy",
    "incomplete_details", "tool_choice", "parallel_tool_calls", "response_format",
}  # fmt: skip
STEP_FIELDS = {
    "id", "object", "created_at", "assistant_id", "thread_id", "run_id", "type", "status",
    "step_details", "last_error", "expired_at", "cancelled_at", "failed_at", "completed_at",
    "metadata", "usage",
}  # fmt: skip
MESSAGE_FIELDS = {
    "id", "object", "created_at", "thread_id", "status", "incomplete_details", "completed_at",
    "incomplete_at", "role", "content", "assistant_id", "run_id", "attachments", "metadata",
}  # fmt: skip


def weather_scenario(**options: object) -> Scenario:
    return (
        Scenario(thread_id="thread_1", seed=7, created_at=1_700_000_000, **options)  # type: ignore[arg-type]
        .tool_calls(
            [
                ToolCallSpec("get_weather", '{"city":"St\\nLouis"}', output="22C"),
                ToolCallSpec("get_time", '{"tz":"Europe/Paris"}', output="14:00"),
            ]
        )
        .message("It is 22C in St. Louis at 14:00.\n\nEnjoy!")
    )


def events(segment: list[tuple[str, bytes]]) -> list[tuple[str, object]]:
    return [(name, data if name == "done" else json.loads(data)) for name, data in segment]


def deltas(segment: list[tuple[str, bytes]], name: str) -> list[dict]:
    return [data for n, data in events(segment) if n == name]  # type: ignore[misc]


def test_function_calls_split_into_segments() -> None:
    scenario = weather_scenario()
    segments = scenario.segments()
    assert scenario.segment_count == len(segments) == 2
    names0 = [name for name, _ in segments[0]]
    assert names0[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert names0[3:5] == ["thread.run.step.created", "thread.run.step.in_progress"]
    assert names0[-2:] == ["thread.run.requires_action", "done"]
    assert segments[0][-1] == ("done", b"[DONE]")
    requires_action = json.loads(segments[0][-2][1])
    calls = requires_action["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert [c["id"] for c in calls] == scenario.tool_call_ids(0)
    assert all(c["id"].startswith("call_") for c in calls)
    assert scenario.tool_call_ids(1) == []
    # The continuation first completes the tool step, with the outputs filled in.
    name, data = segments[1][0]
    assert name == "thread.run.step.completed"
    step = json.loads(data)
    outputs = [c["function"]["output"] for c in step["step_details"]["tool_calls"]]
    assert outputs == ["22C", "14:00"]
    assert [n for n, _ in segments[1][1:3]] == ["thread.run.queued", "thread.run.in_progress"]
    assert [n for n, _ in segments[1][-2:]] == ["thread.run.completed", "done"]


def test_tool_call_fragments_are_shaped_like_the_service() -> None:
    scenario = weather_scenario()
    step_deltas = deltas(scenario.segments()[0], "thread.run.step.delta")
    fragments = [tc for d in step_deltas for tc in d["delta"]["step_details"]["tool_calls"]]
    first = fragments[0]
    assert first == {
        "index": 0,
        "id": scenario.tool_call_ids(0)[0],
        "type": "function",
        "function": {"name": "get_weather", "arguments": "", "output": None},
    }
    later = [f for f in fragments if f["index"] == 0][1:]
    assert all(set(f) == {"index", "type", "function"} for f in later)
    assert all(
        set(f["function"]) == {"arguments"} and 0 < len(f["function"]["arguments"]) <= 4
        for f in later
    )
    assert "".join(f["function"]["arguments"] for f in later) == '{"city":"St\\nLouis"}'
    # Fixed-size pieces split the JSON escape, as the service's fragments sometimes do.
    assert any(f["function"]["arguments"].endswith("\\") for f in later)


@pytest.mark.parametrize("interleave", ["none", "round_robin", "combined"])
def test_interleaving_of_parallel_calls(interleave: str) -> None:
    calls = [
        ToolCallSpec("a", '{"x":"' + "1" * 10 + '"}'),
        ToolCallSpec("b", '{"y":"' + "2" * 10 + '"}'),
    ]
    scenario = Scenario(seed=1).tool_calls(calls, fragment_size=3, interleave=interleave)
    step_deltas = deltas(scenario.segments()[0], "thread.run.step.delta")
    per_event = [
        [tc["index"] for tc in d["delta"]["step_details"]["tool_calls"]] for d in step_deltas
    ]
    flat = [i for event in per_event for i in event]
    if interleave == "none":
        assert flat == sorted(flat)
    else:
        assert per_event[:2] == [[0], [1]]  # every call's first fragment, then the pieces
        assert flat[2:6] == [0, 1, 0, 1]
    assert any(len(e) == 2 for e in per_event) == (interleave == "combined")
    # Whatever the order, each call's arguments reassemble.
    rebuilt = {0: "", 1: ""}
    for d in step_deltas:
        for tc in d["delta"]["step_details"]["tool_calls"]:
            rebuilt[tc["index"]] += tc["function"]["arguments"]
    assert rebuilt == {0: calls[0].arguments, 1: calls[1].arguments}


def test_message_fragments_and_annotations() -> None:
    text = "See the report【4:0†source】 and the chart【4:1†source】."
    scenario = Scenario(seed=2).message(
        text,
        annotations=[
            AnnotationSpec("【4:0†source】", "file-a"),
            {"text": "【4:1†source】", "file_id": "file-b"},
        ],
        fragment_size=5,
    )
    segment = scenario.segments()[0]
    parts = [d["delta"]["content"][0] for d in deltas(segment, "thread.message.delta")]
    assert parts[0]["text"]["annotations"] == [] and parts[0]["index"] == 0
    annotated = [p for p in parts if p["text"].get("annotations")]
    assert [p["text"]["value"] for p in annotated] == ["【4:0†source】", "【4:1†source】"]
    first = annotated[0]["text"]["annotations"][0]
    assert first["index"] == 0 and first["file_citation"] == {"file_id": "file-a"}
    assert text[first["start_index"] : first["end_index"]] == "【4:0†source】"
    assert annotated[1]["text"]["annotations"][0]["index"] == 1
    plain = [p for p in parts[1:] if "annotations" not in p["text"]]
    assert all(len(p["text"]["value"]) <= 5 for p in plain)
    assert "".join(p["text"]["value"] for p in parts) == text
    (message,) = scenario.expected_messages()
    assert message.status == "completed" and message.content[0].text.value == text
    final = deltas(segment, "thread.message.completed")[0]["content"][0]["text"]["annotations"]
    assert all("index" not in a for a in final)


def test_message_with_image_and_refusal_and_incomplete() -> None:
    scenario = Scenario(seed=3).message(
        "Here:", image_file_id="file-img", refusal="No more.", incomplete_reason="max_tokens"
    )
    segment = scenario.segments()[0]
    parts = [d["delta"]["content"][0] for d in deltas(segment, "thread.message.delta")]
    assert parts[0] == {"index": 0, "type": "image_file", "image_file": {"file_id": "file-img"}}
    assert {p["index"] for p in parts if p["type"] == "text"} == {1}
    assert {p["index"] for p in parts if p["type"] == "refusal"} == {2}
    (incomplete,) = deltas(segment, "thread.message.incomplete")
    assert incomplete["status"] == "incomplete"
    assert incomplete["incomplete_details"] == {"reason": "max_tokens"}
    assert [p["type"] for p in incomplete["content"]] == ["image_file", "text", "refusal"]


def test_code_interpreter_fragments() -> None:
    scenario = Scenario(seed=4).code_interpreter(
        "print(6 * 7)", logs="42\n", image_file_id="file-plot"
    )
    segment = scenario.segments()[0]
    calls = [
        d["delta"]["step_details"]["tool_calls"][0]
        for d in deltas(segment, "thread.run.step.delta")
    ]
    assert calls[0]["code_interpreter"] == {"input": "", "outputs": []}
    assert calls[0]["id"].startswith("call_") and calls[0]["type"] == "code_interpreter"
    outputs = [o for c in calls for o in c["code_interpreter"].get("outputs", [])]
    assert outputs == [
        {"index": 0, "type": "logs", "logs": "42\n"},
        {"index": 1, "type": "image", "image": {"file_id": "file-plot"}},
    ]
    (step,) = scenario.expected_steps()
    assert step.step_details.tool_calls[0].code_interpreter.input == "print(6 * 7)"


def test_file_search_results_only_in_completed_step() -> None:
    results = [
        SearchResultSpec("file-1", "a.txt", 0.9, content="alpha"),
        {"file_id": "file-2", "score": 0.4},
    ]
    scenario = Scenario(seed=5).file_search(results)
    segment = scenario.segments()[0]
    (delta,) = deltas(segment, "thread.run.step.delta")
    assert delta["delta"]["step_details"]["tool_calls"][0]["file_search"]["results"] == []
    (completed,) = deltas(segment, "thread.run.step.completed")
    found = completed["step_details"]["tool_calls"][0]["file_search"]["results"]
    assert [r["file_id"] for r in found] == ["file-1", "file-2"]
    assert all("content" not in r for r in found)
    with_content = deltas(scenario.segments(include_content=True)[0], "thread.run.step.completed")[
        0
    ]
    first = with_content["step_details"]["tool_calls"][0]["file_search"]["results"][0]
    assert first["content"] == [{"type": "text", "text": "alpha"}]


def test_full_objects_carry_every_spec_field_and_consistent_times() -> None:
    scenario = weather_scenario()
    seen = set()
    times = []
    for segment in scenario.segments():
        for name, data in events(segment):
            if not isinstance(data, dict) or "object" not in data:
                continue
            fields = {
                "thread.run": RUN_FIELDS,
                "thread.run.step": STEP_FIELDS,
                "thread.message": MESSAGE_FIELDS,
            }
            if data["object"] in fields:
                assert fields[data["object"]] <= set(data), name
                seen.add(data["object"])
                times.append(data["created_at"])
    assert seen == {"thread.run", "thread.run.step", "thread.message"}
    run = scenario.expected_run()
    assert run.status == "completed" and run.expires_at is None
    assert run.completed_at is not None and run.completed_at > run.started_at > run.created_at  # type: ignore[operator]
    assert run.usage is not None
    assert run.usage.total_tokens == sum(s.usage.total_tokens for s in scenario.expected_steps())  # type: ignore[union-attr]
    assert all(t >= 1_700_000_000 for t in times)


def test_encode_segment_is_sse_of_segments() -> None:
    scenario = weather_scenario()
    for index, segment in enumerate(scenario.segments()):
        expected = b"".join(b"event: " + n.encode() + b"\ndata: " + d + b"\n\n" for n, d in segment)
        assert scenario.encode_segment(index) == expected
    assert encode_event("done", b"[DONE]") == b"event: done\ndata: [DONE]\n\n"


def test_tool_outputs_override_and_body() -> None:
    scenario = weather_scenario()
    first, second = scenario.tool_call_ids(0)
    assert scenario.tool_outputs(0) == [
        {"tool_call_id": first, "output": "22C"},
        {"tool_call_id": second, "output": "14:00"},
    ]
    steps = scenario.expected_steps(tool_outputs={first: "rainy"})
    assert steps[0].step_details.tool_calls[0].function.output == "rainy"
    assert b'"output":"rainy"' in scenario.encode_segment(1, tool_outputs={first: "rainy"})


def test_same_seed_same_bytes_and_ids() -> None:
    assert weather_scenario().encode_segment(0) == weather_scenario().encode_segment(0)
    scenario = weather_scenario()
    assert scenario.run_id.startswith("run_") and scenario.assistant_id.startswith("asst_")
    assert all(s.id.startswith("step_") for s in scenario.expected_steps())
    assert all(m.id.startswith("msg_") for m in scenario.expected_messages())


@pytest.mark.parametrize(
    ("ending", "status", "last"),
    [
        (lambda s: s.fail("rate_limit_exceeded", "Slow down."), "failed", "thread.run.failed"),
        (lambda s: s.incomplete("max_prompt_tokens"), "incomplete", "thread.run.incomplete"),
        (lambda s: s.expire(), "expired", "thread.run.expired"),
        (lambda s: s.cancel(), "cancelled", "thread.run.cancelled"),
        (lambda s: s.complete(), "completed", "thread.run.completed"),
    ],
)
def test_endings(ending, status: str, last: str) -> None:  # type: ignore[no-untyped-def]
    scenario = ending(Scenario(seed=6).message("Hi"))
    names = [n for n, _ in scenario.segments()[0]]
    assert names[-2:] == [last, "done"]
    assert scenario.expected_run().status == status
    if status == "failed":
        assert scenario.expected_run().last_error.code == "rate_limit_exceeded"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="already ended"):
        scenario.message("more")


def test_error_ends_stream_without_done() -> None:
    scenario = Scenario(seed=8).message("partial").error("server_error", "Internal error")
    segment = scenario.segments()[0]
    assert segment[-1][0] == "error"
    assert json.loads(segment[-1][1]) == {
        "code": "server_error",
        "message": "Internal error",
        "param": None,
        "type": "server_error",
    }
    run = scenario.expected_run()
    assert (
        run.status == "failed"
        and run.last_error is not None
        and run.last_error.message == "Internal error"
    )
    assert Scenario(seed=8).error(run_status=None).expected_run().status == "in_progress"


def test_expected_objects_match_accumulated_snapshots() -> None:
    scenario = (
        Scenario(seed=9)
        .file_search([SearchResultSpec("file-1", content="x")])
        .code_interpreter("1 + 1", logs="2")
        .tool_calls(
            [
                ToolCallSpec("f", '{"q": "a\\"b"}', output="ok"),
                ToolCallSpec("g", "{}", output="ok"),
            ],
            interleave="combined",
        )
        .message(
            "Done【1:0†src】.",
            annotations=[AnnotationSpec("【1:0†src】", "file-1")],
            image_file_id="file-i",
        )
    )
    accumulator = Accumulator()
    for index in range(scenario.segment_count):
        sse, decoder = SSEDecoder(), EventDecoder()
        for event in sse.feed(scenario.encode_segment(index)) + sse.end():
            accumulator.feed(decoder.decode(event))
    assert accumulator.run() == scenario.expected_run()
    assert accumulator.run_steps == scenario.expected_steps()
    assert accumulator.messages == scenario.expected_messages()


def test_split_and_load_recorded_sse(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scenario = weather_scenario()
    body = scenario.encode_segment(0)
    wire = split_sse(body)
    assert b"".join(e.raw for e in wire) == body
    assert [e.name for e in wire] == [n for n, _ in scenario.segments()[0]]
    assert wire[0].obj is not None and wire[0].obj["id"] == scenario.run_id
    # CRLF line endings and a last event without terminator survive byte for byte.
    crlf = body.replace(b"\n", b"\r\n")[:-4]
    split = split_sse(crlf)
    assert b"".join(e.raw for e in split) == crlf and split[-1].data == b"[DONE]"
    paths = []
    for index in range(2):
        path = tmp_path / f"segment{index}.sse"
        path.write_bytes(scenario.encode_segment(index))
        paths.append(path)
    assert load_sse(paths[0]) == [body]
    recorded = RecordedScenario(paths)
    assert (recorded.run_id, recorded.thread_id, recorded.segment_count) == (
        scenario.run_id,
        "thread_1",
        2,
    )
    assert b"".join(e.raw for e in recorded.wire_segment(1)) == scenario.encode_segment(1)
