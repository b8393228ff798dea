"""Re-sync: turn polled objects (run, steps, messages) into the events a stream would have
carried, so they merge into an accumulator and reach a handler like streamed ones.

There is no way to resume a run stream (no event ids, no ``starting_after``), so after a
dropped connection the state is rebuilt from the retrieve-run, list-run-steps and
retrieve-message endpoints. Feeding the resulting events fires whatever was missed: the
done callbacks at least, since the polled objects are final or current ones, not deltas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from .events import (
    EVENT_CLASSES,
    AssistantStreamEvent,
    ThreadMessageInProgress,
    ThreadRunInProgress,
    ThreadRunStepInProgress,
    event_data_type,
)

__all__ = ["resync_events"]


def resync_events(run: Run, steps: Sequence[RunStep], messages: Mapping[str, Message]) -> list[AssistantStreamEvent]:
    """The events that carry the polled state, in stream order: each step (preceded by the
    message it created), then the run."""
    events: list[AssistantStreamEvent] = []
    for step in steps:
        details = step.step_details
        message_id = getattr(getattr(details, "message_creation", None), "message_id", None)
        message = messages.get(message_id) if message_id else None
        if message is not None:
            message_event = EVENT_CLASSES.get(f"thread.message.{message.status}", ThreadMessageInProgress)
            events.append(message_event(message))  # type: ignore[call-arg]
        step_event = EVENT_CLASSES.get(f"thread.run.step.{step.status}", ThreadRunStepInProgress)
        events.append(step_event(step))  # type: ignore[call-arg]
    # The event named after the status (thread.run.completed, ...) carries the run in it.
    run_event = EVENT_CLASSES.get(f"thread.run.{run.status}", ThreadRunInProgress)
    if event_data_type(run_event) is not Run:
        run_event = ThreadRunInProgress
    events.append(run_event(run))  # type: ignore[call-arg]
    return events
