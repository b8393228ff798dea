"""The stream core every stream shares (run, Responses, Chat Completions; sync and async):
its lifecycle, the idle timeout, what a transport error means, and how a close from another
thread wakes the reader."""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx

from .._core.lifecycle import StreamEvent, StreamLifecycle
from ..errors import IdleTimeoutError, RunstreamError, StreamConnectionError, StreamDecodeError

__all__ = ["StreamCore", "source_response"]


class StreamCore:
    """State every stream has: its accumulator and handler, its lifecycle, the bytes it
    received and its idle timeout. Each kind of stream says how its errors name the state
    (`_last_status`)."""

    #: Whether reading stops at ``done`` instead of waiting for the server to close the
    #: response (the live streams of the clients: a server may hold the connection open).
    stops_at_done = False
    #: The clock of the idle timeout (the async streams use their event loop's).
    _clock = staticmethod(time.monotonic)
    #: Whether `until_done` may drain the stream without making each event (run streams).
    _drains = False
    #: Whether the drain takes runs of one event type as `UniformRun`s (the dialects).
    _uniform_runs = False

    def __init__(self, handler: Any, accumulator: Any, max_event_size: int, idle_timeout: float | None,
                 lock: Any) -> None:
        self.accumulator = accumulator
        self.handler = handler
        handler.accumulator = accumulator
        self.max_event_size = max_event_size
        if idle_timeout is not None and not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be a positive number of seconds or None, not {idle_timeout!r}")
        #: Seconds without an event after which reading fails with `IdleTimeoutError`
        #: (``None``: no limit). Comments and keep-alive bytes do not count as events.
        self.idle_timeout = idle_timeout
        # When the last event (or the start of reading) was seen, on the stream's clock.
        self._last_event_at = 0.0
        # Where the stream is in its life (see _core/lifecycle.py); ``lock``: the sync
        # streams', which close() may drive from another thread.
        self._lifecycle = StreamLifecycle(lock)
        # The HTTP response being read, when known: close() from another thread shuts its
        # socket down to wake the reader.
        self._response: httpx.Response | None = None
        self.bytes_received = 0

    @property
    def done_received(self) -> bool:
        """Whether the end marker (``done``, ``[DONE]``) arrived."""
        return self._lifecycle.done_received

    @property
    def ended(self) -> bool:
        """Whether the stream was read to its end (normally or not)."""
        return self._lifecycle.ended

    def _start_reading(self) -> None:
        self._lifecycle.fire(StreamEvent.OPEN)
        self._last_event_at = self._clock()

    def _last_status(self) -> tuple[str | None, str]:
        """The status errors report (``last_status``) and how their message names it
        (``"last run status 'queued', "``, or nothing)."""
        return None, ""

    # ---- errors --------------------------------------------------------------------------

    def _idle_error(self) -> IdleTimeoutError:
        status, named = self._last_status()
        return IdleTimeoutError(
            f"no event arrived for {self.idle_timeout} s (idle timeout; {named}"
            f"{self.bytes_received} bytes received)",
            idle_timeout=self.idle_timeout or 0.0,
            accumulator=self.accumulator,
            last_status=status,
            offset=self.bytes_received,
        )

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
            status, named = self._last_status()
            translated = StreamConnectionError(
                f"{'timed out' if timeout else 'connection lost'} while streaming "
                f"({type(error).__name__}: {error}; {named}{self.bytes_received} bytes received)",
                accumulator=self.accumulator,
                last_status=status,
                offset=self.bytes_received,
                timeout=timeout,
            )
            translated.__cause__ = error
            return translated
        return error

    # ---- a close from another thread -----------------------------------------------------

    def _request_stop(self) -> None:
        """Make the reader (in another thread, or in a callback) stop: it sees the request
        between chunks, and a reader blocked on the socket wakes up when the socket is shut
        down (closing it from another thread would not wake it)."""
        self._lifecycle.fire(StreamEvent.STOP)
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


def source_response(source: Any) -> httpx.Response | None:
    """The httpx response a source reads, if it is one (or an httpx-sse event source)."""
    if isinstance(source, httpx.Response):
        return source
    response = getattr(source, "response", None)
    return response if isinstance(response, httpx.Response) else None
