"""What the Chat Completions and Responses streams share: handler dispatch and the sync and
async stream drivers.

A dialect brings three sans-IO pieces: a decoder (``ServerSentEvent`` -> typed event, or
``None`` for an end marker such as ``[DONE]``), an accumulator (``feed`` returns
notifications, ``update`` merges quietly, ``done_marker`` takes the end marker, ``end`` the
end of the stream) and a route table (notification type -> the ``on_*`` calls it stands for). The
drivers below put them on every source `runstream` reads (bytes, files, iterables, httpx
responses; see `runstream._streaming.sources`) through the same `SSEDecoder`, and translate
transport errors at the seam as `RunStream` does.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import aclosing
from typing import Any

import anyio
import httpx
import msgspec

from .._core.sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder
from ..errors import IncompleteStreamError, RunstreamError, StreamConnectionError, StreamDecodeError
from .sources import Source, aclose_unopened, close_unopened, offset_of, open_async_source, open_source

__all__ = ["AsyncDialectStream", "DialectHandler", "DialectStream", "DialectUpdate", "RouteTable"]

Call = tuple[str, tuple[Any, ...]]
#: Notification type -> (route: (notification, accumulator) -> calls, the callbacks it reaches).
RouteTable = dict[type, tuple[Callable[[Any, Any], list[Call]], tuple[str, ...]]]


class DialectUpdate(msgspec.Struct, frozen=True, gc=False):
    """One event and the snapshot it changed (see the streams' ``snapshots()``).

    Attributes:
        event: the typed event.
        snapshot: the object the event was about, as the API's JSON, as it is after the
            event; ``None`` for events about no object.
    """

    event: Any
    snapshot: Any


class DialectHandler:
    """Base of the dialects' handlers: ``dispatch`` routes notifications to the ``on_*``
    callbacks a subclass overrides (routes to the others are dropped once per class, so a
    callback nobody overrides costs nothing)."""

    #: Set by each dialect's handler base: its route table.
    _route_table: RouteTable = {}
    #: The accumulator of the stream this handler is attached to (set by the stream).
    accumulator: Any = None
    #: The event being handled.
    current_event: Any = None

    @classmethod
    def _handler_base(cls) -> type[DialectHandler]:
        for klass in cls.__mro__:
            if "_route_table" in klass.__dict__:
                return klass
        return DialectHandler

    @classmethod
    def _routes(cls) -> dict[type, Callable[[Any, Any], list[Call]]]:
        routes = cls.__dict__.get("_route_cache")
        if routes is None:
            base = cls._handler_base()
            overridden = {
                name
                for _, names in cls._route_table.values()
                for name in names
                if getattr(cls, name, None) is not getattr(base, name, None)
            }
            routes = {
                kind: route for kind, (route, names) in cls._route_table.items() if overridden.intersection(names)
            }
            cls._route_cache = routes  # type: ignore[attr-defined]
        return routes  # type: ignore[no-any-return]

    @property
    def listens(self) -> bool:
        """Whether this handler overrides any callback (if not, streams skip notifications)."""
        cls = type(self)
        return cls.on_event is not cls._handler_base().on_event or bool(cls._routes())

    def _routed_calls(self, notifications: list[Any]) -> list[Call]:
        """The callback calls the notifications stand for."""
        routes = self._routes()
        if not routes or not notifications:
            return []
        calls: list[Call] = []
        accumulator = self.accumulator
        for notification in notifications:
            route = routes.get(type(notification))
            if route is not None:
                calls.extend(route(notification, accumulator))
        return calls

    def dispatch(self, event: Any, notifications: list[Any]) -> None:
        """Call ``on_event`` (when there is an event) and then the routed callbacks."""
        if event is not None:
            self.current_event = event
            self.on_event(event)
        if notifications:
            # The hot path of a handler with callbacks: no intermediate list of calls.
            routes = type(self).__dict__.get("_route_cache")
            if routes is None:
                routes = self._routes()
            if not routes:
                return
            accumulator = self.accumulator
            for notification in notifications:
                route = routes.get(type(notification))
                if route is not None:
                    for name, arguments in route(notification, accumulator):
                        getattr(self, name)(*arguments)

    def on_event(self, event: Any) -> None:
        """Every event, after it was accumulated."""

    def on_exception(self, exception: Exception) -> None:
        """The stream failed (called before the exception propagates)."""

    def on_timeout(self) -> None:
        """The stream timed out."""

    def on_end(self) -> None:
        """The stream ended (normally or not)."""


class _DialectBase:
    """State shared by the sync and async drivers; dialect subclasses set the class
    attributes and may refine `_error_for`, `_incomplete_reason` and `snapshot_for`."""

    _decoder_class: Callable[[], Any]
    _accumulator_class: Callable[[], Any]
    _default_handler: Callable[[], Any]
    #: The event classes that stand for an error (`_error_for` turns them into one).
    _error_event_types: frozenset[type] = frozenset()

    def __init__(self, source: Any, handler: Any, accumulator: Any, max_event_size: int) -> None:
        self.accumulator = accumulator if accumulator is not None else self._accumulator_class()
        self.handler = handler if handler is not None else self._default_handler()
        self.handler.accumulator = self.accumulator
        self.max_event_size = max_event_size
        #: Whether the end marker (``[DONE]``) arrived.
        self.done_received = False
        #: Whether the stream was read to its end (normally or not).
        self.ended = False
        self.bytes_received = 0
        self._source_object = source
        self._source: Source | None = None

    # Dialect hooks ---------------------------------------------------------------------------

    def _error_for(self, event: Any, ordinal: int, offset: int | None) -> RunstreamError | None:
        """The error an event stands for (an ``error`` event, the ``ordinal``-th of the
        stream, at byte ``offset``), or ``None``."""
        return None

    def _incomplete_reason(self) -> str | None:
        """Why the stream, now ended, is incomplete; ``None`` when it is complete."""
        return None

    def snapshot_for(self, event: Any) -> Any:
        """The snapshot ``event`` was about, as it is now."""
        return None

    def _drain_batch(self, batch: list[Any], decoder: Any) -> tuple[Any, int] | None:
        """Merge a batch (`ServerSentEvent`s) quietly; if an event that stands for an error
        stopped it, return that event and its byte offset (it is the last ``decoder``
        numbered). The dialect's fast path, which also takes `RawRun`s, replaces this."""
        accumulator = self.accumulator
        for sse in batch:
            event = decoder.decode(sse)
            if event is None:
                accumulator.done_marker()
            else:
                accumulator.update(event)
                if type(event) in self._error_event_types:
                    return event, sse.offset
        return None

    def _drain(self, batch: list[Any], decoder: Any, source: Source) -> None:
        stopped_by = self._drain_batch(batch, decoder)
        if self.accumulator.done:
            self.done_received = True
        if stopped_by is not None:
            event, offset = stopped_by
            error = self._error_for(event, decoder.ordinal - 1, offset if source.kind == "bytes" else None)
            if error is not None:
                raise error

    # Shared ----------------------------------------------------------------------------------

    def _incomplete(self) -> IncompleteStreamError | None:
        reason = self._incomplete_reason()
        if reason is None:
            return None
        return IncompleteStreamError(
            f"the stream ended before it was complete ({reason}; {self.bytes_received} bytes received)",
            accumulator=self.accumulator,
            offset=self.bytes_received,
        )

    def _translate(self, error: BaseException) -> BaseException:
        """Turn a transport error into runstream's, keeping what was received."""
        if isinstance(error, RunstreamError):
            if getattr(error, "accumulator", None) is None:
                error.accumulator = self.accumulator  # type: ignore[attr-defined]
            return error
        if isinstance(error, httpx.DecodingError):
            decode_error = StreamDecodeError(
                f"the response body could not be decoded ({error}); {self.bytes_received} bytes received",
                offset=self.bytes_received,
            )
            decode_error.accumulator = self.accumulator  # type: ignore[attr-defined]
            return decode_error
        if isinstance(error, httpx.TransportError):
            timeout = isinstance(error, httpx.TimeoutException)
            return StreamConnectionError(
                f"{'timed out' if timeout else 'connection lost'} while streaming "
                f"({type(error).__name__}: {error}; {self.bytes_received} bytes received)",
                accumulator=self.accumulator,
                offset=self.bytes_received,
                timeout=timeout,
            )
        return error


class DialectStream(_DialectBase):
    """The synchronous driver: iterate it for typed events."""

    def __init__(
        self,
        source: Any,
        handler: Any = None,
        *,
        accumulator: Any = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        super().__init__(source, handler, accumulator, max_event_size)
        self._iterator: Iterator[Any] | None = None

    def __iter__(self) -> Iterator[Any]:
        if self._iterator is None:
            self._iterator = self._events()
        return self._iterator

    def __next__(self) -> Any:
        return next(iter(self))

    def __enter__(self) -> Any:
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

    def _events(self, drain: bool = False) -> Iterator[Any]:
        # drain: nobody wants the events one by one (until_done, a handler that listens to
        # nothing): batches go to the dialect's `_drain_batch`, its fast path.
        handler = self.handler
        accumulator = self.accumulator
        event_decoder = self._decoder_class()
        decode = event_decoder.decode
        feed = accumulator.feed
        update = accumulator.update
        listens = handler.listens
        error_types = self._error_event_types
        handler_error: Exception | None = None
        try:
            source = self._source = open_source(self._source_object)
            for batch in self._batches(source, drain):
                if drain:
                    self._drain(batch, event_decoder, source)
                    continue
                for sse in batch:
                    event = decode(sse)
                    if event is None:
                        self.done_received = True
                        notes = accumulator.done_marker()
                        if listens:
                            try:
                                handler.dispatch(None, notes)
                            except Exception as raised_by_handler:
                                handler_error = raised_by_handler
                                raise
                        continue
                    if listens:
                        notes = feed(event)
                        try:
                            handler.dispatch(event, notes)
                        except Exception as raised_by_handler:
                            handler_error = raised_by_handler
                            raise
                    else:
                        update(event)
                    if type(event) in error_types:
                        event_error = self._error_for(event, event_decoder.ordinal - 1, offset_of(sse, source))
                        if event_error is not None:
                            raise event_error
                    yield event
            self.ended = True
            notes = accumulator.end()
            if listens and notes:
                try:
                    handler.dispatch(None, notes)
                except Exception as raised_by_handler:
                    handler_error = raised_by_handler
                    raise
            incomplete = self._incomplete()
            if incomplete is not None:
                raise incomplete
        except Exception as raised:
            self.ended = True
            if raised is handler_error:
                error: BaseException = raised
            else:
                error = self._translate(raised)
                if getattr(error, "timeout", False):
                    handler.on_timeout()
            handler.on_exception(error)
            handler.on_end()
            if error is raised:
                raise
            raise error from raised
        finally:
            if self._source is not None:
                self._source.close()
        handler.on_end()

    def until_done(self) -> Any:
        """Read the stream to its end."""
        if self._iterator is None and not self.handler.listens:
            self._iterator = self._events(drain=True)
        for _ in self:
            pass
        return self

    def snapshots(self) -> Iterator[DialectUpdate]:
        """Iterate the stream as (event, snapshot it changed) updates."""
        for event in self:
            yield DialectUpdate(event, self.snapshot_for(event))


class AsyncDialectStream(_DialectBase):
    """The asynchronous driver (anyio: asyncio and trio): ``async for`` it for typed events.
    Handler callbacks may be plain functions or coroutines."""

    def __init__(
        self,
        source: Any,
        handler: Any = None,
        *,
        accumulator: Any = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        super().__init__(source, handler, accumulator, max_event_size)
        self._iterator: AsyncIterator[Any] | None = None

    def __aiter__(self) -> AsyncIterator[Any]:
        if self._iterator is None:
            self._iterator = self._events()
        return self._iterator

    async def __anext__(self) -> Any:
        return await self.__aiter__().__anext__()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and release the source, even when the task is being cancelled."""
        with anyio.CancelScope(shield=True):
            if self._iterator is not None:
                await self._iterator.aclose()  # type: ignore[attr-defined]
            if self._source is not None:
                await self._source.aclose()
            elif self._iterator is None:
                await aclose_unopened(self._source_object)

    async def _call(self, name: str, *arguments: Any) -> None:
        result = getattr(self.handler, name)(*arguments)
        if result is not None and hasattr(result, "__await__"):
            await result

    async def _dispatch(self, event: Any, notes: list[Any]) -> None:
        if event is not None:
            self.handler.current_event = event
            await self._call("on_event", event)
        if notes:
            for name, arguments in self.handler._routed_calls(notes):
                await self._call(name, *arguments)

    async def _batches(self, source: Source, drain: bool = False) -> AsyncGenerator[Any, None]:
        if source.kind == "bytes":
            sse_decoder = SSEDecoder(self.max_event_size)
            feed = sse_decoder.feed_runs if drain else sse_decoder.feed
            async for chunk in source.items:
                self.bytes_received += len(chunk)
                yield feed(chunk)
            yield sse_decoder.end()
        else:
            async for sse in source.items:
                yield (sse,)

    async def _events(self, drain: bool = False) -> AsyncIterator[Any]:
        # drain: as in DialectStream._events.
        accumulator = self.accumulator
        event_decoder = self._decoder_class()
        decode = event_decoder.decode
        listens = self.handler.listens
        error_types = self._error_event_types
        handler_error: Exception | None = None
        try:
            source = self._source = await open_async_source(self._source_object)
            async with aclosing(self._batches(source, drain)) as batches:
                async for batch in batches:
                    if drain:
                        self._drain(batch, event_decoder, source)
                        continue
                    for sse in batch:
                        event = decode(sse)
                        if event is None:
                            self.done_received = True
                            notes = accumulator.done_marker()
                        elif listens:
                            notes = accumulator.feed(event)
                        else:
                            accumulator.update(event)
                            notes = None
                        if listens:
                            try:
                                await self._dispatch(event, notes)  # type: ignore[arg-type]
                            except Exception as raised_by_handler:
                                handler_error = raised_by_handler
                                raise
                        if event is None:
                            continue
                        if type(event) in error_types:
                            event_error = self._error_for(event, event_decoder.ordinal - 1, offset_of(sse, source))
                            if event_error is not None:
                                raise event_error
                        yield event
            self.ended = True
            notes = accumulator.end()
            if listens and notes:
                try:
                    await self._dispatch(None, notes)
                except Exception as raised_by_handler:
                    handler_error = raised_by_handler
                    raise
            incomplete = self._incomplete()
            if incomplete is not None:
                raise incomplete
        except Exception as raised:
            self.ended = True
            if raised is handler_error:
                error: BaseException = raised
            else:
                error = self._translate(raised)
                if getattr(error, "timeout", False):
                    await self._call("on_timeout")
            await self._call("on_exception", error)
            await self._call("on_end")
            if error is raised:
                raise
            raise error from raised
        finally:
            if self._source is not None:
                with anyio.CancelScope(shield=True):
                    await self._source.aclose()
        await self._call("on_end")

    async def until_done(self) -> Any:
        """Read the stream to its end."""
        if self._iterator is None and not self.handler.listens:
            self._iterator = self._events(drain=True)
        async for _ in self:
            pass
        return self

    async def snapshots(self) -> AsyncIterator[DialectUpdate]:
        """Iterate the stream as (event, snapshot it changed) updates."""
        async for event in self:
            yield DialectUpdate(event, self.snapshot_for(event))
