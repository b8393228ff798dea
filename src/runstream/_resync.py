"""Re-sync: turn polled objects (run, steps, messages) into the events a stream would have
carried, so they merge into an accumulator and reach a handler like streamed ones.

There is no way to resume a run stream (no event ids, no ``starting_after``), so after a
dropped connection the state is rebuilt from the retrieve-run, list-run-steps and
retrieve-message endpoints. Feeding the resulting events fires whatever was missed: the
done callbacks at least, since the polled objects are final or current ones, not deltas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._events import (
    AssistantStreamEvent,
    ThreadMessageCompleted,
    ThreadMessageIncomplete,
    ThreadMessageInProgress,
    ThreadRunCancelled,
    ThreadRunCancelling,
    ThreadRunCompleted,
    ThreadRunExpired,
    ThreadRunFailed,
    ThreadRunIncomplete,
    ThreadRunInProgress,
    ThreadRunQueued,
    ThreadRunRequiresAction,
    ThreadRunStepCancelled,
    ThreadRunStepCompleted,
    ThreadRunStepExpired,
    ThreadRunStepFailed,
    ThreadRunStepInProgress,
)
from ._message import Message
from ._run import Run
from ._run_step import RunStep

__all__ = ["resync_events"]

_RUN_EVENTS = {
    "queued": ThreadRunQueued,
    "in_progress": ThreadRunInProgress,
    "requires_action": ThreadRunRequiresAction,
    "cancelling": ThreadRunCancelling,
    "cancelled": ThreadRunCancelled,
    "failed": ThreadRunFailed,
    "completed": ThreadRunCompleted,
    "incomplete": ThreadRunIncomplete,
    "expired": ThreadRunExpired,
}
_STEP_EVENTS = {
    "completed": ThreadRunStepCompleted,
    "failed": ThreadRunStepFailed,
    "cancelled": ThreadRunStepCancelled,
    "expired": ThreadRunStepExpired,
}
_MESSAGE_EVENTS = {"completed": ThreadMessageCompleted, "incomplete": ThreadMessageIncomplete}


def resync_events(run: Run, steps: Sequence[RunStep], messages: Mapping[str, Message]) -> list[AssistantStreamEvent]:
    """The events that carry the polled state, in stream order: each step (preceded by the
    message it created), then the run."""
    events: list[AssistantStreamEvent] = []
    for step in steps:
        details = step.step_details
        message_id = getattr(getattr(details, "message_creation", None), "message_id", None)
        message = messages.get(message_id) if message_id else None
        if message is not None:
            events.append(_MESSAGE_EVENTS.get(message.status or "", ThreadMessageInProgress)(message))
        events.append(_STEP_EVENTS.get(step.status, ThreadRunStepInProgress)(step))
    events.append(_RUN_EVENTS.get(run.status, ThreadRunInProgress)(run))
    return events
