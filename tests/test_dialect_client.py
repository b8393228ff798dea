"""Client methods for the Responses API and Chat Completions over loopback, against the fake
server scripting both dialects: streaming requests, their bodies, and the tool loops."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import runstream
from runstream.testing import ChatScenario, FakeAssistantsServer, ResponseScenario


def weather(city: str) -> dict[str, Any]:
    return {"city": city, "temperature_c": 18}


def test_stream_response_posts_a_streaming_request() -> None:
    scenario = ResponseScenario().message("Hello there, how can I help?")
    with FakeAssistantsServer([scenario], api_key="sk-test") as server, runstream.Client(
        base_url=server.base_url, api_key="sk-test"
    ) as client:
        with client.stream_response(model="gpt-4o-mini", input="Hi", instructions="Be brief") as stream:
            response = stream.final_response()
        request = server.requests[-1]
    assert response.output_text == "Hello there, how can I help?"
    assert request.method == "POST" and request.path.endswith("/responses")
    assert request.json == {"model": "gpt-4o-mini", "input": "Hi", "instructions": "Be brief", "stream": True}


def test_stream_chat_completion_asks_for_usage() -> None:
    scenario = ChatScenario().message("Hi!")
    with FakeAssistantsServer([scenario]) as server, runstream.Client(base_url=server.base_url, api_key="k") as client:
        stream = client.stream_chat_completion(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], n=1)
        completion = stream.final_completion()
        body = server.requests[-1].json
    assert completion.choices[0].message.content == "Hi!"
    assert msgspec.to_builtins(completion.usage) == {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True} and body["n"] == 1


def test_azure_style_base_url_query_and_key_header() -> None:
    scenario = ChatScenario().message("ok")
    with FakeAssistantsServer([scenario], api_key="azure-key", path_prefix="/openai/deployments/gpt4o") as server:
        with runstream.Client(base_url=server.base_url, api_key="azure-key", api_key_header="api-key",
                              default_query={"api-version": "2024-10-21"}) as client:
            client.stream_chat_completion(model="gpt4o", messages=[{"role": "user", "content": "x"}]).until_done()
        request = server.requests[-1]
    assert request.path == "/openai/deployments/gpt4o/chat/completions"
    assert request.query["api-version"] == ["2024-10-21"]


def test_response_tool_loop_continues_with_function_call_outputs() -> None:
    scenario = (
        ResponseScenario()
        .function_call("weather", {"city": "Paris"})
        .function_call("weather", {"city": "Tokyo"})
        .then()
        .message("Paris 18 °C, Tokyo 18 °C.")
    )
    with FakeAssistantsServer([scenario]) as server, runstream.Client(base_url=server.base_url, api_key="k") as client:
        response = client.run_response_tools(model="gpt-4o-mini", input="Weather?", tools={"weather": weather},
                                             tool_definitions=[{"type": "function", "name": "weather"}])
        bodies = [request.json for request in server.requests]
    assert response.output_text == "Paris 18 °C, Tokyo 18 °C."
    assert len(bodies) == 2
    assert bodies[0]["tools"] == [{"type": "function", "name": "weather"}]
    assert bodies[1]["previous_response_id"] == scenario.response_id(0)
    assert bodies[1]["input"] == [
        {"type": "function_call_output", "call_id": "call_0_0", "output": '{"city":"Paris","temperature_c":18}'},
        {"type": "function_call_output", "call_id": "call_0_1", "output": '{"city":"Tokyo","temperature_c":18}'},
    ]


def test_chat_tool_loop_appends_tool_messages_and_repeats() -> None:
    scenario = ChatScenario().tool_call("weather", {"city": "Paris"}).then().message("18 °C in Paris.")
    with FakeAssistantsServer([scenario]) as server, runstream.Client(base_url=server.base_url, api_key="k") as client:
        completion, conversation = client.run_chat_tools(
            model="gpt-4o", messages=[{"role": "user", "content": "Weather in Paris?"}], tools={"weather": weather}
        )
        second = server.requests[-1].json
    assert completion.choices[0].message.content == "18 °C in Paris."
    assert [message["role"] for message in conversation] == ["user", "assistant", "tool"]
    assert conversation[1]["tool_calls"][0]["function"] == {"name": "weather", "arguments": '{"city":"Paris"}'}
    assert conversation[2] == {"role": "tool", "tool_call_id": "call_0_0", "content": '{"city":"Paris","temperature_c":18}'}
    assert second["messages"] == conversation


def test_a_tool_loop_that_never_ends_is_cut() -> None:
    scenario = ResponseScenario().function_call("weather", {"city": "A"}).then().function_call("weather", {"city": "B"})
    with FakeAssistantsServer([scenario]) as server, runstream.Client(base_url=server.base_url, api_key="k") as client:
        with pytest.raises(runstream.RunstreamError, match="after 2 responses"):
            client.run_response_tools(model="m", input="x", tools={"weather": weather}, max_rounds=2)


def test_an_error_status_is_an_api_error() -> None:
    with FakeAssistantsServer([]) as server, runstream.Client(base_url=server.base_url, api_key="k") as client:
        with pytest.raises(runstream.APIError) as raised:
            client.stream_response(model="m", input="x")
    assert raised.value.status_code == 400


@pytest.mark.anyio
async def test_async_tool_loops() -> None:
    async def async_weather(city: str) -> str:
        return f"{city}: 18 °C"

    responses = ResponseScenario().function_call("weather", {"city": "Oslo"}).then().message("Oslo: 18 °C")
    chat = ChatScenario().tool_call("weather", {"city": "Oslo"}).then().message("Oslo: 18 °C")
    with FakeAssistantsServer([responses, chat]) as server:
        async with runstream.AsyncClient(base_url=server.base_url, api_key="k") as client:
            response = await client.run_response_tools(model="m", input="x", tools={"weather": async_weather})
            completion, conversation = await client.run_chat_tools(
                model="m", messages=[{"role": "user", "content": "x"}], tools={"weather": async_weather}
            )
        bodies = [request.json for request in server.requests]
    assert response.output_text == "Oslo: 18 °C"
    assert completion.choices[0].message.content == "Oslo: 18 °C"
    assert bodies[1]["input"][0]["output"] == "Oslo: 18 °C"
    assert conversation[-1]["content"] == "Oslo: 18 °C"


# ---- keywords -----------------------------------------------------------------------------------


def test_dialect_methods_reject_unknown_keywords_naming_the_nearest_valid_one() -> None:
    with runstream.Client(base_url="http://127.0.0.1:9/v1", api_key="sk-test") as client:
        with pytest.raises(TypeError, match=r"Client\.stream_response\(\) .*'event_handler'; did you mean handler=\?"):
            client.stream_response(model="m", input="x", event_handler=object())  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"Client\.stream_chat_completion\(\) .*did you mean temperature=\?"):
            client.stream_chat_completion(model="m", messages=[], temprature=0.2)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"'x_provider_flag'; pass request fields .* extra_body="):
            client.stream_response(model="m", input="x", x_provider_flag=True)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"Client\.run_response_tools\(\) .*did you mean tool_definitions=\?"):
            client.run_response_tools(model="m", input="x", tools={}, tool_definition=[])  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"Client\.run_chat_tools\(\) .*did you mean max_rounds=\?"):
            client.run_chat_tools(model="m", messages=[], tools={}, max_round=2)  # type: ignore[call-arg]
    # Nothing was sent: the port is closed, and the check comes before any request.


@pytest.mark.anyio
async def test_async_dialect_methods_reject_unknown_keywords() -> None:
    async with runstream.AsyncClient(base_url="http://127.0.0.1:9/v1", api_key="sk-test") as client:
        with pytest.raises(TypeError, match=r"AsyncClient\.stream_response\(\) .*did you mean handler=\?"):
            await client.stream_response(model="m", input="x", hander=None)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"AsyncClient\.run_chat_tools\(\) .*did you mean tool_definitions=\?"):
            await client.run_chat_tools(model="m", messages=[], tools={}, tool_definition=[])  # type: ignore[call-arg]


def test_extra_body_members_are_sent_as_given() -> None:
    scenario = ResponseScenario().message("Hi")
    chat = ChatScenario().message("Hi")
    with FakeAssistantsServer([scenario, chat], api_key="sk-test") as server, runstream.Client(
        base_url=server.base_url, api_key="sk-test"
    ) as client:
        client.stream_response(model="m", input="x", temperature=0.5,
                               extra_body={"x_provider_flag": True}).until_done()
        response_request = server.requests[-1]
        client.stream_chat_completion(model="m", messages=[], extra_body={"x_seed": 1}).until_done()
        chat_request = server.requests[-1]
    assert response_request.json == {"model": "m", "input": "x", "temperature": 0.5, "x_provider_flag": True,
                                     "stream": True}
    assert chat_request.json["x_seed"] == 1 and "extra_body" not in chat_request.json


def _repeating_server(dialect: str) -> tuple[Any, list[Any]]:
    """A transport answering like a model that asks for call ``call_1`` twice in its first
    reply and again in its second, then answers; and the request bodies it received."""
    import json

    import httpx

    bodies: list[Any] = []

    def chat_reply(turn: int) -> bytes:
        head = {"id": f"c{turn}", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        call = {"id": "call_1", "type": "function", "function": {"name": "pay", "arguments": '{"amount": 5}'}}
        if turn < 2:
            deltas = [{"role": "assistant", "tool_calls": [{"index": 0, **call}, {"index": 1, **call}]}]
            finish = "tool_calls"
        else:
            deltas, finish = [{"role": "assistant", "content": "paid"}], "stop"
        chunks = [{**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]} for delta in deltas]
        chunks.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        return b"".join(b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks) + b"data: [DONE]\n\n"

    def responses_reply(turn: int) -> bytes:
        call = {"type": "function_call", "call_id": "call_1", "name": "pay", "arguments": '{"amount": 5}',
                "status": "completed"}
        output = [{**call, "id": "fc_a"}, {**call, "id": "fc_b"}] if turn < 2 else [
            {"type": "message", "id": "m", "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": "paid", "annotations": []}]}]
        response = {"id": f"resp_{turn}", "object": "response", "status": "completed", "output": output}
        return f"event: response.completed\ndata: {json.dumps({'type': 'response.completed', 'response': response})}\n\n".encode()

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        reply = chat_reply if dialect == "chat" else responses_reply
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=reply(len(bodies) - 1))

    return httpx.MockTransport(answer), bodies


@pytest.mark.parametrize("dialect", ["chat", "responses"])
def test_a_call_id_the_model_repeats_runs_the_tool_once(dialect: str) -> None:
    # Twice in one reply and again in the next: the tool runs once, every mention of the
    # call is answered with its output (the server asked for each), none is run again.
    import httpx

    transport, bodies = _repeating_server(dialect)
    paid: list[int] = []

    def pay(amount: int) -> str:
        paid.append(amount)
        return "paid"

    with runstream.Client(base_url="http://model.test/v1", api_key="k", http_client=httpx.Client(transport=transport)) as client:
        if dialect == "chat":
            _, conversation = client.run_chat_tools(model="m", messages=[{"role": "user", "content": "pay"}],
                                                    tools={"pay": pay})
            answers = [message for message in conversation if message["role"] == "tool"]
            assert answers == [{"role": "tool", "tool_call_id": "call_1", "content": "paid"}] * 2
        else:
            client.run_response_tools(model="m", input="pay", tools={"pay": pay})
            assert [body["input"] for body in bodies[1:]] == [
                [{"type": "function_call_output", "call_id": "call_1", "output": "paid"}]] * 2
    assert paid == [5] and len(bodies) == 3


@pytest.mark.anyio
async def test_the_async_tool_loops_run_a_repeated_call_once() -> None:
    import httpx

    for dialect in ("chat", "responses"):
        transport, bodies = _repeating_server(dialect)
        paid: list[int] = []

        async def pay(amount: int) -> str:
            paid.append(amount)
            return "paid"

        async with runstream.AsyncClient(base_url="http://model.test/v1", api_key="k",
                                         http_client=httpx.AsyncClient(transport=transport)) as client:
            if dialect == "chat":
                await client.run_chat_tools(model="m", messages=[{"role": "user", "content": "pay"}], tools={"pay": pay})
            else:
                await client.run_response_tools(model="m", input="pay", tools={"pay": pay})
        assert paid == [5] and len(bodies) == 3
