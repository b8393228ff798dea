"""Lazy snapshots: the snapshot a delta callback (or ``snapshots()``) receives costs nothing
until it is read, shows the object as it was at that event whenever it is read, and equals
the eager snapshot of that moment."""

from __future__ import annotations

import copy
import gc
import pickle
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    Plan,
    builtins,
    event,
    function_piece,
    function_start,
    message_delta,
    message_obj,
    run_plans,
    step_delta,
    step_obj,
    text_piece,
)

import runstream as rs
from runstream import EventHandler
from runstream.types import Function, FunctionToolCall, RunStep, Text

# The fast tier draws 40 plans; the slow tier's copies (``_thoroughly``) draw 400.
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RECORDINGS = Path(__file__).parent / "recordings" / "assistants"
DELTA_CALLBACKS = ("on_text_delta", "on_tool_call_delta", "on_message_delta", "on_run_step_delta")


class Keeper(EventHandler):
    """Keeps every delta snapshot unread, with the eager snapshot of the same moment."""

    def __init__(self) -> None:
        self.kept: list[tuple[str, Any, Any]] = []

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        data = self.current_event.data
        index = next(block.index for block in data.delta.content if getattr(block, "text", None) is delta)
        self.kept.append(("text", snapshot, self.accumulator.content_part(data.id, index).text))

    def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
        step_id = self.current_event.data.id
        self.kept.append(("call", snapshot, self.accumulator.tool_call(step_id, delta.index)))

    def on_message_delta(self, delta: Any, snapshot: Any) -> None:
        self.kept.append(("message", snapshot, self.accumulator.message(snapshot.id)))

    def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
        self.kept.append(("step", snapshot, self.accumulator.run_step(snapshot.id)))


class Quiet(EventHandler):
    """Overrides the four delta callbacks; never reads the snapshot."""

    def __init__(self) -> None:
        self.seen = 0

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.seen += 1

    def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
        self.seen += 1

    def on_message_delta(self, delta: Any, snapshot: Any) -> None:
        self.seen += 1

    def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
        self.seen += 1


def feed_all(handler: EventHandler, events: list[Any], accumulator: rs.Accumulator | None = None) -> rs.Accumulator:
    accumulator = accumulator if accumulator is not None else rs.Accumulator()
    handler.accumulator = accumulator
    for typed in events:
        handler.dispatch(typed, accumulator.feed(typed))
    return accumulator


# ---- kept snapshots read late equal the eager ones of their moment ---------------------------


def test_a_snapshot_kept_and_read_later_shows_its_own_moment() -> None:
    events = [
        event("thread.run.step.created", step_obj("step_1")),
        event("thread.message.created", message_obj("msg_1")),
        event("thread.run.step.delta", step_delta("step_1", function_start(0, "call_1", "f"))),
    ]
    for position in range(20):
        events.append(event("thread.run.step.delta", step_delta("step_1", function_piece(0, f"a{position},"))))
        events.append(event("thread.message.delta", message_delta("msg_1", text_piece(0, f"w{position} "))))
    handler = Keeper()
    feed_all(handler, events)
    assert len(handler.kept) == 2 + 20 * 4
    for kind, lazy, eager in handler.kept:  # read only now, after every later delta
        assert lazy == eager and eager == lazy, kind
        assert builtins(rs.types.materialize(lazy)) == builtins(eager), kind
        assert repr(lazy) == repr(eager), kind
    texts = [lazy.value for kind, lazy, _ in handler.kept if kind == "text"]
    assert texts == ["".join(f"w{i} " for i in range(n + 1)) for n in range(20)]


@FAST
@given(run_plans())
def test_lazy_snapshots_equal_the_eager_ones_whenever_read(plan: Plan) -> None:
    handler = Keeper()
    feed_all(handler, [item.typed() for item in plan.items])
    for kind, lazy, eager in handler.kept:
        assert lazy == eager, kind
        assert msgspec.json.encode(rs.types.materialize(lazy)) == msgspec.json.encode(eager), kind


