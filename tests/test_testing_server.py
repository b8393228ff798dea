"""runstream.testing: the fake Assistants server, over real HTTP with httpx."""

from __future__ import annotations

import threading
import time

import anyio
import httpx
import msgspec
import pytest

from runstream import Run
from runstream.testing import (
    DEFAULT_BAD_EVENT,
    INCLUDE_CONTENT,
    FakeAssistantsServer,
    HTTPFault,
    Scenario,
    SearchResultSpec,
    StreamFault,
    ToolCallSpec,
)

KEY = "sk-test-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


def tool_scenario(thread_id: str = "thread_1", seed: int = 1, **options: object) -> Scenario:
    return (
        Scenario(thread_id=thread_id, seed=seed, created_at=1_700_000_000, **options)  # type: ignore[arg-type]
        .tool_calls(
            [
                ToolCallSpec("get_weather", '{"city":"Paris"}', output="22C"),
                ToolCallSpec("get_time", "{}", output="noon"),
            ]
        )
        .message("It is 22C in Paris, and noon.")
    )


def create(client: httpx.Client, scenario: Scenario, **body: object) -> httpx.Response:
    return client.post(
        f"/threads/{scenario.thread_id}/runs", json={"assistant_id": scenario.assistant_id, **body}
    )


def submit(
    client: httpx.Client, scenario: Scenario, outputs: list[dict], **body: object
) -> httpx.Response:
    return client.post(
        f"/threads/{scenario.thread_id}/runs/{scenario.run_id}/submit_tool_outputs",
        json={"tool_outputs": outputs, **body},
    )


def client_for(server: FakeAssistantsServer, **options: object) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers=AUTH, timeout=10, **options)  # type: ignore[arg-type]


def test_stream_and_continuation_bytes(fake_assistants_server) -> None:
    scenario = tool_scenario()
    server = fake_assistants_server([scenario], api_key=KEY)
    with client_for(server) as client:
        response = create(client, scenario, stream=True)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-request-id"].startswith("req_")
        assert response.content == scenario.encode_segment(0)
        assert server.run_state(scenario.run_id)["status"] == "requires_action"  # type: ignore[index]
        # Outputs other than the scripted ones end up in the continuation.
        outputs = [{"tool_call_id": i, "output": f"out-{i}"} for i in scenario.tool_call_ids(0)]
        response = submit(client, scenario, outputs, stream=True)
        assert response.status_code == 200
        submitted = {o["tool_call_id"]: o["output"] for o in outputs}
        assert response.content == scenario.encode_segment(1, tool_outputs=submitted)
        run = client.get(f"/threads/{scenario.thread_id}/runs/{scenario.run_id}").json()
        assert msgspec.convert(run, Run) == scenario.expected_run(tool_outputs=submitted)
        steps = client.get(
            f"/threads/{scenario.thread_id}/runs/{scenario.run_id}/steps", params={"order": "asc"}
        ).json()
        assert [s["id"] for s in steps["data"]] == [s.id for s in scenario.expected_steps()]
        assert (
            steps["data"][0]["step_details"]["tool_calls"][0]["function"]["output"]
            == outputs[0]["output"]
        )
        step = client.get(
            f"/threads/{scenario.thread_id}/runs/{scenario.run_id}/steps/{steps['last_id']}"
        ).json()
        assert step["status"] == "completed"
    assert server.errors == []


