"""Lazy snapshot views: what delta callbacks and ``snapshots()`` hand out.

A delta callback receives the snapshot of the object the delta changed. Building it eagerly
would copy the whole text or arguments so far for every delta (and every call of a step for
every step delta), which makes the cost of a delta grow with what was accumulated. A view is
an instance of a subclass of the snapshot's own class (``isinstance(view, Text)`` holds) whose
expensive fields hold the view's source until first read (a property of the view class reads
them): reading ``view.value`` joins the text then, once, and keeps it. Fields that cost
nothing (ids, names, statuses) are set at once.

A view shows the object as it was when the view was made, whenever it is read:

- text and arguments only ever grow, so a view keeps the builder's list of pieces (changed
  only in place) and the length then, and reads that prefix (the whole string when nothing
  was appended since: no copy). It keeps the list, not the builder: the builder caches its
  view, and a view pointing back at it would make a reference cycle that keeps a finished
  object's text alive until the cycle collector runs (and forever for a tool call builder,
  which the collector does not track: see `ToolCallBuilder`);
- the tool calls of a run step do not fit in a constant-size record. A step's details view
  records how many calls the step had (they are kept in insertion order, and a new call is
  appended, so those are the first ones) and a small dict of *pinned* call views: before one
  call changes, every live view of the step that has not pinned it yet keeps the call's view
  as it is then (`pin_call`). Reading the view takes, for each of its calls, the pinned view,
  else the call's current view (unchanged since, or it would have been pinned). A change of
  one call thus costs a constant however many calls the step has. When the step next
  changes, its latest view is watched only if someone still holds it (`retire` reads its
  reference count): a callback that drops its snapshot pays neither a weak reference nor a
  pin for it; the weak references to the views watched tell which still need one. Changes
  that are not about one call (a full RunStep object, details of another type) fill in
  every live view first (`freeze`), as does keeping more than `LIVE_STEP_VIEWS` of them
  alive: the oldest is filled in, so that a change never visits more than that many views.

A view nobody holds any more when its object changes again, and whose lazy fields were not
read, is handed out again (`retire`, `reusable_arguments`, `reusable_text`): when only text
or arguments grew, recording the new length makes it what a new view would be. The usual
delta callback drops its snapshot, so most deltas make no view at all. Whether anyone holds
a view is its reference count, compared with the count of a view nobody holds, measured at
import by the same statements (interpreters count their own references differently).

Reading costs what is read: a text or arguments view joins the string once (O(its length));
a step's tool calls list every call the step had (O(calls), one view each, arguments still
unread).

Equality, ``repr``, ``copy.copy`` and pickling read every field first, so a view compares
equal to the eager snapshot of the same state. msgspec's encoders read fields directly: read
a view (or ``copy.copy`` it) before encoding it, or take the eager snapshot from the
accumulator.
"""

from __future__ import annotations

import weakref
from itertools import islice
from sys import getrefcount
from typing import Any, Callable

import msgspec

from .._models.message import Message, Text, TextContentBlock
from .._models.run_step import CodeInterpreter, Function, FunctionToolCall, RunStep, ToolCallsStepDetails
from .merge import join_pieces

__all__ = [
    "LIVE_STEP_VIEWS",
    "CodeInterpreterView",
    "FunctionView",
    "TextView",
    "ToolCallsView",
    "freeze",
    "is_view",
    "keep_live",
    "pin_call",
    "retire",
    "reusable_arguments",
    "reusable_text",
    "view_class",
]

#: The first item of the tuple a view's lazy fields hold until first read: the view's
#: source follows it (for its class's ``compute``). A tuple is the cheapest object to make,
#: and no tuple a reader assigns starts with this one. (An arguments view holds a `_Pieces`
#: instead: see there.)
_PENDING = object()


#: How many unread details views of one step are kept consistent call by call; beyond that
#: the oldest is filled in (a reader keeping every snapshot would otherwise make each change
#: visit every one of them).
LIVE_STEP_VIEWS = 8


class _Pieces(msgspec.Struct, gc=False):
    """The pending source of an arguments view (function arguments, code_interpreter input):
    its builder's list of pieces (changed only in place) and the length then. Each call of
    a step keeps its latest view until it next changes, 10,000 views for 10,000 parallel
    calls: in a tuple the source would be tracked by the cycle collector, and so would the
    view holding it. This leads to strings only, so it need not be, and the view (whose
    other fields are strings) is not tracked either."""

    pieces: list[str]
    size: int


