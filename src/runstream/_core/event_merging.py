"""How each kind of event merges into an accumulator's state: runs, run steps, messages, the rest.

`Accumulator` dispatches every event to one of these methods by the type of its data. A
whole object replaces what was built (authoritative, final objects also settle what their
deltas built, and say so in a `Discrepancy` where they disagree); a delta goes to the
builder of the object its ``id`` names (`StepBuilder.apply`, `MessageBuilder.apply`). Each
returns the notifications the event caused; with ``notify`` false (a caller that reads
none), the per-delta ones are not built, while lifecycle tracking stays the same.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .._models.base import ErrorObject
from .._models.lenient import convert_lenient
from .._models.message import (
    MESSAGE_TERMINAL_STATUSES,
    Annotation,
    Message,
    MessageDeltaEvent,
)
from .._models.run import RUN_TERMINAL_STATUSES, Run
from .._models.run_step import STEP_TERMINAL_STATUSES, RunStep, RunStepDeltaEvent
from .._models.thread import Thread
from .anomalies import Anomaly
from .delta_tree import merge_delta
from .events import (
    DoneEvent,
    ErrorEvent,
    ThreadCreated,
    ThreadMessageDelta,
    ThreadRunStepDelta,
    UnknownEvent,
)
from .merge import pieces_equal
from .views import retire
from .message_builder import MessageBuilder
from .notifications import (
    AnnotationAdded,
    CodeInterpreterOutputAdded,
    ContentPartCreated,
    ContentPartDone,
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
    ToolCallCreated,
    ToolCallDone,
    UnknownEventReceived,
)
from .step_builder import StepBuilder
from .tool_calls import pending_tool_calls
from .verify import Discrepancy, compare_messages, compare_steps

__all__ = ["EventMerging"]

_ID = attrgetter("id")
_SIZE = attrgetter("size")
_PIECES = attrgetter("pieces")
_ARGUMENTS = attrgetter("function.arguments")
#: At most this many characters of arguments are joined at once to be compared together.
_SETTLED_TOGETHER = 1 << 20


class EventMerging:
    """The per-event merge methods of `Accumulator` (which holds the state they share)."""

    keep_finished: bool
    thread: Thread | None
    anomalies: list[Anomaly]
    discrepancies: list[Discrepancy]
    errors: list[ErrorObject]
    unknown_events: list[UnknownEvent]
    events_fed: int
    current_run_id: str | None
    current_step_id: str | None
    current_message_id: str | None
    _finished: list[tuple[dict[str, Any], str]]
    _runs: dict[str, Run]
    _done: bool
    _rested_at_done: bool
    _steps: dict[str, StepBuilder]
    _messages: dict[str, MessageBuilder]

    if TYPE_CHECKING:  # provided by Accumulator

        @property
        def current_run(self) -> Run | None: ...

        @property
        def rested_since_end(self) -> bool: ...

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
        if not notify and self._settled_in_order(run.id, calls):
            return done
        step_ids, indexes = self._tool_call_ids(run.id)
        steps = self._steps
        for call in calls:
            call_id = call.id
            step_id = step_ids.get(call_id)
            if step_id is None:
                continue
            index = indexes[call_id]
            step = steps[step_id]
            builder = step.tool_calls[index]
            raw = call.function.arguments
            if step.delta_count:
                pieces = builder.pieces
                if pieces_equal(pieces, raw, builder.size):
                    # The same text: keep the server's string only (huge arguments held once).
                    pieces[:] = (raw,)
                    builder.compacted = 1
                else:
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

    def _settled_in_order(self, run_id: str, calls: list[Any]) -> bool:
        """What `_requires_action` does for a caller that reads no notification, in the usual
        case, with the loops in C: one unfinished step of the run built exactly the calls the
        run waits on, in its order, under distinct ids, their arguments equal and, together,
        not long.
        Each call is done. Its pieces stay: they equal the run's string, and all of them
        together are short (`_SETTLED_TOGETHER`), so holding them beside it costs little,
        where putting the string in their place would cost more time than everything else
        here. ``False``, with nothing changed, for anything else. (A run waiting on 10,000
        calls spends most of its time here otherwise, a Python loop doing a few lookups per
        call.)"""
        found = None
        for step in self._steps.values():
            if step.tool_calls and not step.done and step.base.run_id in (run_id, ""):
                if found is not None:
                    return False
                found = step
        if found is None or not found.delta_count or len(found.tool_calls) != len(calls):
            return False
        builders = list(found.tool_calls.values())
        ids = list(map(_ID, builders))
        if not all(ids) or ids != list(map(_ID, calls)) or len(set(ids)) != len(ids):
            return False
        if sum(map(_SIZE, builders)) > _SETTLED_TOGETHER:
            return False  # joined at once below: long arguments take the loop, one at a time
        arguments = list(map(_ARGUMENTS, calls))
        if list(map("".join, map(_PIECES, builders))) != arguments:
            return False  # the loop records the discrepancy
        for builder in builders:
            builder.done = True
        return True

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
        # Only calls with outputs (code_interpreter): no set per call of a step of 10,000.
        outputs_before = {index: set(call.outputs) for index, call in builder.tool_calls.items() if call.outputs}
        for index in builder.seed_details(step, replace=terminal):
            notifications.append(ToolCallCreated(step.id, index))
        for index, call in builder.tool_calls.items():
            if not call.outputs:
                continue
            seen = outputs_before.get(index, ())
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
        if builder.view is not None:
            retire(builder)
        # Step views handed out before, if alive, are kept as they were by `apply`, which
        # calls `changing` before each change it makes (per tool call when it is about one).
        builder.delta_count += 1
        self.current_step_id = step_id
        if type(data) is not RunStepDeltaEvent:
            merge_delta(builder.unknown, data.unknown_members)  # type: ignore[attr-defined]
        delta = data.delta
        if notify:
            notifications.append(StepDeltaReceived(step_id, delta))
        builder.apply(delta, step_id, notifications, notify, self._anomaly)
        return notifications

    def _tool_call_ids(self, run_id: str) -> tuple[dict[str, str], dict[str, int]]:
        """Where each tool call of the run's unfinished steps is, by tool call id: its step's
        id and its index. (Two dicts of strings and ints, not one of pairs: a run waiting on
        10,000 calls would make 10,000 tuples the cycle collector tracks for a while.)"""
        step_ids: dict[str, str] = {}
        indexes: dict[str, int] = {}
        for step_id, step in self._steps.items():
            if step.done or step.base.run_id not in (run_id, ""):
                continue
            for index, call in step.tool_calls.items():
                if call.id:
                    step_ids[call.id] = step_id
                    indexes[call.id] = index
        return step_ids, indexes

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
        builder.apply(delta, message_id, notifications, notify, self._anomaly)
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

