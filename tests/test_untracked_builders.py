"""Objects the cycle collector tracks cost time at every full collection, and a step of many
parallel calls keeps its calls' builders for as long as it lasts: tool call builders are not
tracked, which is safe only because none can ever be part of a reference cycle."""

from __future__ import annotations

import gc
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import Plan, event, function_piece, function_start, run_plans, step_delta, step_obj
from stream_builders import frame

import runstream as rs
from runstream._core.tool_call_builder import OutputBuilder, ToolCallBuilder

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ATOMS = (str, bytes, int, float, bool, type(None))


def _builders(accumulator: rs.Accumulator) -> list[Any]:
    """Every tool call and code_interpreter output builder of ``accumulator``."""
    found: list[Any] = []
    for step in accumulator._steps.values():
        for call in step.tool_calls.values():
            found.append(call)
            found.extend(call.outputs.values())
    return found


def _referents(obj: Any) -> list[Any]:
    if isinstance(obj, msgspec.Struct) and not type(obj).__struct_config__.gc:
        # Of a type the collector never tracks: it does not list what they hold, their fields do.
        return [getattr(obj, name) for name in obj.__struct_fields__]
    return gc.get_referents(obj)  # reads no lazy field of a view (no materializing)


def _leads_back(builder: Any) -> bool:
    """Whether anything ``builder`` holds, however indirectly, holds ``builder``."""
    seen: set[int] = set()
    stack = _referents(builder)
    while stack:
        obj = stack.pop()
        if obj is builder:
            return True
        if isinstance(obj, _ATOMS) or isinstance(obj, type) or id(obj) in seen:
            continue
        seen.add(id(obj))
        stack.extend(_referents(obj))
    return False


def test_tool_call_and_output_builders_are_not_tracked() -> None:
    code = {"index": 1, "type": "code_interpreter", "id": "call_c",
            "code_interpreter": {"input": "1+1", "outputs": [{"index": 0, "type": "logs", "logs": "2"}]}}
    accumulator = rs.Accumulator()
    for typed in [
        event("thread.run.step.created", step_obj("step_1")),
        event("thread.run.step.delta", step_delta("step_1", function_start(0, "call_f", "f"), code)),
        event("thread.run.step.delta", step_delta("step_1", function_piece(0, "{}"))),
    ]:
        accumulator.update(typed)
    builders = _builders(accumulator)
    assert [type(builder).__name__ for builder in builders] == ["ToolCallBuilder", "ToolCallBuilder", "OutputBuilder"]
    assert not any(gc.is_tracked(builder) for builder in builders)


def test_a_step_of_many_calls_keeps_one_tracked_object_per_call() -> None:
    # The list of a call's argument pieces (appended in place) is the one left.
    calls = 2_000
    accumulator = rs.Accumulator()
    accumulator.update(event("thread.run.step.created", step_obj("step_1")))
    body = b"".join(
        frame("thread.run.step.delta", step_delta("step_1", delta))
        for index in range(calls)
        for delta in (function_start(index, f"call_{index}", "f"), function_piece(index, '{"a": 1}'))
    )
    gc.collect()
    before = len(gc.get_objects())
    try:
        rs.RunStream(iter([body]), accumulator=accumulator).until_done()
    except rs.IncompleteStreamError:  # deltas alone, with no run event
        pass
    gc.collect()
    tracked = len(gc.get_objects()) - before
    assert len(accumulator._steps["step_1"].tool_calls) == calls
    assert tracked < 1.1 * calls


def test_a_step_of_many_calls_holds_one_container_per_call() -> None:
    # A function call has no outputs and no fields: its builder holds no dict of its own
    # for them (each allocation counts towards the collector's next run), only its pieces.
    calls = 500
    accumulator = rs.Accumulator()
    accumulator.update(event("thread.run.step.created", step_obj("step_1")))
    for index in range(calls):
        accumulator.update(event("thread.run.step.delta", step_delta("step_1", function_start(index, f"call_{index}", "f"))))
        accumulator.update(event("thread.run.step.delta", step_delta("step_1", function_piece(index, '{"a": 1}'))))
    builders = _builders(accumulator)
    containers = {id(obj) for builder in builders for obj in _referents(builder) if isinstance(obj, (dict, list))}
    assert len(builders) == calls
    assert len(containers) <= calls + 2
    assert [builder.arguments() for builder in builders] == ['{"a": 1}'] * calls


