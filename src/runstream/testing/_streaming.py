"""Write one segment as an SSE response: chunking, delays, faults and cancellation."""

from __future__ import annotations

from typing import Any, Protocol

import anyio

from ._faults import StreamFault, plan_stream
from ._http import HTTPConnection
from ._replies import StreamReply
from ._run_renderer import cancel_events, cancel_time
from ._wire import WireEvent

__all__ = ["stream_segment"]

_GONE = (anyio.BrokenResourceError, anyio.ClosedResourceError)


class _Settings(Protocol):
    chunk_size: int | None
    chunk_delay: float
    stream_faults: list[StreamFault]


async def stream_segment(
    connection: HTTPConnection, reply: StreamReply, headers: dict[str, str], settings: _Settings
) -> None:
    """Send segment ``reply.segment`` of the run, updating the run's state as each event's
    last byte goes out.

    Args:
        connection: the client connection.
        reply: the run and segment.
        headers: extra response headers.
        settings: the server's chunking, delay and faults.
    """
    record = reply.record
    sent = record.segment(reply.segment)
    state = record.state_segment(reply.segment)
    # What is sent may lack file_search contents; the state keeps them for include[] reads.
    events = [e._replace(obj=s.obj) for e, s in zip(sent, state, strict=True)]
    events[:0] = reply.prefix
    faults = [f for f in settings.stream_faults if f.matches(record.run_id, reply.segment)]
    chunk_size = getattr(record.script, "chunk_size", None) or settings.chunk_size
    plan = plan_stream(events, faults, chunk_size)
    ends = plan.event_ends
    applied = 0
    written = 0

    def apply_sent() -> None:
        nonlocal applied
        while applied < len(ends) and ends[applied][0] <= written:
            record.apply(ends[applied][1].obj)
            applied += 1

    def remaining() -> list[WireEvent]:
        return [event for _, event in ends[applied:]]

    record.streaming = True
    try:
        await connection.start_stream(headers)
        for number, cut in enumerate(plan.cuts):
            if record.cancel_requested:
                await _end_cancelled(connection, record, plan.body, written, ends[applied:])
                return
            await connection.send_data(plan.body[written:cut])
            written = cut
            apply_sent()
            if cut in plan.stalls:
                await _stall(record, plan.stalls[cut], connection)
            if settings.chunk_delay and number < len(plan.cuts) - 1:
                await anyio.sleep(settings.chunk_delay)
        if record.cancel_requested:
            if applied < len(ends):
                await _end_cancelled(connection, record, plan.body, written, ends[applied:])
                return
            # The whole segment went out before the cancel was seen: the run (waiting for
            # tool outputs) is cancelled without a stream to tell.
            record.cancel_requested = False
            if record.run is not None and record.run["status"] == "requires_action":
                for event in cancel_events(record.run, cancel_time(record.run)):
                    record.apply(event.obj)
        if plan.broken:
            record.fall_behind(remaining(), plan.stale_reads)
            if plan.drop:
                await connection.abort()
                return
        await connection.end_stream()
    except _GONE:
        # The client hung up; the service would run the run to its end all the same.
        record.fall_behind(remaining(), 0)
        raise
    finally:
        record.streaming = False


async def _stall(record: Any, seconds: float, connection: HTTPConnection) -> None:
    """Send nothing for ``seconds``. A cancel request ends the stall early, as the service
    ends a cancelled run's stream whether or not it was busy; so does the client hanging up
    (raised as a broken connection: the run then goes on to its end, as the service's does,
    instead of waiting for the stall to pass)."""
    hung_up = False
    async with anyio.create_task_group() as group:

        async def watch() -> None:
            nonlocal hung_up
            await connection.wait_for_hangup()
            hung_up = True
            group.cancel_scope.cancel()

        group.start_soon(watch)
        deadline = anyio.current_time() + seconds
        while not record.cancel_requested:
            left = deadline - anyio.current_time()
            if left <= 0:
                break
            await anyio.sleep(min(left, 0.01))
        group.cancel_scope.cancel()
    if hung_up:
        raise anyio.BrokenResourceError("the client hung up during a stall")


async def _end_cancelled(
    connection: HTTPConnection,
    record: Any,
    body: bytes,
    written: int,
    ends: list[tuple[int, WireEvent]],
) -> None:
    """Finish the event being written, then end the stream as a cancelled run's ends."""
    record.cancel_requested = False
    if ends and ends[0][0] > written:
        await connection.send_data(body[written : ends[0][0]])
        record.apply(ends[0][1].obj)
    closing = cancel_events(record.run, cancel_time(record.run))
    for event in closing:
        await connection.send_data(event.raw)
        record.apply(event.obj)
    record.behind = []
    await connection.end_stream()
