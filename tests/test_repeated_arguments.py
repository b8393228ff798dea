"""A ``requires_action`` run repeating long arguments the deltas built: ``until_done``'s
fast path decodes it without a second copy of them. The result must be the one reading the
stream event by event gives, whatever the arguments hold; memory must stay near one copy
of the arguments plus the event's bytes."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stream_builders import function_call, run_event, step, wire
from test_drain import outcome

from runstream import RunStream
from runstream._core import drain, repeated_arguments
from runstream._core.repeated_arguments import _equals_pieces


def tool_run(arguments: list[str], repeated: list[str] | None = None, *, ascii_only: bool = True,
             fragment: int = 4096, **extra: Any) -> bytes:
    """A run whose step builds one call per ``arguments`` from fragments, then waits on
    them in requires_action (which repeats ``repeated``, by default the same arguments)."""
    details = {"type": "tool_calls", "tool_calls": []}
    events: list[tuple[str, Any]] = [run_event("created"), ("thread.run.step.created", step("step_T", "in_progress", details))]
    for index, text in enumerate(arguments):
        pieces = [text[i : i + fragment] for i in range(0, len(text), fragment)]
        events += function_call("step_T", f"call_{index}", "f", pieces, index)
    calls = [(f"call_{index}", "f", text) for index, text in enumerate(repeated if repeated is not None else arguments)]
    name, data = run_event("requires_action", tool_calls=calls, **extra)
    body = wire(*events)
    return body + f"event: {name}\ndata: {json.dumps(data, ensure_ascii=ascii_only)}\n\n".encode()


def long_text(size: int, seed: int = 0, *, ascii_only: bool = False) -> str:
    words = ['"quote"', "back\\slash", "line\nbreak", "tab\t", "plain", "x" * 13]
    if not ascii_only:
        words += ["caf\u00e9", "\U0001f600", "\u2028"]
    out, index, length = [], seed, 0
    while length < size:
        out.append(words[index % len(words)])
        length += len(out[-1])
        index = (index * 7 + 3) % 1009
    return json.dumps({"content": "".join(out)})


def same_both_ways(body: bytes) -> tuple[Any, ...]:
    """The fast path's outcome, checked against reading the stream event by event."""
    result = outcome(body, True, 65536)
    assert result == outcome(body, False, 65536)
    assert result == outcome(body, True, 1000)
    return result


@pytest.mark.parametrize("ascii_only", [True, False])
def test_long_arguments_repeated_give_the_run_event_by_event_reading_gives(ascii_only: bool) -> None:
    arguments = [long_text(100_000, 1), "{}", long_text(70_000, 2)]
    state = same_both_ways(tool_run(arguments, ascii_only=ascii_only))
    assert state[2] == []  # no discrepancy
    stream = RunStream([tool_run(arguments, ascii_only=ascii_only)]).until_done()
    run = stream.accumulator.current_run
    assert [call.function.arguments for call in run.required_action.submit_tool_outputs.tool_calls] == arguments
    # The built text and the run share one string: the arguments are held once.
    built = stream.accumulator.run_step("step_T").step_details.tool_calls[0].function.arguments
    assert built is run.required_action.submit_tool_outputs.tool_calls[0].function.arguments


