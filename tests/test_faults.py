"""Faults over real loopback HTTP: the fake server breaks streams and requests, and
`runstream.Client` / `AsyncClient` must end each case in a defined way.

| fault | defined outcome |
|---|---|
| connection reset mid-event | `StreamConnectionError(timeout=False)` holding every complete event; `on_exception`, `on_end`; `resync` completes the run |
| stall longer than the read timeout | `StreamConnectionError(timeout=True)`; `on_timeout`, then `on_exception`, `on_end`; `resync` completes the run |
| clean end before the run rests | `IncompleteStreamError` (not a connection error) |
| corrupt event | `StreamDecodeError` naming the event and its byte offset; connection released |
| slow drip, one byte per read | completes, same state |
| a stream slower in all than the read timeout | completes: the read timeout is per read |
| a drop inside `run_tools(resync=True)` | re-sync, tools called once, run completes |
| HTTP 500 on submit_tool_outputs in `run_tools` | `APIError(500)` with the request id; tools ran once; the run waits in `requires_action`; re-submitting continues the same state to completion |

The API key never appears in logs (DEBUG), reprs, exception text or recordings.
"""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from reliability_support import (
    SECRET_KEY,
    AsyncRecorder,
    Recorder,
    busy_connections,
    event_ends,
    reference_states,
    wire_events,
)

import runstream
from runstream import (
    APIError,
    AsyncClient,
    Client,
    IncompleteStreamError,
    StreamConnectionError,
    StreamDecodeError,
)
from runstream.testing import HTTPFault, Scenario, StreamFault, ToolCallSpec

TEXT = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps again."


def message_scenario(seed: int = 1) -> Scenario:
    return Scenario(thread_id=f"thread_m{seed}", seed=seed, created_at=1_700_000_000).message(TEXT)


def tool_scenario(seed: int = 2) -> Scenario:
    calls = [ToolCallSpec("get_weather", '{"city": "Paris"}'), ToolCallSpec("get_time", '{"tz": "CET"}')]
    return Scenario(thread_id=f"thread_t{seed}", seed=seed, created_at=1_700_000_000).tool_calls(calls).message(TEXT)


def middle_of_first(body: bytes, name: str) -> tuple[int, int]:
    """The offset halfway into the first ``name`` event, and how many events precede it."""
    ends = [0, *event_ends(body)]
    position = [n for n, _ in wire_events(body)].index(name)
    return (ends[position] + ends[position + 1]) // 2, position


def plain(objects: Any) -> Any:
    return msgspec.to_builtins(objects)


def assert_finished_like(accumulator: runstream.Accumulator, scenario: Scenario, **outputs: Any) -> None:
    assert accumulator.run_status == "completed"
    assert plain(accumulator.messages) == plain(scenario.expected_messages())
    assert plain(accumulator.run_steps) == plain(scenario.expected_steps(**outputs))


def client_for(server: Any, **options: Any) -> Client:
    return Client(base_url=server.base_url, api_key=SECRET_KEY, **options)


# ---- a dropped connection ----------------------------------------------------------------------


def test_connection_reset_mid_event_then_resync(fake_assistants_server: Any) -> None:
    scenario = message_scenario()
    body = scenario.encode_segment(0)
    drop_at, complete = middle_of_first(body, "thread.message.delta")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(drop_at=drop_at)])
    handler = Recorder()
    with client_for(server, timeout=5) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler) as stream:
            with pytest.raises(StreamConnectionError) as raised:
                stream.until_done()
        error = raised.value
        assert not error.timeout and error.accumulator is stream.accumulator
        assert error.offset == drop_at and error.last_status == "in_progress"
        assert isinstance(error.__cause__, httpx.TransportError)
        # Everything received in full is there, nothing more.
        assert stream.accumulator.to_builtins() == reference_states([body])[0][complete]
        assert [n for n in handler.names() if n in ("on_timeout", "on_exception", "on_end")] == [
            "on_exception", "on_end"]
        assert busy_connections(client.http) == []
        run = client.resync(stream.accumulator, handler, poll_interval=0.02, timeout=10)
    assert run.status == "completed"
    assert_finished_like(stream.accumulator, scenario)
    assert handler.names().count("on_message_done") == 1
    assert server.errors == []


