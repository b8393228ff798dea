"""RunStream and AsyncRunStream: every source kind, iteration and the conveniences, how a
stream ends (done or not, error event, cut short, HTTP errors, dropped connections), and
that the response is closed however the consumer stops (break, close, cancel)."""

from __future__ import annotations

import io
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx_sse
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stream_builders import (
    ERROR_DATA,
    async_response,
    run_event,
    sample_bytes,
    sync_response,
    text_run,
    wire,
)

import runstream
from runstream import AsyncRunStream, RunStream

FIRST, CONTINUATION = sample_bytes()
FINAL_TEXT = "It is 18 °C and cloudy in Paris, and 22 °C and clear in Tokyo.\n\nEnjoy your trip!"


def sse_list(data: bytes) -> list[runstream.ServerSentEvent]:
    decoder = runstream.SSEDecoder()
    return [*decoder.feed(data), *decoder.end()]


def httpx_sse_list(data: bytes) -> list[httpx_sse.ServerSentEvent]:
    return [httpx_sse.ServerSentEvent(e.event, e.data, e.id, e.retry) for e in sse_list(data)]


def random_pieces(data: bytes, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), 40))
    return (data[start:end] for start, end in zip([0, *cuts], [*cuts, len(data)]))


def names(data: bytes) -> list[str]:
    return [line[7:] for line in data.decode().splitlines() if line.startswith("event: ")]


SYNC_SOURCES: dict[str, Any] = {
    "bytes": lambda data, tmp: data,
    "bytearray": lambda data, tmp: bytearray(data),
    "str path": lambda data, tmp: str(write(tmp, data)),
    "Path": lambda data, tmp: write(tmp, data),
    "binary file": lambda data, tmp: io.BytesIO(data),
    "random pieces": lambda data, tmp: random_pieces(data, seed=len(data)),
    "httpx response": lambda data, tmp: sync_response(data),
    "httpx-sse EventSource": lambda data, tmp: httpx_sse.EventSource(sync_response(data)),
    "httpx-sse events": lambda data, tmp: iter(httpx_sse_list(data)),
    "runstream events": lambda data, tmp: sse_list(data),
}


def write(tmp: Path, data: bytes) -> Path:
    path = tmp / "stream.sse"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", SYNC_SOURCES)
def test_every_source_kind_gives_the_typed_events_and_the_final_state(kind: str, tmp_path: Path) -> None:
    accumulator = runstream.Accumulator()
    for data in (FIRST, CONTINUATION):
        stream = RunStream(SYNC_SOURCES[kind](data, tmp_path), accumulator=accumulator)
        events = list(stream)
        assert [event.event for event in events] == names(data)
        assert type(events[0]).__name__ in ("ThreadRunCreated", "ThreadRunStepCompleted")
        assert isinstance(events[-1], runstream.events.DoneEvent) and stream.done_received and stream.ended
    assert accumulator.current_run.status == "completed"
    assert accumulator.messages[0].content[0].text.value == FINAL_TEXT


@given(st.lists(st.integers(0, len(FIRST)), max_size=30))
@settings(max_examples=40, deadline=None)
def test_any_split_of_the_bytes_gives_the_same_events(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(FIRST)]
    pieces = [FIRST[start:end] for start, end in zip(bounds, bounds[1:])]
    assert list(RunStream(iter(pieces))) == list(RunStream(FIRST))


def test_iteration_yields_typed_events_with_typed_data() -> None:
    events = list(RunStream(FIRST))
    assert isinstance(events[0], runstream.events.ThreadRunCreated) and isinstance(events[0].data, runstream.Run)
    deltas = [event for event in events if isinstance(event, runstream.events.ThreadRunStepDelta)]
    assert len(deltas) == 12 and deltas[0].data.delta.step_details.tool_calls[0].function.name == "get_weather"
    assert isinstance(events[-2], runstream.events.ThreadRunRequiresAction)


def test_snapshots_pair_each_event_with_its_current_snapshot() -> None:
    updates = list(RunStream(FIRST).snapshots())
    assert [update.event.event for update in updates] == names(FIRST)
    assert updates[0].snapshot is updates[0].event.data
    arguments = [u.snapshot.step_details.tool_calls[0].function.arguments for u in updates if u.event.event == "thread.run.step.delta"]
    assert arguments[:3] == ["", '{"ci', '{"city":']
    assert updates[-1].snapshot is None  # done is about no object


