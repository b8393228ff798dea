"""Property-based tests of the accumulator: generated runs (strategies.run_plans) rebuild
the authoritative objects from their deltas; a lost or corrupted delta is always noticed;
a state machine interleaves creation, deltas and completion and checks invariants."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from strategies import (
    Item,
    Plan,
    builtins,
    code_piece,
    corrupted,
    corruptible_strings,
    event,
    function_call,
    function_piece,
    function_start,
    message_delta,
    message_obj,
    run_obj,
    run_plans,
    split,
    step_delta,
    step_obj,
    strip_final_only,
    text_part,
    text_piece,
    tricky_text,
)

import runstream as rs
import runstream.notifications

# The fast tier draws few plans; the slow tier (SLOW, heavier plans) many.
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TERMINAL = ("completed", "incomplete", "failed", "cancelled", "expired")


def is_final(item: Item) -> bool:
    return item.owner is not None and item.name.rsplit(".", 1)[1] in TERMINAL


def snapshot(acc: rs.Accumulator, kind: str, object_id: str) -> Any:
    return acc.run_step(object_id) if kind == "step" else acc.message(object_id)


# Notification type -> (lifecycle stage, key of the object it is about).
LIFECYCLE = {
    rs.notifications.StepCreated: ("created", lambda n: ("step", n.step_id)),
    rs.notifications.StepDeltaReceived: ("delta", lambda n: ("step", n.step_id)),
    rs.notifications.StepDone: ("done", lambda n: ("step", n.step_id)),
    rs.notifications.ToolCallCreated: ("created", lambda n: ("call", n.step_id, n.index)),
    rs.notifications.ToolCallDeltaReceived: ("delta", lambda n: ("call", n.step_id, n.index)),
    rs.notifications.ToolCallDone: ("done", lambda n: ("call", n.step_id, n.index)),
    rs.notifications.MessageCreated: ("created", lambda n: ("message", n.message_id)),
    rs.notifications.MessageDeltaReceived: ("delta", lambda n: ("message", n.message_id)),
    rs.notifications.MessageDone: ("done", lambda n: ("message", n.message_id)),
    rs.notifications.ContentPartCreated: ("created", lambda n: ("part", n.message_id, n.index)),
    rs.notifications.ContentPartDeltaReceived: ("delta", lambda n: ("part", n.message_id, n.index)),
    rs.notifications.ContentPartDone: ("done", lambda n: ("part", n.message_id, n.index)),
    rs.notifications.CodeInterpreterOutputAdded: ("created", lambda n: ("output", n.step_id, n.tool_index, n.output_index)),
    rs.notifications.AnnotationAdded: ("created", lambda n: ("annotation", n.message_id, n.content_index, n.annotation_index)),
}


def lifecycles(notes: list[Any]) -> dict[tuple[Any, ...], list[str]]:
    """Each object's stages, in the order they were notified."""
    stages: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for note in notes:
        if type(note) in LIFECYCLE:
            stage, key = LIFECYCLE[type(note)]
            stages[key(note)].append(stage)
    return stages


def expected_keys(plan: Plan) -> set[tuple[Any, ...]]:
    keys: set[tuple[Any, ...]] = set()
    for object_id, kind in plan.kinds.items():
        keys.add((kind, object_id))
    keys |= {("call", step, index) for step, indexes in plan.tool_indexes.items() for index in indexes}
    keys |= {("part", message, index) for message, indexes in plan.part_indexes.items() for index in indexes}
    keys |= {("output", *call, index) for call, indexes in plan.output_indexes.items() for index in indexes}
    keys |= {("annotation", *part, index) for part, indexes in plan.annotation_indexes.items() for index in indexes}
    return keys