def test_resync_with_a_handler_never_attached_to_a_stream(fake_assistants_server: Any) -> None:
    # The stream had no handler; the re-sync gets one of its own, which reads the state of
    # the accumulator it is fed from (it raised AttributeError on its accumulator of None).
    scenario = message_scenario(seed=13)
    drop_at, _ = middle_of_first(scenario.encode_segment(0), "thread.message.delta")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(drop_at=drop_at)])
    with client_for(server, timeout=5) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id) as stream:
            with pytest.raises(StreamConnectionError):
                stream.until_done()
        handler = Recorder()
        run = client.resync(stream.accumulator, handler, poll_interval=0.02, timeout=10)
    assert run.status == "completed" and handler.accumulator is stream.accumulator
    (done,) = [arguments for name, arguments in handler.calls if name == "on_message_done"]
    assert done[0]["content"][0]["text"]["value"] == TEXT


@pytest.mark.anyio
async def test_async_resync_with_a_handler_never_attached_to_a_stream(fake_assistants_server: Any) -> None:
    scenario = message_scenario(seed=14)
    drop_at, _ = middle_of_first(scenario.encode_segment(0), "thread.message.delta")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(drop_at=drop_at)])
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=5) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
        async with stream:
            with pytest.raises(StreamConnectionError):
                await stream.until_done()
        handler = AsyncRecorder()
        run = await client.resync(stream.accumulator, handler, poll_interval=0.02, timeout=10)
    assert run.status == "completed" and handler.accumulator is stream.accumulator
    (done,) = [arguments for name, arguments in handler.calls if name == "on_message_done"]
    assert done[0]["content"][0]["text"]["value"] == TEXT


@pytest.mark.anyio
async def test_async_connection_reset_mid_event_then_resync(fake_assistants_server: Any) -> None:
    scenario = message_scenario(seed=3)
    body = scenario.encode_segment(0)
    drop_at, complete = middle_of_first(body, "thread.message.delta")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(drop_at=drop_at)])
    handler = AsyncRecorder()
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=5) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler)
        async with stream:
            with pytest.raises(StreamConnectionError) as raised:
                await stream.until_done()
        assert not raised.value.timeout
        assert stream.accumulator.to_builtins() == reference_states([body])[0][complete]
        assert busy_connections(client.http) == []
        run = await client.resync(stream.accumulator, handler, poll_interval=0.02, timeout=10)
    assert run.status == "completed"
    assert_finished_like(stream.accumulator, scenario)
    assert handler.names().count("on_message_done") == 1


def test_clean_end_before_rest_is_incomplete_not_a_connection_error(fake_assistants_server: Any) -> None:
    scenario = message_scenario(seed=4)
    end_at, complete = middle_of_first(scenario.encode_segment(0), "thread.message.completed")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(end_at=end_at)])
    with client_for(server, timeout=5) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id) as stream:
            with pytest.raises(IncompleteStreamError) as raised:
                stream.until_done()
        assert type(raised.value) is IncompleteStreamError
        assert stream.accumulator.events_fed == complete
        assert busy_connections(client.http) == []


def test_corrupt_event_is_a_decode_error_with_offset(fake_assistants_server: Any) -> None:
    scenario = message_scenario(seed=5)
    body = scenario.encode_segment(0)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(bad_event_at=4)])
    with client_for(server, timeout=5) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id) as stream:
            with pytest.raises(StreamDecodeError) as raised:
                stream.until_done()
        assert raised.value.event == "thread.message.delta"
        assert raised.value.offset == event_ends(body)[3] and raised.value.ordinal == 4
        assert busy_connections(client.http) == []


# ---- a stall ------------------------------------------------------------------------------------


def test_stall_longer_than_read_timeout_then_resync(fake_assistants_server: Any) -> None:
    scenario = message_scenario(seed=6)
    stall_at, complete = middle_of_first(scenario.encode_segment(0), "thread.message.delta")
    # The stall is three times the read timeout, which is far longer than any pause a loaded
    # machine makes. That the timeout fired inside the stall is shown by where the stream
    # stopped (at the stall's offset), not by a clock; the run moves on once the client has
    # hung up (as the service runs it to its end), and re-sync polls until it rests.
    fault = StreamFault(stall_at=stall_at, stall_for=3.0)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[fault])
    handler = Recorder()
    with client_for(server, timeout=httpx.Timeout(10, read=1.0)) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler) as stream:
            with pytest.raises(StreamConnectionError) as raised:
                stream.until_done()
        assert raised.value.timeout and raised.value.offset == stall_at
        assert stream.accumulator.events_fed == complete
        assert [n for n in handler.names() if n in ("on_timeout", "on_exception", "on_end")] == [
            "on_timeout", "on_exception", "on_end"]
        run = client.resync(stream.accumulator, handler, poll_interval=0.05, timeout=10)
    assert run.status == "completed"
    assert_finished_like(stream.accumulator, scenario)


