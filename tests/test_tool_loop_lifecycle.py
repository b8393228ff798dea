"""Both tool loops start the same way (lazily, on first use) and close the same way (as
context managers, or with ``close`` / ``aclose``)."""

from __future__ import annotations

import json

import pytest

import runstream
from runstream.testing import FakeAssistantsServer, Scenario, ToolCallSpec

KEY = "sk-test-secret-0123456789"


def add(a: int, b: int) -> int:
    return a + b


def one_round() -> Scenario:
    return (
        Scenario(thread_id="thread_loop", seed=5)
        .tool_calls([ToolCallSpec("add", json.dumps({"a": 1, "b": 2}))])
        .message("1 + 2 = 3.")
        .complete()
    )


def run_requests(server: FakeAssistantsServer) -> list[str]:
    return [request.path for request in server.requests if request.method == "POST"]


def test_the_sync_loop_sends_nothing_until_it_is_driven() -> None:
    scenario = one_round()
    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"add": add})
        assert run_requests(server) == []
        assert loop.stream is None
        with pytest.raises(RuntimeError, match="not started"):
            loop.accumulator  # noqa: B018 - the property is what is tested
        run = loop.final_run()
        assert run.status == "completed"
        assert len(run_requests(server)) == 2  # the run, then one submission


@pytest.mark.anyio
async def test_the_async_loop_sends_nothing_until_it_is_driven() -> None:
    scenario = one_round()
    with FakeAssistantsServer([scenario], api_key=KEY) as server:
        async with runstream.AsyncClient(base_url=server.base_url, api_key=KEY) as client:
            loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"add": add})
            assert run_requests(server) == []
            with pytest.raises(RuntimeError, match="not started"):
                loop.accumulator  # noqa: B018
            run = await loop.final_run()
            assert run.status == "completed"
            assert len(run_requests(server)) == 2


def test_closing_a_sync_loop_left_early_closes_its_response() -> None:
    scenario = one_round()
    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        with client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"add": add}) as loop:
            events = iter(loop)  # held: a dropped iterator would close the stream itself
            next(events)
            assert loop.stream is not None
            response = loop.stream._response
            assert not response.is_closed
        assert response.is_closed
        assert loop.rounds == 0
        loop.close()  # closing again is harmless


# asyncio only: under trio, closing any AsyncRunStream read part-way leaves httpx's byte
# iterator to the garbage collector, which trio reports (a stream matter, not the loop's).
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_closing_an_async_loop_left_early_closes_its_response(anyio_backend: str) -> None:
    scenario = one_round()
    with FakeAssistantsServer([scenario], api_key=KEY) as server:
        async with runstream.AsyncClient(base_url=server.base_url, api_key=KEY) as client:
            async with client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id,
                                        tools={"add": add}) as loop:
                events = loop.__aiter__()
                await events.__anext__()
                assert loop.stream is not None
                response = loop.stream._response
                assert not response.is_closed
            assert response.is_closed
            assert loop.rounds == 0
            await loop.aclose()
            await events.aclose()


def test_a_loop_that_never_started_closes_without_a_request() -> None:
    scenario = one_round()
    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        with client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"add": add}):
            pass
        assert run_requests(server) == []
