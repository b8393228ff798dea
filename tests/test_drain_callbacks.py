"""``until_done`` with a handler that listens takes the fast path too: `merge_run` merges runs
of raw events and yields the calls each one is due. A handler must see exactly what reading
the stream event by event shows it: the same callbacks, in the same order, with snapshots
equal to those of the general path, both when the callback runs and long after (a lazy
snapshot shows the state of its time); and the same state, errors and exceptions."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import Plan, run_plans
from stream_builders import frame
from test_drain import calls_body

import runstream
from runstream import Accumulator, RunStream
from runstream._core.callbacks import CALLBACK_NAMES
from runstream.types import materialize

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Handlers that listen to some callbacks: the hot four, each alone, on_event, and all.
LISTENED = [
    ("on_run_step_delta", "on_tool_call_delta", "on_message_delta", "on_text_delta"),
    ("on_tool_call_delta",),
    ("on_text_delta",),
    ("on_event",),
    ("on_event", *CALLBACK_NAMES),
]


def recording_handler(names: tuple[str, ...], base: type = runstream.EventHandler, general: bool = False) -> Any:
    """A handler overriding ``names``: it records each call with its arguments as they read
    at the time, and keeps the arguments to read them again at the end. ``general``: it
    overrides dispatch too, which keeps streams off the fast path."""

    def record(name: str) -> Any:
        def callback(self: Any, *arguments: Any) -> None:
            self.calls.append((name, repr([materialize(argument) for argument in arguments])))
            self.kept.append((len(self.calls) - 1, arguments))

        async def async_callback(self: Any, *arguments: Any) -> None:
            callback(self, *arguments)

        return async_callback if base is runstream.AsyncEventHandler else callback

    namespace: dict[str, Any] = {name: record(name) for name in names}
    if general:
        if base is runstream.AsyncEventHandler:
            async def dispatch(self: Any, event: Any, notifications: Any) -> None:
                await base.dispatch(self, event, notifications)
        else:
            def dispatch(self: Any, event: Any, notifications: Any) -> None:  # type: ignore[misc]
                base.dispatch(self, event, notifications)
        namespace["dispatch"] = dispatch
    handler = type("Recording", (base,), namespace)()
    handler.calls, handler.kept = [], []
    return handler


def read_again(handler: Any) -> list[tuple[str, str]]:
    """The recorded calls with their arguments read now, at the end of the stream."""
    return [(handler.calls[index][0], repr([materialize(argument) for argument in arguments]))
            for index, arguments in handler.kept]


def outcome(body: bytes, names: tuple[str, ...], drain: bool | str, chunk: int) -> tuple[Any, ...]:
    """What the handler saw, and the state and error of reading ``body``: with
    ``until_done()`` (``drain`` true), event by event with no fast path (false), or iterated
    on the fast path (``"iterated"``)."""
    handler = recording_handler(names, general=not drain)
    accumulator = Accumulator()
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
    assert read_again(handler) == handler.calls  # every snapshot still shows its own time
    return (handler.calls, accumulator.to_builtins(), accumulator.anomalies, accumulator.events_fed,
            accumulator.current_step_id, accumulator.current_message_id, stream.done_received, error)


def body_of(plan: Plan) -> bytes:
    return b"".join(frame(item.name, item.data) for item in plan.items)


@FAST
@given(run_plans(), st.sampled_from([7, 100, 65536]), st.sampled_from(LISTENED))
def test_listening_handlers_see_on_the_fast_path_what_event_by_event_reading_shows(
    plan: Plan, chunk: int, names: tuple[str, ...]
) -> None:
    body = body_of(plan)
    expected = outcome(body, names, False, chunk)
    assert outcome(body, names, True, chunk) == expected
    assert outcome(body, names, "iterated", chunk) == expected
    assert expected[0] or "on_event" not in names  # the handler was called at all


@pytest.mark.parametrize("corrupt_at", [2, 10, 40, 52, 56])
@pytest.mark.parametrize("names", LISTENED)
def test_a_corrupt_event_inside_a_run_fails_alike_with_a_listening_handler(corrupt_at: int, names: Any) -> None:
    body, offset = calls_body(corrupt_at)
    fast = outcome(body, names, True, 64)
    assert fast == outcome(body, names, False, 64) == outcome(body, names, "iterated", 64)
    assert fast[-1][2] == offset and fast[-1][4] == corrupt_at


def test_an_error_event_inside_a_run_reaches_on_error_event_and_ends_the_stream_alike() -> None:
    body, _ = calls_body(None)
    cut = body.index(b"event: thread.message.delta")
    error = frame("error", '{"error": {"message": "overloaded", "type": "server_error"}}')
    body = body[:cut] + error + body[cut:]
    names = ("on_event", "on_error_event", "on_tool_call_delta")
    fast = outcome(body, names, True, 65536)
    assert fast == outcome(body, names, False, 65536) == outcome(body, names, "iterated", 65536)
    assert fast[-1][0] == "ServerStreamError" and fast[-1][2] == cut
    assert fast[0][-1][0] == "on_error_event"


def test_the_fast_path_is_taken_by_a_listening_handler() -> None:
    # The general path decodes every event through EventDecoder.decode; the fast path
    # decodes the hot deltas itself, so the delta events never reach it.
    body, _ = calls_body(None)
    handler = recording_handler(("on_tool_call_delta", "on_text_delta"))
    decoded: list[str] = []
    original = runstream._core.event_decoder.EventDecoder.decode

    def counting(self: Any, sse: Any) -> Any:
        decoded.append(sse.event)
        return original(self, sse)

    runstream._core.event_decoder.EventDecoder.decode = counting  # type: ignore[method-assign]
    try:
        RunStream([body], handler).until_done()
    finally:
        runstream._core.event_decoder.EventDecoder.decode = original  # type: ignore[method-assign]
    assert "thread.run.step.delta" not in decoded and "thread.message.delta" not in decoded
    assert [name for name, _ in handler.calls].count("on_tool_call_delta") == 51  # the call's first delta, then 50 fragments


def test_a_handler_overriding_dispatch_gets_every_event_through_it() -> None:
    # Overriding dispatch alone is listening: until_done must not skip it.
    body, _ = calls_body(None)

    class Dispatching(runstream.EventHandler):
        def __init__(self) -> None:
            self.events: list[str] = []

        def dispatch(self, event: Any, notifications: Any) -> None:
            self.events.append(event.event)
            super().dispatch(event, notifications)

    handler = Dispatching()
    RunStream([body], handler).until_done()
    assert len(handler.events) == body.count(b"\n\n")


@pytest.mark.parametrize("drain", [True, False])
def test_an_exception_from_a_callback_on_the_fast_path_propagates_as_raised(drain: bool) -> None:
    body, _ = calls_body(None)

    class Failing(runstream.EventHandler):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            if snapshot.function.arguments.count(",") == 7:
                raise KeyError("mine")

        def on_exception(self, exception: Exception) -> None:
            self.seen.append(type(exception).__name__)

        def on_end(self) -> None:
            self.seen.append("end")

    handler = Failing()
    stream = RunStream([body], handler)
    with pytest.raises(KeyError, match="mine"):
        if drain:
            stream.until_done()
        else:
            for _ in stream:
                pass
    assert handler.seen == ["KeyError", "end"]
    assert stream.accumulator.tool_call("step_T", 0).function.arguments.count(",") == 7


@pytest.mark.parametrize("corrupt_at", [None, 10, 56])
def test_async_handlers_see_the_same_calls_on_the_fast_path(corrupt_at: int | None) -> None:
    body, _ = calls_body(corrupt_at)
    names = ("on_event", *CALLBACK_NAMES)

    async def read(drain: bool) -> tuple[Any, ...]:
        async def chunks() -> Any:
            for start in range(0, len(body), 100):
                yield body[start : start + 100]

        handler = recording_handler(names, runstream.AsyncEventHandler, general=not drain)
        stream = runstream.AsyncRunStream(chunks(), handler)
        error = None
        try:
            if drain is True:
                await stream.until_done()
            else:
                async for _ in stream:
                    pass
        except runstream.RunstreamError as raised:
            error = (type(raised).__name__, str(raised), getattr(raised, "offset", None))
        assert read_again(handler) == handler.calls
        return handler.calls, stream.accumulator.to_builtins(), stream.done_received, error

    fast = anyio.run(read, True)
    assert fast == anyio.run(read, False) == anyio.run(read, "iterated")
    if corrupt_at is None:
        assert sum(name == "on_text_delta" for name, _ in fast[0]) == 3


@pytest.mark.slow
@SLOW
@given(run_plans(), st.sampled_from([7, 100, 65536]), st.sampled_from(LISTENED))
def test_listening_handlers_see_on_the_fast_path_what_event_by_event_reading_shows_thoroughly(
    plan: Plan, chunk: int, names: tuple[str, ...]
) -> None:
    body = body_of(plan)
    expected = outcome(body, names, False, chunk)
    assert outcome(body, names, True, chunk) == expected
    assert outcome(body, names, "iterated", chunk) == expected


@pytest.mark.parametrize("routed", [False, True])
def test_run_events_build_no_notification_a_handler_has_no_route_for(routed: bool) -> None:
    # At requires_action the notifications cost a snapshot and a parse of the arguments per
    # tool call: a handler that listens to none of the run's callbacks must not pay for them.
    from runstream._core import event_merging

    body, _ = calls_body(None)
    names = ("on_tool_call_delta", "on_requires_action") if routed else ("on_tool_call_delta", "on_event")
    handler = recording_handler(names)
    parsed = []
    original = event_merging.pending_tool_calls

    def counting(run: Any) -> Any:
        parsed.append(run.id)
        return original(run)

    event_merging.pending_tool_calls = counting  # type: ignore[assignment]
    try:
        RunStream([body], handler).until_done()
    finally:
        event_merging.pending_tool_calls = original  # type: ignore[assignment]
    called = [name for name, _ in handler.calls]
    assert parsed == (["run_T"] if routed else [])
    assert called.count("on_requires_action") == routed
    assert called.count("on_event") == (0 if routed else body.count(b"\n\n"))


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_snapshot_the_callback_dropped_is_not_kept_up_to_date(asynchronous: bool) -> None:
    # A step view still alive when its step next changes has the changing call pinned into
    # it (a call view built). The stream must not keep the arguments of the last callback
    # alive while the next event is merged: a handler that drops its snapshots costs none.
    from runstream._core.tool_call_builder import ToolCallBuilder

    body, _ = calls_body(None)
    built = []
    original = ToolCallBuilder.view_snapshot

    def counting(self: Any) -> Any:
        built.append(self.id)
        return original(self)

    ToolCallBuilder.view_snapshot = counting  # type: ignore[method-assign]
    try:
        if asynchronous:
            class Dropping(runstream.AsyncEventHandler):
                async def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
                    pass

            async def read() -> None:
                await runstream.AsyncRunStream([body], Dropping()).until_done()

            anyio.run(read)
        else:
            class SyncDropping(runstream.EventHandler):
                def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
                    pass

            RunStream([body], SyncDropping()).until_done()
    finally:
        ToolCallBuilder.view_snapshot = original  # type: ignore[method-assign]
    assert built == []