@FAST
@given(run_plans(), st.data())
def test_snapshots_iterator_yields_views_equal_to_eager_snapshots(plan: Plan, data: st.DataObject) -> None:
    events = [item.typed() for item in plan.items]
    lazy_stream = rs.Accumulator()
    eager = rs.Accumulator()
    kept = []
    for typed in events:
        lazy_stream.update(typed)
        eager.update(typed)
        name = typed.event
        if name.startswith("thread.run.step."):
            kept.append((lazy_stream._run_step_view(typed.data.id), eager.run_step(typed.data.id)))
        elif name.startswith("thread.message."):
            kept.append((lazy_stream._message_view(typed.data.id), eager.message(typed.data.id)))
    read_now = data.draw(st.lists(st.booleans(), min_size=len(kept), max_size=len(kept)))
    for (lazy, expected), now in zip(kept, read_now):
        if now:
            assert lazy == expected
    for lazy, expected in kept:
        assert lazy == expected


def test_views_are_instances_of_the_snapshot_classes_and_copy_to_plain_ones() -> None:
    events = [
        event("thread.run.step.created", step_obj("step_1")),
        event("thread.run.step.delta", step_delta("step_1", function_start(0, "call_1", "f"))),
        event("thread.run.step.delta", step_delta("step_1", function_piece(0, '{"a": 1}'))),
        event("thread.message.created", message_obj("msg_1")),
        event("thread.message.delta", message_delta("msg_1", text_piece(0, "Hi"))),
    ]
    handler = Keeper()
    accumulator = feed_all(handler, events)
    by_kind = {kind: lazy for kind, lazy, _ in handler.kept}
    step, call, text = by_kind["step"], by_kind["call"], by_kind["text"]
    assert isinstance(step, RunStep) and isinstance(call, FunctionToolCall)
    assert isinstance(call.function, Function) and isinstance(text, Text)
    assert type(text).__name__ == "Text"
    plain = copy.copy(text)
    assert type(plain) is Text and plain == accumulator.content_part("msg_1", 0).text
    assert pickle.loads(pickle.dumps(call.function)) == Function(name="f", arguments='{"a": 1}')
    assert msgspec.json.encode(rs.types.materialize(step)) == msgspec.json.encode(accumulator.run_step("step_1"))
    assert text != Text(value="other")


# ---- the work per delta does not grow with what was accumulated ---------------------------


def _calls_made(handler: EventHandler, accumulator: rs.Accumulator, events: list[Any]) -> int:
    """How many Python and builtin function calls dispatching ``events`` makes."""
    count = 0

    def profile(frame: Any, what: str, arg: Any) -> None:
        nonlocal count
        if what in ("call", "c_call"):
            count += 1

    handler._routes()  # the routes of a handler class are looked up once, on first use
    sys.setprofile(profile)
    try:
        for typed in events:
            handler.dispatch(typed, accumulator.feed(typed))
    finally:
        sys.setprofile(None)
    return count


def _one_call_deltas(count: int) -> list[Any]:
    return [event("thread.run.step.delta", step_delta("step_1", function_piece(0, '"ab'))) for _ in range(count)]


def _text_deltas(count: int) -> list[Any]:
    return [event("thread.message.delta", message_delta("msg_1", text_piece(0, "w "))) for _ in range(count)]


def _primed(parallel_calls: int = 1) -> rs.Accumulator:
    accumulator = rs.Accumulator()
    accumulator.feed(event("thread.run.step.created", step_obj("step_1")))
    accumulator.feed(event("thread.message.created", message_obj("msg_1")))
    starts = [function_start(index, f"call_{index}", "f") for index in range(parallel_calls)]
    accumulator.feed(event("thread.run.step.delta", step_delta("step_1", *starts)))
    return accumulator