@pytest.mark.anyio
async def test_async_stall_longer_than_read_timeout_then_resync(fake_assistants_server: Any) -> None:
    scenario = message_scenario(seed=7)
    stall_at, _ = middle_of_first(scenario.encode_segment(0), "thread.message.delta")
    server = fake_assistants_server(
        [scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(stall_at=stall_at, stall_for=3.0)])
    handler = AsyncRecorder()
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=httpx.Timeout(10, read=1.0)) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler)
        async with stream:
            with pytest.raises(StreamConnectionError) as raised:
                await stream.until_done()
        assert raised.value.timeout and raised.value.offset == stall_at
        assert handler.names().count("on_timeout") == 1
        run = await client.resync(stream.accumulator, handler, poll_interval=0.05, timeout=10)
    assert run.status == "completed"
    assert_finished_like(stream.accumulator, scenario)


def test_slow_drip_one_byte_per_read(fake_assistants_server: Any, tmp_path: Path) -> None:
    scenario = message_scenario(seed=8)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, chunk_size=1)
    handler = Recorder()
    with client_for(server, timeout=httpx.Timeout(10, read=5)) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler,
                               record_to=tmp_path / "drip.sse") as stream:
            stream.until_done()
    size = len(scenario.encode_segment(0))
    assert stream.bytes_received == size
    # The recording's timing sidecar has a line per chunk received: most reads got one byte.
    reads = len((tmp_path / "drip.sse.timing").read_text().splitlines())
    assert reads > size // 2
    assert "on_timeout" not in handler.names()
    assert_finished_like(stream.accumulator, scenario)


def test_slow_stream_longer_than_the_read_timeout(fake_assistants_server: Any) -> None:
    # The read timeout bounds the wait for each read, not the whole stream.
    scenario = message_scenario(seed=12)
    # ~76 writes 0.03 s apart (2.3 s in all) against a read timeout of 1 s: each pause has a
    # margin of 30 times, the whole stream outlasts the timeout by its own sleeps.
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, chunk_size=128, chunk_delay=0.03)
    handler = Recorder()
    with client_for(server, timeout=httpx.Timeout(10, read=1.0)) as client:
        started = time.monotonic()
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler) as stream:
            stream.until_done()
        elapsed = time.monotonic() - started
    assert elapsed > 1.0
    assert "on_timeout" not in handler.names()
    assert_finished_like(stream.accumulator, scenario)


# ---- an HTTP error inside a tool loop --------------------------------------------------------------


def tools_counting(counts: dict[str, int]) -> dict[str, Any]:
    def get_weather(city: str) -> str:
        counts["get_weather"] = counts.get("get_weather", 0) + 1
        return f"22C in {city}"

    def get_time(tz: str) -> str:
        counts["get_time"] = counts.get("get_time", 0) + 1
        return f"noon in {tz}"

    return {"get_weather": get_weather, "get_time": get_time}


def test_500_in_the_middle_of_a_tool_loop(fake_assistants_server: Any) -> None:
    scenario = tool_scenario()
    fault = HTTPFault(nth=1, status=500, match="submit_tool_outputs")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, http_faults=[fault])
    counts: dict[str, int] = {}
    handler = Recorder()
    with client_for(server, timeout=5) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=tools_counting(counts),
                                handler=handler)
        with pytest.raises(APIError) as raised:
            loop.until_done()
        error = raised.value
        assert error.status_code == 500 and error.type == "server_error"
        assert error.request_id and error.request_id.startswith("req_")
        assert counts == {"get_weather": 1, "get_time": 1}
        assert loop.accumulator.run_status == "requires_action"
        assert busy_connections(client.http) == []
        # The failed request was not processed: submitting again continues the same state.
        outputs = [{"tool_call_id": i, "output": o} for i, o in zip(scenario.tool_call_ids(0), ["22C in Paris", "noon in CET"])]
        with client.submit_tool_outputs_stream(scenario.thread_id, scenario.run_id, outputs, handler=handler,
                                               accumulator=loop.accumulator) as stream:
            stream.until_done()
    assert_finished_like(loop.accumulator, scenario, tool_outputs={o["tool_call_id"]: o["output"] for o in outputs})
    assert handler.names().count("on_requires_action") == 1
    assert handler.names().count("on_message_done") == 1


