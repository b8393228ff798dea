"""End-to-end: the sync and async clients against the fake server over loopback HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import httpx
import msgspec
import pytest

import runstream
from runstream.testing import (
    FakeAssistantsServer,
    HTTPFault,
    Scenario,
    StreamFault,
    ToolCallSpec,
)

KEY = "sk-test-secret-0123456789"


def weather(city: str) -> dict[str, object]:
    return {"city": city, "sky": "clear"}


def add(a: int, b: int) -> int:
    return a + b


def two_round_scenario(thread_id: str = "thread_e2e") -> Scenario:
    return (
        Scenario(thread_id=thread_id, seed=3)
        .tool_calls([ToolCallSpec("weather", json.dumps({"city": "Oslo"})), ToolCallSpec("add", '{"a": 2, "b": 3}')])
        .tool_calls([ToolCallSpec("add", '{"a": 40, "b": 2}')], interleave="round_robin")
        .message("Oslo is clear; 2 + 3 = 5 and 40 + 2 = 42.")
        .complete()
    )


def final_state(accumulator: runstream.Accumulator) -> dict[str, object]:
    state = accumulator.to_builtins()
    return json.loads(msgspec.json.encode(state))


def test_tool_loop_across_two_continuations() -> None:
    scenario = two_round_scenario()
    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"weather": weather, "add": add})
        run = loop.final_run()
        submitted = [json.loads(r.body) for r in server.requests if r.path.endswith("submit_tool_outputs")]
    assert run.status == "completed"
    assert loop.rounds == 2
    assert [[o["output"] for o in body["tool_outputs"]] for body in submitted] == [
        ['{"city":"Oslo","sky":"clear"}', "5"],
        ["42"],
    ]
    steps = loop.accumulator.run_steps
    outputs = [call.function.output for step in steps if step.type == "tool_calls" for call in step.step_details.tool_calls]
    assert outputs == ['{"city":"Oslo","sky":"clear"}', "5", "42"]
    assert loop.accumulator.messages[-1].content[0].text.value == "Oslo is clear; 2 + 3 = 5 and 40 + 2 = 42."
    assert loop.accumulator.discrepancies == []
    assert loop.accumulator.usage is not None and loop.accumulator.usage.total_tokens > 0


def test_a_raising_tool_submits_its_error_and_the_run_completes() -> None:
    scenario = Scenario(thread_id="thread_err").tool_calls([ToolCallSpec("add", '{"a": 1}')]).message("ok").complete()

    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        run = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"add": add}).final_run()
        (submitted,) = [json.loads(r.body) for r in server.requests if r.path.endswith("submit_tool_outputs")]
    assert run.status == "completed"
    assert submitted["tool_outputs"][0]["output"].startswith("Error: TypeError")


def test_a_raising_tool_can_raise_instead() -> None:
    scenario = Scenario(thread_id="thread_raise").tool_calls([ToolCallSpec("add", '{"a": 1}')]).complete()
    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"add": add}, submit_errors=False)
        with pytest.raises(runstream.ToolCallError, match="add"):
            loop.until_done()


def test_every_run_endpoint() -> None:
    scenario = Scenario(thread_id="thread_api").message("Hi").complete()
    with FakeAssistantsServer([scenario], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        created = client.create_run(scenario.thread_id, assistant_id=scenario.assistant_id, metadata={"k": "v"})
        assert created.id == scenario.run_id
        retrieved = client.retrieve_run(scenario.thread_id, created.id)
        assert retrieved.status == "completed"
        modified = client.modify_run(scenario.thread_id, created.id, metadata={"tag": "x"})
        assert modified.metadata == {"tag": "x"}
        steps = list(client.list_run_steps(scenario.thread_id, created.id))
        assert [step.type for step in steps] == ["message_creation"]
        step = client.retrieve_run_step(scenario.thread_id, created.id, steps[0].id)
        assert step == steps[0]
        runs = list(client.list_runs(scenario.thread_id))
        assert [run.id for run in runs] == [created.id]
        headers = server.requests[0].headers
    assert headers.get("openai-beta") == "assistants=v2"
    assert KEY not in repr(headers)  # the request log keeps no secret


def test_cursor_pagination_walks_every_page() -> None:
    scenarios = [Scenario(thread_id="thread_pages").message(f"run {i}").complete() for i in range(5)]
    with FakeAssistantsServer(scenarios, api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        created = [client.create_run("thread_pages", assistant_id=s.assistant_id).id for s in scenarios]
        page = client.list_runs("thread_pages", limit=2, order="asc")
        assert len(page.data) == 2 and page.has_more
        pages = list(page.iter_pages())
        assert [len(p.data) for p in pages] == [2, 2, 1]
        assert [run.id for run in page] == created


def test_api_errors_are_typed_with_status_body_and_request_id() -> None:
    scenario = Scenario(thread_id="thread_401").message("x").complete()
    with FakeAssistantsServer([scenario], api_key=KEY) as server:
        with runstream.Client(base_url=server.base_url, api_key="sk-wrong") as client:
            with pytest.raises(runstream.APIError) as raised:
                client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
        assert raised.value.status_code == 401
        assert raised.value.request_id
        assert "sk-wrong" not in str(raised.value) and "sk-wrong" not in repr(raised.value.body)
        with runstream.Client(base_url=server.base_url, api_key=KEY) as client:
            with pytest.raises(runstream.APIError) as missing:
                client.retrieve_run(scenario.thread_id, "run_missing")
    assert missing.value.status_code == 404
    assert "run_missing" in missing.value.message


def test_a_500_before_submitting_outputs_raises_api_error_and_keeps_the_state() -> None:
    scenario = Scenario(thread_id="thread_500").tool_calls([ToolCallSpec("add", '{"a": 1, "b": 2}')]).message("3").complete()
    fault = HTTPFault(nth=1, status=500, match="submit_tool_outputs")
    with FakeAssistantsServer([scenario], api_key=KEY, http_faults=[fault]) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"add": add})
        with pytest.raises(runstream.APIError) as raised:
            loop.until_done()
        assert raised.value.status_code == 500
        assert loop.accumulator.run_status == "requires_action"
        # The request was not processed: submitting the kept outputs again continues the run.
        assert loop.unsubmitted_outputs == [{"tool_call_id": scenario.tool_call_ids()[0], "output": "3"}]
        assert loop.rounds == 0
        continuation = loop.stream.submit_tool_outputs(loop.unsubmitted_outputs)
        assert continuation.final_run().status == "completed"


def test_connection_refused_is_an_api_connection_error() -> None:
    with runstream.Client(base_url="http://127.0.0.1:9/v1", api_key=KEY) as client:
        with pytest.raises(runstream.APIConnectionError) as raised:
            client.retrieve_run("thread_x", "run_x")
    assert KEY not in str(raised.value)


def test_azure_style_configuration_sends_query_and_header() -> None:
    scenario = Scenario(thread_id="thread_az").message("Hi").complete()
    headers = {"x-ms-client": "runstream-tests"}
    with FakeAssistantsServer([scenario], api_key=KEY, path_prefix="/api/projects/p") as server:
        with runstream.Client(
            base_url=server.base_url, api_key=KEY, api_key_header="api-key",
            default_query={"api-version": "2025-05-01"}, default_headers=headers, assistants_beta=False,
        ) as client:
            run = client.stream_run(scenario.thread_id, agent_id=scenario.assistant_id, assistant_id=None).final_run()
        request = server.requests[0]
    assert run.status == "completed"
    assert request.query.get("api-version") == ["2025-05-01"]
    assert json.loads(request.body)["agent_id"] == scenario.assistant_id
    assert "openai-beta" not in {name.lower() for name in request.headers}
    assert headers == {"x-ms-client": "runstream-tests"}  # the caller's dict is not mutated


AZURE_VERSION = "2024-05-01-preview"


def test_a_query_in_the_base_url_is_kept_and_paths_join_its_path() -> None:
    # Azure OpenAI endpoints are often given whole: https://host/openai?api-version=...
    scenario = Scenario(thread_id="thread_q").message("Hi").complete()
    with FakeAssistantsServer([scenario], api_key=KEY, path_prefix="/openai") as server:
        with runstream.Client(base_url=f"{server.base_url}?api-version={AZURE_VERSION}", api_key=KEY,
                              default_query={"tenant": "t1"}) as client:
            run = client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id,
                                    extra_query={"trace": "on"}).final_run()
            again = client.retrieve_run(scenario.thread_id, run.id)
        streamed, retrieved = server.requests[:2]
    assert run.status == again.status == "completed"
    assert streamed.path == f"/openai/threads/{scenario.thread_id}/runs"
    assert streamed.query == {"api-version": [AZURE_VERSION], "tenant": ["t1"], "trace": ["on"]}
    assert retrieved.path == f"/openai/threads/{scenario.thread_id}/runs/{run.id}"
    assert retrieved.query == {"api-version": [AZURE_VERSION], "tenant": ["t1"]}


def test_async_a_query_in_the_base_url_is_kept_and_paths_join_its_path() -> None:
    scenario = Scenario(thread_id="thread_q").message("Hi").complete()

    async def main(base_url: str) -> runstream.Run:
        async with runstream.AsyncClient(base_url=base_url, api_key=KEY, default_query={"tenant": "t1"}) as client:
            stream = await client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id)
            return await stream.final_run()

    with FakeAssistantsServer([scenario], api_key=KEY, path_prefix="/openai") as server:
        run = anyio.run(main, f"{server.base_url}/?api-version={AZURE_VERSION}")
        request = server.requests[0]
    assert run.status == "completed"
    assert request.path == f"/openai/threads/{scenario.thread_id}/runs"
    assert request.query == {"api-version": [AZURE_VERSION], "tenant": ["t1"]}


def test_query_parameters_of_the_base_url_yield_to_default_and_per_call_ones() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "thread_1", "object": "thread", "created_at": 1})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    base_url = "https://example.test/openai/?api-version=old&keep=1&keep=2&tenant=a"
    with runstream.Client(base_url=base_url, api_key=KEY, default_query={"tenant": "b"}, http_client=http) as client:
        client.retrieve_thread("thread_1")
        client.retrieve_thread("thread_1", extra_query={"api-version": "new"})
    assert [request.url.path for request in seen] == ["/openai/threads/thread_1"] * 2
    assert [request.url.params.multi_items() for request in seen] == [
        [("api-version", "old"), ("keep", "1"), ("keep", "2"), ("tenant", "b")],
        [("api-version", "new"), ("keep", "1"), ("keep", "2"), ("tenant", "b")],
    ]


@pytest.mark.parametrize("offset", [200, 1500, 4000, 9000])
def test_resync_after_a_dropped_connection_gives_the_uninterrupted_state(offset: int) -> None:
    def run(faults: list[StreamFault]) -> tuple[runstream.Accumulator, list[str]]:
        scenario = Scenario(thread_id="thread_drop", seed=11, created_at=1_700_000_000).message(
            "A fairly long answer, streamed in small pieces. " * 12
        ).complete()
        done: list[str] = []

        class Recorder(runstream.EventHandler):
            def on_message_done(self, message: runstream.Message) -> None:
                done.append(message.id)

        with FakeAssistantsServer([scenario], api_key=KEY, stream_faults=faults) as server, runstream.Client(
            base_url=server.base_url, api_key=KEY
        ) as client:
            stream = client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id, handler=Recorder())
            try:
                stream.until_done()
            except runstream.StreamConnectionError as error:
                assert error.accumulator is stream.accumulator
                stream.resync(poll_interval=0.01, timeout=10)
            return stream.accumulator, done

    uninterrupted, done_once = run([])
    resynced, done_after_drop = run([StreamFault(drop_at=offset)])
    assert final_state(resynced) == final_state(uninterrupted)
    assert done_after_drop == done_once  # the missed done callback still fired, once
    assert resynced.discrepancies == []  # a cut is not a corrupted delta


def test_record_then_replay_gives_identical_state(tmp_path: Path) -> None:
    scenario = two_round_scenario("thread_rec")
    target = tmp_path / "run.sse"
    with FakeAssistantsServer([scenario], api_key=KEY, chunk_size=50) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        loop = client.run_tools(
            scenario.thread_id, assistant_id=scenario.assistant_id, tools={"weather": weather, "add": add}, record_to=target
        )
        loop.until_done()
    files = runstream.recording_paths(target)
    assert [path.name for path in files] == ["run.sse", "run.continuation-1.sse", "run.continuation-2.sse"]
    replayed = runstream.Accumulator()
    for path in files:
        runstream.RunStream(runstream.replay_chunks(path, speed=100.0), accumulator=replayed).until_done()
        assert KEY not in path.read_text()
    assert final_state(replayed) == final_state(loop.accumulator)


@pytest.mark.anyio
async def test_async_client_tool_loop_and_pages() -> None:
    scenario = two_round_scenario("thread_async")

    async def slow_weather(city: str) -> dict[str, object]:
        await anyio.sleep(0.001)
        return weather(city)

    with FakeAssistantsServer([scenario], api_key=KEY) as server:
        async with runstream.AsyncClient(base_url=server.base_url, api_key=KEY) as client:
            loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id,
                                    tools={"weather": slow_weather, "add": add})
            run = await loop.final_run()
            page = await client.list_run_steps(scenario.thread_id, run.id, limit=1, order="asc")
            steps = [step async for step in page]
            with pytest.raises(runstream.APIError):
                await client.retrieve_run(scenario.thread_id, "run_missing")
    assert run.status == "completed" and loop.rounds == 2
    assert [step.id for step in steps] == [step.id for step in loop.accumulator.run_steps]


def test_an_existing_httpx_client_is_used_and_not_closed() -> None:
    scenario = Scenario(thread_id="thread_http").message("Hi").complete()
    with FakeAssistantsServer([scenario], api_key=KEY) as server, httpx.Client() as http:
        with runstream.Client(base_url=server.base_url, api_key=KEY, http_client=http) as client:
            assert client.stream_run(scenario.thread_id, assistant_id=scenario.assistant_id).final_run().status == "completed"
        assert not http.is_closed