@pytest.mark.parametrize("deltas", [_one_call_deltas, _text_deltas])
def test_delta_callbacks_cost_the_same_however_much_was_accumulated(deltas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import runstream._core.views as views

    joined: list[int] = []
    join = views.join_pieces

    def counted_join(pieces: list[str]) -> str:
        joined.append(sum(map(len, pieces)))
        return join(pieces)

    monkeypatch.setattr(views, "join_pieces", counted_join)
    batch = deltas(512)  # 512 deltas in a row hold exactly two compactions (every 256)
    work = []
    for accumulated in (1_000, 50_000):
        handler = Quiet()
        accumulator = _primed()
        handler.accumulator = accumulator
        for typed in deltas(accumulated):
            accumulator.update(typed)
        work.append(_calls_made(handler, accumulator, batch))
        assert handler.seen >= 512
    assert work[0] == work[1] > 0
    assert joined == []  # not one byte of the text or arguments was copied for a snapshot


@pytest.mark.parametrize("handler_class", [Quiet, EventHandler])
def test_a_delta_costs_the_same_for_1_or_1000_parallel_calls(handler_class: type) -> None:
    # 512 deltas: two compactions of the call that grows, and none of the 999 others.
    work = []
    for parallel_calls in (1, 1_000):
        handler = handler_class()
        accumulator = _primed(parallel_calls)
        handler.accumulator = accumulator
        work.append(_calls_made(handler, accumulator, _one_call_deltas(512)))
    assert work[0] == work[1] > 0


def test_a_step_view_kept_past_its_step_changing_keeps_its_tool_calls() -> None:
    accumulator = _primed(3)
    views = []

    class StepKeeper(EventHandler):
        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            views.append((snapshot, accumulator.run_step("step_1")))

    handler = StepKeeper()
    events = [event("thread.run.step.delta", step_delta("step_1", function_piece(index % 3, str(index))))
              for index in range(9)]
    feed_all(handler, events, accumulator)
    for view, eager in views:
        assert view.step_details.tool_calls == eager.step_details.tool_calls
    assert [view.step_details.tool_calls[0].function.arguments for view, _ in views][-1] == "036"


def test_lazy_snapshots_keep_the_unknown_members_of_deltas() -> None:
    # A delta member no version declares lands in the snapshot (exact): the lazy snapshot a
    # callback receives holds it too, equal to the eager one of its moment.
    def sse(name: str, data: dict[str, Any]) -> bytes:
        return b"event: " + name.encode() + b"\ndata: " + msgspec.json.encode(data) + b"\n\n"

    step = msgspec.to_builtins(step_obj("step_1"))
    message = msgspec.to_builtins(message_obj("msg_1"))
    call = {"index": 0, "type": "function", "id": "call_1", "function": {"name": "f", "arguments": "{"}}
    body = b"".join([
        sse("thread.run.step.created", step),
        sse("thread.message.created", message),
        sse("thread.run.step.delta", {"id": "step_1", "object": "thread.run.step.delta",
                                      "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]},
                                                "x_note": "a"}}),
        sse("thread.message.delta", {"id": "msg_1", "object": "thread.message.delta",
                                     "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "Hi"}}],
                                               "x_note": "b"}}),
        sse("thread.message.delta", {"id": "msg_1", "object": "thread.message.delta",
                                     "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "!"}}],
                                               "x_note": "c"}}),
    ])
    handler = Keeper()
    decoder = rs.EventDecoder()
    feed_all(handler, [decoder.decode(sse) for sse in rs.SSEDecoder().feed(body)])
    kinds = [kind for kind, _, _ in handler.kept]
    assert kinds.count("message") == 2 and kinds.count("step") == 1
    for kind, lazy, eager in handler.kept:
        assert lazy == eager, kind
        assert msgspec.json.encode(rs.types.materialize(lazy)) == msgspec.json.encode(eager), kind
    notes = [rs.types.extra_fields(lazy).get("x_note") for kind, lazy, _ in handler.kept if kind in ("message", "step")]
    assert notes == ["a", "b", "bc"]


