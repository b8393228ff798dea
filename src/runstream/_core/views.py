"""Lazy snapshot views: what delta callbacks and ``snapshots()`` hand out.

A delta callback receives the snapshot of the object the delta changed. Building it eagerly
would copy the whole text or arguments so far for every delta (and every call of a step for
every step delta), which makes the cost of a delta grow with what was accumulated. A view is
an instance of a subclass of the snapshot's own class (``isinstance(view, Text)`` holds) whose
expensive fields are left unset until first read: reading ``view.value`` joins the text then,
once, and keeps it. Fields that cost nothing (ids, names, statuses) are set at once.

A view shows the object as it was when the view was made, whenever it is read:

- text and arguments only ever grow, so a view keeps the builder's list of pieces (changed
  only in place) and the length then, and reads that prefix (the whole string when nothing
  was appended since: no copy). It keeps the list, not the builder: the builder caches its
  view, and a view pointing back at it would make a reference cycle that keeps a finished
  object's text alive until the cycle collector runs;
- the tool calls of a run step do not fit in a constant-size record, so a step's details view
  is copied into a plain list just before its step next changes, if it is still alive then
  (a weak reference tells): a callback that drops its snapshot pays nothing for it.

Equality, ``repr``, ``copy.copy`` and pickling read every field first, so a view compares
equal to the eager snapshot of the same state. msgspec's encoders read fields directly: read
a view (or ``copy.copy`` it) before encoding it, or take the eager snapshot from the
accumulator.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable

import msgspec

from .._models.message import Text
from .._models.run_step import CodeInterpreter, Function, ToolCallsStepDetails
from .merge import join_pieces

__all__ = ["CodeInterpreterView", "FunctionView", "TextView", "ToolCallsView", "is_view", "view_class"]

_SOURCE = "_view_source"


def _materialize(view: Any) -> None:
    """Set the view's unset fields from its source (once)."""
    source = view.__dict__.pop(_SOURCE, None)
    if source is None:
        return
    cls = type(view)
    for name, value in zip(cls._lazy_fields, cls._compute(source)):
        try:
            cls._slots[name].__get__(view, cls)
        except AttributeError:  # still unset (not assigned by the reader meanwhile)
            setattr(view, name, value)


def _plain(view: Any) -> Any:
    """The view as an instance of its snapshot class (fields read, views inside too)."""
    _materialize(view)
    base = type(view)._base
    values = {}
    for name in base.__struct_fields__:
        values[name] = materialize(getattr(view, name))
    return base(**values)


def _slot(base: type, name: str) -> Any:
    for cls in base.__mro__:
        if name in cls.__dict__:
            return cls.__dict__[name]
    raise AttributeError(name)


def is_view(obj: Any) -> bool:
    """Whether ``obj`` is a lazy snapshot view."""
    return getattr(type(obj), "_is_view", False)


def view_class(base: type, lazy_fields: tuple[str, ...], compute: Callable[[Any], tuple[Any, ...]],
               weak: bool = False) -> Any:
    """A subclass of the Struct ``base`` whose ``lazy_fields`` are computed on first read by
    ``compute(source)`` (a tuple in the order of ``lazy_fields``)."""
    slots = {name: _slot(base, name) for name in lazy_fields}

    def __getattr__(self: Any, name: str) -> Any:
        if name in slots and _SOURCE in self.__dict__:
            _materialize(self)
            return slots[name].__get__(self, type(self))
        raise AttributeError(f"{base.__name__!r} object has no attribute {name!r}")

    def __eq__(self: Any, other: Any) -> Any:
        if not isinstance(other, base) or type(other) not in (base, type(self)):
            return NotImplemented
        _materialize(self)
        if type(other) is not base:
            _materialize(other)
        return all(getattr(self, name) == getattr(other, name) for name in base.__struct_fields__)

    def __ne__(self: Any, other: Any) -> Any:
        equal = __eq__(self, other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self: Any) -> str:
        return repr(_plain(self))

    def __rich_repr__(self: Any) -> Any:
        _materialize(self)
        for name in base.__struct_fields__:
            yield name, getattr(self, name)

    def __copy__(self: Any) -> Any:
        return _plain(self)

    def __reduce__(self: Any) -> Any:
        plain = _plain(self)
        return plain.__reduce__()

    namespace = {
        "__getattr__": __getattr__,
        "__eq__": __eq__,
        "__ne__": __ne__,
        "__hash__": None,
        "__repr__": __repr__,
        "__rich_repr__": __rich_repr__,
        "__copy__": __copy__,
        "__reduce__": __reduce__,
        "__module__": base.__module__,
        "__doc__": base.__doc__,
        "_is_view": True,
        "_base": base,
        "_lazy_fields": lazy_fields,
        "_slots": slots,
        "_compute": staticmethod(compute),
    }
    options: dict[str, Any] = {"dict": True}
    if weak:
        options["weakref"] = True
    cls = type(base)(base.__name__, (base,), namespace, **options)
    cls.__qualname__ = base.__qualname__
    return cls