def test_submit_validation_and_non_streaming_runs(fake_assistants_server) -> None:
    scenario = tool_scenario()
    server = fake_assistants_server([scenario])
    with client_for(server) as client:
        run = create(client, scenario).json()
        assert run["object"] == "thread.run" and run["status"] == "queued"
        path = f"/threads/{scenario.thread_id}/runs/{scenario.run_id}"
        assert client.get(path).json()["status"] == "requires_action"
        wrong = submit(client, scenario, [{"tool_call_id": "call_nope", "output": "x"}])
        assert wrong.status_code == 400
        error = wrong.json()["error"]
        assert (
            set(error) == {"message", "type", "param", "code"} and "call_nope" in error["message"]
        )
        partial = submit(client, scenario, scenario.tool_outputs(0)[:1])
        assert partial.status_code == 400
        accepted = submit(client, scenario, scenario.tool_outputs(0))
        assert accepted.status_code == 200 and accepted.json()["status"] == "queued"
        assert client.get(path).json()["status"] == "completed"
        again = submit(client, scenario, scenario.tool_outputs(0))
        assert again.status_code == 400 and "completed" in again.json()["error"]["message"]
        assert client.get("/threads/thread_1/runs/run_missing").status_code == 404
        assert client.post("/threads/thread_1/runs", json={}).status_code == 400
        assert (
            client.post("/threads/thread_unknown/runs", json={"assistant_id": "a"}).status_code
            == 404
        )
        modified = client.post(path, json={"metadata": {"k": "v"}}).json()
        assert modified["metadata"] == {"k": "v"}
        assert client.get(path).json()["metadata"] == {"k": "v"}


