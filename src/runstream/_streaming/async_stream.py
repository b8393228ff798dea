"""`AsyncRunStream`: a run stream read asynchronously (anyio: asyncio and trio).

This is the one source of both run streams: ``sync_stream.py`` is generated from it by
``scripts/unasync.py``. Where the two differ (reading, the idle timeout, closing, callbacks),
it calls a helper pair of ``stream_io`` or ``stream_reading``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from .._core.accumulator import Accumulator
from .._core.delta_listener import AWAIT, EMIT
from .._core.drain import merge_run
from .._core.event_decoder import EventDecoder
from .._core.events import AssistantStreamEvent, DoneEvent, ErrorEvent
from .._core.lifecycle import StreamEvent, StreamState
from .._core.sse import DEFAULT_MAX_EVENT_SIZE, RawRun
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from .handlers import AsyncEventHandler, EventHandler
from .sources import Source, offset_of, open_async_source
from .stream_base import SnapshotUpdate, StreamBase, source_response, text_pieces
from .stream_io import (
    callback_async,
    check_run_handler_async,
    dispatcher_async,
    drain_async,
    lifecycle_lock_async,
    next_event_async,
    release_async,
    settle_async,
    shielded_async,
    stream_clock_async,
)
from .stream_reading import read_batches_async

__all__ = ["AsyncRunStream"]

# The events that end a stream: checked once per event.
_ENDINGS = frozenset({ErrorEvent, DoneEvent})
_OPEN, _STOPPING = StreamState.OPEN, StreamState.STOPPING


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

    #: The clock of the idle timeout.
    _clock = staticmethod(stream_clock_async)
    #: `until_done` with a handler that listens to nothing takes the fast path (see `_events`).
    _drains = True

    def __init__(
        self,
        source: Any,
        handler: AsyncEventHandler | EventHandler | None = None,
        *,
        accumulator: Accumulator | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        if handler is None:
            handler = AsyncEventHandler()
        check_run_handler_async(handler)
        super().__init__(handler, accumulator, max_event_size, idle_timeout, lifecycle_lock_async())
        self._source_object = source
        self._response = source_response(source)
        self._source: Source | None = None
        self._iterator: AsyncIterator[AssistantStreamEvent] | None = None
        # Set by close(): a reader that finds the generator busy was stopped by it.
        self._close_requested = False

    def __aiter__(self) -> AsyncIterator[AssistantStreamEvent]:
        return self

    async def __anext__(self) -> AssistantStreamEvent:
        return await next_event_async(self)

    async def __aenter__(self) -> AsyncRunStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and release the source (closes the HTTP response), even when the
        surrounding task is being cancelled."""
        await release_async(self)

    async def _events(self, drain: bool = False) -> AsyncIterator[AssistantStreamEvent]:
        # Runs of usual events are decoded and merged by merge_run (see _core/drain.py)
        # without a ServerSentEvent or a str copy each; it yields the handler's calls and,
        # unless drain (until_done: nobody reads the events one by one), the events.
        # Only locals in the cleanup below: in the sync twin ``self`` is a weak proxy, dead
        # once the stream was dropped.
        handler = self.handler
        accumulator = self.accumulator
        lifecycle = self._lifecycle
        fire = lifecycle.fire
        event_decoder = EventDecoder()
        decode = event_decoder.decode
        update = accumulator.update
        listens = handler.listens
        dispatch = dispatcher_async(handler)
        # A handler that overrides dispatch gets every event through it: no raw runs then.
        runs = handler.drains
        listener = handler._delta_listener(dispatch, emit=not drain) if runs else None
        # An exception a callback raised is the handler's own: it is never taken for a lost
        # connection (a handler may well call httpx itself, e.g. to submit tool outputs).
        handler_error: Exception | None = None
        source: Source | None = None
        # on_end is due once, however the stream ends: normally, by an error, or by a
        # break, close() or a cancellation, which no ``except Exception`` sees.
        end_due = True
        self._begin()
        try:
            source = self._source = await open_async_source(self._source_object)
            async with aclosing(read_batches_async(self, source, runs)) as batches:
                async for batch in batches:
                    if lifecycle.state is _OPEN:
                        fire(StreamEvent.RECEIVE)
                    elif lifecycle.state is _STOPPING:
                        break
                    for sse in batch:
                        if type(sse) is RawRun:
                            first = event_decoder.ordinal
                            error_event = None
                            for function, arguments in merge_run(accumulator, sse, event_decoder, listener):
                                if function is EMIT:
                                    if type(arguments) is DoneEvent:
                                        fire(StreamEvent.DONE)
                                    yield arguments
                                    continue
                                if function is None:
                                    error_event = arguments
                                    break
                                try:
                                    if function is AWAIT:
                                        # What a callback merge_run made returned: its
                                        # work, if it has any left, is done here.
                                        await settle_async(arguments)
                                        arguments = None
                                        continue
                                    result = function(*arguments)
                                    if result is not None:
                                        await settle_async(result)
                                except Exception as raised_by_handler:
                                    handler_error = raised_by_handler
                                    raise
                                # The snapshots the callback got must not outlive it here: a step
                                # view still alive when its step next changes is kept up to date.
                                arguments = None
                            if accumulator._done and not lifecycle.done_received:  # done was in the run
                                fire(StreamEvent.DONE)
                            if error_event is not None:
                                # The error event is the last the run's events went through.
                                ordinal = event_decoder.ordinal - 1
                                raise self._error_event(error_event, ordinal, sse.offsets()[ordinal - first])
                            continue
                        event = decode(sse)
                        if listens:
                            notifications = accumulator.feed(event)
                            try:
                                await dispatch(event, notifications)
                            except Exception as raised_by_handler:
                                handler_error = raised_by_handler
                                raise
                        else:
                            update(event)
                        if type(event) in _ENDINGS:
                            if type(event) is ErrorEvent:
                                raise self._error_event(event, event_decoder.ordinal - 1, offset_of(sse, source))
                            fire(StreamEvent.DONE)
                        yield event
            if lifecycle.stopping:
                # close() asked the reader to stop: the stream ends here, quietly.
                fire(StreamEvent.END)
                end_due = False
                await callback_async(handler, "on_end")
                return
            incomplete = self._incomplete()
            if incomplete is not None:
                raise incomplete
            fire(StreamEvent.END)
            end_due = False  # called below, once the source is released
        except Exception as raised:
            if lifecycle.finished:
                raise  # on_end itself raised: the stream had ended
            if listener is not None and raised is listener.raised:
                handler_error = raised  # a callback merge_run made raised it
            if lifecycle.stopping and raised is not handler_error:
                # The socket was shut down by close() from another thread: a stop, not a loss.
                fire(StreamEvent.END)
                end_due = False
                await callback_async(handler, "on_end")
                return
            dropped_at_rest = raised is not handler_error and self._dropped_at_rest(raised)
            self._end_accumulator()
            if raised is handler_error:
                error: BaseException = raised
            else:
                if dropped_at_rest:
                    fire(StreamEvent.END)
                    end_due = False
                    await callback_async(handler, "on_end")
                    return
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

    # ---- conveniences --------------------------------------------------------------------

    async def until_done(self) -> AsyncRunStream:
        """Read the stream to its end."""
        await drain_async(self)
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

    # openai-python's names, for handlers and code ported from it.
    get_final_run = final_run
    get_final_run_steps = final_run_steps
    get_final_messages = final_messages
