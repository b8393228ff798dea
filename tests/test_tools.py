"""Pending tool calls of a run and calling the user's functions for them."""

from __future__ import annotations

import json

import pytest

import runstream
from runstream._core.tool_calls import call_tool, call_tool_async, pending_tool_calls


def run_waiting_on(*calls: tuple[str, str, str]) -> runstream.Run:
    return runstream.decode_event(
        "thread.run.requires_action",
        json.dumps(
            {
                "id": "run_1",
                "status": "requires_action",
                "required_action": {
                    "type": "submit_tool_outputs",
                    "submit_tool_outputs": {
                        "tool_calls": [
                            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
                            for call_id, name, arguments in calls
                        ]
                    },
                },
            }
        ),
    ).data


def test_pending_calls_parse_arguments_and_keep_the_raw_string() -> None:
    (good, bad) = pending_tool_calls(run_waiting_on(("c1", "add", '{"a": 1, "b": 2}'), ("c2", "add", '{"a": 1')))
    assert (good.id, good.name, good.arguments, good.raw_arguments) == ("c1", "add", {"a": 1, "b": 2}, '{"a": 1, "b": 2}')
    assert bad.arguments is None and "not valid JSON" in (bad.arguments_error or "")


def test_outputs_are_strings_or_json() -> None:
    calls = pending_tool_calls(run_waiting_on(("c1", "add", '{"a": 1, "b": 2}'), ("c2", "echo", '"hi"')))
    tools = {"add": lambda a, b: {"sum": a + b}, "echo": lambda text: text}
    assert [call_tool(call, tools) for call in calls] == [
        {"tool_call_id": "c1", "output": '{"sum":3}'},
        {"tool_call_id": "c2", "output": "hi"},
    ]


def test_errors_become_outputs_or_are_raised() -> None:
    (unknown, bad_arguments) = pending_tool_calls(run_waiting_on(("c1", "nope", "{}"), ("c2", "add", "{")))
    assert call_tool(unknown, {})["output"].startswith("Error: LookupError: no tool named 'nope'")
    assert "not valid JSON" in call_tool(bad_arguments, {"add": lambda: 0})["output"]
    with pytest.raises(runstream.ToolCallError) as raised:
        call_tool(unknown, {}, submit_errors=False)
    assert isinstance(raised.value.__cause__, LookupError)


def test_async_tools_need_the_async_loop() -> None:
    async def slow() -> str:
        return "x"

    (call,) = pending_tool_calls(run_waiting_on(("c1", "slow", "{}")))
    with pytest.raises(TypeError, match="async"):
        call_tool(call, {"slow": slow})


@pytest.mark.anyio
async def test_the_async_loop_calls_sync_and_async_tools() -> None:
    async def slow(x: int) -> int:
        return x * 2

    calls = pending_tool_calls(run_waiting_on(("c1", "slow", '{"x": 2}'), ("c2", "fast", '{"x": 3}')))
    tools = {"slow": slow, "fast": lambda x: x + 1}
    assert [await call_tool_async(call, tools) for call in calls] == [
        {"tool_call_id": "c1", "output": "4"},
        {"tool_call_id": "c2", "output": "4"},
    ]


# ---- arguments nested deeper than any parser's stack ---------------------------------------------

DEEP_ARGUMENTS = '{"x": ' + "[" * 1000 + "]" * 1000 + "}"


def test_arguments_nested_too_deeply_are_an_arguments_error() -> None:
    (call,) = pending_tool_calls(run_waiting_on(("c1", "add", DEEP_ARGUMENTS)))
    assert call.arguments is None and call.raw_arguments == DEEP_ARGUMENTS
    assert "nested too deeply" in (call.arguments_error or "")
    output = call_tool(call, {"add": lambda **_: pytest.fail("the tool must not run")})
    assert output["tool_call_id"] == "c1" and "nested too deeply" in output["output"]


def test_every_callback_of_a_stream_survives_deeply_nested_arguments() -> None:
    from stream_builders import Recorder

    body = (
        b"event: thread.run.created\ndata: "
        + json.dumps({"id": "run_1", "object": "thread.run", "status": "queued"}).encode()
        + b"\n\nevent: thread.run.requires_action\ndata: "
        + msgspec_json(run_waiting_on(("c1", "add", DEEP_ARGUMENTS)))
        + b"\n\nevent: done\ndata: [DONE]\n\n"
    )
    handler = Recorder()
    stream = runstream.RunStream(body, handler)
    stream.until_done()
    ((_, pending),) = handler.arguments("on_requires_action")
    assert pending[0].arguments is None and "nested too deeply" in pending[0].arguments_error


def msgspec_json(value: object) -> bytes:
    import msgspec

    return msgspec.json.encode(value)


def test_tool_loop_answers_deeply_nested_arguments_with_an_error_output() -> None:
    from runstream.testing import FakeAssistantsServer, Scenario, ToolCallSpec

    scenario = Scenario(thread_id="thread_deep", seed=3).tool_calls([ToolCallSpec("add", DEEP_ARGUMENTS)]).message("ok")
    calls = []
    with FakeAssistantsServer([scenario], api_key="sk-test") as server:
        with runstream.Client(base_url=server.base_url, api_key="sk-test") as client:
            loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id,
                                    tools={"add": lambda **kw: calls.append(kw)})
            run = loop.final_run()
        (submitted,) = [r for r in server.requests if "submit_tool_outputs" in r.path]
    assert run.status == "completed" and calls == []
    (output,) = json.loads(submitted.body)["tool_outputs"]
    assert "nested too deeply" in output["output"]


def test_a_call_id_listed_twice_is_one_pending_call() -> None:
    run = run_waiting_on(("call_x", "pay", '{"amount": 5}'), ("call_y", "pay", "{}"), ("call_x", "pay", '{"amount": 6}'))
    assert [(call.id, call.arguments) for call in pending_tool_calls(run)] == [("call_x", {"amount": 5}), ("call_y", {})]


def test_the_tool_loop_runs_a_call_listed_twice_once_and_answers_it_once() -> None:
    # A tool runs once per call: a requires_action listing one call id twice ran the tool
    # twice and submitted two outputs for the one id.
    from runstream.testing import FakeAssistantsServer, Scenario, ToolCallSpec

    scenario = (Scenario(thread_id="thread_twice", seed=4)
                .tool_calls([ToolCallSpec("pay", '{"amount": 5}', id="call_x"),
                             ToolCallSpec("pay", '{"amount": 5}', id="call_x")])
                .message("done"))
    paid: list[int] = []

    def pay(amount: int) -> str:
        paid.append(amount)
        return "paid"

    with FakeAssistantsServer([scenario], api_key="sk-test") as server:
        with runstream.Client(base_url=server.base_url, api_key="sk-test") as client:
            run = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools={"pay": pay}).final_run()
        (submitted,) = [r for r in server.requests if "submit_tool_outputs" in r.path]
    assert run.status == "completed" and paid == [5]
    assert json.loads(submitted.body)["tool_outputs"] == [{"tool_call_id": "call_x", "output": "paid"}]
