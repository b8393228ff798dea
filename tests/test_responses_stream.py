"""Responses API streams: recorded streams from real services reproduced exactly, delta-built
items against the authoritative ones, chunking and out-of-order merging (hypothesis)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runstream
from runstream.responses import AsyncResponseStream, ResponseHandler, ResponseStream

RECORDINGS = Path(__file__).parent / "recordings" / "responses"
NAMES = sorted(path.name for path in RECORDINGS.glob("*.sse"))


def events_of(body: bytes) -> list[dict[str, Any]]:
    return [
        json.loads(line[6:])
        for line in body.decode("utf-8").splitlines()
        if line.startswith("data: ")
    ]


@pytest.mark.parametrize("name", NAMES)
def test_recorded_stream_reproduces_the_final_response_exactly(name: str) -> None:
    body = (RECORDINGS / name).read_bytes()
    events = events_of(body)
    final = next(event["response"] for event in reversed(events) if event["type"] == "response.completed")
    stream = ResponseStream(body)
    assert stream.final_response_json() == final
    assert stream.accumulator.discrepancies == []
    assert stream.final_response().id == final["id"]


@pytest.mark.parametrize("name", NAMES)
def test_delta_built_values_equal_the_authoritative_items(name: str) -> None:
    """Before each ``output_item.done`` the item built from ``added`` and the deltas has
    the same text, arguments and code as the authoritative item; afterwards the item is the
    authoritative one, exactly, and so is its entry in ``response.completed``."""
    body = (RECORDINGS / name).read_bytes()
    accumulator = runstream.responses.ResponseAccumulator()
    decoder = runstream.responses.ResponseEventDecoder()
    compared = 0
    for sse in runstream.SSEDecoder().feed(body) + runstream.SSEDecoder().end():
        event = decoder.decode(sse)
        if isinstance(event, runstream.responses.ResponseOutputItemDoneEvent):
            built = accumulator.built_item_json(event.output_index)
            item = msgspec.to_builtins(event.item)  # the typed item encodes back exactly
            for key in ("arguments", "code", "input"):
                if key in built and key in item:
                    assert built[key] == item[key]
                    compared += 1
            for key in ("content", "summary"):
                for built_part, part in zip(built.get(key) or (), item.get(key) or ()):
                    if isinstance(built_part, dict) and "text" in built_part:
                        assert built_part["text"] == part["text"]
                        compared += 1
        accumulator.update(event)
        if isinstance(event, runstream.responses.ResponseOutputItemDoneEvent):
            assert accumulator.item_json(event.output_index) == msgspec.to_builtins(event.item)
    final = accumulator.response_json()
    assert final is not None
    assert [accumulator.item_json(index) for index in accumulator.output_indexes] == final["output"]
    assert compared > 0 or name == "dotnet_mcp.sse"


def test_text_deltas_join_to_the_output_text() -> None:
    body = (RECORDINGS / "dotnet_reasoning_summary.sse").read_bytes()
    deltas = list(ResponseStream(body).text_deltas())
    assert len(deltas) == 1265
    assert "".join(deltas) == ResponseStream(body).final_response().output_text


class Recorder(ResponseHandler):
    def __init__(self) -> None:
        self.log: list[tuple[Any, ...]] = []

    def on_output_item_added(self, item: runstream.responses.ResponseOutputItem, output_index: int) -> None:
        self.log.append(("added", item.type, output_index))

    def on_function_call_arguments_delta(self, delta: str, item_id: str) -> None:
        self.log.append(("arguments", delta))

    def on_function_call_arguments_done(self, arguments: str, item_id: str) -> None:
        self.log.append(("arguments done", arguments))

    def on_reasoning_summary_text_done(self, text: str, item_id: str, summary_index: int) -> None:
        self.log.append(("summary", summary_index))

    def on_tool_call_status(self, status: str, item_id: str, output_index: int) -> None:
        self.log.append(("status", status))

    def on_completed(self, response: runstream.responses.Response) -> None:
        self.log.append(("completed", response.status))


def test_callbacks_for_a_function_call() -> None:
    handler = Recorder()
    ResponseStream(RECORDINGS / "dotnet_function_call.sse", handler).until_done()
    assert handler.log[0] == ("added", "function_call", 0)
    arguments = "".join(entry[1] for entry in handler.log if entry[0] == "arguments")
    assert ("arguments done", arguments) in handler.log
    assert json.loads(arguments)
    assert handler.log[-1] == ("completed", "completed")


def test_status_and_summary_callbacks() -> None:
    handler = Recorder()
    ResponseStream(RECORDINGS / "dotnet_web_search.sse", handler).until_done()
    assert [entry[1] for entry in handler.log if entry[0] == "status"] == ["in_progress", "searching", "completed"]
    handler = Recorder()
    ResponseStream(RECORDINGS / "dotnet_reasoning_summary.sse", handler).until_done()
    assert [entry[1] for entry in handler.log if entry[0] == "summary"] == [0, 1, 2, 3]


def test_unknown_events_and_items_are_kept() -> None:
    body = (
        b'event: response.output_item.added\n'
        b'data: {"type":"response.output_item.added","output_index":0,"item":{"type":"hologram","id":"h1","beam":1}}\n\n'
        b'event: response.hologram.flicker\n'
        b'data: {"type":"response.hologram.flicker","item_id":"h1","output_index":0,"x":2}\n\n'
        b'event: response.completed\n'
        b'data: {"type":"response.completed","response":{"id":"r","status":"completed",'
        b'"output":[{"type":"hologram","id":"h1","beam":2}],"future":true}}\n\n'
    )
    events = list(ResponseStream(body))
    assert isinstance(events[1], runstream.responses.UnknownResponseEvent)
    assert events[1].type == "unknown" and events[1].name == "response.hologram.flicker"
    assert events[1].data["x"] == 2
    assert ResponseStream(body).final_response_json()["future"] is True


def test_error_event_raises() -> None:
    body = b'event: error\ndata: {"type":"error","code":"server_error","message":"boom","param":null}\n\n'
    with pytest.raises(runstream.ServerStreamError, match="boom"):
        ResponseStream(body).until_done()


def test_a_stream_cut_before_completed_is_incomplete_and_keeps_the_snapshot() -> None:
    body = (RECORDINGS / "dotnet_streaming_text.sse").read_bytes()
    cut = body[: body.index(b"event: response.completed")]
    stream = ResponseStream(cut)
    with pytest.raises(runstream.IncompleteStreamError):
        stream.until_done()
    snapshot = stream.accumulator.response_json()
    assert snapshot is not None and snapshot["output"][0]["type"] == "message"


@pytest.mark.anyio
async def test_async_stream_equals_sync() -> None:
    body = (RECORDINGS / "dotnet_file_search.sse").read_bytes()

    async def chunks() -> Any:
        for start in range(0, len(body), 113):
            yield body[start : start + 113]

    async with AsyncResponseStream(chunks()) as stream:
        assert await stream.final_response_json() == ResponseStream(body).final_response_json()


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(NAMES), cuts=st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=30))
def test_any_chunking_gives_the_same_response(name: str, cuts: list[int]) -> None:
    body = (RECORDINGS / name).read_bytes()
    offsets = sorted({cut % (len(body) + 1) for cut in cuts})
    pieces = [body[start:end] for start, end in zip([0, *offsets], [*offsets, len(body)])]
    stream = ResponseStream(iter(pieces))
    assert stream.final_response_json() == ResponseStream(body).final_response_json()


@st.composite
def interleaved_items(draw: Any) -> tuple[dict[int, tuple[str, str]], list[bytes]]:
    """Items at sparse output indexes (messages and function calls) whose deltas arrive
    interleaved, with the ``added`` events themselves in any order."""
    indexes = draw(st.lists(st.integers(0, 9), min_size=1, max_size=4, unique=True))
    truth: dict[int, tuple[str, str]] = {}
    scripts = []
    for index in indexes:
        kind = draw(st.sampled_from(["message", "function_call"]))
        text = draw(st.text(max_size=20))
        truth[index] = (kind, text)
        item_id = f"item_{index}"
        cut = draw(st.lists(st.integers(0, len(text)), max_size=4))
        bounds = sorted({0, len(text), *cut})
        if kind == "message":
            steps = [{"type": "response.output_item.added", "output_index": index,
                      "item": {"type": "message", "id": item_id, "role": "assistant", "content": []}},
                     {"type": "response.content_part.added", "item_id": item_id, "output_index": index,
                      "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}}]
            steps += [{"type": "response.output_text.delta", "item_id": item_id, "output_index": index,
                       "content_index": 0, "delta": text[a:b]} for a, b in zip(bounds, bounds[1:])]
        else:
            steps = [{"type": "response.output_item.added", "output_index": index,
                      "item": {"type": "function_call", "id": item_id, "call_id": "c", "name": "f", "arguments": ""}}]
            steps += [{"type": "response.function_call_arguments.delta", "item_id": item_id,
                       "output_index": index, "delta": text[a:b]} for a, b in zip(bounds, bounds[1:])]
        scripts.append(steps)
    order = draw(st.permutations([i for i, steps in enumerate(scripts) for _ in steps]))
    positions = [0] * len(scripts)
    body = [b'event: response.created\ndata: {"type":"response.created","response":{"id":"r","status":"in_progress","output":[]}}\n\n']
    for script_index in order:
        event = scripts[script_index][positions[script_index]]
        positions[script_index] += 1
        body.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
    return truth, body


@settings(max_examples=60, deadline=None)
@given(case=interleaved_items())
def test_interleaved_items_merge_by_item_and_index(case: tuple[dict[int, tuple[str, str]], list[bytes]]) -> None:
    truth, body = case
    stream = ResponseStream(iter(body))
    with pytest.raises(runstream.IncompleteStreamError):
        stream.until_done()  # no response.completed: the built snapshot is what we read
    response = stream.accumulator.response_json()
    assert response is not None
    output = response["output"]
    assert [item["id"] for item in output] == [f"item_{index}" for index in sorted(truth)]
    for item, index in zip(output, sorted(truth)):
        kind, text = truth[index]
        assert item["type"] == kind
        if kind == "message":
            assert item["content"][0]["text"] == text
        else:
            assert item["arguments"] == text


@settings(max_examples=40, deadline=None)
@given(case=interleaved_items(), late=st.data())
def test_deltas_before_their_item_was_added_still_land_in_it(
    case: tuple[dict[int, tuple[str, str]], list[bytes]], late: Any
) -> None:
    """Move some ``output_item.added`` / ``content_part.added`` events after the deltas of
    their item (a proxy reordering): the items are built all the same."""
    truth, body = case
    head, events = body[:1], body[1:]
    moved = [event for event in events if b'.added"' in event and late.draw(st.booleans())]
    reordered = head + [event for event in events if event not in moved] + moved
    stream = ResponseStream(iter(reordered))
    with pytest.raises(runstream.IncompleteStreamError):
        stream.until_done()
    response = stream.accumulator.response_json()
    assert response is not None
    for item, index in zip(response["output"], sorted(truth)):
        kind, text = truth[index]
        assert item["type"] == kind and item["id"] == f"item_{index}"
        assert (item["content"][0]["text"] if kind == "message" else item["arguments"]) == text


@pytest.mark.parametrize("name", NAMES)
def test_typed_objects_encode_back_to_exactly_what_the_server_sent(name: str) -> None:
    """Every object an event carries, and the final Response, is typed (items by their
    ``type``) and encodes back to the server's JSON: nothing dropped, nothing invented."""
    body = (RECORDINGS / name).read_bytes()
    raw = events_of(body)
    events = list(ResponseStream(body))
    assert len(events) == len(raw)
    for wire, event in zip(raw, events):
        for member in ("response", "item", "part", "annotation"):
            if member in wire:
                assert msgspec.to_builtins(getattr(event, member)) == wire[member]
        if "item" in wire:
            assert event.item.type == wire["item"]["type"]
            assert not isinstance(event.item, runstream.types.UnknownObject)
    final = ResponseStream(body).final_response()
    completed = next(event["response"] for event in reversed(raw) if event["type"] == "response.completed")
    assert msgspec.to_builtins(final) == completed
    assert isinstance(final, runstream.responses.Response)


