"""Threads and messages end to end, sync and async, against the fake server over loopback:
starting from nothing (create a thread, post a message, stream a run with a tool call, list
the messages, create-thread-and-run), the requests each method sends, and the keyword rules
the clients share."""

from __future__ import annotations

import importlib
import inspect
import json
import re

import httpx
import pytest

import runstream
from runstream._api.async_dialect_endpoints import AsyncDialectEndpoints
from runstream._api.dialect_endpoints import DialectEndpoints
from runstream.testing import FakeAssistantsServer, Scenario, ToolCallSpec

KEY = "sk-test-threads-0123456789"


def weather(city: str) -> str:
    return f"22C and sunny in {city}"


def tool_scenario(seed: int = 1) -> Scenario:
    return (
        Scenario(assistant_id="asst_w", seed=seed)
        .tool_calls([ToolCallSpec("weather", json.dumps({"city": "Paris"}))])
        .message("It is 22C and sunny in Paris.")
    )


def greeting_scenario(seed: int = 2) -> Scenario:
    return Scenario(assistant_id="asst_w", seed=seed).message("Hello! How can I help?")


def texts(messages: list[runstream.Message]) -> list[tuple[str, str]]:
    return [(m.role, m.content[0].text.value) for m in messages]  # type: ignore[union-attr]


# ---- end to end ------------------------------------------------------------------------------


