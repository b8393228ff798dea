"""Typed events of a Responses API stream (``response.*`` and ``error``).

One msgspec Struct per event type of the public OpenAPI description, tagged by the ``type``
member every event carries, so a whole stream decodes through one tagged-union decoder. The
objects events carry (``response``, ``item``, ``part``, ``annotation``) stay plain JSON
objects: they are what the accumulator reproduces exactly, every member kept, whatever item
types and members the API adds. An event of a type not listed here decodes to
`UnknownResponseEvent`, never an error.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Union

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "RESPONSE_EVENT_CLASSES",
    "ResponseAudioDeltaEvent",
    "ResponseAudioDoneEvent",
    "ResponseAudioTranscriptDeltaEvent",
    "ResponseAudioTranscriptDoneEvent",
    "ResponseCodeInterpreterCallCodeDeltaEvent",
    "ResponseCodeInterpreterCallCodeDoneEvent",
    "ResponseCodeInterpreterCallCompletedEvent",
    "ResponseCodeInterpreterCallInProgressEvent",
    "ResponseCodeInterpreterCallInterpretingEvent",
    "ResponseCompletedEvent",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseCreatedEvent",
    "ResponseCustomToolCallInputDeltaEvent",
    "ResponseCustomToolCallInputDoneEvent",
    "ResponseErrorEvent",
    "ResponseFailedEvent",
    "ResponseFileSearchCallCompletedEvent",
    "ResponseFileSearchCallInProgressEvent",
    "ResponseFileSearchCallSearchingEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseImageGenerationCallCompletedEvent",
    "ResponseImageGenerationCallGeneratingEvent",
    "ResponseImageGenerationCallInProgressEvent",
    "ResponseImageGenerationCallPartialImageEvent",
    "ResponseInProgressEvent",
    "ResponseIncompleteEvent",
    "ResponseMcpCallArgumentsDeltaEvent",
    "ResponseMcpCallArgumentsDoneEvent",
    "ResponseMcpCallCompletedEvent",
    "ResponseMcpCallFailedEvent",
    "ResponseMcpCallInProgressEvent",
    "ResponseMcpListToolsCompletedEvent",
    "ResponseMcpListToolsFailedEvent",
    "ResponseMcpListToolsInProgressEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseOutputTextAnnotationAddedEvent",
    "ResponseQueuedEvent",
    "ResponseReasoningSummaryPartAddedEvent",
    "ResponseReasoningSummaryPartDoneEvent",
    "ResponseReasoningSummaryTextDeltaEvent",
    "ResponseReasoningSummaryTextDoneEvent",
    "ResponseReasoningTextDeltaEvent",
    "ResponseReasoningTextDoneEvent",
    "ResponseRefusalDeltaEvent",
    "ResponseRefusalDoneEvent",
    "ResponseStreamEvent",
    "ResponseTextDeltaEvent",
    "ResponseTextDoneEvent",
    "ResponseWebSearchCallCompletedEvent",
    "ResponseWebSearchCallInProgressEvent",
    "ResponseWebSearchCallSearchingEvent",
    "UnknownResponseEvent",
]


class _Event(msgspec.Struct, tag_field="type", kw_only=True, gc=False):
    sequence_number: int | UnsetType = UNSET


class ResponseCreatedEvent(_Event, tag="response.created"):
    """The response was created (its first snapshot)."""

    type: ClassVar[Literal["response.created"]] = "response.created"

    response: dict[str, Any]


class ResponseQueuedEvent(_Event, tag="response.queued"):
    """The response is queued (background mode)."""

    type: ClassVar[Literal["response.queued"]] = "response.queued"

    response: dict[str, Any]


class ResponseInProgressEvent(_Event, tag="response.in_progress"):
    """The response is being generated."""

    type: ClassVar[Literal["response.in_progress"]] = "response.in_progress"

    response: dict[str, Any]


class ResponseCompletedEvent(_Event, tag="response.completed"):
    """The response completed: the authoritative final object."""

    type: ClassVar[Literal["response.completed"]] = "response.completed"

    response: dict[str, Any]


class ResponseFailedEvent(_Event, tag="response.failed"):
    """The response failed: the authoritative final object."""

    type: ClassVar[Literal["response.failed"]] = "response.failed"

    response: dict[str, Any]


class ResponseIncompleteEvent(_Event, tag="response.incomplete"):
    """The response ended incomplete: the authoritative final object."""

    type: ClassVar[Literal["response.incomplete"]] = "response.incomplete"

    response: dict[str, Any]


class ResponseOutputItemAddedEvent(_Event, tag="response.output_item.added"):
    """An output item appeared."""

    type: ClassVar[Literal["response.output_item.added"]] = "response.output_item.added"

    output_index: int
    item: dict[str, Any]


class ResponseOutputItemDoneEvent(_Event, tag="response.output_item.done"):
    """An output item is done: the authoritative item."""

    type: ClassVar[Literal["response.output_item.done"]] = "response.output_item.done"

    output_index: int
    item: dict[str, Any]


class ResponseContentPartAddedEvent(_Event, tag="response.content_part.added"):
    """A content part appeared in a message item."""

    type: ClassVar[Literal["response.content_part.added"]] = "response.content_part.added"

    item_id: str
    output_index: int
    content_index: int
    part: dict[str, Any]


class ResponseContentPartDoneEvent(_Event, tag="response.content_part.done"):
    """A content part is done: the authoritative part."""

    type: ClassVar[Literal["response.content_part.done"]] = "response.content_part.done"

    item_id: str
    output_index: int
    content_index: int
    part: dict[str, Any]


class ResponseTextDeltaEvent(_Event, tag="response.output_text.delta"):
    """Output text was appended to a content part."""

    type: ClassVar[Literal["response.output_text.delta"]] = "response.output_text.delta"

    item_id: str
    output_index: int
    content_index: int
    delta: str
    logprobs: list[Any] | UnsetType = UNSET
    obfuscation: str | UnsetType = UNSET


class ResponseTextDoneEvent(_Event, tag="response.output_text.done"):
    """A content part's output text is whole."""

    type: ClassVar[Literal["response.output_text.done"]] = "response.output_text.done"

    item_id: str
    output_index: int
    content_index: int
    text: str
    logprobs: list[Any] | UnsetType = UNSET