def check_plan(plan: Plan) -> None:
    acc, updated = rs.Accumulator(), rs.Accumulator()
    notes: list[Any] = []
    for item in plan.items:
        typed = item.typed()
        if is_final(item):
            kind = plan.kinds[item.owner]
            built = builtins(snapshot(acc, kind, item.owner))
            assert strip_final_only(kind, built) == strip_final_only(kind, item.data), item.owner
        notes += acc.feed(typed)
        updated.update(typed)
    assert acc.discrepancies == [] and acc.anomalies == []
    for object_id, kind in plan.kinds.items():
        assert builtins(snapshot(acc, kind, object_id)) == plan.finals[object_id]
    stages = lifecycles(notes)
    assert set(stages) == expected_keys(plan)
    for key, seen in stages.items():
        if key[0] in ("output", "annotation"):
            assert seen == ["created"], key
        else:
            assert seen[0] == "created" and seen[-1] == "done", (key, seen)
            assert seen.count("created") == seen.count("done") == 1, (key, seen)
    for action in [note for note in notes if isinstance(note, rs.notifications.RunRequiresAction)]:
        for call in action.tool_calls:
            assert (call.arguments, call.arguments_error) == (json.loads(call.raw_arguments), None)
    assert updated.to_builtins() == acc.to_builtins()


@FAST
@given(run_plans())
def test_deltas_rebuild_the_authoritative_objects(plan: Plan) -> None:
    check_plan(plan)


@pytest.mark.slow
@SLOW
@given(run_plans(max_steps=3, max_calls=5, max_messages=3, max_parts=4))
def test_deltas_rebuild_the_authoritative_objects_heavy(plan: Plan) -> None:
    check_plan(plan)


def damaged_discrepancies(plan: Plan, data: st.DataObject, drop: bool) -> list[rs.notifications.Discrepancy]:
    counts: dict[str | None, int] = defaultdict(int)
    for item in plan.items:
        counts[item.owner] += item.is_delta
    # An object none of whose deltas arrived is indistinguishable from one never streamed
    # (message_creation steps are not), so the damaged delta is one of several.
    candidates = [position for position, item in enumerate(plan.items) if item.is_delta and counts[item.owner] > 1]
    assume(candidates)
    position = data.draw(st.sampled_from(candidates), label="damaged delta")
    items = list(plan.items)
    if drop:
        del items[position]
    else:
        item = items[position]
        path = data.draw(st.sampled_from(corruptible_strings(item.data)), label="corrupted field")
        items[position] = Item(item.name, corrupted(item.data, path), item.owner)
    acc = rs.Accumulator()
    for item in items:
        acc.update(item.typed())
    return acc.discrepancies


@FAST
@given(run_plans(), st.data(), st.booleans())
def test_a_lost_or_corrupted_delta_is_noticed(plan: Plan, data: st.DataObject, drop: bool) -> None:
    assert damaged_discrepancies(plan, data, drop)


@pytest.mark.slow
@SLOW
@given(run_plans(max_steps=3, max_calls=4, max_messages=3, max_parts=4), st.data(), st.booleans())
def test_a_lost_or_corrupted_delta_is_noticed_heavy(plan: Plan, data: st.DataObject, drop: bool) -> None:
    assert damaged_discrepancies(plan, data, drop)


# ---- state machine ---------------------------------------------------------------------


