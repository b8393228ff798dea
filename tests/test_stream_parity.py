"""The sync and async streams are twins: the same public methods with the same signatures
(async names mapped to sync ones), coroutines on the async side; and they share one
lifecycle."""

from __future__ import annotations

import inspect
import re

import pytest

import runstream
from runstream.chat import AsyncChatCompletionStream, ChatCompletionStream
from runstream.responses import AsyncResponseStream, ResponseStream

PAIRS = [
    (runstream.RunStream, runstream.AsyncRunStream),
    (runstream.LiveRunStream, runstream.AsyncLiveRunStream),
    (ResponseStream, AsyncResponseStream),
    (ChatCompletionStream, AsyncChatCompletionStream),
]
# Protocol methods of each side, mapped onto the sync names.
ASYNC_NAMES = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__", "__aiter__": "__iter__",
               "__anext__": "__next__"}


def _plain(annotation: object) -> str:
    text = str(annotation)
    text = text.replace("AsyncEventHandler | EventHandler", "EventHandler")
    text = re.sub(r"\bAsync(\w+)", r"\1", text)
    return text


def _signature(function: object) -> list[tuple[str, object, object, str]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default, _plain(p.annotation)) for p in signature.parameters.values()] + [
        ("return", None, None, _plain(signature.return_annotation))]


def _public(cls: type, rename: dict[str, str]) -> dict[str, object]:
    members: dict[str, object] = {}
    for klass in reversed(cls.__mro__[:-1]):
        for name, value in vars(klass).items():
            if not name.startswith("_") or name in rename or name in ASYNC_NAMES.values() or name == "__init__":
                members[rename.get(name, name)] = value
    return members


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda cls: cls.__name__)
def test_sync_and_async_streams_have_the_same_public_methods(sync_cls: type, async_cls: type) -> None:
    sync_members = _public(sync_cls, {})
    async_members = _public(async_cls, ASYNC_NAMES)
    assert set(sync_members) == set(async_members)
    for name, member in sorted(sync_members.items()):
        other = async_members[name]
        if isinstance(member, property):
            assert isinstance(other, property), name
            continue
        if not callable(member):
            continue
        assert _signature(member) == _signature(other), f"{sync_cls.__name__}.{name}"
        if member is other or getattr(member, "__qualname__", "") == getattr(other, "__qualname__", None):
            continue  # one method both inherit (from the shared base)
        if name in ("__init__", "__iter__") or name.startswith("_") and name not in ASYNC_NAMES.values():
            continue
        returns_iterator = "Iterator" in _plain(inspect.signature(member).return_annotation)  # type: ignore[arg-type]
        # An async method is a coroutine, or an async generator for the iterating ones.
        assert inspect.iscoroutinefunction(other) or (returns_iterator and inspect.isasyncgenfunction(other)), name


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda cls: cls.__name__)
def test_both_streams_drive_the_one_lifecycle(sync_cls: type, async_cls: type) -> None:
    from runstream._core.lifecycle import StreamLifecycle

    for cls in (sync_cls, async_cls):
        source = inspect.getsource(inspect.getmodule(cls._events))  # type: ignore[arg-type, attr-defined]
        assert "StreamEvent.DONE" in source and "StreamEvent.END" in source and "StreamEvent.ERROR" in source, cls
    stream = runstream.RunStream(b"")
    assert isinstance(stream._lifecycle, StreamLifecycle)


CHAT_BODY = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


def test_a_dialect_stream_left_by_a_break_ends_once() -> None:
    # The rule of every stream: on_end once, however the stream ends (here: a break, then
    # close()); the lifecycle says it was closed, not read to its end.
    ends: list[str] = []
    stream = ChatCompletionStream(CHAT_BODY)
    stream.handler.on_end = lambda: ends.append("on_end")
    for _ in stream:
        break
    stream.close()
    stream.close()
    assert ends == ["on_end"] and not stream.ended and stream._lifecycle.state.value == "closed"


@pytest.mark.anyio
async def test_an_async_dialect_stream_left_by_aclose_ends_once() -> None:
    ends: list[str] = []
    stream = AsyncChatCompletionStream(CHAT_BODY)

    async def on_end() -> None:
        ends.append("on_end")

    stream.handler.on_end = on_end
    async for _ in stream:
        break
    await stream.aclose()
    await stream.aclose()
    assert ends == ["on_end"] and not stream.ended and stream._lifecycle.state.value == "closed"


def test_a_run_stream_read_to_its_end_is_ended() -> None:
    stream = runstream.RunStream(runstream.sample_stream_path())
    stream.until_done()
    assert stream.ended and stream._lifecycle.state.value == "ended"
