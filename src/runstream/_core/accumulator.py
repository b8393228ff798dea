"""The sans-IO accumulator: typed events in, notifications out, snapshots on demand.

Merge keys follow the wire's scopes: tool calls by (step id, index), code_interpreter outputs
by (step id, tool index, output index), content parts by (message id, index), annotations by
(message id, content index, annotation index). Several steps and messages may be in flight at
once; a delta only ever lands in the object its ``id`` names.

Merge rules (also in the docs, "Concepts"):

============================================  ==========================================
rule                                          fields
============================================  ==========================================
append                                        ``text.value``, ``function.arguments``,
                                              ``code_interpreter.input``, ``logs``,
                                              ``refusal``
set (latest value wins, never concatenated)   ``id``, ``type``, ``function.name``,
                                              ``function.output``, file ids, annotation
                                              text and indexes, ``image_url``, ``detail``,
                                              ``role``, ``message_creation.message_id``
replace by the authoritative object           ``*.completed`` / ``*.incomplete`` /
                                              ``*.failed`` / ``*.cancelled`` /
                                              ``*.expired``: the only source of ``usage``,
                                              final timestamps, ``function.output`` and
                                              ``file_search`` results
============================================  ==========================================

The cost of a delta does not depend on what was accumulated before it: appended strings are
kept as pieces and joined when a snapshot is read, and snapshots are built only on demand
and cached until the next change.
"""

from __future__ import annotations

from typing import Any, Callable

import msgspec

from .._models.base import ErrorObject, UnknownObject, Usage
from .._models.lenient import convert_lenient
from .._models.message import (
    MESSAGE_TERMINAL_STATUSES,
    Annotation,
    ImageFileDeltaBlock,
    ImageURLDeltaBlock,
    Message,
    MessageDeltaEvent,
    RefusalDeltaBlock,
    TextDeltaBlock,
)
from .._models.run import RUN_RESTING_STATUSES, RUN_TERMINAL_STATUSES, Run
from .._models.run_step import (
    FunctionToolCallDelta,
    STEP_TERMINAL_STATUSES,
    RunStep,
    RunStepDeltaEvent,
    RunStepDeltaMessageDelta,
    ToolCallDeltaObject,
)
from .._models.thread import Thread
from .events import (
    EVENT_CLASSES,
    AssistantStreamEvent,
    DoneEvent,
    ErrorEvent,
    EventDecoder,
    ThreadCreated,
    ThreadMessageDelta,
    ThreadRunStepDelta,
    UnknownEvent,
    event_data_type,
)
from .delta_tree import merge_delta
from .merge import COMPACT_EVERY, compact_pieces, merge_fields, pieces_equal
from .message_builder import MessageBuilder, PartBuilder
from .notifications import (
    AnnotationAdded,
    Anomaly,
    CodeInterpreterOutputAdded,
    ContentPartCreated,
    ContentPartDeltaReceived,
    ContentPartDone,
    Discrepancy,
    ErrorReceived,
    FileSearchResultsReceived,
    MessageCreated,
    MessageDeltaReceived,
    MessageDone,
    Notification,
    RunRequiresAction,
    RunStatusChanged,
    StepCreated,
    StepDeltaReceived,
    StepDone,
    StreamEnded,
    ToolCallCreated,
    ToolCallDeltaReceived,
    ToolCallDone,
    UnknownEventReceived,
)
from .sse import RawRun, ServerSentEvent
from .step_builder import StepBuilder, ToolCallBuilder
from .tool_calls import pending_tool_calls
from .verify import compare_messages, compare_steps

__all__ = ["Accumulator", "AccumulatorState"]

# The decoders of the two delta events (the fast path of `Accumulator.update_run`).
_STEP_DELTA_DECODE = msgspec.json.Decoder(RunStepDeltaEvent).decode
_MESSAGE_DELTA_DECODE = msgspec.json.Decoder(MessageDeltaEvent).decode