def _make(cls: Any, source: Any, **fields: Any) -> Any:
    view = cls(**fields)
    for name in cls._lazy_fields:
        delattr(view, name)
    view.__dict__[_SOURCE] = source
    return view


def _prefix(source: tuple[list[str], int]) -> tuple[str]:
    pieces, size = source
    value = join_pieces(pieces)
    return (value if len(value) == size else value[:size],)


def _text(source: tuple[list[str], int, list[Any]]) -> tuple[str, list[Any]]:
    pieces, size, annotations = source
    value = join_pieces(pieces)
    return (value if len(value) == size else value[:size]), list(annotations)


def _tool_calls(source: Any) -> tuple[list[Any]]:
    # The step has not changed since the view was made (it is copied before any change).
    calls = source.tool_calls
    return ([calls[index].view_snapshot() for index in sorted(calls)],)


#: ``Text`` with ``value`` and ``annotations`` read on demand.
TextView = view_class(Text, ("value", "annotations"), _text)
#: ``Function`` with ``arguments`` read on demand.
FunctionView = view_class(Function, ("arguments",), _prefix)
#: ``CodeInterpreter`` with ``input`` read on demand.
CodeInterpreterView = view_class(CodeInterpreter, ("input",), _prefix)
#: ``ToolCallsStepDetails`` with ``tool_calls`` read on demand (copied before the step changes).
ToolCallsView = view_class(ToolCallsStepDetails, ("tool_calls",), _tool_calls, weak=True)


def text_view(builder: Any, annotations: list[Any]) -> Any:
    """A `Text` view of a text part builder (``pieces``, ``size``) as it is now."""
    # Made field by field rather than by `_make`: this runs for every delta a callback
    # receives, and the generic path costs several times more.
    view = TextView()
    del view.value, view.annotations
    view.__dict__[_SOURCE] = (builder.pieces, builder.size, annotations)
    return view


def function_view(builder: Any) -> Any:
    """A `Function` view of a function call builder as it is now."""
    view = FunctionView(builder.name, "", builder.output)
    del view.arguments
    view.__dict__[_SOURCE] = (builder.pieces, builder.size)
    return view


def code_interpreter_view(builder: Any, outputs: list[Any]) -> Any:
    """A `CodeInterpreter` view of a code_interpreter call builder as it is now."""
    return _make(CodeInterpreterView, (builder.pieces, builder.size), outputs=outputs)


def tool_calls_view(step_builder: Any) -> tuple[Any, weakref.ref[Any]]:
    """A `ToolCallsStepDetails` view of a step builder as it is now, and a weak reference
    to it for `freeze` before the step changes."""
    view = ToolCallsView()
    del view.tool_calls
    view.__dict__[_SOURCE] = step_builder
    return view, weakref.ref(view)


def freeze(reference: weakref.ref[Any] | None) -> None:
    """Before the object of a live view changes: fill in the view from the current state."""
    if reference is not None:
        view = reference()
        if view is not None:
            _materialize(view)


def materialize(obj: Any) -> Any:
    """A snapshot with every lazy part of it read: an object to keep or encode.

    The snapshots delta callbacks and ``snapshots()`` receive are lazy: their text,
    arguments and tool calls are read on first access. Attribute access, ``==``, ``repr``
    and ``copy.copy`` work on them as on any snapshot; msgspec's encoders read fields
    directly, so encode ``materialize(snapshot)`` (the same object when nothing in it is
    lazy).

    Examples:
        >>> import msgspec, runstream
        >>> class Last(runstream.EventHandler):
        ...     def on_message_delta(self, delta, snapshot):
        ...         self.json = msgspec.json.encode(runstream.types.materialize(snapshot))
        >>> handler, accumulator = Last(), runstream.Accumulator()
        >>> for path in runstream.sample_stream_paths():
        ...     _ = runstream.RunStream(path, handler, accumulator=accumulator).until_done()
        >>> msgspec.json.decode(handler.json)["content"][0]["text"]["value"][:16]
        'It is 18 °C and '
    """
    if is_view(obj):
        return _plain(obj)
    if isinstance(obj, msgspec.Struct):
        changes = {}
        for name in obj.__struct_fields__:
            value = getattr(obj, name)
            plain = materialize(value)
            if plain is not value:
                changes[name] = plain
        return msgspec.structs.replace(obj, **changes) if changes else obj
    if isinstance(obj, (list, tuple)):
        items = [materialize(item) for item in obj]
        if all(a is b for a, b in zip(items, obj)):
            return obj
        return items if isinstance(obj, list) else tuple(items)
    return obj
