"""The dialects' ``snapshots()`` yield lazy snapshots: making an update costs the same
however long the text is (nothing is joined), and its snapshot, read whenever, is the
object as ``snapshot_for`` gave it right after the event."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runstream
from runstream._core import text_pieces
from runstream.chat import AsyncChatCompletionStream, ChatCompletionStream, DialectUpdate
from runstream.responses import AsyncResponseStream, ResponseStream
from test_dialect_batches import chat_streams
from test_dialect_drain import pieces, text_stream
from test_responses_stream import interleaved_items

RECORDINGS = Path(__file__).parent / "recordings"
RECORDED = [(ResponseStream, path) for path in sorted((RECORDINGS / "responses").glob("*.sse"))] + [
    (ChatCompletionStream, path) for path in sorted((RECORDINGS / "chat").glob("*.sse"))]


def eager(stream_class: Any, chunks: list[bytes]) -> list[tuple[Any, Any]]:
    """Each event and a deep copy of ``snapshot_for`` right after it."""
    stream = stream_class(iter(chunks))
    out = []
    try:
        for event in stream:
            out.append((event, copy.deepcopy(stream.snapshot_for(event))))
    except runstream.RunstreamError:
        pass
    return out


def lazy(stream_class: Any, chunks: list[bytes]) -> list[DialectUpdate]:
    """Every update ``snapshots()`` yields, kept unread until the stream ended."""
    updates = []
    try:
        for update in stream_class(iter(chunks)).snapshots():
            updates.append(update)
    except runstream.RunstreamError:
        pass
    return updates


def same_as_eager(stream_class: Any, body: bytes, cuts: list[int]) -> None:
    chunks = pieces(body, cuts)
    updates = lazy(stream_class, chunks)
    expected = eager(stream_class, chunks)
    assert [(update.event, update.snapshot) for update in updates] == expected
    assert updates == [DialectUpdate(event, snapshot) for event, snapshot in expected]


@settings(max_examples=40, deadline=None)
@given(recorded=st.sampled_from(RECORDED), cuts=st.lists(st.integers(0, 1 << 20), max_size=10))
def test_lazy_snapshots_of_recorded_streams_are_the_eager_ones_at_every_event(recorded: Any, cuts: list[int]) -> None:
    stream_class, path = recorded
    same_as_eager(stream_class, path.read_bytes(), cuts)


@settings(max_examples=40, deadline=None)
@given(case=interleaved_items(), cuts=st.lists(st.integers(0, 1 << 16), max_size=10))
def test_lazy_snapshots_of_interleaved_items_are_the_eager_ones(case: Any, cuts: list[int]) -> None:
    same_as_eager(ResponseStream, b"".join(case[1]), cuts)


@settings(max_examples=40, deadline=None)
@given(body=chat_streams(), cuts=st.lists(st.integers(0, 1 << 16), max_size=6))
def test_lazy_chat_snapshots_are_the_eager_ones(body: bytes, cuts: list[int]) -> None:
    same_as_eager(ChatCompletionStream, body, cuts)


@st.composite
def chat_with_extras(draw: Any) -> bytes:
    """Chunks with members runstream does not declare (appended like text), logprobs, tool
    call fragments and refusals, all growing while snapshots are taken."""
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    out = []
    for _ in range(draw(st.integers(1, 40))):
        delta: dict[str, Any] = {}
        choice: dict[str, Any] = {"index": draw(st.integers(0, 1)), "delta": delta}
        for kind in draw(st.lists(st.sampled_from(["content", "reasoning", "refusal", "tool", "logprobs", "extra"]),
                                  max_size=3, unique=True)):
            text = draw(st.text(max_size=3))
            if kind == "content":
                delta["content"] = text
            elif kind == "reasoning":
                delta["reasoning_content"] = text
            elif kind == "refusal":
                delta["refusal"] = text
            elif kind == "tool":
                delta["tool_calls"] = [{"index": draw(st.integers(0, 1)), "function": {"arguments": text},
                                        "provider": {"trace": text}}]
            elif kind == "logprobs":
                choice["logprobs"] = {"content": [{"token": text, "logprob": -1.0, "bytes": [], "top_logprobs": []}]}
            else:
                choice["flag"] = text
        out.append(b"data: " + json.dumps({**head, "choices": [choice]}).encode() + b"\n\n")
    return b"".join(out) + b"data: [DONE]\n\n"


@settings(max_examples=60, deadline=None)
@given(body=chat_with_extras(), cuts=st.lists(st.integers(0, 1 << 12), max_size=6))
def test_lazy_chat_snapshots_with_undeclared_members_and_logprobs_are_the_eager_ones(body: bytes, cuts: list[int]) -> None:
    same_as_eager(ChatCompletionStream, body, cuts)


@pytest.mark.parametrize("stream_class, body", [
    (ResponseStream, text_stream([f"w{n} " for n in range(3000)])),
    (ChatCompletionStream, b"".join(
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"w%d "}}]}\n\n'
        % n for n in range(3000)) + b"data: [DONE]\n\n"),
])
def test_an_update_nobody_reads_joins_no_text(stream_class: Any, body: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    joins = []
    real = text_pieces.join_pieces
    monkeypatch.setattr(text_pieces, "join_pieces", lambda pieces: joins.append(1) or real(pieces))
    deltas = []
    for update in stream_class(body).snapshots():
        if "delta" in type(update.event).__name__.lower() or stream_class is ChatCompletionStream:
            assert joins == []  # (done events compare the built text with the server's: a join)
            deltas.append(update)
    assert len(deltas) >= 3000
    joins.clear()
    last = deltas[-1].snapshot  # read now: joined once
    assert len(joins) == 1
    assert (last["content"][0]["text"] if stream_class is ResponseStream
            else last["choices"][0]["message"]["content"]) == "".join(f"w{n} " for n in range(3000))


def test_a_lazy_update_behaves_as_the_eager_one() -> None:
    body = text_stream(["He", "llo"])
    updates = list(ResponseStream(body).snapshots())
    delta = updates[4]
    assert type(delta.event).__name__ == "ResponseTextDeltaEvent" and isinstance(delta, DialectUpdate)
    plain = DialectUpdate(delta.event, delta.snapshot)
    assert delta == plain and plain == delta and not delta != plain
    assert repr(delta) == repr(plain) and "He" in repr(delta)
    assert copy.copy(delta) == plain and type(copy.copy(delta)) is DialectUpdate
    assert pickle.loads(pickle.dumps(delta)) == plain
    with pytest.raises(TypeError):
        hash(delta)  # its snapshot is a dict, as in the eager update
    with pytest.raises(AttributeError):
        delta.snapshot = None  # type: ignore[misc]
    assert updates[3].snapshot["content"][0]["text"] == "He"  # the first delta's, read after the second


@pytest.mark.anyio
async def test_async_snapshots_are_lazy_too() -> None:
    body = text_stream(["a", "b", "c"])
    updates = [update async for update in AsyncResponseStream(body).snapshots()]
    assert [update.snapshot for update in updates] == [snapshot for _, snapshot in eager(ResponseStream, [body])]
    chat = b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]}\n\ndata: [DONE]\n\n'
    (update,) = [update async for update in AsyncChatCompletionStream(chat).snapshots()]
    assert update.snapshot["choices"][0]["message"]["content"] == "x"
