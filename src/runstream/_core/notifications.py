"""What the accumulator tells its caller: one small frozen object per thing that happened.

`Accumulator.feed` returns these in the order things happened. Each lifecycle notification
(created / done) comes exactly once per object, whatever the interleaving of the stream.
Notifications carry ids and indexes, plus the delta or the authoritative object where there
is one; the current snapshot of anything is one call away on the accumulator, built only
when asked for.
"""

from __future__ import annotations

import msgspec

from .._models.base import ErrorObject
from .._models.message import (
    Annotation,
    ContentPart,
    ContentPartDelta,
    Message,
    MessageDelta,
)
from .._models.run import Run
from .._models.run_step import (
    CodeInterpreterOutput,
    RunStep,
    RunStepDelta,
    ToolCall,
    ToolCallDelta,
)
from .events import UnknownEvent
from .tool_calls import PendingToolCall

__all__ = [
    "AnnotationAdded",
    "CodeInterpreterOutputAdded",
    "ContentPartCreated",
    "ContentPartDeltaReceived",
    "ContentPartDone",
    "ErrorReceived",
    "FileSearchResultsReceived",
    "MessageCreated",
    "MessageDeltaReceived",
    "MessageDone",
    "Notification",
    "RunRequiresAction",
    "RunStatusChanged",
    "StepCreated",
    "StepDeltaReceived",
    "StepDone",
    "StreamEnded",
    "ToolCallCreated",
    "ToolCallDeltaReceived",
    "ToolCallDone",
    "UnknownEventReceived",
]


class Notification(msgspec.Struct, frozen=True, gc=False):
    """Base class of everything `Accumulator.feed` returns."""


class RunStatusChanged(Notification):
    """A run event changed the run's status (or is the first seen for that run)."""

    run: Run
    previous_status: str | None


class RunRequiresAction(Notification):
    """The run moved to ``requires_action``: these tool calls need outputs."""

    run: Run
    tool_calls: list[PendingToolCall]


class StepCreated(Notification):
    """A run step was seen for the first time."""

    step_id: str


class StepDeltaReceived(Notification):
    """A ``thread.run.step.delta`` was merged into the step."""

    step_id: str
    delta: RunStepDelta


class StepDone(Notification):
    """The step reached a terminal status; ``step`` is the authoritative object."""

    step_id: str
    step: RunStep


class ToolCallCreated(Notification):
    """A tool call was seen for the first time at ``(step_id, index)``."""

    step_id: str
    index: int


class ToolCallDeltaReceived(Notification):
    """A fragment of the tool call at ``(step_id, index)`` was merged."""

    step_id: str
    index: int
    delta: ToolCallDelta


class ToolCallDone(Notification):
    """The tool call is complete: at its step's terminal status, or, for a function call,
    when the run asks for its output (its arguments are then final)."""

    step_id: str
    index: int
    tool_call: ToolCall


class CodeInterpreterOutputAdded(Notification):
    """A code_interpreter output appeared at ``(step_id, tool_index, output_index)``."""

    step_id: str
    tool_index: int
    output_index: int
    output: CodeInterpreterOutput


class FileSearchResultsReceived(Notification):
    """A file_search call's results arrived (they come with the completed step)."""

    step_id: str
    tool_index: int
    tool_call: ToolCall


class MessageCreated(Notification):
    """A message was seen for the first time."""

    message_id: str


class MessageDeltaReceived(Notification):
    """A ``thread.message.delta`` was merged into the message."""

    message_id: str
    delta: MessageDelta


class MessageDone(Notification):
    """The message completed or ended incomplete; ``message`` is the authoritative object."""

    message_id: str
    message: Message


class ContentPartCreated(Notification):
    """A content part appeared at ``(message_id, index)``; ``type`` is e.g. ``"text"``."""

    message_id: str
    index: int
    type: str


class ContentPartDeltaReceived(Notification):
    """A fragment of the content part at ``(message_id, index)`` was merged."""

    message_id: str
    index: int
    delta: ContentPartDelta


class ContentPartDone(Notification):
    """The content part is final (its message is done); ``part`` is the final part."""

    message_id: str
    index: int
    part: ContentPart


class AnnotationAdded(Notification):
    """An annotation appeared at ``(message_id, content_index, annotation_index)``."""

    message_id: str
    content_index: int
    annotation_index: int
    annotation: Annotation


class ErrorReceived(Notification):
    """The server sent an ``error`` event."""

    error: ErrorObject


class UnknownEventReceived(Notification):
    """An event of a name runstream does not know arrived (kept, never an error)."""

    event: UnknownEvent


class StreamEnded(Notification):
    """One stream fed into the accumulator ended.

    Attributes:
        complete: whether the run had reached a terminal or requires_action status.
        run_status: the latest run's status, or ``None`` if no run event arrived.
    """

    complete: bool
    run_status: str | None
