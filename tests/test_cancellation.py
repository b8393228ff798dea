"""Cancellation and early exit release the HTTP response: no connection stays busy in the
httpx pool, and no socket is leaked by the process.

Async consumers (asyncio and trio) are cancelled by an anyio deadline while waiting for the
server, while busy in their own loop body, inside a handler callback, inside a tool of a tool
loop, and all at once in a task group; sync consumers break out of their loop or raise.
Sockets are counted in ``/proc/self/fd`` (the fake server lives in this process, so client
sockets are told apart by their remote port, from ``/proc/self/net/tcp``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from reliability_support import (
    SECRET_KEY,
    AsyncRecorder,
    busy_connections,
    client_sockets,
    pool_connections,
    socket_fds,
)

from runstream import AsyncClient, AsyncEventHandler, Client
from runstream.testing import FakeAssistantsServer, Scenario, StreamFault, ToolCallSpec

LONG_TEXT = "Streaming tokens one after another, slowly. " * 40

# httpx reads a body through nested async generators it cannot close when the reader stops
# early: on trio those warn when collected (encode/httpx#3686). Only theirs are ignored;
# runstream's own generators must still be closed explicitly.
HTTPX_GENERATORS_WARN = pytest.mark.filterwarnings("ignore:Async generator 'httpx:ResourceWarning")


def slow_scenario(seed: int) -> Scenario:
    return Scenario(thread_id=f"thread_c{seed}", seed=seed, created_at=1_700_000_000).message(LONG_TEXT)


@pytest.fixture
def leak_check() -> Iterator[Callable[..., FakeAssistantsServer]]:
    """Start fake servers; after the test (servers stopped) the process holds exactly the
    sockets it held before."""
    before = len(socket_fds())
    servers: list[FakeAssistantsServer] = []

    def start(scenarios: list[Scenario], **options: Any) -> FakeAssistantsServer:
        server = FakeAssistantsServer(scenarios, api_key=SECRET_KEY, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        assert server.errors == []
    deadline = time.monotonic() + 60  # a fail-safe: sockets close as soon as the servers stop
    while len(socket_fds()) != before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(socket_fds()) == before, "sockets leaked"


def assert_released(http: httpx.Client | httpx.AsyncClient, port: int, *, idle_allowed: int = 0) -> None:
    assert busy_connections(http) == []
    assert len(pool_connections(http)) <= idle_allowed
    assert client_sockets(port) == len(pool_connections(http))


async def wait_until(condition: Callable[[], bool]) -> None:
    """Yield to the other tasks until ``condition()`` holds."""
    while not condition():
        await anyio.sleep(0.005)


def async_client(server: FakeAssistantsServer, read: float = 10) -> AsyncClient:
    return AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=httpx.Timeout(10, read=read))


# ---- async ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_deadline_while_waiting_for_a_stalled_server(leak_check: Any) -> None:
    scenario = slow_scenario(1)
    server = leak_check([scenario], stream_faults=[StreamFault(stall_at=3000, stall_for=30)])
    events = []
    async with async_client(server) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)

        async def read() -> None:
            async with stream:
                async for event in stream:
                    events.append(event)

        with anyio.fail_after(30):  # a safety net: the cancel below comes first
            async with anyio.create_task_group() as group:
                group.start_soon(read)
                # Cancelled once every byte before the stall has arrived: the reader now waits
                # for a server that sends nothing (no time window involved).
                await wait_until(lambda: stream.bytes_received >= 3000)
                group.cancel_scope.cancel()
        assert 0 < len(events)
        assert stream._source_object.is_closed
        assert_released(client.http, server.port)


@pytest.mark.anyio
@HTTPX_GENERATORS_WARN
async def test_deadline_while_the_consumer_is_busy(leak_check: Any) -> None:
    scenario = slow_scenario(2)
    server = leak_check([scenario], chunk_size=64, chunk_delay=0.005)
    async with async_client(server) as client:
        with anyio.CancelScope() as scope:
            stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
            async with stream:
                async for _ in stream:
                    scope.cancel()
                    await anyio.sleep(10)  # cancelled here, with the stream suspended
        assert scope.cancelled_caught
        assert_released(client.http, server.port)


class SlowHandler(AsyncEventHandler):
    """Cancels ``scope`` from inside its first text delta callback, then waits there."""

    def __init__(self, scope: anyio.CancelScope) -> None:
        self.scope = scope

    async def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.scope.cancel()
        await anyio.sleep(10)


@pytest.mark.anyio
@HTTPX_GENERATORS_WARN
async def test_deadline_inside_a_handler_callback(leak_check: Any) -> None:
    scenario = slow_scenario(3)
    server = leak_check([scenario], chunk_size=64, chunk_delay=0.005)
    async with async_client(server) as client:
        with anyio.CancelScope() as scope:
            stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id,
                                             handler=SlowHandler(scope))
            async with stream:
                await stream.until_done()
        assert scope.cancelled_caught
        assert_released(client.http, server.port)


@pytest.mark.anyio
async def test_cancel_inside_a_tool_of_a_tool_loop(leak_check: Any) -> None:
    scenario = (
        Scenario(thread_id="thread_c4", seed=4, created_at=1_700_000_000)
        .tool_calls([ToolCallSpec("wait", "{}")])
        .message("done")
    )
    server = leak_check([scenario])
    started = anyio.Event()

    async def wait() -> str:
        started.set()
        await anyio.sleep_forever()
        return "never"

    async with async_client(server) as client:
        with anyio.move_on_after(120) as scope:  # a safety net: the cancel below comes first
            async with anyio.create_task_group() as group:
                loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"wait": wait})
                group.start_soon(loop.until_done)
                await started.wait()
                group.cancel_scope.cancel()
        assert not scope.cancelled_caught  # cancelled by the group, not the safety deadline
        assert loop.accumulator.run_status == "requires_action"
        # The first stream was read to its end: its connection may stay in the pool, idle.
        assert_released(client.http, server.port, idle_allowed=1)


@pytest.mark.anyio
@HTTPX_GENERATORS_WARN
async def test_cancel_many_streams_at_once(leak_check: Any) -> None:
    scenarios = [slow_scenario(10 + i) for i in range(20)]
    # Every stream stalls after its first events, so none can finish before the cancel, however
    # slowly the machine runs (the cancel waits for a condition, not for a time).
    server = leak_check(scenarios, chunk_size=64, stream_faults=[StreamFault(stall_at=3000, stall_for=60)])
    handlers = [AsyncRecorder() for _ in scenarios]

    async def consume(scenario: Scenario, handler: AsyncRecorder) -> None:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=handler)
        async with stream:
            await stream.until_done()

    async with async_client(server) as client:
        with anyio.fail_after(60):  # a safety net: the cancel below comes first
            async with anyio.create_task_group() as group:
                for scenario, handler in zip(scenarios, handlers):
                    group.start_soon(consume, scenario, handler)
                await wait_until(lambda: all("on_run_status" in handler.names() for handler in handlers))
                group.cancel_scope.cancel()
        assert all("on_run_status" in handler.names() for handler in handlers)  # all had begun
        assert all("on_message_done" not in handler.names() for handler in handlers)
        assert_released(client.http, server.port)


@pytest.mark.anyio
async def test_finished_stream_leaves_one_idle_connection(leak_check: Any) -> None:
    # The control case: a stream read to its end gives its connection back for reuse.
    scenarios = [slow_scenario(30), slow_scenario(31)]
    server = leak_check(scenarios)
    async with async_client(server) as client:
        for scenario in scenarios:
            stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
            async with stream:
                await stream.until_done()
            assert len(pool_connections(client.http)) == 1
        assert_released(client.http, server.port, idle_allowed=1)
    assert client_sockets(server.port) == 0


# ---- sync -------------------------------------------------------------------------------------------


def sync_client(server: FakeAssistantsServer) -> Client:
    return Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10)


def test_break_out_of_a_with_block(leak_check: Any) -> None:
    scenario = slow_scenario(40)
    server = leak_check([scenario], chunk_size=64, chunk_delay=0.002)
    with sync_client(server) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id) as stream:
            for event in stream:
                if event.event == "thread.message.delta":
                    break
        assert stream._source_object.is_closed
        assert_released(client.http, server.port)


def test_exception_in_the_loop_body(leak_check: Any) -> None:
    scenario = slow_scenario(41)
    server = leak_check([scenario], chunk_size=64, chunk_delay=0.002)
    with sync_client(server) as client:
        with pytest.raises(KeyboardInterrupt):
            with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id) as stream:
                for event in stream:
                    if event.event == "thread.message.delta":
                        raise KeyboardInterrupt
        assert_released(client.http, server.port)


def test_break_then_close(leak_check: Any) -> None:
    scenario = slow_scenario(42)
    server = leak_check([scenario], chunk_size=64, chunk_delay=0.002)
    with sync_client(server) as client:
        stream = client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
        for _ in stream:
            break
        stream.close()
        assert_released(client.http, server.port)


def test_stream_never_iterated_is_closed(leak_check: Any) -> None:
    scenario = slow_scenario(43)
    server = leak_check([scenario])
    with sync_client(server) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id):
            pass
        assert_released(client.http, server.port)
