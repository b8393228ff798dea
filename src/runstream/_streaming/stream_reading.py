"""Stream reading: how the sync and async streams read their source, as pairs of helpers
(see ``stream_io`` for the rule), where they differ on purpose:

- the idle timeout: the async streams bound each read by the idle time left (a cancel
  scope); a sync read cannot be interrupted, so the client lowers its read timeout and the
  reader checks the clock between chunks;
- after ``done`` (live streams): the async stream waits briefly for the end of the body (so
  the connection goes back to the pool); the sync one reads on only when that cannot block
  for long.
"""

from __future__ import annotations

import select
import time
from collections.abc import AsyncGenerator, Generator
from contextlib import aclosing, closing
from typing import Any

import anyio
import httpx

from .._core.sse import SSEDecoder
from .sources import Source

__all__ = ["AFTER_DONE_GRACE", "read_batches", "read_batches_async"]

#: Seconds a live stream waits, after ``done``, for the server to end the response body
#: (so the connection can be reused) before it cuts the connection.
AFTER_DONE_GRACE = 1.0


async def read_batches_async(stream: Any, source: Source, runs: bool) -> AsyncGenerator[Any, None]:
    """The source as batches of server-sent events (``runs``: also of runs of usual events
    still undecoded, see `SSEDecoder.feed_runs`); at ``done`` of a stream that stops there,
    wait `AFTER_DONE_GRACE` for the end of the body, then stop."""
    lifecycle = stream._lifecycle
    stops_at_done = stream.stops_at_done
    try:
        async with aclosing(_batches_async(stream, source, runs)) as batches:
            while True:
                try:
                    batch = await batches.__anext__()
                except StopAsyncIteration:
                    return
                yield batch
                if stops_at_done and lifecycle.done_received:
                    # After done, the body usually ends at once (and the connection goes
                    # back to the pool); a server holding it open is cut off after the
                    # grace. A cancelled read finishes httpx's nested body generators,
                    # which a plain break would leave to warn on trio (encode/httpx#3686).
                    with anyio.move_on_after(AFTER_DONE_GRACE):
                        await batches.__anext__()
                    return
    except StopAsyncIteration:
        return
    except httpx.TransportError:
        if not (stops_at_done and lifecycle.done_received):
            raise


async def _batches_async(stream: Any, source: Source, runs: bool) -> AsyncGenerator[Any, None]:
    if source.kind != "bytes":
        async for sse in source.items:
            yield (sse,)
        return
    sse_decoder = SSEDecoder(stream.max_event_size)
    # A dialect's fast path takes runs of one event type whole (see `UniformRun`).
    sse_decoder.uniform_runs = runs and stream._uniform_runs
    feed = sse_decoder.feed_runs if runs else sse_decoder.feed
    idle_timeout = stream.idle_timeout
    if idle_timeout is None:
        async for chunk in source.items:
            stream.bytes_received += len(chunk)
            yield feed(chunk)
    else:
        # Each read may take what is left of the idle time since the last event; bytes that
        # complete no event (keep-alive comments) do not reset it.
        items = source.items.__aiter__()
        while True:
            chunk = None
            with anyio.move_on_after(stream._last_event_at + idle_timeout - anyio.current_time()):
                try:
                    chunk = await items.__anext__()
                except StopAsyncIteration:
                    break
            if chunk is None:  # the read was cancelled: the idle time is up
                raise stream._idle_error()
            stream.bytes_received += len(chunk)
            batch = feed(chunk)
            if batch:
                stream._last_event_at = anyio.current_time()
            yield batch
    yield sse_decoder.end()


def read_batches(stream: Any, source: Source, runs: bool) -> Generator[Any, None, None]:
    lifecycle = stream._lifecycle
    stops_at_done = stream.stops_at_done
    with closing(_batches(stream, source, runs)) as batches:
        for batch in batches:
            yield batch
            if stops_at_done and lifecycle.done_received:
                # A server may hold the connection open after done: the rest of the body
                # is read only when that cannot block, and then the connection goes back
                # to the pool.
                if _body_end_ready(stream._response):
                    try:
                        next(batches, None)
                    except httpx.TransportError:
                        pass
                return


def _batches(stream: Any, source: Source, runs: bool) -> Generator[Any, None, None]:
    if source.kind != "bytes":
        for sse in source.items:
            yield (sse,)
        return
    sse_decoder = SSEDecoder(stream.max_event_size)
    # A dialect's fast path takes runs of one event type whole (see `UniformRun`).
    sse_decoder.uniform_runs = runs and stream._uniform_runs
    feed = sse_decoder.feed_runs if runs else sse_decoder.feed
    idle_timeout = stream.idle_timeout
    if idle_timeout is None:
        for chunk in source.items:
            stream.bytes_received += len(chunk)
            yield feed(chunk)
    else:
        # Bytes that complete no event (keep-alive comments, a drip) do not reset the
        # clock; a silent connection is caught by the lowered read timeout.
        for chunk in source.items:
            stream.bytes_received += len(chunk)
            batch = feed(chunk)
            now = time.monotonic()
            if batch:
                stream._last_event_at = now
            elif now - stream._last_event_at >= idle_timeout:
                raise stream._idle_error()
            yield batch
    yield sse_decoder.end()


def _body_end_ready(response: httpx.Response | None) -> bool:
    """Whether reading the rest of ``response``'s body will not wait on a server that holds
    the connection open: the HTTP connection already holds the body's end, or bytes arrive
    within `AFTER_DONE_GRACE`."""
    if response is None:
        return False
    if _last_chunk_buffered(response):
        return True
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], AFTER_DONE_GRACE)
    except (OSError, ValueError):  # closed meanwhile
        return False
    return bool(readable)


def _last_chunk_buffered(response: httpx.Response) -> bool:
    """Whether the HTTP/1.1 connection under ``response`` has already received the end of
    a chunked body (it often arrives with the last chunk, and then no socket read is left
    to wait for). httpx does not say: this looks for h11's connection along the response's
    stream and at the bytes it holds, and answers false when it finds no connection."""
    layer: Any = response.stream
    for _ in range(8):
        trailing = getattr(layer, "trailing_data", None)
        if isinstance(trailing, tuple) and trailing and isinstance(trailing[0], (bytes, bytearray)):
            # The CRLF that closes the last data chunk, then the last-chunk line ("0"),
            # trailers, and the final empty line.
            rest = bytes(trailing[0]).lstrip(b"\r\n")
            return rest.startswith(b"0") and b"\r\n\r\n" in rest
        layer = next((getattr(layer, name) for name in ("_stream", "_httpcore_stream", "_connection", "_h11_state")
                      if getattr(layer, name, None) is not None), None)
        if layer is None:
            return False
    return False
