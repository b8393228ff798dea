"""Adapters from what a user has to what the core eats: chunks of bytes or SSE events.

A source is bytes, a file path, a binary file, any (async) iterable of bytes, an httpx
response (its decoded body bytes: ``iter_bytes``, not ``iter_raw``, since httpx asks for
gzip), an httpx-sse ``EventSource``, or any (async) iterable of server-sent events (ours or
httpx-sse's). Transport errors are translated here, at the seam, so users see runstream's
exceptions only.
"""

from __future__ import annotations

import email.utils
import itertools
import os
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import aclosing
from typing import Any

import anyio
import httpx
import msgspec

from .._core.sse import ServerSentEvent
from ..errors import APIError

__all__ = [
    "ERROR_BODY_LIMIT",
    "FILE_CHUNK_SIZE",
    "Source",
    "api_error_from_response",
    "aclose_unopened",
    "aread_api_error",
    "check_stream_response",
    "close_unopened",
    "is_sse_response",
    "offset_of",
    "open_async_source",
    "open_source",
    "read_api_error",
    "retry_after_seconds",
]

_json = msgspec.json.Decoder()

#: Bytes read from a file per chunk.
FILE_CHUNK_SIZE = 64 * 1024


class Source:
    """An opened source: an iterator of bytes chunks (``kind == "bytes"``) or of
    `ServerSentEvent`s (``kind == "events"``), and how to release it."""

    def __init__(self, items: Any, kind: str, close: Any = None, *, httpx_body: bool = False) -> None:
        self.items = items
        self.kind = kind
        self._close = close
        # Whether ``items`` reads httpx's async body iterator (see `aclose`).
        self._httpx_body = httpx_body

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
        if self._httpx_body:
            await _finish_httpx_body(self.items)
        items_close = getattr(self.items, "aclose", None)
        if items_close is not None:
            await items_close()
        close, self._close = self._close, None
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result


#: The most reads `_finish_httpx_body` makes (each returns data httpx had buffered).
_FINISH_READS = 64


async def _finish_httpx_body(items: Any) -> None:
    """Finish httpx's async body iterator, left part-way, from the inside.

    It is a chain of nested async generators (httpx, httpcore); closing the outer one leaves
    the inner ones suspended for the garbage collector, which warns on trio
    (encode/httpx#3686). A read in a cancelled scope raises the cancellation at the socket,
    inside the innermost generator, and so finishes every one of them. Reads that httpx
    answers from its buffer (no socket read, so no cancellation) are dropped: the stream is
    being closed."""
    with anyio.CancelScope() as scope:
        scope.cancel()
        for _ in range(_FINISH_READS):
            try:
                await items.__anext__()
            except StopAsyncIteration:
                return
            except Exception:  # noqa: BLE001 - a transport error finishes the iterator as well
                return


def _as_sse(event: Any) -> ServerSentEvent:
    if type(event) is ServerSentEvent:
        return event
    # httpx-sse's ServerSentEvent, or anything shaped like one.
    return ServerSentEvent(event.event or "message", event.data, event.id or "", event.retry)


def offset_of(sse: ServerSentEvent, source: Source) -> int | None:
    """The byte offset of ``sse`` in the stream, when ``source`` gave bytes (events parsed
    elsewhere, e.g. by httpx-sse, carry none)."""
    return sse.offset if source.kind == "bytes" else None


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
        return Source(source.aiter_bytes(), "bytes", source.aclose, httpx_body=True)
    if hasattr(source, "aiter_sse") and hasattr(source, "response"):
        await acheck_stream_response(source.response)
        return Source(_map_async(source.aiter_sse()), "events", source.response.aclose, httpx_body=True)
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


#: The most bytes of an error (or non-SSE) body that are read: a hostile or broken server may
#: send an endless one. The head is kept in `APIError.body`.
ERROR_BODY_LIMIT = 1024 * 1024


def check_stream_response(response: httpx.Response) -> None:
    """Raise `APIError` unless ``response`` is a 2xx ``text/event-stream`` response."""
    if is_sse_response(response):
        return
    raise read_api_error(response)


async def acheck_stream_response(response: httpx.Response) -> None:
    """Async `check_stream_response`."""
    if is_sse_response(response):
        return
    raise await aread_api_error(response)


def read_api_error(response: httpx.Response) -> APIError:
    """Read at most `ERROR_BODY_LIMIT` bytes of an error response's body, close it, and
    describe it. A body cut off or stalled mid-way keeps its status and what arrived."""
    if response.is_stream_consumed or response.is_closed:
        return api_error_from_response(response)
    head = bytearray()
    problem = None
    try:
        for chunk in response.iter_bytes():
            head += chunk
            if len(head) >= ERROR_BODY_LIMIT:
                problem = f"body longer than {ERROR_BODY_LIMIT} bytes, cut"
                break
    except (httpx.TransportError, httpx.DecodingError) as error:  # cut off, stalled, or undecodable
        problem = f"body incomplete: {type(error).__name__}: {error}"
    finally:
        response.close()
    return api_error_from_response(response, bytes(head[:ERROR_BODY_LIMIT]), problem)


async def aread_api_error(response: httpx.Response) -> APIError:
    """Async `read_api_error`."""
    if response.is_stream_consumed or response.is_closed:
        return api_error_from_response(response)
    head = bytearray()
    problem = None
    try:
        async with aclosing(response.aiter_bytes()) as chunks:
            async for chunk in chunks:
                head += chunk
                if len(head) >= ERROR_BODY_LIMIT:
                    problem = f"body longer than {ERROR_BODY_LIMIT} bytes, cut"
                    break
    except (httpx.TransportError, httpx.DecodingError) as error:
        problem = f"body incomplete: {type(error).__name__}: {error}"
    finally:
        await response.aclose()
    return api_error_from_response(response, bytes(head[:ERROR_BODY_LIMIT]), problem)


def is_sse_response(response: httpx.Response) -> bool:
    """Whether ``response`` is a 2xx ``text/event-stream`` one."""
    content_type = response.headers.get("content-type", "")
    return response.is_success and content_type.split(";")[0].strip().lower() == "text/event-stream"


def api_error_from_response(response: httpx.Response, content: bytes | None = None,
                            problem: str | None = None) -> APIError:
    """An `APIError` describing an error response, or a 2xx one that is not SSE.

    Args:
        response: the response (read, or its body given as ``content``).
        content: the body, or its head, when read by the caller.
        problem: what went wrong reading the body, added to the message.
    """
    if content is None:
        try:
            content = response.content
        except httpx.ResponseNotRead:
            content = None
    body: Any = None
    if content is not None:
        try:
            body = _json.decode(content)
        except (msgspec.DecodeError, RecursionError):
            body = content.decode("utf-8", "replace")
    message = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
    if message is None:
        if response.is_success:
            content_type = response.headers.get("content-type") or "no content type"
            message = f"expected a text/event-stream response, got {content_type}"
        else:
            message = response.reason_phrase or "request failed"
    message = str(message)
    if problem is not None:
        message = f"{message} ({problem})"
    headers = {name.lower(): value for name, value in response.headers.items()}
    return APIError(message, status_code=response.status_code, body=body, headers=headers,
                    retry_after=retry_after_seconds(headers))


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a ``retry-after-ms`` or ``retry-after`` header asks for, in seconds (never
    negative), or ``None`` when there is no such header or it cannot be read."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            value = float(milliseconds) / 1000
        except ValueError:
            value = None
        if value is not None and value == value:  # not NaN
            return max(0.0, value)
    text = headers.get("retry-after")
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, moment.timestamp() - time.time())
    return max(0.0, seconds) if seconds == seconds else None
