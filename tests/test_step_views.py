"""A run step's lazy snapshot while its step keeps changing: a change of one tool call costs
the same however many calls the step has and however many earlier step snapshots are still
alive, and every snapshot, read whenever, shows the step as it was when it was made."""

from __future__ import annotations

import sys
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    Plan,
    event,
    function_piece,
    function_start,
    message_delta,
    message_obj,
    text_piece,
    run_plans,
    step_delta,
    step_obj,
)
from stream_builders import frame
from test_views import _primed, feed_all

import runstream as rs
import runstream._core.views as views
from runstream import EventHandler
from runstream._core.tool_call_builder import ToolCallBuilder

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class LastSteps(EventHandler):
    """Keeps the step snapshots of the last ``keep`` step deltas (unread), as a loop over
    ``snapshots()`` keeps its previous update while the next event is merged."""

    def __init__(self, keep: int = 1) -> None:
        self.keep = keep
        self.kept: list[Any] = []

    def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
        self.kept = [*self.kept, snapshot][-self.keep :]


def _deltas(count: int, indexes: list[int]) -> list[tuple[str, dict[str, Any]]]:
    """``count`` argument fragments, to the calls ``indexes`` in turn."""
    return [("thread.run.step.delta", step_delta("step_1", function_piece(indexes[n % len(indexes)], '"ab')))
            for n in range(count)]


