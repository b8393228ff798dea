"""What sync and async run streams share: state, accessors, and how a stream ends."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import httpx
import msgspec

from .._core.accumulator import Accumulator
from .._core.events import (
    AssistantStreamEvent,
    ErrorEvent,
    ThreadMessageDelta,
)
from .._models.base import UNSET
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from ..errors import (
    IdleTimeoutError,
    IncompleteStreamError,
    ServerStreamError,
    RunstreamError,
    StreamConnectionError,
    StreamDecodeError,
)
from .log import logger

__all__ = ["SnapshotUpdate", "StreamBase", "source_response", "text_pieces"]


class SnapshotUpdate(msgspec.Struct, frozen=True, gc=False):
    """One event and the snapshot it changed.

    Attributes:
        event: the typed event.
        snapshot: the Run, RunStep or Message the event was about, as it is after the event;
            ``None`` for events about no such object (``done``, ``error``, unknown ones).
    """

    event: AssistantStreamEvent
    snapshot: Run | RunStep | Message | None


class StreamBase:
    """State and read accessors of a run stream (see `RunStream`, `AsyncRunStream`)."""

    #: Whether reading stops at ``done`` instead of waiting for the server to close the
    #: response (the live streams of the clients: a server may hold the connection open).
    stops_at_done = False
    #: The clock of the idle timeout (the async streams use their event loop's).
    _clock = staticmethod(time.monotonic)

    def __init__(self, handler: Any, accumulator: Accumulator | None, max_event_size: int,
                 idle_timeout: float | None = None) -> None:
        self.accumulator = accumulator if accumulator is not None else Accumulator()
        self.handler = handler
        handler.accumulator = self.accumulator
        self.max_event_size = max_event_size
        if idle_timeout is not None and not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be a positive number of seconds or None, not {idle_timeout!r}")
        #: Seconds without an event after which reading fails with `IdleTimeoutError`
        #: (``None``: no limit). Comments and keep-alive bytes do not count as events.
        self.idle_timeout = idle_timeout
        # When the last event (or the start of reading) was seen, on the monotonic clock.
        self._last_event_at = 0.0
        # Set by a close() that could not stop the reader at once (another thread reads).
        self._stop_requested = False
        # Set when reading goes on after done only to let the body end (async streams).
        self._closing_after_done = False
        # The HTTP response being read, when known: close() from another thread shuts its
        # socket down to wake the reader.
        self._response: httpx.Response | None = None
        #: Whether the ``done`` event arrived.
        self.done_received = False
        #: Whether the stream was read to its end (normally or not).
        self.ended = False
        self.bytes_received = 0
        # The run as it was when reading began, for error messages.
        self._run_at_start: Run | None = None

    def _begin(self) -> None:
        """Note where the accumulated state stood when this stream began reading."""
        accumulator = self.accumulator
        self._run_at_start = accumulator.current_run
        self._last_event_at = self._clock()
        self._complete: bool | None = None
        self._events_at_start = accumulator.events_fed
        self._anomalies_at_start = len(accumulator.anomalies)
        self._discrepancies_at_start = len(accumulator.discrepancies)
        if logger.isEnabledFor(logging.DEBUG):
            run = self._run_at_start
            logger.debug("stream started%s", f" (continuing run {run.id}, {run.status!r})" if run is not None else "")

    def _end_accumulator(self) -> bool:
        """Tell the accumulator this stream ended (once); return whether it was complete."""
        if self._complete is None:
            accumulator = self.accumulator
            (ended,) = accumulator.end()
            self._complete = ended.complete  # type: ignore[attr-defined]
            for anomaly in accumulator.anomalies[self._anomalies_at_start:]:
                logger.warning("stream anomaly at event #%d: %s", anomaly.ordinal, anomaly.detail)
            for discrepancy in accumulator.discrepancies[self._discrepancies_at_start:]:
                # Where, not what: the values are payload.
                logger.warning("stream discrepancy: %s of %s differs from the server's final object",
                               discrepancy.path, discrepancy.object_id)
            logger.debug("stream ended: %d events, %d bytes, run %r, %s", accumulator.events_fed - self._events_at_start,
                         self.bytes_received, accumulator.run_status,
                         "complete" if self._complete else "incomplete")
        return self._complete

    @property
    def _rested_here(self) -> bool:
        """Whether a run event of this stream brought the run to a resting status (a
        continuation starts resting in ``requires_action``; see `Accumulator.end`)."""
        return self.accumulator.rested_since_end

    @property
    def current_run(self) -> Run | None:
        """The latest run."""
        return self.accumulator.current_run

    @property
    def current_run_step_snapshot(self) -> RunStep | None:
        """The snapshot of the run step the latest step event was about."""
        step_id = self.accumulator.current_step_id
        return self.accumulator.run_step(step_id) if step_id is not None else None

    @property
    def current_message_snapshot(self) -> Message | None:
        """The snapshot of the message the latest message event was about."""
        message_id = self.accumulator.current_message_id
        return self.accumulator.message(message_id) if message_id is not None else None

    def snapshot_for(self, event: AssistantStreamEvent) -> Run | RunStep | Message | None:
        """The snapshot ``event`` was about, as it is now."""
        name = event.event
        if name.startswith("thread.run.step."):
            return self.accumulator.run_step(event.data.id)  # type: ignore[union-attr]
        if name.startswith("thread.run."):
            return event.data  # type: ignore[return-value]
        if name.startswith("thread.message."):
            return self.accumulator.message(event.data.id)  # type: ignore[union-attr]
        return None

    def _view_for(self, event: AssistantStreamEvent) -> Run | RunStep | Message | None:
        """Like `snapshot_for`, as a lazy view (what ``snapshots()`` yields; see _core/views.py)."""
        name = event.event
        if name.startswith("thread.run.step."):
            return self.accumulator._run_step_view(event.data.id)  # type: ignore[union-attr]
        if name.startswith("thread.run."):
            return event.data  # type: ignore[return-value]
        if name.startswith("thread.message."):
            return self.accumulator._message_view(event.data.id)  # type: ignore[union-attr]
        return None

    def _final_run(self) -> Run:
        run = self.accumulator.current_run
        if run is None:
            raise RunstreamError("the stream carried no run event")
        return run

    # ---- ending --------------------------------------------------------------------------

    def _error_event(self, event: ErrorEvent, ordinal: int, offset: int | None) -> ServerStreamError:
        """The error to raise for ``event``, the ``ordinal``-th of the stream, at ``offset``."""
        error = event.data
        return ServerStreamError(
            error.message or "the server sent an error event",
            code=error.code,
            type=error.type,
            param=error.param,
            ordinal=ordinal,
            offset=offset,
            accumulator=self.accumulator,
        )

    def _incomplete(self) -> IncompleteStreamError | None:
        accumulator = self.accumulator
        if self._end_accumulator():
            return None
        status = accumulator.run_status
        if status is None:
            seen = "no run event arrived"
        elif accumulator.current_run is self._run_at_start:
            seen = f"no run event arrived; the run was {status!r} when the stream began"
        else:
            seen = f"last run status {status!r}"
        return IncompleteStreamError(
            f"the stream ended before the run finished ({seen}; {accumulator.events_fed} events, "
            f"{self.bytes_received} bytes received)",
            accumulator=accumulator,
            last_status=status,
            offset=self.bytes_received,
        )

    def _dropped_at_rest(self, error: BaseException) -> bool:
        """Whether ``error`` is a lost connection after the run had already reached a
        resting status in this stream: nothing is missing then, and the stream ends normally.
        (Never called for an error a handler callback raised: that is the handler's own.)"""
        return isinstance(error, httpx.TransportError) and self._rested_here

    def _idle_error(self) -> IdleTimeoutError:
        status = self.accumulator.run_status
        return IdleTimeoutError(
            f"no event arrived for {self.idle_timeout} s (idle timeout; last run status {status!r}, "
            f"{self.bytes_received} bytes received)",
            idle_timeout=self.idle_timeout or 0.0,
            accumulator=self.accumulator,
            last_status=status,
            offset=self.bytes_received,
        )

    def _request_stop(self) -> None:
        """Make the reader (in another thread, or in a callback) stop: it sees the flag
        between chunks, and a reader blocked on the socket wakes up when the socket is shut
        down (closing it from another thread would not wake it)."""
        self._stop_requested = True
        self._shut_down(socket.SHUT_RDWR)

    def _shut_down(self, how: int) -> bool:
        """Shut the response's socket down; return whether there was one to shut."""
        response = self._response
        stream = response.extensions.get("network_stream") if response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return False
        try:
            sock.shutdown(how)
        except OSError:  # already closed
            pass
        return True

    def _translate(self, error: BaseException) -> BaseException:
        """Turn a transport error into runstream's, keeping what was received."""
        if (
            isinstance(error, httpx.TimeoutException)
            and self.idle_timeout is not None
            and self._clock() - self._last_event_at >= self.idle_timeout
        ):
            # The read timeout was lowered to the idle timeout (see the clients): the
            # connection was silent for that long.
            idle = self._idle_error()
            idle.__cause__ = error
            return idle
        if isinstance(error, RunstreamError):
            if error.accumulator is None:
                error.accumulator = self.accumulator
            return error
        if isinstance(error, httpx.DecodingError):
            translated_decode = StreamDecodeError(
                f"the response body could not be decoded ({error}); {self.bytes_received} bytes received",
                offset=self.bytes_received,
                accumulator=self.accumulator,
            )
            translated_decode.__cause__ = error
            return translated_decode
        if isinstance(error, httpx.TransportError):
            timeout = isinstance(error, httpx.TimeoutException)
            status = self.accumulator.run_status
            translated = StreamConnectionError(
                f"{'timed out' if timeout else 'connection lost'} while streaming "
                f"({type(error).__name__}: {error}; last run status {status!r}, "
                f"{self.bytes_received} bytes received)",
                accumulator=self.accumulator,
                last_status=status,
                offset=self.bytes_received,
                timeout=timeout,
            )
            translated.__cause__ = error
            return translated
        return error


def source_response(source: Any) -> httpx.Response | None:
    """The httpx response a source reads, if it is one (or an httpx-sse event source)."""
    if isinstance(source, httpx.Response):
        return source
    response = getattr(source, "response", None)
    return response if isinstance(response, httpx.Response) else None


def text_pieces(event: AssistantStreamEvent) -> list[str]:
    """The text fragments a ``thread.message.delta`` event carries, in order."""
    if type(event) is not ThreadMessageDelta:
        return []
    content = event.data.delta.content
    if content is None:
        return []
    pieces = []
    for block in content:
        if block.type == "text":
            text = block.text  # type: ignore[union-attr]
            if text is not None and text.value is not None:
                pieces.append(text.value)
    return pieces

