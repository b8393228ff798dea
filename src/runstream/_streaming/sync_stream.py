"""`RunStream`: a run stream read synchronously from bytes, files, iterables or httpx."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from typing import Any

from .._core.accumulator import Accumulator
from .._core.events import AssistantStreamEvent, DoneEvent, ErrorEvent, EventDecoder
from .._core.sse import DEFAULT_MAX_EVENT_SIZE, RawRun, SSEDecoder
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from .handlers import EventHandler
from .sources import Source, close_unopened, offset_of, open_source
from .stream_base import SnapshotUpdate, StreamBase, source_response, text_pieces

__all__ = ["RunStream"]

# The events that end a stream: checked once per event.
_ENDINGS = frozenset({ErrorEvent, DoneEvent})


class RunStream(StreamBase):
    """A run stream, read synchronously: iterate it for typed events.

    Events are accumulated and handed to the handler's callbacks before they are yielded.
    The stream ends normally when the source is exhausted after the run reached a terminal
    or ``requires_action`` status (with or without ``done``).

    Examples:
        >>> import runstream
        >>> with runstream.RunStream(runstream.sample_stream_path()) as stream:
        ...     run = stream.final_run()
        >>> run.status
        'requires_action'

    Args:
        source: bytes, a file path, a binary file, an iterable of bytes, an httpx response,
            an httpx-sse ``EventSource``, or an iterable of server-sent events.
        handler: an `EventHandler` subclass instance (a no-op one by default).
        accumulator: continue an existing accumulated state (a continuation stream).
        max_event_size: the largest event the decoder buffers, in bytes.
        idle_timeout: seconds without an event after which reading fails with
            `IdleTimeoutError` (``None``: no limit; comments and keep-alive bytes do not
            count). Over an httpx response, also lower its read timeout to this.

    `close` may be called from another thread while one reads the stream: the reader then
    stops (its loop ends, ``on_end`` is called) instead of waiting for the next event.

    Raises:
        ServerStreamError: (while iterating) the server sent an ``error`` event.
        IncompleteStreamError: the stream ended before the run reached a resting status
            (`StreamConnectionError` when the connection failed).
        StreamDecodeError: the bytes or an event's JSON could not be decoded.
        APIError: the source is an HTTP error response or not an event stream.
    """

    def __init__(
        self,
        source: Any,
        handler: EventHandler | None = None,
        *,
        accumulator: Accumulator | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        if handler is not None and not isinstance(handler, EventHandler):
            raise TypeError(
                f"RunStream needs an EventHandler, got {type(handler).__name__} "
                "(use AsyncRunStream for an AsyncEventHandler)"
            )
        super().__init__(handler if handler is not None else EventHandler(), accumulator, max_event_size, idle_timeout)
        self._source_object = source
        self._response = source_response(source)
        self._source: Source | None = None
        self._iterator: Iterator[AssistantStreamEvent] | None = None
        self._close_requested = False

    def __iter__(self) -> Iterator[AssistantStreamEvent]:
        return self

    def __next__(self) -> AssistantStreamEvent:
        try:
            return next(self._generator())
        except ValueError:
            # "generator already executing": close() from another thread is running it.
            if self._close_requested:
                raise StopIteration from None
            raise

    def _generator(self) -> Iterator[AssistantStreamEvent]:
        if self._iterator is None:
            # The generator sees the stream through a weak proxy: it must not keep the
            # stream alive, so that a stream dropped mid-read (``for event in stream: break``)
            # is freed at once, and the generator's cleanup closes the response.
            self._iterator = RunStream._events(weakref.proxy(self))
        return self._iterator

    def __enter__(self) -> RunStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the source (closes the HTTP response). From another
        thread than the reader's, or from a callback, it asks the reader to stop: the
        reader's loop then ends after ``on_end``, and the reader releases the source."""
        self._close_requested = True
        if self._iterator is not None:
            try:
                self._iterator.close()  # type: ignore[attr-defined]
            except ValueError:  # "generator already executing": someone is reading it now
                self._request_stop()
                return
        if self._source is not None:
            self._source.close()
        elif self._iterator is None:
            close_unopened(self._source_object)

    def _events(self, drain: bool = False) -> Iterator[AssistantStreamEvent]:
        # drain: the events are not wanted one by one (until_done with a handler that
        # listens to nothing); runs of usual events are decoded and merged without a
        # ServerSentEvent, a yield or a str copy each.
        handler = self.handler
        accumulator = self.accumulator
        event_decoder = EventDecoder()
        decode = event_decoder.decode
        update = accumulator.update
        update_run = accumulator.update_run
        listens = self.handler.listens
        # An exception a callback raised is the handler's own: it is never taken for a lost
        # connection (a handler may well call httpx itself, e.g. to submit tool outputs).
        handler_error: Exception | None = None
        source: Source | None = None
        # on_end is due once, however the stream ends: normally, by an error, or by a
        # `break` or close() (GeneratorExit, which no ``except Exception`` sees).
        end_due = True
        stops_at_done = self.stops_at_done
        self._begin()
        try:
            source = self._source = open_source(self._source_object)
            for batch in RunStream._batches(self, source, drain):  # self: the proxy, kept weak
                if self._stop_requested:
                    break
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
                            handler.dispatch(event, notifications)
                        except Exception as raised_by_handler:
                            handler_error = raised_by_handler
                            raise
                    else:
                        update(event)
                    if type(event) in _ENDINGS:
                        if type(event) is ErrorEvent:
                            raise self._error_event(event, event_decoder.ordinal - 1, offset_of(sse, source))
                        self.done_received = True
                    yield event
                if stops_at_done and self.done_received:
                    break  # a server may hold the connection open after done
            self.ended = True
            if self._stop_requested:
                end_due = False
                handler.on_end()
                return
            incomplete = self._incomplete()
            if incomplete is not None:
                raise incomplete
            end_due = False  # called below, once the source is released
        except Exception as raised:
            self.ended = True
            if self._stop_requested and raised is not handler_error:
                # The socket was shut down by close() from another thread: a stop, not a loss.
                end_due = False
                handler.on_end()
                return
            dropped_at_rest = raised is not handler_error and self._dropped_at_rest(raised)
            self._end_accumulator()
            if raised is handler_error:
                error = raised
            else:
                if dropped_at_rest:
                    end_due = False
                    handler.on_end()
                    return
                error = self._translate(raised)
                if getattr(error, "timeout", False):
                    handler.on_timeout()
            handler.on_exception(error)  # type: ignore[arg-type]
            end_due = False
            handler.on_end()
            if error is raised:
                raise
            raise error from raised
        finally:
            # Only locals here: when the stream was dropped, ``self`` is a dead proxy.
            if source is not None:
                source.close()
            if end_due:
                # Left by a break or close(): the stream ends here all the same.
                end_due = False
                handler.on_end()
        handler.on_end()

    def _batches(self, source: Source, drain: bool = False) -> Iterator[Any]:
        if source.kind == "bytes":
            sse_decoder = SSEDecoder(self.max_event_size)
            feed = sse_decoder.feed_runs if drain else sse_decoder.feed
            idle_timeout = self.idle_timeout
            if idle_timeout is None:
                for chunk in source.items:
                    self.bytes_received += len(chunk)
                    yield feed(chunk)
            else:
                # Bytes that complete no event (keep-alive comments, a drip) do not reset
                # the clock; a silent connection is caught by the lowered read timeout.
                for chunk in source.items:
                    self.bytes_received += len(chunk)
                    batch = feed(chunk)
                    now = time.monotonic()
                    if batch:
                        self._last_event_at = now
                    elif now - self._last_event_at >= idle_timeout:
                        raise self._idle_error()
                    yield batch
            yield sse_decoder.end()
        else:
            for sse in source.items:
                yield (sse,)

    # ---- conveniences --------------------------------------------------------------------

    def until_done(self) -> RunStream:
        """Read the stream to its end (or until `close` is called from another thread)."""
        if self._iterator is None and not self.handler.listens:
            self._iterator = RunStream._events(weakref.proxy(self), drain=True)
        try:
            for _ in self._generator():  # the generator itself: no Python-level __next__ per event
                pass
        except ValueError:
            if not self._close_requested:  # not a close() from another thread running it
                raise
        return self

    def snapshots(self) -> Iterator[SnapshotUpdate]:
        """Iterate the stream as (event, snapshot it changed) updates."""
        for event in self:
            yield SnapshotUpdate(event, self._view_for(event))

    def text_deltas(self) -> Iterator[str]:
        """Iterate the stream as the text fragments of its messages."""
        for event in self:
            yield from text_pieces(event)

    def final_run(self) -> Run:
        """Read to the end; return the run as it ended."""
        self.until_done()
        return self._final_run()

    def final_run_steps(self) -> list[RunStep]:
        """Read to the end; return every run step, in creation order."""
        self.until_done()
        return self.accumulator.run_steps

    def final_messages(self) -> list[Message]:
        """Read to the end; return every message, in creation order."""
        self.until_done()
        return self.accumulator.messages

    # openai-python's names, for handlers and code ported from it.
    get_final_run = final_run
    get_final_run_steps = final_run_steps
    get_final_messages = final_messages