@pytest.mark.parametrize("ascii_only", [True, False])
def test_the_fewest_characters_that_make_long_arguments_take_the_long_way(
    ascii_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Escaped, each of these characters is 12 bytes of JSON: the shortest text whose string
    # is long. The sizes the builders counted must not rule it out before the run is read.
    count = -(-(repeated_arguments.LONG_ARGUMENTS - 2) // 12)
    text = "\U0001f600" * count
    assert (len(json.dumps(text, ensure_ascii=ascii_only)) >= repeated_arguments.LONG_ARGUMENTS) is ascii_only
    assert len(json.dumps(text[1:])) < repeated_arguments.LONG_ARGUMENTS
    body = tool_run([text, "{}"], ascii_only=ascii_only)
    assert same_both_ways(body)[2] == []
    taken: list[bool] = []

    def spy(*args: Any) -> Any:
        event = repeated_arguments.decode_repeating_run(*args)
        taken.append(event is not None)
        return event

    monkeypatch.setattr(drain, "decode_repeating_run", spy)
    stream = RunStream([body]).until_done()
    assert (True in taken) is ascii_only
    run = stream.accumulator.current_run
    assert [call.function.arguments for call in run.required_action.submit_tool_outputs.tool_calls] == [text, "{}"]


@pytest.mark.parametrize("change", ["last", "first", "longer", "shorter", "middle"])
def test_repeated_arguments_that_differ_are_a_discrepancy_either_way(change: str) -> None:
    text = long_text(200_000, 3)
    middle = len(text) // 2
    other = {
        "last": text[:-1] + "]",
        "first": "[" + text[1:],
        "longer": text + " ",
        "shorter": text[:-1],
        "middle": text[:middle] + ("a" if text[middle] != "a" else "b") + text[middle + 1 :],
    }[change]
    state = same_both_ways(tool_run([text], [other]))
    assert len(state[2]) == 1


def test_other_long_arguments_keys_and_equal_lengths_are_left_to_the_usual_way() -> None:
    text = long_text(80_000, 4)
    # Two calls of the same length, and a long "arguments" string elsewhere in the run.
    twin = text.replace("plain", "PLAIN")
    assert len(twin) == len(text)
    same_both_ways(tool_run([text, twin], metadata={"arguments": text}))
    same_both_ways(tool_run([text, twin], metadata={"note": 'x"arguments": ' + text}))
    same_both_ways(tool_run([text, twin]))


def test_an_invalid_run_object_fails_as_it_does_event_by_event() -> None:
    text = long_text(80_000, 5)
    body = tool_run([text])
    broken = body[:-40] + b'"status": 7}\n\n'  # valid JSON cut short: a broken run object
    assert outcome(broken, True, 65536)[-1] == outcome(broken, False, 65536)[-1] is not None
    wrong_type = body.replace(b'"status": "requires_action"', b'"status": ["requires_action"]')
    assert outcome(wrong_type, True, 65536)[-1] == outcome(wrong_type, False, 65536)[-1] is not None


@settings(max_examples=60)
@given(st.text(), st.lists(st.integers(0, 50), max_size=8), st.booleans(), st.text(max_size=3))
def test_slices_compared_with_pieces_read_what_the_json_says(
    text: str, cuts: list[int], ascii_only: bool, change: str
) -> None:
    literal = json.dumps(text, ensure_ascii=ascii_only).encode()[1:-1]
    bounds = sorted({min(cut, len(text)) for cut in cuts} | {0, len(text)})
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:])] or [""]
    original = repeated_arguments._SLICE
    repeated_arguments._SLICE = 16  # cut the JSON often, next to escapes too
    try:
        assert _equals_pieces(memoryview(literal), pieces)
        assert _equals_pieces(memoryview(literal), [text + change]) is (change == "")
        if text:
            assert not _equals_pieces(memoryview(literal), [text[:-1]])
    finally:
        repeated_arguments._SLICE = original


@pytest.mark.slow
def test_one_huge_tool_call_is_held_about_twice_at_most() -> None:
    text = long_text(6_000_000, 6, ascii_only=True)  # one byte a character in memory
    chunks = [tool_run([text])]
    chunks = [chunks[0][i : i + 65536] for i in range(0, len(chunks[0]), 65536)]
    size = len(text)
    tracemalloc.start()
    try:
        stream = RunStream(chunks).until_done()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stream.accumulator.current_run.required_action.submit_tool_outputs.tool_calls[0].function.arguments == text
    # The event's bytes and the built text, and little else: decoding the event as is held
    # the arguments four times over (bytes, built text, msgspec's buffer, decoded string).
    assert peak < 3.2 * size, peak / size


# ---- a run waiting on many calls: settled in one go when they line up ----------------------


