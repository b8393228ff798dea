"""`AsyncRunStream`: a run stream read asynchronously (anyio: asyncio and trio)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import anyio
import httpx

from .._core.accumulator import Accumulator
from .._core.events import AssistantStreamEvent, DoneEvent, ErrorEvent, EventDecoder
from .._core.sse import DEFAULT_MAX_EVENT_SIZE, RawRun, SSEDecoder
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from .handlers import AsyncEventHandler, EventHandler
from .sources import Source, aclose_unopened, offset_of, open_async_source
from .stream_base import SnapshotUpdate, StreamBase, source_response, text_pieces

__all__ = ["AsyncRunStream"]

#: Seconds a live stream waits, after ``done``, for the server to end the response body
#: (so the connection can be reused) before it cuts the connection.
AFTER_DONE_GRACE = 1.0


class AsyncRunStream(StreamBase):
    """A run stream, read asynchronously: ``async for`` it for typed events.

    The asynchronous twin of `RunStream`, driving the same sans-IO core. Use it as an
    async context manager so the HTTP response is closed even when the consumer stops
    early or is cancelled.

    Args:
        source: an httpx async response, an httpx-sse ``EventSource``, an async iterable of
            bytes or of server-sent events, or any source `RunStream` accepts.
        handler: an `AsyncEventHandler` (or a synchronous `EventHandler`).
        accumulator: continue an existing accumulated state (a continuation stream).
        max_event_size: the largest event the decoder buffers, in bytes.
        idle_timeout: seconds without an event after which reading fails with
            `IdleTimeoutError` (``None``: no limit; comments and keep-alive bytes do not
            count).
    """

    def __init__(
        self,
        source: Any,
        handler: AsyncEventHandler | EventHandler | None = None,
        *,
        accumulator: Accumulator | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(handler if handler is not None else AsyncEventHandler(), accumulator, max_event_size,
                         idle_timeout)
        self._source_object = source
        self._response = source_response(source)
        self._source: Source | None = None
        self._iterator: AsyncIterator[AssistantStreamEvent] | None = None

    def __aiter__(self) -> AsyncIterator[AssistantStreamEvent]:
        return self

    _clock = staticmethod(anyio.current_time)

    async def __anext__(self) -> AssistantStreamEvent:
        if self._iterator is None:
            self._iterator = self._events()
        return await self._iterator.__anext__()

    async def __aenter__(self) -> AsyncRunStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and release the source (closes the HTTP response), even when the
        surrounding task is being cancelled."""
        with anyio.CancelScope(shield=True):
            if self._iterator is not None:
                await self._iterator.aclose()  # type: ignore[attr-defined]
            if self._source is not None:
                await self._source.aclose()
            elif self._iterator is None:
                await aclose_unopened(self._source_object)

    async def _call(self, name: str, *arguments: Any) -> None:
        result = getattr(self.handler, name)(*arguments)
        if result is not None and hasattr(result, "__await__"):
            await result

    async def _events(self, drain: bool = False) -> AsyncIterator[AssistantStreamEvent]:
        # drain: as in RunStream._events (until_done with a handler that listens to nothing).
        accumulator = self.accumulator
        event_decoder = EventDecoder()
        decode = event_decoder.decode
        update = accumulator.update
        update_run = accumulator.update_run
        listens = self.handler.listens
        # An exception a callback raised is the handler's own: it is never taken for a lost
        # connection (a handler may well call httpx itself, e.g. to submit tool outputs).
        handler_error: Exception | None = None
        # on_end is due once, however the stream ends: also by a break, aclose() or a
        # cancellation, which no ``except Exception`` sees.
        end_due = True
        stops_at_done = self.stops_at_done
        self._begin()
        try:
            source = self._source = await open_async_source(self._source_object)
            # aclosing: an async generator left unexhausted (an error, a break, a cancel)
            # must be closed here, not by the garbage collector (trio warns, and the
            # response it reads would stay open until then).
            async with aclosing(self._batches(source, drain)) as batches:
                async for batch in batches:
                    for sse in batch:
                        if type(sse) is RawRun:
                            first = event_decoder.ordinal
                            error_event = update_run(sse, event_decoder)
                            if accumulator._done:  # a done event was in the run
                                self.done_received = True
                            if error_event is not None:
                                # The error event is the last the run's events went through.
                                ordinal = event_decoder.ordinal - 1
                                raise self._error_event(error_event, ordinal, sse.offsets()[ordinal - first])
                            continue
                        event = decode(sse)
                        if listens:
                            notifications = accumulator.feed(event)
                            try:
                                await self._call("dispatch", event, notifications)
                            except Exception as raised_by_handler:
                                handler_error = raised_by_handler
                                raise
                        else:
                            update(event)
                        if type(event) is ErrorEvent:
                            raise self._error_event(event, event_decoder.ordinal - 1, offset_of(sse, source))
                        if type(event) is DoneEvent:
                            self.done_received = True
                        yield event
                    if stops_at_done and self.done_received:
                        # A server may hold the connection open after done: the end of the
                        # body is waited for only briefly (see _read_batches).
                        self._closing_after_done = True
            self.ended = True
            incomplete = self._incomplete()
            if incomplete is not None:
                raise incomplete
            end_due = False  # called below, once the source is released
        except Exception as raised:
            self.ended = True
            dropped_at_rest = raised is not handler_error and self._dropped_at_rest(raised)
            self._end_accumulator()
            if raised is handler_error:
                error = raised
            else:
                if dropped_at_rest:
                    end_due = False
                    await self._call("on_end")
                    return
                error = self._translate(raised)
                if getattr(error, "timeout", False):
                    await self._call("on_timeout")
            await self._call("on_exception", error)
            end_due = False
            await self._call("on_end")
            if error is raised:
                raise
            raise error from raised
        finally:
            with anyio.CancelScope(shield=True):
                if self._source is not None:
                    await self._source.aclose()
                if end_due:
                    # Left by a break, aclose() or a cancellation: the stream ends here.
                    end_due = False
                    await self._call("on_end")
        await self._call("on_end")

    async def _batches(self, source: Source, drain: bool = False) -> AsyncIterator[Any]:
        try:
            async with aclosing(self._read_batches(source, drain)) as batches:
                while True:
                    if self._closing_after_done:
                        # After done, the body usually ends at once (and the connection goes
                        # back to the pool); a server holding it open is cut off after
                        # AFTER_DONE_GRACE. A cancelled read finishes httpx's nested body
                        # generators, which a plain break would leave to warn on trio
                        # (encode/httpx#3686).
                        with anyio.move_on_after(AFTER_DONE_GRACE):
                            await batches.__anext__()
                        return
                    try:
                        batch = await batches.__anext__()
                    except StopAsyncIteration:
                        return
                    yield batch
        except StopAsyncIteration:
            return
        except httpx.TransportError:
            if not self._closing_after_done:
                raise

    async def _read_batches(self, source: Source, drain: bool = False) -> AsyncIterator[Any]:
        if source.kind == "bytes":
            sse_decoder = SSEDecoder(self.max_event_size)
            feed = sse_decoder.feed_runs if drain else sse_decoder.feed
            idle_timeout = self.idle_timeout
            if idle_timeout is None:
                async for chunk in source.items:
                    self.bytes_received += len(chunk)
                    yield feed(chunk)
            else:
                # Each read may take what is left of the idle time since the last event;
                # bytes that complete no event (keep-alive comments) do not reset it.
                items = source.items.__aiter__()
                while True:
                    with anyio.move_on_after(self._last_event_at + idle_timeout - anyio.current_time()) as scope:
                        try:
                            chunk = await items.__anext__()
                        except StopAsyncIteration:
                            break
                    if scope.cancelled_caught:
                        raise self._idle_error()
                    self.bytes_received += len(chunk)
                    batch = feed(chunk)
                    if batch:
                        self._last_event_at = anyio.current_time()
                    yield batch
            yield sse_decoder.end()
        else:
            async for sse in source.items:
                yield (sse,)

    # ---- conveniences --------------------------------------------------------------------

    async def until_done(self) -> AsyncRunStream:
        """Read the stream to its end."""
        if self._iterator is None and not self.handler.listens:
            self._iterator = self._events(drain=True)
        async for _ in self:
            pass
        return self

    async def snapshots(self) -> AsyncIterator[SnapshotUpdate]:
        """Iterate the stream as (event, snapshot it changed) updates."""
        async for event in self:
            yield SnapshotUpdate(event, self._view_for(event))

    async def text_deltas(self) -> AsyncIterator[str]:
        """Iterate the stream as the text fragments of its messages."""
        async for event in self:
            for piece in text_pieces(event):
                yield piece

    async def final_run(self) -> Run:
        """Read to the end; return the run as it ended."""
        await self.until_done()
        return self._final_run()

    async def final_run_steps(self) -> list[RunStep]:
        """Read to the end; return every run step, in creation order."""
        await self.until_done()
        return self.accumulator.run_steps

    async def final_messages(self) -> list[Message]:
        """Read to the end; return every message, in creation order."""
        await self.until_done()
        return self.accumulator.messages

    get_final_run = final_run
    get_final_run_steps = final_run_steps
    get_final_messages = final_messages