@pytest.mark.slow
@SLOW
@given(run_plans())
def test_lazy_snapshots_equal_the_eager_ones_whenever_read_thoroughly(plan: Plan) -> None:
    test_lazy_snapshots_equal_the_eager_ones_whenever_read.hypothesis.inner_test(plan)  # type: ignore[attr-defined]


@pytest.mark.slow
@SLOW
@given(run_plans(), st.data())
def test_snapshots_iterator_yields_views_equal_to_eager_snapshots_thoroughly(plan: Plan, data: st.DataObject) -> None:
    test_snapshots_iterator_yields_views_equal_to_eager_snapshots.hypothesis.inner_test(plan, data)  # type: ignore[attr-defined]


# ---- finished objects are freed by reference counting alone ----------------------------------------
#
# A builder caches its current view and the view points back at its builder. Left in place
# once an object is finished, that cycle keeps every finished message's text alive until the
# cycle collector happens to run: memory of a long stream with ``keep_finished=False`` then
# rises and falls by megabytes instead of staying flat.


def _cycles_left_by(run: Any) -> list[str]:
    """The runstream objects that only the cycle collector could free after ``run()``."""
    gc.collect()
    gc.disable()
    try:
        kept_alive = run()  # noqa: F841 (what the caller still holds stays reachable)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return sorted({type(o).__qualname__ for o in gc.garbage if type(o).__module__.startswith("runstream")})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("handler_class", [Quiet, Keeper, EventHandler])
@pytest.mark.parametrize("recording", ["azure_agents_parallel_fn_requires_action.sse", "dotnet_file_search_annotations.sse",
                                       "dotnet_async_streaming_run_text.sse"])
def test_dropped_finished_objects_leave_no_reference_cycles(handler_class: type, recording: str) -> None:
    source = RECORDINGS / recording

    def run() -> Any:
        handler = handler_class()
        with rs.RunStream(iter([source.read_bytes()]), handler, accumulator=rs.Accumulator(keep_finished=False)) as stream:
            stream.until_done()
        if isinstance(handler, Keeper):
            handler.kept.clear()
        return stream, handler

    assert _cycles_left_by(run) == []


# Each example runs the cycle collector twice over the whole test process: the fast tier
# draws 8 runs, the slow copy below 150.
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_plans())
def test_finished_objects_of_any_run_leave_no_reference_cycles(plan: Plan) -> None:
    check_no_cycles_left(plan)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_plans())
def test_finished_objects_of_any_run_leave_no_reference_cycles_thoroughly(plan: Plan) -> None:
    check_no_cycles_left(plan)


def check_no_cycles_left(plan: Plan) -> None:
    events = [item.typed() for item in plan.items]

    def run() -> Any:
        # Once through a handler with the delta callbacks, once the way ``snapshots()`` reads.
        accumulator = rs.Accumulator(keep_finished=False)
        feed_all(Quiet(), events, accumulator)
        viewed = rs.Accumulator(keep_finished=False)
        for typed in events:
            viewed.update(typed)
            name = typed.event
            if name.startswith("thread.run.step.") and viewed.run_step(typed.data.id) is not None:
                viewed._run_step_view(typed.data.id)
            elif name.startswith("thread.message.") and viewed.message(typed.data.id) is not None:
                viewed._message_view(typed.data.id)
        return accumulator, viewed

    assert _cycles_left_by(run) == []


def test_a_field_assigned_before_it_was_read_is_kept_and_the_others_still_computed() -> None:
    from runstream._core import views

    class Part:
        pieces, size = ["Hel", "lo!"], 5

    view = views.text_view(Part(), [])
    view.annotations = ("a tuple", "of the reader's")  # type: ignore[assignment]
    assert view.value == "Hello"  # the prefix of its time
    assert view.annotations == ("a tuple", "of the reader's")
    function = views.function_view(type("Call", (), {"pieces": ["{}"], "size": 2, "name": "f", "output": None})())
    function.arguments = "replaced"
    assert function.arguments == "replaced" and function.name == "f" and views.is_view(function)
    assert views.materialize(function) == Function(name="f", arguments="replaced")