class ResponseOutputTextAnnotationAddedEvent(_Event, tag="response.output_text.annotation.added"):
    """An annotation was added to a content part's text."""

    type: ClassVar[Literal["response.output_text.annotation.added"]] = "response.output_text.annotation.added"

    item_id: str
    output_index: int
    content_index: int
    annotation_index: int
    annotation: dict[str, Any]


class ResponseRefusalDeltaEvent(_Event, tag="response.refusal.delta"):
    """Refusal text was appended to a content part."""

    type: ClassVar[Literal["response.refusal.delta"]] = "response.refusal.delta"

    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseRefusalDoneEvent(_Event, tag="response.refusal.done"):
    """A content part's refusal is whole."""

    type: ClassVar[Literal["response.refusal.done"]] = "response.refusal.done"

    item_id: str
    output_index: int
    content_index: int
    refusal: str


class ResponseFunctionCallArgumentsDeltaEvent(_Event, tag="response.function_call_arguments.delta"):
    """An arguments fragment of a function call."""

    type: ClassVar[Literal["response.function_call_arguments.delta"]] = "response.function_call_arguments.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseFunctionCallArgumentsDoneEvent(_Event, tag="response.function_call_arguments.done"):
    """A function call's arguments are whole."""

    type: ClassVar[Literal["response.function_call_arguments.done"]] = "response.function_call_arguments.done"

    item_id: str
    output_index: int
    arguments: str
    name: str | UnsetType = UNSET


class ResponseReasoningSummaryPartAddedEvent(_Event, tag="response.reasoning_summary_part.added"):
    """A reasoning summary part appeared."""

    type: ClassVar[Literal["response.reasoning_summary_part.added"]] = "response.reasoning_summary_part.added"

    item_id: str
    output_index: int
    summary_index: int
    part: dict[str, Any]