def _new_calls(first: int, count: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` new function calls, one per delta, from wire index ``first`` on."""
    return [("thread.run.step.delta", step_delta("step_1", function_start(index, f"call_{index}", "f")))
            for index in range(first, first + count)]


def _call_views_built(run: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many tool call views (or snapshots standing for one) ``run()`` builds."""
    built = 0
    view_snapshot = ToolCallBuilder.view_snapshot

    def counted(self: ToolCallBuilder) -> Any:
        nonlocal built
        built += 1
        return view_snapshot(self)

    with monkeypatch.context() as patch:
        patch.setattr(ToolCallBuilder, "view_snapshot", counted)
        run()
    return built


def _work(run: Any) -> int:
    """How many Python and builtin function calls ``run()`` makes: work, not time."""
    count = 0

    def profile(frame: Any, what: str, arg: Any) -> None:
        nonlocal count
        if what in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


def _general(handler: EventHandler, accumulator: rs.Accumulator, deltas: list[tuple[str, dict[str, Any]]]) -> Any:
    """Feeding ``deltas`` event by event, as ``Accumulator.feed`` and ``dispatch`` do."""
    typed = [event(name, data) for name, data in deltas]
    handler._routes()  # the routes of a handler class are looked up once, on first use
    return lambda: feed_all(handler, typed, accumulator)


def _stream(handler: EventHandler, accumulator: rs.Accumulator, deltas: list[tuple[str, dict[str, Any]]]) -> Any:
    """Reading ``deltas`` as bytes with ``until_done()``: the fast path of the hot events."""
    body = b"".join(frame(name, data) for name, data in deltas)
    handler._routes()

    def run() -> None:
        # Deltas alone, with no run event: the stream ends incomplete once all are merged.
        with pytest.raises(rs.IncompleteStreamError):
            rs.RunStream(iter([body]), handler, accumulator=accumulator).until_done()

    return run


def _snapshots(accumulator: rs.Accumulator, deltas: list[tuple[str, dict[str, Any]]]) -> Any:
    """A ``for update in stream.snapshots()`` loop over ``deltas`` as bytes."""
    body = b"".join(frame(name, data) for name, data in deltas)

    def run() -> None:
        with pytest.raises(rs.IncompleteStreamError):  # deltas alone (see _stream)
            for update in rs.RunStream(iter([body]), accumulator=accumulator).snapshots():
                assert update.snapshot is not None

    return run


# ---- a change of one call costs the same for 1 or 1,000 calls -----------------------------


@pytest.mark.parametrize("read", [_general, _stream])
# A handler keeping ``keep`` snapshots holds them while the next one is made: one more is alive.
@pytest.mark.parametrize("keep", [1, 3, views.LIVE_STEP_VIEWS - 1])
def test_a_step_snapshot_kept_alive_costs_the_same_for_1_or_1000_calls(read: Any, keep: int) -> None:
    # 512 fragments (two compactions of the call that grows, none of the others) while the
    # handler keeps the last ``keep`` step snapshots alive, as a snapshots() loop does.
    work = []
    for parallel_calls in (1, 1_000):
        handler = LastSteps(keep)
        accumulator = _primed(parallel_calls)
        handler.accumulator = accumulator
        read(handler, accumulator, _deltas(keep, [0]))()  # ``keep`` snapshots alive from the start
        work.append(_work(read(handler, accumulator, _deltas(512, [0]))))
        assert len(handler.kept) == keep
    assert work[0] == work[1] > 0


def test_a_snapshots_loop_costs_the_same_for_1_or_1000_calls() -> None:
    work = []
    for parallel_calls in (1, 1_000):
        accumulator = _primed(parallel_calls)
        _snapshots(accumulator, _deltas(2, [0]))()
        work.append(_work(_snapshots(accumulator, _deltas(512, [0]))))
    assert work[0] == work[1] > 0


@pytest.mark.parametrize("read", [_general, _stream])
def test_a_change_of_one_call_builds_one_call_view_for_the_snapshots_alive(read: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fragments of 5 of the step's 1,000 calls in turn, then 100 new calls, with the last 3
    # step snapshots alive: each change keeps the one call it changes, for the views that do
    # not hold it yet. Filling in every call of a live view would build 1,000 per change.
    handler = LastSteps(3)
    accumulator = _primed(1_000)
    handler.accumulator = accumulator
    read(handler, accumulator, _deltas(3, [0]))()
    built = _call_views_built(read(handler, accumulator, _deltas(200, [0, 7, 300, 999, 500])), monkeypatch)
    assert built <= 3 * 200
    built = _call_views_built(read(handler, accumulator, _new_calls(1_000, 100)), monkeypatch)
    assert built <= 3 * 100
    step = accumulator.run_step("step_1")
    assert handler.kept[-1] == step and len(step.step_details.tool_calls) == 1_100


def test_more_step_snapshots_alive_than_kept_call_by_call_are_filled_in_oldest_first() -> None:
    accumulator = _primed(3)
    eager = []

    class Both(LastSteps):
        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            super().on_run_step_delta(delta, snapshot)
            eager.append(accumulator.run_step("step_1"))

    handler = Both(keep=100)
    feed_all(handler, [event(name, data) for name, data in _deltas(30, [0, 1, 2]) + _new_calls(3, 5)], accumulator)
    unread = [view for view in handler.kept if views._source(view.step_details) is not None]
    # The older ones were filled in. The step itself holds its latest view until it next
    # changes: the views watched call by call are the LIVE_STEP_VIEWS before it.
    assert len(unread) == views.LIVE_STEP_VIEWS + 1
    assert unread == handler.kept[-views.LIVE_STEP_VIEWS - 1 :]
    assert handler.kept == eager


def test_step_snapshots_alive_across_changes_that_are_not_about_one_call() -> None:
    # A full step object, a call changing type, a message_creation delta, a delta of several
    # calls: each snapshot alive across them still shows its own moment.
    accumulator = _primed(3)
    eager = []

    class Both(LastSteps):
        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            super().on_run_step_delta(delta, snapshot)
            eager.append(accumulator.run_step(snapshot.id))

    handler = Both(keep=1_000)
    several = step_delta("step_1", function_piece(0, "x"), function_piece(2, "y"), function_piece(0, "z"),
                         function_start(3, "call_3", "g"))
    retyped = step_delta("step_1", {"index": 1, "type": "code_interpreter", "id": "call_c",
                                    "code_interpreter": {"input": "1+1", "outputs": []}})
    events = [
        event(*_deltas(1, [1])[0]),
        event("thread.run.step.delta", several),
        event("thread.run.step.in_progress", step_obj("step_1")),
        event(*_deltas(1, [2])[0]),
        event("thread.run.step.delta", retyped),
        event(*_deltas(1, [0])[0]),
        event("thread.run.step.delta", {"id": "step_1", "object": "thread.run.step.delta",
                                         "delta": {"step_details": {"type": "message_creation",
                                                                    "message_creation": {"message_id": "msg_1"}}}}),
        event("thread.run.step.delta", step_delta("step_1", function_piece(3, "w"))),
    ]
    feed_all(handler, events, accumulator)
    assert handler.kept == eager and len(eager) == 7
    counts = [len(getattr(view.step_details, "tool_calls", ())) for view in handler.kept]
    assert counts == [3, 4, 4, 4, 4, 0, 4]  # the message_creation delta's snapshot lists none


def test_a_step_snapshot_holds_no_reference_to_its_step_builder() -> None:
    # The builder caches its current view: a view pointing back at the builder would be a
    # reference cycle that only the cycle collector frees.
    from runstream._core.step_builder import StepBuilder

    accumulator = _primed(2)
    view = accumulator._run_step_view("step_1")
    source = views._source(view.step_details)
    assert not any(isinstance(part, StepBuilder) for part in source)


# ---- any run, snapshots kept alive at random, read at random later times ----------------


@st.composite
def keeping(draw: Any, events: int) -> list[int | None]:
    """For each event: after how many more events its snapshot is read, or ``None``
    (dropped at once, never read)."""
    return draw(st.lists(st.none() | st.integers(0, 12), min_size=events, max_size=events))


class Checker:
    """Kept snapshots with the eager snapshots of their moment, each to be read at a
    chosen later event: every read must equal the eager snapshot."""

    def __init__(self, plan: list[int | None]) -> None:
        self.plan = plan
        self.position = 0
        self.kept: list[tuple[int, Any, Any]] = []
        self.read = 0

    def take(self, lazy: Any, eager: Any) -> None:
        """The snapshot of the event just merged (``position``), with its eager twin."""
        delay = self.plan[self.position % len(self.plan)]
        if delay is not None and lazy is not None:
            self.kept.append((self.position + delay, lazy, eager))

    def next_event(self) -> None:
        """Read what is due, then count one more event."""
        due = [item for item in self.kept if item[0] <= self.position]
        self.kept = [item for item in self.kept if item[0] > self.position]
        for _, lazy, eager in due:
            assert lazy == eager
            self.read += 1
        self.position += 1

    def finish(self) -> None:
        for _, lazy, eager in self.kept:
            assert lazy == eager
        self.kept = []


def _eager(accumulator: rs.Accumulator, typed: Any) -> Any:
    """The eager snapshot ``snapshots()`` pairs with ``typed`` (``None`` for none)."""
    if typed.event.startswith("thread.run.step."):
        return accumulator.run_step(typed.data.id)
    if typed.event.startswith("thread.message."):
        return accumulator.message(typed.data.id)
    if typed.event.startswith("thread.run."):
        return accumulator.run(typed.data.id)
    return None


@FAST
@given(run_plans(max_calls=6), st.data(), st.sampled_from([1, 2, views.LIVE_STEP_VIEWS]))
def test_snapshots_kept_at_random_read_at_random_equal_the_eager_ones(plan: Plan, data: Any, limit: int) -> None:
    events = plan.events()
    body = b"".join(frame(item.name, item.data) for item in plan.items)
    with mock.patch.object(views, "LIVE_STEP_VIEWS", limit):
        # The general path: each event fed, its step or message viewed as snapshots() does.
        checker = Checker(data.draw(keeping(len(events))))
        lazy, eager = rs.Accumulator(), rs.Accumulator()
        for typed in events:
            lazy.update(typed)
            eager.update(typed)
            name = typed.event
            if name.startswith("thread.run.step."):
                checker.take(lazy._run_step_view(typed.data.id), eager.run_step(typed.data.id))
            elif name.startswith("thread.message."):
                checker.take(lazy._message_view(typed.data.id), eager.message(typed.data.id))
            checker.next_event()
        checker.finish()

        # snapshots(): the fast path, which merges the hot events in place.
        checker = Checker(data.draw(keeping(len(events))))
        eager = rs.Accumulator()
        for update in rs.RunStream(iter([body])).snapshots():
            eager.update(update.event)
            checker.take(update.snapshot, _eager(eager, update.event))
            checker.next_event()
        checker.finish()

        # Delta callbacks on the fast path.
        checker = Checker(data.draw(keeping(len(events))))
        mirror = rs.Accumulator()

        class Keeping(EventHandler):
            def on_event(self, typed: Any) -> None:
                checker.next_event()
                mirror.update(typed)

            def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
                checker.take(snapshot, mirror.run_step(snapshot.id))

            def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
                step_id = self.current_event.data.id
                checker.take(snapshot, mirror.tool_call(step_id, delta.index))

        rs.RunStream(iter([body]), Keeping()).until_done()
        checker.finish()


@pytest.mark.slow
@SLOW
@given(run_plans(max_calls=6), st.data(), st.sampled_from([1, 2, views.LIVE_STEP_VIEWS]))
def test_snapshots_kept_at_random_read_at_random_equal_the_eager_ones_thoroughly(plan: Plan, data: Any, limit: int) -> None:
    test_snapshots_kept_at_random_read_at_random_equal_the_eager_ones.hypothesis.inner_test(plan, data, limit)  # type: ignore[attr-defined]



def test_a_snapshot_made_before_a_call_was_created_does_not_list_it() -> None:
    # On the fast path a new call is added to its step before the step's live snapshots are
    # taken care of: a snapshot of the moment before must still list only the calls then.
    body = b"".join(frame(name, data) for name, data in [
        ("thread.run.step.created", step_obj("step_1")),
        *_new_calls(0, 2),
        *_deltas(1, [1]),
    ])
    accumulator = rs.Accumulator()
    kept = []
    with pytest.raises(rs.IncompleteStreamError):  # deltas alone (see _stream)
        for update in rs.RunStream(iter([body]), accumulator=accumulator).snapshots():
            kept.append((update.snapshot, accumulator.run_step("step_1")))
    assert [len(lazy.step_details.tool_calls) for lazy, _ in kept] == [0, 1, 2, 2]
    assert all(lazy == eager for lazy, eager in kept)


# ---- a step snapshot nobody keeps costs nothing once dropped ----------------------------


def _stream_of_calls(calls: int, fragments: int) -> bytes:
    events = [("thread.run.step.created", step_obj("step_1"))]
    for index in range(calls):
        events += _new_calls(index, 1) + _deltas(fragments, [index])
    return b"".join(frame(name, data) for name, data in events)


def _reader_by_way(way: str, body: bytes, kept: list[Any]) -> Any:
    """A reader of ``body`` that keeps the step snapshots it gets the way named: not at all,
    whole, only their details, or as the loop variable of ``snapshots()`` (the previous
    update is alive while the next event is merged)."""

    class Keeping(EventHandler):
        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            if way == "whole":
                kept.append(snapshot)
            elif way == "details":
                kept.append(snapshot.step_details)

    def read() -> None:
        stream = rs.RunStream(iter([body]), Keeping())
        try:
            if way == "loop variable":
                for update in stream.snapshots():
                    if update.event.event == "thread.run.step.delta":
                        kept.append(update.snapshot)
            else:
                stream.until_done()
        except rs.IncompleteStreamError:  # deltas alone, with no run event
            pass

    return read


def test_a_step_snapshot_the_callback_drops_is_not_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    watched = []
    keep_live = views.keep_live

    def counting(references: Any, reference: Any) -> Any:
        watched.append(reference)
        return keep_live(references, reference)

    monkeypatch.setattr(views, "keep_live", counting)
    kept: list[Any] = []
    _reader_by_way("not kept", _stream_of_calls(5, 20), kept)()
    assert watched == []
    _reader_by_way("whole", _stream_of_calls(5, 20), kept)()
    assert len(watched) == len(kept) - 1  # each but the last: the step held it until its end


@pytest.mark.parametrize("way", ["whole", "details", "loop variable"])
def test_a_step_snapshot_kept_any_way_shows_its_own_moment(way: str) -> None:
    body = _stream_of_calls(4, 6)
    kept: list[Any] = []
    _reader_by_way(way, body, kept)()
    # The eager snapshots of the same moments, from an accumulator fed one event at a time.
    eager = []
    accumulator = rs.Accumulator()
    events = rs.RunStream(iter([body]))
    try:
        for typed in events:
            accumulator.feed(typed)
            if typed.event == "thread.run.step.delta":
                eager.append(accumulator.run_step("step_1"))
    except rs.IncompleteStreamError:
        pass
    assert len(eager) == 4 * 7
    if way == "details":
        assert kept == [snapshot.step_details for snapshot in eager]
    else:
        assert kept == eager


def test_a_step_snapshot_nobody_held_is_handed_out_again_and_reads_its_new_moment() -> None:
    # The usual callback drops its snapshot: the next one of the same step, when only a call
    # changed, is the same object, and reads what an eager snapshot of that moment reads,
    # whether the one before was read (then a new one is made) or not.
    events = [("thread.run.step.created", step_obj("step_1"))] + _new_calls(0, 3) + _deltas(30, [0, 1, 2, 2, 0])
    body = b"".join(frame(name, data) for name, data in events)
    accumulator = rs.Accumulator()
    handed: list[int] = []
    read: list[tuple[int, Any, Any]] = []

    class Reading(EventHandler):
        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            handed.append(id(snapshot))
            if len(handed) % 4 == 0:  # read now and then, compared with the eager snapshot now
                read.append((len(handed), snapshot.step_details.tool_calls, accumulator.run_step("step_1")))

    try:
        rs.RunStream(iter([body]), Reading(), accumulator=accumulator).until_done()
    except rs.IncompleteStreamError:  # deltas alone, with no run event
        pass
    assert len(handed) == 33
    # Handed out again while unread; a new one after each read (and after each new call).
    assert len(set(handed)) < 15
    assert len(read) == 8
    assert all(calls == eager.step_details.tool_calls for _, calls, eager in read)


def test_a_step_snapshot_nobody_held_is_handed_out_again_as_calls_are_created(monkeypatch: pytest.MonkeyPatch) -> None:
    # 40 calls created one after another, each then growing, read with until_done() and a
    # callback that drops the step snapshot: the step's one view lists one call more at each
    # creation. Read now and then, it shows the moment of the read, and a new one is made
    # after each read.
    import runstream._core.step_builder as step_builder

    built = 0
    make = step_builder.tool_calls_view

    def counted(calls: Any) -> Any:
        nonlocal built
        built += 1
        return make(calls)

    monkeypatch.setattr(step_builder, "tool_calls_view", counted)
    deltas = []
    for index in range(1, 41):
        deltas += _new_calls(index, 1) + _deltas(2, [index])
    accumulator = _primed(1)
    read_at: list[tuple[Any, Any]] = []

    class Dropping(EventHandler):
        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            call = delta.step_details.tool_calls[0]
            if call.index % 13 == 0 and call.id:  # calls 13, 26 and 39, at their creation
                read_at.append((snapshot.step_details.tool_calls, accumulator.run_step("step_1").step_details.tool_calls))

    _stream(Dropping(), accumulator, deltas)()
    assert [len(calls) for calls, _ in read_at] == [14, 27, 40]
    assert all(calls == eager for calls, eager in read_at)
    # One at the first delta, and one after each read: not one per call created.
    assert built == 1 + len(read_at)
    assert accumulator.run_step("step_1").step_details.tool_calls[-1].function.arguments == '"ab"ab'


# ---- a tool call snapshot nobody keeps is handed out again --------------------------------


@pytest.mark.parametrize("way", ["not kept", "whole", "function", "read now and then", "step kept"])
def test_a_tool_call_snapshot_kept_any_way_or_not_at_all_shows_its_own_moment(way: str) -> None:
    # Only the arguments of a call grow: its latest snapshot, if nobody holds it (nor its
    # function) and its arguments are unread, is handed out again with its length updated.
    events = [("thread.run.step.created", step_obj("step_1"))] + _new_calls(0, 2) + _deltas(24, [0, 1, 1])
    body = b"".join(frame(name, data) for name, data in events)
    accumulator = rs.Accumulator()
    handed: list[int] = []
    kept: list[tuple[Any, Any]] = []
    steps: list[Any] = []

    class Keeping(EventHandler):
        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            if way == "step kept":
                steps.append((snapshot, accumulator.run_step("step_1")))

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            handed.append(id(snapshot))
            eager = accumulator.run_step("step_1").step_details.tool_calls[delta.index]
            if way == "whole":
                kept.append((snapshot, eager))
            elif way == "function":
                kept.append((snapshot.function, eager.function))
            elif way == "read now and then" and len(handed) % 3 == 0:
                kept.append((snapshot.function.arguments, eager.function.arguments))

    try:
        rs.RunStream(iter([body]), Keeping(), accumulator=accumulator).until_done()
    except rs.IncompleteStreamError:  # deltas alone, with no run event
        pass
    assert len(handed) == 26
    assert all(got == eager for got, eager in kept)
    assert all(snapshot == eager for snapshot, eager in steps)
    if way == "not kept":
        assert len(set(handed)) <= 4  # one per call, and one for each creation
    elif way in ("whole", "function"):
        # What was kept is alive: distinct objects, none handed out again.
        assert len(kept) == 26 and len({id(got) for got, _ in kept}) == 26
    elif way == "step kept":
        assert len(steps) == 26


def test_calls_one_after_another_keep_no_view_of_the_calls_before() -> None:
    # A step of 300 calls, each created and then growing, read with a tool call callback that
    # drops its snapshots: a call's latest view, kept for its next fragment, is let go when
    # the next call is created. Kept, every call would hold tracked objects to its end.
    events: list[tuple[str, dict[str, Any]]] = [("thread.run.step.created", step_obj("step_1"))]
    for index in range(300):
        events += _new_calls(index, 1) + [
            ("thread.run.step.delta", step_delta("step_1", function_piece(index, piece))) for piece in ('{"a', '": 1}')
        ]
    body = b"".join(frame(name, data) for name, data in events)
    accumulator = rs.Accumulator()
    holding: list[int] = []
    latest: list[Any] = []

    class Dropping(EventHandler):
        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            calls = accumulator._steps["step_1"].tool_calls
            holding.append(sum(call.view is not None for call in calls.values()))
            latest[:] = [(delta.index, snapshot.function.arguments if len(holding) % 7 == 0 else None)]

    with pytest.raises(rs.IncompleteStreamError):  # deltas alone, with no run event
        rs.RunStream(iter([body]), Dropping(), accumulator=accumulator).until_done()
    assert len(holding) == 900
    assert max(holding) <= 2  # the call that changes, and the one before until the next starts
    step = accumulator.run_step("step_1")
    assert [call.function.arguments for call in step.step_details.tool_calls] == ['{"a": 1}'] * 300


_TEXT_WAYS = ["not kept", "message", "content", "block", "text", "read now and then", "text only", "message only"]


@pytest.mark.parametrize("way", _TEXT_WAYS)
def test_a_message_or_text_snapshot_kept_any_way_or_not_at_all_shows_its_own_moment(
        way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the text of one part grows: the message's and the part's latest snapshots, if
    # nobody holds any of them and the text is unread, are handed out again.
    order = [0, 1] + [0, 0, 1, 0, 1, 1, 0] * 3  # the part each delta is about
    events = [("thread.message.created", message_obj("msg_1"))]
    events += [("thread.message.delta", message_delta("msg_1", text_piece(index, f"w{n} " if n > 1 else "")))
               for n, index in enumerate(order)]
    body = b"".join(frame(name, data) for name, data in events)
    accumulator = rs.Accumulator()
    handed: list[int] = []
    kept: list[tuple[Any, Any]] = []

    class Keeping(EventHandler):
        pass

    def on_message_delta(self: Any, delta: Any, snapshot: Any) -> None:
        handed.append(id(snapshot))
        if way in ("not kept", "text only", "message only"):
            return  # (an eager snapshot taken here would be what the text callback gets)
        eager = accumulator.message("msg_1")
        if way == "message":
            kept.append((snapshot, eager))
        elif way == "content":
            kept.append((snapshot.content, eager.content))
        elif way == "block":
            kept.append((snapshot.content[-1], eager.content[-1]))
        elif way == "read now and then" and len(handed) % 3 == 0:
            kept.append((snapshot.content[0].text.value, eager.content[0].text.value))

    texts: list[Any] = []

    def on_text_delta(self: Any, delta: Any, snapshot: Any) -> None:
        handed.append(id(snapshot))
        texts.append(None)
        if way == "text":
            kept.append((snapshot, accumulator.message("msg_1").content[order[len(texts) - 1]].text))

    import runstream._core.message_builder as message_builder

    made = []
    text_view = message_builder.text_view
    monkeypatch.setattr(message_builder, "text_view", lambda *arguments: made.append(1) or text_view(*arguments))
    if way != "text only":
        Keeping.on_message_delta = on_message_delta  # type: ignore[attr-defined]
    if way != "message only":
        Keeping.on_text_delta = on_text_delta  # type: ignore[attr-defined]
    try:
        rs.RunStream(iter([body]), Keeping(), accumulator=accumulator).until_done()
    except rs.IncompleteStreamError:  # deltas alone, with no run event
        pass
    per_delta = 1 if way in ("text only", "message only") else 2
    assert len(handed) == per_delta * 23
    assert kept or way in ("not kept", "text only", "message only")
    assert all(got == eager for got, eager in kept)
    if way in ("not kept", "text only", "message only"):
        assert len(made) <= 4  # one per part, and again after the other part changed
    else:
        assert len(made) > 10