class _TextSource(msgspec.Struct, gc=False):
    """The pending source of a text view (both its fields): its part builder's list of
    pieces (changed only in place), the length then, and the annotations then (a list
    nobody changes). Mutable, like `_Pieces`, so that a view nobody holds is handed out again
    by recording the new length alone (`reusable_text`)."""

    pieces: list[str]
    size: int
    annotations: list[Any]


def _is_pending(value: Any) -> bool:
    """Whether a lazy field's ``value`` is its view's pending source."""
    kind = type(value)
    return kind is _Pieces or kind is _TextSource or (kind is tuple and bool(value) and value[0] is _PENDING)


def _source(view: Any) -> Any:
    """The view's source, or ``None`` once its lazy fields were computed."""
    cls = type(view)
    value = cls._first_slot.__get__(view, cls)
    return value if _is_pending(value) else None


def _materialize(view: Any) -> None:
    """Set the view's lazy fields from its source (once; a field the reader assigned
    meanwhile is kept)."""
    cls = type(view)
    slots = cls._slots
    pending = None
    for slot in slots.values():
        value = slot.__get__(view, cls)
        if _is_pending(value):
            pending = value
            break
    if pending is None:
        return
    for slot, value in zip(slots.values(), cls._compute(pending)):
        if slot.__get__(view, cls) is pending:
            slot.__set__(view, value)


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
        "_first_slot": slots[lazy_fields[0]],
        "_compute": staticmethod(compute),
    }
    # Views stay tracked by the cycle collector, unlike the wire classes they extend: their
    # pending sources hold the live state of the stream (msgspec also refuses weak references
    # to untracked Structs).
    options: dict[str, Any] = {"weakref": True, "gc": True} if weak else {"gc": True}
    cls = type(base)(base.__name__, (base,), namespace, **options)
    cls.__qualname__ = base.__qualname__
    # Each lazy field is read through a property that computes it on first read; the field
    # holds its pending source until then. (Set after the class is made: in its body msgspec would
    # take a property for the field's default.)
    for name, slot in slots.items():
        setattr(cls, name, _lazy_property(slot, name))
    return cls


def _lazy_property(slot: Any, name: str) -> property:
    get, set_ = slot.__get__, slot.__set__  # bound once: a reader may read a field per delta

    def read(view: Any) -> Any:
        value = get(view)
        if _is_pending(value):
            _materialize(view)
            value = get(view)
        return value

    def assign(view: Any, value: Any) -> None:
        set_(view, value)

    return property(read, assign, doc=f"``{name}``, computed on first read.")


def _prefix(source: _Pieces) -> tuple[str]:
    value = join_pieces(source.pieces)
    return (value if len(value) == source.size else value[: source.size],)


def _text(source: _TextSource) -> tuple[str, list[Any]]:
    value = join_pieces(source.pieces)
    size = source.size
    return (value if len(value) == size else value[:size]), list(source.annotations)


def _tool_calls(source: tuple[dict[int, Any], int, dict[int, Any]]) -> tuple[list[Any]]:
    # The step's first `count` calls are those it had then (new calls are appended, and a
    # call removed freezes the view first); a call changed since was pinned before it changed.
    _, calls, count, pinned = source
    listed = sorted(islice(calls, count)) if count < len(calls) else sorted(calls)
    return ([pinned[index] if index in pinned else calls[index].view_snapshot() for index in listed],)


#: ``Text`` with ``value`` and ``annotations`` read on demand.
TextView = view_class(Text, ("value", "annotations"), _text)
#: ``Function`` with ``arguments`` read on demand.
FunctionView = view_class(Function, ("arguments",), _prefix)
#: ``CodeInterpreter`` with ``input`` read on demand.
CodeInterpreterView = view_class(CodeInterpreter, ("input",), _prefix)
#: ``ToolCallsStepDetails`` with ``tool_calls`` read on demand (see `pin_call`).
ToolCallsView = view_class(ToolCallsStepDetails, ("tool_calls",), _tool_calls, weak=True)


def text_view(builder: Any, annotations: list[Any]) -> Any:
    """A `Text` view of a text part builder (``pieces``, ``size``) as it is now."""
    # This runs for every delta a callback receives: the fields are passed by position.
    pending = _TextSource(builder.pieces, builder.size, annotations)
    return TextView(pending, pending)


def function_view(builder: Any) -> Any:
    """A `Function` view of a function call builder as it is now."""
    return FunctionView(builder.name, _Pieces(builder.pieces, builder.size), builder.output)


def code_interpreter_view(builder: Any, outputs: list[Any]) -> Any:
    """A `CodeInterpreter` view of a code_interpreter call builder as it is now."""
    return CodeInterpreterView(_Pieces(builder.pieces, builder.size), outputs)