def test_the_latest_view_a_call_keeps_tracks_one_object() -> None:
    # Each call of a step keeps its latest view until it next changes: with 10,000 calls
    # that is 10,000 views. The call's Struct is tracked; its arguments view and what that
    # holds (its builder's pieces, already counted) are not.
    accumulator = rs.Accumulator()
    for typed in [
        event("thread.run.step.created", step_obj("step_1")),
        event("thread.run.step.delta", step_delta("step_1", function_start(0, "call_f", "f"))),
        event("thread.run.step.delta", step_delta("step_1", function_piece(0, "{}"))),
    ]:
        accumulator.update(typed)
    view = accumulator._tool_call_view("step_1", 0)
    assert accumulator._steps["step_1"].tool_calls[0].view is view
    held = [view.function, *(obj for obj in gc.get_referents(view.function) if not isinstance(obj, type))]
    assert [obj for obj in held if gc.is_tracked(obj)] == []
    assert view.function.arguments == "{}"


@FAST
@given(run_plans(max_calls=5), st.data())
def test_no_builder_is_ever_part_of_a_reference_cycle(plan: Plan, data: st.DataObject) -> None:
    # An untracked object in a cycle would never be freed: whatever views, snapshots and
    # readers hold, nothing a builder holds may lead back to it. Checked at random moments
    # of a run read through delta callbacks that keep and read snapshots at random.
    body = b"".join(frame(item.name, item.data) for item in plan.items)
    checks = data.draw(st.lists(st.booleans(), min_size=len(plan.items), max_size=len(plan.items)))
    kept: list[Any] = []
    accumulator = rs.Accumulator()
    position = 0

    class Keeping(rs.EventHandler):
        def on_event(self, typed: Any) -> None:
            nonlocal position
            if checks[position % len(checks)]:
                for builder in _builders(accumulator):
                    assert not _leads_back(builder)
            position += 1

        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            kept.append(snapshot)
            if data.draw(st.booleans()):
                assert snapshot.step_details is not None  # read (or not) at random

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            kept.append(snapshot)
            if data.draw(st.booleans()):
                msgspec.json.encode(rs.types.materialize(snapshot))

    rs.RunStream(iter([body]), Keeping(), accumulator=accumulator).until_done()
    for snapshot in kept:
        rs.types.materialize(snapshot)
    for builder in _builders(accumulator):
        assert not _leads_back(builder)


# ---- the big events of a step of many calls allocate nothing per call the collector tracks ----


def test_finishing_a_step_of_many_calls_builds_no_set_per_call(monkeypatch: Any) -> None:
    # Output indexes are compared for calls that have outputs (code_interpreter) only.
    import runstream._core.event_merging as event_merging

    made = 0

    def counted_set(*arguments: Any) -> set[Any]:
        nonlocal made
        made += 1
        return set(*arguments)

    calls = [{"id": f"call_{index}", "type": "function",
              "function": {"name": "f", "arguments": "{}", "output": None}} for index in range(1_000)]
    accumulator = rs.Accumulator()
    accumulator.update(event("thread.run.step.created", step_obj("step_1")))
    accumulator.update(event("thread.run.step.delta", step_delta("step_1", *(
        function_start(index, f"call_{index}", "f") for index in range(1_000)))))
    monkeypatch.setattr(event_merging, "set", counted_set, raising=False)
    accumulator.update(event("thread.run.step.completed", step_obj("step_1", status="completed", tool_calls=calls)))
    assert made == 0
    assert len(accumulator.run_step("step_1").step_details.tool_calls) == 1_000


def test_the_calls_a_run_waits_on_are_scanned_with_untracked_objects() -> None:
    # A run that waits on calls is first scanned for long arguments (one object per call).
    from runstream._core.repeated_arguments import _decode_run_calls

    data = msgspec.json.encode({"id": "run_1", "required_action": {"submit_tool_outputs": {"tool_calls": [
        {"id": f"call_{index}", "function": {"name": "f", "arguments": "{}"}} for index in range(3)]}}})
    run = _decode_run_calls(data)
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [call.id for call in calls] == ["call_0", "call_1", "call_2"]
    objects = [run, run.required_action, run.required_action.submit_tool_outputs, *calls,
               *(call.function for call in calls)]
    assert not any(gc.is_tracked(obj) for obj in objects)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_plans(max_calls=5), st.data())
