"""Dialect handlers: what the Chat Completions and Responses handlers share, routing the
notifications of a dialect's accumulator to the ``on_*`` callbacks a subclass overrides.

A dialect brings three sans-IO pieces: a decoder (``ServerSentEvent`` -> typed event, or
``None`` for an end marker such as ``[DONE]``), an accumulator (``feed`` returns
notifications, ``update`` merges quietly, ``done_marker`` takes the end marker, ``end`` the
end of the stream) and a route table (notification type -> the ``on_*`` calls it stands
for). The dialect streams (``async_dialect_stream.py`` and the ``dialect_stream.py``
generated from it) put them on every source runstream reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

__all__ = ["DialectHandler", "DialectUpdate", "RouteTable", "lazy_update"]

Call = tuple[str, tuple[Any, ...]]
#: Notification type -> (route: (notification, accumulator) -> calls, the callbacks it reaches).
RouteTable = dict[type, tuple[Callable[[Any, Any], list[Call]], tuple[str, ...]]]


class DialectUpdate(msgspec.Struct, frozen=True, gc=False):
    """One event and the snapshot it changed (see the streams' ``snapshots()``).

    Attributes:
        event: the typed event.
        snapshot: the object the event was about, as the API's JSON, as it is after the
            event; ``None`` for events about no object. In the updates ``snapshots()``
            yields it is built when first read (so an update costs the same however long
            the text is, and reading its snapshot what the snapshot holds), and shows the
            object as it was after the event whenever it is read.
    """

    event: Any
    snapshot: Any


_SNAPSHOT = DialectUpdate.__dict__["snapshot"]  # the field's slot


class _LazyUpdate(DialectUpdate, dict=True, gc=True):  # type: ignore[misc]
    """A `DialectUpdate` whose snapshot is built on first read, from a source taken when the
    update was made (`lazy_update`): what ``snapshots()`` yields. Not reading it costs
    nothing; reading it costs what the snapshot holds, once. Equality, ``repr``, hashing,
    ``copy.copy`` and pickling read it first; msgspec's encoders read fields directly: read
    ``snapshot`` (or ``copy.copy`` the update) before encoding one."""

    def __getattr__(self, name: str) -> Any:
        source = self.__dict__.pop("_source", None) if name == "snapshot" else None
        if source is None:
            raise AttributeError(f"'DialectUpdate' object has no attribute {name!r}")
        build, state = source
        snapshot = build(state)
        _SNAPSHOT.__set__(self, snapshot)
        return snapshot

    def __eq__(self, other: Any) -> Any:
        if not isinstance(other, DialectUpdate):
            return NotImplemented
        return self.event == other.event and self.snapshot == other.snapshot

    def __ne__(self, other: Any) -> Any:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((self.event, self.snapshot))

    def __repr__(self) -> str:
        return repr(self.__copy__())

    def __copy__(self) -> DialectUpdate:
        return DialectUpdate(self.event, self.snapshot)

    def __reduce__(self) -> Any:
        return DialectUpdate, (self.event, self.snapshot)


_LazyUpdate.__name__ = _LazyUpdate.__qualname__ = "DialectUpdate"


def lazy_update(event: Any, build: Callable[[Any], Any], state: Any) -> DialectUpdate:
    """A `DialectUpdate` whose snapshot is ``build(state)``, built when first read."""
    update = _LazyUpdate(event, None)
    _SNAPSHOT.__delete__(update)
    update.__dict__["_source"] = (build, state)
    return update


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

    @property
    def drains(self) -> bool:
        """Whether ``until_done()`` may take the fast path (it does when nothing listens)."""
        return not self.listens

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

    def on_event(self, event: Any) -> Any:
        """Every event, after it was accumulated."""

    def on_exception(self, exception: Exception) -> Any:
        """The stream failed (called before the exception propagates)."""

    def on_timeout(self) -> Any:
        """The stream timed out."""

    def on_end(self) -> Any:
        """The stream ended (normally or not)."""
