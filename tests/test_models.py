"""The wire model: JSON shaped like the spec decodes, round-trips and encodes back to the same
JSON; deltas keep absent apart from null; unknown fields, variants and enum values are
tolerated; the Azure dialect decodes."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_strategies import (
    error_json,
    message_delta_json,
    message_json,
    run_json,
    run_step_delta_json,
    run_step_json,
    json_value,
    thread_json,
)

import runstream
from runstream import UNSET, Message, Run, RunStep, decode_event
from runstream.types import (
    ErrorObject,
    MessageDeltaEvent,
    RunStepDeltaEvent,
    Thread,
    UnknownObject,
    extra_fields,
)
from runstream._models.exact import convert_exact

MODELS = [
    pytest.param(Run, run_json, id="Run"),
    pytest.param(RunStep, run_step_json, id="RunStep"),
    pytest.param(Message, message_json, id="Message"),
    pytest.param(Thread, thread_json, id="Thread"),
    pytest.param(ErrorObject, error_json, id="ErrorObject"),
    pytest.param(RunStepDeltaEvent, run_step_delta_json, id="RunStepDeltaEvent"),
    pytest.param(MessageDeltaEvent, message_delta_json, id="MessageDeltaEvent"),
]


# ---- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize(("model", "strategy"), MODELS)
@given(data=st.data())  # the fast profile's 50 examples; the slow copy below draws 2,000
def test_spec_shaped_json_decodes_and_round_trips(
    model: type, strategy: Any, data: st.DataObject
) -> None:
    wire = data.draw(strategy)
    decoded = msgspec.json.decode(msgspec.json.encode(wire), type=model)
    assert msgspec.json.decode(msgspec.json.encode(decoded), type=model) == decoded
    if model in (RunStepDeltaEvent, MessageDeltaEvent):
        # A delta's null members read None like absent ones and are not encoded.
        wire = without_nulls(wire)
    # Every field survives under its wire name: the object encodes back to the same JSON
    # (whole objects through the exact conversion that decode_event uses for them).
    if model in WHOLE_OBJECTS:
        decoded = convert_exact(wire, model)
    assert msgspec.json.decode(msgspec.json.encode(decoded)) == wire


@pytest.mark.slow
@pytest.mark.parametrize(("model", "strategy"), MODELS)
@settings(max_examples=800, deadline=None)
@given(data=st.data())
def test_spec_shaped_json_round_trips_thoroughly(
    model: type, strategy: Any, data: st.DataObject
) -> None:
    wire = data.draw(strategy)
    decoded = msgspec.json.decode(msgspec.json.encode(wire), type=model)
    if model in WHOLE_OBJECTS:
        decoded = convert_exact(wire, model)
    if model in (RunStepDeltaEvent, MessageDeltaEvent):
        wire = without_nulls(wire)  # a delta's null members read None and are not encoded
    assert msgspec.json.decode(msgspec.json.encode(decoded)) == wire


WHOLE_OBJECTS = (Run, RunStep, Message, Thread)


def without_nulls(value: Any) -> Any:
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    return value
#: Keys a mutation never drops: without them the object is another variant, or invalid
#: (a function tool requires its `function`).
_KEPT = {"id", "type", "name", "index", "function"}


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with, at every level, some keys left out and some unknown keys added."""
    if isinstance(value, list):
        return [draw(mutated(item, depth + 1)) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key not in _KEPT and draw(st.booleans()):
            continue
        result[key] = draw(mutated(item, depth + 1))
    extra = draw(st.dictionaries(st.from_regex(r"x_[a-z]{1,5}", fullmatch=True), json_value, max_size=2))
    result.update(extra)
    return result


@pytest.mark.parametrize(
    ("model", "strategy"), [param for param in MODELS if param.values[0] in (Run, RunStep, Message, Thread)]
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_whole_objects_keep_exactly_the_keys_sent(model: type, strategy: Any, data: st.DataObject) -> None:
    # Documented keys left out stay out, unknown keys at any level are kept (and readable).
    check_keys_kept(model, data.draw(mutated(data.draw(strategy))))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "strategy"), [param for param in MODELS if param.values[0] in (Run, RunStep, Message, Thread)]
)
@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_whole_objects_keep_exactly_the_keys_sent_thoroughly(model: type, strategy: Any,
                                                             data: st.DataObject) -> None:
    check_keys_kept(model, data.draw(mutated(data.draw(strategy))))


