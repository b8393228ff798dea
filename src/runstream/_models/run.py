"""The Run object and what it holds: required action, tools, tool choice, formats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

import msgspec

from .base import UNSET, LastError, Model, UnknownObject, UnsetType, Usage

__all__ = [
    "RUN_RESTING_STATUSES",
    "RUN_TERMINAL_STATUSES",
    "CodeInterpreterTool",
    "FileSearchTool",
    "FileSearchToolOptions",
    "FunctionDefinition",
    "FunctionTool",
    "IncompleteDetails",
    "JSONSchema",
    "RankingOptions",
    "RequiredAction",
    "RequiredActionFunction",
    "RequiredActionFunctionToolCall",
    "ResponseFormat",
    "Run",
    "SubmitToolOutputs",
    "Tool",
    "ToolChoice",
    "ToolChoiceFunction",
    "TruncationStrategy",
]

#: Statuses after which a run never changes again.
RUN_TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
#: Statuses at which a stream legitimately ends: terminal ones, and ``requires_action``
#: (the run waits for tool outputs, which a new stream continues).
RUN_RESTING_STATUSES = RUN_TERMINAL_STATUSES | {"requires_action"}


class RequiredActionFunction(Model):
    """The function a pending tool call asks for: its name and JSON arguments string."""

    name: str = ""
    arguments: str = ""


class RequiredActionFunctionToolCall(Model):
    """A tool call the run waits on; its ``id`` is what tool outputs must reference."""

    id: str
    type: str = "function"
    function: RequiredActionFunction = msgspec.field(default_factory=RequiredActionFunction)


class SubmitToolOutputs(Model):
    """The tool calls whose outputs the run needs."""

    tool_calls: list[RequiredActionFunctionToolCall] = []


class RequiredAction(Model):
    """What the run needs to continue (``type`` is ``"submit_tool_outputs"``)."""

    type: str = "submit_tool_outputs"
    submit_tool_outputs: SubmitToolOutputs | None = None


class IncompleteDetails(Model):
    """Why a run or message is incomplete."""

    reason: str | None = None


class FunctionDefinition(Model):
    """A function tool's definition."""

    name: str
    description: str | UnsetType = UNSET
    parameters: dict[str, Any] | UnsetType = UNSET
    strict: bool | None | UnsetType = UNSET


class RankingOptions(Model):
    """file_search ranking options (``ranker`` may grow beyond the documented values)."""

    ranker: str | UnsetType = UNSET
    score_threshold: float | UnsetType = UNSET


class FileSearchToolOptions(Model):
    """Options of a file_search tool."""

    max_num_results: int | UnsetType = UNSET
    ranking_options: RankingOptions | UnsetType = UNSET


class CodeInterpreterTool(Model, tag_field="type", tag="code_interpreter"):
    """The code_interpreter tool."""

    type: ClassVar[Literal["code_interpreter"]] = "code_interpreter"


class FileSearchTool(Model, tag_field="type", tag="file_search"):
    """The file_search tool."""

    type: ClassVar[Literal["file_search"]] = "file_search"
    file_search: FileSearchToolOptions | UnsetType = UNSET


class FunctionTool(Model, tag_field="type", tag="function"):
    """A function tool."""

    type: ClassVar[Literal["function"]] = "function"
    function: FunctionDefinition


#: A tool of the run; unknown tool types decode to `UnknownObject`.
if TYPE_CHECKING:
    # Type checkers see the unknown fallback too; msgspec decodes the known variants and
    # _lenient keeps the others as UnknownObject.
    Tool = Union[CodeInterpreterTool, FileSearchTool, FunctionTool, UnknownObject]
else:
    Tool = Union[CodeInterpreterTool, FileSearchTool, FunctionTool]


class TruncationStrategy(Model):
    """How the thread is truncated before the run."""

    type: str = "auto"
    last_messages: int | None = None


class ToolChoiceFunction(Model):
    """The function named by a tool choice."""

    name: str


class ToolChoice(Model):
    """A tool choice object (the string forms ``none|auto|required`` stay strings)."""

    type: str
    function: ToolChoiceFunction | UnsetType = UNSET


class JSONSchema(Model):
    """The schema of a ``json_schema`` response format."""

    name: str
    description: str | UnsetType = UNSET
    schema: dict[str, Any] | UnsetType = UNSET
    strict: bool | None | UnsetType = UNSET


class ResponseFormat(Model):
    """A response format object (the string form ``"auto"`` stays a string)."""

    type: str
    json_schema: JSONSchema | UnsetType = UNSET


class Run(Model):
    """An execution run on a thread (``object: "thread.run"``).

    ``status`` is a plain string: ``queued``, ``in_progress``, ``requires_action``,
    ``cancelling``, ``cancelled``, ``failed``, ``completed``, ``incomplete``, ``expired``,
    or whatever a newer server sends. Azure AI Agents' ``agent_id`` is kept and also fills
    ``assistant_id``.
    """

    id: str
    object: str = "thread.run"
    created_at: int = 0
    thread_id: str = ""
    assistant_id: str | None = None
    status: str = "queued"
    required_action: RequiredAction | None = None
    last_error: LastError | None = None
    expires_at: int | None = None
    started_at: int | None = None
    cancelled_at: int | None = None
    failed_at: int | None = None
    completed_at: int | None = None
    incomplete_details: IncompleteDetails | None = None
    model: str = ""
    instructions: str | None = None
    tools: list[Tool] = []
    metadata: dict[str, Any] | None = None
    usage: Usage | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_prompt_tokens: int | None = None
    max_completion_tokens: int | None = None
    truncation_strategy: TruncationStrategy | None = None
    tool_choice: str | ToolChoice | None = None
    parallel_tool_calls: bool = True
    response_format: str | ResponseFormat | None = None
    tool_resources: dict[str, Any] | None | UnsetType = UNSET
    agent_id: str | UnsetType = UNSET

    @property
    def is_terminal(self) -> bool:
        """Whether the run can no longer change (completed, failed, cancelled, ...)."""
        return self.status in RUN_TERMINAL_STATUSES
