"""What the sync and async dialect streams (Responses API, Chat Completions) share: their
state, the hooks a dialect fills in, and what an incomplete stream means."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import IncompleteStreamError, RunstreamError
from .dialect import DialectUpdate, lazy_update
from .stream_core import StreamCore, source_response

__all__ = ["DialectStreamBase"]


class DialectStreamBase(StreamCore):
    """State shared by the sync and async dialect streams; dialect subclasses set the class
    attributes and may refine `_error_for`, `_incomplete_reason` and `snapshot_for`."""

    _decoder_class: Callable[[], Any]
    _accumulator_class: Callable[[], Any]
    _default_handler: Callable[[], Any]
    #: The event classes that stand for an error (`_error_for` turns them into one).
    _error_event_types: frozenset[type] = frozenset()
    #: ``until_done()`` with a handler that listens to nothing reads batches through
    #: `_drain_batch`, the dialect's fast path.
    _drains = True
    #: ... and takes runs of one event type whole, as `UniformRun`s (see `SSEDecoder.feed_runs`).
    _uniform_runs = True

    def __init__(self, source: Any, handler: Any, accumulator: Any, max_event_size: int,
                 idle_timeout: float | None, lock: Any) -> None:
        super().__init__(handler if handler is not None else self._default_handler(),
                         accumulator if accumulator is not None else self._accumulator_class(),
                         max_event_size, idle_timeout, lock)
        self._source_object = source
        self._response = source_response(source)

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

    def _snapshot_source(self, event: Any) -> tuple[Callable[[Any], Any], Any] | None:
        """`snapshot_for`, lazily: what builds the snapshot and its source as it is now
        (``None`` for an event about no object); the snapshot is built when read."""
        snapshot = self.snapshot_for(event)
        return (_itself, snapshot) if snapshot is not None else None

    def _update_for(self, event: Any) -> DialectUpdate:
        """The update ``snapshots()`` yields for ``event``, its snapshot lazy."""
        source = self._snapshot_source(event)
        return lazy_update(event, *source) if source is not None else DialectUpdate(event, None)

    def _drain_batch(self, batch: list[Any], decoder: Any) -> tuple[Any, int] | None:
        """Merge a batch (`ServerSentEvent`s, and `RawRun`s where the dialect's fast path
        takes them) quietly; if an event that stands for an error stopped it, return that
        event and its byte offset (it is the last one ``decoder`` numbered)."""
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

    def _drain(self, batch: list[Any], decoder: Any, source: Any) -> None:
        """One batch of the fast path; raises the error an error event stands for."""
        stopped_by = self._drain_batch(batch, decoder)
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


def _itself(snapshot: Any) -> Any:
    return snapshot
