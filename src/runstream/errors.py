"""The exceptions runstream raises, in one hierarchy.

```
RunstreamError                  base of everything below
├── StreamDecodeError           the bytes or an event's JSON cannot be decoded
│   └── EventTooLargeError      one event (or one line) is larger than the configured maximum
├── ServerStreamError           the server sent an ``error`` event
├── IncompleteStreamError       the stream ended before the run reached a resting status
│   └── StreamConnectionError   ... because the connection failed, timed out or was cut
│       └── IdleTimeoutError    ... because no event arrived for ``idle_timeout`` seconds
├── APIError                    an HTTP request got a non-2xx or non-SSE response
├── APIConnectionError          an HTTP request could not be sent or answered
├── ResyncError                 re-sync could not bring the state up to date
│   ├── NoRunToResyncError      ... no run was seen and no thread was named (also a ValueError)
│   └── ResyncTimeoutError      ... the run did not come to rest in time (also a TimeoutError)
└── ToolCallError               a registered tool raised (tool loop told to raise)
```

``RunStreamError``, this exception's earlier name, is a deprecated alias of `ServerStreamError`:
one capital letter apart from `RunstreamError`, it was too easy to catch the wrong one.

Every exception says what went wrong and where (event name, ordinal, byte offset), and the
ones raised while streaming carry the accumulator, so nothing received is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._core.accumulator import Accumulator

__all__ = [
    "APIConnectionError",
    "APIError",
    "EventTooLargeError",
    "IdleTimeoutError",
    "IncompleteStreamError",
    "NoRunToResyncError",
    "ResyncError",
    "ResyncTimeoutError",
    "RunstreamError",
    "ServerStreamError",
    "StreamConnectionError",
    "StreamDecodeError",
    "ToolCallError",
]


class RunstreamError(Exception):
    """Base class of every exception raised by runstream.

    Attributes:
        accumulator: when raised while a stream was read, everything received before the
            error (snapshots stay readable, re-sync can continue from it); else ``None``.
    """

    accumulator: Accumulator | None = None


class StreamDecodeError(RunstreamError):
    """Raised when the stream's bytes or an event's JSON cannot be decoded.

    Attributes:
        reason: what is wrong, without the location.
        event: the SSE event name, or ``None`` when the failure is below the event level.
        ordinal: the 0-based position of the event in the stream, or ``None``.
        offset: the byte offset in the stream where the event (or the bad line) starts.
        preview: a short prefix of the offending data.
        accumulator: set when raised by a stream: everything received before the error.
    """

    def __init__(
        self,
        reason: str,
        *,
        event: str | None = None,
        ordinal: int | None = None,
        offset: int | None = None,
        preview: str | None = None,
        accumulator: Accumulator | None = None,
    ) -> None:
        self.reason = reason
        self.accumulator = accumulator
        self.event = event
        self.ordinal = ordinal
        self.offset = offset
        self.preview = preview
        where = []
        if event is not None:
            where.append(f"event {event!r}")
        if ordinal is not None:
            where.append(f"#{ordinal}")
        if offset is not None:
            where.append(f"at byte {offset}")
        message = reason if not where else f"{reason} ({', '.join(where)})"
        if preview is not None:
            message += f": {preview!r}"
        super().__init__(message)


class EventTooLargeError(StreamDecodeError):
    """Raised when one event or one line exceeds the decoder's ``max_event_size``.

    A broken or hostile server could otherwise make the decoder buffer without limit.
    """


class ServerStreamError(RunstreamError):
    """Raised after the server sent an ``error`` event on the stream.

    Attributes:
        code: the error code (may be ``None``).
        message: the human-readable message.
        type: the error type, e.g. ``"server_error"``.
        param: the parameter the error relates to (may be ``None``).
        ordinal: the 0-based position of the error event in the stream, or ``None``.
        offset: the byte offset in the stream where the error event starts, or ``None``.
        accumulator: everything received before the error.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        ordinal: int | None = None,
        offset: int | None = None,
        accumulator: Accumulator | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.type = type
        self.param = param
        self.ordinal = ordinal
        self.offset = offset
        self.accumulator = accumulator
        label = " ".join(part for part in (type, f"[{code}]" if code else None) if part)
        text = f"{label}: {message}" if label else message
        where = []
        if ordinal is not None:
            where.append(f"event #{ordinal}")
        if offset is not None:
            where.append(f"at byte {offset}")
        super().__init__(f"{text} ({', '.join(where)})" if where else text)


