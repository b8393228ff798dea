"""Bugs the reliability tests found in src/, each first kept as a failing test (strict xfail):
when one is fixed its test passes, xfail(strict) turns that into a failure, and the mark comes
off (all of these are fixed now; the tests guard against their return). The fuzzer's input
that reproduced the first is kept in fuzz/regressions/ (see test_fuzz_regressions.py).
"""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from reliability_support import SECRET_KEY, Recorder, bounded, busy_connections

import runstream
from runstream import (
    Client,
    EventTooLargeError,
    IncompleteStreamError,
    RunStream,
    RunstreamError,
    ServerStreamError,
    StreamDecodeError,
)
from runstream.testing import FakeAssistantsServer, Scenario

RUN = {"id": "run_F", "object": "thread.run", "thread_id": "thread_F", "assistant_id": "asst_F"}


def frame(name: str, data: Any) -> bytes:
    text = data if isinstance(data, (str, bytes)) else json.dumps(data)
    text = text if isinstance(text, bytes) else text.encode()
    return b"event: " + name.encode() + b"\ndata: " + text + b"\n\n"


def run_event(status: str) -> bytes:
    return frame(f"thread.run.{'created' if status == 'queued' else status}", {**RUN, "status": status})


def message(status: str, text: str | None = None) -> dict[str, Any]:
    content = [] if text is None else [{"type": "text", "text": {"value": text, "annotations": []}}]
    return {"id": "msg_F", "object": "thread.message", "thread_id": "thread_F", "status": status,
            "role": "assistant", "content": content}


def finished_run() -> bytes:
    delta = {"id": "msg_F", "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "hi"}}]}}
    return (run_event("queued") + frame("thread.message.created", message("in_progress"))
            + frame("thread.message.delta", delta) + frame("thread.message.completed", message("completed", "hi"))
            + run_event("completed") + frame("done", "[DONE]"))


def read(body: bytes, **options: Any) -> tuple[RunStream, BaseException | None]:
    stream = RunStream(body, Recorder(), **options)

    def go() -> BaseException | None:
        try:
            stream.until_done()
        except RunstreamError as error:
            return error
        return None

    return stream, bounded(go, 300)


DEEP = 100_000



@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("thread.message.delta", "[" * DEEP),
        ("thread.message.delta", '{"id": "msg_F", "delta": {}, "extra": ' + "[" * DEEP + "}"),
        ("thread.run.created", '{"id": "run_F", "metadata": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}"),
        ("error", '{"error": ' + "[" * DEEP + "}"),
    ],
)
def test_deeply_nested_json_is_a_decode_error(name: str, data: str) -> None:
    # A hostile server can nest JSON 100,000 levels deep in a few hundred kB. The decoder must
    # say which event is bad (or, for an error event, report the server's error).
    stream, error = read(run_event("queued") + frame(name, data))
    if name == "error":
        assert isinstance(error, (ServerStreamError, StreamDecodeError))
    else:
        assert type(error) is StreamDecodeError
        assert (error.event, error.offset) == (name, len(run_event("queued")))



def test_event_too_large_names_the_event() -> None:
    start = run_event("queued")
    stream, error = read(start + b"event: thread.message.delta\ndata: " + b"x" * 5000 + b"\n\n", max_event_size=1000)
    assert isinstance(error, EventTooLargeError)
    assert error.offset == len(start)
    assert error.event == "thread.message.delta"



@pytest.mark.parametrize(
    "extra",
    [run_event("in_progress"), frame("thread.message.created", {**message("in_progress"), "id": "msg_late"})],
    ids=["run event", "new message"],
)
def test_events_after_done_are_an_anomaly(extra: bytes) -> None:
    # `done` ends the stream. What follows must not silently change the finished run (today a
    # late run event even makes the stream raise IncompleteStreamError, "the stream ended
    # before the run finished", although `done` and `thread.run.completed` were received).
    stream, error = read(finished_run() + extra)
    assert not isinstance(error, IncompleteStreamError)
    assert error is not None or stream.accumulator.anomalies



def test_run_leaving_a_terminal_status_is_an_anomaly() -> None:
    stream, error = read(run_event("queued") + run_event("completed") + run_event("failed"))
    assert stream.accumulator.anomalies, "completed -> failed was accepted silently"



def test_break_out_of_a_bare_for_loop_releases_the_connection() -> None:
    # RunStream.__iter__ returns the stream itself, whose generator refers back to it: the
    # cycle outlives the loop, so the response (and its pooled connection) stays busy until
    # the cyclic garbage collector runs. `with stream:` or `stream.close()` avoid it.
    scenario = Scenario(thread_id="thread_bare", seed=1, created_at=1_700_000_000).message("x " * 500)
    with FakeAssistantsServer([scenario], api_key=SECRET_KEY, chunk_size=64, chunk_delay=0.002) as server:
        with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
            gc.disable()
            try:
                for _ in client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id):
                    break
                busy = len(busy_connections(client.http))  # counted now, before gc runs
            finally:
                gc.enable()
                gc.collect()
    assert busy == 0


def test_a_message_creation_step_without_its_message_creation_member_is_not_a_crash() -> None:
    # Found by the fuzzer: ``step_details: {"type": "message_creation"}`` with no
    # ``message_creation`` member raised AttributeError inside the step builder.
    body = (
        b'event: thread.run.step.created\ndata: {"id":"step_1","object":"thread.run.step","run_id":"run_1",'
        b'"thread_id":"thread_1","type":"message_creation","status":"in_progress",'
        b'"step_details":{"type":"message_creation"}}\n\n'
        b'event: thread.run.step.completed\ndata: {"id":"step_1","object":"thread.run.step","run_id":"run_1",'
        b'"thread_id":"thread_1","type":"message_creation","status":"completed",'
        b'"step_details":{"type":"message_creation"}}\n\n'
    )
    accumulator, event_decoder = runstream.Accumulator(), runstream.EventDecoder()
    for sse in runstream.SSEDecoder().feed(body):
        accumulator.feed(event_decoder.decode(sse))
    (step,) = accumulator.run_steps
    assert step.status == "completed"
    assert step.step_details.type == "message_creation"
