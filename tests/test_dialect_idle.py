"""Responses API and Chat Completions streams fail with `IdleTimeoutError` after
``idle_timeout`` seconds without an event (keep-alive comments do not count), keeping what
was received; the clients give them their idle timeout as they do to run streams.

No test waits on a clock: servers stall "forever" (cut when the test ends), idle timeouts
are tiny, and the generous fail-safe bounds are only reached when a test fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest

import runstream
from runstream.errors import IdleTimeoutError, StreamConnectionError
from runstream.testing import ChatScenario, FakeAssistantsServer, ResponseScenario

FOREVER = 3600.0
FAIL_SAFE = 60.0

RESPONSE_HEAD = (
    b'event: response.created\ndata: {"type":"response.created","response":{"id":"r","status":"in_progress",'
    b'"output":[]}}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"m",'
    b'"output_index":0,"content_index":0,"delta":"Hi"}\n\n'
)
CHAT_HEAD = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n'
)


class KeepAlives(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A stream's first events, then keep-alive comments without end (a fail-safe stops them
    after a million)."""

    def __init__(self, head: bytes) -> None:
        self.head = head

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        for _ in range(1_000_000):
            yield b": keep-alive\n\n"
        raise AssertionError("a million keep-alives were read")

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._chunks = iter(self)
        return self

    async def __anext__(self) -> bytes:
        await anyio.lowlevel.checkpoint()
        return next(self._chunks)


def transport(head: bytes) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=KeepAlives(head))

    return httpx.MockTransport(handle)


CASES = [
    ("stream_response", {"model": "m", "input": "Hi"}, RESPONSE_HEAD),
    ("stream_chat_completion", {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}, CHAT_HEAD),
]


@pytest.mark.parametrize(("method", "arguments", "head"), CASES, ids=[case[0] for case in CASES])
def test_keep_alives_do_not_hold_a_dialect_stream_open(method: str, arguments: dict[str, Any], head: bytes) -> None:
    http = httpx.Client(transport=transport(head))
    with runstream.Client(base_url="http://service.test/v1", api_key="k", http_client=http,
                          idle_timeout=0.05) as client:
        with getattr(client, method)(**arguments) as stream:
            assert stream.idle_timeout == 0.05
            with pytest.raises(IdleTimeoutError) as raised:
                stream.until_done()
    error = raised.value
    assert isinstance(error, StreamConnectionError) and error.timeout and error.idle_timeout == 0.05
    assert error.accumulator is stream.accumulator
    assert error.offset == stream.bytes_received > len(head)


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "arguments", "head"), CASES, ids=[case[0] for case in CASES])
async def test_async_keep_alives_do_not_hold_a_dialect_stream_open(method: str, arguments: dict[str, Any],
                                                                 head: bytes) -> None:
    async with httpx.AsyncClient(transport=transport(head)) as http:
        client = runstream.AsyncClient(base_url="http://service.test/v1", api_key="k", http_client=http,
                                       idle_timeout=0.05)
        stream = await getattr(client, method)(**arguments)
        async with stream:
            with pytest.raises(IdleTimeoutError) as raised:
                await stream.until_done()
    assert raised.value.accumulator is stream.accumulator and stream.bytes_received > len(head)


@pytest.mark.parametrize("stream_class", [runstream.ResponseStream, runstream.ChatCompletionStream])
def test_a_dialect_stream_takes_an_idle_timeout(stream_class: type) -> None:
    head = RESPONSE_HEAD if stream_class is runstream.ResponseStream else CHAT_HEAD
    handler_calls: list[str] = []
    stream = stream_class(iter(KeepAlives(head)), idle_timeout=0.05)
    stream.handler.on_timeout = lambda: handler_calls.append("on_timeout")
    stream.handler.on_end = lambda: handler_calls.append("on_end")
    with pytest.raises(IdleTimeoutError):
        stream.until_done()
    assert handler_calls == ["on_timeout", "on_end"]
    assert stream.ended
    with pytest.raises(ValueError, match="idle_timeout"):
        stream_class(b"", idle_timeout=0)


@pytest.mark.parametrize(("method", "arguments", "scenario"), [
    ("stream_response", {"model": "m", "input": "Hi"}, ResponseScenario().message("Hello there, a long answer.")),
    ("stream_chat_completion", {"model": "m", "messages": [{"role": "user", "content": "Hi"}]},
     ChatScenario().message("Hello there, a long answer.")),
], ids=["responses", "chat"])
def test_a_silent_dialect_stream_times_out(method: str, arguments: dict[str, Any], scenario: Any) -> None:
    # The server stalls after its first bytes (the pause between two writes lasts "forever"):
    # the client lowered the sync read timeout to the idle timeout, so the reader wakes up
    # and reports the silence as idle.
    server = FakeAssistantsServer([scenario], api_key="k", chunk_size=40, chunk_delay=FOREVER)
    with server, runstream.Client(base_url=server.base_url, api_key="k", timeout=FAIL_SAFE,
                                  idle_timeout=0.2) as client:
        with getattr(client, method)(**arguments) as stream:
            with pytest.raises(IdleTimeoutError) as raised:
                stream.until_done()
    assert raised.value.accumulator is stream.accumulator and raised.value.offset == stream.bytes_received
