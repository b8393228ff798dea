"""Unit tests of the accumulator's merge rules, scoping, continuation, verification and
outputs (the rules are in the docstring of runstream/_accumulator.py)."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from strategies import (
    builtins,
    citation,
    code_call,
    code_piece,
    code_start,
    delta_annotation,
    event,
    file_path_annotation,
    file_search_call,
    file_search_start,
    function_call,
    function_piece,
    function_start,
    image_file_part,
    image_file_piece,
    image_output,
    image_piece,
    image_url_part,
    image_url_piece,
    logs_output,
    logs_piece,
    message_delta,
    message_obj,
    refusal_part,
    refusal_piece,
    requires_action_run,
    run_obj,
    search_result,
    step_delta,
    step_obj,
    text_part,
    text_piece,
    usage,
)

import runstream as rs
import runstream.notifications
import runstream.types


def feed(acc: rs.Accumulator, *events: tuple[str, dict[str, Any]]) -> list[Any]:
    return [note for name, data in events for note in acc.feed(event(name, data))]


def kinds(notes: list[Any], *types: type) -> list[Any]:
    return [note for note in notes if isinstance(note, types)]


def started(step: str | None = "step_1", message: str | None = None) -> rs.Accumulator:
    acc = rs.Accumulator()
    feed(acc, ("thread.run.created", run_obj()), ("thread.run.in_progress", run_obj("in_progress")))
    if step:
        feed(acc, ("thread.run.step.created", step_obj(step)))
    if message:
        feed(acc, ("thread.message.created", message_obj(message)))
    return acc


def sdelta(step_id: str, *calls: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return ("thread.run.step.delta", step_delta(step_id, *calls))


def mdelta(message_id: str, *parts: dict[str, Any], role: str | None = None) -> tuple[str, dict[str, Any]]:
    return ("thread.message.delta", message_delta(message_id, *parts, role=role))


# ---- append ----------------------------------------------------------------------------


def test_appended_fields_concatenate_in_order() -> None:
    acc = started(message="msg_1")
    args = ['{"city": "Par', 'is\\', 'n", "u": "\\u00', 'e9"}']
    feed(acc, sdelta("step_1", function_start(0, "call_1", "get_weather")),
         *(sdelta("step_1", function_piece(0, piece)) for piece in args),
         sdelta("step_1", code_start(1, "call_2"), code_piece(1, "print("), code_piece(1, "1)")),
         sdelta("step_1", code_piece(1, outputs=[logs_piece(0, "1\n")]), code_piece(1, outputs=[logs_piece(0, "2")])),
         mdelta("msg_1", text_piece(0, "Hel", annotations=[]), text_piece(0, "lo\n\n")),
         mdelta("msg_1", text_piece(0, "wörld 😀"), refusal_piece(1, "I can"), refusal_piece(1, "not.")))
    call = acc.tool_call("step_1", 0)
    assert call.function.arguments == "".join(args)
    assert json.loads(call.function.arguments) == {"city": "Paris\n", "u": "é"}
    code = acc.tool_call("step_1", 1).code_interpreter
    assert (code.input, code.outputs[0].logs) == ("print(1)", "1\n2")
    assert acc.content_part("msg_1", 0).text.value == "Hello\n\nwörld 😀"
    assert acc.content_part("msg_1", 1).refusal == "I cannot."


# ---- set -------------------------------------------------------------------------------


def test_repeated_id_and_name_are_set_never_concatenated() -> None:
    acc = started()
    feed(acc, sdelta("step_1", function_start(0, "call_1", "get_weather"), function_piece(0, "{}")),
         sdelta("step_1", function_start(0, "call_1", "get_weather")),
         sdelta("step_1", {"index": 0, "type": "function", "function": {"output": "sunny"}}),
         sdelta("step_1", code_start(1, "call_2"), code_start(1, "call_2"), code_piece(1, "x")))
    function = acc.tool_call("step_1", 0)
    assert (function.id, function.function.name, function.function.arguments) == ("call_1", "get_weather", "{}")
    assert function.function.output == "sunny"
    assert (acc.tool_call("step_1", 1).id, acc.tool_call("step_1", 1).code_interpreter.input) == ("call_2", "x")


def test_file_ids_images_annotations_and_role_are_set() -> None:
    acc = started(message="msg_1")
    first = delta_annotation(0, citation("[1]", "file_a", 1, 4))
    second = delta_annotation(0, citation("[p]", "file_b", 2, 5))
    feed(acc, mdelta("msg_1", image_file_piece(0, "file_x", "low"), image_url_piece(1, "https://a/1.png")),
         mdelta("msg_1", image_file_piece(0, "file_y", "high"), image_url_piece(1, "https://a/2.png", "low")),
         mdelta("msg_1", text_piece(2, "see [1]", annotations=[first]), role="user"),
         mdelta("msg_1", text_piece(2, annotations=[second]), role="assistant"),
         sdelta("step_1", code_start(0, "call_1"), code_piece(0, outputs=[image_piece(0, "file_i")])),
         sdelta("step_1", code_piece(0, outputs=[image_piece(0, "file_j")])))
    message = acc.message("msg_1")
    assert builtins(message.content[0]) == image_file_part("file_y", "high")
    assert builtins(message.content[1]) == image_url_part("https://a/2.png", "low")
    annotation = message.content[2].text.annotations[0]
    assert (annotation.text, annotation.start_index, annotation.end_index) == ("[p]", 2, 5)
    assert annotation.file_citation.file_id == "file_b"
    assert message.role == "assistant"
    assert acc.tool_call("step_1", 0).code_interpreter.outputs[0].image.file_id == "file_j"


def test_message_creation_message_id_is_set_and_verified() -> None:
    acc = started(step=None)
    details = {"type": "message_creation", "message_creation": {"message_id": "msg_9"}}
    feed(acc, ("thread.run.step.created", step_obj("step_m", message_id="msg_1")),
         ("thread.run.step.delta",
          {"id": "step_m", "object": "thread.run.step.delta", "delta": {"step_details": details}}))
    assert acc.run_step("step_m").step_details.message_creation.message_id == "msg_9"
    feed(acc, ("thread.run.step.completed", step_obj("step_m", status="completed", message_id="msg_1")))
    assert [(d.path, d.from_deltas, d.authoritative) for d in acc.discrepancies] == [
        ("step_details.message_creation.message_id", "msg_9", "msg_1")]


def test_fragments_without_a_type_merge_into_one_part() -> None:
    acc = started(step=None, message="msg_1")
    notes = feed(acc, mdelta("msg_1", {"index": 0, "x": "a"}), mdelta("msg_1", {"index": 0, "y": "b"}))
    assert len(kinds(notes, rs.notifications.ContentPartCreated)) == 1
    assert (acc.content_part("msg_1", 0), acc.anomalies) == ({"x": "a", "y": "b"}, [])


# ---- replace by the authoritative object -----------------------------------------------


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled", "expired"])
def test_terminal_step_replaces_snapshot_and_alone_brings_final_only_fields(status: str) -> None:
    acc = started()
    feed(acc, sdelta("step_1", function_start(0, "call_1", "f"), function_piece(0, "{}")),
         sdelta("step_1", file_search_start(1, "call_2")))
    before = acc.run_step("step_1")
    calls = before.step_details.tool_calls
    assert (before.usage, before.completed_at) == (None, None)
    assert (calls[0].function.output, calls[1].file_search.results) == (None, [])
    final = step_obj("step_1", status=status, tool_calls=[function_call("call_1", "f", "{}", "out"),
                                                          file_search_call("call_2", [search_result("file_a")])])
    notes = feed(acc, (f"thread.run.step.{status}", final))
    assert acc.run_step("step_1") == event("thread.run.step.completed", final).data
    assert builtins(acc.run_step("step_1")) == final
    done = kinds(notes, rs.notifications.FileSearchResultsReceived, rs.notifications.ToolCallDone, rs.notifications.StepDone)
    assert [type(n) for n in done] == [rs.notifications.ToolCallDone, rs.notifications.FileSearchResultsReceived, rs.notifications.ToolCallDone, rs.notifications.StepDone]
    assert acc.discrepancies == [] and acc.anomalies == []


@pytest.mark.parametrize("status", ["completed", "incomplete"])
def test_terminal_message_replaces_snapshot(status: str) -> None:
    acc = started(step=None, message="msg_1")
    annotations = [citation("[1]", "file_a", 2, 5), file_path_annotation("[2]", "file_b", 6, 9)]
    feed(acc, mdelta("msg_1", text_piece(0, "a [1] [2]", [delta_annotation(i, a) for i, a in enumerate(annotations)])))
    assert acc.content_part("msg_1", 0).text.annotations[0].file_citation.quote == ""
    final = message_obj("msg_1", status=status, content=[text_part("a [1] [2]", annotations)])
    notes = feed(acc, (f"thread.message.{status}", final))
    assert builtins(acc.message("msg_1")) == final
    assert [type(note) for note in notes] == [rs.notifications.ContentPartDone, rs.notifications.MessageDone]
    assert acc.discrepancies == []


# ---- scoping ---------------------------------------------------------------------------


def test_interleaved_messages_and_steps_stay_apart() -> None:
    acc = started(message="msg_1")
    feed(acc, ("thread.run.step.created", step_obj("step_2")), ("thread.message.created", message_obj("msg_2")),
         mdelta("msg_1", text_piece(0, "one ")), mdelta("msg_2", text_piece(0, "two ")),
         sdelta("step_1", function_start(0, "call_a", "a")), sdelta("step_2", function_start(0, "call_b", "b")),
         mdelta("msg_2", text_piece(0, "2")), sdelta("step_2", function_piece(0, "[2]")),
         mdelta("msg_1", text_piece(0, "1")), sdelta("step_1", function_piece(0, "[1]")))
    assert [m.content[0].text.value for m in acc.messages] == ["one 1", "two 2"]
    assert [(c.id, c.function.arguments) for c in (acc.tool_call("step_1", 0), acc.tool_call("step_2", 0))] == [
        ("call_a", "[1]"), ("call_b", "[2]")]


def test_parallel_fragments_in_one_delta() -> None:
    acc = started()
    notes = feed(acc, sdelta("step_1", function_start(0, "c0", "f"), function_start(1, "c1", "g"),
                             function_piece(1, '{"b"'), function_piece(0, '{"a"'), function_piece(0, ": 1}"),
                             function_piece(1, ": 2}")))
    assert [acc.tool_call("step_1", i).function.arguments for i in (0, 1)] == ['{"a": 1}', '{"b": 2}']
    assert [(n.index) for n in kinds(notes, rs.notifications.ToolCallCreated)] == [0, 1]
    assert len(kinds(notes, rs.notifications.ToolCallDeltaReceived)) == 6


def test_sparse_out_of_order_indexes_keep_wire_order() -> None:
    acc = started(message="msg_1")
    feed(acc, sdelta("step_1", function_start(1, "c1", "g")), sdelta("step_1", function_start(0, "c0", "f")),
         sdelta("step_1", code_start(5, "c5"),
                code_piece(5, outputs=[logs_piece(3, "late"), logs_piece(1, "early")])),
         mdelta("msg_1", text_piece(4, "second", annotations=[delta_annotation(7, citation("y", "f2", 0, 1)),
                                                              delta_annotation(2, citation("x", "f1", 0, 1))])),
         mdelta("msg_1", refusal_piece(1, "first")))
    assert [c.id for c in acc.run_step("step_1").step_details.tool_calls] == ["c0", "c1", "c5"]
    assert [o.logs for o in acc.tool_call("step_1", 5).code_interpreter.outputs] == ["early", "late"]
    message = acc.message("msg_1")
    assert [p.type for p in message.content] == ["refusal", "text"]
    assert [a.text for a in message.content[1].text.annotations] == ["x", "y"]


def test_huge_index_allocates_nothing_large() -> None:
    acc = started(message="msg_1")
    tracemalloc.start()
    try:
        feed(acc, mdelta("msg_1", text_piece(10**9, "far")), sdelta("step_1", function_start(10**9, "c", "f")))
        parts = acc.message("msg_1").content
        calls = acc.run_step("step_1").step_details.tool_calls
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (len(parts), len(calls), acc.content_part("msg_1", 10**9).text.value) == (1, 1, "far")
    assert peak < 2_000_000


def test_sparse_indexes_survive_completion_with_lifecycle_once() -> None:
    acc = started(message="msg_1")
    notes = feed(acc, sdelta("step_1", function_start(3, "c3", "g"), function_start(0, "c0", "f")),
                 sdelta("step_1", code_start(7, "c7"), code_piece(7, outputs=[image_piece(4, "img")])),
                 mdelta("msg_1", text_piece(2, "b", annotations=[delta_annotation(5, citation("b", "f", 0, 1))])),
                 mdelta("msg_1", text_piece(0, "a")))
    calls = [function_call("c0", "f", ""), function_call("c3", "g", "", "out"),
             code_call("c7", "", [image_output("img")])]
    notes += feed(acc, ("thread.run.step.completed", step_obj("step_1", status="completed", tool_calls=calls)),
                  ("thread.message.completed", message_obj("msg_1", status="completed", content=[
                      text_part("a"), text_part("b", [citation("b", "f", 0, 1)])])))
    for created, done in ((rs.notifications.ToolCallCreated, rs.notifications.ToolCallDone), (rs.notifications.ContentPartCreated, rs.notifications.ContentPartDone)):
        assert sorted(n.index for n in kinds(notes, created)) == sorted(n.index for n in kinds(notes, done))
    assert sorted(n.index for n in kinds(notes, rs.notifications.ToolCallDone)) == [0, 3, 7]
    assert sorted(n.index for n in kinds(notes, rs.notifications.ContentPartDone)) == [0, 2]
    assert len(kinds(notes, rs.notifications.CodeInterpreterOutputAdded)) == len(kinds(notes, rs.notifications.AnnotationAdded)) == 1
    assert acc.tool_call("step_1", 3).function.output == "out"
    assert acc.content_part("msg_1", 2).text.value == "b"
    assert acc.discrepancies == []


# ---- continuation, placeholders --------------------------------------------------------


def test_continuation_completes_the_step_of_the_first_stream() -> None:
    acc = started()
    first = feed(acc, sdelta("step_1", function_start(0, "call_1", "get_weather")),
                 sdelta("step_1", function_piece(0, '{"city": "Paris"}')),
                 ("thread.run.requires_action",
                  requires_action_run([("call_1", "get_weather", '{"city": "Paris"}')])))
    assert acc.end() == [rs.notifications.StreamEnded(True, "requires_action")]
    assert [n.index for n in kinds(first, rs.notifications.ToolCallDone)] == [0]
    final = step_obj("step_1", status="completed", step_usage=usage(7, 3),
                     tool_calls=[function_call("call_1", "get_weather", '{"city": "Paris"}', "18C")])
    second = feed(acc, ("thread.run.queued", run_obj("queued")), ("thread.run.step.completed", final),
                  ("thread.run.completed", run_obj("completed", usage=usage(30, 12))))
    assert [type(n) for n in kinds(second, rs.notifications.StepCreated, rs.notifications.StepDone, rs.notifications.ToolCallDone)] == [rs.notifications.StepDone]
    assert acc.run_step("step_1").usage == rs.types.Usage(completion_tokens=3, prompt_tokens=7, total_tokens=10)
    assert acc.usage == rs.types.Usage(completion_tokens=12, prompt_tokens=30, total_tokens=42)
    assert acc.tool_call("step_1", 0).function.output == "18C"
    assert (acc.anomalies, acc.discrepancies, len(acc.runs)) == ([], [], 1)


@pytest.mark.parametrize("kind", ["step", "message"])
def test_delta_for_unknown_object_creates_placeholder_and_anomaly(kind: str) -> None:
    acc = started(step=None)
    if kind == "step":
        notes = feed(acc, sdelta("step_x", function_start(0, "c", "f")))
        snapshot = acc.run_step("step_x")
        assert snapshot.type == snapshot.step_details.type == "tool_calls"
        assert (snapshot.run_id, snapshot.thread_id) == ("run_1", "thread_1")
        assert snapshot.step_details.tool_calls[0].id == "c"
        assert [type(n) for n in notes][:1] == [rs.notifications.StepCreated]
    else:
        notes = feed(acc, mdelta("msg_x", text_piece(0, "hi")))
        assert (acc.message("msg_x").run_id, acc.content_part("msg_x", 0).text.value) == ("run_1", "hi")
        assert [type(n) for n in notes][:1] == [rs.notifications.MessageCreated]
    assert [a.kind for a in acc.anomalies] == [f"delta_for_unknown_{kind}"]


# ---- verification ----------------------------------------------------------------------


def _message_discrepancies(deltas: list[dict[str, Any]], content: list[dict[str, Any]]) -> list[rs.notifications.Discrepancy]:
    acc = started(step=None, message="msg_1")
    feed(acc, *(mdelta("msg_1", part) for part in deltas),
         ("thread.message.completed", message_obj("msg_1", status="completed", content=content)))
    return acc.discrepancies


def _step_discrepancies(deltas: list[dict[str, Any]], calls: list[dict[str, Any]]) -> list[rs.notifications.Discrepancy]:
    acc = started()
    feed(acc, *(sdelta("step_1", call) for call in deltas),
         ("thread.run.step.completed", step_obj("step_1", status="completed", tool_calls=calls)))
    return acc.discrepancies


FUNC = [function_start(0, "c0", "f"), function_piece(0, '{"a": '), function_piece(0, "1}")]
ARGUMENTS = "step_details.tool_calls[0].function.arguments"


@pytest.mark.parametrize(
    ("deltas", "calls", "path"),
    [
        ([*FUNC[:1], *FUNC[2:]], [function_call("c0", "f", '{"a": 1}')], ARGUMENTS),
        (FUNC, [function_call("c0", "f", '{"a": 2}')], ARGUMENTS),
        (FUNC[1:], [function_call("c0", "f", '{"a": 1}')], "step_details.tool_calls[0].function.name"),
        (FUNC, [function_call("c0", "f", '{"a": 1}'), function_call("c1", "g", "")], "step_details.tool_calls[1]"),
        ([*FUNC, function_start(1, "c1", "g")], [function_call("c0", "f", '{"a": 1}')], "step_details.tool_calls[1]"),
        ([code_piece(0, "x = 1")], [code_call("c0", "x = 1", [])], "step_details.tool_calls[0].id"),
        ([code_start(0, "c0"), code_piece(0, outputs=[logs_piece(0, "ok")])],
         [code_call("c0", "", [logs_output("no")])],
         "step_details.tool_calls[0].code_interpreter.outputs[0].logs"),
    ],
    ids=["lost-arguments", "different-arguments", "lost-name", "missing-call", "extra-call", "lost-id", "logs"],
)
def test_lost_or_corrupted_step_delta_is_a_discrepancy(deltas: Any, calls: Any, path: str) -> None:
    assert path in [d.path for d in _step_discrepancies(deltas, calls)]


@pytest.mark.parametrize(
    ("deltas", "content", "path"),
    [
        ([text_piece(0, "Hel"), text_piece(0, "lo")], [text_part("Hello!")], "content[0].text.value"),
        ([text_piece(0, "Hi")], [text_part("Hi"), refusal_part("no")], "content[1]"),
        ([text_piece(0, "Hi"), refusal_piece(1, "no")], [text_part("Hi")], "content[1]"),
        ([refusal_piece(0, "no")], [text_part("no")], "content[0].type"),
        ([text_piece(0, "Hi", [delta_annotation(0, citation("x", "f1", 0, 1))])],
         [text_part("Hi", [citation("x", "f2", 0, 1)])], "content[0].text.annotations[0].file_citation.file_id"),
        ([text_piece(0, "Hi")], [text_part("Hi", [citation("x", "f", 0, 1)])], "content[0].text.annotations[0]"),
    ],
    ids=["text", "missing-part", "extra-part", "type", "annotation-file", "missing-annotation"],
)
def test_lost_or_corrupted_message_delta_is_a_discrepancy(deltas: Any, content: Any, path: str) -> None:
    assert path in [d.path for d in _message_discrepancies(deltas, content)]


def test_final_only_fields_and_benign_annotation_extras_are_not_discrepancies() -> None:
    annotation = citation("[1]", "file_a", 3, 6)
    assert _message_discrepancies([text_piece(0, "hi [1]", [delta_annotation(0, annotation)])],
                                  [text_part("hi [1]", [annotation])]) == []
    deltas = [function_start(0, "c0", "f"), function_piece(0, "{}"), file_search_start(1, "c1")]
    assert _step_discrepancies(deltas, [function_call("c0", "f", "{}", "result"),
                                        file_search_call("c1", [search_result("file_a")])]) == []


# ---- requires_action, unknown types, outputs -------------------------------------------


def test_requires_action_carries_parsed_and_raw_arguments() -> None:
    acc = started()
    feed(acc, sdelta("step_1", function_start(0, "c0", "f"), function_piece(0, '{"a": [1, "\\n"]}')),
         sdelta("step_1", function_start(1, "c1", "g"), function_piece(1, '{"broken"')))
    notes = feed(acc, ("thread.run.requires_action", requires_action_run(
        [("c0", "f", '{"a": [1, "\\n"]}'), ("c1", "g", '{"broken"')])))
    (action,) = kinds(notes, rs.notifications.RunRequiresAction)
    good, bad = action.tool_calls
    assert (good.id, good.name, good.arguments, good.raw_arguments, good.arguments_error) == (
        "c0", "f", {"a": [1, "\n"]}, '{"a": [1, "\\n"]}', None)
    assert (bad.arguments, bad.raw_arguments) == (None, '{"broken"')
    assert "not valid JSON" in bad.arguments_error
    assert [n.index for n in kinds(notes, rs.notifications.ToolCallDone)] == [0, 1]
    assert acc.discrepancies == []


def test_requires_action_arguments_differing_from_deltas_is_a_discrepancy() -> None:
    acc = started()
    feed(acc, sdelta("step_1", function_start(0, "c0", "f"), function_piece(0, '{"a": 1')),
         ("thread.run.requires_action", requires_action_run([("c0", "f", '{"a": 1}')])))
    assert [(d.path, d.from_deltas, d.authoritative) for d in acc.discrepancies] == [
        ("step_details.tool_calls[0].function.arguments", '{"a": 1', '{"a": 1}')]


def test_unknown_tool_call_and_content_types_are_kept() -> None:
    acc = started(message="msg_1")
    grounding = {"index": 0, "id": "call_b", "type": "bing_grounding", "bing_grounding": {"q": "x"}}
    audio = {"index": 0, "type": "audio", "audio": {"id": "a1"}}
    feed(acc, sdelta("step_1", grounding), mdelta("msg_1", audio), mdelta("msg_1", text_piece(1, "ok")))
    assert acc.tool_call("step_1", 0) == {"id": "call_b", "type": "bing_grounding", "bing_grounding": {"q": "x"}}
    assert acc.content_part("msg_1", 0) == {"type": "audio", "audio": {"id": "a1"}}
    out = acc.to_builtins()
    assert out["steps"][0]["step_details"]["tool_calls"][0]["type"] == "bing_grounding"
    assert [part["type"] for part in out["messages"][0]["content"]] == ["audio", "text"]


SCENARIO = [
    ("thread.run.created", run_obj()),
    ("thread.run.step.created", step_obj("step_1")),
    sdelta("step_1", function_start(0, "c0", "f"), function_piece(0, '{"x": "é\\n"}')),
    sdelta("step_1", code_start(1, "c1"), code_piece(1, "1+1", outputs=[logs_piece(0, "2")])),
    ("thread.run.step.completed", step_obj("step_1", status="completed", tool_calls=[
        function_call("c0", "f", '{"x": "é\\n"}', "ok"), code_call("c1", "1+1", [logs_output("2")])])),
    ("thread.run.step.created", step_obj("step_2", message_id="msg_1")),
    ("thread.message.created", message_obj("msg_1")),
    mdelta("msg_1", text_piece(0, "Hi\n\n", annotations=[]), image_file_piece(1, "file_i")),
    mdelta("msg_1", text_piece(0, "there")),
    ("thread.message.completed", message_obj("msg_1", status="completed", content=[
        text_part("Hi\n\nthere"), image_file_part("file_i")])),
    ("thread.run.step.completed", step_obj("step_2", status="completed", message_id="msg_1")),
    ("thread.run.completed", run_obj("completed", usage=usage())),
]


def test_to_builtins_gives_the_api_shapes() -> None:
    acc = rs.Accumulator()
    feed(acc, *SCENARIO)
    finals = {data["id"]: data for name, data in SCENARIO if not name.endswith((".delta", ".created"))}
    assert acc.to_builtins() == {
        "runs": [finals["run_1"]],
        "steps": [finals["step_1"], finals["step_2"]],
        "messages": [finals["msg_1"]],
    }


def test_update_and_server_sent_events_leave_the_same_state_as_feed() -> None:
    fed, updated, raw = rs.Accumulator(), rs.Accumulator(), rs.Accumulator()
    cut = len(SCENARIO) - 3  # compare mid-stream too, before the authoritative objects
    for position, (name, data) in enumerate([*SCENARIO, ("done", "[DONE]")]):
        text = data if isinstance(data, str) else json.dumps(data)
        notes = fed.feed(rs.decode_event(name, text))
        assert updated.update(rs.decode_event(name, text)) is None
        assert raw.feed(rs.ServerSentEvent(event=name, data=text)) == notes
        if position == cut:
            assert updated.to_builtins() == raw.to_builtins() == fed.to_builtins()
    assert updated.to_builtins() == raw.to_builtins() == fed.to_builtins()
    assert (updated.anomalies, updated.discrepancies, updated.events_fed) == (fed.anomalies, fed.discrepancies, 13)


def test_keep_finished_false_drops_done_objects_after_the_next_event() -> None:
    import runstream

    accumulator = runstream.Accumulator(keep_finished=False)
    done = []
    for path in runstream.sample_stream_paths():
        decoder = runstream.SSEDecoder()
        for sse in decoder.feed(path.read_bytes()):
            for note in accumulator.feed(sse):
                if isinstance(note, (runstream.notifications.StepDone, runstream.notifications.MessageDone)):
                    done.append(type(note).__name__)
                    # Callbacks of the finishing event can still read the object.
                    object_id = getattr(note, "step_id", None) or getattr(note, "message_id", None)
                    assert accumulator.run_step(object_id) or accumulator.message(object_id)
        accumulator.end()
    assert done == ["StepDone", "MessageDone", "StepDone"]
    assert accumulator.run_steps == [] and accumulator.messages == []
    assert accumulator.current_run is not None and accumulator.current_run.status == "completed"
    assert accumulator.discrepancies == [] and accumulator.anomalies == []


def test_events_after_done_are_merged_but_recorded_as_anomalies() -> None:
    import runstream

    accumulator = runstream.Accumulator()
    first, continuation = runstream.sample_stream_paths()
    for sse in runstream.SSEDecoder().feed(first.read_bytes() + continuation.read_bytes()):
        accumulator.feed(sse)
    (ended,) = accumulator.end()
    assert ended.complete  # the run had come to rest (requires_action) before done
    assert {anomaly.kind for anomaly in accumulator.anomalies} == {"event_after_done"}
    assert accumulator.current_run.status == "completed"  # nothing received is lost


def test_many_small_fragments_are_compacted_without_changing_the_value() -> None:
    import sys

    import runstream

    accumulator = runstream.Accumulator()
    accumulator.feed(runstream.decode_event("thread.message.created", '{"id": "m", "status": "in_progress"}'))
    fragments = [f"w{i % 10} " for i in range(20_000)]
    for fragment in fragments:
        accumulator.update(
            runstream.decode_event(
                "thread.message.delta",
                '{"id": "m", "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "%s"}}]}}' % fragment,
            )
        )
    pieces = accumulator._messages["m"].parts[0].pieces
    assert len(pieces) < 20_000 // 64 + 256  # not one str per fragment
    held = sum(sys.getsizeof(piece) for piece in pieces)
    assert held < 2 * len("".join(fragments)) + 64 * 1024
    assert accumulator.message("m").content[0].text.value == "".join(fragments)


# ---- state regressions -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["step", "message"])
def test_step_or_message_leaving_a_terminal_status_is_an_anomaly(kind: str) -> None:
    acc = started(step=None)
    if kind == "step":
        obj = step_obj
        names = ("thread.run.step.created", "thread.run.step.completed", "thread.run.step.in_progress")
    else:
        obj = message_obj  # type: ignore[assignment]
        names = ("thread.message.created", "thread.message.completed", "thread.message.in_progress")
    feed(acc, (names[0], obj("obj_1")), (names[1], obj("obj_1", status="completed")))
    feed(acc, ("thread.message.completed" if kind == "message" else "thread.run.step.completed",
               obj("obj_1", status="completed")))  # the same terminal status again is no regression
    assert acc.anomalies == []
    feed(acc, (names[2], obj("obj_1", status="in_progress")))
    (anomaly,) = acc.anomalies
    assert anomaly.kind == f"{kind}_left_terminal_status"
    assert "'obj_1'" in anomaly.detail and "'completed'" in anomaly.detail and "'in_progress'" in anomaly.detail


def test_a_run_whose_id_is_empty_is_still_the_current_run() -> None:
    acc = rs.Accumulator()
    feed(acc, ("thread.run.created", run_obj(run_id="")), ("thread.run.completed", run_obj("completed", run_id="")))
    assert acc.current_run is not None and acc.current_run.id == ""
    assert acc.run_status == "completed" and acc.is_resting


def test_a_stream_of_a_run_whose_id_is_empty_is_not_said_to_lack_run_events() -> None:
    body = b"".join(
        b"event: " + name.encode() + b"\ndata: " + json.dumps(data).encode() + b"\n\n"
        for name, data in [("thread.run.created", run_obj(run_id="")), ("thread.run.in_progress", run_obj("in_progress", run_id=""))]
    )
    with pytest.raises(rs.IncompleteStreamError) as raised:
        rs.RunStream(body).until_done()
    assert "no run event arrived" not in str(raised.value)
    assert raised.value.last_status == "in_progress"


def test_arguments_equal_to_requires_action_are_then_held_once() -> None:
    # requires_action repeats the arguments the deltas built: the built text is let go and
    # the server's string kept, so huge arguments are not held twice for the rest of the run.
    acc = started()
    arguments = '{"city": "Paris", "days": 3}'
    feed(acc, sdelta("step_1", function_start(0, "call_1", "get_weather")),
         *[sdelta("step_1", function_piece(0, arguments[i : i + 4])) for i in range(0, len(arguments), 4)])
    feed(acc, ("thread.run.requires_action", requires_action_run([("call_1", "get_weather", arguments)])))
    server = acc.current_run.required_action.submit_tool_outputs.tool_calls[0].function.arguments  # type: ignore[union-attr]
    assert acc.tool_call("step_1", 0).function.arguments is server
    assert acc.discrepancies == []
