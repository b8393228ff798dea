"""`RunStream`: a run stream read synchronously from bytes, files, iterables or httpx."""

from __future__ import annotations

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
from .sources import Source, close_unopened, open_source
from .stream_base import SnapshotUpdate, StreamBase, text_pieces

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
    ) -> None:
        if handler is not None and not isinstance(handler, EventHandler):
            raise TypeError(
                f"RunStream needs an EventHandler, got {type(handler).__name__} "
                "(use AsyncRunStream for an AsyncEventHandler)"
            )
        super().__init__(handler if handler is not None else EventHandler(), accumulator, max_event_size)
        self._source_object = source
        self._source: Source | None = None
        self._iterator: Iterator[AssistantStreamEvent] | None = None

    def __iter__(self) -> Iterator[AssistantStreamEvent]:
        return self

    def __next__(self) -> AssistantStreamEvent:
        return next(self._generator())

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
        """Stop reading and release the source (closes the HTTP response)."""
        if self._iterator is not None:
            self._iterator.close()  # type: ignore[attr-defined]
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
        self._begin()
        try:
            source = self._source = open_source(self._source_object)
            for batch in RunStream._batches(self, source, drain):  # self: the proxy, kept weak
                for sse in batch:
                    if type(sse) is RawRun:
                        error_event = update_run(sse, event_decoder)
                        if accumulator._done:  # a done event was in the run
                            self.done_received = True
                        if error_event is not None:
                            raise self._error_event(error_event)
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
                            raise self._error_event(event)
                        self.done_received = True
                    yield event
            self.ended = True
            incomplete = self._incomplete()
            if incomplete is not None:
                raise incomplete
        except Exception as raised:
            self.ended = True
            dropped_at_rest = raised is not handler_error and self._dropped_at_rest(raised)
            self._end_accumulator()
            if raised is handler_error:
                error = raised
            else:
                if dropped_at_rest:
                    handler.on_end()
                    return
                error = self._translate(raised)
                if getattr(error, "timeout", False):
                    handler.on_timeout()
            handler.on_exception(error)  # type: ignore[arg-type]
            handler.on_end()
            if error is raised:
                raise
            raise error from raised
        finally:
            # Only locals here: when the stream was dropped, ``self`` is a dead proxy.
            if source is not None:
                source.close()
        handler.on_end()

    def _batches(self, source: Source, drain: bool = False) -> Iterator[Any]:
        if source.kind == "bytes":
            sse_decoder = SSEDecoder(self.max_event_size)
            feed = sse_decoder.feed_runs if drain else sse_decoder.feed
            for chunk in source.items:
                self.bytes_received += len(chunk)
                yield feed(chunk)
            yield sse_decoder.end()
        else:
            for sse in source.items:
                yield (sse,)

    # ---- conveniences --------------------------------------------------------------------

    def until_done(self) -> RunStream:
        """Read the stream to its end."""
        if self._iterator is None and not self.handler.listens:
            self._iterator = RunStream._events(weakref.proxy(self), drain=True)
        for _ in self._generator():  # the generator itself: no Python-level __next__ per event
            pass
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