class AccumulatorMachine(RuleBasedStateMachine):
    """Steps with function calls and messages with text parts, created, streamed and
    completed in any interleaving; a model of what the deltas sent is checked against the
    snapshots after every rule."""

    steps = Bundle("steps")
    messages = Bundle("messages")

    def __init__(self) -> None:
        super().__init__()
        self.acc = rs.Accumulator()
        self.notes: list[Any] = list(self.acc.feed(event("thread.run.created", run_obj())))
        self.calls: dict[str, dict[int, list[str]]] = {}  # step -> index -> [name, arguments]
        self.parts: dict[str, dict[int, str]] = {}  # message -> index -> text
        self.done: set[str] = set()
        self.order: list[str] = []
        self.counter = 0

    def _feed(self, name: str, data: dict[str, Any]) -> None:
        self.notes += self.acc.feed(event(name, data))

    def _new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    @rule(target=steps)
    def create_step(self) -> str:
        step_id = self._new_id("step")
        self.calls[step_id] = {}
        self.order.append(step_id)
        self._feed("thread.run.step.created", step_obj(step_id))
        return step_id

    @rule(target=messages)
    def create_message(self) -> str:
        message_id = self._new_id("msg")
        self.parts[message_id] = {}
        self.order.append(message_id)
        self._feed("thread.message.created", message_obj(message_id))
        return message_id

    @rule(step_id=steps, index=st.sampled_from([0, 1, 2, 7, 10**9]), data=st.data())
    def stream_call(self, step_id: str, index: int, data: st.DataObject) -> None:
        if step_id in self.done:
            return
        calls = self.calls[step_id]
        fragments = []
        if index not in calls:
            name = data.draw(st.sampled_from(["f", "g"]))
            calls[index] = [name, ""]
            fragments.append(function_start(index, f"call_{step_id}_{index}", name))
        pieces = data.draw(split(data.draw(tricky_text)))
        calls[index][1] += "".join(pieces)
        fragments += [function_piece(index, piece) for piece in pieces]
        self._feed("thread.run.step.delta", step_delta(step_id, *fragments))

    @rule(message_id=messages, index=st.sampled_from([0, 1, 3]), piece=tricky_text | st.just("\n\n"))
    def stream_text(self, message_id: str, index: int, piece: str) -> None:
        if message_id in self.done:
            return
        parts = self.parts[message_id]
        parts[index] = parts.get(index, "") + piece
        self._feed("thread.message.delta", message_delta(message_id, text_piece(index, piece)))

    @rule(step_id=consumes(steps))
    def complete_step(self, step_id: str) -> None:
        calls = self.calls[step_id]
        final = [function_call(f"call_{step_id}_{i}", calls[i][0], calls[i][1], "out") for i in sorted(calls)]
        self.done.add(step_id)
        self._feed("thread.run.step.completed", step_obj(step_id, status="completed", tool_calls=final))

    @rule(message_id=consumes(messages), status=st.sampled_from(["completed", "incomplete"]))
    def complete_message(self, message_id: str, status: str) -> None:
        parts = self.parts[message_id]
        content = [text_part(parts[index]) for index in sorted(parts)]
        self.done.add(message_id)
        self._feed(f"thread.message.{status}", message_obj(message_id, status=status, content=content))

    @invariant()
    def snapshots_match_the_model(self) -> None:
        for step_id, calls in self.calls.items():
            built = self.acc.run_step(step_id).step_details.tool_calls
            expected = [tuple(calls[i]) for i in sorted(calls)]
            assert [(c.function.name, c.function.arguments) for c in built] == expected
            for index in calls:
                assert self.acc.tool_call(step_id, index).function.arguments == calls[index][1]
        for message_id, parts in self.parts.items():
            assert [p.text.value for p in self.acc.message(message_id).content] == [parts[i] for i in sorted(parts)]

    @invariant()
    def lifecycle_and_verification_hold(self) -> None:
        assert self.acc.discrepancies == [] and self.acc.anomalies == []
        assert [s.id for s in self.acc.run_steps] + [m.id for m in self.acc.messages] == [
            i for i in self.order if i.startswith("step")] + [i for i in self.order if i.startswith("msg")]
        for key, seen in lifecycles(self.notes).items():
            owner = key[1]
            assert seen[0] == "created" and seen.count("created") == 1, (key, seen)
            assert seen.count("done") == (owner in self.done), (key, seen)
            assert "done" not in seen or seen[-1] == "done", (key, seen)


TestAccumulatorMachine = AccumulatorMachine.TestCase
TestAccumulatorMachine.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)


@pytest.mark.slow
def test_accumulator_machine_heavy() -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        AccumulatorMachine, settings=settings(max_examples=150, stateful_step_count=60, deadline=None)
    )


