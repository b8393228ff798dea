"""The live path under faults: a tool runs once per call, error bodies are bounded and keep
their status, credentials stay with their origin, retries honour Retry-After.

Every test here runs over loopback (the fake server) or an httpx.MockTransport, and none
waits on a clock: fail-safe bounds are generous and only reached when a test fails.
"""

from __future__ import annotations

import io
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import redirect_stderr
from typing import Any

import anyio
import httpx
import msgspec
import pytest
from reliability_support import SECRET_KEY, AsyncRecorder, Recorder

import runstream
from runstream import (
    APIConnectionError,
    APIError,
    AsyncClient,
    Client,
    RetryPolicy,
    ToolCallError,
)
from runstream._cli.main import main as cli_main
from runstream.testing import HTTPFault, Scenario, StreamFault, ToolCallSpec


def tool_scenario(seed: int) -> Scenario:
    calls = [ToolCallSpec("get_weather", '{"city": "Paris"}'), ToolCallSpec("get_time", '{"tz": "CET"}')]
    return (Scenario(thread_id=f"thread_lf{seed}", seed=seed, created_at=1_700_000_000)
            .tool_calls(calls).message("It is 22C in Paris at noon."))


def counting_tools(counts: dict[str, int]) -> dict[str, Any]:
    def get_weather(city: str) -> str:
        counts["get_weather"] = counts.get("get_weather", 0) + 1
        return f"22C in {city}"

    def get_time(tz: str) -> str:
        counts["get_time"] = counts.get("get_time", 0) + 1
        return f"noon in {tz}"

    return {"get_weather": get_weather, "get_time": get_time}


def submissions(server: Any) -> list[Any]:
    return [r for r in server.requests if r.path.endswith("/submit_tool_outputs")]


# ---- 1. a tool never runs twice --------------------------------------------------------------


def test_continuation_dropped_before_its_first_event_runs_no_tool_twice(fake_assistants_server: Any) -> None:
    # The continuation stream drops before its first event; the next read of the run is
    # stale (still requires_action, as the fake server answers by default).
    scenario = tool_scenario(1)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(segment=1, drop_at=0)])
    counts: dict[str, int] = {}
    handler = Recorder()
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=counting_tools(counts),
                                handler=handler, resync=True, poll_interval=0.01, resync_timeout=30)
        run = loop.final_run()
    assert run.status == "completed"
    assert counts == {"get_weather": 1, "get_time": 1}
    assert len(submissions(server)) == 1 and loop.rounds == 1
    assert loop.answered == set(scenario.tool_call_ids(0))
    assert handler.names().count("on_requires_action") == 1
    assert server.errors == []


@pytest.mark.anyio
async def test_async_continuation_dropped_before_its_first_event_runs_no_tool_twice(
        fake_assistants_server: Any) -> None:
    scenario = tool_scenario(2)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[StreamFault(segment=1, drop_at=0)])
    counts: dict[str, int] = {}
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=counting_tools(counts),
                                handler=AsyncRecorder(), resync=True, poll_interval=0.01, resync_timeout=30)
        run = await loop.final_run()
    assert run.status == "completed"
    assert counts == {"get_weather": 1, "get_time": 1}
    assert len(submissions(server)) == 1


def _landed_submission_transport(scenario: Scenario, seen: list[str]) -> httpx.MockTransport:
    """A service where the submission had already landed: it answers 400, and the run
    (read afterwards) is completed."""
    final_run = msgspec.to_builtins(scenario.expected_run())
    steps = msgspec.to_builtins(scenario.expected_steps())
    messages = {m.id: msgspec.to_builtins(m) for m in scenario.expected_messages()}

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(f"{request.method} {path}")
        if request.method == "POST" and path.endswith("/runs"):
            return httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  content=scenario.encode_segment(0))
        if path.endswith("/submit_tool_outputs"):
            body = {"error": {"message": 'Runs in status "completed" do not accept tool outputs.',
                              "type": "invalid_request_error", "param": None, "code": None}}
            return httpx.Response(400, json=body)
        if path.endswith("/steps"):
            return httpx.Response(200, json={"object": "list", "data": steps, "first_id": None, "last_id": None,
                                             "has_more": False})
        if "/messages/" in path:
            return httpx.Response(200, json=messages[path.rsplit("/", 1)[1]])
        return httpx.Response(200, json=final_run)

    return httpx.MockTransport(handle)