def test_authentication_and_request_log(fake_assistants_server) -> None:
    scenario = Scenario(thread_id="thread_a", seed=2).message("Hi")
    server = fake_assistants_server([scenario], api_key=KEY, path_prefix="/openai")
    url = f"{server.base_url}/threads/thread_a/runs"
    bad = httpx.get(url, headers={"Authorization": "Bearer sk-wrong-key-000"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_api_key"
    assert bad.headers["x-request-id"].startswith("req_")
    assert KEY not in bad.text
    missing = httpx.get(url)
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "invalid_request_error"
    # Azure style: an api-key header, an api-version query.
    ok = httpx.post(
        url,
        params={"api-version": "2024-05-01-preview"},
        headers={"api-key": KEY},
        json={"assistant_id": "a", "stream": True},
    )
    assert ok.status_code == 200 and ok.content == scenario.encode_segment(0)
    log = server.requests
    assert [r.status for r in log] == [401, 401, 200]
    assert log[0].headers["authorization"] == "<redacted>"
    assert log[2].headers["api-key"] == "<redacted>"
    assert log[2].method == "POST" and log[2].path == "/openai/threads/thread_a/runs"
    assert log[2].query == {"api-version": ["2024-05-01-preview"]}
    assert log[2].json == {"assistant_id": "a", "stream": True}
    assert all(KEY not in repr(r) for r in log)


def test_list_pagination(fake_assistants_server) -> None:
    scenarios = [
        Scenario(thread_id="thread_p", seed=10 + i, created_at=1_700_000_000 + i).message(f"m{i}")
        for i in range(5)
    ]
    server = fake_assistants_server(scenarios)
    with client_for(server) as client:
        for scenario in scenarios:
            assert create(client, scenario).status_code == 200
        ids = [s.run_id for s in scenarios]
        page = client.get("/threads/thread_p/runs", params={"limit": 2}).json()
        assert page["object"] == "list"
        assert [r["id"] for r in page["data"]] == ids[::-1][:2]
        assert (page["first_id"], page["last_id"], page["has_more"]) == (ids[4], ids[3], True)
        page = client.get(
            "/threads/thread_p/runs", params={"limit": 2, "after": page["last_id"]}
        ).json()
        assert [r["id"] for r in page["data"]] == [ids[2], ids[1]] and page["has_more"]
        page = client.get(
            "/threads/thread_p/runs", params={"limit": 2, "after": page["last_id"]}
        ).json()
        assert [r["id"] for r in page["data"]] == [ids[0]] and not page["has_more"]
        page = client.get(
            "/threads/thread_p/runs", params={"order": "asc", "limit": 2, "before": ids[3]}
        ).json()
        assert [r["id"] for r in page["data"]] == [ids[1], ids[2]] and page["has_more"]
        everything = client.get("/threads/thread_p/runs", params={"order": "asc"}).json()
        assert [r["id"] for r in everything["data"]] == ids and not everything["has_more"]
        assert all(r["status"] == "completed" for r in everything["data"])
        assert client.get("/threads/thread_p/runs", params={"limit": 0}).status_code == 400
        assert client.get("/threads/thread_p/runs", params={"order": "up"}).status_code == 400
        empty = client.get(
            "/threads/thread_p/runs", params={"after": ids[4], "order": "asc"}
        ).json()
        assert empty == {
            "object": "list",
            "data": [],
            "first_id": None,
            "last_id": None,
            "has_more": False,
        }


def test_include_file_search_content(fake_assistants_server) -> None:
    scenario = (
        Scenario(thread_id="thread_f", seed=3)
        .file_search([SearchResultSpec("file-1", content="alpha")])
        .message("ok")
    )
    server = fake_assistants_server([scenario])
    with client_for(server) as client:
        response = create(client, scenario, stream=True)
        assert response.content == scenario.encode_segment(0)
        steps_path = f"/threads/thread_f/runs/{scenario.run_id}/steps"
        plain = client.get(steps_path, params={"order": "asc"}).json()["data"][0]
        assert "content" not in plain["step_details"]["tool_calls"][0]["file_search"]["results"][0]
        full = client.get(steps_path, params={"order": "asc", "include[]": INCLUDE_CONTENT}).json()[
            "data"
        ][0]
        assert (
            full["step_details"]["tool_calls"][0]["file_search"]["results"][0]["content"][0]["text"]
            == "alpha"
        )
    second = Scenario(thread_id="thread_g", seed=4).file_search(
        [SearchResultSpec("file-1", content="alpha")]
    )
    server.add(second)
    with client_for(server) as client:
        response = client.post(
            "/threads/thread_g/runs",
            params={"include[]": INCLUDE_CONTENT},
            json={"assistant_id": "a", "stream": True},
        )
        assert response.content == second.encode_segment(0, include_content=True)


def test_drop_cut_and_resync(fake_assistants_server) -> None:
    scenario = Scenario(thread_id="thread_d", seed=5).message(
        "Hello there, this is a longer answer."
    )
    body = scenario.encode_segment(0)
    offset = body.index(b"event: thread.message.delta") + 10  # in the middle of the first delta
    server = fake_assistants_server(
        [scenario], chunk_size=64, stream_faults=[StreamFault(drop_at=offset, stale_reads=1)]
    )
    received = bytearray()
    with client_for(server) as client:
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream(
                "POST", "/threads/thread_d/runs", json={"assistant_id": "a", "stream": True}
            ) as response,
        ):
            for chunk in response.iter_raw():
                received += chunk
        assert bytes(received) == body[:offset]
        path = f"/threads/thread_d/runs/{scenario.run_id}"
        # The first read sees the run as of the last complete event; then it has caught up.
        assert client.get(path).json()["status"] == "in_progress"
        assert client.get(path).json()["status"] == "completed"
        assert client.get(path + "/steps").json()["data"][0]["status"] == "completed"


def test_clean_cut_and_bad_event(fake_assistants_server) -> None:
    first = Scenario(thread_id="thread_c", seed=6).message("Hello")
    second = Scenario(thread_id="thread_b", seed=7).message("Hello")
    body = first.encode_segment(0)
    faults = [
        StreamFault(run_id=first.run_id, end_at=len(body) - 5, stale_reads=None),
        StreamFault(run_id=second.run_id, bad_event_at=4),
    ]
    server = fake_assistants_server([first, second], chunk_size=7, stream_faults=faults)
    with client_for(server) as client:
        cut = create(client, first, stream=True)
        assert cut.status_code == 200 and cut.content == body[: len(body) - 5]
        for _ in range(3):  # stale_reads=None: the run stays where the stream broke off
            assert (
                client.get(f"/threads/thread_c/runs/{first.run_id}").json()["status"] == "completed"
            )
        assert server.run_state(first.run_id)["status"] == "completed"  # type: ignore[index]
        events = second.wire_segment(0)
        expected = (
            b"".join(e.raw for e in events[:4])
            + DEFAULT_BAD_EVENT
            + b"".join(e.raw for e in events[4:])
        )
        assert create(client, second, stream=True).content == expected


def test_a_stall_ends_when_the_client_hangs_up(fake_assistants_server) -> None:
    # The service runs a run to its end whatever became of its stream: once the client is
    # gone, the run moves on instead of sitting out the stall (an hour here).
    scenario = Scenario(thread_id="thread_h", seed=9).message("Hi").complete()
    first_event = scenario.encode_segment(0).index(b"\n\n") + 2
    server = fake_assistants_server([scenario], stream_faults=[StreamFault(stall_at=first_event, stall_for=3600)])
    with client_for(server) as client:
        with client.stream("POST", "/threads/thread_h/runs", json={"assistant_id": "a", "stream": True}) as response:
            received = 0
            for chunk in response.iter_raw():
                received += len(chunk)
                if received >= first_event:
                    break  # every byte before the stall is here: hang up
        assert received == first_event
        fail_safe = time.monotonic() + 60  # the server notices the hang-up at once
        while client.get(f"/threads/thread_h/runs/{scenario.run_id}").json()["status"] != "completed":
            assert time.monotonic() < fail_safe, "the stall outlived the client"
            time.sleep(0.01)


def test_stall_at_offset(fake_assistants_server) -> None:
    scenario = Scenario(thread_id="thread_s", seed=8).message("Hi")
    body = scenario.encode_segment(0)
    server = fake_assistants_server(
        [scenario], stream_faults=[StreamFault(stall_at=100, stall_for=0.4)]
    )
    arrivals: list[tuple[int, float]] = []
    received = 0
    started = time.monotonic()
    with (
        client_for(server) as client,
        client.stream(
            "POST", "/threads/thread_s/runs", json={"assistant_id": "a", "stream": True}
        ) as response,
    ):
        for chunk in response.iter_raw():
            received += len(chunk)
            arrivals.append((received, time.monotonic()))
    assert received == len(body)
    # The bytes before the stall came first, on their own; those after it cannot have
    # arrived before the stall ended (a lower bound only: no window on a loaded machine).
    assert arrivals[0][0] <= 100
    after = min(t for n, t in arrivals if n > 100)
    assert after - started >= 0.4


def test_http_fault_in_the_middle_of_a_tool_loop(fake_assistants_server) -> None:
    scenario = tool_scenario(thread_id="thread_h")
    fault = HTTPFault(nth=1, status=500, match="submit_tool_outputs")
    server = fake_assistants_server([scenario], http_faults=[fault])
    with client_for(server) as client:
        assert create(client, scenario, stream=True).status_code == 200
        failed = submit(client, scenario, scenario.tool_outputs(0), stream=True)
        assert failed.status_code == 500 and failed.json()["error"]["type"] == "server_error"
        retried = submit(client, scenario, scenario.tool_outputs(0), stream=True)
        assert retried.status_code == 200 and retried.content == scenario.encode_segment(1)
    assert [r.status for r in server.requests] == [200, 500, 200]


def test_cancel_during_a_stream(fake_assistants_server) -> None:
    scenario = Scenario(thread_id="thread_x", seed=9).message("word " * 60)
    # The stream stalls after its third delta until the cancel arrives (the stall would last a
    # minute): what the stream holds does not depend on how fast the machine is.
    body = scenario.encode_segment(0)
    third = [i for i in range(len(body)) if body.startswith(b"event: thread.message.delta", i)][2]
    stall_at = body.index(b"\n\n", third) + 2
    server = fake_assistants_server([scenario], stream_faults=[StreamFault(stall_at=stall_at, stall_for=60)])
    cancelled = threading.Event()
    names: list[str] = []
    with client_for(server) as client:
        with client.stream(
            "POST", "/threads/thread_x/runs", json={"assistant_id": "a", "stream": True}
        ) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    names.append(line[7:])
                if names.count("thread.message.delta") == 3 and not cancelled.is_set():
                    with client_for(server) as other:
                        answer = other.post(
                            f"/threads/thread_x/runs/{scenario.run_id}/cancel"
                        ).json()
                    assert answer["status"] == "cancelling"
                    cancelled.set()
        assert names[-3:] == ["thread.run.cancelling", "thread.run.cancelled", "done"]
        assert names.count("thread.message.delta") in (3, 4)  # at most the event under way ends
        assert (
            client.get(f"/threads/thread_x/runs/{scenario.run_id}").json()["status"] == "cancelled"
        )
        again = client.post(f"/threads/thread_x/runs/{scenario.run_id}/cancel")
        assert again.status_code == 400


def test_recorded_files_as_a_scenario(fake_assistants_server, tmp_path) -> None:
    scenario = tool_scenario(thread_id="thread_r")
    paths = []
    for index in range(scenario.segment_count):
        path = tmp_path / f"run.{index}.sse"
        path.write_bytes(scenario.encode_segment(index).replace(b"\n", b"\r\n"))
        paths.append(path)
    server = fake_assistants_server([paths], chunk_size=13)
    with client_for(server) as client:
        assert create(client, scenario, stream=True).content == paths[0].read_bytes()
        assert (
            submit(client, scenario, [{"tool_call_id": "call_x", "output": ""}]).status_code == 400
        )
        assert (
            submit(client, scenario, scenario.tool_outputs(0), stream=True).content
            == paths[1].read_bytes()
        )
        run = client.get(f"/threads/thread_r/runs/{scenario.run_id}").json()
        assert run["status"] == "completed"


@pytest.mark.slow
def test_two_hundred_concurrent_streams() -> None:
    count = 200
    scenarios = [
        Scenario(thread_id=f"thread_{i}", seed=i)
        .tool_calls([ToolCallSpec("lookup", f'{{"id": {i}, "q": "concurrency"}}', output="ok")])
        .message(f"Answer number {i}, streamed in small fragments.")
        for i in range(count)
    ]
    results: dict[int, bytes] = {}

    async def one(client: httpx.AsyncClient, index: int) -> None:
        scenario = scenarios[index]
        response = await client.post(
            f"/threads/{scenario.thread_id}/runs", json={"assistant_id": "a", "stream": True}
        )
        first = response.content
        response = await client.post(
            f"/threads/{scenario.thread_id}/runs/{scenario.run_id}/submit_tool_outputs",
            json={"tool_outputs": scenario.tool_outputs(0), "stream": True},
        )
        results[index] = first + response.content

    async def main(base_url: str) -> None:
        # All 200 streams are in flight at once, spread over a few clients: one httpx pool
        # costs time quadratic in its concurrent requests (client side, not the server).
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        clients = [
            httpx.AsyncClient(base_url=base_url, headers=AUTH, limits=limits, timeout=30)
            for _ in range(8)
        ]
        try:
            with anyio.fail_after(300):  # a safety net against a hang, not a speed target
                async with anyio.create_task_group() as group:
                    for index in range(count):
                        group.start_soon(one, clients[index % len(clients)], index)
        finally:
            for client in clients:
                await client.aclose()

    with FakeAssistantsServer(scenarios, chunk_size=256, chunk_delay=0.001) as server:
        anyio.run(main, server.base_url)
        assert server.errors == []
    assert len(results) == count
    for index, scenario in enumerate(scenarios):
        assert results[index] == scenario.encode_segment(0) + scenario.encode_segment(1)


@pytest.mark.anyio
async def test_async_client_on_asyncio_and_trio(fake_assistants_server) -> None:
    scenario = tool_scenario(thread_id="thread_async")
    server = fake_assistants_server([scenario], api_key=KEY, chunk_size=50)
    async with httpx.AsyncClient(base_url=server.base_url, headers=AUTH) as client:
        received = bytearray()
        async with client.stream(
            "POST", "/threads/thread_async/runs", json={"assistant_id": "a", "stream": True}
        ) as response:
            async for chunk in response.aiter_raw():
                received += chunk
        assert bytes(received) == scenario.encode_segment(0)
        response = await client.post(
            f"/threads/thread_async/runs/{scenario.run_id}/submit_tool_outputs",
            json={"tool_outputs": scenario.tool_outputs(0), "stream": True},
        )
        assert response.content == scenario.encode_segment(1)