# ---- cost per delta: counted work, never timed -----------------------------------------


def _hot_deltas(count: int) -> list[Any]:
    """``count`` rounds of appended fragments: function arguments, code input and logs,
    text and refusal, decoded before the counting starts."""
    events = []
    for _ in range(count):
        events.append(event("thread.run.step.delta", step_delta(
            "step_1", function_piece(0, '"\\n'), code_piece(1, "x", [{"index": 0, "type": "logs", "logs": "l"}]))))
        events.append(event("thread.message.delta", message_delta(
            "msg_1", text_piece(0, "é "), {"index": 1, "type": "refusal", "refusal": "r"})))
    return events


def _primed() -> rs.Accumulator:
    acc = rs.Accumulator()
    acc.feed(event("thread.run.step.created", step_obj("step_1")))
    acc.feed(event("thread.message.created", message_obj("msg_1")))
    acc.feed(event("thread.run.step.delta", step_delta(
        "step_1", function_start(0, "call_1", "f"), code_piece(1, "", [{"index": 0, "type": "logs", "logs": ""}]))))
    return acc


def test_no_serialisation_or_join_while_deltas_arrive(monkeypatch: pytest.MonkeyPatch) -> None:
    import msgspec

    import runstream._core.message_builder as message_builder
    import runstream._core.step_builder as step_builder

    acc, quiet = _primed(), _primed()
    events = _hot_deltas(5_000)
    calls: dict[str, int] = defaultdict(int)

    def counted(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    for owner, name in [(msgspec, "to_builtins"), (msgspec, "convert"), (msgspec.json, "encode"),
                        (step_builder, "join_pieces"), (message_builder, "join_pieces")]:
        monkeypatch.setattr(owner, name, counted(f"{owner.__name__}.{name}", getattr(owner, name)))
    for typed in events:
        acc.feed(typed)
        quiet.update(typed)
    assert dict(calls) == {}
    call = acc._steps["step_1"].tool_calls[0]
    # Kept as pieces (never the whole value joined per delta); the pieces appended since the
    # last compaction are joined every few hundred deltas, so their number stays bounded.
    assert 5_001 // 256 <= len(call.pieces) <= 5_001 // 256 + 256
    monkeypatch.undo()
    assert acc.tool_call("step_1", 0).function.arguments == '"\\n' * 5_000
    assert acc.content_part("msg_1", 0).text.value == "é " * 5_000
    assert len(call.pieces) == len(acc._messages["msg_1"].parts[0].pieces) == 1  # bounded once read
    assert quiet.to_builtins() == acc.to_builtins()


def _calls_made(acc: rs.Accumulator, events: list[Any], notify: bool) -> int:
    """How many Python and builtin function calls merging ``events`` makes."""
    import sys

    count = 0

    def profile(frame: Any, what: str, arg: Any) -> None:
        nonlocal count
        if what in ("call", "c_call"):
            count += 1

    merge = acc.feed if notify else acc.update
    sys.setprofile(profile)
    try:
        for typed in events:
            merge(typed)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("notify", [True, False])
# 1,000 plus a multiple of 256: the batch meets the every-256-deltas compaction cycle at the
# same phase after either amount, so the same pieces are joined in it.
@pytest.mark.parametrize("many", [1_000 + 256 * 35, pytest.param(1_000 + 256 * 191, marks=pytest.mark.slow)])
def test_work_per_delta_does_not_grow_with_what_was_accumulated(notify: bool, many: int) -> None:
    batch = _hot_deltas(512)  # any 512 deltas in a row hold exactly two compactions (every 256)
    work = []
    for accumulated in (1_000, many):
        acc = _primed()
        for typed in _hot_deltas(accumulated):
            acc.update(typed)
        acc.run_step("step_1")  # a snapshot read in between must not make later deltas dearer
        work.append(_calls_made(acc, batch, notify))
    assert work[0] == work[1] > 0