def check_keys_kept(model: type, wire: dict[str, Any]) -> None:
    decoded = decode_event(_EVENT_BY_MODEL[model], msgspec.json.encode(wire)).data
    assert isinstance(decoded, model)
    assert msgspec.json.decode(msgspec.json.encode(decoded)) == wire
    assert msgspec.to_builtins(decoded) == wire
    assert extra_fields(decoded) == {key: value for key, value in wire.items() if key.startswith("x_")}
    assert list(extra_fields(decoded)) == [key for key in wire if key.startswith("x_")]


_EVENT_BY_MODEL = {
    Run: "thread.run.created",
    RunStep: "thread.run.step.created",
    Message: "thread.message.created",
    Thread: "thread.created",
}


def test_round_trip_keeps_typed_variants() -> None:
    step = msgspec.json.decode(
        b'{"id":"s","step_details":{"type":"tool_calls","tool_calls":[{"id":"c","type":"file_search",'
        b'"file_search":{"ranking_options":{"ranker":"auto","score_threshold":0.5},"results":'
        b'[{"file_id":"f","file_name":"a.txt","score":0.9,"content":[{"type":"text","text":"hi"}]}]}}]}}',
        type=RunStep,
    )
    (call,) = step.step_details.tool_calls
    assert isinstance(call, runstream.types.FileSearchToolCall)
    assert call.file_search.ranking_options.score_threshold == 0.5
    assert call.file_search.results[0].content[0].text == "hi"


# ---- absent versus null in deltas ------------------------------------------------------


def step_delta_function(function: str) -> runstream.types.FunctionDelta:
    raw = (
        '{"id":"s","delta":{"step_details":{"type":"tool_calls",'
        '"tool_calls":[{"index":0,"type":"function","function":%s}]}}}'
    )
    event = msgspec.json.decode(raw % function, type=RunStepDeltaEvent)
    return event.delta.step_details.tool_calls[0].function


def test_delta_fields_read_none_when_absent_or_null() -> None:
    # Optional in what users see: `if delta.x is not None` is the test, as in openai-python.
    assert step_delta_function('{"name":"f","arguments":"","output":null}').output is None
    assert step_delta_function('{"arguments":"{\\""}').output is None
    assert step_delta_function('{"output":"42"}').output == "42"


def test_delta_encodes_only_the_fields_it_carries() -> None:
    assert msgspec.json.encode(step_delta_function('{"arguments":"x"}')) == b'{"arguments":"x"}'
    assert msgspec.json.encode(step_delta_function('{"output":null}')) == b"{}"


def test_delta_text_without_annotations_differs_from_empty_annotations() -> None:
    raw = '{"id":"m","delta":{"content":[{"index":0,"type":"text","text":%s}]}}'
    first = msgspec.json.decode(raw % '{"value":"Hi","annotations":[]}', type=MessageDeltaEvent)
    later = msgspec.json.decode(raw % '{"value":" there"}', type=MessageDeltaEvent)
    assert first.delta.content[0].text.annotations == []
    assert later.delta.content[0].text.annotations is None
    assert later.delta.role is None


# ---- forward compatibility -------------------------------------------------------------

FREE_FORM = {"metadata", "parameters", "schema", "tool_resources"}


def with_unknown_fields(value: Any) -> Any:
    """Add an unknown member to every object the model defines (not to free-form maps)."""
    if isinstance(value, list):
        return [with_unknown_fields(item) for item in value]
    if isinstance(value, dict):
        out = {
            key: item if key in FREE_FORM else with_unknown_fields(item)
            for key, item in value.items()
        }
        out["x_future_field"] = {"nested": [1, None]}
        return out
    return value


