"""`ResponseStream` / `AsyncResponseStream`: Responses API streams read from bytes, files,
iterables or httpx responses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from .._core.sse import DEFAULT_MAX_EVENT_SIZE, RawRun, UniformRun
from .._streaming.async_dialect_stream import AsyncDialectStream
from .._streaming.dialect_stream import DialectStream
from ..errors import RunstreamError, ServerStreamError
from .accumulator import ResponseAccumulator, response_at
from .builders import item_at
from .decoder import ResponseEventDecoder
from .events import ResponseErrorEvent, ResponseStreamEvent, ResponseTextDeltaEvent
from .handler import AsyncResponseHandler, ResponseHandler
from .models import Response

__all__ = ["AsyncResponseStream", "ResponseStream"]


class _ResponseStreamMixin:
    accumulator: ResponseAccumulator
    _decoder_class = ResponseEventDecoder
    _accumulator_class = ResponseAccumulator
    _error_event_types: frozenset[type] = frozenset({ResponseErrorEvent})

    def _error_for(self, event: Any, ordinal: int, offset: int | None) -> RunstreamError | None:
        if type(event) is not ResponseErrorEvent:
            return None
        return ServerStreamError(
            event.message or "the server sent an error event",
            code=event.code,
            param=event.param,
            ordinal=ordinal,
            offset=offset,
            accumulator=self.accumulator,  # type: ignore[arg-type]
        )

    def _drain_batch(self, batch: list[Any], decoder: Any) -> tuple[Any, int] | None:
        # Runs of usual events merged straight from bytes (see _responses/drain.py); the
        # objects events carry are checked, not converted: nobody reads the events.
        accumulator = self.accumulator
        decoder.unread = True
        for item in batch:
            kind = type(item)
            if kind is RawRun or kind is UniformRun:
                update = accumulator.update_run if kind is RawRun else accumulator.update_uniform
                stopped_by = update(item, decoder)
                if stopped_by is not None:
                    return stopped_by
                continue
            event = decoder.decode(item)
            if event is None:
                accumulator.done_marker()
                continue
            accumulator.update(event)
            if type(event) is ResponseErrorEvent:
                return event, item.offset
        return None

    def _incomplete_reason(self) -> str | None:
        accumulator = self.accumulator
        if accumulator.complete:
            return None
        if not accumulator.events_fed:
            return "no event arrived"
        return f"no response.completed, .failed or .incomplete; last status {accumulator.status!r}"

    def snapshot_for(self, event: Any) -> Any:
        """What ``event`` was about, as the API's JSON: the output item for item events,
        the Response for ``response.*`` lifecycle events, ``None`` otherwise."""
        item_id = getattr(event, "item_id", None)
        if isinstance(item_id, str):
            return self.accumulator.item_json_by_id(item_id)
        output_index = getattr(event, "output_index", None)
        if isinstance(output_index, int):
            return self.accumulator.item_json(output_index)
        if hasattr(event, "response"):
            return self.accumulator.response_json()
        return None

    def _snapshot_source(self, event: Any) -> Any:
        # `snapshot_for`, lazily: what builds the snapshot, and its source as it is now.
        item_id = getattr(event, "item_id", None)
        if isinstance(item_id, str):
            state = self.accumulator.item_state(item_id=item_id)
            return (item_at, state) if state is not None else None
        output_index = getattr(event, "output_index", None)
        if isinstance(output_index, int):
            return item_at, self.accumulator.item_state(output_index)
        if hasattr(event, "response"):
            return response_at, self.accumulator.response_state()
        return None

    def _final(self) -> Response:
        response = self.accumulator.response()
        if response is None:
            raise RunstreamError("the stream carried no response event")
        return response


class ResponseStream(_ResponseStreamMixin, DialectStream):
    """A Responses API stream, read synchronously: iterate it for typed events.

    Events are merged and handed to the handler's callbacks before they are yielded.

    Examples:
        >>> import runstream
        >>> body = (
        ...     b'event: response.output_text.delta\\n'
        ...     b'data: {"type":"response.output_text.delta","item_id":"m","output_index":0,'
        ...     b'"content_index":0,"delta":"Hi"}\\n\\n'
        ...     b'event: response.completed\\n'
        ...     b'data: {"type":"response.completed","response":{"id":"r","status":"completed",'
        ...     b'"output":[{"type":"message","id":"m","content":[{"type":"output_text","text":"Hi"}]}]}}\\n\\n'
        ... )
        >>> runstream.ResponseStream(body).final_response().output_text
        'Hi'

    Args:
        source: bytes, a file path, a binary file, an iterable of bytes, an httpx response,
            an httpx-sse ``EventSource``, or an iterable of server-sent events.
        handler: a `ResponseHandler` (a no-op one by default).
        accumulator: continue an existing `ResponseAccumulator`.
        max_event_size: the largest event the decoder buffers, in bytes.
        idle_timeout: seconds without an event after which reading fails with
            `IdleTimeoutError`, everything received kept (``None``: no limit; comments and
            keep-alive bytes do not count).

    Raises:
        ServerStreamError: (while iterating) the server sent an ``error`` event.
        IncompleteStreamError: the stream ended before ``response.completed``, ``.failed``
            or ``.incomplete`` (`StreamConnectionError` when the connection failed).
        StreamDecodeError: the bytes or an event's JSON could not be decoded.
        APIError: the source is an HTTP error response or not an event stream.
    """

    _default_handler = ResponseHandler

    def __init__(
        self,
        source: Any,
        handler: ResponseHandler | None = None,
        *,
        accumulator: ResponseAccumulator | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(source, handler, accumulator=accumulator, max_event_size=max_event_size,
                         idle_timeout=idle_timeout)

    def __iter__(self) -> Iterator[ResponseStreamEvent]:
        return super().__iter__()

    def __enter__(self) -> ResponseStream:
        return self

    def until_done(self) -> ResponseStream:
        """Read the stream to its end."""
        super().until_done()
        return self

    def final_response(self) -> Response:
        """Read to the end; return the Response, typed."""
        self.until_done()
        return self._final()

    def final_response_json(self) -> dict[str, Any]:
        """Read to the end; return the Response as the API's JSON (the authoritative object,
        exactly as sent, when it arrived)."""
        self.until_done()
        self._final()
        return self.accumulator.response_json()  # type: ignore[return-value]

    def text_deltas(self) -> Iterator[str]:
        """Iterate the stream as its output text fragments."""
        for event in self:
            if type(event) is ResponseTextDeltaEvent:
                yield event.delta

    # openai-python's name.
    get_final_response = final_response


class AsyncResponseStream(_ResponseStreamMixin, AsyncDialectStream):
    """The asynchronous twin of `ResponseStream` (anyio: asyncio and trio)."""

    _default_handler = AsyncResponseHandler

    def __init__(
        self,
        source: Any,
        handler: ResponseHandler | None = None,
        *,
        accumulator: ResponseAccumulator | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(source, handler, accumulator=accumulator, max_event_size=max_event_size,
                         idle_timeout=idle_timeout)

    def __aiter__(self) -> AsyncIterator[ResponseStreamEvent]:
        return super().__aiter__()

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def until_done(self) -> AsyncResponseStream:
        """Read the stream to its end."""
        await super().until_done()
        return self

    async def final_response(self) -> Response:
        """Read to the end; return the Response, typed."""
        await self.until_done()
        return self._final()

    async def final_response_json(self) -> dict[str, Any]:
        """Read to the end; return the Response as the API's JSON."""
        await self.until_done()
        self._final()
        return self.accumulator.response_json()  # type: ignore[return-value]

    async def text_deltas(self) -> AsyncIterator[str]:
        """Iterate the stream as its output text fragments."""
        async for event in self:
            if type(event) is ResponseTextDeltaEvent:
                yield event.delta

    get_final_response = final_response
