"""decode_event and EventDecoder: every event name to its typed class, done, error, aliases,
unknown events, and decode errors that say which event failed, where, and why."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import runstream
import runstream.events
from runstream import (
    EventDecoder,
    Message,
    Run,
    RunStep,
    ServerSentEvent,
    StreamDecodeError,
    decode_event,
)
from runstream.events import DoneEvent, ErrorEvent, ThreadMessageDelta, UnknownEvent
from runstream.types import ErrorObject, MessageDeltaEvent, RunStepDeltaEvent, Thread

THREAD = '{"id":"thread_1","object":"thread","created_at":1,"tool_resources":null,"metadata":{}}'
RUN = (
    '{"id":"run_1","object":"thread.run","created_at":1,"thread_id":"thread_1","assistant_id":"asst_1",'
    '"status":"%s","required_action":null,"last_error":null,"model":"gpt-4o","instructions":"",'
    '"tools":[{"type":"code_interpreter"}],"metadata":{},"usage":null,"parallel_tool_calls":true}'
)
STEP = (
    '{"id":"step_1","object":"thread.run.step","created_at":1,"run_id":"run_1","assistant_id":"asst_1",'
    '"thread_id":"thread_1","type":"message_creation","status":"%s",'
    '"step_details":{"type":"message_creation","message_creation":{"message_id":"msg_1"}}}'
)
STEP_DELTA = (
    '{"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":{"type":"tool_calls",'
    '"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"","output":null}}]}}}'
)
MESSAGE = (
    '{"id":"msg_1","object":"thread.message","created_at":1,"thread_id":"thread_1","status":"%s",'
    '"role":"assistant","content":[{"type":"text","text":{"value":"Hi","annotations":[]}}]}'
)
MESSAGE_DELTA = (
    '{"id":"msg_1","object":"thread.message.delta","delta":{"content":'
    '[{"index":0,"type":"text","text":{"value":"Hello","annotations":[]}}]}}'
)
ERROR = '{"code":null,"message":"Sorry, something went wrong.","param":null,"type":"server_error"}'

RUN_STATUS = {
    "created": "queued",
    "queued": "queued",
    "in_progress": "in_progress",
    "requires_action": "requires_action",
    "completed": "completed",
    "incomplete": "incomplete",
    "failed": "failed",
    "cancelling": "cancelling",
    "cancelled": "cancelled",
    "expired": "expired",
}
STEP_STATUS = {
    "created": "in_progress",
    "in_progress": "in_progress",
    "completed": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
    "expired": "expired",
}
MESSAGE_STATUS = {
    "created": "in_progress",
    "in_progress": "in_progress",
    "completed": "completed",
    "incomplete": "incomplete",
}


def class_name(event: str) -> str:
    return "".join(part.title().replace("_", "") for part in event.replace("_", ".").split("."))


def _cases() -> list[Any]:
    cases = [("thread.created", "ThreadCreated", Thread, THREAD)]
    for suffix, status in RUN_STATUS.items():
        cases.append(
            (f"thread.run.{suffix}", class_name(f"thread.run.{suffix}"), Run, RUN % status)
        )
    for suffix, status in STEP_STATUS.items():
        cases.append(
            (
                f"thread.run.step.{suffix}",
                class_name(f"thread.run.step.{suffix}"),
                RunStep,
                STEP % status,
            )
        )
    cases.append(("thread.run.step.delta", "ThreadRunStepDelta", RunStepDeltaEvent, STEP_DELTA))
    for suffix, status in MESSAGE_STATUS.items():
        cases.append(
            (
                f"thread.message.{suffix}",
                class_name(f"thread.message.{suffix}"),
                Message,
                MESSAGE % status,
            )
        )
    cases.append(("thread.message.delta", "ThreadMessageDelta", MessageDeltaEvent, MESSAGE_DELTA))
    cases.append(("error", "ErrorEvent", ErrorObject, ERROR))
    return [pytest.param(*case, id=case[0]) for case in cases]


CASES = _cases()


def test_cases_cover_all_24_json_events() -> None:
    names = [case.values[0] for case in CASES]
    assert len(set(names)) == 24
    assert (
        sum(
            name.startswith("thread.run.") and not name.startswith("thread.run.step.")
            for name in names
        )
        == 10
    )
    assert sum(name.startswith("thread.run.step.") for name in names) == 7
    assert sum(name.startswith("thread.message.") for name in names) == 5


@pytest.mark.parametrize(("name", "cls_name", "data_type", "data"), CASES)
def test_decode_event_gives_the_typed_event_class(
    name: str, cls_name: str, data_type: type, data: str
) -> None:
    cls = getattr(runstream.events, cls_name)
    event = decode_event(name, data)
    assert type(event) is cls
    assert cls.event == name
    # Whole objects are instances of a subclass made for the keys they carry.
    assert isinstance(event.data, data_type)
    assert event.data == msgspec.json.decode(data, type=data_type)


@pytest.mark.parametrize(("name", "cls_name", "data_type", "data"), CASES)
def test_event_decoder_decodes_server_sent_events(
    name: str, cls_name: str, data_type: type, data: str
) -> None:
    event = EventDecoder().decode(ServerSentEvent(event=name, data=data, offset=7))
    assert type(event) is getattr(runstream.events, cls_name)
    assert event == decode_event(name, data.encode())


def test_decoded_data_carries_the_payload() -> None:
    run = decode_event("thread.run.requires_action", RUN % "requires_action").data
    assert (run.id, run.status, run.tools) == (
        "run_1",
        "requires_action",
        [runstream.types.CodeInterpreterTool()],
    )
    call = decode_event("thread.run.step.delta", STEP_DELTA).data.delta.step_details.tool_calls[0]
    assert (call.id, call.function.name, call.function.output) == ("call_1", "f", None)


def test_sse_stream_end_to_end_through_both_decoders() -> None:
    run = RUN % "queued"
    stream = f"event: thread.run.created\ndata: {run}\n\nevent: done\ndata: [DONE]\n\n".encode()
    decoder = EventDecoder()
    events = [decoder.decode(sse) for sse in runstream.SSEDecoder().feed(stream)]
    assert [type(event) for event in events] == [runstream.events.ThreadRunCreated, DoneEvent]
    assert decoder.ordinal == 2


# ---- done ------------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["[DONE]", b"[DONE]"])
def test_done_gives_done_event(data: str | bytes) -> None:
    event = decode_event("done", data)
    assert event == DoneEvent("[DONE]")
    assert DoneEvent.event == "done"


def test_done_data_is_never_json_decoded() -> None:
    # "[DONE" is not JSON: any attempt to decode it would raise.
    assert decode_event("done", "[DONE").data == "[DONE"
    assert isinstance(
        EventDecoder().decode(ServerSentEvent(event="done", data="{not json")), DoneEvent
    )


def test_bare_done_data_without_event_name_is_done() -> None:
    assert decode_event("message", "[DONE]") == DoneEvent()


# ---- error -----------------------------------------------------------------------------


def test_error_event_accepts_the_bare_error_object() -> None:
    event = decode_event("error", ERROR)
    assert type(event) is ErrorEvent and ErrorEvent.event == "error"
    assert (event.data.code, event.data.message, event.data.param, event.data.type) == (
        None,
        "Sorry, something went wrong.",
        None,
        "server_error",
    )


def test_error_event_accepts_the_error_envelope() -> None:
    event = decode_event(
        "error",
        '{"error": {"code": "rate_limit_exceeded", "message": "slow down", "param": "p",'
        ' "type": "requests"}}',
    )
    assert (event.data.code, event.data.message, event.data.param, event.data.type) == (
        "rate_limit_exceeded",
        "slow down",
        "p",
        "requests",
    )


def test_error_event_ignores_unknown_members_like_misalignment() -> None:
    event = decode_event(
        "error", '{"code":"c","message":"m","param":null,"type":"t","misalignment":{"x":1}}'
    )
    assert event.data.code == "c"


def test_error_event_with_plain_text_data_keeps_the_text() -> None:
    assert decode_event("error", "upstream timed out\n").data.message == "upstream timed out"


# ---- aliases and unknown events --------------------------------------------------------


def test_azure_thread_message_chunk_decodes_as_thread_message_delta() -> None:
    event = decode_event("thread.message.chunk", MESSAGE_DELTA)
    assert type(event) is ThreadMessageDelta
    assert event.event == "thread.message.delta"
    assert event.data.delta.content[0].text.value == "Hello"


@pytest.mark.parametrize("data", ['{"id": "x"}', b'{"id": "x"}', "not json at all"])
def test_unknown_event_name_gives_unknown_event_with_raw_data(data: str | bytes) -> None:
    event = decode_event("thread.run.step.thinking", data)
    assert event == UnknownEvent(
        "thread.run.step.thinking", data if isinstance(data, str) else data.decode()
    )


def test_unknown_event_json_decodes_its_data_on_request() -> None:
    assert decode_event("thread.future", '{"a": [1]}').json() == {"a": [1]}


# ---- decode errors ---------------------------------------------------------------------


def test_bad_json_names_event_ordinal_offset_and_a_preview() -> None:
    decoder = EventDecoder()
    for _ in range(3):
        decoder.decode(ServerSentEvent(event="thread.run.created", data=RUN % "queued"))
    with pytest.raises(StreamDecodeError) as caught:
        decoder.decode(
            ServerSentEvent(
                event="thread.message.delta", data='{"id": "msg_1", "delta": {', offset=1234
            )
        )
    error = caught.value
    assert (error.event, error.ordinal, error.offset) == ("thread.message.delta", 3, 1234)
    message = str(error)
    assert "'thread.message.delta'" in message and "#3" in message and "at byte 1234" in message
    assert '{"id": "msg_1", "delta": {' in message
    assert "invalid JSON" in message


def test_event_decoder_counts_ordinals_from_zero() -> None:
    with pytest.raises(StreamDecodeError, match="#0"):
        EventDecoder().decode(ServerSentEvent(event="thread.run.created", data="{"))


def test_event_decoder_counts_failed_and_unknown_events_too() -> None:
    decoder = EventDecoder()
    decoder.decode(ServerSentEvent(event="ping", data=""))
    with pytest.raises(StreamDecodeError):
        decoder.decode(ServerSentEvent(event="thread.run.created", data="{"))
    with pytest.raises(StreamDecodeError) as caught:
        decoder.decode(ServerSentEvent(event="thread.run.created", data="{"))
    assert caught.value.ordinal == 2


def test_preview_of_long_data_is_shortened() -> None:
    data = '{"id": "' + "x" * 5000
    with pytest.raises(StreamDecodeError) as caught:
        decode_event("thread.run.created", data)
    assert caught.value.preview is not None
    assert caught.value.preview.startswith('{"id": "xxx') and caught.value.preview.endswith("...")
    assert len(caught.value.preview) < 200 and len(str(caught.value)) < 500


@pytest.mark.parametrize(
    ("name", "data", "path"),
    [
        ("thread.run.created", '{"id": 1}', "$.id"),
        (
            "thread.run.completed",
            '{"id": "r", "usage": {"total_tokens": "many"}}',
            "$.usage.total_tokens",
        ),
        (
            "thread.message.delta",
            '{"id": "m", "delta": {"content": [{"index": "0", "type": "text"}]}}',
            "$.delta.content[0].index",
        ),
        ("thread.run.step.completed", '{"id": "s", "created_at": 1.5}', "$.created_at"),
    ],
)
def test_wrong_type_in_a_known_field_names_the_json_path(name: str, data: str, path: str) -> None:
    with pytest.raises(StreamDecodeError) as caught:
        decode_event(name, data)
    assert f"`{path}`" in str(caught.value)
    assert caught.value.event == name


def test_wrong_type_next_to_an_unknown_variant_names_the_wrong_field() -> None:
    # The unknown tool type is tolerated; the error must point at the real problem.
    data = '{"id": "r", "tools": [{"type": "bing_grounding"}], "created_at": "yesterday"}'
    with pytest.raises(StreamDecodeError) as caught:
        decode_event("thread.run.created", data)
    assert "`$.created_at`" in str(caught.value)
    assert "tools" not in caught.value.reason


def test_wrong_type_deep_beside_an_unknown_variant_names_the_full_path() -> None:
    data = (
        '{"id": "s", "step_details": {"type": "tool_calls", "tool_calls": [{"type": "new_tool"}, '
        '{"type": "function", "id": "c", "function": {"name": "f", "arguments": 7}}]}}'
    )
    with pytest.raises(
        StreamDecodeError, match=r"`\$\.step_details\.tool_calls\[1\]\.function\.arguments`"
    ):
        decode_event("thread.run.step.completed", data)


def test_wrong_type_followed_by_truncated_json_raises_stream_decode_error() -> None:
    with pytest.raises(StreamDecodeError, match="invalid JSON") as caught:
        decode_event("thread.run.created", '{"id": 1, "status": "que')
    assert caught.value.event == "thread.run.created"


def test_unhashable_variant_type_is_kept_as_unknown_object_not_a_crash() -> None:
    event = decode_event(
        "thread.run.created",
        '{"id": "r", "tools": [{"type": ["x"]}, {"type": "code_interpreter"}]}',
    )
    assert event.data.tools == [{"type": ["x"]}, runstream.types.CodeInterpreterTool()]
    assert (
        isinstance(event.data.tools[0], runstream.types.UnknownObject)
        and event.data.tools[0].type == ""
    )


def test_missing_required_id_is_a_stream_decode_error() -> None:
    with pytest.raises(StreamDecodeError, match="id"):
        decode_event("thread.run.created", '{"object": "thread.run"}')
    with pytest.raises(StreamDecodeError, match="id"):
        decode_event("thread.run.created", '{"object": "thread.run", "tools": [{"type": "new"}]}')


@pytest.mark.parametrize("padding", ["  ", "\t", " \t  ", "\r\n "])
def test_trailing_whitespace_after_the_json_is_accepted(padding: str) -> None:
    assert decode_event("thread.run.created", (RUN % "queued") + padding).data.id == "run_1"
    assert (
        decode_event("thread.message.delta", (MESSAGE_DELTA + padding).encode()).data.id == "msg_1"
    )


def test_trailing_garbage_after_the_json_is_an_error() -> None:
    with pytest.raises(StreamDecodeError):
        decode_event("thread.run.created", '{"id": "r"} x')
