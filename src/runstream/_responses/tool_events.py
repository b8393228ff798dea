"""Responses API events of the built-in tools' calls (file search, web search, code
interpreter, MCP, image generation), of custom tool input, and of output audio.

Status events (``response.web_search_call.searching`` ...) carry no object: the accumulator
sets the item's ``status`` from the event type.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from msgspec import UNSET, UnsetType

from .event_base import ResponseEvent

__all__ = [
    "ResponseAudioDeltaEvent",
    "ResponseAudioDoneEvent",
    "ResponseAudioTranscriptDeltaEvent",
    "ResponseAudioTranscriptDoneEvent",
    "ResponseCodeInterpreterCallCodeDeltaEvent",
    "ResponseCodeInterpreterCallCodeDoneEvent",
    "ResponseCodeInterpreterCallCompletedEvent",
    "ResponseCodeInterpreterCallInProgressEvent",
    "ResponseCodeInterpreterCallInterpretingEvent",
    "ResponseCustomToolCallInputDeltaEvent",
    "ResponseCustomToolCallInputDoneEvent",
    "ResponseFileSearchCallCompletedEvent",
    "ResponseFileSearchCallInProgressEvent",
    "ResponseFileSearchCallSearchingEvent",
    "ResponseImageGenerationCallCompletedEvent",
    "ResponseImageGenerationCallGeneratingEvent",
    "ResponseImageGenerationCallInProgressEvent",
    "ResponseImageGenerationCallPartialImageEvent",
    "ResponseMcpCallArgumentsDeltaEvent",
    "ResponseMcpCallArgumentsDoneEvent",
    "ResponseMcpCallCompletedEvent",
    "ResponseMcpCallFailedEvent",
    "ResponseMcpCallInProgressEvent",
    "ResponseMcpListToolsCompletedEvent",
    "ResponseMcpListToolsFailedEvent",
    "ResponseMcpListToolsInProgressEvent",
    "ResponseWebSearchCallCompletedEvent",
    "ResponseWebSearchCallInProgressEvent",
    "ResponseWebSearchCallSearchingEvent",
]


class ResponseFileSearchCallInProgressEvent(ResponseEvent, tag="response.file_search_call.in_progress"):
    """A file search call started."""

    type: ClassVar[Literal["response.file_search_call.in_progress"]] = "response.file_search_call.in_progress"

    item_id: str
    output_index: int


class ResponseFileSearchCallSearchingEvent(ResponseEvent, tag="response.file_search_call.searching"):
    """A file search call is searching."""

    type: ClassVar[Literal["response.file_search_call.searching"]] = "response.file_search_call.searching"

    item_id: str
    output_index: int


class ResponseFileSearchCallCompletedEvent(ResponseEvent, tag="response.file_search_call.completed"):
    """A file search call completed."""

    type: ClassVar[Literal["response.file_search_call.completed"]] = "response.file_search_call.completed"

    item_id: str
    output_index: int


class ResponseWebSearchCallInProgressEvent(ResponseEvent, tag="response.web_search_call.in_progress"):
    """A web search call started."""

    type: ClassVar[Literal["response.web_search_call.in_progress"]] = "response.web_search_call.in_progress"

    item_id: str
    output_index: int


class ResponseWebSearchCallSearchingEvent(ResponseEvent, tag="response.web_search_call.searching"):
    """A web search call is searching."""

    type: ClassVar[Literal["response.web_search_call.searching"]] = "response.web_search_call.searching"

    item_id: str
    output_index: int


class ResponseWebSearchCallCompletedEvent(ResponseEvent, tag="response.web_search_call.completed"):
    """A web search call completed."""

    type: ClassVar[Literal["response.web_search_call.completed"]] = "response.web_search_call.completed"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallInProgressEvent(ResponseEvent, tag="response.code_interpreter_call.in_progress"):
    """A code interpreter call started."""

    type: ClassVar[Literal["response.code_interpreter_call.in_progress"]] = "response.code_interpreter_call.in_progress"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallInterpretingEvent(ResponseEvent, tag="response.code_interpreter_call.interpreting"):
    """A code interpreter call is running its code."""

    type: ClassVar[Literal["response.code_interpreter_call.interpreting"]] = "response.code_interpreter_call.interpreting"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallCompletedEvent(ResponseEvent, tag="response.code_interpreter_call.completed"):
    """A code interpreter call completed."""

    type: ClassVar[Literal["response.code_interpreter_call.completed"]] = "response.code_interpreter_call.completed"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallCodeDeltaEvent(ResponseEvent, tag="response.code_interpreter_call_code.delta"):
    """Code was appended to a code interpreter call."""

    type: ClassVar[Literal["response.code_interpreter_call_code.delta"]] = "response.code_interpreter_call_code.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseCodeInterpreterCallCodeDoneEvent(ResponseEvent, tag="response.code_interpreter_call_code.done"):
    """A code interpreter call's code is whole."""

    type: ClassVar[Literal["response.code_interpreter_call_code.done"]] = "response.code_interpreter_call_code.done"

    item_id: str
    output_index: int
    code: str


class ResponseMcpCallInProgressEvent(ResponseEvent, tag="response.mcp_call.in_progress"):
    """An MCP call started."""

    type: ClassVar[Literal["response.mcp_call.in_progress"]] = "response.mcp_call.in_progress"

    item_id: str
    output_index: int