def test_a_400_from_a_submission_that_landed_resyncs_and_continues() -> None:
    scenario = tool_scenario(3)
    seen: list[str] = []
    counts: dict[str, int] = {}
    http = httpx.Client(transport=_landed_submission_transport(scenario, seen))
    with Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=counting_tools(counts),
                                poll_interval=0.01, resync_timeout=30)
        run = loop.final_run()
    assert run.status == "completed"
    assert counts == {"get_weather": 1, "get_time": 1}
    assert sum(line.endswith("/submit_tool_outputs") for line in seen) == 1
    assert [m.id for m in loop.accumulator.messages] == [m.id for m in scenario.expected_messages()]


@pytest.mark.anyio
async def test_async_a_400_from_a_submission_that_landed_resyncs_and_continues() -> None:
    scenario = tool_scenario(4)
    seen: list[str] = []
    counts: dict[str, int] = {}
    http = httpx.AsyncClient(transport=_landed_submission_transport(scenario, seen))
    async with AsyncClient(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=counting_tools(counts),
                                poll_interval=0.01, resync_timeout=30)
        run = await loop.final_run()
    await http.aclose()
    assert run.status == "completed"
    assert counts == {"get_weather": 1, "get_time": 1}


def test_a_400_for_a_submission_that_did_not_land_is_raised(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(5)
    fault = HTTPFault(nth=1, status=400, match="submit_tool_outputs")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, http_faults=[fault])
    counts: dict[str, int] = {}
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=counting_tools(counts))
        with pytest.raises(APIError) as raised:
            loop.until_done()
    assert raised.value.status_code == 400
    assert loop.unsubmitted_outputs is not None and loop.answered == set()
    assert counts == {"get_weather": 1, "get_time": 1}


def test_resync_polling_is_bounded(fake_assistants_server: Any) -> None:
    # The run never catches up (stale forever): re-sync gives up after resync_timeout.
    scenario = tool_scenario(6)
    fault = StreamFault(drop_at=200, stale_reads=None)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, stream_faults=[fault])
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=counting_tools({}),
                                resync=True, poll_interval=0.01, resync_timeout=0.05)
        with pytest.raises(TimeoutError):
            loop.until_done()


# ---- 4. tool outputs and errors ---------------------------------------------------------------


def test_a_tool_returning_a_lone_surrogate_is_submitted(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(7)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY)
    tools = {"get_weather": lambda city: "sunny \ud800 and \ud83d\ude00", "get_time": lambda tz: {"at": "noon\udfff"}}
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        run = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=tools).final_run()
    assert run.status == "completed"
    [submission] = submissions(server)
    outputs = [o["output"] for o in submission.json["tool_outputs"]]
    assert outputs == ["sunny \ufffd and \U0001f600", '{"at":"noon\ufffd"}']


@pytest.mark.anyio
async def test_async_loop_raises_tool_call_error_itself(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(8)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY)

    def get_weather(city: str) -> str:
        raise RuntimeError("weather service down")

    async def get_time(tz: str) -> str:
        return "noon"

    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, submit_errors=False,
                                tools={"get_weather": get_weather, "get_time": get_time})
        with pytest.raises(ToolCallError) as raised:
            await loop.until_done()
    assert type(raised.value) is ToolCallError
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert submissions(server) == []


# ---- 5. sync tools in worker threads ----------------------------------------------------------


@pytest.mark.anyio
async def test_async_loop_runs_sync_tools_of_a_round_concurrently(fake_assistants_server: Any) -> None:
    # Three sync tools that each wait for the other two: they finish only if they run at the
    # same time. (The barrier's timeout is a fail-safe, reached only when they do not.)
    calls = [ToolCallSpec("meet", f'{{"who": "{who}"}}') for who in ("a", "b", "c")]
    scenario = Scenario(thread_id="thread_meet", seed=9, created_at=1_700_000_000).tool_calls(calls).message("Met.")
    server = fake_assistants_server([scenario], api_key=SECRET_KEY)
    barrier = threading.Barrier(3, timeout=30)

    def meet(who: str) -> str:
        barrier.wait()
        return f"{who} met"

    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=60) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"meet": meet})
        run = await loop.final_run()
    assert run.status == "completed"
    [submission] = submissions(server)
    assert [o["output"] for o in submission.json["tool_outputs"]] == ["a met", "b met", "c met"]