def test_text_deltas_and_final_accessors_across_a_continuation() -> None:
    first = RunStream(FIRST)
    assert first.until_done() is first
    assert first.final_run().status == "requires_action" and list(first.text_deltas()) == []
    second = RunStream(CONTINUATION, accumulator=first.accumulator)
    assert "".join(second.text_deltas()) == FINAL_TEXT
    assert second.final_run() is second.get_final_run() is second.current_run
    assert second.final_run().status == "completed"
    steps = second.final_run_steps()
    assert [step.id for step in steps] == [step.id for step in second.get_final_run_steps()] == ["step_Tools1", "step_Message1"]
    calls = steps[0].step_details.tool_calls
    assert [call.function.arguments for call in calls] == ['{"city": "Paris"}', '{"city": "Tokyo"}']  # from stream 1
    assert calls[0].function.output == '{"temperature_c": 18, "sky": "cloudy"}'  # from stream 2
    assert [m.content[0].text.value for m in second.final_messages()] == [FINAL_TEXT]
    assert second.current_message_snapshot.id == "msg_Sample1"
    assert second.current_run_step_snapshot.id == "step_Message1"


def test_current_accessors_follow_the_stream() -> None:
    stream = RunStream(FIRST)
    assert stream.current_run is None and stream.current_run_step_snapshot is None and stream.current_message_snapshot is None
    for event in stream:
        if event.event == "thread.run.step.delta":
            assert stream.current_run_step_snapshot.id == event.data.id and stream.current_run.status == "in_progress"
            break
    stream.close()


# ---- how a stream ends ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["bare", "envelope"])
def test_error_event_raises_run_stream_error_with_its_fields(shape: str) -> None:
    data = wire(run_event("created"), ("error", ERROR_DATA if shape == "bare" else {"error": ERROR_DATA}))
    stream = RunStream(data)
    with pytest.raises(runstream.ServerStreamError) as raised:
        stream.until_done()
    error = raised.value
    assert (error.code, error.message, error.type, error.param) == ("rate_limit_exceeded", "Slow down.", "server_error", "model")
    assert error.accumulator is stream.accumulator and stream.accumulator.run_status == "queued"


def _error_at_the_end(kind: str) -> tuple[bytes, int, int]:
    """A stream of ``kind`` whose last event is an error; its ordinal and byte offset."""
    if kind in ("run", "async run"):
        head = wire(run_event("created"), run_event("queued")) + b": keep-alive\n\n"
        error = wire(("error", ERROR_DATA))
        return head + error, 2, len(head)
    if kind == "chat":
        head = b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n\n'
        return head + b'data: {"error":{"message":"Slow down.","type":"server_error"}}\n\n', 1, len(head)
    head = b'event: response.hologram\ndata: {"type":"response.hologram","x":1}\n\n'
    error = b'event: error\ndata: {"type":"error","code":"server_error","message":"Slow down.","param":null}\n\n'
    return head + error, 1, len(head)


@pytest.mark.parametrize("kind", ["run", "async run", "chat", "responses"])
def test_an_error_event_says_which_event_it_was_and_where(kind: str) -> None:
    data, ordinal, offset = _error_at_the_end(kind)
    with pytest.raises(runstream.ServerStreamError) as raised:
        if kind == "run":
            RunStream(data).until_done()
        elif kind == "async run":
            anyio.run(AsyncRunStream(data).until_done)
        elif kind == "chat":
            runstream.ChatCompletionStream(data).until_done()
        else:
            runstream.ResponseStream(data).until_done()
    error = raised.value
    assert (error.ordinal, error.offset) == (ordinal, offset)
    assert str(error).endswith(f"Slow down. (event #{ordinal}, at byte {offset})"), str(error)


@pytest.mark.parametrize("events_before", [0, 1, 5])
def test_an_error_event_says_where_it_was_also_when_nobody_listens(events_before: int) -> None:
    # until_done with a handler that listens to nothing takes runs of events in one go.
    head = wire(run_event("created"), *[run_event("in_progress")] * events_before)
    data = head + wire(("error", ERROR_DATA), run_event("completed"))
    with pytest.raises(runstream.ServerStreamError) as raised:
        RunStream(data).until_done()
    with pytest.raises(runstream.ServerStreamError) as raised_async:
        anyio.run(AsyncRunStream(data).until_done)
    for error in (raised.value, raised_async.value):
        assert (error.ordinal, error.offset) == (events_before + 1, len(head)), str(error)