@st.composite
def waiting_runs(draw: st.DrawFn) -> tuple[list[Any], Any]:
    """Steps of function calls built from fragments (ids repeated or empty now and then, a
    second step now and then), then a requires_action run listing calls in their order or
    not, all or some, with their arguments or others."""
    from strategies import event, function_piece, function_start, requires_action_run, step_delta, step_obj

    events = [event("thread.run.created", run_event("created")[1])]
    built: list[tuple[str, str]] = []
    for step_number in range(draw(st.integers(1, 2))):
        step_id = f"step_{step_number}"
        events.append(event("thread.run.step.created", step_obj(step_id)))
        for index in range(draw(st.integers(0, 6))):
            call_id = draw(st.sampled_from([f"call_{step_number}_{index}"] * 3 + ["", "call_same"]))
            text = draw(st.text(max_size=12))
            events.append(event("thread.run.step.delta", step_delta(step_id, function_start(index, call_id, "f"))))
            cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=3)))
            for start, end in zip([0, *cuts], [*cuts, len(text)]):
                events.append(event("thread.run.step.delta", step_delta(step_id, function_piece(index, text[start:end]))))
            built.append((call_id, text))
    waited = [(call_id or "call_none", "f", text) for call_id, text in built]
    change = draw(st.sampled_from(["same", "same", "same", "reordered", "fewer", "one more", "other text"]))
    if change == "reordered":
        waited = draw(st.permutations(waited))
    elif change == "fewer" and waited:
        waited = waited[1:]
    elif change == "one more":
        waited = [*waited, ("call_extra", "f", "{}")]
    elif change == "other text" and waited:
        position = draw(st.integers(0, len(waited) - 1))
        waited[position] = (waited[position][0], "f", waited[position][2] + "x")
    return events, event("thread.run.requires_action", requires_action_run(waited))


def _settled_state(accumulator: Any) -> Any:
    steps = {}
    for step_id, step in accumulator._steps.items():
        steps[step_id] = [(call.id, "".join(call.pieces), call.done) for call in step.tool_calls.values()]
    return steps, accumulator.discrepancies, accumulator.current_run


def _waited_on(events: list[Any], waiting: Any, *, in_one_go: bool = True, quiet: bool = True) -> Any:
    """The calls of each step after ``events`` then ``waiting``, merged by a caller that
    reads no notification (``quiet``, as until_done() with no listener) or one that does."""
    from runstream import Accumulator

    accumulator = Accumulator()
    for typed in events:
        accumulator.update(typed)
    if not in_one_go:
        accumulator._settled_in_order = lambda *arguments: False  # type: ignore[method-assign]
    if quiet:
        accumulator.update(waiting)
    else:
        accumulator.feed(waiting)  # notifications call by call
    return _settled_state(accumulator)


@settings(max_examples=150, deadline=None)
@given(waiting_runs())
def test_calls_settled_in_one_go_end_as_settled_one_by_one(case: tuple[list[Any], Any]) -> None:
    events, waiting = case
    settled = _waited_on(events, waiting)
    assert settled == _waited_on(events, waiting, in_one_go=False) == _waited_on(events, waiting, quiet=False)


@pytest.mark.parametrize("ids", [["call_same", "call_same"], ["", "call_1"], ["call_0", "call_1"]])
def test_calls_under_one_id_or_none_are_settled_as_one_by_one(ids: list[str]) -> None:
    from strategies import event, function_piece, function_start, requires_action_run, step_delta, step_obj

    events = [event("thread.run.created", run_event("created")[1]), event("thread.run.step.created", step_obj("step_0"))]
    for index, (call_id, text) in enumerate(zip(ids, ["a", "b"])):
        events.append(event("thread.run.step.delta", step_delta("step_0", function_start(index, call_id, "f"))))
        events.append(event("thread.run.step.delta", step_delta("step_0", function_piece(index, text))))
    waiting = event("thread.run.requires_action", requires_action_run([(ids[0], "f", "a"), (ids[1], "f", "b")]))
    assert _waited_on(events, waiting) == _waited_on(events, waiting, in_one_go=False)


def test_a_run_waiting_on_calls_in_their_order_settles_them_in_one_go(monkeypatch: pytest.MonkeyPatch) -> None:
    from runstream._core import event_merging

    settled = []
    original = event_merging.EventMerging._settled_in_order

    def spy(self: Any, *arguments: Any) -> bool:
        settled.append(original(self, *arguments))
        return settled[-1]

    monkeypatch.setattr(event_merging.EventMerging, "_settled_in_order", spy)
    texts = [json.dumps({"n": index}) for index in range(50)]
    stream = RunStream([tool_run(texts, fragment=3)]).until_done()
    assert settled == [True]
    run = stream.accumulator.current_run
    built = stream.accumulator.run_step("step_T").step_details.tool_calls
    assert [call.function.arguments for call in built] == texts
    assert [call.function.arguments for call in built] == [
        waited.function.arguments for waited in run.required_action.submit_tool_outputs.tool_calls
    ]
    assert all(call.done for call in stream.accumulator._steps["step_T"].tool_calls.values())
    assert stream.accumulator.discrepancies == []