# Events dispatch on the type of their data: every run event carries a Run, and so on.
_METHOD_BY_DATA_TYPE = {
    Run: "_on_run",
    RunStep: "_on_step",
    RunStepDeltaEvent: "_on_step_delta",
    Message: "_on_message",
    MessageDeltaEvent: "_on_message_delta",
    Thread: "_on_thread",
    ErrorObject: "_on_error",
}
_METHOD_BY_EVENT_CLASS = {
    event_class: _METHOD_BY_DATA_TYPE[event_data_type(event_class)] for event_class in EVENT_CLASSES.values()
}
_METHOD_BY_EVENT_CLASS[UnknownEvent] = "_on_unknown"


class AccumulatorState:
    """A read-only view of everything accumulated, each kind keyed by id in creation order.

    Snapshots are built when read; read them again after more events for newer ones.
    """

    def __init__(self, accumulator: Accumulator) -> None:
        self._accumulator = accumulator

    @property
    def runs(self) -> dict[str, Run]:
        """Every run seen, by id: its latest object."""
        return dict(self._accumulator._runs)

    @property
    def run_steps(self) -> dict[str, RunStep]:
        """Every run step seen, by id: its current snapshot."""
        return {step_id: builder.snapshot() for step_id, builder in self._accumulator._steps.items()}

    @property
    def messages(self) -> dict[str, Message]:
        """Every message seen, by id: its current snapshot."""
        return {message_id: builder.snapshot() for message_id, builder in self._accumulator._messages.items()}

    @property
    def thread(self) -> Thread | None:
        """The thread, when the stream began with ``thread.created``."""
        return self._accumulator.thread


