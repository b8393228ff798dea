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

from .._models.base import ErrorObject, Usage
from .._models.message import Message, MessageDeltaEvent
from .._models.run import RUN_RESTING_STATUSES, Run
from .._models.run_step import RunStep, RunStepDeltaEvent
from .._models.thread import Thread
from .anomalies import Anomaly
from .drain import update_run
from .event_decoder import EventDecoder
from .event_merging import EventMerging
from .events import (
    EVENT_CLASSES,
    AssistantStreamEvent,
    DoneEvent,
    ErrorEvent,
    UnknownEvent,
    event_data_type,
)
from .message_builder import MessageBuilder
from .notifications import Notification, StreamEnded
from .sse import RawRun, ServerSentEvent
from .step_builder import StepBuilder
from .verify import Discrepancy

__all__ = ["Accumulator", "AccumulatorState"]




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


class Accumulator(EventMerging):
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

    #: The method that merges each event class (functions, called with the accumulator): a
    #: table of bound methods kept on the instance would make every accumulator part of a
    #: reference cycle, with all it built freed only by a full collection of the process.
    _dispatch: dict[type, Callable[[Any, Any, bool], list[Notification]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._dispatch = _dispatch_table(cls)

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
        return self._dispatch[type(event)](self, event, True)

    def update(self, event: AssistantStreamEvent | ServerSentEvent) -> None:
        """Merge one event like `feed`, for a caller that does not read notifications:
        the per-delta ones are not even built (lifecycle tracking is the same)."""
        if type(event) is ServerSentEvent:
            event = self._event_decoder.decode(event)
        self.events_fed += 1
        if self._finished or self._done:
            self._before(event)
        self._dispatch[type(event)](self, event, False)

    def update_run(self, run: RawRun, decoder: EventDecoder) -> ErrorEvent | None:
        """`update` with each event of a `RawRun` (see `SSEDecoder.feed_runs`), decoded by
        ``decoder``; stops after an ``error`` event, which it returns. The fast path of a
        stream whose events nobody reads one by one (see `drain`)."""
        return update_run(self, run, decoder)

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


def _dispatch_table(cls: type[Accumulator]) -> dict[type, Callable[[Any, Any, bool], list[Notification]]]:
    table = {event_class: getattr(cls, method) for event_class, method in _METHOD_BY_EVENT_CLASS.items()}
    table[DoneEvent] = cls._on_done
    return table


Accumulator._dispatch = _dispatch_table(Accumulator)