def test_tool_loop_with_resync_survives_a_drop(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(seed=13)
    drop_at, _ = middle_of_first(scenario.encode_segment(0), "thread.run.step.delta")
    fault = StreamFault(drop_at=drop_at, stale_reads=0)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[fault])
    counts: dict[str, int] = {}
    handler = Recorder()
    with client_for(server, timeout=5) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=tools_counting(counts),
                                handler=handler, resync=True)
        loop.until_done()
    assert counts == {"get_weather": 1, "get_time": 1}
    outputs = dict(zip(scenario.tool_call_ids(0), ["22C in Paris", "noon in CET"]))
    assert_finished_like(loop.accumulator, scenario, tool_outputs=outputs)
    assert handler.names().count("on_exception") == 1  # the drop, before re-sync took over


@pytest.mark.anyio
async def test_async_500_in_the_middle_of_a_tool_loop(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(seed=9)
    fault = HTTPFault(nth=1, status=500, match="submit_tool_outputs")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, http_faults=[fault])
    counts: dict[str, int] = {}
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=5) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=tools_counting(counts))
        with pytest.raises(APIError) as raised:
            await loop.until_done()
        assert raised.value.status_code == 500
        assert counts == {"get_weather": 1, "get_time": 1}
        assert loop.accumulator.run_status == "requires_action"
        assert busy_connections(client.http) == []


# ---- secrets --------------------------------------------------------------------------------------


def _texts_of(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), "".join(traceback.format_exception(error)), repr(vars(error))]
    return texts


def test_api_key_never_leaks(fake_assistants_server: Any, caplog: pytest.LogCaptureFixture, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    good, dropped = tool_scenario(seed=10), message_scenario(seed=11)
    drop_at, _ = middle_of_first(dropped.encode_segment(0), "thread.message.delta")
    server = fake_assistants_server([good, dropped], api_key=SECRET_KEY,
                                    stream_faults=[StreamFault(run_id=dropped.run_id, drop_at=drop_at)])
    seen: list[str] = []
    errors: list[BaseException] = []
    with client_for(server, timeout=5) as client:
        seen += [repr(client), str(client), repr(client.config), repr(client.http)]
        loop = client.run_tools(good.thread_id, assistant_id=good.assistant_id, tools=tools_counting({}),
                                record_to=tmp_path / "run.sse")
        loop.until_done()
        seen += [repr(loop), repr(loop.stream), repr(loop.accumulator), repr(vars(loop.stream))]
        with client.stream_run(dropped.thread_id, assistant_id=dropped.assistant_id) as stream:
            with pytest.raises(StreamConnectionError) as raised:
                stream.until_done()
        errors.append(raised.value)
    # A key from the environment, and a wrong one the server rejects.
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    with Client(base_url=server.base_url) as client:
        seen.append(repr(client))
        client.retrieve_run(good.thread_id, good.run_id)
    with Client(base_url=server.base_url, api_key=SECRET_KEY + "x") as client:
        with pytest.raises(APIError) as raised:
            client.retrieve_run(good.thread_id, good.run_id)
        assert raised.value.status_code == 401
        errors.append(raised.value)
    with Client(base_url="http://127.0.0.1:9", api_key=SECRET_KEY, timeout=2) as client:
        with pytest.raises(runstream.APIConnectionError) as raised:
            client.retrieve_run("thread_x", "run_x")
        errors.append(raised.value)
    for error in errors:
        seen += _texts_of(error)
    recordings = sorted(tmp_path.iterdir())
    assert [p.name for p in recordings] == [
        "run.continuation-1.sse", "run.continuation-1.sse.timing", "run.sse", "run.sse.timing"]
    assert (tmp_path / "run.sse").read_bytes() == good.encode_segment(0)
    assert len(caplog.records) > 0  # httpx and httpcore did log at DEBUG
    secret_part = SECRET_KEY[8:-4]  # what no masking may show
    logs = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for text in [*seen, logs]:
        assert secret_part not in text, text[:300]
    for path in recordings:
        assert secret_part.encode() not in path.read_bytes()