class ResponseMcpCallCompletedEvent(ResponseEvent, tag="response.mcp_call.completed"):
    """An MCP call completed."""

    type: ClassVar[Literal["response.mcp_call.completed"]] = "response.mcp_call.completed"

    item_id: str
    output_index: int


class ResponseMcpCallFailedEvent(ResponseEvent, tag="response.mcp_call.failed"):
    """An MCP call failed."""

    type: ClassVar[Literal["response.mcp_call.failed"]] = "response.mcp_call.failed"

    item_id: str
    output_index: int


class ResponseMcpCallArgumentsDeltaEvent(ResponseEvent, tag="response.mcp_call_arguments.delta"):
    """An arguments fragment of an MCP call."""

    type: ClassVar[Literal["response.mcp_call_arguments.delta"]] = "response.mcp_call_arguments.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseMcpCallArgumentsDoneEvent(ResponseEvent, tag="response.mcp_call_arguments.done"):
    """An MCP call's arguments are whole."""

    type: ClassVar[Literal["response.mcp_call_arguments.done"]] = "response.mcp_call_arguments.done"

    item_id: str
    output_index: int
    arguments: str


class ResponseMcpListToolsInProgressEvent(ResponseEvent, tag="response.mcp_list_tools.in_progress"):
    """Listing an MCP server's tools started."""

    type: ClassVar[Literal["response.mcp_list_tools.in_progress"]] = "response.mcp_list_tools.in_progress"

    item_id: str
    output_index: int


class ResponseMcpListToolsCompletedEvent(ResponseEvent, tag="response.mcp_list_tools.completed"):
    """Listing an MCP server's tools completed."""

    type: ClassVar[Literal["response.mcp_list_tools.completed"]] = "response.mcp_list_tools.completed"

    item_id: str
    output_index: int


class ResponseMcpListToolsFailedEvent(ResponseEvent, tag="response.mcp_list_tools.failed"):
    """Listing an MCP server's tools failed."""

    type: ClassVar[Literal["response.mcp_list_tools.failed"]] = "response.mcp_list_tools.failed"

    item_id: str
    output_index: int


class ResponseImageGenerationCallInProgressEvent(ResponseEvent, tag="response.image_generation_call.in_progress"):
    """An image generation call started."""

    type: ClassVar[Literal["response.image_generation_call.in_progress"]] = "response.image_generation_call.in_progress"

    item_id: str
    output_index: int


class ResponseImageGenerationCallGeneratingEvent(ResponseEvent, tag="response.image_generation_call.generating"):
    """An image generation call is generating."""

    type: ClassVar[Literal["response.image_generation_call.generating"]] = "response.image_generation_call.generating"

    item_id: str
    output_index: int


class ResponseImageGenerationCallCompletedEvent(ResponseEvent, tag="response.image_generation_call.completed"):
    """An image generation call completed."""

    type: ClassVar[Literal["response.image_generation_call.completed"]] = "response.image_generation_call.completed"

    item_id: str
    output_index: int


class ResponseImageGenerationCallPartialImageEvent(ResponseEvent, tag="response.image_generation_call.partial_image"):
    """A partial image of an image generation call."""

    type: ClassVar[Literal["response.image_generation_call.partial_image"]] = "response.image_generation_call.partial_image"

    item_id: str
    output_index: int
    partial_image_index: int
    partial_image_b64: str
    # The settings the image is made with, when the service says them.
    background: str | None | UnsetType = UNSET
    output_format: str | None | UnsetType = UNSET
    quality: str | None | UnsetType = UNSET
    size: str | None | UnsetType = UNSET


class ResponseCustomToolCallInputDeltaEvent(ResponseEvent, tag="response.custom_tool_call_input.delta"):
    """An input fragment of a custom tool call."""

    type: ClassVar[Literal["response.custom_tool_call_input.delta"]] = "response.custom_tool_call_input.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseCustomToolCallInputDoneEvent(ResponseEvent, tag="response.custom_tool_call_input.done"):
    """A custom tool call's input is whole."""

    type: ClassVar[Literal["response.custom_tool_call_input.done"]] = "response.custom_tool_call_input.done"

    item_id: str
    output_index: int
    input: str


class ResponseAudioDeltaEvent(ResponseEvent, tag="response.audio.delta"):
    """A chunk of output audio (base64)."""

    type: ClassVar[Literal["response.audio.delta"]] = "response.audio.delta"

    delta: str


class ResponseAudioDoneEvent(ResponseEvent, tag="response.audio.done"):
    """The output audio is whole."""

    type: ClassVar[Literal["response.audio.done"]] = "response.audio.done"


class ResponseAudioTranscriptDeltaEvent(ResponseEvent, tag="response.audio.transcript.delta"):
    """Audio transcript text was appended."""

    type: ClassVar[Literal["response.audio.transcript.delta"]] = "response.audio.transcript.delta"

    delta: str


class ResponseAudioTranscriptDoneEvent(ResponseEvent, tag="response.audio.transcript.done"):
    """The audio transcript is whole."""

    type: ClassVar[Literal["response.audio.transcript.done"]] = "response.audio.transcript.done"
