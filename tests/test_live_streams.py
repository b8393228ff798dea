"""Live streams that are held open: reading stops at ``done``, an idle stream times out
(keep-alives do not count), a sync stream can be stopped from another thread, and
``on_end`` is called once however a stream ends.

No test waits on a clock: servers stall "forever" (an hour, cut when the test ends), idle
timeouts are tiny, and the generous fail-safe bounds are only reached when a test fails.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest
from reliability_support import SECRET_KEY, AsyncRecorder, Recorder, event_ends

from runstream import AsyncClient, Client, StreamConnectionError
from runstream.errors import IdleTimeoutError
from runstream.testing import Scenario

FOREVER = 3600.0
FAIL_SAFE = 60.0

# No warning is ignored: a stream left early finishes httpx's nested body generators itself
# (on trio, collected unfinished they would warn, and warnings are errors here).


def text_scenario(seed: int) -> Scenario:
    # One write up to a stall: the events before it arrive together, so even a slow machine
    # sees no idle gap between them.
    return Scenario(thread_id=f"thread_ls{seed}", seed=seed, created_at=1_700_000_000, chunk_size=1 << 20).message(
        "A message long enough to come in several deltas, so a stall can fall in the middle.")


def stall_after_events(scenario: Scenario, count: int) -> Any:
    from runstream.testing import StreamFault

    return StreamFault(stall_at=event_ends(scenario.encode_segment(0))[count - 1], stall_for=FOREVER)


def in_thread(function: Any) -> dict[str, Any]:
    """Run ``function`` in a thread; return its outcome (``result`` or ``error``)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = function()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(FAIL_SAFE)
    assert not thread.is_alive(), "the reader did not return"
    return outcome


# ---- until_done returns at done ----------------------------------------------------------------


def test_until_done_returns_at_done_while_the_server_holds_the_connection(fake_assistants_server: Any) -> None:
    from runstream.testing import StreamFault

    scenario = text_scenario(1)
    body = scenario.encode_segment(0)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY,
                                    stream_faults=[StreamFault(stall_at=len(body), stall_for=FOREVER)])
    handler = Recorder()
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=None, idle_timeout=None) as client:

        def read() -> str:
            with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler) as stream:
                stream.until_done()
                return stream.final_run().status

        outcome = in_thread(read)
    assert outcome == {"result": "completed"}
    assert handler.names().count("on_end") == 1


@pytest.mark.anyio
async def test_async_until_done_returns_at_done_while_the_server_holds_the_connection(
        fake_assistants_server: Any) -> None:
    from runstream.testing import StreamFault

    scenario = text_scenario(2)
    body = scenario.encode_segment(0)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY,
                                    stream_faults=[StreamFault(stall_at=len(body), stall_for=FOREVER)])
    handler = AsyncRecorder()
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=None, idle_timeout=None) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler)
        with anyio.fail_after(FAIL_SAFE):
            async with stream:
                run = await stream.final_run()
    assert run.status == "completed" and stream.done_received
    assert handler.names().count("on_end") == 1


# ---- idle timeout ----------------------------------------------------------------------------


def test_a_stalled_stream_times_out_keeping_its_state(fake_assistants_server: Any) -> None:
    scenario = text_scenario(3)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[stall_after_events(scenario, 3)])
    handler = Recorder()
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=None, idle_timeout=0.5) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler) as stream:
            with pytest.raises(IdleTimeoutError) as raised:
                stream.until_done()
    error = raised.value
    assert isinstance(error, StreamConnectionError) and error.timeout and error.idle_timeout == 0.5
    assert error.accumulator is stream.accumulator and stream.accumulator.events_fed == 3
    assert error.last_status == "in_progress"
    assert [n for n in handler.names() if n in ("on_timeout", "on_exception", "on_end")] == [
        "on_timeout", "on_exception", "on_end"]


@pytest.mark.anyio
async def test_async_a_stalled_stream_times_out_keeping_its_state(fake_assistants_server: Any) -> None:
    scenario = text_scenario(4)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[stall_after_events(scenario, 3)])
    handler = AsyncRecorder()
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=None) as client:
        # The stream's own idle timeout wins over the client's (600 s).
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler,
                                         idle_timeout=0.5)
        async with stream:
            with pytest.raises(IdleTimeoutError) as raised:
                await stream.until_done()
    assert raised.value.accumulator is stream.accumulator and stream.accumulator.events_fed == 3
    assert handler.names().count("on_timeout") == 1 and handler.names().count("on_end") == 1


