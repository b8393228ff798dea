"""What the accumulator tells its caller: one small frozen object per thing that happened.

`Accumulator.feed` returns these in the order things happened. Each lifecycle notification
(created / done) comes exactly once per object, whatever the interleaving of the stream.
Notifications carry ids and indexes, plus the delta or the authoritative object where there
is one; the current snapshot of anything is one call away on the accumulator, built only
when asked for.
"""

from __future__ import annotations

from typing import Any

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

__all__ = [
    "Anomaly",
    "AnnotationAdded",
    "CodeInterpreterOutputAdded",
    "ContentPartCreated",
    "ContentPartDeltaReceived",
    "ContentPartDone",
    "Discrepancy",
    "ErrorReceived",
    "FileSearchResultsReceived",
    "MessageCreated",
    "MessageDeltaReceived",
    "MessageDone",
    "Notification",
    "PendingToolCall",
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


class PendingToolCall(msgspec.Struct, frozen=True, gc=False):
    """A function call the run waits on.

    Attributes:
        id: the tool call id to reference in the submitted output.
        name: the function name.
        arguments: the arguments parsed from JSON, or ``None`` if they are not valid JSON.
        raw_arguments: the arguments string exactly as the server sent it.
        arguments_error: why parsing failed, or ``None``.
    """

    id: str
    name: str
    arguments: Any
    raw_arguments: str
    arguments_error: str | None = None


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


class Anomaly(msgspec.Struct, frozen=True, gc=False):
    """Something unexpected the accumulator survived, e.g. a delta for an unknown message.

    Attributes:
        kind: a stable identifier, e.g. ``"delta_for_unknown_message"``.
        detail: a readable explanation.
        ordinal: the position of the event in what the accumulator was fed.
    """

    kind: str
    detail: str
    ordinal: int


class Discrepancy(msgspec.Struct, frozen=True, gc=False):
    """A value built from deltas that the authoritative object contradicts (a lost or
    corrupted delta).

    Attributes:
        object_id: the step, message or run id.
        path: where, e.g. ``"step_details.tool_calls[0].function.arguments"``.
        from_deltas: what the deltas built (``None`` when missing).
        authoritative: what the server's final object says (``None`` when missing).
    """

    object_id: str
    path: str
    from_deltas: Any
    authoritative: Any