def test_nested_objects_are_typed_by_type() -> None:
    body = (RECORDINGS / "dotnet_file_search.sse").read_bytes()
    final = ResponseStream(body).final_response()
    search, message = final.output
    assert isinstance(search, runstream.responses.FileSearchCall) and search.queries
    assert isinstance(message, runstream.responses.OutputMessage)
    text = message.content[0]
    assert isinstance(text, runstream.responses.OutputText)
    assert isinstance(text.annotations[0], runstream.responses.FileCitation)
    assert final.usage is not None and final.usage.input_tokens_details.cached_tokens == 0
    assert final.usage.total_tokens == final.usage.input_tokens + final.usage.output_tokens
    assert final.text is not None and isinstance(final.text.format, runstream.responses.TextFormatText)
    assert isinstance(final.tools[0], runstream.responses.FileSearchTool)
    calls = ResponseStream(RECORDINGS / "dotnet_function_call.sse").final_response().function_calls
    assert isinstance(calls[0], runstream.responses.FunctionCall) and json.loads(calls[0].arguments)


def test_unknown_types_and_members_are_kept_and_absent_ones_not_invented() -> None:
    item = {"type": "message", "id": "m1", "content": [
        {"type": "output_text", "text": "Hi", "annotations": [{"type": "hologram_citation", "beam": 3}],
         "x_confidence": 0.5},
        {"type": "sticker", "sticker_id": "s1"},
    ]}
    reasoning = {"type": "reasoning", "id": "rs", "summary": [{"type": "summary_glyph", "glyph": 1}],
                 "content": [{"type": "reasoning_text", "text": "t"}]}
    response = {"id": "r", "status": "completed", "output": [item, {"type": "teleport", "id": "t1"}, reasoning],
                "usage": {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}}
    body = (
        b"event: response.output_item.done\n"
        + b"data: " + msgspec.json.encode({"type": "response.output_item.done", "output_index": 0, "item": item})
        + b"\n\nevent: response.completed\n"
        + b"data: " + msgspec.json.encode({"type": "response.completed", "response": response}) + b"\n\n"
    )
    stream = ResponseStream(body)
    events = list(stream)
    message = events[0].item
    assert isinstance(message, runstream.responses.OutputMessage)
    text, sticker = message.content
    assert isinstance(text, runstream.responses.OutputText)
    assert runstream.types.extra_fields(text) == {"x_confidence": 0.5}
    assert isinstance(text.annotations[0], runstream.types.UnknownObject) and text.annotations[0]["beam"] == 3
    assert isinstance(sticker, runstream.types.UnknownObject) and sticker.sticker_id == "s1"
    final = stream.final_response()
    assert isinstance(final.output[1], runstream.types.UnknownObject)
    # A list of one documented type keeps an element of another type raw, never retyped.
    summary = final.output[2].summary[0]
    assert isinstance(summary, runstream.types.UnknownObject) and summary["type"] == "summary_glyph"
    assert isinstance(final.output[2].content[0], runstream.responses.ReasoningText)
    # Documented members the server left out read as defaults and are not encoded.
    assert message.status is None and message.role == "assistant"
    assert final.usage is not None and final.usage.input_tokens_details.cached_tokens == 0
    assert msgspec.to_builtins(final) == response


