"""The RunStep object, its tool calls, and the run step delta that streams them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

import msgspec

from .base import UNSET, LastError, Model, UnknownObject, UnsetType, Usage
from .run import RankingOptions

__all__ = [
    "STEP_TERMINAL_STATUSES",
    "CodeInterpreter",
    "CodeInterpreterDelta",
    "CodeInterpreterImage",
    "CodeInterpreterLogs",
    "CodeInterpreterOutput",
    "CodeInterpreterOutputDelta",
    "CodeInterpreterOutputImage",
    "CodeInterpreterOutputImageDelta",
    "CodeInterpreterOutputLogs",
    "CodeInterpreterToolCall",
    "CodeInterpreterToolCallDelta",
    "FileSearch",
    "FileSearchResult",
    "FileSearchResultContent",
    "FileSearchToolCall",
    "FileSearchToolCallDelta",
    "Function",
    "FunctionDelta",
    "FunctionToolCall",
    "FunctionToolCallDelta",
    "MessageCreation",
    "MessageCreationStepDetails",
    "RunStep",
    "RunStepDelta",
    "RunStepDeltaEvent",
    "RunStepDeltaMessageDelta",
    "StepDetails",
    "StepDetailsDelta",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallDeltaObject",
    "ToolCallsStepDetails",
]

#: Statuses after which a run step never changes again.
STEP_TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "expired"})


class _Delta(msgspec.Struct, kw_only=True, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    """Base of delta objects: every field optional, ``None`` when absent on the wire (or
    sent as ``null``: no delta field gives ``null`` a meaning of its own). Unknown fields
    fail the typed decode, so that the rare delta carrying one takes the slow path, which
    keeps them (see _models/exact.py) at no cost to the others."""


# ---- full objects ----------------------------------------------------------------------


class CodeInterpreterOutputLogs(Model, tag_field="type", tag="logs"):
    """Text output (logs) of a code_interpreter call."""

    type: ClassVar[Literal["logs"]] = "logs"
    logs: str = ""


class CodeInterpreterImage(Model):
    """The image file a code_interpreter call produced."""

    file_id: str = ""


class CodeInterpreterOutputImage(Model, tag_field="type", tag="image"):
    """Image output of a code_interpreter call."""

    type: ClassVar[Literal["image"]] = "image"
    image: CodeInterpreterImage = msgspec.field(default_factory=CodeInterpreterImage)


#: An output of a code_interpreter call; unknown types decode to `UnknownObject`.
if TYPE_CHECKING:
    # Type checkers see the unknown fallback too; msgspec decodes the known variants and
    # _lenient keeps the others as UnknownObject.
    CodeInterpreterOutput = Union[CodeInterpreterOutputLogs, CodeInterpreterOutputImage, UnknownObject]
else:
    CodeInterpreterOutput = Union[CodeInterpreterOutputLogs, CodeInterpreterOutputImage]


class CodeInterpreter(Model):
    """A code_interpreter call's input and outputs."""

    input: str = ""
    outputs: list[CodeInterpreterOutput] = []


class CodeInterpreterToolCall(Model, tag_field="type", tag="code_interpreter"):
    """A code_interpreter tool call."""

    type: ClassVar[Literal["code_interpreter"]] = "code_interpreter"
    id: str = ""
    code_interpreter: CodeInterpreter = msgspec.field(default_factory=CodeInterpreter)


class FileSearchResultContent(Model):
    """Content of a file_search result (only when asked for with ``include[]``)."""

    type: str = "text"
    text: str = ""


class FileSearchResult(Model):
    """One file_search result."""

    file_id: str = ""
    file_name: str = ""
    score: float = 0.0
    attributes: dict[str, Any] | None | UnsetType = UNSET
    content: list[FileSearchResultContent] | UnsetType = UNSET


class FileSearch(Model):
    """A file_search call's ranking options and results (results arrive only in the
    completed step)."""

    ranking_options: RankingOptions | UnsetType = UNSET
    results: list[FileSearchResult] | UnsetType = UNSET


class FileSearchToolCall(Model, tag_field="type", tag="file_search"):
    """A file_search tool call."""

    type: ClassVar[Literal["file_search"]] = "file_search"
    id: str = ""
    file_search: FileSearch = msgspec.field(default_factory=FileSearch)


class Function(Model):
    """A function call: name, JSON arguments string, and output (``None`` until the tool
    outputs are submitted)."""

    name: str = ""
    arguments: str = ""
    output: str | None = None


class FunctionToolCall(Model, tag_field="type", tag="function"):
    """A function tool call."""

    type: ClassVar[Literal["function"]] = "function"
    id: str = ""
    function: Function = msgspec.field(default_factory=Function)


#: A tool call of a run step; unknown types decode to `UnknownObject`.
if TYPE_CHECKING:
    # Type checkers see the unknown fallback too; msgspec decodes the known variants and
    # _lenient keeps the others as UnknownObject.
    ToolCall = Union[CodeInterpreterToolCall, FileSearchToolCall, FunctionToolCall, UnknownObject]
else:
    ToolCall = Union[CodeInterpreterToolCall, FileSearchToolCall, FunctionToolCall]


class MessageCreation(Model):
    """The message a message_creation step created."""

    message_id: str = ""


class MessageCreationStepDetails(Model, tag_field="type", tag="message_creation"):
    """Details of a message_creation step."""

    type: ClassVar[Literal["message_creation"]] = "message_creation"
    message_creation: MessageCreation = msgspec.field(default_factory=MessageCreation)


class ToolCallsStepDetails(Model, tag_field="type", tag="tool_calls"):
    """Details of a tool_calls step: its tool calls, in index order."""

    type: ClassVar[Literal["tool_calls"]] = "tool_calls"
    tool_calls: list[ToolCall] = []