def tool_calls_view(calls: dict[int, Any]) -> Any:
    """A `ToolCallsStepDetails` view of a step's tool calls (builders by wire index, in
    insertion order) as they are now. It holds the dict, not the step builder: the builder
    caches its view (until `retire`)."""
    return ToolCallsView((_PENDING, calls, len(calls), {}))


def retire(owner: Any, index: int | None = None) -> None:
    """Called when a step is about to change, with its builder ``owner``, whose latest view
    (a RunStep whose details are a `ToolCallsView`) it lets go of.

    If anything else holds that view or its details, unread (a callback kept it,
    ``snapshots()``' loop variable has it), it is watched from now on (`pin_call`,
    `freeze`): a weak reference to its details joins ``owner.view_ref``. Else nobody can
    ever read it: the usual callback, which drops its snapshot, pays no weak reference and
    no pin for it. And when only the call at ``index`` is about to change, such a view that
    lists the step's calls as they are whenever read (unread, nothing pinned, as many calls
    as the step has) stays the step's view: after the change it shows what a new view would,
    so the next delta callback gets it again instead of a new one. So does it when the call
    at ``index`` was just created (added as the step's last call): it is then made to list
    one call more.
    """
    # (Counted as `_unheld_step_counts` counts a view nobody else holds.)
    step_view = owner.view
    owner.view = None
    view_count = getrefcount(step_view)
    details_count = getrefcount(step_view.step_details)
    details = step_view.step_details
    if type(details) is not ToolCallsView:
        return
    # Its pending source (calls, count, pinned), or the list of calls once read.
    source = _tool_calls_source(details)
    pending = type(source) is tuple and source[0] is _PENDING
    if view_count <= _UNHELD_STEP[0] and details_count <= _UNHELD_STEP[1]:
        if pending and index is not None and not source[3]:
            calls = owner.tool_calls
            count = source[2]
            if count == len(calls) and index in calls:
                owner.view = step_view
            elif count == len(calls) - 1 and next(reversed(calls)) == index:
                # The call was just added (the fast path adds it before it says so).
                _set_tool_calls_source(details, (_PENDING, calls, count + 1, source[3]))
                owner.view = step_view
        return
    if pending:  # else read already: it holds its own list
        owner.view_ref = keep_live(owner.view_ref, weakref.ref(details))


def reusable_arguments(builder: Any) -> Any:
    """Called before a function call's arguments grow, nothing else of it changing, with
    its builder: the source of its latest view's arguments (a `_Pieces`), for the caller to
    record the new length in once the arguments grew, if nobody but the builder holds that
    view or its function and its arguments are unread. The builder keeps the view then, and
    the next delta callback gets it again instead of a new one. Else ``None``, and the
    builder lets go of the view (a view someone holds shows its own moment: see `_prefix`).
    """
    # (Counted as `_unheld_call_counts` counts a view nobody else holds.)
    call_view = builder.view
    builder.view = None
    call_count = getrefcount(call_view)
    function_count = getrefcount(call_view.function)
    if call_count > _UNHELD_CALL[0] or function_count > _UNHELD_CALL[1]:
        return None
    function = call_view.function
    if type(function) is not FunctionView:
        return None
    source = _arguments_source(function)
    if type(source) is not _Pieces:
        return None  # read already
    builder.view = call_view
    return source


def _unheld_call_counts() -> tuple[int, int]:
    builder = _ProbeOwner(FunctionToolCall(id="call_probe", function=FunctionView("f", _Pieces([], 0), None)))
    call_view = builder.view
    builder.view = None
    call_count = getrefcount(call_view)
    function_count = getrefcount(call_view.function)
    return call_count, function_count


def reusable_text(message: Any, part: Any) -> Any:
    """Called before the text of a message's text part grows, nothing else of the message
    changing, with the message's and the part's builders, which let go of their latest
    views. If nobody else holds those views (the message's, its list of content, the part's
    and its text) and the text is unread, the builders keep them, and the pending source of
    the text view is returned for the caller to record the new length in (its ``size``) once
    the text grew: the next delta callbacks get the same views again instead of new ones.
    Else ``None``."""
    message_view = message.view
    message.view = None
    part_view = part.view
    part.view = None
    if part_view is None or type(part_view.text) is not TextView:
        return None
    if message_view is None:
        counts, unheld = _text_counts(message_view, part_view), _UNHELD_PART
    else:
        for block in message_view.content:
            if block is part_view:
                break
        else:
            return None  # the message's view does not list the part's (not expected)
        block = None  # the loop's own reference to the part's view would be counted below
        counts, unheld = _text_counts(message_view, part_view), _UNHELD_TEXT
    if counts[0] > unheld[0] or counts[1] > unheld[1] or counts[2] > unheld[2] or counts[3] > unheld[3]:
        return None
    source = _text_source(part_view.text)
    if type(source) is not _TextSource:
        return None  # read already
    message.view = message_view
    part.view = part_view
    return source