@pytest.mark.parametrize(("model", "strategy"), MODELS)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_unknown_fields_are_ignored_everywhere(
    model: type, strategy: Any, data: st.DataObject
) -> None:
    wire = data.draw(strategy)
    expected = msgspec.json.decode(msgspec.json.encode(wire), type=model)
    if model in (RunStepDeltaEvent, MessageDeltaEvent):
        # Deltas forbid unknown fields in the typed decode; decode_event keeps them aside.
        name = "thread.run.step.delta" if model is RunStepDeltaEvent else "thread.message.delta"
        decoded = decode_event(name, msgspec.json.encode(with_unknown_fields(wire))).data
        assert isinstance(decoded, model)
        assert msgspec.to_builtins(decoded) == msgspec.to_builtins(expected)
        return
    assert (
        msgspec.json.decode(msgspec.json.encode(with_unknown_fields(wire)), type=model) == expected
    )


# An unknown variant; it carries `index` so it also stands in for an unknown delta variant.
NEW_VARIANT = {
    "type": "bing_grounding",
    "id": "c9",
    "bing_grounding": {"url": "https://b"},
    "index": 0,
}


def insert_unknown(items: list[Any], position: int) -> list[Any]:
    return [*items[:position], dict(NEW_VARIANT), *items[position:]]


def check_unknown_kept(
    event_name: str, wire: dict[str, Any], unknown: Any, siblings: list[Any], typed: type
) -> Any:
    assert isinstance(unknown, UnknownObject)
    assert unknown == NEW_VARIANT and unknown.type == "bing_grounding"
    assert all(isinstance(item, typed) for item in siblings if item is not unknown)
    event = decode_event(event_name, msgspec.json.encode(wire))
    assert msgspec.json.decode(msgspec.json.encode(event.data)) == wire


@settings(max_examples=60, deadline=None)
@given(run_json, st.integers(0, 4))
def test_unknown_run_tool_type_is_kept_raw_beside_typed_tools(
    wire: dict[str, Any], position: int
) -> None:
    position = min(position, len(wire["tools"]))
    wire["tools"] = insert_unknown(wire["tools"], position)
    tools = decode_event("thread.run.created", msgspec.json.encode(wire)).data.tools
    check_unknown_kept("thread.run.created", wire, tools[position], tools, runstream.types.Tool.__args__)


@settings(max_examples=60, deadline=None)
@given(run_step_json, st.integers(0, 3))
def test_unknown_tool_call_type_is_kept_raw_beside_typed_calls(
    wire: dict[str, Any], position: int
) -> None:
    known = wire["step_details"].get("tool_calls", [])
    position = min(position, len(known))
    wire["type"] = "tool_calls"
    wire["step_details"] = {"type": "tool_calls", "tool_calls": insert_unknown(known, position)}
    calls = decode_event(
        "thread.run.step.completed", msgspec.json.encode(wire)
    ).data.step_details.tool_calls
    check_unknown_kept(
        "thread.run.step.completed", wire, calls[position], calls, runstream.types.ToolCall.__args__
    )


@settings(max_examples=60, deadline=None)
@given(message_json, st.integers(0, 4))
def test_unknown_content_part_type_is_kept_raw_beside_typed_parts(
    wire: dict[str, Any], position: int
) -> None:
    position = min(position, len(wire["content"]))
    wire["content"] = insert_unknown(wire["content"], position)
    content = decode_event("thread.message.completed", msgspec.json.encode(wire)).data.content
    check_unknown_kept(
        "thread.message.completed", wire, content[position], content, runstream.types.ContentPart.__args__
    )


NEW = msgspec.json.encode(NEW_VARIANT).decode()


def test_unknown_annotation_type_is_kept_raw_beside_typed_annotations() -> None:
    citation = (
        '{"type":"file_citation","text":"[1]","file_citation":{"file_id":"f"},"start_index":0}'
    )
    wire = '{"id":"m","content":[{"type":"text","text":{"value":"x","annotations":[%s,%s]}}]}'
    message = decode_event("thread.message.completed", wire % (citation, NEW)).data
    annotations = message.content[0].text.annotations
    assert isinstance(annotations[0], runstream.types.FileCitationAnnotation)
    assert isinstance(annotations[1], UnknownObject) and annotations[1] == NEW_VARIANT
    assert message.status is None  # absent fields keep their defaults on the lenient path


