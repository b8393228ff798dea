"""Typed stream events: one class per event name, with the data its JSON holds.

The event name (the SSE ``event:`` line) says what the JSON ``data`` holds: each class pairs
a name with the type of its data (decoding them is `_core/event_decoder.py`). ``done``
carries ``[DONE]``, which is not JSON; an event name runstream does not know becomes an
`UnknownEvent`, not an error.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

import msgspec

from .._models.base import ErrorObject
from .._models.message import Message, MessageDeltaEvent
from .._models.run import Run
from .._models.run_step import RunStep, RunStepDeltaEvent
from .._models.thread import Thread

__all__ = [
    "EVENT_CLASSES",
    "EVENT_NAME_ALIASES",
    "JSON_EVENT_CLASSES",
    "AssistantStreamEvent",
    "DoneEvent",
    "ErrorEvent",
    "ThreadCreated",
    "ThreadMessageCompleted",
    "ThreadMessageCreated",
    "ThreadMessageDelta",
    "ThreadMessageInProgress",
    "ThreadMessageIncomplete",
    "ThreadRunCancelled",
    "ThreadRunCancelling",
    "ThreadRunCompleted",
    "ThreadRunCreated",
    "ThreadRunExpired",
    "ThreadRunFailed",
    "ThreadRunInProgress",
    "ThreadRunIncomplete",
    "ThreadRunQueued",
    "ThreadRunRequiresAction",
    "ThreadRunStepCancelled",
    "ThreadRunStepCompleted",
    "ThreadRunStepCreated",
    "ThreadRunStepDelta",
    "ThreadRunStepExpired",
    "ThreadRunStepFailed",
    "ThreadRunStepInProgress",
    "UnknownEvent",
    "event_data_type",
]

#: Event names of other dialects, and the standard name each means.
EVENT_NAME_ALIASES = {"thread.message.chunk": "thread.message.delta"}


class _Event(msgspec.Struct, frozen=True, gc=False):
    """The base of every event class with JSON data: a name (a class variable) and ``data``."""

    event: ClassVar[str]


class ThreadCreated(_Event):
    """``thread.created``: a thread was created (create-thread-and-run only)."""

    event: ClassVar[Literal["thread.created"]] = "thread.created"
    data: Thread


class ThreadRunCreated(_Event):
    """``thread.run.created``: a run was created."""

    event: ClassVar[Literal["thread.run.created"]] = "thread.run.created"
    data: Run


class ThreadRunQueued(_Event):
    """``thread.run.queued``: the run moved to ``queued``."""

    event: ClassVar[Literal["thread.run.queued"]] = "thread.run.queued"
    data: Run


class ThreadRunInProgress(_Event):
    """``thread.run.in_progress``: the run moved to ``in_progress``."""

    event: ClassVar[Literal["thread.run.in_progress"]] = "thread.run.in_progress"
    data: Run


class ThreadRunRequiresAction(_Event):
    """``thread.run.requires_action``: the run waits for tool outputs; the stream ends."""

    event: ClassVar[Literal["thread.run.requires_action"]] = "thread.run.requires_action"
    data: Run


class ThreadRunCompleted(_Event):
    """``thread.run.completed``: the run completed."""

    event: ClassVar[Literal["thread.run.completed"]] = "thread.run.completed"
    data: Run


class ThreadRunIncomplete(_Event):
    """``thread.run.incomplete``: the run ended with status ``incomplete``."""

    event: ClassVar[Literal["thread.run.incomplete"]] = "thread.run.incomplete"
    data: Run


class ThreadRunFailed(_Event):
    """``thread.run.failed``: the run failed."""

    event: ClassVar[Literal["thread.run.failed"]] = "thread.run.failed"
    data: Run


class ThreadRunCancelling(_Event):
    """``thread.run.cancelling``: the run moved to ``cancelling``."""

    event: ClassVar[Literal["thread.run.cancelling"]] = "thread.run.cancelling"
    data: Run


class ThreadRunCancelled(_Event):
    """``thread.run.cancelled``: the run was cancelled."""

    event: ClassVar[Literal["thread.run.cancelled"]] = "thread.run.cancelled"
    data: Run


class ThreadRunExpired(_Event):
    """``thread.run.expired``: the run expired."""

    event: ClassVar[Literal["thread.run.expired"]] = "thread.run.expired"
    data: Run


class ThreadRunStepCreated(_Event):
    """``thread.run.step.created``: a run step was created."""

    event: ClassVar[Literal["thread.run.step.created"]] = "thread.run.step.created"
    data: RunStep


class ThreadRunStepInProgress(_Event):
    """``thread.run.step.in_progress``: the step moved to ``in_progress``."""

    event: ClassVar[Literal["thread.run.step.in_progress"]] = "thread.run.step.in_progress"
    data: RunStep


class ThreadRunStepDelta(_Event):
    """``thread.run.step.delta``: fragments of a run step (tool call pieces)."""

    event: ClassVar[Literal["thread.run.step.delta"]] = "thread.run.step.delta"
    data: RunStepDeltaEvent


class ThreadRunStepCompleted(_Event):
    """``thread.run.step.completed``: the step completed (the authoritative object)."""

    event: ClassVar[Literal["thread.run.step.completed"]] = "thread.run.step.completed"
    data: RunStep


class ThreadRunStepFailed(_Event):
    """``thread.run.step.failed``: the step failed."""

    event: ClassVar[Literal["thread.run.step.failed"]] = "thread.run.step.failed"
    data: RunStep


class ThreadRunStepCancelled(_Event):
    """``thread.run.step.cancelled``: the step was cancelled."""

    event: ClassVar[Literal["thread.run.step.cancelled"]] = "thread.run.step.cancelled"
    data: RunStep


class ThreadRunStepExpired(_Event):
    """``thread.run.step.expired``: the step expired."""

    event: ClassVar[Literal["thread.run.step.expired"]] = "thread.run.step.expired"
    data: RunStep


class ThreadMessageCreated(_Event):
    """``thread.message.created``: a message was created."""

    event: ClassVar[Literal["thread.message.created"]] = "thread.message.created"
    data: Message


class ThreadMessageInProgress(_Event):
    """``thread.message.in_progress``: the message moved to ``in_progress``."""

    event: ClassVar[Literal["thread.message.in_progress"]] = "thread.message.in_progress"
    data: Message


class ThreadMessageDelta(_Event):
    """``thread.message.delta`` (Azure: ``thread.message.chunk``): message fragments."""

    event: ClassVar[Literal["thread.message.delta"]] = "thread.message.delta"
    data: MessageDeltaEvent


class ThreadMessageCompleted(_Event):
    """``thread.message.completed``: the message completed (the authoritative object)."""

    event: ClassVar[Literal["thread.message.completed"]] = "thread.message.completed"
    data: Message


class ThreadMessageIncomplete(_Event):
    """``thread.message.incomplete``: the message ended before it was completed."""

    event: ClassVar[Literal["thread.message.incomplete"]] = "thread.message.incomplete"
    data: Message


class ErrorEvent(_Event):
    """``error``: the server reports an error (both the bare object and the
    ``{"error": {...}}`` envelope decode to `ErrorObject`)."""

    event: ClassVar[Literal["error"]] = "error"
    data: ErrorObject


class DoneEvent(_Event):
    """``done``: the stream ends (``data`` is the literal ``[DONE]``, never decoded)."""

    event: ClassVar[Literal["done"]] = "done"
    data: str = "[DONE]"


class UnknownEvent(msgspec.Struct, frozen=True, gc=False):
    """An event whose name runstream does not know: kept with its raw data (a string).

    For type checkers ``event`` is the literal ``"unknown"`` (no known event has that
    name) and ``data`` is ``Any``, so that narrowing `AssistantStreamEvent` on
    ``event.event == "thread.run.completed"`` works in pyright and mypy alike; at run time
    they are the event's own name and data. Test ``isinstance(event, UnknownEvent)``.
    """

    if TYPE_CHECKING:
        event: Literal["unknown"]
        data: Any
    else:
        event: str
        data: str

    def json(self) -> Any:
        """Decode ``data`` as JSON (raises ``msgspec.DecodeError`` if it is not JSON)."""
        return msgspec.json.decode(self.data)


#: Any event of the run stream.
AssistantStreamEvent = Union[
    ThreadCreated,
    ThreadRunCreated,
    ThreadRunQueued,
    ThreadRunInProgress,
    ThreadRunRequiresAction,
    ThreadRunCompleted,
    ThreadRunIncomplete,
    ThreadRunFailed,
    ThreadRunCancelling,
    ThreadRunCancelled,
    ThreadRunExpired,
    ThreadRunStepCreated,
    ThreadRunStepInProgress,
    ThreadRunStepDelta,
    ThreadRunStepCompleted,
    ThreadRunStepFailed,
    ThreadRunStepCancelled,
    ThreadRunStepExpired,
    ThreadMessageCreated,
    ThreadMessageInProgress,
    ThreadMessageDelta,
    ThreadMessageCompleted,
    ThreadMessageIncomplete,
    ErrorEvent,
    DoneEvent,
    UnknownEvent,
]

#: The events whose data is JSON (all but ``done`` and unknown ones).
JSON_EVENT_CLASSES: tuple[type[_Event], ...] = tuple(
    event_class for event_class in typing.get_args(AssistantStreamEvent) if event_class not in (DoneEvent, UnknownEvent)
)


def event_data_type(event_class: type) -> Any:
    """The type of an event class's ``data`` (e.g. `Run` for `ThreadRunCompleted`)."""
    return msgspec.structs.fields(event_class)[0].type


#: Every event class with JSON data, by its (standard) event name.
EVENT_CLASSES: dict[str, type[_Event]] = {event_class.event: event_class for event_class in JSON_EVENT_CLASSES}
