"""Adapters from what a user has to what the core eats: chunks of bytes or SSE events.

A source is bytes, a file path, a binary file, any (async) iterable of bytes, an httpx
response (its decoded body bytes: ``iter_bytes``, not ``iter_raw``, since httpx asks for
gzip), an httpx-sse ``EventSource``, or any (async) iterable of server-sent events (ours or
httpx-sse's). Transport errors are translated here, at the seam, so users see runstream's
exceptions only.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from .._core.sse import ServerSentEvent
from ..errors import APIError

__all__ = [
    "FILE_CHUNK_SIZE",
    "Source",
    "api_error_from_response",
    "aclose_unopened",
    "check_stream_response",
    "close_unopened",
    "open_async_source",
    "open_source",
]

#: Bytes read from a file per chunk.
FILE_CHUNK_SIZE = 64 * 1024


class Source:
    """An opened source: an iterator of bytes chunks (``kind == "bytes"``) or of
    `ServerSentEvent`s (``kind == "events"``), and how to release it."""

    def __init__(self, items: Any, kind: str, close: Any = None) -> None:
        self.items = items
        self.kind = kind
        self._close = close

    def close(self) -> None:
        """Release the underlying file or response (sync sources)."""
        items_close = getattr(self.items, "close", None)
        if items_close is not None:
            items_close()
        close, self._close = self._close, None
        if close is not None:
            close()

    async def aclose(self) -> None:
        """Release the underlying response (async sources)."""
        # An async generator left unexhausted must be closed by us, not by the garbage
        # collector: trio warns about those, and a late close would touch a closed response.
        items_close = getattr(self.items, "aclose", None)
        if items_close is not None:
            await items_close()
        close, self._close = self._close, None
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result


def _as_sse(event: Any) -> ServerSentEvent:
    if type(event) is ServerSentEvent:
        return event
    # httpx-sse's ServerSentEvent, or anything shaped like one.
    return ServerSentEvent(event.event or "message", event.data, event.id or "", event.retry)


def _is_event_source(source: Any) -> bool:
    return hasattr(source, "iter_sse") and hasattr(source, "response")


def open_source(source: Any) -> Source:
    """Open a synchronous source.

    Raises:
        APIError: an httpx response that is not a 2xx ``text/event-stream``.
        TypeError: the source is of no supported kind.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Source(iter([bytes(source)]), "bytes")
    if isinstance(source, (str, os.PathLike)):
        file = open(source, "rb")  # noqa: SIM115 - closed by Source.close
        return Source(_read_file(file), "bytes", file.close)
    if isinstance(source, httpx.Response):
        check_stream_response(source)
        return Source(source.iter_bytes(), "bytes", source.close)
    if _is_event_source(source):
        check_stream_response(source.response)
        return Source(map(_as_sse, source.iter_sse()), "events", source.response.close)
    if hasattr(source, "read"):
        # A file the caller opened stays theirs to close (it may be stdin).
        return Source(_read_file(source), "bytes")
    try:
        iterator = iter(source)
    except TypeError:
        raise TypeError(f"cannot stream from {type(source).__name__}: expected bytes, a path, a file, "
                        "an iterable of bytes or events, or an httpx response") from None
    first = next(iterator, None)
    if first is None:
        return Source(iter(()), "bytes", getattr(source, "close", None))
    items = itertools.chain((first,), iterator)
    close = getattr(source, "close", None)
    if isinstance(first, (bytes, bytearray, memoryview)):
        return Source(items, "bytes", close)
    return Source(map(_as_sse, items), "events", close)


def _read_file(file: Any) -> Iterator[bytes]:
    while True:
        chunk = file.read(FILE_CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def _is_sync_response(response: Any) -> bool:
    return isinstance(response, httpx.Response) and not isinstance(response.stream, httpx.AsyncByteStream)


def close_unopened(source: Any) -> None:
    """Release a source that was never opened (a stream closed before it was read)."""
    target = source.response if _is_event_source(source) else source
    close = getattr(target, "close", None)
    if close is not None:
        close()


async def aclose_unopened(source: Any) -> None:
    """Async `close_unopened`: also for the sync sources an async stream accepts."""
    target = source.response if _is_event_source(source) else source
    if _is_sync_response(target):
        target.close()
        return
    close = getattr(target, "aclose", None) or getattr(target, "close", None)
    if close is not None:
        result = close()
        if hasattr(result, "__await__"):
            await result


async def open_async_source(source: Any) -> Source:
    """Open an asynchronous source (sync sources are accepted too).

    Raises:
        APIError: an httpx response that is not a 2xx ``text/event-stream``.
        TypeError: the source is of no supported kind.
    """
    if _is_sync_response(source) or (_is_event_source(source) and _is_sync_response(source.response)):
        # A response of a sync httpx.Client (e.g. a MockTransport in a test): read it as
        # `RunStream` would; its async methods would raise.
        opened = open_source(source)
        return Source(_to_async(opened.items), opened.kind, opened.close)
    if isinstance(source, httpx.Response):
        await acheck_stream_response(source)
        return Source(source.aiter_bytes(), "bytes", source.aclose)
    if hasattr(source, "aiter_sse") and hasattr(source, "response"):
        await acheck_stream_response(source.response)
        return Source(_map_async(source.aiter_sse()), "events", source.response.aclose)
    if not hasattr(source, "__aiter__"):
        opened = open_source(source)
        return Source(_to_async(opened.items), opened.kind, opened.close)
    iterator = source.__aiter__()
    close = getattr(source, "aclose", None)
    try:
        first = await iterator.__anext__()
    except StopAsyncIteration:
        return Source(_to_async(iter(())), "bytes", close)
    items = _prepend(first, iterator)
    if isinstance(first, (bytes, bytearray, memoryview)):
        return Source(items, "bytes", close)
    return Source(_map_async(items), "events", close)


async def _to_async(items: Iterator[Any]) -> AsyncIterator[Any]:
    try:
        for item in items:
            yield item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


async def _prepend(first: Any, rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    yield first
    async for item in rest:
        yield item


async def _map_async(items: AsyncIterator[Any]) -> AsyncIterator[ServerSentEvent]:
    try:
        async for item in items:
            yield _as_sse(item)
    finally:
        # Close the inner generator (httpx-sse's aiter_sse) now rather than at collection.
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()


def check_stream_response(response: httpx.Response) -> None:
    """Raise `APIError` unless ``response`` is a 2xx ``text/event-stream`` response."""
    if _is_sse_response(response):
        return
    try:
        response.read()
    finally:
        response.close()
    raise api_error_from_response(response)


async def acheck_stream_response(response: httpx.Response) -> None:
    """Async `check_stream_response`."""
    if _is_sse_response(response):
        return
    try:
        await response.aread()
    finally:
        await response.aclose()
    raise api_error_from_response(response)


def _is_sse_response(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "")
    return response.is_success and content_type.split(";")[0].strip().lower() == "text/event-stream"


def api_error_from_response(response: httpx.Response) -> APIError:
    """An `APIError` describing a (read) error response, or a 2xx one that is not SSE."""
    try:
        body: Any = response.json()
    except (ValueError, httpx.ResponseNotRead):
        body = response.text if response.is_stream_consumed else None
    request_id = response.headers.get("x-request-id") or response.headers.get("apim-request-id")
    message = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
    if message is None:
        if response.is_success:
            content_type = response.headers.get("content-type") or "no content type"
            message = f"expected a text/event-stream response, got {content_type}"
        else:
            message = response.reason_phrase or "request failed"
    return APIError(str(message), status_code=response.status_code, body=body, request_id=request_id)