@pytest.mark.parametrize("cut", [0, 1, 3, 15, 26])
def test_stream_cut_before_resting_raises_incomplete_with_everything_received(cut: int) -> None:
    blocks = CONTINUATION.split(b"\n\n")
    assert len(blocks) == 29 and blocks[26].startswith(b"event: thread.run.completed")
    first = RunStream(FIRST)
    first.until_done()
    with pytest.raises(runstream.IncompleteStreamError) as raised:
        RunStream(b"".join(block + b"\n\n" for block in blocks[:cut]), accumulator=first.accumulator).until_done()
    error = raised.value
    assert error.accumulator is first.accumulator and error.accumulator.events_fed == 19 + cut
    if cut >= 15:
        assert error.last_status == "in_progress" and error.accumulator.messages[0].content[0].text.value.startswith("It is")
    if cut < 2:  # no run event of its own: the run's earlier requires_action does not count
        assert error.last_status == "requires_action" and "when the stream began" in str(error)


def test_stream_cut_mid_event_raises_incomplete_with_the_events_before() -> None:
    cut = FIRST[: FIRST.index(b"event: thread.run.requires_action") + 40]
    with pytest.raises(runstream.IncompleteStreamError) as raised:
        RunStream(cut).until_done()
    assert raised.value.last_status == "in_progress" and raised.value.offset == len(cut)
    assert raised.value.accumulator.run_steps[0].step_details.tool_calls[1].function.arguments == '{"city": "Tokyo"}'


@pytest.mark.parametrize("ending", [b"", b"event: done\ndata: [DONE]"])
def test_terminal_status_without_done_is_a_complete_stream(ending: bytes) -> None:
    stream = RunStream(text_run(["Hi", "!"], done=False) + ending)
    assert stream.final_run().status == "completed" and not stream.done_received
    assert RunStream(FIRST.replace(b"event: done\ndata: [DONE]\n\n", b"")).final_run().status == "requires_action"