@pytest.mark.anyio
async def test_async_loop_tool_timeout(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(10)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY)
    release = threading.Event()

    def get_weather(city: str) -> str:  # a sync tool that hangs until the test ends
        release.wait(60)
        return "late"

    async def get_time(tz: str) -> str:  # an async tool that never returns
        await anyio.Event().wait()
        return "never"

    try:
        async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
            loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tool_timeout=0.05,
                                    tools={"get_weather": get_weather, "get_time": get_time})
            run = await loop.final_run()
    finally:
        release.set()
    assert run.status == "completed"
    [submission] = submissions(server)
    for output in submission.json["tool_outputs"]:
        assert output["output"].startswith("Error: TimeoutError: the tool did not return within 0.05 s")


# ---- 2 and 4. error bodies ------------------------------------------------------------------


class EndlessBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body of 64 KiB chunks with no end (a fail-safe stops it after 64 MiB)."""

    chunk = b"x" * 65536

    def __init__(self) -> None:
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < 64 * 1024 * 1024:
            self.sent += len(self.chunk)
            yield self.chunk
        raise AssertionError("the whole endless body was read")

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        if self.sent >= 64 * 1024 * 1024:
            raise AssertionError("the whole endless body was read")
        self.sent += len(self.chunk)
        return self.chunk


def test_an_endless_error_body_is_read_only_up_to_the_limit() -> None:
    bodies: list[EndlessBody] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(EndlessBody())
        return httpx.Response(500, headers={"x-request-id": "req_1"}, stream=bodies[-1])

    http = httpx.Client(transport=httpx.MockTransport(handle))
    with Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http) as client:
        for call in (lambda: client.stream_run("thread_1", assistant_id="asst_1"),
                     lambda: client.retrieve_run("thread_1", "run_1")):
            with pytest.raises(APIError) as raised:
                call()
            error = raised.value
            assert error.status_code == 500 and error.request_id == "req_1"
            assert isinstance(error.body, str) and error.body.startswith("xxx")
            assert len(error.body) == runstream._streaming.sources.ERROR_BODY_LIMIT
            assert bodies[-1].sent <= runstream._streaming.sources.ERROR_BODY_LIMIT + 65536


# httpx reads a body through nested async generators it cannot close when the reader stops
# early: on trio those warn when collected (encode/httpx#3686). Only theirs are ignored.
HTTPX_GENERATORS_WARN = pytest.mark.filterwarnings("ignore:Async generator 'httpx:ResourceWarning")


@HTTPX_GENERATORS_WARN
@pytest.mark.anyio
async def test_async_an_endless_error_body_is_read_only_up_to_the_limit() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, stream=EndlessBody())

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        client = AsyncClient(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http)
        with pytest.raises(APIError) as raised:
            await client.stream_run("thread_1", assistant_id="asst_1")
        assert raised.value.status_code == 503
        with pytest.raises(APIError) as raised:
            await client.retrieve_run("thread_1", "run_1")
        assert raised.value.status_code == 503


class BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Half an error body, then a transport failure (cut off, or stalled past the timeout)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"error": {"message": "Bad gat'
        raise self.error

    def __aiter__(self) -> AsyncIterator[bytes]:
        self.sent = False
        return self

    async def __anext__(self) -> bytes:
        if not self.sent:
            self.sent = True
            return b'{"error": {"message": "Bad gat'
        raise self.error


@pytest.mark.parametrize("failure", [httpx.RemoteProtocolError("peer closed connection"),
                                     httpx.ReadTimeout("timed out")], ids=["truncated", "stalled"])
def test_a_broken_error_body_keeps_its_status(failure: Exception) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, headers={"content-type": "application/json"}, stream=BrokenBody(failure))

    http = httpx.Client(transport=httpx.MockTransport(handle))
    with Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http) as client:
        for call in (lambda: client.stream_run("thread_1", assistant_id="asst_1"),
                     lambda: client.cancel_run("thread_1", "run_1")):
            with pytest.raises(APIError) as raised:
                call()
            assert raised.value.status_code == 502
            assert raised.value.body == '{"error": {"message": "Bad gat'
            assert f"body incomplete: {type(failure).__name__}" in str(raised.value)


_BROKEN_GZIP = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4  # a gzip header, then no deflate data


@pytest.mark.parametrize("status", [500, 200])
def test_a_body_whose_compression_is_broken_is_a_runstream_error(status: int) -> None:
    # httpx raises DecodingError, which is no TransportError: it escaped raw. An error
    # status keeps its status; a 2xx body that cannot be read is a connection error.
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"content-type": "application/json", "content-encoding": "gzip"},
                              stream=httpx.ByteStream(_BROKEN_GZIP))

    http = httpx.Client(transport=httpx.MockTransport(handle))
    with Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http) as client:
        with pytest.raises(APIError, match="body incomplete: DecodingError") as raised:
            client.stream_response(model="m", input="x")
        assert raised.value.status_code == status
        expected = APIError if status == 500 else APIConnectionError
        with pytest.raises(expected, match="DecodingError"):
            client.create_thread()


# On asyncio only: when httpx's decoder fails, httpx leaves its own inner async generators
# unclosed (``aiter_raw``), which trio reports as unraisable warnings, whatever the caller does.
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_async_a_body_whose_compression_is_broken_is_a_runstream_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json", "content-encoding": "gzip"},
                              stream=httpx.ByteStream(_BROKEN_GZIP))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        client = AsyncClient(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http)
        with pytest.raises(APIError, match="body incomplete: DecodingError"):
            await client.stream_chat_completion(model="m", messages=[])
        with pytest.raises(APIConnectionError, match="DecodingError"):
            await client.create_thread()


@pytest.mark.anyio
async def test_async_a_broken_error_body_keeps_its_status() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, stream=BrokenBody(httpx.ReadTimeout("timed out")))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        client = AsyncClient(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http)
        for call in (lambda: client.stream_run("thread_1", assistant_id="asst_1"),
                     lambda: client.list_runs("thread_1")):
            with pytest.raises(APIError) as raised:
                await call()
            assert raised.value.status_code == 502 and "ReadTimeout" in str(raised.value)


def test_a_truncated_error_body_over_loopback_keeps_its_status(fake_assistants_server: Any) -> None:
    # A 500 whose JSON body is fine: the status, type and request id are all there.
    fault = HTTPFault(nth=1, status=500, match="POST ", headers={"retry-after": "0"})
    scenario = tool_scenario(11)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, http_faults=[fault])
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        with pytest.raises(APIError) as raised:
            client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
    error = raised.value
    assert error.status_code == 500 and error.type == "server_error"
    assert error.request_id is not None and error.request_id == error.headers["x-request-id"]
    assert error.retry_after == 0.0


# ---- 10. headers and retries ----------------------------------------------------------------


def test_api_error_exposes_headers_and_retry_after() -> None:
    cases = [({"retry-after": "7"}, 7.0), ({"retry-after-ms": "1500"}, 1.5),
             ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0), ({}, None), ({"retry-after": "soon"}, None)]
    for headers, expected in cases:
        def handle(request: httpx.Request, headers: dict[str, str] = headers) -> httpx.Response:
            return httpx.Response(429, headers={"X-Request-Id": "req_9", **headers}, json={"error": {"message": "slow"}})

        http = httpx.Client(transport=httpx.MockTransport(handle))
        with pytest.raises(APIError) as raised:
            Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http).retrieve_run("t", "r")
        error = raised.value
        assert error.retry_after == expected
        assert error.request_id == "req_9" and error.headers["x-request-id"] == "req_9"


def test_retries_honour_retry_after_for_requests_and_stream_creation(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(12)
    faults = [HTTPFault(nth=1, status=429, match="POST ", headers={"retry-after": "0"}),
              HTTPFault(nth=2, status=503, match="POST ", headers={"retry-after-ms": "0"}),
              HTTPFault(nth=1, status=500, match="GET ")]
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, http_faults=faults)
    waits: list[float] = []
    policy = RetryPolicy(2, initial_delay=0.25, sleep=waits.append)
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10, retry_policy=policy) as client:
        with client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id) as stream:
            run = stream.final_run()
        assert run.status == "requires_action"
        assert client.retrieve_run(scenario.thread_id, run.id).id == run.id
    assert waits[:2] == [0.0, 0.0]  # the server's Retry-After
    assert 0.1875 <= waits[2] <= 0.25  # the backoff, less its jitter
    assert [r.status for r in server.requests] == [429, 503, 200, 500, 200]


def test_no_retries_by_default_and_not_for_client_errors(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(13)
    faults = [HTTPFault(nth=1, status=503, match="POST "), HTTPFault(nth=1, status=404, match="GET ")]
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, http_faults=faults)
    waits: list[float] = []
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
        with pytest.raises(APIError):
            client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
    with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10,
                retry_policy=RetryPolicy(3, sleep=waits.append)) as client:
        with pytest.raises(APIError) as raised:
            client.retrieve_run(scenario.thread_id, "run_x")
    assert raised.value.status_code == 404 and waits == []
    assert len(server.requests) == 2


def test_connection_errors_are_retried() -> None:
    attempts: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"id": "run_1", "object": "thread.run", "status": "queued"})

    waits: list[float] = []
    http = httpx.Client(transport=httpx.MockTransport(handle))
    client = Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http,
                    retry_policy=RetryPolicy(2, sleep=waits.append))
    assert client.retrieve_run("thread_1", "run_1").status == "queued"
    assert len(attempts) == 3 and len(waits) == 2
    client = Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http,
                    retry_policy=RetryPolicy(0))
    attempts.clear()
    with pytest.raises(APIConnectionError):
        client.retrieve_run("thread_1", "run_1")


@pytest.mark.anyio
async def test_async_retries_with_an_awaitable_sleep(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(14)
    faults = [HTTPFault(nth=1, status=429, match="POST ", headers={"retry-after": "0"})]
    server = fake_assistants_server([scenario], api_key=SECRET_KEY, http_faults=faults)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=10,
                           retry_policy=RetryPolicy(1, sleep=sleep)) as client:
        stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
        async with stream:
            run = await stream.final_run()
    assert run.status == "requires_action" and waits == [0.0]
    async with AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, timeout=10, max_retries=1) as client:
        assert client.retry_policy.max_retries == 1


# ---- 8. credentials -------------------------------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_key_in_the_base_url_never_shows(tmp_path: Any) -> None:
    base_url = f"http://user:{SECRET_KEY}@127.0.0.1:{_closed_port()}/v1"
    client = Client(base_url=base_url, api_key="sk-other", timeout=5)
    assert SECRET_KEY not in repr(client) and SECRET_KEY not in repr(client.config)
    with pytest.raises(APIConnectionError) as raised:
        client.retrieve_run("thread_1", "run_1")
    assert SECRET_KEY not in str(raised.value) and "127.0.0.1" in str(raised.value)
    client.close()
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code = cli_main(["record", base_url, "--thread", "thread_1", "--assistant", "asst_1",
                         "--out", str(tmp_path / "run.sse"), "--api-key", "sk-other"])
    assert code != 0 and "127.0.0.1" in stderr.getvalue()
    assert SECRET_KEY not in stderr.getvalue()


@pytest.mark.parametrize("header", ["api-key", "x-api-key", "Authorization"])
def test_credential_headers_never_follow_a_redirect_to_another_origin(header: str) -> None:
    received: list[tuple[str, dict[str, str]]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        received.append((request.url.host, dict(request.headers)))
        if request.url.host == "service.test" and request.url.path.endswith("/runs/run_1"):
            return httpx.Response(307, headers={"location": "http://elsewhere.test/v1/threads/thread_1/runs/run_2"})
        if request.url.host == "service.test":
            return httpx.Response(307, headers={"location": "/v1/threads/thread_1/runs/run_1"})
        return httpx.Response(200, json={"id": "run_2", "object": "thread.run", "status": "queued"})

    http = httpx.Client(transport=httpx.MockTransport(handle), follow_redirects=True)
    client = Client(base_url="http://service.test/v1", api_key=SECRET_KEY, api_key_header=header, http_client=http,
                    default_headers={"X-Api-Key": SECRET_KEY} if header != "x-api-key" else None)
    assert client.retrieve_run("thread_1", "run_0").id == "run_2"
    hosts = [host for host, _ in received]
    assert hosts == ["service.test", "service.test", "elsewhere.test"]
    assert all(SECRET_KEY in str(headers) for _, headers in received[:2])  # same origin: kept
    assert SECRET_KEY not in str(received[2][1])  # another origin: none of them


@pytest.mark.parametrize("header", ["X-Goog-Api-Key", "X-Auth-Token", "X-Session-Secret"])
def test_a_default_header_named_as_a_credential_never_follows_a_redirect_to_another_origin(header: str) -> None:
    # Only a fixed list of names was stripped: a key given in default_headers under a name
    # of its own was sent to the other host. Other default headers still follow.
    received: list[tuple[str, dict[str, str]]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        received.append((request.url.host, dict(request.headers)))
        if request.url.host == "service.test":
            return httpx.Response(307, headers={"location": "http://elsewhere.test/v1/threads/thread_1/runs/run_2"})
        return httpx.Response(200, json={"id": "run_2", "object": "thread.run", "status": "queued"})

    http = httpx.Client(transport=httpx.MockTransport(handle), follow_redirects=True)
    client = Client(base_url="http://service.test/v1", api_key="sk-other-key-0000", http_client=http,
                    default_headers={header: SECRET_KEY, "X-Trace": "trace-1"})
    assert client.retrieve_run("thread_1", "run_1").id == "run_2"
    assert [host for host, _ in received] == ["service.test", "elsewhere.test"]
    assert SECRET_KEY in str(received[0][1]) and SECRET_KEY not in str(received[1][1])
    assert received[1][1]["x-trace"] == "trace-1"


def test_redirects_are_not_followed_when_the_client_does_not_follow() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(307, headers={"location": "http://elsewhere.test/"})

    http = httpx.Client(transport=httpx.MockTransport(handle))
    client = Client(base_url="http://service.test/v1", api_key=SECRET_KEY, api_key_header="api-key", http_client=http)
    with pytest.raises(APIError) as raised:
        client.retrieve_run("thread_1", "run_1")
    assert raised.value.status_code == 307


def test_sync_loop_tool_timeout(fake_assistants_server: Any) -> None:
    scenario = tool_scenario(15)
    server = fake_assistants_server([scenario], api_key=SECRET_KEY)
    release = threading.Event()

    def get_weather(city: str) -> str:  # hangs until the test ends
        release.wait(60)
        return "late"

    try:
        with Client(base_url=server.base_url, api_key=SECRET_KEY, timeout=10) as client:
            loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tool_timeout=0.05,
                                    tools={"get_weather": get_weather, "get_time": lambda tz: "noon"})
            run = loop.final_run()
    finally:
        release.set()
    assert run.status == "completed"
    [submission] = submissions(server)
    outputs = [o["output"] for o in submission.json["tool_outputs"]]
    assert outputs == ["Error: TimeoutError: the tool did not return within 0.05 s", "noon"]


def test_dialect_streams_keep_credentials_to_their_origin_and_bound_error_bodies() -> None:
    received: list[tuple[str, dict[str, str]]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        received.append((request.url.host, dict(request.headers)))
        if request.url.host == "service.test":
            return httpx.Response(307, headers={"location": "http://elsewhere.test/v1/chat/completions"})
        return httpx.Response(500, stream=EndlessBody())

    http = httpx.Client(transport=httpx.MockTransport(handle), follow_redirects=True)
    client = Client(base_url="http://service.test/v1", api_key=SECRET_KEY, api_key_header="api-key", http_client=http)
    with pytest.raises(APIError) as raised:
        client.stream_chat_completion(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    assert raised.value.status_code == 500
    assert len(raised.value.body) == runstream._streaming.sources.ERROR_BODY_LIMIT
    assert [host for host, _ in received] == ["service.test", "elsewhere.test"]
    assert SECRET_KEY in str(received[0][1]) and SECRET_KEY not in str(received[1][1])


def _echoing_the_key(request: httpx.Request) -> httpx.Response:
    # A server that quotes the credential back, as services do for a rejected key.
    sent = request.headers.get("authorization") or request.headers.get("api-key") or ""
    body = {"error": {"message": f"Incorrect API key provided: {sent}. Or is it {sent.split(' ')[-1]}?",
                      "type": "invalid_request_error", "code": "invalid_api_key", "param": None, "echo": [sent]}}
    return httpx.Response(401, json=body, headers={"x-echo": sent, "x-request-id": "req_1"})


@pytest.mark.parametrize("key_header", [None, "api-key"])
def test_a_key_the_server_quotes_back_is_masked_in_the_error(key_header: str | None) -> None:
    http = httpx.Client(transport=httpx.MockTransport(_echoing_the_key))
    options: dict[str, Any] = {"api_key_header": key_header} if key_header else {}
    with Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http, **options) as client:
        for call in (lambda: client.stream_response(model="m", input="x"), client.create_thread):
            with pytest.raises(APIError) as raised:
                call()
            error = raised.value
            seen = repr((str(error), error.message, error.body, error.headers, error.args))
            assert SECRET_KEY not in seen
            assert "Incorrect API key provided: ***" in str(error) and error.status_code == 401
            assert error.code == "invalid_api_key" and error.request_id == "req_1"


@pytest.mark.anyio
async def test_async_a_key_the_server_quotes_back_is_masked_in_the_error() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_echoing_the_key)) as http:
        client = AsyncClient(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http)
        with pytest.raises(APIError) as raised:
            await client.stream_chat_completion(model="m", messages=[])
    assert SECRET_KEY not in repr((str(raised.value), raised.value.body, raised.value.headers))


@pytest.mark.parametrize("query", ["key", "api_key", "access_token", "Api-Key"])
def test_a_key_in_the_base_url_query_never_shows(query: str) -> None:
    # Some compatible services take the key as a query parameter: it is sent, never shown.
    base_url = f"http://service.test/v1?api-version=2024-10-21&{query}={SECRET_KEY}"
    client = Client(base_url=base_url, api_key="sk-other-key-0000")
    for shown in (repr(client), repr(client.config), client.config.display_url):
        assert SECRET_KEY not in shown
        assert f"{query}=***" in shown and "api-version=2024-10-21" in shown
    client.close()


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent in pieces (no content-length), as a streaming server sends it."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


def test_a_2xx_body_is_read_only_up_to_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # An endless (here: longer than the limit) answer to a REST call fails once past the
    # limit, instead of being buffered whole; a body within it, compressed, reads as usual.
    import gzip

    import runstream._api.sending as sending

    monkeypatch.setattr(sending, "RESPONSE_BODY_LIMIT", 4096)
    thread = msgspec.json.encode({"id": "thread_1", "object": "thread", "created_at": 1, "metadata": {}})

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/threads"):
            return httpx.Response(200, headers={"content-type": "application/json", "content-encoding": "gzip"},
                                  stream=_Chunks([gzip.compress(thread)]))
        return httpx.Response(200, headers={"content-type": "application/json"},
                              stream=_Chunks([b'{"id": "' + b"x" * 1000] * 100))

    http = httpx.Client(transport=httpx.MockTransport(handle))
    with Client(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http) as client:
        assert client.create_thread().id == "thread_1"
        with pytest.raises(APIError, match="longer than 4096 bytes") as raised:
            client.retrieve_run("thread_1", "run_1")
    assert raised.value.status_code == 200


# On asyncio only: a body left half-read leaves httpx's own inner async generators
# (``aiter_raw``) unclosed, which trio reports as unraisable warnings.
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_async_a_2xx_body_is_read_only_up_to_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import runstream._api.async_sending as async_sending

    monkeypatch.setattr(async_sending, "RESPONSE_BODY_LIMIT", 4096)

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json"},
                              stream=_Chunks([b'{"id": "' + b"x" * 1000] * 100))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        client = AsyncClient(base_url="http://service.test/v1", api_key=SECRET_KEY, http_client=http)
        with pytest.raises(APIError, match="longer than 4096 bytes"):
            await client.retrieve_run("thread_1", "run_1")
