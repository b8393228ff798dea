"""The fast path of ``until_done`` with a handler that listens to nothing (runs of events
merged straight from bytes) builds exactly what reading event by event builds, and fails
exactly the same way: same error, same event ordinal, same byte offset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runstream
from runstream.chat import ChatCompletionStream
from runstream.responses import ResponseStream
from test_responses_stream import interleaved_items

RECORDINGS = Path(__file__).parent / "recordings"
RESPONSES = sorted((RECORDINGS / "responses").glob("*.sse"))
CHATS = sorted((RECORDINGS / "chat").glob("*.sse"))


def pieces(body: bytes, cuts: list[int]) -> list[bytes]:
    offsets = sorted({cut % (len(body) + 1) for cut in cuts})
    return [body[start:end] for start, end in zip([0, *offsets], [*offsets, len(body)])]


def read_one_by_one(stream: Any) -> Any:
    for _ in stream:
        pass
    return stream


def text_stream(deltas: list[str], bad: int | None = None, error_at: int | None = None) -> bytes:
    """A Responses stream of one message told in ``deltas``; the ``bad``-th delta has a
    content_index of the wrong type, an error event replaces the ``error_at``-th."""
    def event(body: dict[str, Any]) -> bytes:
        return f"event: {body['type']}\ndata: {json.dumps(body)}\n\n".encode()

    text = "".join(deltas)
    out = [event({"type": "response.created", "response": {"id": "r", "status": "in_progress", "output": []}}),
           event({"type": "response.output_item.added", "output_index": 0,
                  "item": {"type": "message", "id": "m", "role": "assistant", "status": "in_progress", "content": []}}),
           event({"type": "response.content_part.added", "item_id": "m", "output_index": 0, "content_index": 0,
                  "part": {"type": "output_text", "text": "", "annotations": []}})]
    for number, delta in enumerate(deltas):
        if number == error_at:
            out.append(event({"type": "error", "code": "server_error", "message": "boom", "param": None}))
        out.append(event({"type": "response.output_text.delta", "item_id": "m", "output_index": 0,
                          "content_index": "x" if number == bad else 0, "delta": delta, "sequence_number": number}))
    part = {"type": "output_text", "text": text, "annotations": []}
    item = {"type": "message", "id": "m", "role": "assistant", "status": "completed", "content": [part]}
    out += [event({"type": "response.output_text.done", "item_id": "m", "output_index": 0, "content_index": 0,
                   "text": text}),
            event({"type": "response.output_item.done", "output_index": 0, "item": item}),
            event({"type": "response.completed", "response": {"id": "r", "status": "completed", "output": [item]}})]
    return b"".join(out)


def chat_stream(contents: list[str], bad: int | None = None) -> bytes:
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": 5 if number == bad else content}) for number, content in enumerate(contents)]
    out += [chunk({}, "stop"), b"data: [DONE]\n\n"]
    return b"".join(out)


@settings(max_examples=40, deadline=None)
@given(path=st.sampled_from(RESPONSES), cuts=st.lists(st.integers(0, 1 << 20), max_size=20))
def test_responses_until_done_builds_what_reading_event_by_event_builds(path: Path, cuts: list[int]) -> None:
    body = path.read_bytes()
    quick = ResponseStream(iter(pieces(body, cuts))).until_done().accumulator
    slow = read_one_by_one(ResponseStream(iter(pieces(body, cuts)))).accumulator
    assert quick.response_json() == slow.response_json()
    assert [quick.built_item_json(i) for i in quick.output_indexes] == [slow.built_item_json(i) for i in slow.output_indexes]
    assert quick.events_fed == slow.events_fed and quick.discrepancies == slow.discrepancies


@settings(max_examples=40, deadline=None)
@given(case=interleaved_items(), cuts=st.lists(st.integers(0, 1 << 16), max_size=10))
def test_interleaved_items_merge_the_same_way_on_the_fast_path(case: Any, cuts: list[int]) -> None:
    _, events = case
    body = b"".join(events)
    quick = ResponseStream(iter(pieces(body, cuts)))
    slow = ResponseStream(body)
    with pytest.raises(runstream.IncompleteStreamError):
        quick.until_done()
    with pytest.raises(runstream.IncompleteStreamError):
        read_one_by_one(slow)
    assert [quick.accumulator.built_item_json(i) for i in quick.accumulator.output_indexes] == [
        slow.accumulator.built_item_json(i) for i in slow.accumulator.output_indexes]


@settings(max_examples=40, deadline=None)
@given(path=st.sampled_from(CHATS), cuts=st.lists(st.integers(0, 1 << 20), max_size=20))
def test_chat_until_done_builds_what_reading_chunk_by_chunk_builds(path: Path, cuts: list[int]) -> None:
    body = path.read_bytes()
    quick = ChatCompletionStream(iter(pieces(body, cuts))).until_done().accumulator
    slow = read_one_by_one(ChatCompletionStream(iter(pieces(body, cuts)))).accumulator
    assert quick.completion_json() == slow.completion_json()
    assert quick.chunks_fed == slow.chunks_fed


@settings(max_examples=30, deadline=None)
@given(contents=st.lists(st.text(max_size=5), min_size=2, max_size=400), data=st.data())
def test_a_bad_delta_deep_in_a_run_fails_with_the_same_ordinal_and_offset(contents: list[str], data: Any) -> None:
    bad = data.draw(st.integers(0, len(contents) - 1))
    for stream_class, body in ((ResponseStream, text_stream(contents, bad=bad)), (ChatCompletionStream, chat_stream(contents, bad=bad))):
        with pytest.raises(runstream.StreamDecodeError) as quick:
            stream_class(body).until_done()
        with pytest.raises(runstream.StreamDecodeError) as slow:
            read_one_by_one(stream_class(body))
        assert (quick.value.offset, quick.value.ordinal) == (slow.value.offset, slow.value.ordinal)
        assert quick.value.offset is not None and body[quick.value.offset:].startswith((b"event: ", b"data: "))
        assert str(quick.value) == str(slow.value)


def test_an_error_event_in_a_run_of_deltas_stops_the_fast_path_there() -> None:
    body = text_stream([f"w{n} " for n in range(300)], error_at=150)
    stream = ResponseStream(body)
    with pytest.raises(runstream.ServerStreamError, match="boom") as quick:
        stream.until_done()
    assert stream.accumulator.text("m") == "".join(f"w{n} " for n in range(150))
    with pytest.raises(runstream.ServerStreamError) as slow:
        read_one_by_one(ResponseStream(body))
    assert (quick.value.ordinal, quick.value.offset) == (slow.value.ordinal, slow.value.offset)
    assert quick.value.offset is not None and body[quick.value.offset:].startswith(b"event: error\n")


def test_an_error_object_among_chat_chunks_fails_alike_on_the_fast_path() -> None:
    body = chat_stream([f"w{n} " for n in range(300)])
    cut = body.index(b"data: ", len(body) // 2)
    body = body[:cut] + b'data: {"error": {"message": "overloaded", "code": "busy"}}\n\n' + body[cut:]
    with pytest.raises(runstream.ServerStreamError, match="overloaded") as quick:
        ChatCompletionStream(body).until_done()
    with pytest.raises(runstream.ServerStreamError) as slow:
        read_one_by_one(ChatCompletionStream(body))
    assert (quick.value.ordinal, quick.value.offset) == (slow.value.ordinal, slow.value.offset) == (
        quick.value.ordinal, cut)


def test_a_long_stream_on_the_fast_path_equals_the_slow_one() -> None:
    contents = [f"token{n} " for n in range(20_000)]
    body = text_stream(contents)
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    assert ResponseStream(iter(chunks)).final_response().output_text == "".join(contents)
    chat = chat_stream(contents)
    completion = ChatCompletionStream(iter([chat[i : i + 65536] for i in range(0, len(chat), 65536)])).final_completion()
    assert completion.choices[0].message.content == "".join(contents)


@pytest.mark.parametrize("logprobs", [[{"token": "w", "logprob": -0.5, "bytes": [119], "top_logprobs": []}], {}, None, "x"])
def test_deltas_with_logprobs_take_the_usual_way_with_the_same_result(logprobs: Any) -> None:
    body = text_stream([f"w{n} " for n in range(50)])
    marker = b'"sequence_number": 20}'
    body = body.replace(marker, b'"sequence_number": 20, "logprobs": ' + json.dumps(logprobs).encode() + b"}")
    quick, slow = ResponseStream(body), ResponseStream(body)
    try:
        quick.until_done()
    except runstream.StreamDecodeError as error:
        with pytest.raises(runstream.StreamDecodeError) as raised:
            read_one_by_one(slow)
        assert (error.ordinal, error.offset) == (raised.value.ordinal, raised.value.offset)
        assert not isinstance(logprobs, list)
        return
    read_one_by_one(slow)
    assert quick.accumulator.built_item_json(0) == slow.accumulator.built_item_json(0)
    assert quick.accumulator.built_item_json(0)["content"][0]["logprobs"] == logprobs


# Objects an event may carry: documented members of any JSON type, unknown ones, member names
# a Struct cannot carry, items and parts of known and unknown types.
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)
_names = st.sampled_from(["id", "type", "status", "output", "usage", "text", "tools", "error", "content", "role",
                          "arguments", "name", "annotations", "x_new", 'a"b', "a\\b", "tab\t", "\u00e9"])
_objects = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from(["message", "function_call", "output_text", "reasoning", "nope"])},
                          optional={"id": st.text(max_size=3), "status": _json, "text": _json}),
    lambda inner: st.dictionaries(_names, inner | _json | st.lists(inner, max_size=2), max_size=4),
    max_leaves=6,
)
_CARRIERS = {
    "response.created": ("response", {}),
    "response.completed": ("response", {}),
    "response.output_item.added": ("item", {"output_index": 0}),
    "response.output_item.done": ("item", {"output_index": 0}),
    "response.content_part.added": ("part", {"item_id": "m", "output_index": 0, "content_index": 0}),
    "response.output_text.annotation.added": ("annotation", {"item_id": "m", "output_index": 0, "content_index": 0,
                                                             "annotation_index": 0}),
}


def _decoded(data: str, kind: str, unread: bool) -> Any:
    from runstream._core.sse import ServerSentEvent
    from runstream._responses.decoder import ResponseEventDecoder, object_json

    decoder = ResponseEventDecoder()
    decoder.unread = unread
    try:
        event = decoder.decode(ServerSentEvent(kind, data))
    except runstream.StreamDecodeError as error:
        return "error", str(error), error.ordinal
    return type(event), object_json(event)


def _from_bytes(data: bytes, kind: str, unread: bool) -> Any:
    # The fast path's way: straight from the bytes, or (missed) the usual way, as the drain does.
    from runstream._core.sse import ServerSentEvent
    from runstream._responses.decoder import MISSED, WIRE_TWINS, ResponseEventDecoder, object_json

    decoder = ResponseEventDecoder()
    decoder.unread = unread
    event = decoder.decode_bytes(data)
    if type(event) in WIRE_TWINS:
        # For a reader that never sees it, a checked object comes in its wire twin, which
        # the accumulator merges as the public event.
        assert unread
        return WIRE_TWINS[type(event)], object_json(event)
    if event is MISSED:
        assert decoder.ordinal == 0
        try:
            event = decoder.decode(ServerSentEvent(kind, str(data, "utf-8", "replace")))
        except runstream.StreamDecodeError as error:
            return "error", str(error), error.ordinal
    assert decoder.ordinal == 1
    return type(event), object_json(event)


def _same_either_way(kind: str, carried: Any) -> None:
    member, fields = _CARRIERS[kind]
    data = json.dumps({"type": kind, **fields, member: carried})
    assert _decoded(data, kind, unread=True) == _decoded(data, kind, unread=False)
    # Straight from the bytes: the same event and object, or the same error; also with the
    # text as raw UTF-8, and with a byte that is not UTF-8 (which the usual way replaces).
    raw = json.dumps({"type": kind, **fields, member: carried}, ensure_ascii=False).encode()
    for unread in (True, False):
        assert _from_bytes(data.encode(), kind, unread) == _decoded(data, kind, unread=False)
        assert _from_bytes(raw, kind, unread) == _decoded(raw.decode(), kind, unread=False)
        broken = json.dumps({"type": kind, **fields, member: {"x_odd": "\ufffd", **carried}},
                            ensure_ascii=False).encode().replace("\ufffd".encode(), b"\xff")
        assert _from_bytes(broken, kind, unread) == _decoded(str(broken, "utf-8", "replace"), kind, unread=False)


@settings(max_examples=10, deadline=None)  # the slow copy below draws 300
@given(kind=st.sampled_from(sorted(_CARRIERS)), carried=_objects)
def test_objects_only_checked_on_the_fast_path_pass_and_fail_as_converted_ones(kind: str, carried: Any) -> None:
    _same_either_way(kind, carried)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(_CARRIERS)), carried=_objects)
def test_objects_only_checked_on_the_fast_path_pass_and_fail_as_converted_ones_thoroughly(kind: str, carried: Any) -> None:
    _same_either_way(kind, carried)


_odd_names = st.text(st.sampled_from(list('ab"\\\t\n\x00\x1f\x7f\x85\xa0\u2028é ')), max_size=3)
_trees = st.recursive(
    st.none() | st.integers(-2, 2) | _odd_names,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_odd_names, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(tree=_trees)
def test_a_member_name_a_struct_cannot_carry_is_found_wherever_it_is(tree: Any) -> None:
    from runstream._models.exact import UNNAMEABLE
    from runstream._responses.decoder import _unnameable_key

    def names(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [*node, *(name for value in node.values() for name in names(value))]
        if isinstance(node, list):
            return [name for value in node for name in names(value)]
        return []

    assert _unnameable_key(tree) == any(UNNAMEABLE.search(name) for name in names(tree))


def _outcome(stream: Any, read: Any) -> Any:
    try:
        read(stream)
    except runstream.RunstreamError as error:
        return type(error), str(error), getattr(error, "ordinal", None), getattr(error, "offset", None)
    return stream.accumulator.response_json()


@pytest.mark.parametrize("where", ["response", "item", "part", "metadata"])
@pytest.mark.parametrize("name", ['a"b', "a\\b", "tab\t", "x_new"])
def test_an_unknown_member_is_checked_on_the_fast_path_as_one_by_one_wherever_it_is(where: str, name: str) -> None:
    # The text holds escapes, so an authoritative object is checked for names a Struct cannot
    # carry: with no unknown member at all (the closed variant of its type), or by its names.
    # One the exact conversion refuses (at the response's, an item's or a part's level) fails
    # alike both ways; one it keeps (in metadata, a plain object) passes alike.
    text = 'say "hi"\n\\ \u00e9'
    part: dict[str, Any] = {"type": "output_text", "text": text, "annotations": []}
    item: dict[str, Any] = {"type": "message", "id": "m", "role": "assistant", "status": "completed", "content": [part]}
    response: dict[str, Any] = {"id": "r", "status": "completed", "output": [item], "metadata": {}}
    target = {"response": response, "item": item, "part": part, "metadata": response["metadata"]}[where]
    target[name] = "odd"
    body = text_stream(["say ", '"hi"\n\\ \u00e9'])
    body = body[: body.index(b"event: response.output_item.done")] + b"".join(
        f"event: {kind}\ndata: {json.dumps({'type': kind, **fields})}\n\n".encode()
        for kind, fields in (("response.output_item.done", {"output_index": 0, "item": item}),
                             ("response.completed", {"response": response})))
    for chunks in ([body], pieces(body, [len(body) // 3, len(body) // 2])):
        quick = _outcome(ResponseStream(iter(chunks)), lambda stream: stream.until_done())
        assert quick == _outcome(ResponseStream(iter(chunks)), read_one_by_one)
        refused = where != "metadata" and name != "x_new"
        assert (type(quick) is tuple) is refused


@pytest.mark.parametrize("order", ["part by part", "alternating"])
def test_text_deltas_to_a_second_part_merge_on_the_fast_path_as_one_by_one(order: str) -> None:
    # Runs of deltas to content part 1 (and runs that switch parts) take the batch path
    # that checks content indexes; part 0's take the one that needs no check.
    def event(body: dict[str, Any]) -> bytes:
        return f"event: {body['type']}\ndata: {json.dumps(body)}\n\n".encode()

    def delta(index: int, number: int) -> bytes:
        return event({"type": "response.output_text.delta", "item_id": "m", "output_index": 0,
                      "content_index": index, "delta": f"p{index}w{number} "})

    out = [event({"type": "response.output_item.added", "output_index": 0,
                  "item": {"type": "message", "id": "m", "role": "assistant", "status": "in_progress", "content": []}})]
    for index in (0, 1):
        out.append(event({"type": "response.content_part.added", "item_id": "m", "output_index": 0,
                          "content_index": index, "part": {"type": "output_text", "text": "", "annotations": []}}))
    if order == "part by part":
        out += [delta(index, number) for index in (0, 1) for number in range(200)]
    else:
        out += [delta(number % 2, number) for number in range(400)]
    body = b"".join(out)
    for chunks in ([body], [body[i : i + 4096] for i in range(0, len(body), 4096)]):
        quick = ResponseStream(iter(chunks))
        with pytest.raises(runstream.IncompleteStreamError):
            quick.until_done()
        slow = ResponseStream(iter(chunks))
        with pytest.raises(runstream.IncompleteStreamError):
            read_one_by_one(slow)
        built = quick.accumulator.built_item_json(0)
        assert built == slow.accumulator.built_item_json(0)
        assert [part["text"] for part in built["content"]] == [
            "".join(f"p{index}w{number} " for number in range(400 if order == "alternating" else 200)
                    if order == "part by part" or number % 2 == index) for index in (0, 1)]
        assert quick.accumulator.events_fed == slow.accumulator.events_fed


def _chat_outcome(stream: Any, fast: bool) -> Any:
    """What reading ``stream`` gives: its completion's JSON, or its error's type and text."""
    try:
        stream.until_done() if fast else read_one_by_one(stream)
    except runstream.RunstreamError as error:
        return type(error).__name__, str(error)
    return stream.accumulator.completion_json()


@pytest.mark.parametrize("padding", [b"", b',"obfuscation":"x"'])
@pytest.mark.parametrize("chunk_size", [None, 1, 5])
def test_a_chunk_sent_as_an_error_event_reads_alike_on_every_path(padding: bytes, chunk_size: int | None) -> None:
    # A chunk (it has ``choices``) is a chunk whatever its event is named; the fast path
    # reads only the data. It was an error event only when an undeclared member sent it the
    # slow way, so the same bytes failed or merged by how they were chunked.
    chunk = (b'{"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
             b'"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]' + padding + b"}")
    end = b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    body = b"data: " + chunk + b"\n\nevent: error\ndata: " + chunk + b"\n\n" + end
    split = [body] if chunk_size is None else [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]
    outcomes = {json.dumps(_chat_outcome(ChatCompletionStream(iter(split)), fast)) for fast in (True, False)}
    outcomes.add(json.dumps(_chat_outcome(ChatCompletionStream(body), True)))
    [outcome] = outcomes
    assert json.loads(outcome)["choices"][0]["message"]["content"] == "aa"


@pytest.mark.parametrize("data", [b'{"message":"boom","code":"busy"}', b'{"error":{"message":"boom","code":"busy"}}'])
def test_an_error_event_that_is_no_chunk_is_a_server_error_on_every_path(data: bytes) -> None:
    body = chat_stream(["a", "b"])
    cut = body.index(b"data: ", 10)
    body = body[:cut] + b"event: error\ndata: " + data + b"\n\n" + body[cut:]
    for split in ([body], [body[i : i + 3] for i in range(0, len(body), 3)]):
        outcomes = {_chat_outcome(ChatCompletionStream(iter(split)), fast) for fast in (True, False)}
        [(kind, text)] = outcomes
        assert kind == "ServerStreamError" and "boom" in text
