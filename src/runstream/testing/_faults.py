"""Fault injection for the fake server: broken streams and failing requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._wire import WireEvent

__all__ = [
    "DEFAULT_BAD_EVENT",
    "HTTPFault",
    "StreamFault",
    "StreamPlan",
    "error_body",
    "plan_stream",
]

#: A ``thread.message.delta`` whose data is cut-off JSON: what a corrupted event looks like.
DEFAULT_BAD_EVENT = b'event: thread.message.delta\ndata: {"id":"msg_broken","object":"thread.me\n\n'


@dataclass(frozen=True)
class StreamFault:
    """A fault in the streamed responses of matching runs.

    Byte offsets count the response body as sent (after a bad event is inserted). A
    dropped or cut stream leaves the server's run where the last completely sent event
    put it; after ``stale_reads`` reads of that run (retrieve run, list or retrieve steps)
    the run catches up with the end of the segment, as the real service keeps running a
    run whose stream broke.

    Attributes:
        run_id: the run whose streams break (``None``: every run).
        segment: the segment whose stream breaks (``None``: every segment).
        drop_at: close the connection abruptly once this many body bytes are sent (the
            chunked body stays incomplete, so the client sees a protocol error).
        end_at: end the response cleanly once this many body bytes are sent (a truncated
            but well-formed stream, e.g. one without ``done``).
        stall_at: once this many body bytes are sent, send nothing for ``stall_for``
            seconds.
        stall_for: how long the stall lasts at most: it ends when the client hangs up
            (the run then goes on to the end of the segment, as the service's does).
        bad_event_at: insert ``bad_event`` before the event with this index.
        bad_event: the bytes to insert.
        stale_reads: how many reads still see the broken-off state (``None``: forever).
    """

    run_id: str | None = None
    segment: int | None = 0
    drop_at: int | None = None
    end_at: int | None = None
    stall_at: int | None = None
    stall_for: float = 0.0
    bad_event_at: int | None = None
    bad_event: bytes = DEFAULT_BAD_EVENT
    stale_reads: int | None = 1

    def matches(self, run_id: str, segment: int) -> bool:
        """Whether the fault applies to the stream of ``segment`` of ``run_id``."""
        return (self.run_id is None or self.run_id == run_id) and (
            self.segment is None or self.segment == segment
        )


@dataclass(frozen=True)
class HTTPFault:
    """Answer the ``nth`` matching request with an error status instead of serving it.

    The request is not processed, so a retry of it works (unless another fault matches).

    Attributes:
        nth: which matching request fails, counting from 1.
        status: the HTTP status, e.g. 500, 429 or 503.
        match: a substring of ``"METHOD /path"`` the request must contain to count (e.g.
            ``"submit_tool_outputs"`` or ``"POST "``); ``None`` counts every request.
        body: the JSON body (an ``{"error": {...}}`` envelope for the status by default).
        headers: extra response headers, e.g. ``{"retry-after": "1"}``.
    """

    nth: int = 1
    status: int = 500
    match: str | None = None
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


_ERRORS = {
    400: ("invalid_request_error", None, "Bad request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    404: ("invalid_request_error", None, "Not found."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again later.",
    ),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def error_body(
    status: int, message: str | None = None, *, code: str | None = None
) -> dict[str, Any]:
    """The service's error envelope for ``status``.

    Args:
        status: the HTTP status.
        message: the message (a stock one for the status when ``None``).
        code: the error code (the stock one for the status when ``None``).
    """
    kind, stock_code, stock_message = _ERRORS.get(
        status,
        ("server_error" if status >= 500 else "invalid_request_error", None, "Request failed."),
    )
    return {
        "error": {
            "message": message or stock_message,
            "type": kind,
            "param": None,
            "code": code if code is not None else stock_code,
        }
    }


@dataclass
class StreamPlan:
    """How one streamed response is written.

    Attributes:
        body: the bytes to send (bad events inserted).
        event_ends: ``(end offset, event)`` of every event, in order; the server applies an
            event's object once its last byte is written.
        cuts: the offsets after which a write ends, ascending, the last being ``limit``.
        limit: where sending stops (the body's length unless dropped or cut).
        drop: whether the connection is closed abruptly at ``limit``.
        stalls: seconds to pause at an offset.
        stale_reads: for a broken stream, how many reads see the broken-off state.
    """

    body: bytes
    event_ends: list[tuple[int, WireEvent]]
    cuts: list[int]
    limit: int
    drop: bool = False
    stalls: dict[int, float] = field(default_factory=dict)
    stale_reads: int | None = 1

    @property
    def broken(self) -> bool:
        """Whether the response stops before the end of the body."""
        return self.limit < len(self.body)


def plan_stream(
    events: Sequence[WireEvent], faults: Sequence[StreamFault], chunk_size: int | None
) -> StreamPlan:
    """Lay out one streamed response: body, write boundaries and faults.

    Args:
        events: the segment's events.
        faults: the faults that apply to this stream.
        chunk_size: bytes per write (``None``: one write per event).
    """
    bad_events = {f.bad_event_at: f.bad_event for f in faults if f.bad_event_at is not None}
    parts: list[bytes] = []
    event_ends: list[tuple[int, WireEvent]] = []
    offset = 0
    for index, event in enumerate([*events, None]):
        if index in bad_events:
            bad = bad_events[index]
            parts.append(bad)
            offset += len(bad)
            event_ends.append((offset, WireEvent("", b"", bad, None)))
        if event is not None:
            parts.append(event.raw)
            offset += len(event.raw)
            event_ends.append((offset, event))
    body = b"".join(parts)
    stops = [f.drop_at for f in faults if f.drop_at is not None]
    stops += [f.end_at for f in faults if f.end_at is not None]
    limit = min([len(body), *(max(0, s) for s in stops)])
    drop = any(f.drop_at is not None and f.drop_at == limit for f in faults) and limit < len(body)
    stalls: dict[int, float] = {}
    for f in faults:
        if f.stall_at is not None and f.stall_for > 0:
            stalls[f.stall_at] = stalls.get(f.stall_at, 0.0) + f.stall_for
    if chunk_size:
        cuts = set(range(chunk_size, len(body), chunk_size))
    else:
        cuts = {end for end, event in event_ends if event.raw}
    cuts |= set(stalls)
    cuts = {c for c in cuts if 0 < c < limit}
    cuts.add(limit)
    stale = [f.stale_reads for f in faults if f.drop_at is not None or f.end_at is not None]
    return StreamPlan(
        body=body,
        event_ends=event_ends,
        cuts=sorted(cuts),
        limit=limit,
        drop=drop,
        stalls=stalls,
        # None (stay stale forever) wins over any count; otherwise the largest count.
        stale_reads=None if None in stale else max(stale, default=1),
    )
