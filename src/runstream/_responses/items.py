"""Output items of a Response: messages, function calls and their outputs, reasoning, the
built-in tools' calls (file search, web search, code interpreter, MCP, image generation,
computer use, local shell) and custom tool calls.

``ResponseOutputItem`` is a union tagged by ``type``; an item of a type runstream does not
know is an `UnknownObject` (the raw object), so narrowing on ``item.type`` type-checks and a
new item type never fails a stream. Items are converted exactly (see
`runstream._models.exact`): members the server left out read as their defaults and are not
encoded, unknown members are kept. Members whose shape the API has changed over time
(``mcp_call.error``, ``function_call_output.output``, computer actions) are plain JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

from .._models.base import Model, UnknownObject
from .content import OutputContent, ReasoningSummaryPart, ReasoningText

__all__ = [
    "CodeInterpreterCall",
    "CodeInterpreterOutputImage",
    "CodeInterpreterOutputLogs",
    "ComputerCall",
    "ComputerCallOutput",
    "ComputerSafetyCheck",
    "CustomToolCall",
    "CustomToolCallOutput",
    "FileSearchCall",
    "FileSearchResult",
    "FunctionCall",
    "FunctionCallOutput",
    "ImageGenerationCall",
    "LocalShellCall",
    "LocalShellCallOutput",
    "McpApprovalRequest",
    "McpApprovalResponse",
    "McpCall",
    "McpListTools",
    "McpToolInfo",
    "OutputMessage",
    "ReasoningItem",
    "ResponseOutputItem",
    "WebSearchCall",
]


class OutputMessage(Model, tag_field="type", tag="message"):
    """An assistant message: its content parts (``output_text``, ``refusal``)."""

    type: ClassVar[Literal["message"]] = "message"
    id: str = ""
    role: str = "assistant"
    status: str | None = None
    content: list[OutputContent] = []
    phase: str | None = None


class FunctionCall(Model, tag_field="type", tag="function_call"):
    """A call of a function tool: answer it with a ``function_call_output`` input item."""

    type: ClassVar[Literal["function_call"]] = "function_call"
    id: str = ""
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    status: str | None = None
    namespace: str | None = None


class FunctionCallOutput(Model, tag_field="type", tag="function_call_output"):
    """The output of a function call (``output`` is a string or a list of content)."""

    type: ClassVar[Literal["function_call_output"]] = "function_call_output"
    id: str = ""
    call_id: str = ""
    output: Any = ""
    status: str | None = None


class ReasoningItem(Model, tag_field="type", tag="reasoning"):
    """The model's reasoning: summary parts, reasoning text, or encrypted content."""

    type: ClassVar[Literal["reasoning"]] = "reasoning"
    id: str = ""
    summary: list[ReasoningSummaryPart] = []
    content: list[ReasoningText] | None = None
    encrypted_content: str | None = None
    status: str | None = None


class FileSearchResult(Model):
    """A chunk a file search found."""

    file_id: str | None = None
    filename: str | None = None
    score: int | float | None = None
    text: str | None = None
    attributes: dict[str, Any] | None = None


class FileSearchCall(Model, tag_field="type", tag="file_search_call"):
    """A call of the ``file_search`` tool."""

    type: ClassVar[Literal["file_search_call"]] = "file_search_call"
    id: str = ""
    status: str | None = None
    queries: list[str] = []
    results: list[FileSearchResult] | None = None


class WebSearchCall(Model, tag_field="type", tag="web_search_call"):
    """A call of the ``web_search`` tool; ``action`` says what it did (``search`` with
    its ``query``, ``open_page``, ``find``), as JSON."""

    type: ClassVar[Literal["web_search_call"]] = "web_search_call"
    id: str = ""
    status: str | None = None
    action: Any = None


class CodeInterpreterOutputLogs(Model, tag_field="type", tag="logs"):
    """Logs a code interpreter call printed."""

    type: ClassVar[Literal["logs"]] = "logs"
    logs: str = ""


class CodeInterpreterOutputImage(Model, tag_field="type", tag="image"):
    """An image a code interpreter call made."""

    type: ClassVar[Literal["image"]] = "image"
    url: str = ""


if TYPE_CHECKING:
    CodeInterpreterOutput = Union[CodeInterpreterOutputLogs, CodeInterpreterOutputImage, UnknownObject]
else:
    CodeInterpreterOutput = Union[CodeInterpreterOutputLogs, CodeInterpreterOutputImage]


class CodeInterpreterCall(Model, tag_field="type", tag="code_interpreter_call"):
    """A call of the ``code_interpreter`` tool: its code and outputs."""

    type: ClassVar[Literal["code_interpreter_call"]] = "code_interpreter_call"
    id: str = ""
    status: str | None = None
    container_id: str | None = None
    code: str | None = None
    outputs: list[CodeInterpreterOutput] | None = None


class McpCall(Model, tag_field="type", tag="mcp_call"):
    """A call of a tool on a remote MCP server (``error`` is the server's error, a string or
    an object, as JSON)."""

    type: ClassVar[Literal["mcp_call"]] = "mcp_call"
    id: str = ""
    server_label: str = ""
    name: str = ""
    arguments: str = ""
    output: str | None = None
    error: Any = None
    approval_request_id: str | None = None
    status: str | None = None