@pytest.mark.parametrize(
    ("status", "headers", "body", "message"),
    [
        (429, {"content-type": "application/json", "x-request-id": "req_42"}, b'{"error": {"message": "Slow down.", "type": "rate", "code": "rl", "param": null}}', "Slow down."),
        (500, {"content-type": "text/plain"}, b"upstream broke", "Internal Server Error"),
        (200, {"content-type": "application/json"}, b'{"id": "run_1"}', "expected a text/event-stream response"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("wrap", [False, True])
def test_error_or_non_sse_response_raises_api_error(status: int, headers: Any, body: bytes, message: str, wrap: bool) -> None:
    response = sync_response(body, status=status, headers=headers)
    with pytest.raises(runstream.APIError) as raised:
        RunStream(httpx_sse.EventSource(response) if wrap else response).until_done()
    error = raised.value
    assert error.status_code == status and message in str(error) and response.is_closed
    if status == 429:
        assert error.body["error"]["code"] == "rl" and (error.request_id, error.code, error.type) == ("req_42", "rl", "rate")
        assert "req_42" in str(error)
    else:
        assert error.request_id is None and (error.body == body.decode() or error.body == {"id": "run_1"})


@pytest.mark.parametrize(("failure", "timeout"), [(httpx.ReadTimeout("slow"), True), (httpx.RemoteProtocolError("cut"), False)])
def test_transport_error_mid_body_becomes_stream_connection_error(failure: Exception, timeout: bool) -> None:
    cut = FIRST[: FIRST.index(b"event: thread.run.step.delta")]
    timeouts = []
    handler = type("H", (runstream.EventHandler,), {"on_timeout": lambda self: timeouts.append(True)})()
    response = sync_response(cut, error=failure)
    with pytest.raises(runstream.StreamConnectionError) as raised:
        RunStream(response, handler).until_done()
    error = raised.value
    assert isinstance(error, runstream.IncompleteStreamError) and error.__cause__ is failure
    assert error.timeout is timeout and timeouts == ([True] if timeout else [])
    assert error.last_status == "in_progress" and error.offset == len(cut)
    assert error.accumulator.run_steps[0].id == "step_Tools1" and response.is_closed


def test_connection_lost_after_the_run_rested_ends_normally() -> None:
    cut = FIRST[: FIRST.index(b"event: done")]
    response = sync_response(cut, error=httpx.RemoteProtocolError("peer closed"))
    stream = RunStream(response)
    assert stream.final_run().status == "requires_action" and response.is_closed


def test_connection_lost_early_in_a_continuation_is_an_error() -> None:
    first = RunStream(FIRST)
    first.until_done()
    response = sync_response(CONTINUATION[:500], error=httpx.ReadTimeout("stalled"))
    with pytest.raises(runstream.StreamConnectionError):
        RunStream(response, accumulator=first.accumulator).until_done()
    with pytest.raises(runstream.IncompleteStreamError):
        RunStream(b"", accumulator=first.accumulator).until_done()


def test_unsupported_source_and_oversized_events_raise() -> None:
    with pytest.raises(TypeError, match="cannot stream from int"):
        list(RunStream(42))
    with pytest.raises(runstream.EventTooLargeError):
        list(RunStream(FIRST, max_event_size=200))


# ---- closing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["events", "snapshots"])
def test_break_inside_the_context_manager_closes_the_response(reader: str) -> None:
    response = sync_response(FIRST)
    with RunStream(response) as stream:
        for _ in stream if reader == "events" else stream.snapshots():
            break
        assert not response.is_closed
    assert response.is_closed


@pytest.mark.parametrize("wrap", [False, True])
def test_close_before_reading_closes_the_response(wrap: bool) -> None:
    response = sync_response(FIRST)
    stream = RunStream(httpx_sse.EventSource(response) if wrap else response)
    stream.close()
    assert response.is_closed


def test_reading_to_the_end_closes_the_response_but_not_a_callers_file(tmp_path: Path) -> None:
    response = sync_response(FIRST)
    RunStream(response).until_done()
    assert response.is_closed
    with open(write(tmp_path, FIRST), "rb") as file:
        RunStream(file).until_done()
        assert not file.closed  # the caller opened it (it may be stdin): theirs to close


# ---- AsyncRunStream, on asyncio and trio ----------------------------------------------------


async def async_pieces(data: bytes) -> AsyncIterator[bytes]:
    for piece in random_pieces(data, seed=7):
        await anyio.sleep(0)
        yield piece


async def async_events(data: bytes) -> AsyncIterator[httpx_sse.ServerSentEvent]:
    for event in httpx_sse_list(data):
        yield event


async def async_source(kind: str, data: bytes) -> Any:
    if kind == "async response":
        return await async_response(data)
    if kind == "async EventSource":
        return httpx_sse.EventSource(await async_response(data))
    if kind == "async pieces":
        return async_pieces(data)
    if kind == "async httpx-sse events":
        return async_events(data)
    if kind == "sync response":
        return sync_response(data)
    return {"bytes": data, "runstream events": sse_list(data), "pieces": random_pieces(data, 3)}[kind]


# httpx reads a body through nested async generators it cannot close when the reader stops
# early: on trio those warn when collected (encode/httpx#3686). Only theirs are ignored.
HTTPX_GENERATORS_WARN = pytest.mark.filterwarnings("ignore:Async generator 'httpx:ResourceWarning")

ASYNC_KINDS = ["async response", "async EventSource", "async pieces", "async httpx-sse events", "sync response", "bytes", "runstream events", "pieces"]  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ASYNC_KINDS)
async def test_async_every_source_kind(kind: str) -> None:
    accumulator = runstream.Accumulator()
    for data in (FIRST, CONTINUATION):
        async with AsyncRunStream(await async_source(kind, data), accumulator=accumulator) as stream:
            assert [event.event async for event in stream] == names(data)
    assert accumulator.current_run.status == "completed"


@pytest.mark.anyio
async def test_async_conveniences_across_a_continuation() -> None:
    first = AsyncRunStream(await async_response(FIRST))
    assert (await first.get_final_run()).status == "requires_action"
    updates = [update async for update in AsyncRunStream(FIRST).snapshots()]
    assert [u.event.event for u in updates] == names(FIRST) and updates[-2].snapshot.status == "requires_action"
    second = AsyncRunStream(await async_response(CONTINUATION), accumulator=first.accumulator)
    assert "".join([piece async for piece in second.text_deltas()]) == FINAL_TEXT
    assert (await second.final_run()).status == "completed" and second.current_message_snapshot.id == "msg_Sample1"
    assert [s.id for s in await second.final_run_steps()] == ["step_Tools1", "step_Message1"]
    assert (await second.final_messages())[0].content[0].text.value == FINAL_TEXT


@pytest.mark.anyio
async def test_async_endings() -> None:
    with pytest.raises(runstream.ServerStreamError, match="Slow down"):
        await AsyncRunStream(wire(run_event("created"), ("error", ERROR_DATA))).until_done()
    with pytest.raises(runstream.IncompleteStreamError) as raised:
        await AsyncRunStream(await async_response(FIRST[: FIRST.index(b"event: thread.run.step.delta")])).until_done()
    assert raised.value.accumulator.run_steps[0].id == "step_Tools1"
    assert (await AsyncRunStream(text_run(["a"], done=False)).final_run()).status == "completed"
    rested = (await AsyncRunStream(FIRST).until_done()).accumulator
    with pytest.raises(runstream.IncompleteStreamError, match="when the stream began"):
        await AsyncRunStream(await async_response(CONTINUATION[:400]), accumulator=rested).until_done()


@pytest.mark.anyio
@pytest.mark.parametrize("wrap", [False, True])
async def test_async_http_error_raises_api_error(wrap: bool) -> None:
    headers = {"content-type": "application/json", "x-request-id": "req_7"}
    response = await async_response(b'{"error": {"message": "No such run."}}', status=404, headers=headers)
    with pytest.raises(runstream.APIError) as raised:
        await AsyncRunStream(httpx_sse.EventSource(response) if wrap else response).until_done()
    assert (raised.value.status_code, raised.value.request_id, raised.value.message) == (404, "req_7", "No such run.")
    assert response.is_closed


@pytest.mark.anyio
@pytest.mark.parametrize(("failure", "timeout"), [(httpx.ReadTimeout("slow"), True), (httpx.RemoteProtocolError("cut"), False)])
async def test_async_transport_errors(failure: Exception, timeout: bool) -> None:
    calls = []

    class Handler(runstream.AsyncEventHandler):
        async def on_timeout(self) -> None:
            calls.append("timeout")

    response = await async_response(FIRST[:2500], error=failure)
    with pytest.raises(runstream.StreamConnectionError) as raised:
        await AsyncRunStream(response, Handler()).until_done()
    assert raised.value.timeout is timeout and calls == (["timeout"] if timeout else []) and response.is_closed
    rested = await async_response(FIRST[: FIRST.index(b"event: done")], error=failure)
    assert (await AsyncRunStream(rested).final_run()).status == "requires_action"


@pytest.mark.anyio
@HTTPX_GENERATORS_WARN
@pytest.mark.parametrize("wrap", [False, True])
async def test_async_break_and_close_close_the_response(wrap: bool) -> None:
    response = await async_response(FIRST)
    async with AsyncRunStream(httpx_sse.EventSource(response) if wrap else response) as stream:
        async for _ in stream:
            break
        assert not response.is_closed
    assert response.is_closed
    unread = await async_response(FIRST)
    await AsyncRunStream(httpx_sse.EventSource(unread) if wrap else unread).aclose()
    assert unread.is_closed


@pytest.mark.anyio
@HTTPX_GENERATORS_WARN
@pytest.mark.parametrize("managed", [False, True])
async def test_async_cancellation_closes_the_response(managed: bool) -> None:
    response = await async_response(FIRST[:2000], hang=True)  # the server stalls after 2000 bytes
    stream = AsyncRunStream(response)
    seen = []
    with anyio.CancelScope() as scope:
        if managed:
            async with stream:
                async for event in stream:
                    seen.append(event.event)
                    scope.cancel()
        else:
            async for event in stream:
                seen.append(event.event)
                if len(seen) == 2:
                    scope.cancel()
    assert scope.cancelled_caught and response.is_closed
    assert seen[0] == "thread.run.created" and len(seen) >= (1 if managed else 2)


def test_requires_action_repeating_arguments_larger_than_max_event_size_is_accepted() -> None:
    # The run object repeats the whole arguments its deltas carried: that is no flood.
    from stream_builders import function_call, run_event, step, wire

    pieces = [f'"k{position}": {position}, ' for position in range(500)]
    arguments = "{" + "".join(pieces) + '"end": 0}'
    details = {"type": "tool_calls", "tool_calls": []}
    body = wire(
        run_event("created"),
        ("thread.run.step.created", step("step_T", "in_progress", details)),
        *function_call("step_T", "call_1", "f", ["{", *pieces, '"end": 0}']),
        run_event("requires_action", tool_calls=[("call_1", "f", arguments)]),
    )
    assert len(arguments) > 4096
    with pytest.raises(runstream.EventTooLargeError, match="pass a larger max_event_size"):
        runstream.RunStream(wire(run_event("requires_action", tool_calls=[("call_1", "f", arguments)])),
                            max_event_size=4096).until_done()
    stream = runstream.RunStream(body, max_event_size=4096)
    run = stream.final_run()
    assert run.required_action.submit_tool_outputs.tool_calls[0].function.arguments == arguments
    assert stream.accumulator.tool_call("step_T", 0).function.arguments == arguments
    assert stream.accumulator.discrepancies == []
