"""``until_done`` with a handler that listens to nothing takes a fast path (runs of usual
events decoded straight from bytes and merged without event objects): it must build the same
state, anomalies and errors as reading the stream event by event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import Plan, run_plans
from stream_builders import frame, function_call, run_event, step, text_message, wire

import runstream
from runstream import Accumulator, RunStream

# The fast tier draws 40 plans; the slow tier's copies (``_thoroughly``) draw 400.
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def body_of(plan: Plan) -> bytes:
    return b"".join(frame(item.name, item.data) for item in plan.items)


class EventByEvent(runstream.EventHandler):
    """A handler that overrides dispatch: streams then take no fast path at all."""

    def dispatch(self, event: Any, notifications: Any) -> None:
        super().dispatch(event, notifications)


def outcome(body: bytes, drain: bool | str, chunk: int, keep_finished: bool = True) -> tuple[Any, ...]:
    """The state, anomalies and error of reading ``body``: with ``until_done()`` (``drain``
    true), event by event with no fast path (false), or iterated on the fast path
    (``"iterated"``)."""
    accumulator = Accumulator(keep_finished=keep_finished)
    handler = None if drain else EventByEvent()
    stream = RunStream([body[i : i + chunk] for i in range(0, len(body), chunk)], handler, accumulator=accumulator)
    error: Any = None
    try:
        if drain is True:
            stream.until_done()
        else:
            for _ in stream:
                pass
    except runstream.RunstreamError as raised:
        error = (type(raised).__name__, str(raised), getattr(raised, "offset", None),
                 getattr(raised, "event", None), getattr(raised, "ordinal", None))
    return (accumulator.to_builtins(), accumulator.anomalies, accumulator.discrepancies, accumulator.events_fed,
            accumulator.current_step_id, accumulator.current_message_id, stream.done_received, error)


@FAST
@given(run_plans(), st.sampled_from([7, 100, 65536]), st.booleans(), st.booleans())
def test_fast_path_builds_what_event_by_event_reading_builds(plan: Plan, chunk: int, keep: bool, tail: bool) -> None:
    body = body_of(plan) + (frame("done", "[DONE]") if tail else b"")
    if tail:  # an event after done is merged all the same, with an anomaly
        body += body_of(plan)[-2000:].split(b"\n\n", 1)[-1]
    expected = outcome(body, False, chunk, keep)
    assert outcome(body, True, chunk, keep) == expected
    assert outcome(body, "iterated", chunk, keep) == expected


def calls_body(corrupt_at: int | None, corruption: bytes = b'{"id": "step_T", "delta": {') -> tuple[bytes, int]:
    details = {"type": "tool_calls", "tool_calls": []}
    pieces = [f"p{position}," for position in range(50)]
    events = [
        run_event("created"),
        ("thread.run.step.created", step("step_T", "in_progress", details)),
        *function_call("step_T", "call_1", "f", pieces),
        *text_message("msg_A", ["a", "b", "c"]),
        run_event("requires_action", tool_calls=[("call_1", "f", "".join(pieces))]),
    ]
    frames = [frame(name, data) for name, data in events]
    offset = 0
    if corrupt_at is not None:
        name = events[corrupt_at][0]
        frames[corrupt_at] = f"event: {name}\ndata: ".encode() + corruption + b"\n\n"
        offset = sum(map(len, frames[:corrupt_at]))
    return b"".join(frames), offset


@pytest.mark.parametrize("corrupt_at", [2, 10, 40, 52, 56])
@pytest.mark.parametrize("chunk", [1, 64, 65536])
def test_a_corrupt_event_inside_a_run_reports_its_exact_offset_name_and_ordinal(corrupt_at: int, chunk: int) -> None:
    body, offset = calls_body(corrupt_at)
    fast, slow = outcome(body, True, chunk), outcome(body, False, chunk)
    assert fast == slow
    name, message, error_offset, event, ordinal = fast[-1]
    assert name == "StreamDecodeError" and error_offset == offset and ordinal == corrupt_at
    assert event == json.loads(json.dumps(event)) and event.startswith("thread.")


def test_invalid_utf8_and_lenient_variants_inside_a_run_match_the_slow_path() -> None:
    body, _ = calls_body(10, b'{"id": "step_T", "delta": {"step_details": {"type": "tool_calls", "tool_calls": '
                             b'[{"index": 0, "type": "function", "function": {"arguments": "\xff\xfe"}}]}}}')
    odd, _ = calls_body(11, b'{"id": "step_T", "delta": {"step_details": {"type": "tool_calls", "tool_calls": '
                            b'[{"index": 5, "type": "bing_grounding", "bing_grounding": {}}]}}}')
    for stream in (body, odd, body + wire(("thread.unknown", {"x": 1}))):
        assert outcome(stream, True, 4096) == outcome(stream, False, 4096)


@pytest.mark.parametrize("corrupt_at", [None, 10, 56])
def test_async_until_done_takes_the_same_fast_path(corrupt_at: int | None) -> None:
    import anyio

    body, _ = calls_body(corrupt_at)

    async def read(drain: bool) -> tuple[Any, ...]:
        async def chunks() -> Any:
            for start in range(0, len(body), 100):
                yield body[start : start + 100]

        class AsyncEventByEvent(runstream.AsyncEventHandler):
            async def dispatch(self, event: Any, notifications: Any) -> None:
                await super().dispatch(event, notifications)

        stream = runstream.AsyncRunStream(chunks(), None if drain else AsyncEventByEvent())
        error = None
        try:
            if drain:
                await stream.until_done()
            else:
                async for _ in stream:
                    pass
        except runstream.RunstreamError as raised:
            error = (type(raised).__name__, str(raised), getattr(raised, "offset", None))
        return stream.accumulator.to_builtins(), stream.accumulator.events_fed, stream.done_received, error

    assert anyio.run(read, True) == anyio.run(read, False)


@pytest.mark.parametrize("chunk", [4096, 65536, 1 << 22])
def test_a_large_event_is_decoded_from_the_buffer_with_the_same_result(chunk: int) -> None:
    pieces = ["x" * 1000 + f"{position}," for position in range(300)]  # 300 kB of arguments
    details = {"type": "tool_calls", "tool_calls": []}
    body = wire(
        run_event("created"),
        ("thread.run.step.created", step("step_T", "in_progress", details)),
        *function_call("step_T", "call_1", "f", pieces),
        run_event("requires_action", tool_calls=[("call_1", "f", "".join(pieces))]),
    )
    assert outcome(body, True, chunk) == outcome(body, False, chunk)
    assert outcome(body, True, chunk)[2] == []  # no discrepancy: the repeated arguments match


@pytest.mark.slow
@SLOW
@given(run_plans(), st.sampled_from([7, 100, 65536]), st.booleans(), st.booleans())
def test_fast_path_builds_what_event_by_event_reading_builds_thoroughly(plan: Plan, chunk: int, keep: bool, tail: bool) -> None:
    test_fast_path_builds_what_event_by_event_reading_builds.hypothesis.inner_test(plan, chunk, keep, tail)  # type: ignore[attr-defined]