class McpToolInfo(Model):
    """A tool an MCP server offers."""

    name: str = ""
    description: str | None = None
    input_schema: Any = None
    annotations: Any = None


class McpListTools(Model, tag_field="type", tag="mcp_list_tools"):
    """The tools an MCP server offers."""

    type: ClassVar[Literal["mcp_list_tools"]] = "mcp_list_tools"
    id: str = ""
    server_label: str = ""
    tools: list[McpToolInfo] = []
    error: Any = None


class McpApprovalRequest(Model, tag_field="type", tag="mcp_approval_request"):
    """A request to approve an MCP tool call."""

    type: ClassVar[Literal["mcp_approval_request"]] = "mcp_approval_request"
    id: str = ""
    server_label: str = ""
    name: str = ""
    arguments: str = ""


class McpApprovalResponse(Model, tag_field="type", tag="mcp_approval_response"):
    """The answer to an MCP approval request."""

    type: ClassVar[Literal["mcp_approval_response"]] = "mcp_approval_response"
    id: str = ""
    approval_request_id: str = ""
    approve: bool = False
    reason: str | None = None


class ImageGenerationCall(Model, tag_field="type", tag="image_generation_call"):
    """A call of the ``image_generation`` tool (``result`` is the image, base64)."""

    type: ClassVar[Literal["image_generation_call"]] = "image_generation_call"
    id: str = ""
    status: str | None = None
    result: str | None = None


class ComputerSafetyCheck(Model):
    """A safety check pending on (or acknowledged for) a computer call."""

    id: str = ""
    code: str | None = None
    message: str | None = None


class ComputerCall(Model, tag_field="type", tag="computer_call"):
    """A call of the computer use tool (``action``: ``click``, ``type``, ``scroll`` ..., as
    JSON)."""

    type: ClassVar[Literal["computer_call"]] = "computer_call"
    id: str = ""
    call_id: str = ""
    status: str | None = None
    action: Any = None
    pending_safety_checks: list[ComputerSafetyCheck] = []


class ComputerCallOutput(Model, tag_field="type", tag="computer_call_output"):
    """The output of a computer call (a screenshot)."""

    type: ClassVar[Literal["computer_call_output"]] = "computer_call_output"
    id: str = ""
    call_id: str = ""
    status: str | None = None
    output: Any = None
    acknowledged_safety_checks: list[ComputerSafetyCheck] | None = None


class LocalShellCall(Model, tag_field="type", tag="local_shell_call"):
    """A call of the local shell tool (``action``: the command to run, as JSON)."""

    type: ClassVar[Literal["local_shell_call"]] = "local_shell_call"
    id: str = ""
    call_id: str = ""
    status: str | None = None
    action: Any = None


class LocalShellCallOutput(Model, tag_field="type", tag="local_shell_call_output"):
    """The output of a local shell call."""

    type: ClassVar[Literal["local_shell_call_output"]] = "local_shell_call_output"
    id: str = ""
    output: str = ""
    status: str | None = None


class CustomToolCall(Model, tag_field="type", tag="custom_tool_call"):
    """A call of a custom tool: its free-form ``input``."""

    type: ClassVar[Literal["custom_tool_call"]] = "custom_tool_call"
    id: str = ""
    call_id: str = ""
    name: str = ""
    input: str = ""
    namespace: str | None = None


class CustomToolCallOutput(Model, tag_field="type", tag="custom_tool_call_output"):
    """The output of a custom tool call."""

    type: ClassVar[Literal["custom_tool_call_output"]] = "custom_tool_call_output"
    id: str = ""
    call_id: str = ""
    output: Any = ""
    status: str | None = None


_KNOWN_ITEMS = (
    OutputMessage,
    FunctionCall,
    FunctionCallOutput,
    ReasoningItem,
    FileSearchCall,
    WebSearchCall,
    CodeInterpreterCall,
    McpCall,
    McpListTools,
    McpApprovalRequest,
    McpApprovalResponse,
    ImageGenerationCall,
    ComputerCall,
    ComputerCallOutput,
    LocalShellCall,
    LocalShellCallOutput,
    CustomToolCall,
    CustomToolCallOutput,
)

if TYPE_CHECKING:
    #: An output item, narrowed by ``item.type``.
    ResponseOutputItem = Union[
        OutputMessage,
        FunctionCall,
        FunctionCallOutput,
        ReasoningItem,
        FileSearchCall,
        WebSearchCall,
        CodeInterpreterCall,
        McpCall,
        McpListTools,
        McpApprovalRequest,
        McpApprovalResponse,
        ImageGenerationCall,
        ComputerCall,
        ComputerCallOutput,
        LocalShellCall,
        LocalShellCallOutput,
        CustomToolCall,
        CustomToolCallOutput,
        UnknownObject,
    ]
else:
    ResponseOutputItem = Union[_KNOWN_ITEMS]