class ResponseReasoningSummaryPartDoneEvent(_Event, tag="response.reasoning_summary_part.done"):
    """A reasoning summary part is done."""

    type: ClassVar[Literal["response.reasoning_summary_part.done"]] = "response.reasoning_summary_part.done"

    item_id: str
    output_index: int
    summary_index: int
    part: dict[str, Any]


class ResponseReasoningSummaryTextDeltaEvent(_Event, tag="response.reasoning_summary_text.delta"):
    """Reasoning summary text was appended."""

    type: ClassVar[Literal["response.reasoning_summary_text.delta"]] = "response.reasoning_summary_text.delta"

    item_id: str
    output_index: int
    summary_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseReasoningSummaryTextDoneEvent(_Event, tag="response.reasoning_summary_text.done"):
    """A reasoning summary part's text is whole."""

    type: ClassVar[Literal["response.reasoning_summary_text.done"]] = "response.reasoning_summary_text.done"

    item_id: str
    output_index: int
    summary_index: int
    text: str


class ResponseReasoningTextDeltaEvent(_Event, tag="response.reasoning_text.delta"):
    """Reasoning text was appended."""

    type: ClassVar[Literal["response.reasoning_text.delta"]] = "response.reasoning_text.delta"

    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseReasoningTextDoneEvent(_Event, tag="response.reasoning_text.done"):
    """A reasoning text part is whole."""

    type: ClassVar[Literal["response.reasoning_text.done"]] = "response.reasoning_text.done"

    item_id: str
    output_index: int
    content_index: int
    text: str


class ResponseFileSearchCallInProgressEvent(_Event, tag="response.file_search_call.in_progress"):
    """A file search call started."""

    type: ClassVar[Literal["response.file_search_call.in_progress"]] = "response.file_search_call.in_progress"

    item_id: str
    output_index: int


class ResponseFileSearchCallSearchingEvent(_Event, tag="response.file_search_call.searching"):
    """A file search call is searching."""

    type: ClassVar[Literal["response.file_search_call.searching"]] = "response.file_search_call.searching"

    item_id: str
    output_index: int


class ResponseFileSearchCallCompletedEvent(_Event, tag="response.file_search_call.completed"):
    """A file search call completed."""

    type: ClassVar[Literal["response.file_search_call.completed"]] = "response.file_search_call.completed"

    item_id: str
    output_index: int


class ResponseWebSearchCallInProgressEvent(_Event, tag="response.web_search_call.in_progress"):
    """A web search call started."""

    type: ClassVar[Literal["response.web_search_call.in_progress"]] = "response.web_search_call.in_progress"

    item_id: str
    output_index: int


class ResponseWebSearchCallSearchingEvent(_Event, tag="response.web_search_call.searching"):
    """A web search call is searching."""

    type: ClassVar[Literal["response.web_search_call.searching"]] = "response.web_search_call.searching"

    item_id: str
    output_index: int


class ResponseWebSearchCallCompletedEvent(_Event, tag="response.web_search_call.completed"):
    """A web search call completed."""

    type: ClassVar[Literal["response.web_search_call.completed"]] = "response.web_search_call.completed"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallInProgressEvent(_Event, tag="response.code_interpreter_call.in_progress"):
    """A code interpreter call started."""

    type: ClassVar[Literal["response.code_interpreter_call.in_progress"]] = "response.code_interpreter_call.in_progress"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallInterpretingEvent(_Event, tag="response.code_interpreter_call.interpreting"):
    """A code interpreter call is running its code."""

    type: ClassVar[Literal["response.code_interpreter_call.interpreting"]] = "response.code_interpreter_call.interpreting"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallCompletedEvent(_Event, tag="response.code_interpreter_call.completed"):
    """A code interpreter call completed."""

    type: ClassVar[Literal["response.code_interpreter_call.completed"]] = "response.code_interpreter_call.completed"

    item_id: str
    output_index: int