class KeepAlives(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A stream's first events, then keep-alive comments without end (a fail-safe stops them
    after a million)."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        for self.sent in range(1_000_000):
            yield b": keep-alive\n\n"
        raise AssertionError("a million keep-alives were read")

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._chunks = iter(self)
        return self

    async def __anext__(self) -> bytes:
        await anyio.lowlevel.checkpoint()
        return next(self._chunks)


def keep_alive_transport(scenario: Scenario) -> httpx.MockTransport:
    body = scenario.encode_segment(0)
    head = body[: event_ends(body)[2]]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=KeepAlives(head))

    return httpx.MockTransport(handle)


def test_keep_alive_comments_do_not_hold_a_stream_open() -> None:
    scenario = text_scenario(5)
    http = httpx.Client(transport=keep_alive_transport(scenario))
    with Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http, idle_timeout=0.05) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id) as stream:
            with pytest.raises(IdleTimeoutError) as raised:
                stream.until_done()
    assert stream.accumulator.events_fed == 3 and raised.value.offset == stream.bytes_received
    assert stream.bytes_received > len(scenario.encode_segment(0)[: event_ends(scenario.encode_segment(0))[2]])


@pytest.mark.anyio
async def test_async_keep_alive_comments_do_not_hold_a_stream_open() -> None:
    scenario = text_scenario(6)
    async with httpx.AsyncClient(transport=keep_alive_transport(scenario)) as http:
        client = AsyncClient(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http,
                             idle_timeout=0.05)
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
        async with stream:
            with pytest.raises(IdleTimeoutError):
                await stream.until_done()
    assert stream.accumulator.events_fed == 3


def test_idle_timeout_must_be_positive() -> None:
    from runstream import RunStream

    with pytest.raises(ValueError, match="idle_timeout"):
        RunStream(b"", idle_timeout=0)


# ---- stopping a sync stream from another thread ----------------------------------------------


class SignallingRecorder(Recorder):
    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.seen = 0
        self.reached = threading.Event()

    def on_event(self, event: Any) -> None:
        super().on_event(event)  # type: ignore[misc]
        self.seen += 1
        if self.seen == self.after:
            self.reached.set()


@pytest.mark.parametrize("how", ["iterate", "until_done"])
def test_close_from_another_thread_stops_the_reader(fake_assistants_server: Any, how: str) -> None:
    scenario = text_scenario(7)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[stall_after_events(scenario, 3)])
    handler = SignallingRecorder(after=3)
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=None, idle_timeout=None) as client:
        stream = client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler)

        def read() -> int:
            if how == "until_done":
                stream.until_done()
                return stream.accumulator.events_fed
            return sum(1 for _ in stream)

        outcome: dict[str, Any] = {}
        reader = threading.Thread(target=lambda: outcome.update(events=read()), daemon=True)
        reader.start()
        assert handler.reached.wait(FAIL_SAFE)
        stream.close()  # from this thread, while the reader waits on the stalled server
        reader.join(FAIL_SAFE)
        assert not reader.is_alive(), "close() did not stop the reader"
    assert outcome == {"events": 3}
    assert handler.names().count("on_end") == 1
    assert stream._response is not None and stream._response.is_closed


# ---- on_end once -----------------------------------------------------------------------------


def test_on_end_once_after_a_break_inside_with(fake_assistants_server: Any) -> None:
    scenario = text_scenario(8)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY)
    handler = Recorder()
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler) as stream:
            for event in stream:
                if event.event == "thread.message.delta":
                    break
    assert handler.names().count("on_end") == 1


@pytest.mark.anyio
async def test_async_on_end_once_after_a_break_inside_with(fake_assistants_server: Any) -> None:
    scenario = text_scenario(9)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY)
    handler = AsyncRecorder()
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler)
        async with stream:
            async for event in stream:
                if event.event == "thread.message.delta":
                    break
    assert handler.names().count("on_end") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["waiting", "in_the_loop_body"])
async def test_async_on_end_once_after_a_cancel(fake_assistants_server: Any, where: str) -> None:
    scenario = text_scenario(10)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[stall_after_events(scenario, 3)])
    handler = AsyncRecorder()
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=None, idle_timeout=None) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler)
        with anyio.CancelScope() as scope:
            async with stream:
                async for _ in stream:
                    if stream.accumulator.events_fed == 3:
                        if where == "in_the_loop_body":
                            scope.cancel()
                            await anyio.lowlevel.checkpoint()
                        else:
                            # Cancelled while the stream waits on the stalled server.
                            scope.cancel()
        assert scope.cancelled_caught
    assert handler.names().count("on_end") == 1