class Accumulator:
    """Merges a run stream's events into Run, RunStep and Message snapshots.

    Feed it typed events (or `ServerSentEvent`s, which it decodes) from one stream or from
    several streams of the same run one after another (a ``submit_tool_outputs``
    continuation): state, usage and lifecycle tracking carry over.

    Examples:
        >>> from runstream import Accumulator, decode_event
        >>> accumulator = Accumulator()
        >>> _ = accumulator.feed(decode_event("thread.message.created", '{"id": "msg_1"}'))
        >>> _ = accumulator.feed(decode_event("thread.message.delta",
        ...     '{"id": "msg_1", "delta": {"content": [{"index": 0, "type": "text",'
        ...     ' "text": {"value": "Hello"}}]}}'))
        >>> accumulator.message("msg_1").content[0].text.value
        'Hello'

    Attributes:
        anomalies: unexpected things survived (e.g. a delta for an unknown message).
        discrepancies: values the deltas built that an authoritative object contradicted.
        errors: the payloads of ``error`` events received.
        unknown_events: events of names runstream does not know, kept raw.
        thread: the thread of ``thread.created``, if any.
        events_fed: how many events were fed.
        current_run_id: the run of the latest run event.
        current_step_id: the run step the latest step event was about.
        current_message_id: the message the latest message event was about.
        keep_finished: see Args.

    Args:
        keep_finished: keep run steps and messages once they are done (the default). With
            ``False`` they are dropped when the event after the one that finished them
            arrives (their done notifications carry the final objects), so memory stays
            constant over an endless stream whose snapshots the consumer does not keep.
    """

    def __init__(self, *, keep_finished: bool = True) -> None:
        self.keep_finished = keep_finished
        # Finished objects to drop when the next event arrives (callbacks of the event that
        # finished them may still read them).
        self._finished: list[tuple[dict[str, Any], str]] = []
        self._runs: dict[str, Run] = {}
        self._run_at_last_end: Run | None = None
        # ``done`` ends a stream: what follows it, before `end`, is a protocol violation.
        self._done = False
        self._rested_at_done = False
        self._steps: dict[str, StepBuilder] = {}
        self._messages: dict[str, MessageBuilder] = {}
        self._event_decoder = EventDecoder()
        self.thread: Thread | None = None
        self.anomalies: list[Anomaly] = []
        self.discrepancies: list[Discrepancy] = []
        self.errors: list[ErrorObject] = []
        self.unknown_events: list[UnknownEvent] = []
        self.events_fed = 0
        self.current_run_id: str | None = None
        self.current_step_id: str | None = None
        self.current_message_id: str | None = None
        self._dispatch: dict[type, Callable[[Any, bool], list[Notification]]] = {
            event_class: getattr(self, method) for event_class, method in _METHOD_BY_EVENT_CLASS.items()
        }
        self._dispatch[DoneEvent] = self._on_done

    # ---- feeding -------------------------------------------------------------------------

    def feed(self, event: AssistantStreamEvent | ServerSentEvent) -> list[Notification]:
        """Merge one event; return the notifications it caused, in order.

        Raises:
            StreamDecodeError: a `ServerSentEvent` whose data cannot be decoded.
        """
        if type(event) is ServerSentEvent:
            event = self._event_decoder.decode(event)
        self.events_fed += 1
        if self._finished or self._done:
            self._before(event)
        return self._dispatch[type(event)](event, True)

    def update(self, event: AssistantStreamEvent | ServerSentEvent) -> None:
        """Merge one event like `feed`, for a caller that does not read notifications:
        the per-delta ones are not even built (lifecycle tracking is the same)."""
        if type(event) is ServerSentEvent:
            event = self._event_decoder.decode(event)
        self.events_fed += 1
        if self._finished or self._done:
            self._before(event)
        self._dispatch[type(event)](event, False)

    def update_run(self, run: RawRun, decoder: EventDecoder) -> ErrorEvent | None:
        """`update` with each event of a `RawRun` (see `SSEDecoder.feed_runs`), decoded by
        ``decoder``; stops after an ``error`` event, which it returns.

        The fast path of a stream whose events nobody reads one by one. The most common
        deltas (one more fragment of a function call's arguments, of a text part) are
        decoded and merged right here, with no event object; every other event, and these
        whenever anything about them is unusual, is decoded and merged exactly as `update`
        would, with the same errors (ordinal and byte offset included).
        """
        steps, messages = self._steps, self._messages
        decode_step_delta, decode_message_delta = _STEP_DELTA_DECODE, _MESSAGE_DELTA_DECODE
        pairs = run.pairs
        start = decoder.ordinal
        position = -1
        try:
            for name, raw in pairs:
                position += 1
                if name == b"thread.run.step.delta" and not (self._finished or self._done):
                    try:
                        data = decode_step_delta(raw)
                    except (msgspec.MsgspecError, RecursionError):
                        data = None
                    if data is not None:
                        step = steps.get(data.id)
                        # Not for a new or finished step, or one with a live view.
                        if step is not None and step.details_type == "tool_calls" and not step.done \
                                and step.view_ref is None:
                            details = data.delta.step_details
                            if type(details) is ToolCallDeltaObject:
                                calls = details.tool_calls
                                if calls and len(calls) == 1:
                                    call_delta = calls[0]
                                    if type(call_delta) is FunctionToolCallDelta:
                                        call = step.tool_calls.get(call_delta.index)
                                        if call is not None and call.type == "function":
                                            self.events_fed += 1
                                            step.cached = None
                                            step.view = None
                                            step.delta_count += 1
                                            self.current_step_id = data.id
                                            call.apply(call_delta)
                                            continue
                        self.events_fed += 1
                        self._on_step_delta(ThreadRunStepDelta(data), False)
                        continue
                elif name == b"thread.message.delta" and not (self._finished or self._done):
                    try:
                        data = decode_message_delta(raw)
                    except (msgspec.MsgspecError, RecursionError):
                        data = None
                    if data is not None:
                        message = messages.get(data.id)
                        if message is not None and not message.done:
                            delta = data.delta
                            content = delta.content
                            if content and delta.role is None and len(content) == 1:
                                block = content[0]
                                if type(block) is TextDeltaBlock:
                                    part = message.parts.get(block.index)
                                    text = block.text
                                    if part is not None and part.type == "text" and text and not text.annotations:
                                        value = text.value
                                        if value is not None:
                                            self.events_fed += 1
                                            message.cached = None
                                            message.view = None
                                            message.delta_count += 1
                                            self.current_message_id = data.id
                                            part.cached = None
                                            part.view = None
                                            pieces = part.pieces
                                            pieces.append(value)
                                            part.size += len(value)
                                            if len(pieces) - part.compacted > COMPACT_EVERY:
                                                compact_pieces(part)
                                            continue
                        self.events_fed += 1
                        self._on_message_delta(ThreadMessageDelta(data), False)
                        continue
                # Anything else: one event, decoded and merged the usual way.
                decoder.ordinal = start + position
                event = decoder.decode_pair(name, raw, run, position)
                self.update(event)
                if type(event) is ErrorEvent:
                    return event
        finally:
            decoder.ordinal = start + position + 1
        return None

    def _before(self, event: AssistantStreamEvent) -> None:
        # Housekeeping that only some events need: drop objects finished by the previous
        # event (keep_finished=False), note events that follow a stream's done.
        if self._finished:
            self._drop_finished()
        if self._done:
            self._after_done(event)

    def _after_done(self, event: AssistantStreamEvent) -> None:
        # Merged all the same (nothing received is lost), but never silently.
        self._anomaly(
            "event_after_done", f"{event.event!r} arrived after the done event (call end() between streams)"
        )

    def _drop_finished(self) -> None:
        for objects, object_id in self._finished:
            builder = objects.get(object_id)
            if builder is not None and builder.done:
                del objects[object_id]
        self._finished.clear()

    def end(self) -> list[Notification]:
        """Mark the end of one stream; the next events may come from a continuation.

        The stream was complete if one of its own run events brought the run to a resting
        status: a continuation starts with the run resting in ``requires_action``, and must
        not count as complete until the run rests again.
        """
        complete = self.rested_since_end or self._rested_at_done
        self._run_at_last_end = self.current_run
        self._done = False
        self._rested_at_done = False
        return [StreamEnded(complete, self.run_status)]

    def mark_interrupted(self) -> None:
        """The stream broke mid-object: the steps and messages still in progress will be
        completed from polled objects (re-sync), so what their deltas built is known to be
        cut short and is not compared with the final objects."""
        for builders in (self._steps, self._messages):
            for builder in builders.values():
                if not builder.done:
                    builder.delta_count = 0

    @property
    def rested_since_end(self) -> bool:
        """Whether a run event fed since the last `end` brought the run to a resting status."""
        return self.is_resting and self.current_run is not self._run_at_last_end

    # ---- reading -------------------------------------------------------------------------

    @property
    def state(self) -> AccumulatorState:
        """Runs, run steps and messages, each keyed by id in creation order."""
        return AccumulatorState(self)

    @property
    def current_run(self) -> Run | None:
        """The run of the latest run event."""
        # ``is not None``: an id of "" (from a dialect or a broken server) is still a run.
        return self._runs.get(self.current_run_id) if self.current_run_id is not None else None

    @property
    def run_status(self) -> str | None:
        """The status of the latest run, or ``None`` before any run event."""
        run = self.current_run
        return run.status if run is not None else None

    @property
    def is_resting(self) -> bool:
        """Whether the latest run is terminal or waits in ``requires_action``: a stream that
        ends now ended where it should."""
        return self.run_status in RUN_RESTING_STATUSES

    def run(self, run_id: str | None = None) -> Run | None:
        """A run by id (the current one by default)."""
        return self._runs.get(run_id) if run_id is not None else self.current_run

    def run_step(self, step_id: str) -> RunStep | None:
        """The current snapshot of a run step, or ``None`` if never seen."""
        builder = self._steps.get(step_id)
        return builder.snapshot() if builder is not None else None

    def message(self, message_id: str) -> Message | None:
        """The current snapshot of a message, or ``None`` if never seen."""
        builder = self._messages.get(message_id)
        return builder.snapshot() if builder is not None else None

    def tool_call(self, step_id: str, index: int) -> Any:
        """The current snapshot of the tool call at ``(step_id, index)``, or ``None``."""
        builder = self._steps.get(step_id)
        call = builder.tool_calls.get(index) if builder is not None else None
        return call.snapshot() if call is not None else None

    def content_part(self, message_id: str, index: int) -> Any:
        """The current snapshot of the content part at ``(message_id, index)``, or ``None``."""
        builder = self._messages.get(message_id)
        part = builder.parts.get(index) if builder is not None else None
        return part.snapshot() if part is not None else None

    # Lazy views of the same snapshots (see views): what delta callbacks and snapshots()
    # receive, at a cost that does not depend on what was accumulated.

    def _run_step_view(self, step_id: str) -> RunStep | None:
        builder = self._steps.get(step_id)
        return builder.view_snapshot() if builder is not None else None

    def _message_view(self, message_id: str) -> Message | None:
        builder = self._messages.get(message_id)
        return builder.view_snapshot() if builder is not None else None

    def _tool_call_view(self, step_id: str, index: int) -> Any:
        builder = self._steps.get(step_id)
        call = builder.tool_calls.get(index) if builder is not None else None
        return call.view_snapshot() if call is not None else None

    def _content_part_view(self, message_id: str, index: int) -> Any:
        builder = self._messages.get(message_id)
        part = builder.parts.get(index) if builder is not None else None
        return part.view_snapshot() if part is not None else None

    @property
    def runs(self) -> list[Run]:
        """Every run, in creation order."""
        return list(self._runs.values())

    @property
    def run_steps(self) -> list[RunStep]:
        """Every run step snapshot, in creation order."""
        return [builder.snapshot() for builder in self._steps.values()]

    @property
    def messages(self) -> list[Message]:
        """Every message snapshot, in creation order."""
        return [builder.snapshot() for builder in self._messages.values()]

    @property
    def usage(self) -> Usage | None:
        """Token usage summed over every run that reported it (``None`` if none did)."""
        usages = [run.usage for run in self._runs.values() if run.usage is not None]
        if not usages:
            return None
        return Usage(
            completion_tokens=sum(usage.completion_tokens for usage in usages),
            prompt_tokens=sum(usage.prompt_tokens for usage in usages),
            total_tokens=sum(usage.total_tokens for usage in usages),
        )

    def to_builtins(self) -> dict[str, list[Any]]:
        """The final state as ``{"runs": [...], "steps": [...], "messages": [...]}`` in the
        API's own object shapes, creation order (ready for JSON)."""
        return {
            "runs": msgspec.to_builtins(self.runs),
            "steps": msgspec.to_builtins(self.run_steps),
            "messages": msgspec.to_builtins(self.messages),
        }

    # ---- runs ----------------------------------------------------------------------------

    def _on_run(self, event: Any, notify: bool = True) -> list[Notification]:
        run: Run = event.data
        previous = self._runs.get(run.id)
        previous_status = previous.status if previous is not None else None
        if previous_status in RUN_TERMINAL_STATUSES and run.status != previous_status:
            self._anomaly("run_left_terminal_status", f"run {run.id!r} went from {previous_status!r} to {run.status!r}")
        self._runs[run.id] = run
        self.current_run_id = run.id
        if previous_status == run.status:
            return []
        notifications: list[Notification] = [RunStatusChanged(run, previous_status)]
        if run.status == "requires_action":
            notifications.extend(self._requires_action(run, notify))
        return notifications

    def _requires_action(self, run: Run, notify: bool) -> list[Notification]:
        action = run.required_action
        submit = action.submit_tool_outputs if action is not None else None
        calls = submit.tool_calls if submit else []  # type: ignore[union-attr]
        done: list[Notification] = []
        locations = self._tool_call_ids(run.id)
        for call in calls:
            location = locations.get(call.id)
            if location is None:
                continue
            step_id, index = location
            step = self._steps[step_id]
            builder = step.tool_calls[index]
            raw = call.function.arguments
            if step.delta_count and not pieces_equal(builder.pieces, raw):
                path = f"step_details.tool_calls[{index}].function.arguments"
                self._record([Discrepancy(step_id, path, builder.arguments(), raw)])
            if not builder.done:
                builder.done = True
                if notify:  # a quiet caller reads no notification: build no snapshot for one
                    done.append(ToolCallDone(step_id, index, builder.snapshot()))
        if notify:
            # Parsing the arguments is for the notification; a quiet caller skips it.
            done.append(RunRequiresAction(run, pending_tool_calls(run)))
        return done

    # ---- run steps -----------------------------------------------------------------------

    def _step_builder(self, step_id: str, notifications: list[Notification]) -> StepBuilder:
        builder = self._steps.get(step_id)
        if builder is None:
            self._anomaly("delta_for_unknown_step", f"a delta arrived for run step {step_id!r}, never created")
            run = self.current_run
            base = RunStep(
                id=step_id,
                run_id=run.id if run is not None else "",
                thread_id=run.thread_id if run is not None else "",
                assistant_id=run.assistant_id if run is not None else None,
            )
            builder = self._steps[step_id] = StepBuilder(base)
            notifications.append(StepCreated(step_id))
        elif builder.done:
            self._anomaly("delta_after_done", f"a delta arrived for run step {step_id!r} after it ended")
        return builder

    def _on_step(self, event: Any, notify: bool = True) -> list[Notification]:
        step: RunStep = event.data
        notifications: list[Notification] = []
        builder = self._steps.get(step.id)
        if builder is None:
            builder = self._steps[step.id] = StepBuilder(step)
            notifications.append(StepCreated(step.id))
        elif builder.base.status in STEP_TERMINAL_STATUSES and step.status != builder.base.status:
            self._left_terminal("step", step.id, builder.base.status, step.status)
        builder.changing()
        builder.base = step
        self.current_step_id = step.id
        terminal = step.status in STEP_TERMINAL_STATUSES
        if terminal and builder.delta_count:
            self._record(compare_steps(builder.snapshot(), step))
        outputs_before = {index: set(call.outputs) for index, call in builder.tool_calls.items()}
        for index in builder.seed_details(step, replace=terminal):
            notifications.append(ToolCallCreated(step.id, index))
        for index, call in builder.tool_calls.items():
            seen = outputs_before.get(index, set())
            for output_index in call.outputs:
                if output_index not in seen:
                    output = call.outputs[output_index].snapshot()
                    notifications.append(CodeInterpreterOutputAdded(step.id, index, output_index, output))
        if terminal:
            builder.cached = step
            if not builder.done:
                builder.done = True
                for index in sorted(builder.tool_calls):
                    call = builder.tool_calls[index]
                    snapshot = call.snapshot()
                    if call.type == "file_search" and call.fields.get("results"):
                        notifications.append(FileSearchResultsReceived(step.id, index, snapshot))
                    if not call.done:
                        call.done = True
                        notifications.append(ToolCallDone(step.id, index, snapshot))
                notifications.append(StepDone(step.id, step))
                if not self.keep_finished:
                    self._finished.append((self._steps, step.id))
        return notifications

    def _on_step_delta(self, event: ThreadRunStepDelta, notify: bool = True) -> list[Notification]:
        data = event.data
        step_id = data.id
        notifications: list[Notification] = []
        builder = self._steps.get(step_id)
        if builder is None or builder.done:
            builder = self._step_builder(step_id, notifications)
        builder.cached = None
        builder.view = None
        if builder.view_ref is not None:
            builder.changing()  # a step view handed out before may still be alive
        builder.delta_count += 1
        self.current_step_id = step_id
        if type(data) is not RunStepDeltaEvent:
            merge_delta(builder.unknown, data.unknown_members)  # type: ignore[attr-defined]
        delta = data.delta
        if notify:
            notifications.append(StepDeltaReceived(step_id, delta))
        details = delta.step_details
        if details is None:
            return notifications
        details_class = type(details)
        if details_class is ToolCallDeltaObject:
            builder.details_type = "tool_calls"
            calls = details.tool_calls  # type: ignore[union-attr]
            if calls is None:
                return notifications
            tool_calls = builder.tool_calls
            for call_delta in calls:
                if type(call_delta) is UnknownObject:
                    index = call_delta.get("index")
                    call_type = call_delta.type or "unknown"
                    if not isinstance(index, int):
                        self._anomaly("missing_index", f"a tool call delta of step {step_id!r} has no index")
                        continue
                else:
                    index = call_delta.index
                    call_type = call_delta.type
                call = tool_calls.get(index)
                if call is None or call.type != call_type:
                    call = self._new_tool_call(builder, step_id, index, call_type, notifications)
                created_outputs = call.apply(call_delta)
                if notify:
                    notifications.append(ToolCallDeltaReceived(step_id, index, call_delta))
                if created_outputs:
                    for output_index in created_outputs:
                        output = call.outputs[output_index].snapshot()
                        notifications.append(CodeInterpreterOutputAdded(step_id, index, output_index, output))
        elif details_class is RunStepDeltaMessageDelta:
            builder.details_type = "message_creation"
            if details.message_creation:  # type: ignore[union-attr] - neither None nor UNSET
                merge_fields(builder.details_fields, details.message_creation)  # type: ignore[union-attr]
        else:
            builder.details_type = details.type  # type: ignore[union-attr]
            merge_fields(builder.details_fields, details)
        return notifications

    def _new_tool_call(
        self, builder: StepBuilder, step_id: str, index: int, call_type: str, notifications: list[Notification]
    ) -> ToolCallBuilder:
        previous = builder.tool_calls.get(index)
        if previous is not None:
            self._anomaly(
                "type_changed",
                f"tool call {index} of step {step_id!r} changed type {previous.type!r} -> {call_type!r}",
            )
        call = builder.tool_calls[index] = ToolCallBuilder(call_type)
        notifications.append(ToolCallCreated(step_id, index))
        return call

    def _tool_call_ids(self, run_id: str) -> dict[str, tuple[str, int]]:
        """Where each tool call of the run's unfinished steps is, by tool call id."""
        locations = {}
        for step_id, step in self._steps.items():
            if step.done or step.base.run_id not in (run_id, ""):
                continue
            for index, call in step.tool_calls.items():
                if call.id:
                    locations[call.id] = (step_id, index)
        return locations

    # ---- messages ------------------------------------------------------------------------

    def _message_builder(self, message_id: str, notifications: list[Notification]) -> MessageBuilder:
        builder = self._messages.get(message_id)
        if builder is None:
            self._anomaly("delta_for_unknown_message", f"a delta arrived for message {message_id!r}, never created")
            run = self.current_run
            base = Message(
                id=message_id,
                status="in_progress",
                run_id=run.id if run is not None else None,
                thread_id=run.thread_id if run is not None else "",
                assistant_id=run.assistant_id if run is not None else None,
            )
            builder = self._messages[message_id] = MessageBuilder(base)
            notifications.append(MessageCreated(message_id))
        elif builder.done:
            self._anomaly("delta_after_done", f"a delta arrived for message {message_id!r} after it ended")
        return builder

    def _on_message(self, event: Any, notify: bool = True) -> list[Notification]:
        message: Message = event.data
        notifications: list[Notification] = []
        builder = self._messages.get(message.id)
        if builder is None:
            builder = self._messages[message.id] = MessageBuilder(message)
            notifications.append(MessageCreated(message.id))
        elif builder.base.status in MESSAGE_TERMINAL_STATUSES and message.status != builder.base.status:
            self._left_terminal("message", message.id, builder.base.status, message.status)
        builder.base = message
        builder.cached = None
        builder.view = None
        self.current_message_id = message.id
        terminal = message.status in MESSAGE_TERMINAL_STATUSES
        if terminal and builder.delta_count:
            self._record(compare_messages(builder.snapshot(), message))
        annotations_before = {index: set(part.annotations) for index, part in builder.parts.items()}
        for index in builder.seed_parts(message, replace=terminal):
            notifications.append(ContentPartCreated(message.id, index, builder.parts[index].type))
        for index, part in builder.parts.items():
            seen = annotations_before.get(index, set())
            for annotation_index in part.annotations:
                if annotation_index not in seen:
                    annotation = convert_lenient(part.annotations[annotation_index], Annotation)
                    notifications.append(AnnotationAdded(message.id, index, annotation_index, annotation))
        if terminal:
            builder.cached = message
            if not builder.done:
                builder.done = True
                for index in sorted(builder.parts):
                    if index not in builder.parts_done:
                        builder.parts_done.add(index)
                        notifications.append(ContentPartDone(message.id, index, builder.parts[index].snapshot()))
                notifications.append(MessageDone(message.id, message))
                if not self.keep_finished:
                    self._finished.append((self._messages, message.id))
        return notifications

    def _on_message_delta(self, event: ThreadMessageDelta, notify: bool = True) -> list[Notification]:
        data = event.data
        message_id = data.id
        notifications: list[Notification] = []
        builder = self._messages.get(message_id)
        if builder is None or builder.done:
            builder = self._message_builder(message_id, notifications)
        builder.cached = None
        builder.view = None
        builder.delta_count += 1
        self.current_message_id = message_id
        if type(data) is not MessageDeltaEvent:
            merge_delta(builder.unknown, data.unknown_members)  # type: ignore[attr-defined]
        delta = data.delta
        if notify:
            notifications.append(MessageDeltaReceived(message_id, delta))
        if delta.role is not None:
            builder.base = msgspec.structs.replace(builder.base, role=delta.role)
        content = delta.content
        if content is None:
            return notifications
        parts = builder.parts
        for block in content:
            block_class = type(block)
            raw = block_class is UnknownObject
            index = block.get("index") if raw else block.index  # type: ignore[union-attr]
            if not isinstance(index, int):
                self._anomaly("missing_index", f"a content delta of message {message_id!r} has no index")
                continue
            part_type = block.type or "unknown"
            part = parts.get(index)
            if part is None or part.type != part_type:
                if part is not None:
                    self._anomaly(
                        "type_changed",
                        f"content part {index} of message {message_id!r} changed type {part.type!r} -> {part_type!r}",
                    )
                part = parts[index] = PartBuilder(part_type)
                notifications.append(ContentPartCreated(message_id, index, part.type))
            else:
                part.cached = None
                part.view = None
            added: list[int] = []
            if block_class is TextDeltaBlock:
                text = block.text  # type: ignore[union-attr]
                if text is not None:
                    value = text.value
                    if value is not None:
                        part.pieces.append(value)
                        part.size += len(value)
                        if len(part.pieces) - part.compacted > COMPACT_EVERY:
                            compact_pieces(part)
                    if text.annotations is not None and text.annotations:
                        added = _merge_annotations(part, text.annotations)
            elif block_class is RefusalDeltaBlock:
                if block.refusal is not None:  # type: ignore[union-attr]
                    part.pieces.append(block.refusal)  # type: ignore[union-attr]
                    part.size += len(block.refusal)  # type: ignore[union-attr]
                    if len(part.pieces) - part.compacted > COMPACT_EVERY:
                        compact_pieces(part)
            elif block_class is ImageFileDeltaBlock:
                if block.image_file is not None:  # type: ignore[union-attr]
                    merge_fields(part.fields, block.image_file)  # type: ignore[union-attr]
            elif block_class is ImageURLDeltaBlock:
                if block.image_url is not None:  # type: ignore[union-attr]
                    merge_fields(part.fields, block.image_url)  # type: ignore[union-attr]
            else:
                merge_fields(part.fields, block)
            if notify:
                notifications.append(ContentPartDeltaReceived(message_id, index, block))  # type: ignore[arg-type]
            for annotation_index in added:
                annotation = convert_lenient(part.annotations[annotation_index], Annotation)
                notifications.append(AnnotationAdded(message_id, index, annotation_index, annotation))
        return notifications

    # ---- the rest ------------------------------------------------------------------------

    def _on_done(self, event: DoneEvent, notify: bool = True) -> list[Notification]:
        self._done = True
        # The server ended the stream: whether the run had come to rest by then decides
        # whether the stream was complete, whatever garbage may follow.
        self._rested_at_done = self.rested_since_end
        return []

    def _on_thread(self, event: ThreadCreated, notify: bool = True) -> list[Notification]:
        self.thread = event.data
        return []

    def _on_error(self, event: ErrorEvent, notify: bool = True) -> list[Notification]:
        self.errors.append(event.data)
        return [ErrorReceived(event.data)]

    def _on_unknown(self, event: UnknownEvent, notify: bool = True) -> list[Notification]:
        self.unknown_events.append(event)
        return [UnknownEventReceived(event)]

    def _record(self, discrepancies: list[Discrepancy]) -> None:
        # The same contradiction can show twice (at requires_action, then in the completed
        # step): report it once.
        for discrepancy in discrepancies:
            if discrepancy not in self.discrepancies:
                self.discrepancies.append(discrepancy)

    def _left_terminal(self, kind: str, object_id: str, previous: str, status: str) -> None:
        # Merged all the same (a snapshot says what the server said last), but never silently.
        self._anomaly(f"{kind}_left_terminal_status", f"{kind} {object_id!r} went from {previous!r} to {status!r}")

    def _anomaly(self, kind: str, detail: str) -> None:
        self.anomalies.append(Anomaly(kind, detail, self.events_fed - 1))


def _merge_annotations(part: PartBuilder, annotations: list[Any]) -> list[int]:
    added = []
    for annotation in annotations:
        index = annotation.get("index") if type(annotation) is UnknownObject else annotation.index
        if not isinstance(index, int):
            continue
        target = part.annotations.get(index)
        if target is None:
            target = part.annotations[index] = {}
            added.append(index)
        merge_fields(target, annotation)
    part.annotations_cache = None
    return added


