"""EventHandler / AsyncEventHandler: every callback fires once per thing that happened, with
openai-python's names and arguments, after the event was accumulated; handler state; user
exceptions; the sync and async handlers behave alike (asyncio and trio)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from stream_builders import (
    CALLBACKS,
    ERROR_DATA,
    RICH_RUN,
    AsyncRecorder,
    Recorder,
    run_event,
    sample_bytes,
    text_run,
    wire,
)

import runstream
from runstream import AsyncEventHandler, AsyncRunStream, EventHandler, RunStream


def replay_sample(handler: EventHandler) -> runstream.Accumulator:
    accumulator = runstream.Accumulator()
    for data in sample_bytes():
        RunStream(data, handler, accumulator=accumulator).until_done()
    return accumulator


# ---- openai-python compatibility -----------------------------------------------------------


def openai_handlers() -> Iterator[Any]:
    streaming = pytest.importorskip("openai.lib.streaming")
    yield from ((streaming.AssistantEventHandler, EventHandler), (streaming.AsyncAssistantEventHandler, AsyncEventHandler))


@pytest.mark.parametrize("which", ["sync", "async"])
def test_every_openai_callback_exists_with_the_same_parameter_names(which: str) -> None:
    theirs, ours = list(openai_handlers())[0 if which == "sync" else 1]
    names = [name for name in dir(theirs) if name.startswith("on_")]
    assert "on_text_delta" in names and "on_tool_call_done" in names
    for name in names:
        expected = list(inspect.signature(getattr(theirs, name)).parameters)
        assert list(inspect.signature(getattr(ours, name)).parameters) == expected, name
        if which == "async":
            assert inspect.iscoroutinefunction(getattr(ours, name)), name


def test_async_handler_has_every_sync_callback_as_a_coroutine() -> None:
    for name in CALLBACKS:
        sync_parameters = list(inspect.signature(getattr(EventHandler, name)).parameters)
        assert list(inspect.signature(getattr(AsyncEventHandler, name)).parameters) == sync_parameters
        assert inspect.iscoroutinefunction(getattr(AsyncEventHandler, name)), name


def test_the_two_handlers_document_each_callback_alike() -> None:
    # The handlers' docstrings once drifted apart (the async ones lost what the sync ones
    # say); now one is generated from the other, and the reference shows the same text.
    methods = [name for name in dir(EventHandler) if name.startswith("on_") or name == "dispatch"]
    assert methods == [name for name in dir(AsyncEventHandler) if name.startswith("on_") or name == "dispatch"]
    for name in methods:
        sync_doc = inspect.getdoc(getattr(EventHandler, name))
        async_doc = inspect.getdoc(getattr(AsyncEventHandler, name))
        assert sync_doc, name
        if name == "dispatch":
            assert async_doc == sync_doc.replace("Call", "Await", 1)
        else:
            assert async_doc == sync_doc, name


# ---- the sample run: lifecycle callbacks ------------------------------------------------------


@pytest.fixture(scope="module")
def sample_recorder() -> Recorder:
    recorder = Recorder()
    replay_sample(recorder)
    return recorder


def test_run_status_changes_with_previous_status(sample_recorder: Recorder) -> None:
    changes = [(previous, run.status) for run, previous in sample_recorder.arguments("on_run_status")]
    assert changes == [
        (None, "queued"),
        ("queued", "in_progress"),
        ("in_progress", "requires_action"),
        ("requires_action", "queued"),
        ("queued", "in_progress"),
        ("in_progress", "completed"),
    ]


def test_requires_action_gives_the_run_and_parsed_tool_calls(sample_recorder: Recorder) -> None:
    [(run, tool_calls)] = sample_recorder.arguments("on_requires_action")
    assert run.status == "requires_action"
    assert [(call.id, call.name, call.arguments) for call in tool_calls] == [
        ("call_Weather1", "get_weather", {"city": "Paris"}),
        ("call_Weather2", "get_weather", {"city": "Tokyo"}),
    ]
    assert tool_calls[0].raw_arguments == '{"city": "Paris"}' and tool_calls[0].arguments_error is None


def test_tool_call_callbacks_give_deltas_snapshots_and_one_done_each(sample_recorder: Recorder) -> None:
    created = sample_recorder.arguments("on_tool_call_created")
    assert [(call.id, call.function.name) for (call,) in created] == [
        ("call_Weather1", "get_weather"),
        ("call_Weather2", "get_weather"),
    ]
    pieces: dict[str, str] = {}
    for delta, snapshot in sample_recorder.arguments("on_tool_call_delta"):
        pieces[snapshot.id] = pieces.get(snapshot.id, "") + delta.function.arguments
        assert snapshot.function.arguments == pieces[snapshot.id]  # the snapshot includes this delta
    assert pieces == {"call_Weather1": '{"city": "Paris"}', "call_Weather2": '{"city": "Tokyo"}'}
    done = sample_recorder.arguments("on_tool_call_done")
    assert [(call.id, call.function.arguments) for (call,) in done] == [
        ("call_Weather1", '{"city": "Paris"}'),
        ("call_Weather2", '{"city": "Tokyo"}'),
    ]
    # Done fires when the run asks for the outputs: before on_requires_action, in the first stream.
    names = sample_recorder.names()
    assert names.index("on_tool_call_done") < names.index("on_requires_action") < names.index("on_end")


def test_step_and_message_lifecycle_callbacks_fire_once_per_object(sample_recorder: Recorder) -> None:
    assert [step.id for (step,) in sample_recorder.arguments("on_run_step_created")] == ["step_Tools1", "step_Message1"]
    done_steps = [step for (step,) in sample_recorder.arguments("on_run_step_done")]
    assert [(step.id, step.status) for step in done_steps] == [("step_Tools1", "completed"), ("step_Message1", "completed")]
    # The done step is the authoritative object: it carries the submitted outputs.
    assert done_steps[0].step_details.tool_calls[0].function.output is not None
    assert [m.id for (m,) in sample_recorder.arguments("on_message_created")] == ["msg_Sample1"]
    [(final,)] = sample_recorder.arguments("on_message_done")
    assert final.status == "completed" and final.completed_at is not None
    assert sample_recorder.names().count("on_end") == 2
    assert sample_recorder.arguments("on_exception") == []


def test_step_and_message_deltas_come_with_the_current_snapshot(sample_recorder: Recorder) -> None:
    step_deltas = sample_recorder.arguments("on_run_step_delta")
    assert len(step_deltas) == 12 and all(snapshot.id == "step_Tools1" for _, snapshot in step_deltas)
    message_deltas = sample_recorder.arguments("on_message_delta")
    text = ""
    for delta, snapshot in message_deltas:
        text += delta.content[0].text.value
        assert snapshot.id == "msg_Sample1" and snapshot.content[0].text.value == text


def test_text_callbacks(sample_recorder: Recorder) -> None:
    [(created,)] = sample_recorder.arguments("on_text_created")
    assert created.value == "It "
    text = ""
    for delta, snapshot in sample_recorder.arguments("on_text_delta"):
        text += delta.value
        assert snapshot.value == text
    [(done,)] = sample_recorder.arguments("on_text_done")
    assert done.value == text and text.endswith("Enjoy your trip!")
    names = sample_recorder.names()
    assert names.index("on_text_done") < names.index("on_message_done")


# ---- on_event, state, construction -------------------------------------------------------------


def test_on_event_fires_for_every_event_after_it_was_accumulated() -> None:
    seen = []

    class Watcher(EventHandler):
        def on_event(self, event: Any) -> None:
            if event.event.startswith("thread.run.") and "step" not in event.event:
                assert self.current_run is event.data
            elif event.event == "thread.message.delta":
                assert self.current_message_snapshot.content[0].text.value.endswith(event.data.delta.content[0].text.value)
            elif event.event == "thread.run.step.delta":
                assert self.current_run_step_snapshot.id == event.data.id
            seen.append((event.event, self.accumulator.events_fed))

    accumulator = replay_sample(Watcher())
    assert len(seen) == accumulator.events_fed == 47
    assert [fed for _, fed in seen] == list(range(1, 48))  # each event is already counted when seen


def test_handler_that_skips_super_init_works_and_sees_the_stream_state() -> None:
    class Mine(EventHandler):
        def __init__(self, prefix: str) -> None:  # no super().__init__()
            self.prefix = prefix
            self.texts: list[str] = []
            self.checks: list[bool] = []

        def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            self.texts.append(self.prefix + delta.value)
            self.checks.append(self.current_message_snapshot.content[0].text is not None)

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            self.checks.append(self.current_run_step_snapshot.id == "step_Tools1")
            self.checks.append(self.current_run.status == "in_progress")

    handler = Mine("> ")
    assert handler.current_run is None and handler.current_message_snapshot is None
    assert handler.current_run_step_snapshot is None
    accumulator = replay_sample(handler)
    assert handler.accumulator is accumulator
    assert handler.texts[0] == "> It " and len(handler.texts) == 17
    assert handler.checks and all(handler.checks)
    assert handler.current_run.status == "completed"
    assert handler.current_message_snapshot.id == "msg_Sample1"
    assert handler.current_run_step_snapshot.id == "step_Message1"


def test_a_handler_that_overrides_nothing_still_gets_a_complete_stream() -> None:
    stream = RunStream(sample_bytes()[0], EventHandler())
    assert stream.final_run().status == "requires_action"
    assert stream.accumulator.run_steps[0].step_details.tool_calls[1].function.arguments == '{"city": "Tokyo"}'


def test_run_stream_rejects_an_async_handler() -> None:
    with pytest.raises(TypeError, match="AsyncRunStream"):
        RunStream(b"", AsyncEventHandler())


# ---- exceptions -------------------------------------------------------------------------------


def test_callback_exception_goes_to_on_exception_then_propagates() -> None:
    failure = ValueError("my bug")

    class Failing(Recorder):
        def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            raise failure

    handler = Failing()
    with pytest.raises(ValueError) as raised:
        RunStream(text_run(["a", "b"]), handler).until_done()
    assert raised.value is failure
    assert handler.arguments("on_exception") == [(failure,)]
    assert handler.names()[-2:] == ["on_exception", "on_end"]
    assert handler.arguments("on_timeout") == []


@pytest.mark.parametrize("callback", ["on_requires_action", "on_tool_call_delta"])
def test_transport_error_raised_by_a_callback_is_the_callbacks_not_the_streams(callback: str) -> None:
    # A handler that submits tool outputs over httpx may fail with a transport error: that is
    # its own error, neither swallowed as "the connection dropped at rest" nor turned into
    # a StreamConnectionError.
    failure = httpx.ConnectTimeout("submit_tool_outputs failed")

    def fail(self: Any, *arguments: Any) -> None:
        raise failure

    handler = type("Submitter", (Recorder,), {callback: fail})()
    with pytest.raises(httpx.ConnectTimeout) as raised:
        RunStream(sample_bytes()[0], handler).until_done()
    assert raised.value is failure
    assert handler.arguments("on_exception") == [(failure,)]
    assert handler.arguments("on_timeout") == []


@pytest.mark.parametrize("asynchronous", [True, False], ids=["async-handler", "sync-handler"])
@pytest.mark.parametrize("callback", ["on_tool_call_delta", "on_text_delta", "on_event"])
def test_transport_error_raised_by_a_callback_is_the_callbacks_in_an_async_stream(callback: str, asynchronous: bool) -> None:
    # The same in an async stream, whose handler may be sync or async: the fast path makes
    # the delta callbacks itself (a sync one's error rises through it, an async one's
    # coroutine is awaited by the stream), and what they raise stays theirs.
    failure = httpx.ConnectTimeout("submit_tool_outputs failed")
    seen: list[BaseException] = []

    def fail(self: Any, *arguments: Any) -> None:
        raise failure

    async def fail_async(self: Any, *arguments: Any) -> None:
        raise failure

    def on_exception(self: Any, exception: BaseException) -> None:
        seen.append(exception)

    async def on_exception_async(self: Any, exception: BaseException) -> None:
        on_exception(self, exception)

    base, methods = (
        (AsyncEventHandler, {callback: fail_async, "on_exception": on_exception_async}) if asynchronous
        else (EventHandler, {callback: fail, "on_exception": on_exception})
    )
    handler = type("Submitter", (base,), methods)()
    # The sample's first stream builds a tool call, the second one a message's text.
    body = sample_bytes()[callback == "on_text_delta"]

    async def read() -> None:
        await AsyncRunStream([body], handler).until_done()

    with pytest.raises(httpx.ConnectTimeout) as raised:
        anyio.run(read)
    assert raised.value is failure
    assert seen == [failure]


def test_what_a_sync_callback_returns_is_ignored() -> None:
    # The fast path makes the delta callbacks itself and hands on what they return for the
    # stream to await: a sync handler's value is nothing to wait for.
    class Returning(Recorder):
        def on_text_delta(self, delta: Any, snapshot: Any) -> Any:
            super().on_text_delta(delta, snapshot)
            return snapshot

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> Any:
            super().on_tool_call_delta(delta, snapshot)
            return 1

    returning, plain = Returning(), Recorder()
    for body in sample_bytes():  # a tool call, then a message's text
        RunStream(body, returning).until_done()
        RunStream(body, plain).until_done()
    assert returning.names() == plain.names()
    assert returning.names().count("on_text_delta") > 1 and returning.names().count("on_tool_call_delta") > 1


def test_error_event_calls_on_error_event_then_the_stream_raises() -> None:
    handler = Recorder()
    data = wire(run_event("created"), run_event("in_progress"), ("error", ERROR_DATA))
    with pytest.raises(runstream.ServerStreamError) as raised:
        RunStream(data, handler).until_done()
    [(error,)] = handler.arguments("on_error_event")
    assert (error.code, error.message, error.type, error.param) == ("rate_limit_exceeded", "Slow down.", "server_error", "model")
    assert handler.arguments("on_exception") == [(raised.value,)]
    assert handler.names()[-3:] == ["on_error_event", "on_exception", "on_end"]


def test_timeout_calls_on_timeout_then_on_exception() -> None:
    def chunks() -> Iterator[bytes]:
        yield wire(run_event("created"))
        raise httpx.ReadTimeout("read timed out")

    handler = Recorder()
    with pytest.raises(runstream.StreamConnectionError) as raised:
        RunStream(chunks(), handler).until_done()
    assert raised.value.timeout
    assert handler.names()[-3:] == ["on_timeout", "on_exception", "on_end"]


# ---- the other callbacks: refusals, images, annotations, code interpreter, file search -------

@pytest.fixture(scope="module")
def rich_recorder() -> Recorder:
    recorder = Recorder()
    RunStream(RICH_RUN, recorder).until_done()
    return recorder


def test_refusal_callbacks(rich_recorder: Recorder) -> None:
    assert rich_recorder.arguments("on_refusal_created") == [("I can",)]
    assert rich_recorder.arguments("on_refusal_delta") == [("I can", "I can"), ("not.", "I cannot.")]
    assert rich_recorder.arguments("on_refusal_done") == [("I cannot.",)]


def test_image_done_callbacks(rich_recorder: Recorder) -> None:
    [(image_url,)] = rich_recorder.arguments("on_image_url_done")
    assert image_url.url == "https://example.com/a.png"
    [(image_file,)] = rich_recorder.arguments("on_image_file_done")
    assert image_file.file_id == "file_img"


def test_annotation_callback_gets_the_typed_annotation(rich_recorder: Recorder) -> None:
    [(annotation,)] = rich_recorder.arguments("on_annotation")
    assert isinstance(annotation, runstream.types.FileCitationAnnotation)
    assert (annotation.text, annotation.file_citation.file_id, annotation.start_index, annotation.end_index) == ("[1]", "file_doc", 4, 7)


def test_code_interpreter_outputs_fire_once_each_from_deltas_or_the_final_step(rich_recorder: Recorder) -> None:
    outputs = rich_recorder.arguments("on_code_interpreter_output")
    assert [(output.type, tool_call.id) for output, tool_call in outputs] == [("logs", "call_C"), ("image", "call_C")]
    assert outputs[0][0].logs == "1\n" and outputs[1][0].image.file_id == "file_plot"


def test_file_search_results_arrive_with_the_completed_step(rich_recorder: Recorder) -> None:
    [(tool_call,)] = rich_recorder.arguments("on_file_search_results")
    assert tool_call.id == "call_F"
    assert [(r.file_id, r.file_name, r.score) for r in tool_call.file_search.results] == [("file_doc", "doc.txt", 0.5)]
    names = rich_recorder.names()
    assert names.index("on_file_search_results") < names.index("on_run_step_done")


def test_duplicate_terminal_events_do_not_repeat_done_callbacks(rich_recorder: Recorder) -> None:
    assert [call.id for (call,) in rich_recorder.arguments("on_tool_call_done")] == ["call_C", "call_F"]
    assert len(rich_recorder.arguments("on_message_done")) == 1
    assert len(rich_recorder.arguments("on_text_done")) == 1
    assert len(rich_recorder.arguments("on_run_step_done")) == 1


def test_unknown_event_is_handed_over_raw(rich_recorder: Recorder) -> None:
    [(event,)] = rich_recorder.arguments("on_unknown_event")
    assert event.event == "thread.run.brand_new_event" and event.json() == {"hello": "world"}
    assert rich_recorder.names()[-2:] == ["on_run_status", "on_end"]


# ---- AsyncEventHandler, on asyncio and trio -----------------------------------------------------


@pytest.mark.anyio
async def test_async_handler_gets_the_same_calls_as_the_sync_one() -> None:
    for data in (RICH_RUN, *sample_bytes()):
        sync_handler, async_handler = Recorder(), AsyncRecorder()
        RunStream(data, sync_handler).until_done()
        await AsyncRunStream(data, async_handler).until_done()
        assert async_handler.names(events=True) == sync_handler.names(events=True)
        assert async_handler.calls == sync_handler.calls


@pytest.mark.anyio
async def test_async_stream_accepts_a_sync_handler() -> None:
    handler = Recorder()
    accumulator = runstream.Accumulator()
    for data in sample_bytes():
        await AsyncRunStream(data, handler, accumulator=accumulator).until_done()
    assert len(handler.arguments("on_tool_call_done")) == 2 and handler.names().count("on_end") == 2


@pytest.mark.anyio
async def test_async_callback_exception_goes_to_on_exception_then_propagates() -> None:
    failure = KeyError("async bug")

    class Failing(AsyncRecorder):
        async def on_message_created(self, message: Any) -> None:
            raise failure

    handler = Failing()
    with pytest.raises(KeyError) as raised:
        await AsyncRunStream(text_run(["x"]), handler).until_done()
    assert raised.value is failure
    assert handler.names()[-2:] == ["on_exception", "on_end"]


@pytest.mark.anyio
async def test_async_transport_error_from_a_callback_is_not_swallowed() -> None:
    failure = httpx.ConnectError("submit failed")

    class Submitter(AsyncRecorder):
        async def on_requires_action(self, run: Any, tool_calls: Any) -> None:
            raise failure

    handler = Submitter()
    with pytest.raises(httpx.ConnectError) as raised:
        await AsyncRunStream(sample_bytes()[0], handler).until_done()
    assert raised.value is failure and handler.arguments("on_timeout") == []


@pytest.mark.anyio
async def test_async_error_event_and_handler_state() -> None:
    class Watcher(AsyncRecorder):
        async def on_event(self, event: Any) -> None:
            await super().on_event(event)
            self.calls.append(("status", (self.current_run.status,)))

    handler = Watcher()
    data = wire(run_event("created"), run_event("in_progress"), ("error", {"error": ERROR_DATA}))
    stream = AsyncRunStream(data, handler)
    with pytest.raises(runstream.ServerStreamError) as raised:
        await stream.until_done()
    assert handler.accumulator is stream.accumulator is raised.value.accumulator
    assert handler.arguments("status") == [("queued",), ("in_progress",), ("in_progress",)]
    [(error,)] = handler.arguments("on_error_event")
    assert error.message == "Slow down." and raised.value.code == "rate_limit_exceeded"
    assert handler.names()[-3:] == ["on_error_event", "on_exception", "on_end"]