class ResponseCodeInterpreterCallCodeDeltaEvent(_Event, tag="response.code_interpreter_call_code.delta"):
    """Code was appended to a code interpreter call."""

    type: ClassVar[Literal["response.code_interpreter_call_code.delta"]] = "response.code_interpreter_call_code.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseCodeInterpreterCallCodeDoneEvent(_Event, tag="response.code_interpreter_call_code.done"):
    """A code interpreter call's code is whole."""

    type: ClassVar[Literal["response.code_interpreter_call_code.done"]] = "response.code_interpreter_call_code.done"

    item_id: str
    output_index: int
    code: str


class ResponseMcpCallInProgressEvent(_Event, tag="response.mcp_call.in_progress"):
    """An MCP call started."""

    type: ClassVar[Literal["response.mcp_call.in_progress"]] = "response.mcp_call.in_progress"

    item_id: str
    output_index: int


class ResponseMcpCallCompletedEvent(_Event, tag="response.mcp_call.completed"):
    """An MCP call completed."""

    type: ClassVar[Literal["response.mcp_call.completed"]] = "response.mcp_call.completed"

    item_id: str
    output_index: int


class ResponseMcpCallFailedEvent(_Event, tag="response.mcp_call.failed"):
    """An MCP call failed."""

    type: ClassVar[Literal["response.mcp_call.failed"]] = "response.mcp_call.failed"

    item_id: str
    output_index: int


class ResponseMcpCallArgumentsDeltaEvent(_Event, tag="response.mcp_call_arguments.delta"):
    """An arguments fragment of an MCP call."""

    type: ClassVar[Literal["response.mcp_call_arguments.delta"]] = "response.mcp_call_arguments.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseMcpCallArgumentsDoneEvent(_Event, tag="response.mcp_call_arguments.done"):
    """An MCP call's arguments are whole."""

    type: ClassVar[Literal["response.mcp_call_arguments.done"]] = "response.mcp_call_arguments.done"

    item_id: str
    output_index: int
    arguments: str


class ResponseMcpListToolsInProgressEvent(_Event, tag="response.mcp_list_tools.in_progress"):
    """Listing an MCP server's tools started."""

    type: ClassVar[Literal["response.mcp_list_tools.in_progress"]] = "response.mcp_list_tools.in_progress"

    item_id: str
    output_index: int


class ResponseMcpListToolsCompletedEvent(_Event, tag="response.mcp_list_tools.completed"):
    """Listing an MCP server's tools completed."""

    type: ClassVar[Literal["response.mcp_list_tools.completed"]] = "response.mcp_list_tools.completed"

    item_id: str
    output_index: int


class ResponseMcpListToolsFailedEvent(_Event, tag="response.mcp_list_tools.failed"):
    """Listing an MCP server's tools failed."""

    type: ClassVar[Literal["response.mcp_list_tools.failed"]] = "response.mcp_list_tools.failed"

    item_id: str
    output_index: int


class ResponseImageGenerationCallInProgressEvent(_Event, tag="response.image_generation_call.in_progress"):
    """An image generation call started."""

    type: ClassVar[Literal["response.image_generation_call.in_progress"]] = "response.image_generation_call.in_progress"

    item_id: str
    output_index: int


class ResponseImageGenerationCallGeneratingEvent(_Event, tag="response.image_generation_call.generating"):
    """An image generation call is generating."""

    type: ClassVar[Literal["response.image_generation_call.generating"]] = "response.image_generation_call.generating"

    item_id: str
    output_index: int


class ResponseImageGenerationCallCompletedEvent(_Event, tag="response.image_generation_call.completed"):
    """An image generation call completed."""

    type: ClassVar[Literal["response.image_generation_call.completed"]] = "response.image_generation_call.completed"

    item_id: str
    output_index: int


class ResponseImageGenerationCallPartialImageEvent(_Event, tag="response.image_generation_call.partial_image"):
    """A partial image of an image generation call."""

    type: ClassVar[Literal["response.image_generation_call.partial_image"]] = "response.image_generation_call.partial_image"

    item_id: str
    output_index: int
    partial_image_index: int
    partial_image_b64: str