def test_unknown_code_interpreter_output_type_is_kept_raw() -> None:
    wire = (
        '{"id":"s","step_details":{"type":"tool_calls","tool_calls":[{"id":"c",'
        '"type":"code_interpreter","code_interpreter":{"input":"1+1","outputs":'
        '[{"type":"logs","logs":"2"},%s]}}]}}'
    )
    step = decode_event("thread.run.step.completed", wire % NEW).data
    outputs = step.step_details.tool_calls[0].code_interpreter.outputs
    assert isinstance(outputs[0], runstream.types.CodeInterpreterOutputLogs)
    assert isinstance(outputs[1], UnknownObject) and outputs[1] == NEW_VARIANT


def test_unknown_step_details_type_is_kept_raw() -> None:
    wire = f'{{"id":"s","type":"new_step","step_details":{NEW},"status":"in_progress"}}'
    step = decode_event("thread.run.step.created", wire).data
    assert isinstance(step.step_details, UnknownObject) and step.step_details == NEW_VARIANT
    assert msgspec.json.decode(msgspec.json.encode(step))["step_details"] == NEW_VARIANT


def get(value: Any, path: str) -> Any:
    for step in path.split("."):
        value = value[int(step)] if step.isdigit() else getattr(value, step)
    return value


@pytest.mark.parametrize(
    ("event_name", "wire", "path"),
    [
        (
            "thread.run.step.delta",
            '{"id":"s","delta":{"step_details":{"type":"tool_calls","tool_calls":'
            '[{"index":0,"type":"function","function":{"arguments":"{"}},%s]}}}',
            "delta.step_details.tool_calls",
        ),
        (
            "thread.message.delta",
            '{"id":"m","delta":{"content":[{"index":0,"type":"text"},%s]}}',
            "delta.content",
        ),
        (
            "thread.message.delta",
            '{"id":"m","delta":{"content":[{"index":0,"type":"text","text":'
            '{"annotations":[{"index":0,"type":"file_path"},%s]}}]}}',
            "delta.content.0.text.annotations",
        ),
    ],
    ids=["tool call delta", "content delta", "annotation delta"],
)
def test_unknown_variants_in_deltas_are_kept_raw(event_name: str, wire: str, path: str) -> None:
    value = get(decode_event(event_name, wire % NEW).data, path)
    assert not isinstance(value[0], UnknownObject) and value[0].index == 0
    assert isinstance(value[1], UnknownObject) and value[1] == NEW_VARIANT


@pytest.mark.parametrize(
    ("model", "wire", "path", "value"),
    [
        (Run, '{"id":"r","status":"paused"}', "status", "paused"),
        (Run, '{"id":"r","last_error":{"code":"tool_user_error","message":"m"}}', "last_error.code",
         "tool_user_error"),
        (RunStep, '{"id":"s","last_error":{"code":"new_code","message":"m"}}', "last_error.code",
         "new_code"),
        (Run, '{"id":"r","incomplete_details":{"reason":"new"}}', "incomplete_details.reason",
         "new"),
        (Message, '{"id":"m","status":"archived","role":"system"}', "status", "archived"),
        (Run, '{"id":"r","tools":[{"type":"file_search","file_search":{"ranking_options":'
         '{"ranker":"bm25_2030","score_threshold":0}}}]}',
         "tools.0.file_search.ranking_options.ranker", "bm25_2030"),
    ],
    ids=["status", "last_error code", "step error code", "reason", "message status", "ranker"],
)  # fmt: skip
def test_growing_enums_accept_unknown_strings(
    model: type, wire: str, path: str, value: str
) -> None:
    assert get(msgspec.json.decode(wire, type=model), path) == value


# ---- Azure dialect ---------------------------------------------------------------------


@pytest.mark.parametrize("model", [Run, RunStep, Message])
def test_azure_agent_id_is_kept_and_assistant_id_is_not_invented(model: type) -> None:
    decoded = msgspec.json.decode(b'{"id": "x", "agent_id": "asst_azure"}', type=model)
    assert (decoded.assistant_id, decoded.agent_id) == (None, "asst_azure")
    both = msgspec.json.decode(b'{"id": "x", "assistant_id": "a", "agent_id": "b"}', type=model)
    assert (both.assistant_id, both.agent_id) == ("a", "b")


def test_azure_agent_id_through_decode_event_encodes_back_without_assistant_id() -> None:
    event = decode_event("thread.run.created", '{"id": "r", "agent_id": "asst_1"}')
    assert (event.data.assistant_id, event.data.agent_id) == (None, "asst_1")
    assert msgspec.json.decode(msgspec.json.encode(event.data)) == {"id": "r", "agent_id": "asst_1"}


