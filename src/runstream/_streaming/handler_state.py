"""The state every event handler shares: its accumulator, the current event, the accessors.

`EventHandler` (generated, ``handler.py``) and `AsyncEventHandler` (``async_handler.py``)
both derive from `HandlerState`; the routing from notifications to their ``on_*`` callbacks
is `_core/callbacks.py`, looked up once per handler class.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from .._core.accumulator import Accumulator
from .._core.callbacks import Route, routes_for
from .._core.delta_listener import LISTENED_CALLBACKS, DeltaListener
from .._core.events import AssistantStreamEvent
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep

__all__ = ["HandlerState"]


class HandlerState:
    """State and read accessors shared by the sync and async handlers."""

    #: The accumulator of the stream this handler is attached to (set by the stream).
    accumulator: Accumulator | None = None
    #: The event being handled.
    current_event: AssistantStreamEvent | None = None

    @property
    def current_run(self) -> Run | None:
        """The latest run."""
        return self.accumulator.current_run if self.accumulator is not None else None

    @property
    def current_run_step_snapshot(self) -> RunStep | None:
        """The snapshot of the run step the latest step event was about."""
        accumulator = self.accumulator
        if accumulator is None or accumulator.current_step_id is None:
            return None
        return accumulator.run_step(accumulator.current_step_id)

    @property
    def current_message_snapshot(self) -> Message | None:
        """The snapshot of the message the latest message event was about."""
        accumulator = self.accumulator
        if accumulator is None or accumulator.current_message_id is None:
            return None
        return accumulator.message(accumulator.current_message_id)

    #: The handler class whose callbacks do nothing (`EventHandler` or `AsyncEventHandler`):
    #: what a subclass overrides is what it listens to.
    _callbacks_base: ClassVar[type[HandlerState]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if HandlerState in cls.__bases__:
            cls._callbacks_base = cls

    @property
    def listens(self) -> bool:
        """Whether this handler overrides ``dispatch`` or any callback an event can reach (if not, streams
        skip building notifications for it)."""
        handler_class, base = type(self), self._callbacks_base
        # A handler that overrides dispatch itself sees every event through it.
        overrides = any(getattr(handler_class, name) is not getattr(base, name) for name in ("on_event", "dispatch"))
        return overrides or bool(self._routes())

    @property
    def drains(self) -> bool:
        """Whether streams may merge runs of raw events on the fast path (see
        ``_core/drain.py``): unless the handler overrides ``dispatch``, which must see
        every event."""
        base = self._callbacks_base
        return not self.listens or getattr(type(self), "dispatch") is getattr(base, "dispatch")

    def _delta_listener(self, dispatch: Callable[..., Any], emit: bool) -> DeltaListener | None:
        """Who listens to the runs `merge_run` merges: this handler, if it listens (with
        the callbacks merge_run calls itself, those it overrides, and ``dispatch`` for the
        rest), and a reader of every event when ``emit``; ``None`` for nobody."""
        if not self.listens:
            return DeltaListener(None, None, {}, emit) if emit else None
        handler_class, base = type(self), self._callbacks_base
        callbacks = {
            name: getattr(self, name)
            for name in LISTENED_CALLBACKS
            if getattr(handler_class, name) is not getattr(base, name)
        }
        return DeltaListener(self, dispatch, callbacks, emit, self._routes())

    def _routes(self) -> dict[type, Route]:
        handler_class = type(self)
        routes = _ROUTE_CACHE.get(handler_class)
        if routes is None:
            routes = _ROUTE_CACHE[handler_class] = routes_for(handler_class, self._callbacks_base)
        return routes


_ROUTE_CACHE: dict[type, dict[type, Route]] = {}