def test_an_object_of_the_wrong_shape_is_a_decode_error_with_its_offset() -> None:
    first = b'event: response.created\ndata: {"type":"response.created","response":{"id":"r","status":"queued"}}\n\n'
    bad = (b'event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":0,'
           b'"item":{"type":"function_call","id":"f","arguments":5}}\n\n')
    with pytest.raises(runstream.StreamDecodeError) as raised:
        ResponseStream(first + bad).until_done()
    assert raised.value.offset == len(first)
    assert "arguments" in str(raised.value)


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode() for event in events)


_MESSAGE_ADDED = {"type": "response.output_item.added", "output_index": 0,
                  "item": {"type": "message", "id": "m", "role": "assistant", "content": []}}
_CREATED = {"type": "response.created", "response": {"id": "r", "status": "in_progress", "output": []}}


def _read_both_ways(body: bytes) -> list[Any]:
    """The built Response read by `until_done` (the fast path) and event by event: they
    must agree (``IncompleteStreamError``: these streams have no ``response.completed``)."""
    built = []
    for read in (lambda stream: stream.until_done(), lambda stream: [None for _ in stream]):
        stream = ResponseStream(body)
        with pytest.raises(runstream.IncompleteStreamError):
            read(stream)
        built.append(stream.accumulator.response_json())
    assert built[0] == built[1]
    return built[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("index", [10**12, 2**63 - 1, 2**64 - 1])
def test_a_huge_content_or_annotation_index_costs_one_entry(index: int) -> None:
    # A part (or annotation) is put at its index where the list has one; any other comes
    # after, with no gap filled: an index of 10**12 must not build a list of 10**12 items.
    body = _sse(_CREATED, _MESSAGE_ADDED,
                {"type": "response.output_text.delta", "item_id": "m", "output_index": 0, "content_index": index,
                 "delta": "Hi"},
                {"type": "response.output_text.annotation.added", "item_id": "m", "output_index": 0,
                 "content_index": index, "annotation_index": index,
                 "annotation": {"type": "url_citation", "url": "u", "title": "t", "start_index": 0, "end_index": 1}})
    response = _read_both_ways(body)
    [part] = response["output"][0]["content"]
    assert part["text"] == "Hi"
    assert part["annotations"] == [{"type": "url_citation", "url": "u", "title": "t", "start_index": 0, "end_index": 1}]
    snapshots = []
    with pytest.raises(runstream.IncompleteStreamError):
        for update in ResponseStream(body).snapshots():
            snapshots.append(update.snapshot)
    assert [len(snapshot["content"]) for snapshot in snapshots[2:]] == [1, 1]  # the item's, after each delta


def test_parts_at_sparse_and_negative_indexes_keep_their_order_and_replace_nothing() -> None:
    # Indexes within the list ``added`` gave replace its entries; the others follow in index
    # order. A negative index is no position (it used to raise IndexError when the item was
    # compared with its done object, and to overwrite an entry from the end).
    added = {**_MESSAGE_ADDED, "item": {**_MESSAGE_ADDED["item"], "content": [{"type": "output_text", "text": "a"}]}}
    deltas = [{"type": "response.output_text.delta", "item_id": "m", "output_index": 0, "content_index": index,
               "delta": text} for index, text in ((5, "five"), (-1, "minus"), (0, "zero"), (2, "two"))]
    done = {"type": "response.output_item.done", "output_index": 0,
            "item": {"type": "message", "id": "m", "role": "assistant", "content": [{"type": "output_text", "text": "x"}]}}
    response = _read_both_ways(_sse(_CREATED, added, *deltas))
    assert [part.get("text") for part in response["output"][0]["content"]] == ["zero", "minus", "two", "five"]
    stream = ResponseStream(_sse(_CREATED, added, *deltas, done))
    with pytest.raises(runstream.IncompleteStreamError):
        stream.until_done()
    assert stream.accumulator.item_json(0) == done["item"]  # the done item, exactly
    assert {discrepancy.where for discrepancy in stream.accumulator.discrepancies} == {
        "item m content[-1]", "item m content[2]", "item m content[5]", "item m content[0].text"}


@pytest.mark.parametrize("chunk_size", [None, 1, 7])
def test_a_done_marker_after_the_response_ends_the_stream_as_compatible_servers_send_it(chunk_size: int | None) -> None:
    # Some compatible servers end a Responses stream with ``data: [DONE]``, as Chat
    # Completions streams do: it is the end marker, not an event that fails to decode.
    body = (RECORDINGS / NAMES[0]).read_bytes()
    marked = body + b"data: [DONE]\n\n"
    pieces = [marked] if chunk_size is None else [marked[i : i + chunk_size] for i in range(0, len(marked), chunk_size)]
    expected = ResponseStream(body).final_response_json()
    assert ResponseStream(iter(pieces)).final_response_json() == expected
    stream = ResponseStream(iter(pieces))
    assert [event for event in stream][-1].type == "response.completed"  # the marker is no event
    assert stream.accumulator.done


def test_a_done_marker_before_the_response_completed_leaves_it_incomplete() -> None:
    body = _sse(_CREATED, _MESSAGE_ADDED) + b"data: [DONE]\n\n"
    for read in (lambda stream: stream.until_done(), lambda stream: [None for _ in stream]):
        with pytest.raises(runstream.IncompleteStreamError):
            read(ResponseStream(body))


@pytest.mark.parametrize(("members", "read"), [
    ({"type": "response.image_generation_call.partial_image", "item_id": "ig", "output_index": 0,
      "partial_image_index": 0, "partial_image_b64": "AA", "background": "opaque", "output_format": "png",
      "quality": "high", "size": "1024x1024"},
     lambda event: (event.background, event.output_format, event.quality, event.size)),
    ({"type": "response.reasoning_summary_part.done", "item_id": "rs", "output_index": 0, "summary_index": 0,
      "part": {"type": "summary_text", "text": "t"}, "status": "incomplete"},
     lambda event: (event.status,)),
])
def test_the_newer_members_of_two_events_are_read(members: dict[str, Any], read: Any) -> None:
    # Members the API added to these events (openai-python 3.60 types them): read as
    # attributes when sent, absent (UNSET) and never invented when not.
    decoder = runstream.responses.ResponseEventDecoder()
    event = decoder.decode(runstream.ServerSentEvent(members["type"], json.dumps(members)))
    assert None not in read(event) and msgspec.UNSET not in read(event)
    assert msgspec.to_builtins(event) == members  # encodes back to what was sent
    bare = {key: value for key, value in members.items() if key not in ("background", "output_format", "quality",
                                                                        "size", "status")}
    event = decoder.decode(runstream.ServerSentEvent(members["type"], json.dumps(bare)))
    assert set(read(event)) == {msgspec.UNSET}