def test_no_builder_is_ever_part_of_a_reference_cycle_thoroughly(plan: Plan, data: st.DataObject) -> None:
    test_no_builder_is_ever_part_of_a_reference_cycle.hypothesis.inner_test(plan, data)  # type: ignore[attr-defined]


#: What a child process runs: read every recording (argv[1] is their folder) three times, and
#: print the bytes still held after the last two reads minus those held after the first, then
#: where the blocks that grew were allocated.
_READ_AGAIN_AND_AGAIN = """
import gc, sys, tracemalloc
from pathlib import Path

import runstream
from runstream import chat, responses

streams = {"assistants": runstream.RunStream, "chat": chat.ChatCompletionStream,
           "responses": responses.ResponseStream}
recordings = [(streams[path.parent.name], path.read_bytes()) for path in sorted(Path(sys.argv[1]).glob("*/*.sse"))]
assert len(recordings) > 30, len(recordings)

def read_all():
    for stream, body in recordings:
        reader = stream(iter([body]))
        for update in reader.snapshots():
            repr(update)  # every lazy snapshot built
        stream(iter([body])).until_done()

read_all()  # caches (shape classes, decoders) filled
tracemalloc.start()  # one frame: the line of runstream (or of the C call it made) that allocated
read_all()
gc.collect()
before = tracemalloc.take_snapshot()
for _ in range(2):
    read_all()
gc.collect()
after = tracemalloc.take_snapshot()
own = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<string>")]
growth = after.filter_traces(own).compare_to(before.filter_traces(own), "traceback")
print(sum(stat.size_diff for stat in growth))
for stat in [stat for stat in growth if stat.size_diff > 0][:3]:
    print(f"{stat.size_diff:+} bytes, {stat.count_diff:+} blocks, allocated at")
    print("\\n".join(stat.traceback.format()))
"""


def test_reading_recordings_again_and_again_keeps_no_memory() -> None:
    # Wire objects and builders are untracked: a reference cycle through one of them would
    # never be freed, and would show here as memory growing with every stream read. It is
    # measured in a process of its own: in the test runner's, other threads (the runner's, a
    # server another test left to wind down) allocate whenever they run, and are traced too.
    import subprocess
    import sys
    from pathlib import Path

    folder = Path(__file__).parent / "recordings"
    result = subprocess.run([sys.executable, "-c", _READ_AGAIN_AND_AGAIN, str(folder)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    grown, _, where = result.stdout.partition("\n")
    # One object of 50 bytes kept per stream read would be 3.5 kB.
    assert int(grown) < 2_000, f"{grown} bytes kept after reading the recordings twice more:\n{where}"


def _recordings() -> list[tuple[str, bytes]]:
    from pathlib import Path

    return [(path.parent.name, path.read_bytes()) for path in sorted((Path(__file__).parent / "recordings").glob("*/*.sse"))]


def test_a_stream_read_to_its_end_leaves_nothing_for_the_cycle_collector() -> None:
    # What a stream built is freed by reference counting as soon as the stream goes. Any
    # reference cycle (a table of bound methods on the accumulator was one) keeps all of it,
    # thousands of calls' pieces included, until a full collection of the whole process.
    from runstream import chat, responses

    streams: dict[str, Any] = {"assistants": rs.RunStream, "chat": chat.ChatCompletionStream,
                               "responses": responses.ResponseStream}

    class Callbacks(rs.EventHandler):
        def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            pass

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            pass

    def readers(kind: str, body: bytes) -> list[Any]:
        stream = streams[kind]
        ways = [
            lambda: stream(iter([body])).until_done(),
            lambda: [repr(update) for update in stream(iter([body])).snapshots()],
            lambda: list(stream(iter([body]))),
        ]
        if kind == "assistants":
            ways.append(lambda: rs.RunStream(iter([body]), Callbacks()).until_done())
        return ways

    recordings = _recordings()
    assert len(recordings) > 30
    ways = [read for kind, body in recordings for read in readers(kind, body)]
    for read in ways:
        read()  # caches filled
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for read in ways:
            read()
        gc.collect()
        left = sorted({type(obj).__name__ for obj in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
