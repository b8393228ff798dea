"""The dialects' fast paths decode runs of deltas in batches (one msgspec call per run) and
merge them at once: whatever the chunks carry (headers that change, odd chunks anywhere,
values crafted to parse only together), ``until_done`` builds what reading event by event
builds and fails the same way."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runstream
import runstream._chat.drain as chat_drain
from runstream.chat import ChatCompletionStream
from runstream.responses import ResponseStream
from test_dialect_drain import pieces, read_one_by_one, text_stream

_UNSET: Any = object()


def chat_chunk(delta: dict[str, Any], header: dict[str, Any], finish: str | None = None,
               tail: dict[str, Any] | None = None) -> bytes:
    body = {**{key: value for key, value in header.items() if value is not _UNSET},
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
    body.update({key: value for key, value in (tail or {}).items() if value is not _UNSET})
    return b"data: " + json.dumps(body).encode() + b"\n\n"


# What current services append to every chunk: a null usage, random padding.
_tails = st.fixed_dictionaries({
    "usage": st.sampled_from([None, None, _UNSET]),
    "obfuscation": st.sampled_from(["Xq3", "a", "", _UNSET]),
})


_headers = st.fixed_dictionaries({
    "id": st.sampled_from(["c1", "c1", "c1", "c2", ""]),
    "object": st.just("chat.completion.chunk"),
    "created": st.sampled_from([1, 1, 2, _UNSET]),
    "model": st.sampled_from(["m", "m", "n", _UNSET]),
    "system_fingerprint": st.sampled_from(["fp", "fp", None, _UNSET]),
    "service_tier": st.sampled_from([_UNSET, _UNSET, "default", None]),
})
_odd_chunks = st.sampled_from([
    {"role": "assistant"},
    {"refusal": "no"},
    {"tool_calls": [{"index": 0, "id": "t", "type": "function", "function": {"name": "f", "arguments": "{"}}]},
    {"content": "x", "extra": "kept"},
])


@st.composite
def chat_streams(draw: Any) -> bytes:
    modern = draw(st.booleans())  # chunks with a null usage and padding, or without
    tail: Any = (lambda: draw(_tails)) if modern else (lambda: None)
    out = [chat_chunk({"role": "assistant", "content": ""}, draw(_headers), tail=tail())]
    for _ in range(draw(st.integers(1, 300))):
        roll = draw(st.integers(0, 30))
        header = draw(_headers) if roll < 3 else {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        delta = draw(_odd_chunks) if roll == 3 else {"content": draw(st.text(max_size=4))}
        out.append(chat_chunk(delta, header, tail=tail()))
    out.append(chat_chunk({}, {"id": "c1"}, "stop", tail=tail()))
    out.append(b"data: [DONE]\n\n")
    return b"".join(out)


@settings(max_examples=60, deadline=None)
@given(body=chat_streams(), cuts=st.lists(st.integers(0, 1 << 16), max_size=8))
def test_chat_batches_merge_headers_and_odd_chunks_as_one_by_one(body: bytes, cuts: list[int]) -> None:
    quick = ChatCompletionStream(iter(pieces(body, cuts))).until_done().accumulator
    slow = read_one_by_one(ChatCompletionStream(body)).accumulator
    assert quick.completion_json() == slow.completion_json()
    assert quick.chunks_fed == slow.chunks_fed


def test_a_header_member_only_some_chunks_carry_is_kept_as_one_by_one() -> None:
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [chat_chunk({"role": "assistant", "content": ""}, head)]
    chunks += [chat_chunk({"content": f"w{n}"}, {**head, "service_tier": "flex"} if n == 5 else head) for n in range(40)]
    chunks += [chat_chunk({"content": "x"}, {**head, "id": ""}), chat_chunk({}, head, "stop"), b"data: [DONE]\n\n"]
    body = b"".join(chunks)
    quick = ChatCompletionStream(body).until_done().accumulator.completion_json()
    assert quick == read_one_by_one(ChatCompletionStream(body)).accumulator.completion_json()
    assert quick["service_tier"] == "flex" and quick["id"] == "c1"


_MEMBER_VALUES = {"id": "c9", "created": 9, "model": "m9", "system_fingerprint": None, "service_tier": "flex",
                  "usage": None, "obfuscation": "pad", "x_extra": {"kept": True}}


@pytest.mark.parametrize("member", sorted(_MEMBER_VALUES))
@pytest.mark.parametrize("carried_by", ["first", "all but the first", "all but the last", "last", "a middle one"])
def test_a_member_only_some_chunks_of_a_batch_carry_merges_as_one_by_one(member: str, carried_by: str) -> None:
    # Runs are decoded by a class made for the members their first chunk carries (each then
    # required in every chunk, none other allowed), merged from their last chunk alone; a
    # member only some chunks carry is merged as chunk by chunk merges it.
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "system_fingerprint": "fp"}
    carriers = {"first": {1}, "all but the first": set(range(2, 61)), "all but the last": set(range(1, 60)),
                "last": {60}, "a middle one": {30}}[carried_by]
    chunks = [chat_chunk({"role": "assistant", "content": ""}, head)]
    for number in range(1, 61):
        header = dict(head)
        if number in carriers:
            header[member] = _MEMBER_VALUES[member]
        elif member in header:
            del header[member]
        chunks.append(chat_chunk({"content": f"w{number} "}, header))
    body = b"".join(chunks) + chat_chunk({}, head, "stop") + b"data: [DONE]\n\n"
    for cuts in ([], [len(body) // 2]):
        quick = ChatCompletionStream(iter(pieces(body, cuts))).until_done().accumulator
        slow = read_one_by_one(ChatCompletionStream(body)).accumulator
        assert quick.completion_json() == slow.completion_json()
        assert quick.chunks_fed == slow.chunks_fed


def test_an_empty_id_in_a_batch_of_one_shape_merges_as_one_by_one() -> None:
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [chat_chunk({"role": "assistant", "content": ""}, head)]
    chunks += [chat_chunk({"content": f"w{n}"}, {**head, "id": "c2" if n == 20 else "" if n > 20 else "c1"})
               for n in range(40)]
    body = b"".join(chunks) + chat_chunk({}, {**head, "id": ""}, "stop") + b"data: [DONE]\n\n"
    quick = ChatCompletionStream(body).until_done().accumulator.completion_json()
    assert quick == read_one_by_one(ChatCompletionStream(body)).accumulator.completion_json()
    assert quick["id"] == "c2"


def test_a_run_of_another_choice_merges_into_that_choice() -> None:
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {**head, "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    chunks = [chunk(0, {"role": "assistant", "content": ""}), chunk(1, {"role": "assistant", "content": ""})]
    chunks += [chunk(index, {"content": f"c{index}w{n} "}) for index in (0, 1) for n in range(40)]
    body = b"".join(chunks) + chunk(0, {}, "stop") + chunk(1, {}, "stop") + b"data: [DONE]\n\n"
    quick = ChatCompletionStream(body).until_done().accumulator.completion_json()
    assert quick == read_one_by_one(ChatCompletionStream(body)).accumulator.completion_json()
    assert quick["choices"][1]["message"]["content"] == "".join(f"c1w{n} " for n in range(40))


# Values that are no JSON alone but would be read as objects if joined (each is one line).
_CRAFTED_CHAT = [
    b'{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":null}],"id":"c1","x":[{}',
    b'{}],"model":"m"}',
    b'{"choices":[{"index":0,"delta":{"content":"b"}}]},{"choices":[{"index":0,"delta":{"content":"c"}}]}',
]


@pytest.mark.parametrize("where", [0, 10, 40])
def test_chat_chunks_that_parse_only_together_fail_as_one_by_one(where: int) -> None:
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [chat_chunk({"role": "assistant", "content": ""}, head)]
    chunks += [chat_chunk({"content": f"w{n}"}, head) for n in range(50)]
    chunks[where + 1 : where + 1] = [b"data: " + value + b"\n\n" for value in _CRAFTED_CHAT]
    body = b"".join(chunks) + chat_chunk({}, head, "stop") + b"data: [DONE]\n\n"
    with pytest.raises(runstream.StreamDecodeError) as quick:
        ChatCompletionStream(body).until_done()
    with pytest.raises(runstream.StreamDecodeError) as slow:
        read_one_by_one(ChatCompletionStream(body))
    assert (quick.value.ordinal, quick.value.offset, str(quick.value)) == (slow.value.ordinal, slow.value.offset, str(slow.value))


_BAD_CHUNKS = {
    "bad content": b'{"id":"c1","choices":[{"index":0,"delta":{"content":5}}]}',
    "error object": b'{"error":{"message":"boom","type":"server_error","code":null,"param":null}}',
    "not json": b'{"id":"c1","choices":[}',
}


@pytest.mark.parametrize("bad", sorted(_BAD_CHUNKS))
@pytest.mark.parametrize("where", ["first", "second", "before finish", "last", "alone"])
def test_an_odd_chunk_at_either_end_of_a_run_fails_as_one_by_one(bad: str, where: str) -> None:
    # The first and the last chunks of a run (a role chunk, a finish, usage) go alone, the
    # usual way, found in the run's text: an odd one there fails with the same error, event
    # ordinal and byte offset as reading chunk by chunk.
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [chat_chunk({"role": "assistant", "content": ""}, head)]
    chunks += [chat_chunk({"content": f"w{n}"}, head) for n in range(30)]
    chunks += [chat_chunk({}, head, "stop"),
               b"data: " + json.dumps({**head, "choices": [], "usage": {"total_tokens": 3}}).encode() + b"\n\n"]
    odd = b"data: " + _BAD_CHUNKS[bad] + b"\n\n"
    position = {"first": 0, "second": 1, "before finish": len(chunks) - 2, "last": len(chunks)}.get(where)
    if position is None:
        chunks = [chunks[0], odd]
    else:
        chunks.insert(position, odd)
    body = b"".join(chunks) + b"data: [DONE]\n\n"
    for cuts in ([], [len(body) // 2]):
        outcomes = []
        for read in (lambda stream: stream.until_done(), read_one_by_one):
            with pytest.raises(runstream.RunstreamError) as raised:
                read(ChatCompletionStream(iter(pieces(body, cuts))))
            outcomes.append((type(raised.value), str(raised.value), raised.value.ordinal, raised.value.offset))
        assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("where", [0, 10, 40])
def test_responses_deltas_that_parse_only_together_fail_as_one_by_one(where: int) -> None:
    body = text_stream([f"w{n} " for n in range(60)])
    marker = b"event: response.output_text.delta\ndata: "
    start = 0
    for _ in range(where + 1):
        start = body.index(marker, start + 1)
    crafted = [b'{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"a","x":[{}',
               b'{}]}',
               b'{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"b"},{}']
    body = body[:start] + b"".join(marker + value + b"\n\n" for value in crafted) + body[start:]
    with pytest.raises(runstream.StreamDecodeError) as quick:
        ResponseStream(body).until_done()
    with pytest.raises(runstream.StreamDecodeError) as slow:
        read_one_by_one(ResponseStream(body))
    assert (quick.value.ordinal, quick.value.offset, str(quick.value)) == (slow.value.ordinal, slow.value.offset, str(slow.value))


@settings(max_examples=40, deadline=None)
@given(contents=st.lists(st.text(max_size=5), min_size=1, max_size=600), size=st.sampled_from([97, 4096, 65536]))
def test_responses_batches_build_the_text_one_by_one_builds(contents: list[str], size: int) -> None:
    body = text_stream(contents)
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    quick = ResponseStream(iter(chunks)).until_done().accumulator
    slow = read_one_by_one(ResponseStream(body)).accumulator
    assert quick.response_json() == slow.response_json() and quick.events_fed == slow.events_fed
    assert quick.text("m") == "".join(contents)


@pytest.mark.anyio
async def test_the_async_fast_paths_take_runs_in_batches_too() -> None:
    contents = [f"w{n} " for n in range(3000)]
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chat = b"".join([chat_chunk({"role": "assistant", "content": ""}, head),
                     *(chat_chunk({"content": text}, head) for text in contents),
                     chat_chunk({}, head, "stop"), b"data: [DONE]\n\n"])
    for stream_class, body in ((runstream.chat.AsyncChatCompletionStream, chat),
                               (runstream.responses.AsyncResponseStream, text_stream(contents))):
        async def chunks(body: bytes = body) -> Any:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        stream = await stream_class(chunks()).until_done()
        sync_class = ChatCompletionStream if stream_class is runstream.chat.AsyncChatCompletionStream else ResponseStream
        slow = read_one_by_one(sync_class(body)).accumulator
        if sync_class is ChatCompletionStream:
            assert stream.accumulator.completion_json() == slow.completion_json()
            assert stream.accumulator.content(0) == "".join(contents)
        else:
            assert stream.accumulator.response_json() == slow.response_json()
            assert stream.accumulator.text("m") == "".join(contents)


def test_chunks_with_a_null_usage_and_padding_take_batches_and_merge_as_one_by_one() -> None:
    # What current services send: every chunk ends with "usage":null and "obfuscation".
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "service_tier": "default", "system_fingerprint": "fp"}
    chunks = [chat_chunk({"role": "assistant", "content": ""}, head, tail={"usage": None, "obfuscation": "p0"})]
    chunks += [chat_chunk({"content": f"w{n} "}, head, tail={"usage": None, "obfuscation": f"p{n}"}) for n in range(1, 500)]
    chunks += [chat_chunk({}, head, "stop", tail={"usage": None, "obfuscation": "end"}), b"data: [DONE]\n\n"]
    body = b"".join(chunks)
    batches = []
    merge, merge_shaped = chat_drain._merge_contents, chat_drain._merge_shaped

    def counting(accumulator: Any, batch: Any, *shape: Any) -> bool:
        batches.append(len(batch))
        return (merge_shaped if shape else merge)(accumulator, batch, *shape)

    chat_drain._merge_contents = chat_drain._merge_shaped = counting
    try:
        quick = ChatCompletionStream(body).until_done().accumulator.completion_json()
    finally:
        chat_drain._merge_contents, chat_drain._merge_shaped = merge, merge_shaped
    assert sum(batches) >= 490  # the content chunks, in batches
    assert quick == read_one_by_one(ChatCompletionStream(body)).accumulator.completion_json()
    assert quick["usage"] is None and quick["obfuscation"] == "end"


def test_a_full_shape_cache_makes_no_class_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # A server that sends endless new chunk shapes fills the cache of shape classes; after
    # that, a batch of a shape not in it takes the general path, and no class is made for it
    # (one made per batch would be a class definition each time, and stay behind).
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [chat_chunk({"role": "assistant", "content": ""}, head)]
    chunks += [chat_chunk({"content": f"w{n} "}, head, tail={"obfuscation": f"p{n}"}) for n in range(1, 200)]
    chunks += [chat_chunk({}, head, "stop"), b"data: [DONE]\n\n"]
    body = b"".join(chunks)
    expected = read_one_by_one(ChatCompletionStream(body)).accumulator.completion_json()

    full = {(f"member{n}",): None for n in range(chat_drain._MAX_SHAPES)}
    monkeypatch.setattr(chat_drain, "_SHAPES", full)
    made: list[Any] = []
    defstruct = chat_drain.msgspec.defstruct

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return defstruct(*args, **kwargs)

    monkeypatch.setattr(chat_drain.msgspec, "defstruct", counting)
    for _ in range(3):
        assert ChatCompletionStream(body).until_done().accumulator.completion_json() == expected
    assert made == []
    assert len(full) == chat_drain._MAX_SHAPES