def _text_counts(message_view: Any, part_view: Any) -> tuple[int, int, int, int]:
    # The reference counts `reusable_text` compares with those of views nobody else holds,
    # measured at import by this same function from a caller of the same shape.
    part_count = getrefcount(part_view)
    text_count = getrefcount(part_view.text)
    if message_view is None:
        return part_count, text_count, 0, 0
    return part_count, text_count, getrefcount(message_view), getrefcount(message_view.content)


def _unheld_text_counts(in_message: bool) -> tuple[int, int, int, int]:
    pending = _TextSource([], 0, [])
    part = _ProbeOwner(TextContentBlock(text=TextView(pending, pending)))
    message = _ProbeOwner(Message(id="msg_probe", content=[part.view]) if in_message else None)
    message_view = message.view
    message.view = None
    part_view = part.view
    part.view = None
    return _text_counts(message_view, part_view)


def _unheld_step_counts() -> tuple[int, int]:
    owner = _ProbeOwner(msgspec.structs.replace(RunStep(id="step_probe"), step_details=tool_calls_view({})))
    step_view = owner.view
    owner.view = None
    view_count = getrefcount(step_view)
    details_count = getrefcount(step_view.step_details)
    return view_count, details_count


class _ProbeOwner:
    """A builder's stand-in, holding a view as builders do, to measure reference counts."""

    __slots__ = ("view",)

    def __init__(self, view: Any) -> None:
        self.view = view


def freeze(references: list[weakref.ref[Any]]) -> None:
    """Before a step changes in a way other than one call: fill in its live views."""
    for reference in references:
        view = reference()
        if view is not None:
            _materialize(view)


def pin_call(references: list[weakref.ref[Any]], index: int, call: Any) -> list[weakref.ref[Any]] | None:
    """Before the tool call at ``index`` (``call``, a builder) changes: each live, unread
    view of its step that has not pinned it yet keeps the call's view as it is now. Returns
    the references still to keep (``None`` when no view needs any more care)."""
    current = None
    kept = []
    for reference in references:
        view = reference()
        if view is None:
            continue
        source = _source(view)
        if source is None:  # read already: it holds its own list
            continue
        pinned = source[3]
        if index not in pinned:
            # (The fast path creates a new call just before this: no view made earlier lists
            # it, so such a pin is never read; it costs one call view, not a lookup of order.)
            if current is None:
                current = call.view_snapshot()
            pinned[index] = current
        kept.append(reference)
    return kept or None


def _unread(reference: weakref.ref[Any]) -> bool:
    view = reference()
    return view is not None and _source(view) is not None


def keep_live(references: list[weakref.ref[Any]] | None, reference: weakref.ref[Any]) -> list[weakref.ref[Any]]:
    """``references`` with ``reference`` (a new view of the step) added; beyond
    `LIVE_STEP_VIEWS` alive and unread, the oldest are filled in and dropped."""
    if references is None:
        return [reference]
    references.append(reference)
    if len(references) > LIVE_STEP_VIEWS:
        references = [ref for ref in references if _unread(ref)]
        while len(references) > LIVE_STEP_VIEWS:
            freeze([references.pop(0)])
    return references


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


# The fields that hold a view's source until read, read and set past the view's property
# (which would compute them). Bound once: a descriptor's ``__get__`` looked up per call
# costs as much again as the call, and these run for every delta a callback receives.
#: The field of a `ToolCallsView` that holds its source until read.
_TOOL_CALLS = ToolCallsView._first_slot
_tool_calls_source, _set_tool_calls_source = _TOOL_CALLS.__get__, _TOOL_CALLS.__set__
#: What `retire` counts for a view nobody else holds.
_UNHELD_STEP = _unheld_step_counts()
#: The field of a `FunctionView` that holds its source until read.
_ARGUMENTS = FunctionView._first_slot
_arguments_source = _ARGUMENTS.__get__
#: What `reusable_arguments` counts for a view nobody else holds.
_UNHELD_CALL = _unheld_call_counts()
#: A field of a `TextView` that holds its source until read (both hold the same).
_TEXT_VALUE = TextView._slots["value"]
_text_source = _TEXT_VALUE.__get__
#: What `reusable_text` counts for views nobody else holds: with a message view, without.
_UNHELD_TEXT = _unheld_text_counts(True)
_UNHELD_PART = _unheld_text_counts(False)
