"""Chat Completions streams: recorded streams from real services, chunking, and merging by
index (hypothesis), through the sync and async streams and the handler callbacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runstream
from runstream.chat import (
    AsyncChatCompletionStream,
    ChatCompletionAccumulator,
    ChatCompletionHandler,
    ChatCompletionStream,
)

RECORDINGS = Path(__file__).parent / "recordings" / "chat"
NAMES = sorted(path.name for path in RECORDINGS.glob("*.sse"))


def chunks_of(body: bytes) -> list[dict[str, Any]]:
    """The chunk objects of a body, parsed by hand (data lines only)."""
    chunks = []
    for block in body.decode("utf-8").split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: ") and line[6:].strip() != "[DONE]":
                chunks.append(json.loads(line[6:]))
    return chunks


def reference_completion(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """An independent, naive merge of chunks (string concatenation, dict per index): the
    model the accumulator must agree with on every declared member."""
    choices: dict[int, dict[str, Any]] = {}
    usage = None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk.get("choices", []):
            merged = choices.setdefault(
                choice["index"], {"content": None, "refusal": None, "tool_calls": {}, "finish_reason": None,
                                  "logprobs": None, "role": None}
            )
            delta = choice.get("delta") or {}
            if delta.get("role"):
                merged["role"] = delta["role"]
            for key in ("content", "refusal"):
                if isinstance(delta.get(key), str):
                    merged[key] = (merged[key] or "") + delta[key]
            for call in delta.get("tool_calls") or ():
                target = merged["tool_calls"].setdefault(call["index"], {"id": None, "name": None, "arguments": ""})
                if call.get("id"):
                    target["id"] = call["id"]
                function = call.get("function") or {}
                if function.get("name"):
                    target["name"] = function["name"]
                target["arguments"] += function.get("arguments") or ""
            if choice.get("logprobs"):
                logprobs = merged["logprobs"] = merged["logprobs"] or {}
                for key, value in choice["logprobs"].items():
                    if isinstance(value, list):
                        logprobs[key] = (logprobs.get(key) or []) + value
                    else:
                        logprobs.setdefault(key, value)
            if choice.get("finish_reason"):
                merged["finish_reason"] = choice["finish_reason"]
    return {"choices": choices, "usage": usage}


@pytest.mark.parametrize("name", NAMES)
def test_recorded_stream_builds_the_completion(name: str) -> None:
    body = (RECORDINGS / name).read_bytes()
    chunks = chunks_of(body)
    expected = reference_completion(chunks)
    completion = ChatCompletionStream(body).final_completion_json()

    assert completion["object"] == "chat.completion"
    assert completion["id"] == chunks[0]["id"]
    assert completion["model"] == chunks[-1]["model"]
    assert [choice["index"] for choice in completion["choices"]] == sorted(expected["choices"])
    for choice in completion["choices"]:
        reference = expected["choices"][choice["index"]]
        message = choice["message"]
        assert message["role"] == (reference["role"] or "assistant")
        assert message["content"] == reference["content"]
        assert message["refusal"] == reference["refusal"]
        assert choice["finish_reason"] == reference["finish_reason"]
        assert choice["logprobs"] == reference["logprobs"]
        calls = [
            {"id": call["id"], "name": call["function"]["name"], "arguments": call["function"]["arguments"]}
            for call in message.get("tool_calls", [])
        ]
        assert calls == [reference["tool_calls"][index] for index in sorted(reference["tool_calls"])]
    if expected["usage"] is not None:
        assert completion["usage"] == expected["usage"]
    else:
        assert completion.get("usage") is None


def test_tool_call_arguments_are_json_and_match_the_recording() -> None:
    completion = ChatCompletionStream(RECORDINGS / "python_parallel_tool_calls.sse").final_completion()
    calls = completion.choices[0].message.tool_calls
    assert isinstance(calls, list)
    assert [call.function.name for call in calls] == ["GetWeatherArgs", "get_stock_price"]
    assert [json.loads(call.function.arguments) for call in calls] == [
        {"city": "Edinburgh", "country": "GB", "units": "c"},
        {"ticker": "AAPL", "exchange": "NASDAQ"},
    ]
    assert completion.choices[0].finish_reason == "tool_calls"


def test_three_choices_are_kept_apart() -> None:
    completion = ChatCompletionStream(RECORDINGS / "python_three_choices.sse").final_completion()
    assert [choice.index for choice in completion.choices] == [0, 1, 2]
    assert all(json.loads(choice.message.content or "")["city"] == "San Francisco" for choice in completion.choices)


def test_undeclared_members_are_kept() -> None:
    """The audio delta (base64 data and transcript in fragments) and the chunk-level
    ``obfuscation`` member are no declared field: they reach the completion anyway."""
    body = (RECORDINGS / "dotnet_audio_output.sse").read_bytes()
    completion = ChatCompletionStream(body).final_completion_json()
    audio = completion["choices"][0]["message"]["audio"]
    fragments = [
        chunk["choices"][0]["delta"]["audio"]
        for chunk in chunks_of(body)
        if chunk.get("choices") and "audio" in chunk["choices"][0].get("delta", {})
    ]
    assert audio["data"] == "".join(fragment.get("data", "") for fragment in fragments)
    assert audio["transcript"] == "".join(fragment.get("transcript", "") for fragment in fragments)
    assert audio["id"] == next(fragment["id"] for fragment in fragments if "id" in fragment)
    assert "obfuscation" in completion


class Recorder(ChatCompletionHandler):
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def on_chunk(self, chunk: Any) -> None:
        self.calls.append(("chunk",))

    def on_content_delta(self, delta: str, choice_index: int) -> None:
        self.calls.append(("content", delta, choice_index))

    def on_content_done(self, content: str, choice_index: int) -> None:
        self.calls.append(("content done", content, choice_index))

    def on_refusal_done(self, refusal: str, choice_index: int) -> None:
        self.calls.append(("refusal done", refusal, choice_index))

    def on_tool_call_arguments_delta(self, delta: str, tool_call_index: int, choice_index: int) -> None:
        self.calls.append(("arguments", delta, tool_call_index, choice_index))

    def on_tool_call_done(self, tool_call: Any, tool_call_index: int, choice_index: int) -> None:
        self.calls.append(("tool done", tool_call.function.arguments, tool_call_index))

    def on_completed(self, completion: Any) -> None:
        self.calls.append(("completed", completion.usage))


def test_handler_callbacks_follow_the_stream() -> None:
    handler = Recorder()
    ChatCompletionStream(RECORDINGS / "python_parallel_tool_calls.sse", handler).until_done()
    arguments: dict[int, str] = {}
    for call in handler.calls:
        if call[0] == "arguments":
            arguments[call[2]] = arguments.get(call[2], "") + call[1]
    done = [call for call in handler.calls if call[0] == "tool done"]
    assert [(text, index) for _, text, index in done] == sorted((text, index) for index, text in arguments.items())
    assert handler.calls[-1][0] == "completed"
    assert handler.calls.count(("chunk",)) == len(chunks_of((RECORDINGS / "python_parallel_tool_calls.sse").read_bytes()))


def test_refusal_done_gets_the_whole_refusal() -> None:
    handler = Recorder()
    ChatCompletionStream(RECORDINGS / "python_refusal.sse", handler).until_done()
    assert ("refusal done", "I'm sorry, I can't assist with that request.", 0) in handler.calls


def test_error_object_raises_after_what_came_before() -> None:
    body = (
        b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
        b'data: {"error":{"message":"overloaded","type":"server_error","code":"503"}}\n\n'
    )
    stream = ChatCompletionStream(body)
    with pytest.raises(runstream.ServerStreamError, match="overloaded") as raised:
        stream.until_done()
    assert raised.value.type == "server_error"
    assert stream.accumulator.content(0) == "Hi"


def test_stream_cut_before_finish_is_incomplete() -> None:
    body = b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
    with pytest.raises(runstream.IncompleteStreamError, match="finish_reason"):
        ChatCompletionStream(body).until_done()


@pytest.mark.parametrize(("choices", "said"), [
    ([], "no [DONE], and no choice arrived"),
    ([0], "no [DONE], and choice 0 has no finish_reason"),
    ([0, 2], "no [DONE], and choices 0, 2 have no finish_reason"),
])
def test_an_incomplete_stream_says_which_choices_are_unfinished(choices: list[int], said: str) -> None:
    chunks = [{"id": "c", "choices": [{"index": index, "delta": {"content": "Hi"}} for index in choices]}]
    if choices:  # one more choice, finished
        chunks.append({"id": "c", "choices": [{"index": 1, "delta": {}, "finish_reason": "stop"}]})
    body = b"".join(b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks)
    for read in (lambda stream: stream.until_done(), lambda stream: [None for _ in stream]):
        with pytest.raises(runstream.IncompleteStreamError) as raised:
            read(ChatCompletionStream(body))
        assert said in str(raised.value)


def test_httpx_response_source() -> None:
    body = (RECORDINGS / "python_text_usage.sse").read_bytes()
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    )
    with httpx.Client(transport=transport) as client, client.stream("POST", "http://test/chat/completions") as response:
        completion = ChatCompletionStream(response).final_completion_json()
    assert completion == ChatCompletionStream(body).final_completion_json()


@pytest.mark.anyio
async def test_async_stream_equals_sync() -> None:
    body = (RECORDINGS / "python_three_choices.sse").read_bytes()
    pieces = [body[i : i + 97] for i in range(0, len(body), 97)]

    async def chunks() -> Any:
        for piece in pieces:
            yield piece

    seen: list[str] = []

    class AsyncRecorder(runstream.chat.AsyncChatCompletionHandler):
        async def on_content_delta(self, delta: str, choice_index: int) -> None:
            seen.append(delta)

    async with AsyncChatCompletionStream(chunks(), AsyncRecorder()) as stream:
        completion = await stream.final_completion_json()
    assert completion == ChatCompletionStream(body).final_completion_json()
    assert "".join(seen) == "".join(choice["message"]["content"] for choice in completion["choices"]) or sorted(
        "".join(seen)
    ) == sorted("".join(choice["message"]["content"] for choice in completion["choices"]))


# ---- chunking and merging (hypothesis) ------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(NAMES), cuts=st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=30))
def test_any_chunking_gives_the_same_completion(name: str, cuts: list[int]) -> None:
    body = (RECORDINGS / name).read_bytes()
    offsets = sorted({cut % (len(body) + 1) for cut in cuts})
    pieces = [body[start:end] for start, end in zip([0, *offsets], [*offsets, len(body)])]
    assert ChatCompletionStream(iter(pieces)).final_completion_json() == ChatCompletionStream(body).final_completion_json()


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def completions(draw: Any) -> tuple[dict[int, dict[str, Any]], list[bytes]]:
    """A random set of choices (sparse indexes, content, tool calls with sparse indexes)
    and a stream that tells them in fragments, the choices and tool calls interleaved."""
    choice_indexes = draw(st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True))
    truth: dict[int, dict[str, Any]] = {}
    scripts: list[list[dict[str, Any]]] = []
    for index in choice_indexes:
        content = draw(texts)
        calls = {
            call_index: draw(texts)
            for call_index in draw(st.lists(st.integers(0, 4), max_size=2, unique=True))
        }
        truth[index] = {"content": content, "calls": calls}
        steps: list[dict[str, Any]] = [{"index": index, "delta": {"role": "assistant"}}]
        cut = draw(st.lists(st.integers(0, len(content)), max_size=4))
        bounds = sorted({0, len(content), *cut})
        steps += [{"index": index, "delta": {"content": content[a:b]}} for a, b in zip(bounds, bounds[1:])]
        for call_index, arguments in calls.items():
            steps.append({"index": index, "delta": {"tool_calls": [
                {"index": call_index, "id": f"call_{index}_{call_index}", "type": "function",
                 "function": {"name": "f", "arguments": ""}}]}})
            cut = draw(st.lists(st.integers(0, len(arguments)), max_size=4))
            bounds = sorted({0, len(arguments), *cut})
            steps += [
                {"index": index, "delta": {"tool_calls": [{"index": call_index, "function": {"arguments": arguments[a:b]}}]}}
                for a, b in zip(bounds, bounds[1:])
            ]
        steps.append({"index": index, "delta": {}, "finish_reason": "stop"})
        scripts.append(steps)
    # Interleave the choices' scripts, each kept in its own order.
    order = draw(st.permutations([i for i, steps in enumerate(scripts) for _ in steps]))
    positions = [0] * len(scripts)
    body = []
    for script_index in order:
        step = scripts[script_index][positions[script_index]]
        positions[script_index] += 1
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [step]}
        body.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    body.append(b"data: [DONE]\n\n")
    return truth, body


@settings(max_examples=60, deadline=None)
@given(case=completions())
def test_interleaved_fragments_merge_by_index(case: tuple[dict[int, dict[str, Any]], list[bytes]]) -> None:
    truth, body = case
    completion = ChatCompletionStream(iter(body)).final_completion()
    assert [choice.index for choice in completion.choices] == sorted(truth)
    for choice in completion.choices:
        expected = truth[choice.index]
        assert (choice.message.content or "") == expected["content"]
        calls = choice.message.tool_calls if isinstance(choice.message.tool_calls, list) else []
        assert [call.function.arguments for call in calls] == [expected["calls"][i] for i in sorted(expected["calls"])]
        assert [call.id for call in calls] == [f"call_{choice.index}_{i}" for i in sorted(expected["calls"])]


def test_accumulator_cost_per_delta_does_not_read_the_text() -> None:
    """Reading the content joins the pieces once and keeps the result: a later read with no
    new delta does not join again (the same string object comes back)."""
    accumulator = ChatCompletionAccumulator()
    decoder = runstream.chat.ChatChunkDecoder()
    for piece in ["a", "b", "c"]:
        accumulator.update(decoder.decode(runstream.ServerSentEvent(
            data=json.dumps({"id": "c", "choices": [{"index": 0, "delta": {"content": piece}}]}))))
    first = accumulator.content(0)
    assert first == "abc" and accumulator.content(0) is first


def test_legacy_function_call_is_merged_and_reported() -> None:
    body = b"".join(
        b"data: " + json.dumps({"id": "c", "choices": [choice]}).encode() + b"\n\n"
        for choice in [
            {"index": 0, "delta": {"role": "assistant", "content": None,
                                   "function_call": {"name": "lookup", "arguments": ""}}},
            {"index": 0, "delta": {"function_call": {"arguments": '{"q": '}}},
            {"index": 0, "delta": {"function_call": {"arguments": '"x"}'}}},
            {"index": 0, "delta": {}, "finish_reason": "function_call"},
        ]
    ) + b"data: [DONE]\n\n"
    seen: list[Any] = []

    class Handler(ChatCompletionHandler):
        def on_function_call_arguments_delta(self, delta: str, choice_index: int) -> None:
            seen.append(delta)

        def on_function_call_done(self, function_call: Any, choice_index: int) -> None:
            seen.append((function_call.name, function_call.arguments))

    completion = ChatCompletionStream(body, Handler()).final_completion_json()
    assert completion["choices"][0]["message"]["function_call"] == {"name": "lookup", "arguments": '{"q": "x"}'}
    assert "tool_calls" not in completion["choices"][0]["message"]
    assert seen == ["", '{"q": ', '"x"}', ("lookup", '{"q": "x"}')]


def test_snapshots_pair_each_chunk_with_the_completion_so_far() -> None:
    body = (RECORDINGS / "python_text_usage.sse").read_bytes()
    texts = [update.snapshot["choices"][0]["message"]["content"] for update in ChatCompletionStream(body).snapshots()
             if update.snapshot["choices"]]
    final = ChatCompletionStream(body).final_completion_json()["choices"][0]["message"]["content"]
    assert texts[-1] == final
    assert all(final.startswith(text or "") for text in texts)


@pytest.mark.parametrize("name", sorted(path.name for path in RECORDINGS.glob("*.sse")))
def test_the_typed_completion_is_exactly_the_completion_json(name: str) -> None:
    stream = ChatCompletionStream(RECORDINGS / name)
    completion = stream.final_completion()
    assert msgspec.to_builtins(completion) == stream.final_completion_json()
    if completion.usage:
        assert isinstance(completion.usage, runstream.chat.ChatCompletionUsage)
        assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_logprobs_and_usage_details_are_typed() -> None:
    completion = ChatCompletionStream(RECORDINGS / "python_content_logprobs.sse").final_completion()
    logprobs = completion.choices[0].logprobs
    assert isinstance(logprobs, runstream.chat.ChatChoiceLogprobs) and logprobs.content
    token = logprobs.content[0]
    assert isinstance(token, runstream.chat.ChatTokenLogprob) and token.logprob <= 0
    assert all(isinstance(top, runstream.chat.ChatTopLogprob) for top in token.top_logprobs)
    usage = ChatCompletionStream(RECORDINGS / "python_text_usage.sse").final_completion().usage
    assert isinstance(usage, runstream.chat.ChatCompletionUsage)
    assert usage.prompt_tokens_details is None or isinstance(usage.prompt_tokens_details,
                                                             runstream.chat.ChatPromptTokensDetails)


def test_unknown_members_of_the_completion_are_kept_typed() -> None:
    chunk = {"id": "c", "choices": [{"index": 0, "delta": {"content": "Hi", "x_tone": "warm"}, "finish_reason": "stop",
                                     "logprobs": {"content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105],
                                                               "top_logprobs": [], "x_rank": 1}]}}],
             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2,
                       "prompt_tokens_details": {"cached_tokens": 0, "x_warm": 1}}}
    body = b"data: " + msgspec.json.encode(chunk) + b"\n\ndata: [DONE]\n\n"
    completion = ChatCompletionStream(body).final_completion()
    message = completion.choices[0].message
    assert runstream.types.extra_fields(message) == {"x_tone": "warm"}
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert runstream.types.extra_fields(logprobs.content[0]) == {"x_rank": 1}
    assert logprobs.refusal is None and "refusal" not in msgspec.to_builtins(logprobs)
    usage = completion.usage
    assert isinstance(usage, runstream.chat.ChatCompletionUsage) and usage.prompt_tokens_details is not None
    assert runstream.types.extra_fields(usage.prompt_tokens_details) == {"x_warm": 1}
    assert usage.completion_tokens_details is None


def test_a_custom_tool_call_gets_no_invented_function_member() -> None:
    # A ``custom`` tool call (free-form input) carries ``custom``, not ``function``: the
    # completion says what the server said, and its typed form can be built.
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return b"data: " + json.dumps({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}).encode() + b"\n\n"

    body = (
        chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": "c1", "type": "custom",
                                                     "custom": {"name": "grep", "input": "ab"}}]})
        + chunk({"tool_calls": [{"index": 0, "custom": {"input": "cd"}}]})
        + chunk({}, "tool_calls")
        + b"data: [DONE]\n\n"
    )
    stream = ChatCompletionStream(body)
    message = stream.final_completion_json()["choices"][0]["message"]
    assert message["tool_calls"] == [{"id": "c1", "type": "custom", "custom": {"name": "grep", "input": "abcd"}}]
    (call,) = stream.final_completion().choices[0].message.tool_calls  # type: ignore[misc]
    assert msgspec.to_builtins(call) == message["tool_calls"][0]


def test_tool_calls_are_typed_by_their_type() -> None:
    # function -> ChatFunctionToolCall, custom -> ChatCustomToolCall, another type kept raw;
    # each encodes back to the completion's JSON.
    from runstream._models.base import UnknownObject
    from runstream.chat import ChatCustomToolCall, ChatFunctionToolCall

    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    calls = [
        {"index": 0, "id": "f", "type": "function", "function": {"name": "get", "arguments": "{}"}},
        {"index": 1, "id": "c", "type": "custom", "custom": {"name": "grep", "input": "x"}},
        {"index": 2, "id": "n", "type": "new_kind", "new_kind": {"a": 1}},
    ]
    body = b"".join(
        b"data: " + json.dumps({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}).encode() + b"\n\n"
        for delta, finish in (({"role": "assistant", "tool_calls": calls}, None), ({}, "tool_calls"))
    ) + b"data: [DONE]\n\n"
    stream = ChatCompletionStream(body)
    message = stream.final_completion().choices[0].message
    function, custom, unknown = message.tool_calls  # type: ignore[misc]
    assert isinstance(function, ChatFunctionToolCall) and function.function.name == "get"
    assert isinstance(custom, ChatCustomToolCall) and custom.custom.input == "x"
    assert isinstance(unknown, UnknownObject) and unknown.type == "new_kind"
    wire = stream.final_completion_json()["choices"][0]["message"]["tool_calls"]
    assert msgspec.to_builtins(message.tool_calls) == wire
