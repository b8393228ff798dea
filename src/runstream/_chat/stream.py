"""`ChatCompletionStream` / `AsyncChatCompletionStream`: Chat Completions streams read from
bytes, files, iterables or httpx responses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from .._core.sse import DEFAULT_MAX_EVENT_SIZE
from .._streaming.async_dialect_stream import AsyncDialectStream
from .._streaming.dialect_stream import DialectStream
from ..errors import RunstreamError, ServerStreamError
from .accumulator import ChatCompletionAccumulator, completion_at
from .decoder import ChatChunkDecoder
from .drain import update_batch
from .handler import AsyncChatCompletionHandler, ChatCompletionHandler
from .models import ChatCompletion, ChatCompletionChunk, ChatErrorEvent

__all__ = ["AsyncChatCompletionStream", "ChatCompletionStream"]


class _ChatStreamMixin:
    accumulator: ChatCompletionAccumulator
    done_received: bool
    _decoder_class = ChatChunkDecoder
    _accumulator_class = ChatCompletionAccumulator
    _error_event_types: frozenset[type] = frozenset({ChatErrorEvent})

    def _error_for(self, event: Any, ordinal: int, offset: int | None) -> RunstreamError | None:
        if type(event) is not ChatErrorEvent:
            return None
        error = event.error
        return ServerStreamError(
            error.message or "the server sent an error object",
            code=error.code,
            type=error.type,
            param=error.param,
            ordinal=ordinal,
            offset=offset,
            accumulator=self.accumulator,  # type: ignore[arg-type]
        )

    def _drain_batch(self, batch: list[Any], decoder: Any) -> Any:
        # The usual content chunks of a run merged at once (see _chat/drain.py).
        return update_batch(self.accumulator, batch, decoder)

    def _incomplete_reason(self) -> str | None:
        accumulator = self.accumulator
        if accumulator.complete:
            return None
        if not accumulator.chunks_fed:
            return "no chunk arrived"
        unfinished = accumulator.unfinished_choices()
        if not unfinished:
            return "no [DONE], and no choice arrived"
        if len(unfinished) == 1:
            return f"no [DONE], and choice {unfinished[0]} has no finish_reason"
        return f"no [DONE], and choices {', '.join(map(str, unfinished))} have no finish_reason"

    def snapshot_for(self, event: Any) -> Any:
        """The completion so far, as the API's JSON (``None`` for an error event)."""
        if type(event) is ChatErrorEvent:
            return None
        return self.accumulator.completion_json()

    def _snapshot_source(self, event: Any) -> Any:
        # `snapshot_for`, lazily: what builds the snapshot, and its source as it is now.
        if type(event) is ChatErrorEvent:
            return None
        return completion_at, self.accumulator.completion_state()


class ChatCompletionStream(_ChatStreamMixin, DialectStream):
    """A Chat Completions stream, read synchronously: iterate it for `ChatCompletionChunk`s.

    Chunks are merged and handed to the handler's callbacks before they are yielded; the
    ``[DONE]`` marker ends the stream and is not yielded.

    Examples:
        >>> import runstream
        >>> body = (
        ...     b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
        ...     b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}\\n\\n'
        ...     b"data: [DONE]\\n\\n"
        ... )
        >>> runstream.ChatCompletionStream(body).final_completion().choices[0].message.content
        'Hi'

    Args:
        source: bytes, a file path, a binary file, an iterable of bytes, an httpx response,
            an httpx-sse ``EventSource``, or an iterable of server-sent events.
        handler: a `ChatCompletionHandler` (a no-op one by default).
        accumulator: continue an existing `ChatCompletionAccumulator`.
        max_event_size: the largest event the decoder buffers, in bytes.
        idle_timeout: seconds without an event after which reading fails with
            `IdleTimeoutError`, everything received kept (``None``: no limit; comments and
            keep-alive bytes do not count).

    Raises:
        ServerStreamError: (while iterating) the server sent an error object.
        IncompleteStreamError: the stream ended without ``[DONE]`` while a choice had no
            ``finish_reason`` (`StreamConnectionError` when the connection failed).
        StreamDecodeError: the bytes or a chunk's JSON could not be decoded.
        APIError: the source is an HTTP error response or not an event stream.
    """

    _default_handler = ChatCompletionHandler

    def __init__(
        self,
        source: Any,
        handler: ChatCompletionHandler | None = None,
        *,
        accumulator: ChatCompletionAccumulator | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(source, handler, accumulator=accumulator, max_event_size=max_event_size,
                         idle_timeout=idle_timeout)

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return super().__iter__()

    def __enter__(self) -> ChatCompletionStream:
        return self

    def until_done(self) -> ChatCompletionStream:
        """Read the stream to its end."""
        super().until_done()
        return self

    def final_completion(self) -> ChatCompletion:
        """Read to the end; return the completion, typed."""
        self.until_done()
        return self.accumulator.completion()

    def final_completion_json(self) -> dict[str, Any]:
        """Read to the end; return the completion as the API's JSON, every member kept."""
        self.until_done()
        return self.accumulator.completion_json()

    def text_deltas(self) -> Iterator[str]:
        """Iterate the stream as the content fragments of its first choice."""
        for chunk in self:
            for choice in chunk.choices:
                content = choice.delta.content
                if choice.index == 0 and isinstance(content, str) and content:
                    yield content

    # openai-python's name.
    get_final_completion = final_completion


class AsyncChatCompletionStream(_ChatStreamMixin, AsyncDialectStream):
    """The asynchronous twin of `ChatCompletionStream` (anyio: asyncio and trio)."""

    _default_handler = AsyncChatCompletionHandler

    def __init__(
        self,
        source: Any,
        handler: ChatCompletionHandler | None = None,
        *,
        accumulator: ChatCompletionAccumulator | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(source, handler, accumulator=accumulator, max_event_size=max_event_size,
                         idle_timeout=idle_timeout)

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return super().__aiter__()

    async def __aenter__(self) -> AsyncChatCompletionStream:
        return self

    async def until_done(self) -> AsyncChatCompletionStream:
        """Read the stream to its end."""
        await super().until_done()
        return self

    async def final_completion(self) -> ChatCompletion:
        """Read to the end; return the completion, typed."""
        await self.until_done()
        return self.accumulator.completion()

    async def final_completion_json(self) -> dict[str, Any]:
        """Read to the end; return the completion as the API's JSON, every member kept."""
        await self.until_done()
        return self.accumulator.completion_json()

    async def text_deltas(self) -> AsyncIterator[str]:
        """Iterate the stream as the content fragments of its first choice."""
        async for chunk in self:
            for choice in chunk.choices:
                content = choice.delta.content
                if choice.index == 0 and isinstance(content, str) and content:
                    yield content

    get_final_completion = final_completion