class IncompleteStreamError(RunstreamError):
    """Raised when a stream ends before its run reached a terminal or requires_action status.

    Attributes:
        accumulator: the state built from every event received before the end, so partial
            snapshots stay readable.
        last_status: the run status last seen, or ``None`` if no run event arrived.
        offset: the number of bytes received.
    """

    def __init__(
        self,
        message: str,
        *,
        accumulator: Accumulator | None = None,
        last_status: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.accumulator = accumulator
        self.last_status = last_status
        self.offset = offset
        super().__init__(message)


class APIError(RunstreamError):
    """Raised when an HTTP request gets a non-2xx response, or a stream a non-SSE one.

    Attributes:
        status_code: the HTTP status.
        body: the decoded JSON error body when there is one, else the text (only the
            head of a body larger than ``ERROR_BODY_LIMIT``, 1 MiB).
        headers: the response headers (names lower-cased; empty when there was no response).
        retry_after: seconds the server asked to wait before retrying (from
            ``retry-after-ms``, or ``retry-after`` in seconds or as an HTTP date), ``None``
            when it did not say.
        request_id: the server's request id header, if any.
        code: the error code from an ``{"error": {...}}`` body, if any.
        type: the error type from the body, if any.
        param: the parameter the error is about, from the body, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.retry_after = retry_after
        self.status_code = status_code
        self.body = body
        self.headers: dict[str, str] = {key.lower(): value for key, value in (headers or {}).items()}
        if request_id is None:
            request_id = self.headers.get("x-request-id") or self.headers.get("apim-request-id")
        self.request_id = request_id
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        self.code = error.get("code")
        self.type = error.get("type")
        self.param = error.get("param")
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(f"HTTP {status_code}: {message}{suffix}")
class StreamConnectionError(IncompleteStreamError):
    """Raised when the connection fails, times out or is cut before the run reached a
    resting status. The accumulator holds everything received: re-sync from it.

    Attributes:
        timeout: ``True`` when the cause was a timeout.
    """

    def __init__(
        self,
        message: str,
        *,
        accumulator: Accumulator | None = None,
        last_status: str | None = None,
        offset: int | None = None,
        timeout: bool = False,
    ) -> None:
        self.timeout = timeout
        super().__init__(message, accumulator=accumulator, last_status=last_status, offset=offset)


class APIConnectionError(RunstreamError):
    """Raised when an HTTP request cannot be sent or answered: connection refused, reset,
    or timed out before a response arrived.

    Attributes:
        timeout: ``True`` when the cause was a timeout.
    """

    def __init__(self, message: str, *, timeout: bool = False) -> None:
        self.timeout = timeout
        super().__init__(message)


class IdleTimeoutError(StreamConnectionError):
    """Raised when a stream delivers no event for ``idle_timeout`` seconds. Keep-alive
    comments and stray bytes do not count as events, so a server that only keeps the
    connection busy still times out. The accumulator holds everything received.

    Attributes:
        idle_timeout: the limit that passed, in seconds.
    """

    def __init__(
        self,
        message: str,
        *,
        idle_timeout: float,
        accumulator: Accumulator | None = None,
        last_status: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.idle_timeout = idle_timeout
        super().__init__(message, accumulator=accumulator, last_status=last_status, offset=offset, timeout=True)


class ResyncError(RunstreamError):
    """Raised when re-sync cannot bring an accumulator up to date with the server."""


class NoRunToResyncError(ResyncError, ValueError):
    """Raised when re-sync is asked for but no run was seen and no ``thread_id`` names where to
    look. Also a `ValueError`, as it was before it had a name of its own."""


class ResyncTimeoutError(ResyncError, TimeoutError):
    """Raised when re-sync's ``timeout`` passes before the run appears or comes to rest. Also a
    `TimeoutError`, as it was before it had a name of its own."""


class ToolCallError(RunstreamError):
    """Raised when a registered tool raised and the tool loop is told to raise instead of
    submitting the error text; ``__cause__`` is the tool's exception."""


def __getattr__(name: str) -> Any:
    if name == "RunStreamError":
        import warnings

        warnings.warn(
            "runstream.errors.RunStreamError is deprecated: use ServerStreamError",
            DeprecationWarning,
            stacklevel=2,
        )
        return ServerStreamError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
