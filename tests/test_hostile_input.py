"""Hostile input: what a broken or malicious server can send. Each case must end in bounded
time and memory with a clear error (`StreamDecodeError` naming the event and byte offset;
`EventTooLargeError` for floods) or a recorded anomaly: never a hang, never an unrelated
exception (AttributeError, TypeError, KeyError, IndexError, RecursionError...).

Deep JSON nesting, events after ``done`` and contradicting terminal events are in
test_reliability_found.py (they fail today).
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import (
    Recorder,
    bounded,
    rich_scenario,
    scenario_streams,
    wire_events,
)

from runstream import (
    EventTooLargeError,
    IncompleteStreamError,
    RunStream,
    RunstreamError,
    StreamDecodeError,
)

MiB = 2**20
RUN = {"id": "run_H", "object": "thread.run", "thread_id": "thread_H", "assistant_id": "asst_H", "status": "queued"}


def frame(name: str, data: Any) -> bytes:
    text = data if isinstance(data, (str, bytes)) else json.dumps(data, ensure_ascii=False)
    text = text if isinstance(text, bytes) else text.encode()
    return b"event: " + name.encode() + b"\ndata: " + text + b"\n\n"


def run_event(status: str) -> bytes:
    name = "created" if status == "queued" else status
    return frame(f"thread.run.{name}", {**RUN, "status": status})


def message(message_id: str = "msg_H", status: str = "in_progress", content: list[Any] | None = None) -> dict[str, Any]:
    return {"id": message_id, "object": "thread.message", "thread_id": "thread_H", "status": status,
            "role": "assistant", "content": content or []}


def text_delta(value: str, index: int = 0, message_id: str = "msg_H", **text: Any) -> bytes:
    block = {"index": index, "type": "text", "text": {"value": value, **text}}
    return frame("thread.message.delta", {"id": message_id, "delta": {"content": [block]}})


START = run_event("queued") + frame("thread.message.created", message())
END = run_event("completed")


def consume(
    source: Any, seconds: float = 300, *, record: bool = True, **options: Any
) -> tuple[RunStream, BaseException | None]:
    """Read ``source`` to its end within ``seconds`` (with a handler recording every callback
    unless ``record`` is false); return the stream and the error."""
    stream = RunStream(source, Recorder() if record else None, **options)

    def read() -> BaseException | None:
        try:
            stream.until_done()
            stream.accumulator.to_builtins()  # every snapshot can be built
        except RunstreamError as error:
            return error
        return None

    return stream, bounded(read, seconds)


def peak_of(function: Any) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class Endless:
    """An endless byte source (a prefix, then the same unit forever, freshly allocated)
    that fails the test if more than ``limit`` bytes are read from it."""

    def __init__(self, prefix: bytes, unit: bytes, limit: int) -> None:
        self.prefix, self.unit, self.limit, self.sent = prefix, unit, limit, 0

    def __iter__(self) -> Iterator[bytes]:
        yield self.prefix
        while self.sent <= self.limit:
            chunk = self.unit[:1] + self.unit[1:]  # a new object each time, like a socket read
            self.sent += len(chunk)
            yield chunk
        raise AssertionError(f"kept reading a hostile stream past {self.limit} bytes")


# ---- floods -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", [b"data: ", b"event: ", b": comment ", b""])
@pytest.mark.parametrize("max_event_size", [MiB, 16 * MiB])
def test_endless_line_without_newline(prefix: bytes, max_event_size: int) -> None:
    source = Endless(START + prefix, b"x" * 65536, limit=max_event_size + 2 * 65536)
    (stream, error), peak = peak_of(lambda: consume(source, max_event_size=max_event_size))
    assert isinstance(error, EventTooLargeError)
    assert error.offset == len(START)  # where the endless line starts
    assert f"max_event_size={max_event_size}" in str(error) and f"at byte {len(START)}" in str(error)
    assert peak < max_event_size + 4 * MiB
    assert stream.accumulator.events_fed == 2  # what came before the flood was delivered


def test_endless_event_of_data_lines() -> None:
    source = Endless(START, b"data: x\n" * 4096, limit=MiB)
    (stream, error), peak = peak_of(lambda: consume(source, max_event_size=256 * 1024))
    assert isinstance(error, EventTooLargeError) and error.offset == len(START)
    assert "event larger than" in str(error)
    assert peak < 4 * MiB


def test_endless_keepalive_comments_and_blank_lines_keep_constant_memory() -> None:
    def source() -> Iterator[bytes]:
        yield START
        for _ in range(100):
            yield b": keep-alive\n" * 2000 + b"\n" * 5000  # 3 MB in all
        yield text_delta("still here", annotations=[]) + END

    (stream, error), peak = peak_of(lambda: consume(source()))
    assert error is None
    assert stream.accumulator.message("msg_H").content[0].text.value == "still here"
    assert peak < 2 * MiB


def test_one_enormous_event_below_the_limit() -> None:
    size = 8 * MiB
    event = text_delta("é" * (size // 2), annotations=[])
    chunks = [START] + [event[i : i + 65536] for i in range(0, len(event), 65536)] + [END]
    (stream, error), peak = peak_of(lambda: consume(iter(chunks)))
    assert error is None
    assert len(stream.accumulator.message("msg_H").content[0].text.value) == size // 2
    assert peak < 6 * size  # the event's bytes, its text and its decoded value, a few times


def test_one_enormous_event_above_the_limit() -> None:
    event = text_delta("x" * (20 * MiB))
    chunks = [START] + [event[i : i + 65536] for i in range(0, len(event), 65536)] + [END]
    (stream, error), peak = peak_of(lambda: consume(iter(chunks)))
    assert isinstance(error, EventTooLargeError)
    assert error.offset == len(START)
    assert peak < 16 * MiB + 4 * MiB
    assert stream.accumulator.events_fed == 2


def test_many_short_events_in_one_chunk() -> None:
    delta = text_delta("ab")
    stream, error = consume(START + delta * 200_000 + END, record=False)
    assert error is None
    assert len(stream.accumulator.message("msg_H").content[0].text.value) == 400_000


# ---- bytes that are not what they should be -------------------------------------------------


def test_invalid_utf8_in_text_is_replaced() -> None:
    bad = b'event: thread.message.delta\ndata: {"id":"msg_H","delta":{"content":[{"index":0,"type":"text",' \
          b'"text":{"value":"a\xff\xfeb\xed\xa0\x80c\xc3"}}]}}\n\n'
    stream, error = consume(START + bad + END)
    assert error is None
    assert stream.accumulator.message("msg_H").content[0].text.value == "a\ufffd\ufffdb\ufffd\ufffd\ufffdc\ufffd"


def test_invalid_utf8_in_event_name_is_an_unknown_event() -> None:
    stream, error = consume(START + b"event: thread.run.\xffcompleted\ndata: {}\n\n" + END)
    assert error is None
    assert [event.event for event in stream.accumulator.unknown_events] == ["thread.run.\ufffdcompleted"]


@pytest.mark.parametrize(
    "data",
    [
        b'{"id":"msg_H",\xff"delta":{}}',  # invalid UTF-8 outside a string
        b'{"id":"msg_H\x00","delta":{}}',  # a raw NUL (a control character) inside a string
        b'{"id":"msg_H","delta":{}',  # cut-off JSON
        b"\x00\x00\x00",
        b"",  # an empty data line still dispatches
    ],
)
def test_undecodable_data_names_event_and_offset(data: bytes) -> None:
    stream, error = consume(START + b"event: thread.message.delta\ndata: " + data + b"\n\n" + END)
    assert type(error) is StreamDecodeError
    assert (error.event, error.ordinal, error.offset) == ("thread.message.delta", 2, len(START))
    assert "thread.message.delta" in str(error) and f"at byte {len(START)}" in str(error)


def test_nul_bytes_elsewhere() -> None:
    escaped = text_delta("a\u0000b", annotations=[])  # a JSON-escaped NUL is just a character
    body = START + b"event: thread.message.delta\x00\ndata: {}\n\n" + b"id: a\x00b\n" + escaped + END
    stream, error = consume(body)
    assert error is None
    assert stream.accumulator.message("msg_H").content[0].text.value == "a\x00b"
    assert [event.event for event in stream.accumulator.unknown_events] == ["thread.message.delta\x00"]


# ---- well-formed JSON of the wrong shape --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "path"),
    [
        ("thread.message.created", {"id": 5}, "$.id"),
        ("thread.message.delta", {"id": "msg_H", "delta": None}, "$.delta"),
        ("thread.message.delta", {"id": "msg_H", "delta": {"content": "text"}}, "$.delta.content"),
        ("thread.message.delta", {"id": "msg_H", "delta": {"content": [{"index": "0", "type": "text"}]}},
         "$.delta.content[0].index"),
        ("thread.message.delta", {"id": "msg_H", "delta": {"content": [{"index": 0, "type": "text", "text": 7}]}},
         "$.delta.content[0].text"),
        ("thread.run.step.delta", {"id": "s", "delta": {"step_details": {"type": "tool_calls", "tool_calls": {}}}},
         "$.delta.step_details.tool_calls"),
        ("thread.run.completed", {**RUN, "status": 5}, "$.status"),
        ("thread.run.completed", {**RUN, "usage": "lots"}, "$.usage"),
        ("thread.run.step.completed", {"id": "s", "status": "completed", "step_details": []}, "$.step_details"),
        ("thread.message.completed", [], "got `array`"),
        ("thread.message.completed", "null", "got `null`"),
    ],
)
def test_wrong_types_in_known_fields(name: str, data: Any, path: str) -> None:
    stream, error = consume(START + frame(name, data) + END)
    assert type(error) is StreamDecodeError, error
    assert (error.event, error.ordinal, error.offset) == (name, 2, len(START))
    assert path in str(error)  # the JSON path of the bad field (or what was found instead)


@pytest.mark.parametrize("index", [10**9, -1, -(10**9), 2**63, 2**64, 10**30])
@pytest.mark.parametrize("where", ["content", "annotation", "tool_call", "output"])
def test_absurd_indexes(index: int, where: str) -> None:
    step_details = {"type": "tool_calls", "tool_calls": []}
    steps = frame("thread.run.step.created", {"id": "step_H", "status": "in_progress", "type": "tool_calls",
                                             "step_details": step_details})
    deltas = {
        "content": text_delta("x", index=index),
        "annotation": text_delta("x", annotations=[{"index": index, "type": "file_path", "text": "x",
                                                    "file_path": {"file_id": "f"}, "start_index": 0, "end_index": 1}]),
        "tool_call": frame("thread.run.step.delta", {"id": "step_H", "delta": {"step_details": {
            "type": "tool_calls", "tool_calls": [{"index": index, "id": "c", "type": "function",
                                                  "function": {"name": "f", "arguments": "{}", "output": None}}]}}}),
        "output": frame("thread.run.step.delta", {"id": "step_H", "delta": {"step_details": {
            "type": "tool_calls", "tool_calls": [{"index": 0, "id": "c", "type": "code_interpreter",
                                                  "code_interpreter": {"input": "", "outputs": [
                                                      {"index": index, "type": "logs", "logs": "hi"}]}}]}}}),
    }
    (stream, error), peak = peak_of(lambda: consume(START + steps + deltas[where] + text_delta("y") + END, 10))
    assert error is None
    assert peak < MiB  # no list of `index` elements
    message, = stream.accumulator.messages
    step, = stream.accumulator.run_steps
    if where == "content":
        assert [part.text.value for part in message.content] == (["y", "x"] if index > 0 else ["x", "y"])
    elif where == "annotation":
        assert [a.file_path.file_id for a in message.content[0].text.annotations] == ["f"]
    elif where == "tool_call":
        assert [call.function.name for call in step.step_details.tool_calls] == ["f"]
    else:
        assert [output.logs for output in step.step_details.tool_calls[0].code_interpreter.outputs] == ["hi"]


# ---- events out of place -------------------------------------------------------------------------


def test_delta_for_unknown_objects_is_an_anomaly() -> None:
    step_delta = frame("thread.run.step.delta", {"id": "step_ghost", "delta": {"step_details": {
        "type": "tool_calls", "tool_calls": [{"index": 0, "type": "function", "function": {"arguments": "{"}}]}}})
    stream, error = consume(START + text_delta("boo", message_id="msg_ghost") + step_delta + END)
    assert error is None
    kinds = [anomaly.kind for anomaly in stream.accumulator.anomalies]
    assert kinds == ["delta_for_unknown_message", "delta_for_unknown_step"]
    assert stream.accumulator.message("msg_ghost").content[0].text.value == "boo"


def test_duplicate_terminal_events_fire_done_callbacks_once() -> None:
    final = message(status="completed", content=[{"type": "text", "text": {"value": "hi", "annotations": []}}])
    completed = frame("thread.message.completed", final)
    body = START + text_delta("hi", annotations=[]) + completed + completed + END + END + frame("done", "[DONE]")
    stream, error = consume(body)
    assert error is None
    names = stream.handler.names()
    assert names.count("on_message_done") == 1 and names.count("on_text_done") == 1
    assert [args[0]["status"] for name, args in stream.handler.calls if name == "on_run_status"] == [
        "queued", "completed"]


def test_delta_after_message_completed_is_an_anomaly() -> None:
    final = message(status="completed", content=[{"type": "text", "text": {"value": "hi", "annotations": []}}])
    body = START + text_delta("hi", annotations=[]) + frame("thread.message.completed", final) + text_delta("!!") + END
    stream, error = consume(body)
    assert error is None
    assert [anomaly.kind for anomaly in stream.accumulator.anomalies] == ["delta_after_done"]
    assert stream.handler.names().count("on_message_done") == 1


# ---- any field of a real stream replaced by any JSON value ----------------------------------------

STREAM_EVENTS = [wire_events(body) for body in scenario_streams(rich_scenario(fragment_size=8))]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["index", "type", "id", "x"]), inner,
                                                                 max_size=3),
    max_leaves=6,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from _paths(child, (*path, key))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_field_replaced_by_any_json(data: st.DataObject) -> None:
    check_any_field_replaced(data)


@pytest.mark.slow
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_field_replaced_by_any_json_thoroughly(data: st.DataObject) -> None:
    check_any_field_replaced(data)


def check_any_field_replaced(data: st.DataObject) -> None:
    segment = data.draw(st.sampled_from([0, 1]), label="segment")
    events = STREAM_EVENTS[segment]
    position = data.draw(st.integers(0, len(events) - 2), label="event")  # not `done`
    name, text = events[position]
    original = json.loads(text)
    path = data.draw(st.sampled_from(list(_paths(original))), label="path")
    mutated = _replace(original, path, data.draw(JSON_VALUES, label="value"))
    body = b"".join(frame(n, t) for n, t in events[:position]) + frame(name, msgspec.json.encode(mutated))
    body += b"".join(frame(n, t) for n, t in events[position + 1 :])
    stream, error = consume(body, 10)
    assert error is None or isinstance(error, (StreamDecodeError, IncompleteStreamError)), repr(error)
    if isinstance(error, StreamDecodeError):
        assert error.event == name and error.offset is not None