def test_a_whole_object_equals_the_same_values_however_it_was_decoded() -> None:
    # Exact objects are of a class made for their keys; equality is by what they read.
    wire = {"type": "function", "function": {"name": "f", "parameters": {}}}
    plain = msgspec.convert(wire, runstream.types.FunctionTool)
    exact = convert_exact(wire, runstream.types.FunctionTool)
    assert type(exact.function) is not type(plain.function)
    assert exact == plain and not exact != plain and [exact] == [plain]
    other = convert_exact({**wire, "function": {"name": "g"}}, runstream.types.FunctionTool)
    assert other != plain and not other == plain
    with_extra = convert_exact({**wire, "x_note": 1}, runstream.types.FunctionTool)
    assert with_extra != plain and extra_fields(with_extra) == {"x_note": 1}


@st.composite
def rarely_mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with now and then a key left out or an unknown key added: most objects in it
    stay complete (exactly their documented keys), some do not."""
    if isinstance(value, list):
        return [draw(rarely_mutated(item)) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key not in _KEPT and draw(st.integers(0, 9)) == 0:
            continue
        result[key] = draw(rarely_mutated(item))
    if draw(st.integers(0, 9)) == 0:
        result["x_extra"] = draw(json_value)
    return result


@pytest.mark.parametrize(
    ("model", "strategy"), [param for param in MODELS if param.values[0] in (Run, RunStep, Message, Thread)]
)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_exact_conversion_of_complete_objects_in_c_equals_the_walk(model: type, strategy: Any, data: st.DataObject) -> None:
    # Objects that carry exactly their documented keys are converted by msgspec in one go;
    # the result must be what the key-by-key walk builds, class for class.
    from runstream._models import exact

    wire = data.draw(rarely_mutated(data.draw(strategy)))
    in_c = exact._convert_complete
    exact._convert_complete = lambda value, annotation: exact._NOT_COMPLETE  # the walk alone
    try:
        walked = exact._convert(wire, model, "$")
    except msgspec.ValidationError as error:
        walked = error
    finally:
        exact._convert_complete = in_c
    if isinstance(walked, msgspec.ValidationError):
        with pytest.raises(msgspec.ValidationError) as raised:
            convert_exact(wire, model)
        assert str(raised.value) == str(walked)
        return
    converted = convert_exact(wire, model)
    assert converted == walked

    def classes(obj: Any) -> Any:
        if isinstance(obj, msgspec.Struct):
            return (type(obj), [classes(getattr(obj, name)) for name in obj.__struct_fields__])
        if isinstance(obj, (list, tuple)):
            return [classes(item) for item in obj]
        if isinstance(obj, dict):
            return (type(obj), {key: classes(item) for key, item in obj.items()})
        return type(obj)

    assert classes(converted) == classes(walked)
    assert msgspec.json.encode(converted) == msgspec.json.encode(walked)


@pytest.mark.parametrize("key", ['a\nb', 'quote"d', "back\\slash", "\x00"])
def test_a_member_name_no_struct_can_carry_is_a_decode_error_not_a_crash(key: str) -> None:
    """msgspec cannot name a field with a control character, a quote or a backslash, so a
    whole object with such a member cannot be kept exactly: the event fails with a
    StreamDecodeError naming it, never an internal error."""
    data = msgspec.json.encode({"id": "run_1", key: 1}).decode()
    with pytest.raises(runstream.StreamDecodeError, match="cannot be kept"):
        decode_event("thread.run.created", data)


@st.composite
def top_level_mutated(draw: Any, value: dict[str, Any]) -> dict[str, Any]:
    """``value`` with some of its own keys left out and unknown ones added (nothing inside
    changed): the shape the C path of the exact conversion takes."""
    result = {key: item for key, item in value.items() if key in _KEPT or draw(st.booleans())}
    result.update(draw(st.dictionaries(st.from_regex(r"x_[a-z]{1,5}", fullmatch=True), json_value, max_size=2)))
    return result


def walked(model: type, wire: dict[str, Any]) -> Any:
    """``convert_exact`` with its C path refused: the walk alone."""
    from runstream._models import exact

    def refuse(*arguments: Any) -> Any:
        raise msgspec.ValidationError("refused")

    original = exact._complete_shape
    exact._complete_shape = refuse  # type: ignore[assignment]
    try:
        return exact.convert_exact(wire, model)
    finally:
        exact._complete_shape = original  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("model", "strategy"), [param for param in MODELS if param.values[0] in (Run, RunStep, Message, Thread)]
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_exact_conversion_in_c_builds_what_the_walk_builds(model: type, strategy: Any, data: st.DataObject) -> None:
    from runstream._models.exact import convert_exact

    wire = data.draw(st.one_of(top_level_mutated(data.draw(strategy)), mutated(data.draw(strategy))))
    try:
        expected = walked(model, wire)
    except msgspec.ValidationError as error:
        with pytest.raises(msgspec.ValidationError) as raised:
            convert_exact(wire, model)
        assert str(raised.value) == str(error)
        return
    converted = convert_exact(wire, model)
    assert type(converted).__mro__[1:] == type(expected).__mro__[1:]
    assert msgspec.to_builtins(converted) == msgspec.to_builtins(expected) == wire
    assert extra_fields(converted) == extra_fields(expected)
    assert converted == expected


def test_a_run_without_agent_id_is_converted_in_c() -> None:
    from runstream._models import exact

    wire = {key: value for key, value in msgspec.to_builtins(Run(id="run_1")).items() if key != "agent_id"}
    wire["x_trace"] = "t1"
    walks = []
    original = exact._convert

    def counting(*arguments: Any) -> Any:
        walks.append(arguments[1])
        return original(*arguments)

    exact._convert = counting  # type: ignore[assignment]
    try:
        run = exact.convert_exact(wire, Run)
    finally:
        exact._convert = original  # type: ignore[assignment]
    assert walks == [Run]  # the root only: no field walked one by one
    assert msgspec.to_builtins(run) == wire and extra_fields(run) == {"x_trace": "t1"}


# ---- whole objects decoded straight from their JSON -------------------------------------


def class_tree(obj: Any) -> Any:
    """The class of ``obj`` and of everything in it; a shape class by what makes it (its
    documented class, fields and extra members: a class evicted from the cache of shapes is
    made again, as another class object)."""
    if isinstance(obj, msgspec.Struct):
        cls = type(obj)
        shape = (cls.__mro__[1], cls.__struct_fields__, getattr(cls, "__extra_fields__", ())) \
            if "__extra_fields__" in cls.__dict__ else cls
        return (shape, [class_tree(getattr(obj, name)) for name in obj.__struct_fields__])
    if isinstance(obj, (list, tuple)):
        return [class_tree(item) for item in obj]
    if isinstance(obj, dict):
        return (type(obj), {key: class_tree(item) for key, item in obj.items()})
    return type(obj)


@st.composite
def whole_object_json(draw: st.DrawFn, strategy: Any) -> bytes:
    """The JSON of a whole object: as documented, with keys left out or added at its top or at
    any level, now and then a member of the wrong type or a key repeated."""
    wire = draw(st.one_of(strategy, top_level_mutated(draw(strategy)), mutated(draw(strategy)),
                          rarely_mutated(draw(strategy))))
    if wire and draw(st.integers(0, 4)) == 0:
        wire[draw(st.sampled_from(sorted(wire)))] = draw(st.sampled_from([7, [1], "text", {"x": 1}, None]))
    encoded = msgspec.json.encode(wire)
    if wire and draw(st.integers(0, 4)) == 0:
        key = draw(st.sampled_from(sorted(wire)))
        repeated = msgspec.json.encode({key: draw(json_value)})[1:-1]
        encoded = encoded[:-1] + b"," + repeated + b"}"  # the later value counts, as in any decode
    return encoded


@pytest.mark.parametrize(
    ("model", "strategy"), [param for param in MODELS if param.values[0] in (Run, RunStep, Message, Thread)]
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_whole_object_decoded_from_its_json_is_what_converting_the_plain_json_builds(
        model: type, strategy: Any, data: st.DataObject) -> None:
    from runstream._models.exact import decode_exact

    # Several in a row, as a stream sends them: each is tried first as the shape the last
    # one had, which must never decide what it becomes.
    for encoded in data.draw(st.lists(whole_object_json(strategy), min_size=1, max_size=3)):
        try:
            expected = convert_exact(msgspec.json.decode(encoded), model)
        except msgspec.ValidationError as error:
            with pytest.raises(msgspec.ValidationError) as raised:
                decode_exact(encoded, model)
            assert str(raised.value) == str(error)
            continue
        for data_form in (encoded, encoded.decode()):
            decoded = decode_exact(data_form, model)
            assert class_tree(decoded) == class_tree(expected)
            assert msgspec.json.encode(decoded) == msgspec.json.encode(expected)
            assert extra_fields(decoded) == extra_fields(expected)
            assert decoded == expected


def test_objects_of_the_last_shape_are_decoded_with_no_pass_over_their_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from runstream._models import exact

    monkeypatch.setattr(exact, "_last_shapes", {})  # whatever other tests decoded last

    full = msgspec.to_builtins(Run(id="run_1"))
    less = {key: value for key, value in full.items() if key != "metadata"}
    more = {**full, "x_region": "eu"}
    key_passes = []
    original = exact._TOP_LEVEL

    class Counting:
        def decode(self, data: Any) -> Any:
            key_passes.append(data)
            return original.decode(data)

    exact._TOP_LEVEL = Counting()  # type: ignore[assignment]
    try:
        decoded = []
        # Each change of keys (one left out, one added, one back) is found and decoded as
        # converting its plain JSON does; the same keys again take no pass over them. A shape
        # with extra keys is not the one tried first (their order is the server's).
        for wire, passes in ((full, 1), (full, 0), (less, 1), (less, 0), (full, 1), (more, 1), (more, 1), (full, 0)):
            before = len(key_passes)
            run = exact.decode_exact(msgspec.json.encode(wire), Run)
            assert len(key_passes) - before == passes
            assert msgspec.to_builtins(run) == wire and list(msgspec.to_builtins(run)) == list(wire)
            assert class_tree(run) == class_tree(convert_exact(wire, Run))
            decoded.append(run)
    finally:
        exact._TOP_LEVEL = original  # type: ignore[assignment]
    assert extra_fields(decoded[5]) == {"x_region": "eu"} and extra_fields(decoded[7]) == {}


@pytest.mark.parametrize("data", [b"[]", b'"run"', b"1", b"{", b'{"id": "run_1",}', b""])
def test_a_whole_object_that_is_not_one_fails_as_the_plain_decode_does(data: bytes) -> None:
    from runstream._models.exact import decode_exact

    with pytest.raises((msgspec.DecodeError, msgspec.ValidationError)) as expected:
        convert_exact(msgspec.json.decode(data), Run)
    with pytest.raises(type(expected.value)) as raised:
        decode_exact(data, Run)
    assert str(raised.value) == str(expected.value)


def test_a_run_repeating_many_calls_is_decoded_without_the_plain_json_and_untracked() -> None:
    # requires_action repeats every call of the step. Decoded as plain JSON first, its
    # thousands of dicts outlive enough allocations for the cycle collector to move them to
    # its oldest generation and bring on a full collection of the whole process; and tracked
    # calls would make every later full collection longer.
    import gc

    from runstream._models import exact

    calls = [{"id": f"call_{index}", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
             for index in range(2_000)]
    wire = msgspec.to_builtins(Run(id="run_1"))
    del wire["metadata"]  # a key of its own left out, as servers do
    wire["status"] = "requires_action"
    wire["required_action"] = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}}
    wire["x_region"] = "eu"
    plain_decodes = []
    original = exact._plain_json

    class Counting:
        def decode(self, data: Any) -> Any:
            plain_decodes.append(data)
            return original.decode(data)

    exact._plain_json = Counting()  # type: ignore[assignment]
    try:
        run = decode_event("thread.run.requires_action", msgspec.json.encode(wire)).data
    finally:
        exact._plain_json = original
    assert plain_decodes == []
    assert msgspec.to_builtins(run) == wire and extra_fields(run) == {"x_region": "eu"}
    held = run.required_action.submit_tool_outputs.tool_calls
    assert len(held) == 2_000
    assert not any(gc.is_tracked(obj) for obj in (run, run.required_action, held[0], held[-1], held[0].function))
