"""The RunStep object, its tool calls, and the run step delta that streams them."""

from __future__ import annotations

from typing import Any, ClassVar, Union

import msgspec

from .base import UNSET, LastError, Model, UnsetType, Usage, fill_assistant_id
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


class _Delta(msgspec.Struct, kw_only=True, gc=False):
    """Base of delta objects: every field optional, `UNSET` when absent on the wire."""


# ---- full objects ----------------------------------------------------------------------


class CodeInterpreterOutputLogs(Model, tag_field="type", tag="logs"):
    """Text output (logs) of a code_interpreter call."""

    type: ClassVar[str] = "logs"
    logs: str = ""


class CodeInterpreterImage(Model):
    """The image file a code_interpreter call produced."""

    file_id: str = ""


class CodeInterpreterOutputImage(Model, tag_field="type", tag="image"):
    """Image output of a code_interpreter call."""

    type: ClassVar[str] = "image"
    image: CodeInterpreterImage = msgspec.field(default_factory=CodeInterpreterImage)


#: An output of a code_interpreter call; unknown types decode to `UnknownObject`.
CodeInterpreterOutput = Union[CodeInterpreterOutputLogs, CodeInterpreterOutputImage]


class CodeInterpreter(Model):
    """A code_interpreter call's input and outputs."""

    input: str = ""
    outputs: list[CodeInterpreterOutput] = []


class CodeInterpreterToolCall(Model, tag_field="type", tag="code_interpreter"):
    """A code_interpreter tool call."""

    type: ClassVar[str] = "code_interpreter"
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
    content: list[FileSearchResultContent] | UnsetType = UNSET


class FileSearch(Model):
    """A file_search call's ranking options and results (results arrive only in the
    completed step)."""

    ranking_options: RankingOptions | UnsetType = UNSET
    results: list[FileSearchResult] | UnsetType = UNSET


class FileSearchToolCall(Model, tag_field="type", tag="file_search"):
    """A file_search tool call."""

    type: ClassVar[str] = "file_search"
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

    type: ClassVar[str] = "function"
    id: str = ""
    function: Function = msgspec.field(default_factory=Function)


#: A tool call of a run step; unknown types decode to `UnknownObject`.
ToolCall = Union[CodeInterpreterToolCall, FileSearchToolCall, FunctionToolCall]


class MessageCreation(Model):
    """The message a message_creation step created."""

    message_id: str = ""


class MessageCreationStepDetails(Model, tag_field="type", tag="message_creation"):
    """Details of a message_creation step."""

    type: ClassVar[str] = "message_creation"
    message_creation: MessageCreation = msgspec.field(default_factory=MessageCreation)


class ToolCallsStepDetails(Model, tag_field="type", tag="tool_calls"):
    """Details of a tool_calls step: its tool calls, in index order."""

    type: ClassVar[str] = "tool_calls"
    tool_calls: list[ToolCall] = []


#: A step's details; unknown types decode to `UnknownObject`.
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
    expires_at: int | None | UnsetType = UNSET
    agent_id: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        fill_assistant_id(self)


# ---- deltas ----------------------------------------------------------------------------


class CodeInterpreterLogs(_Delta, tag_field="type", tag="logs"):
    """A logs output fragment of a code_interpreter call delta."""

    type: ClassVar[str] = "logs"
    index: int
    logs: str | UnsetType = UNSET


class CodeInterpreterImageDelta(_Delta):
    """The image of an image output fragment."""

    file_id: str | UnsetType = UNSET


class CodeInterpreterOutputImageDelta(_Delta, tag_field="type", tag="image"):
    """An image output fragment of a code_interpreter call delta."""

    type: ClassVar[str] = "image"
    index: int
    image: CodeInterpreterImageDelta | UnsetType = UNSET


#: An output fragment of a code_interpreter call delta.
CodeInterpreterOutputDelta = Union[CodeInterpreterLogs, CodeInterpreterOutputImageDelta]


class CodeInterpreterDelta(_Delta):
    """A fragment of a code_interpreter call: an input piece and/or outputs."""

    input: str | UnsetType = UNSET
    outputs: list[CodeInterpreterOutputDelta] | UnsetType = UNSET


class CodeInterpreterToolCallDelta(_Delta, tag_field="type", tag="code_interpreter"):
    """A fragment of a code_interpreter tool call at ``index``."""

    type: ClassVar[str] = "code_interpreter"
    index: int
    id: str | UnsetType = UNSET
    code_interpreter: CodeInterpreterDelta | UnsetType = UNSET


class FileSearchToolCallDelta(_Delta, tag_field="type", tag="file_search"):
    """A fragment of a file_search tool call at ``index`` (``file_search`` is usually
    empty or carries ``ranking_options`` and an empty ``results``)."""

    type: ClassVar[str] = "file_search"
    index: int
    id: str | UnsetType = UNSET
    file_search: FileSearch | UnsetType = UNSET


class FunctionDelta(_Delta):
    """A fragment of a function call: name (whole), arguments piece, output."""

    name: str | UnsetType = UNSET
    arguments: str | UnsetType = UNSET
    output: str | None | UnsetType = UNSET


class FunctionToolCallDelta(_Delta, tag_field="type", tag="function"):
    """A fragment of a function tool call at ``index``."""

    type: ClassVar[str] = "function"
    index: int
    id: str | UnsetType = UNSET
    function: FunctionDelta | UnsetType = UNSET


#: A tool call fragment; unknown types decode to `UnknownObject`.
ToolCallDelta = Union[CodeInterpreterToolCallDelta, FileSearchToolCallDelta, FunctionToolCallDelta]


class MessageCreationDelta(_Delta):
    """The message id of a message_creation step delta."""

    message_id: str | UnsetType = UNSET


class RunStepDeltaMessageDelta(_Delta, tag_field="type", tag="message_creation"):
    """Step details delta of a message_creation step."""

    type: ClassVar[str] = "message_creation"
    message_creation: MessageCreationDelta | UnsetType = UNSET


class ToolCallDeltaObject(_Delta, tag_field="type", tag="tool_calls"):
    """Step details delta of a tool_calls step: fragments of one or more tool calls."""

    type: ClassVar[str] = "tool_calls"
    tool_calls: list[ToolCallDelta] | UnsetType = UNSET


#: A step details delta.
StepDetailsDelta = Union[RunStepDeltaMessageDelta, ToolCallDeltaObject]


class RunStepDelta(_Delta):
    """The changed fields of a run step."""

    step_details: StepDetailsDelta | UnsetType = UNSET


class RunStepDeltaEvent(_Delta):
    """The data of ``thread.run.step.delta``: the step id and its changed fields."""

    id: str
    object: str = "thread.run.step.delta"
    delta: RunStepDelta = msgspec.field(default_factory=RunStepDelta)