def test_a_conversation_from_nothing_sync() -> None:
    with FakeAssistantsServer([tool_scenario(), greeting_scenario()], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        thread = client.create_thread(metadata={"user": "ana"})
        assert thread.id.startswith("thread_") and thread.metadata == {"user": "ana"}
        posted = client.create_message(thread.id, content="What is the weather in Paris?")
        assert (posted.role, posted.thread_id, posted.run_id) == ("user", thread.id, None)

        with client.stream_run(thread.id, assistant_id="asst_w") as stream:
            events = [event.event for event in stream]
            run = stream.final_run()
        assert events[-2:] == ["thread.run.requires_action", "done"]
        assert run.thread_id == thread.id and run.status == "requires_action"
        [call] = runstream.pending_tool_calls(run)
        outputs = [{"tool_call_id": call.id, "output": weather(**call.arguments)}]
        with stream.submit_tool_outputs(outputs) as continuation:
            answer = "".join(continuation.text_deltas())
        assert answer == "It is 22C and sunny in Paris."
        assert continuation.final_run().status == "completed"

        listed = list(client.list_messages(thread.id, order="asc"))
        assert texts(listed) == [("user", "What is the weather in Paris?"), ("assistant", answer)]
        assert listed[1].run_id == run.id and listed[1].thread_id == thread.id
        assert texts(list(client.list_messages(thread.id, run_id=run.id))) == [("assistant", answer)]

        with client.stream_thread_and_run(
            assistant_id="asst_w", thread={"messages": [{"role": "user", "content": "Hi!"}]}
        ) as second:
            names = [event.event for event in second]
            greeting = second.final_messages()[-1].content[0].text.value  # type: ignore[union-attr]
        assert names[0] == "thread.created" and names[-1] == "done"
        assert second.thread_id == second.accumulator.thread.id != thread.id  # type: ignore[union-attr]
        assert texts(list(client.list_messages(second.thread_id, order="asc"))) == [  # type: ignore[arg-type]
            ("user", "Hi!"),
            ("assistant", greeting),
        ]
    assert server.errors == []
    submitted = [r for r in server.requests if r.path.endswith("submit_tool_outputs")]
    assert [r.json for r in submitted] == [{"tool_outputs": outputs, "stream": True}]


@pytest.mark.anyio
async def test_a_conversation_from_nothing_async() -> None:
    with FakeAssistantsServer([tool_scenario(), greeting_scenario()], api_key=KEY) as server:
        async with runstream.AsyncClient(base_url=server.base_url, api_key=KEY) as client:
            thread = await client.create_thread()
            await client.create_message(thread.id, content=[{"type": "text", "text": "What is the weather in Paris?"}])

            stream = await client.stream_run(thread.id, assistant_id="asst_w")
            async with stream:
                run = await stream.final_run()
            [call] = runstream.pending_tool_calls(run)
            continuation = await stream.submit_tool_outputs(
                [{"tool_call_id": call.id, "output": weather(**call.arguments)}]
            )
            async with continuation:
                answer = "".join([piece async for piece in continuation.text_deltas()])
            assert answer == "It is 22C and sunny in Paris."

            page = await client.list_messages(thread.id, order="asc")
            assert texts([message async for message in page]) == [
                ("user", "What is the weather in Paris?"),
                ("assistant", answer),
            ]

            second = await client.stream_thread_and_run(
                assistant_id="asst_w", thread={"messages": [{"role": "user", "content": "Hi!"}]}
            )
            async with second:
                names = [event.event async for event in second]
            assert names[0] == "thread.created" and second.thread_id not in (None, thread.id)
            later = await client.list_messages(second.thread_id, order="asc")  # type: ignore[arg-type]
            assert texts(later.data) == [("user", "Hi!"), ("assistant", "Hello! How can I help?")]
    assert server.errors == []


def test_tool_loop_starting_from_a_new_thread_sync() -> None:
    with FakeAssistantsServer([tool_scenario()], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        loop = client.run_tools_on_new_thread(
            assistant_id="asst_w", thread={"messages": [{"role": "user", "content": "Paris?"}]},
            tools={"weather": weather},
        )
        run = loop.final_run()
        assert (run.status, loop.rounds) == ("completed", 1)
        thread_id = loop.accumulator.thread.id  # type: ignore[union-attr]
        assert run.thread_id == thread_id
        assert texts(list(client.list_messages(thread_id, order="asc"))) == [
            ("user", "Paris?"),
            ("assistant", "It is 22C and sunny in Paris."),
        ]
    submit = [r.path for r in server.requests if r.path.endswith("submit_tool_outputs")]
    assert submit == [f"/v1/threads/{thread_id}/runs/{run.id}/submit_tool_outputs"]


@pytest.mark.anyio
async def test_tool_loop_starting_from_a_new_thread_async() -> None:
    async def async_weather(city: str) -> str:
        return weather(city)

    with FakeAssistantsServer([tool_scenario()], api_key=KEY) as server:
        async with runstream.AsyncClient(base_url=server.base_url, api_key=KEY) as client:
            loop = client.run_tools_on_new_thread(assistant_id="asst_w", tools={"weather": async_weather})
            run = await loop.final_run()
            assert (run.status, loop.rounds) == ("completed", 1)
            assert run.thread_id == loop.accumulator.thread.id  # type: ignore[union-attr]


# ---- the thread and message endpoints --------------------------------------------------------


def test_thread_and_message_endpoints() -> None:
    with FakeAssistantsServer(api_key=KEY) as server, runstream.Client(base_url=server.base_url, api_key=KEY) as client:
        thread = client.create_thread(
            messages=[{"role": "user", "content": "one"}, {"role": "assistant", "content": "two"}],
            tool_resources={"code_interpreter": {"file_ids": []}},
        )
        assert client.retrieve_thread(thread.id) == thread
        changed = client.modify_thread(thread.id, metadata={"topic": "numbers"})
        assert changed.metadata == {"topic": "numbers"} and changed.tool_resources == thread.tool_resources

        third = client.create_message(thread.id, content="three", metadata={"n": "3"},
                                      attachments=[{"file_id": "file_1", "tools": [{"type": "file_search"}]}])
        assert third.attachments[0].file_id == "file_1"  # type: ignore[index]
        assert client.retrieve_message(thread.id, third.id) == third
        assert client.modify_message(thread.id, third.id, metadata={"n": "III"}).metadata == {"n": "III"}

        first_page = client.list_messages(thread.id, limit=2)  # newest first by default
        assert [m.content[0].text.value for m in first_page.data] == ["three", "two"]  # type: ignore[union-attr]
        assert first_page.has_more
        assert [m.content[0].text.value for m in first_page] == ["three", "two", "one"]  # type: ignore[union-attr]

        deleted = client.delete_message(thread.id, third.id)
        assert deleted == runstream.types.MessageDeleted(id=third.id, object="thread.message.deleted", deleted=True)
        assert len(client.list_messages(thread.id).data) == 2
        assert client.delete_thread(thread.id) == runstream.types.ThreadDeleted(
            id=thread.id, object="thread.deleted", deleted=True
        )
        with pytest.raises(runstream.APIError) as gone:
            client.retrieve_thread(thread.id)
        assert gone.value.status_code == 404
    methods = [(r.method, re.sub(r"(thread|msg)_\w+", r"\1_X", r.path)) for r in server.requests]
    assert methods[:6] == [
        ("POST", "/v1/threads"),
        ("GET", "/v1/threads/thread_X"),
        ("POST", "/v1/threads/thread_X"),
        ("POST", "/v1/threads/thread_X/messages"),
        ("GET", "/v1/threads/thread_X/messages/msg_X"),
        ("POST", "/v1/threads/thread_X/messages/msg_X"),
    ]
    assert ("DELETE", "/v1/threads/thread_X/messages/msg_X") in methods
    assert ("DELETE", "/v1/threads/thread_X") in methods


def test_fields_left_at_none_are_not_sent_and_extras_are() -> None:
    with FakeAssistantsServer([greeting_scenario()], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        thread = client.create_thread(extra_body={"metadata": {"via": "extra"}}, extra_query={"trace": "1"},
                                      extra_headers={"x-trace": "abc"})
        run = client.create_run(thread.id, assistant_id="asst_w", temperature=0.2, tools=iter([{"type": "code_interpreter"}]),
                                extra_body={"x_vendor_field": True})
        assert run.status in ("queued", "in_progress")
    create_thread, create_run = server.requests[0], server.requests[1]
    assert create_thread.json == {"metadata": {"via": "extra"}}
    assert create_thread.query == {"trace": ["1"]} and create_thread.headers["x-trace"] == "abc"
    assert create_run.json == {
        "assistant_id": "asst_w",
        "temperature": 0.2,
        "tools": [{"type": "code_interpreter"}],
        "x_vendor_field": True,
    }


def test_extra_body_on_a_request_without_body_is_a_type_error() -> None:
    client = runstream.Client(base_url="http://127.0.0.1:9/v1", api_key=KEY)
    with client, pytest.raises(TypeError, match="extra_body"):
        client.retrieve_thread("thread_1", extra_body={"a": 1})


def test_azure_dialect_for_threads_and_thread_and_run() -> None:
    prefix = "/api/projects/p1"
    with FakeAssistantsServer([greeting_scenario()], api_key="azure-key", path_prefix=prefix) as server:
        with runstream.Client(base_url=server.base_url, api_key="azure-key", api_key_header="api-key",
                              default_query={"api-version": "2025-05-01"}, assistants_beta=False) as client:
            thread = client.create_thread(messages=[{"role": "user", "content": "Hi"}])
            with client.stream_thread_and_run(agent_id="asst_w", thread={"metadata": {"k": "v"}}) as stream:
                stream.until_done()
            assert stream.final_run().status == "completed"
    for request in server.requests:
        assert request.path.startswith(prefix + "/threads")
        assert request.query["api-version"] == ["2025-05-01"]
        assert request.headers["api-key"] == "<redacted>" and "authorization" not in request.headers
    assert server.requests[1].json == {"agent_id": "asst_w", "thread": {"metadata": {"k": "v"}}, "stream": True}
    assert thread.id.startswith("thread_")


# ---- the fake server's threads ---------------------------------------------------------------


def test_scenarios_without_thread_answer_runs_on_api_threads_in_order() -> None:
    first, second = greeting_scenario(seed=11), Scenario(assistant_id="asst_w", seed=12).message("Second.")
    pinned = Scenario(thread_id="thread_pinned", seed=13).message("Pinned.")
    with FakeAssistantsServer([first, pinned, second], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        a, b = client.create_thread(), client.create_thread()
        # Runs take the unbound scenarios in the order the runs are created.
        with client.stream_run(b.id, assistant_id="asst_w") as on_b:
            assert "".join(on_b.text_deltas()) == "Hello! How can I help?"
        with client.stream_run(a.id, assistant_id="asst_w") as on_a:
            assert "".join(on_a.text_deltas()) == "Second."
        assert on_b.final_run().thread_id == b.id and on_a.final_run().thread_id == a.id
        assert on_a.final_run().id == second.run_id
        with pytest.raises(runstream.APIError, match="No scripted run is left"):
            client.create_run(a.id, assistant_id="asst_w")
        with client.stream_run("thread_pinned", assistant_id="asst_w") as on_pinned:
            assert "".join(on_pinned.text_deltas()) == "Pinned."
        with pytest.raises(runstream.APIError, match="No scripted run is left for a new thread"):
            client.create_thread_and_run(assistant_id="asst_w")
        assert [m.content[0].text.value for m in client.list_messages("thread_pinned")] == ["Pinned."]  # type: ignore[union-attr]
    # The scenario objects are left as they were queued.
    assert first.thread_bound is False and first.thread_id not in (a.id, b.id)


def test_additional_messages_join_the_thread_before_the_run() -> None:
    with FakeAssistantsServer([greeting_scenario()], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        thread = client.create_thread()
        client.create_run(thread.id, assistant_id="asst_w",
                          additional_messages=[{"role": "user", "content": "Before the run."}])
        contents = [m.content[0].text.value for m in client.list_messages(thread.id, order="asc")]  # type: ignore[union-attr]
    assert contents == ["Before the run.", "Hello! How can I help?"]


def test_bad_messages_are_rejected_like_the_service_does() -> None:
    with FakeAssistantsServer(api_key=KEY) as server, runstream.Client(base_url=server.base_url, api_key=KEY) as client:
        thread = client.create_thread()
        with pytest.raises(runstream.APIError, match="role") as bad_role:
            client.create_message(thread.id, role="system", content="x")
        with pytest.raises(runstream.APIError, match="content"):
            client.create_message(thread.id, content=[])
        with pytest.raises(runstream.APIError) as unknown:
            client.create_message("thread_nope", content="x")
    assert bad_role.value.status_code == 400 and unknown.value.status_code == 404
    assert server.errors == []


# ---- keywords -----------------------------------------------------------------------------------


def test_an_unknown_keyword_names_the_nearest_valid_one() -> None:
    client = runstream.Client(base_url="http://127.0.0.1:9/v1", api_key=KEY)
    with client:
        with pytest.raises(TypeError, match=r"Client\.stream_run\(\) .*'event_handler'; did you mean handler=\?"):
            client.stream_run("thread_1", assistant_id="asst_1", event_handler=object())  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="did you mean metadata="):
            client.create_thread(metdata={})  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"'zzz'; pass request fields .* extra_body="):
            client.create_run("thread_1", zzz=1)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="did you mean tools="):
            client.run_tools("thread_1", tool={})  # type: ignore[call-arg]
    # Nothing was sent: the check happens before any request.


@pytest.mark.anyio
async def test_an_unknown_keyword_names_the_nearest_valid_one_async() -> None:
    async with runstream.AsyncClient(base_url="http://127.0.0.1:9/v1", api_key=KEY) as client:
        with pytest.raises(TypeError, match=r"AsyncClient\.stream_run\(\) .*did you mean handler=\?"):
            await client.stream_run("thread_1", event_handler=object())  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="did you mean max_rounds="):
            client.run_tools_on_new_thread(tools={}, max_round=3)  # type: ignore[call-arg]


def _normalized(signature: inspect.Signature) -> list[tuple[str, object, object, str]]:
    """Parameters with the async flavour of type names mapped to the sync one."""

    def plain(annotation: object) -> str:
        text = str(annotation)
        for async_name, sync_name in (
            ("AsyncLiveRunStream", "LiveRunStream"),
            ("AsyncCursorPage", "CursorPage"),
            ("AsyncToolLoop", "ToolLoop"),
            ("httpx.AsyncClient", "httpx.Client"),
            ("AsyncClient", "Client"),
            ("AsyncResponseStream", "ResponseStream"),
            ("AsyncChatCompletionStream", "ChatCompletionStream"),
        ):
            text = text.replace(async_name, sync_name)
        return re.sub(r"\bHandler\b", "EventHandler", text)  # the async side's alias: async or sync handlers

    params = [(p.name, p.kind, p.default, plain(p.annotation)) for p in signature.parameters.values()]
    return [*params, ("return", None, None, plain(signature.return_annotation))]


def test_sync_and_async_clients_have_the_same_methods_and_signatures() -> None:
    def public(cls: type) -> dict[str, object]:
        # The endpoints are mixins: every public method of the class and its bases.
        members: dict[str, object] = {}
        for klass in reversed(cls.__mro__[:-1]):
            members.update({name: value for name, value in vars(klass).items()
                            if not name.startswith("_") and callable(value)})
        return members

    sync, asynchronous = public(runstream.Client), public(runstream.AsyncClient)
    assert set(sync) - {"close"} == set(asynchronous) - {"aclose"}
    for name in sorted(set(sync) - {"close"}):
        assert _normalized(inspect.signature(sync[name])) == _normalized(  # type: ignore[arg-type]
            inspect.signature(asynchronous[name])  # type: ignore[arg-type]
        ), name
        loop_builder = name.startswith("run_tools")
        assert inspect.iscoroutinefunction(asynchronous[name]) is not loop_builder, name
    # The streams and tool loops of both sides agree as well: names, signatures, lifecycle.
    for sync_cls, async_cls in (
        (runstream.LiveRunStream, runstream.AsyncLiveRunStream),
        (runstream.ToolLoop, runstream.AsyncToolLoop),
        (DialectEndpoints, AsyncDialectEndpoints),
    ):
        sync_members = {n: v for n, v in vars(sync_cls).items() if not n.startswith("_") or n == "__init__"}
        async_members = {("close" if n == "aclose" else n): v for n, v in vars(async_cls).items()
                         if not n.startswith("_") or n == "__init__"}
        assert set(sync_members) == set(async_members), sync_cls
        for name, member in sync_members.items():
            if isinstance(member, property):
                assert isinstance(async_members[name], property), name
                continue
            if not callable(member):
                assert member == async_members[name], name
                continue
            assert _normalized(inspect.signature(member)) == _normalized(
                inspect.signature(async_members[name])
            ), f"{sync_cls.__name__}.{name}"
            if name != "__init__":
                assert inspect.iscoroutinefunction(async_members[name]), f"{async_cls.__name__}.{name}"
    # Both tool loops close their stream as context managers.
    assert {"close", "__enter__", "__exit__", "__iter__"} <= set(vars(runstream.ToolLoop))
    assert {"aclose", "__aenter__", "__aexit__", "__aiter__"} <= set(vars(runstream.AsyncToolLoop))


def test_every_request_builder_is_used_by_both_clients() -> None:
    from runstream._api import requests

    builders = {name for name in requests.__all__ if name[0].islower()}
    for prefix in ("", "async_"):
        # The client and the modules of its endpoints.
        modules = [importlib.import_module(f"runstream._api.{prefix}{name}")
                   for name in ("client", "client_core", "live_stream", "threads", "runs", "resync", "tool_loop")]
        used = set(re.findall(r"api\.(\w+)\(", "".join(inspect.getsource(module) for module in modules)))
        assert builders - used == set(), prefix


def test_httpx_is_given_only_what_is_set() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with runstream.Client(base_url="http://testserver/v1", api_key=KEY, http_client=http) as client:
        assert client.list_messages("thread_1", order="asc", run_id="run_1").data == []
        assert client.list_messages("thread_1").data == []
    assert str(seen[0].url) == "http://testserver/v1/threads/thread_1/messages?order=asc&run_id=run_1"
    assert str(seen[1].url) == "http://testserver/v1/threads/thread_1/messages"


@pytest.mark.anyio
async def test_thread_and_message_endpoints_async() -> None:
    with FakeAssistantsServer([greeting_scenario()], api_key=KEY) as server:
        async with runstream.AsyncClient(base_url=server.base_url, api_key=KEY) as client:
            thread = await client.create_thread(messages=[{"role": "user", "content": "one"}])
            assert await client.retrieve_thread(thread.id) == thread
            assert (await client.modify_thread(thread.id, metadata={"k": "v"})).metadata == {"k": "v"}
            posted = await client.create_message(thread.id, content="two", extra_headers={"x-tag": "t"})
            assert (await client.modify_message(thread.id, posted.id, metadata={"n": "2"})).metadata == {"n": "2"}
            assert (await client.retrieve_message(thread.id, posted.id)).metadata == {"n": "2"}
            run = await client.create_thread_and_run(assistant_id="asst_w", thread={"metadata": {"new": "yes"}})
            assert run.thread_id != thread.id and run.status in ("queued", "in_progress")
            assert (await client.retrieve_thread(run.thread_id)).metadata == {"new": "yes"}
            assert (await client.delete_message(thread.id, posted.id)).deleted
            assert [m.content[0].text.value for m in (await client.list_messages(thread.id)).data] == ["one"]  # type: ignore[union-attr]
            assert (await client.delete_thread(thread.id)).deleted
    assert server.requests[3].headers["x-tag"] == "t"
    assert server.errors == []


def test_a_scenario_without_thread_still_answers_on_its_own_generated_thread() -> None:
    generated = Scenario(seed=21).message("On my own thread.")
    other = Scenario(seed=22).message("On a new thread.")
    with FakeAssistantsServer([other, generated], api_key=KEY) as server, runstream.Client(
        base_url=server.base_url, api_key=KEY
    ) as client:
        with client.stream_run(generated.thread_id, assistant_id=generated.assistant_id) as own:
            assert "".join(own.text_deltas()) == "On my own thread."
        thread = client.create_thread()
        with client.stream_run(thread.id, assistant_id="asst_1") as new:
            assert "".join(new.text_deltas()) == "On a new thread."
        assert new.final_run().thread_id == thread.id
