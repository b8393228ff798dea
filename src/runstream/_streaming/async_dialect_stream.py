"""`AsyncDialectStream`: a dialect stream (Responses API, Chat Completions) read
asynchronously (anyio: asyncio and trio); each dialect subclasses it with its decoder,
accumulator and handler.

This is the one source of both dialect streams: ``dialect_stream.py`` is generated from it
by ``scripts/unasync.py``. Where the two differ (reading, the idle timeout, closing,
callbacks), it calls a helper pair of ``stream_io`` or ``stream_reading``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from .._core.lifecycle import StreamEvent, StreamState
from .._core.sse import DEFAULT_MAX_EVENT_SIZE
from .dialect import DialectUpdate
from .dialect_base import DialectStreamBase
from .sources import Source, offset_of, open_async_source
from .stream_io import (
    callback_async,
    dialect_dispatcher_async,
    drain_async,
    iterator_async,
    lifecycle_lock_async,
    next_event_async,
    release_async,
    shielded_async,
    stream_clock_async,
)
from .stream_reading import read_batches_async

__all__ = ["AsyncDialectStream"]

_OPEN, _STOPPING = StreamState.OPEN, StreamState.STOPPING


class AsyncDialectStream(DialectStreamBase):
    """The asynchronous driver (anyio: asyncio and trio): ``async for`` it for typed events.
    Handler callbacks may be plain functions or coroutines."""

    #: The clock of the idle timeout.
    _clock = staticmethod(stream_clock_async)

    def __init__(
        self,
        source: Any,
        handler: Any = None,
        *,
        accumulator: Any = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(source, handler, accumulator, max_event_size, idle_timeout, lifecycle_lock_async())
        self._source: Source | None = None
        self._iterator: AsyncIterator[Any] | None = None
        # Set by close(): a reader that finds the generator busy was stopped by it.
        self._close_requested = False

    def __aiter__(self) -> AsyncIterator[Any]:
        return iterator_async(self)

    async def __anext__(self) -> Any:
        return await next_event_async(self)

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and release the source, even when the task is being cancelled."""
        await release_async(self)

    async def _events(self, drain: bool = False) -> AsyncIterator[Any]:
        # drain: nobody wants the events one by one (until_done, a handler that listens to
        # nothing): batches go to the dialect's `_drain_batch`, its fast path.
        # Only locals in the cleanup below: in the sync twin ``self`` is a weak proxy, dead
        # once the stream was dropped.
        handler = self.handler
        accumulator = self.accumulator
        lifecycle = self._lifecycle
        fire = lifecycle.fire
        event_decoder = self._decoder_class()
        decode = event_decoder.decode
        feed = accumulator.feed
        update = accumulator.update
        listens = handler.listens
        dispatch = dialect_dispatcher_async(handler)
        error_types = self._error_event_types
        # An exception a callback raised is the handler's own, never taken for a lost
        # connection.
        handler_error: Exception | None = None
        source: Source | None = None
        # on_end is due once, however the stream ends (also by a break, close() or a
        # cancellation, which no ``except Exception`` sees).
        end_due = True
        self._start_reading()
        try:
            source = self._source = await open_async_source(self._source_object)
            async with aclosing(read_batches_async(self, source, drain)) as batches:
                async for batch in batches:
                    if lifecycle.state is _OPEN:
                        fire(StreamEvent.RECEIVE)
                    elif lifecycle.state is _STOPPING:
                        break
                    if drain:
                        self._drain(batch, event_decoder, source)
                        if accumulator.done:
                            fire(StreamEvent.DONE)
                        continue
                    for sse in batch:
                        event = decode(sse)
                        if event is None:
                            fire(StreamEvent.DONE)
                            notes = accumulator.done_marker()
                            if listens:
                                try:
                                    await dispatch(None, notes)
                                except Exception as raised_by_handler:
                                    handler_error = raised_by_handler
                                    raise
                            continue
                        if listens:
                            notes = feed(event)
                            try:
                                await dispatch(event, notes)
                            except Exception as raised_by_handler:
                                handler_error = raised_by_handler
                                raise
                        else:
                            update(event)
                        if type(event) in error_types:
                            event_error = self._error_for(event, event_decoder.ordinal - 1, offset_of(sse, source))
                            if event_error is not None:
                                raise event_error
                        yield event
            if lifecycle.stopping:
                # close() asked the reader to stop: the stream ends here, quietly.
                fire(StreamEvent.END)
                end_due = False
                await callback_async(handler, "on_end")
                return
            notes = accumulator.end()
            if listens and notes:
                try:
                    await dispatch(None, notes)
                except Exception as raised_by_handler:
                    handler_error = raised_by_handler
                    raise
            incomplete = self._incomplete()
            if incomplete is not None:
                raise incomplete
            fire(StreamEvent.END)
            end_due = False  # called below, once the source is released
        except Exception as raised:
            if lifecycle.finished:
                raise  # on_end itself raised: the stream had ended
            if lifecycle.stopping and raised is not handler_error:
                # The socket was shut down by close() from another thread: a stop, not a loss.
                fire(StreamEvent.END)
                end_due = False
                await callback_async(handler, "on_end")
                return
            if raised is handler_error:
                error: BaseException = raised
            else:
                error = self._translate(raised)
                if getattr(error, "timeout", False):
                    await callback_async(handler, "on_timeout")
            fire(StreamEvent.ERROR)
            await callback_async(handler, "on_exception", error)
            end_due = False
            await callback_async(handler, "on_end")
            if error is raised:
                raise
            raise error from raised
        except BaseException as leaving:
            # A break or close() (GeneratorExit) or a cancellation: the stream ends here.
            if not lifecycle.finished:
                fire(StreamEvent.CLOSE if isinstance(leaving, GeneratorExit) else StreamEvent.CANCEL)
            raise
        finally:
            with shielded_async():
                if source is not None:
                    await source.aclose()
                if end_due:
                    end_due = False
                    await callback_async(handler, "on_end")
        await callback_async(handler, "on_end")

    async def until_done(self) -> Any:
        """Read the stream to its end."""
        await drain_async(self)
        return self

    async def snapshots(self) -> AsyncIterator[DialectUpdate]:
        """Iterate the stream as (event, snapshot it changed) updates; a snapshot is built
        when first read (see `DialectUpdate`)."""
        async for event in self:
            yield self._update_for(event)