#: A step's details; unknown types decode to `UnknownObject`.
if TYPE_CHECKING:
    # Type checkers see the unknown fallback too; msgspec decodes the known variants and
    # _lenient keeps the others as UnknownObject.
    StepDetails = Union[MessageCreationStepDetails, ToolCallsStepDetails, UnknownObject]
else:
    StepDetails = Union[MessageCreationStepDetails, ToolCallsStepDetails]


class RunStep(Model):
    """A step in the execution of a run (``object: "thread.run.step"``)."""

    id: str
    object: str = "thread.run.step"
    created_at: int = 0
    assistant_id: str | None = None
    thread_id: str = ""
    run_id: str = ""
    type: str = ""
    status: str = "in_progress"
    step_details: StepDetails | None = None
    last_error: LastError | None = None
    expired_at: int | None = None
    cancelled_at: int | None = None
    failed_at: int | None = None
    completed_at: int | None = None
    metadata: dict[str, Any] | None = None
    usage: Usage | None = None
    expires_at: int | None = None
    agent_id: str | UnsetType = UNSET


# ---- deltas ----------------------------------------------------------------------------


class CodeInterpreterLogs(_Delta, tag_field="type", tag="logs"):
    """A logs output fragment of a code_interpreter call delta."""

    type: ClassVar[Literal["logs"]] = "logs"
    index: int
    logs: str | None = None


class CodeInterpreterImageDelta(_Delta):
    """The image of an image output fragment."""

    file_id: str | None = None


class CodeInterpreterOutputImageDelta(_Delta, tag_field="type", tag="image"):
    """An image output fragment of a code_interpreter call delta."""

    type: ClassVar[Literal["image"]] = "image"
    index: int
    image: CodeInterpreterImageDelta | None = None


#: An output fragment of a code_interpreter call delta.
if TYPE_CHECKING:
    # Type checkers see the unknown fallback too; msgspec decodes the known variants and
    # _lenient keeps the others as UnknownObject.
    CodeInterpreterOutputDelta = Union[CodeInterpreterLogs, CodeInterpreterOutputImageDelta, UnknownObject]
else:
    CodeInterpreterOutputDelta = Union[CodeInterpreterLogs, CodeInterpreterOutputImageDelta]


class CodeInterpreterDelta(_Delta):
    """A fragment of a code_interpreter call: an input piece and/or outputs."""

    input: str | None = None
    outputs: list[CodeInterpreterOutputDelta] | None = None


class CodeInterpreterToolCallDelta(_Delta, tag_field="type", tag="code_interpreter"):
    """A fragment of a code_interpreter tool call at ``index``."""

    type: ClassVar[Literal["code_interpreter"]] = "code_interpreter"
    index: int
    id: str | None = None
    code_interpreter: CodeInterpreterDelta | None = None


class FileSearchToolCallDelta(_Delta, tag_field="type", tag="file_search"):
    """A fragment of a file_search tool call at ``index`` (``file_search`` is usually
    empty or carries ``ranking_options`` and an empty ``results``)."""

    type: ClassVar[Literal["file_search"]] = "file_search"
    index: int
    id: str | None = None
    file_search: FileSearch | None = None


class FunctionDelta(_Delta):
    """A fragment of a function call: name (whole), arguments piece, output."""

    name: str | None = None
    arguments: str | None = None
    output: str | None = None


class FunctionToolCallDelta(_Delta, tag_field="type", tag="function"):
    """A fragment of a function tool call at ``index``."""

    type: ClassVar[Literal["function"]] = "function"
    index: int
    id: str | None = None
    function: FunctionDelta | None = None


#: A tool call fragment; unknown types decode to `UnknownObject`.
if TYPE_CHECKING:
    # Type checkers see the unknown fallback too; msgspec decodes the known variants and
    # _lenient keeps the others as UnknownObject.
    ToolCallDelta = Union[CodeInterpreterToolCallDelta, FileSearchToolCallDelta, FunctionToolCallDelta, UnknownObject]
else:
    ToolCallDelta = Union[CodeInterpreterToolCallDelta, FileSearchToolCallDelta, FunctionToolCallDelta]


class MessageCreationDelta(_Delta):
    """The message id of a message_creation step delta."""

    message_id: str | None = None


class RunStepDeltaMessageDelta(_Delta, tag_field="type", tag="message_creation"):
    """Step details delta of a message_creation step."""

    type: ClassVar[Literal["message_creation"]] = "message_creation"
    message_creation: MessageCreationDelta | None = None


class ToolCallDeltaObject(_Delta, tag_field="type", tag="tool_calls"):
    """Step details delta of a tool_calls step: fragments of one or more tool calls."""

    type: ClassVar[Literal["tool_calls"]] = "tool_calls"
    tool_calls: list[ToolCallDelta] | None = None


#: A step details delta.
if TYPE_CHECKING:
    # Type checkers see the unknown fallback too; msgspec decodes the known variants and
    # _lenient keeps the others as UnknownObject.
    StepDetailsDelta = Union[RunStepDeltaMessageDelta, ToolCallDeltaObject, UnknownObject]
else:
    StepDetailsDelta = Union[RunStepDeltaMessageDelta, ToolCallDeltaObject]


class RunStepDelta(_Delta):
    """The changed fields of a run step."""

    step_details: StepDetailsDelta | None = None


class RunStepDeltaEvent(_Delta):
    """The data of ``thread.run.step.delta``: the step id and its changed fields."""

    id: str
    object: str = "thread.run.step.delta"
    delta: RunStepDelta = msgspec.field(default_factory=RunStepDelta)