class ResponseCustomToolCallInputDeltaEvent(_Event, tag="response.custom_tool_call_input.delta"):
    """An input fragment of a custom tool call."""

    type: ClassVar[Literal["response.custom_tool_call_input.delta"]] = "response.custom_tool_call_input.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseCustomToolCallInputDoneEvent(_Event, tag="response.custom_tool_call_input.done"):
    """A custom tool call's input is whole."""

    type: ClassVar[Literal["response.custom_tool_call_input.done"]] = "response.custom_tool_call_input.done"

    item_id: str
    output_index: int
    input: str


class ResponseAudioDeltaEvent(_Event, tag="response.audio.delta"):
    """A chunk of output audio (base64)."""

    type: ClassVar[Literal["response.audio.delta"]] = "response.audio.delta"

    delta: str


class ResponseAudioDoneEvent(_Event, tag="response.audio.done"):
    """The output audio is whole."""

    type: ClassVar[Literal["response.audio.done"]] = "response.audio.done"


class ResponseAudioTranscriptDeltaEvent(_Event, tag="response.audio.transcript.delta"):
    """Audio transcript text was appended."""

    type: ClassVar[Literal["response.audio.transcript.delta"]] = "response.audio.transcript.delta"

    delta: str


class ResponseAudioTranscriptDoneEvent(_Event, tag="response.audio.transcript.done"):
    """The audio transcript is whole."""

    type: ClassVar[Literal["response.audio.transcript.done"]] = "response.audio.transcript.done"


class ResponseErrorEvent(_Event, tag="error"):
    """The server reported an error on the stream."""

    type: ClassVar[Literal["error"]] = "error"

    code: str | None = None
    message: str = ""
    param: str | None = None


class UnknownResponseEvent(msgspec.Struct, kw_only=True, gc=False):
    """An event of a type runstream does not know: its name and its whole JSON object.

    Its ``type`` is ``"unknown"`` (the name the server gave is `name`), so that narrowing on
    ``event.type`` type-checks over the whole union, as with openai-python's events.
    """

    type: ClassVar[Literal["unknown"]] = "unknown"
    name: str
    data: dict[str, Any]


ResponseStreamEvent = Union[
    ResponseCreatedEvent,
    ResponseQueuedEvent,
    ResponseInProgressEvent,
    ResponseCompletedEvent,
    ResponseFailedEvent,
    ResponseIncompleteEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseFileSearchCallInProgressEvent,
    ResponseFileSearchCallSearchingEvent,
    ResponseFileSearchCallCompletedEvent,
    ResponseWebSearchCallInProgressEvent,
    ResponseWebSearchCallSearchingEvent,
    ResponseWebSearchCallCompletedEvent,
    ResponseCodeInterpreterCallInProgressEvent,
    ResponseCodeInterpreterCallInterpretingEvent,
    ResponseCodeInterpreterCallCompletedEvent,
    ResponseCodeInterpreterCallCodeDeltaEvent,
    ResponseCodeInterpreterCallCodeDoneEvent,
    ResponseMcpCallInProgressEvent,
    ResponseMcpCallCompletedEvent,
    ResponseMcpCallFailedEvent,
    ResponseMcpCallArgumentsDeltaEvent,
    ResponseMcpCallArgumentsDoneEvent,
    ResponseMcpListToolsInProgressEvent,
    ResponseMcpListToolsCompletedEvent,
    ResponseMcpListToolsFailedEvent,
    ResponseImageGenerationCallInProgressEvent,
    ResponseImageGenerationCallGeneratingEvent,
    ResponseImageGenerationCallCompletedEvent,
    ResponseImageGenerationCallPartialImageEvent,
    ResponseCustomToolCallInputDeltaEvent,
    ResponseCustomToolCallInputDoneEvent,
    ResponseAudioDeltaEvent,
    ResponseAudioDoneEvent,
    ResponseAudioTranscriptDeltaEvent,
    ResponseAudioTranscriptDoneEvent,
    ResponseErrorEvent,
    UnknownResponseEvent,
]

#: Every known event class, by its ``type``.
RESPONSE_EVENT_CLASSES: dict[str, type] = {
    "response.created": ResponseCreatedEvent,
    "response.queued": ResponseQueuedEvent,
    "response.in_progress": ResponseInProgressEvent,
    "response.completed": ResponseCompletedEvent,
    "response.failed": ResponseFailedEvent,
    "response.incomplete": ResponseIncompleteEvent,
    "response.output_item.added": ResponseOutputItemAddedEvent,
    "response.output_item.done": ResponseOutputItemDoneEvent,
    "response.content_part.added": ResponseContentPartAddedEvent,
    "response.content_part.done": ResponseContentPartDoneEvent,
    "response.output_text.delta": ResponseTextDeltaEvent,
    "response.output_text.done": ResponseTextDoneEvent,
    "response.output_text.annotation.added": ResponseOutputTextAnnotationAddedEvent,
    "response.refusal.delta": ResponseRefusalDeltaEvent,
    "response.refusal.done": ResponseRefusalDoneEvent,
    "response.function_call_arguments.delta": ResponseFunctionCallArgumentsDeltaEvent,
    "response.function_call_arguments.done": ResponseFunctionCallArgumentsDoneEvent,
    "response.reasoning_summary_part.added": ResponseReasoningSummaryPartAddedEvent,
    "response.reasoning_summary_part.done": ResponseReasoningSummaryPartDoneEvent,
    "response.reasoning_summary_text.delta": ResponseReasoningSummaryTextDeltaEvent,
    "response.reasoning_summary_text.done": ResponseReasoningSummaryTextDoneEvent,
    "response.reasoning_text.delta": ResponseReasoningTextDeltaEvent,
    "response.reasoning_text.done": ResponseReasoningTextDoneEvent,
    "response.file_search_call.in_progress": ResponseFileSearchCallInProgressEvent,
    "response.file_search_call.searching": ResponseFileSearchCallSearchingEvent,
    "response.file_search_call.completed": ResponseFileSearchCallCompletedEvent,
    "response.web_search_call.in_progress": ResponseWebSearchCallInProgressEvent,
    "response.web_search_call.searching": ResponseWebSearchCallSearchingEvent,
    "response.web_search_call.completed": ResponseWebSearchCallCompletedEvent,
    "response.code_interpreter_call.in_progress": ResponseCodeInterpreterCallInProgressEvent,
    "response.code_interpreter_call.interpreting": ResponseCodeInterpreterCallInterpretingEvent,
    "response.code_interpreter_call.completed": ResponseCodeInterpreterCallCompletedEvent,
    "response.code_interpreter_call_code.delta": ResponseCodeInterpreterCallCodeDeltaEvent,
    "response.code_interpreter_call_code.done": ResponseCodeInterpreterCallCodeDoneEvent,
    "response.mcp_call.in_progress": ResponseMcpCallInProgressEvent,
    "response.mcp_call.completed": ResponseMcpCallCompletedEvent,
    "response.mcp_call.failed": ResponseMcpCallFailedEvent,
    "response.mcp_call_arguments.delta": ResponseMcpCallArgumentsDeltaEvent,
    "response.mcp_call_arguments.done": ResponseMcpCallArgumentsDoneEvent,
    "response.mcp_list_tools.in_progress": ResponseMcpListToolsInProgressEvent,
    "response.mcp_list_tools.completed": ResponseMcpListToolsCompletedEvent,
    "response.mcp_list_tools.failed": ResponseMcpListToolsFailedEvent,
    "response.image_generation_call.in_progress": ResponseImageGenerationCallInProgressEvent,
    "response.image_generation_call.generating": ResponseImageGenerationCallGeneratingEvent,
    "response.image_generation_call.completed": ResponseImageGenerationCallCompletedEvent,
    "response.image_generation_call.partial_image": ResponseImageGenerationCallPartialImageEvent,
    "response.custom_tool_call_input.delta": ResponseCustomToolCallInputDeltaEvent,
    "response.custom_tool_call_input.done": ResponseCustomToolCallInputDoneEvent,
    "response.audio.delta": ResponseAudioDeltaEvent,
    "response.audio.done": ResponseAudioDoneEvent,
    "response.audio.transcript.delta": ResponseAudioTranscriptDeltaEvent,
    "response.audio.transcript.done": ResponseAudioTranscriptDoneEvent,
    "error": ResponseErrorEvent,
}
