"""Responses API handlers: subclass, override the ``on_*`` callbacks you need.

One callback per event type of openai-python's ``client.responses.stream`` (see the
migration table in the docs), plus `on_tool_call_status` for the built-in tools' status
events and `on_discrepancy`. Delta callbacks receive the fragment and where it belongs, never
a re-joined snapshot, so a delta costs the same however long the text already is; read
``self.accumulator`` for the text so far. Objects are typed and exact (every member the server sent,
none invented).
"""

from __future__ import annotations

from typing import Any

from .._models.base import ErrorObject
from .._streaming.dialect import DialectHandler, RouteTable
from .accumulator import ResponseDiscrepancy, ResponseAccumulator
from .events import (
    ResponseCodeInterpreterCallCodeDeltaEvent,
    ResponseCodeInterpreterCallCodeDoneEvent,
    ResponseCodeInterpreterCallCompletedEvent,
    ResponseCodeInterpreterCallInProgressEvent,
    ResponseCodeInterpreterCallInterpretingEvent,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseCustomToolCallInputDeltaEvent,
    ResponseCustomToolCallInputDoneEvent,
    ResponseErrorEvent,
    ResponseFailedEvent,
    ResponseFileSearchCallCompletedEvent,
    ResponseFileSearchCallInProgressEvent,
    ResponseFileSearchCallSearchingEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseImageGenerationCallCompletedEvent,
    ResponseImageGenerationCallGeneratingEvent,
    ResponseImageGenerationCallInProgressEvent,
    ResponseImageGenerationCallPartialImageEvent,
    ResponseInProgressEvent,
    ResponseIncompleteEvent,
    ResponseMcpCallArgumentsDeltaEvent,
    ResponseMcpCallArgumentsDoneEvent,
    ResponseMcpCallCompletedEvent,
    ResponseMcpCallFailedEvent,
    ResponseMcpCallInProgressEvent,
    ResponseMcpListToolsCompletedEvent,
    ResponseMcpListToolsFailedEvent,
    ResponseMcpListToolsInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseQueuedEvent,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseWebSearchCallCompletedEvent,
    ResponseWebSearchCallInProgressEvent,
    ResponseWebSearchCallSearchingEvent,
    ResponseStreamEvent,
    UnknownResponseEvent,
)
from .content import Annotation, OutputContent, ReasoningSummaryPart
from .items import ResponseOutputItem
from .models import Response

__all__ = ["AsyncResponseHandler", "ResponseHandler"]

Call = tuple[str, tuple[Any, ...]]


def _response(event: Any) -> Response:
    return event.response  # type: ignore[no-any-return]


def _route_response_created(n: ResponseCreatedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_response_created", (_response(n),))]


def _route_response_queued(n: ResponseQueuedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_response_queued", (_response(n),))]


def _route_response_in_progress(n: ResponseInProgressEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_response_in_progress", (_response(n),))]


def _route_completed(n: ResponseCompletedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_completed", (_response(n),))]


def _route_failed(n: ResponseFailedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_failed", (_response(n),))]


def _route_incomplete(n: ResponseIncompleteEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_incomplete", (_response(n),))]


def _route_output_item_added(n: ResponseOutputItemAddedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_output_item_added", (n.item, n.output_index))]


def _route_output_item_done(n: ResponseOutputItemDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_output_item_done", (n.item, n.output_index))]


def _route_content_part_added(n: ResponseContentPartAddedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_content_part_added", (n.part, n.item_id, n.content_index))]


def _route_content_part_done(n: ResponseContentPartDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_content_part_done", (n.part, n.item_id, n.content_index))]


def _route_output_text_delta(n: ResponseTextDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_output_text_delta", (n.delta, n.item_id, n.content_index))]


def _route_output_text_done(n: ResponseTextDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_output_text_done", (n.text, n.item_id, n.content_index))]


def _route_annotation_added(n: ResponseOutputTextAnnotationAddedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_annotation_added", (n.annotation, n.item_id, n.content_index, n.annotation_index))]


def _route_refusal_delta(n: ResponseRefusalDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_refusal_delta", (n.delta, n.item_id, n.content_index))]


def _route_refusal_done(n: ResponseRefusalDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_refusal_done", (n.refusal, n.item_id, n.content_index))]


def _route_function_call_arguments_delta(n: ResponseFunctionCallArgumentsDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_function_call_arguments_delta", (n.delta, n.item_id))]


def _route_function_call_arguments_done(n: ResponseFunctionCallArgumentsDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_function_call_arguments_done", (n.arguments, n.item_id))]


def _route_reasoning_summary_part_added(n: ResponseReasoningSummaryPartAddedEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_reasoning_summary_part_added", (n.part, n.item_id, n.summary_index))]


def _route_reasoning_summary_part_done(n: ResponseReasoningSummaryPartDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_reasoning_summary_part_done", (n.part, n.item_id, n.summary_index))]


def _route_reasoning_summary_text_delta(n: ResponseReasoningSummaryTextDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_reasoning_summary_text_delta", (n.delta, n.item_id, n.summary_index))]


def _route_reasoning_summary_text_done(n: ResponseReasoningSummaryTextDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_reasoning_summary_text_done", (n.text, n.item_id, n.summary_index))]


def _route_reasoning_text_delta(n: ResponseReasoningTextDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_reasoning_text_delta", (n.delta, n.item_id, n.content_index))]


def _route_reasoning_text_done(n: ResponseReasoningTextDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_reasoning_text_done", (n.text, n.item_id, n.content_index))]


def _route_code_interpreter_code_delta(n: ResponseCodeInterpreterCallCodeDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_code_interpreter_code_delta", (n.delta, n.item_id))]


def _route_code_interpreter_code_done(n: ResponseCodeInterpreterCallCodeDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_code_interpreter_code_done", (n.code, n.item_id))]


def _route_mcp_call_arguments_delta(n: ResponseMcpCallArgumentsDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_mcp_call_arguments_delta", (n.delta, n.item_id))]


def _route_mcp_call_arguments_done(n: ResponseMcpCallArgumentsDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_mcp_call_arguments_done", (n.arguments, n.item_id))]


def _route_custom_tool_call_input_delta(n: ResponseCustomToolCallInputDeltaEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_custom_tool_call_input_delta", (n.delta, n.item_id))]


def _route_custom_tool_call_input_done(n: ResponseCustomToolCallInputDoneEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_custom_tool_call_input_done", (n.input, n.item_id))]


def _route_image_generation_partial_image(n: ResponseImageGenerationCallPartialImageEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_image_generation_partial_image", (n.partial_image_b64, n.partial_image_index, n.item_id))]


def _route_error_event(n: ResponseErrorEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_error_event", (ErrorObject(code=n.code, message=n.message, param=n.param),))]


def _route_unknown_event(n: UnknownResponseEvent, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_unknown_event", (n,))]


def _route_discrepancy(n: ResponseDiscrepancy, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_discrepancy", (n,))]


def _route_status(n: Any, accumulator: ResponseAccumulator) -> list[Call]:
    return [("on_tool_call_status", (n.type.rsplit(".", 1)[1], n.item_id, n.output_index))]


_ROUTES: RouteTable = {
    ResponseCreatedEvent: (_route_response_created, ("on_response_created",)),
    ResponseQueuedEvent: (_route_response_queued, ("on_response_queued",)),
    ResponseInProgressEvent: (_route_response_in_progress, ("on_response_in_progress",)),
    ResponseCompletedEvent: (_route_completed, ("on_completed",)),
    ResponseFailedEvent: (_route_failed, ("on_failed",)),
    ResponseIncompleteEvent: (_route_incomplete, ("on_incomplete",)),
    ResponseOutputItemAddedEvent: (_route_output_item_added, ("on_output_item_added",)),
    ResponseOutputItemDoneEvent: (_route_output_item_done, ("on_output_item_done",)),
    ResponseContentPartAddedEvent: (_route_content_part_added, ("on_content_part_added",)),
    ResponseContentPartDoneEvent: (_route_content_part_done, ("on_content_part_done",)),
    ResponseTextDeltaEvent: (_route_output_text_delta, ("on_output_text_delta",)),
    ResponseTextDoneEvent: (_route_output_text_done, ("on_output_text_done",)),
    ResponseOutputTextAnnotationAddedEvent: (_route_annotation_added, ("on_annotation_added",)),
    ResponseRefusalDeltaEvent: (_route_refusal_delta, ("on_refusal_delta",)),
    ResponseRefusalDoneEvent: (_route_refusal_done, ("on_refusal_done",)),
    ResponseFunctionCallArgumentsDeltaEvent: (_route_function_call_arguments_delta, ("on_function_call_arguments_delta",)),
    ResponseFunctionCallArgumentsDoneEvent: (_route_function_call_arguments_done, ("on_function_call_arguments_done",)),
    ResponseReasoningSummaryPartAddedEvent: (_route_reasoning_summary_part_added, ("on_reasoning_summary_part_added",)),
    ResponseReasoningSummaryPartDoneEvent: (_route_reasoning_summary_part_done, ("on_reasoning_summary_part_done",)),
    ResponseReasoningSummaryTextDeltaEvent: (_route_reasoning_summary_text_delta, ("on_reasoning_summary_text_delta",)),
    ResponseReasoningSummaryTextDoneEvent: (_route_reasoning_summary_text_done, ("on_reasoning_summary_text_done",)),
    ResponseReasoningTextDeltaEvent: (_route_reasoning_text_delta, ("on_reasoning_text_delta",)),
    ResponseReasoningTextDoneEvent: (_route_reasoning_text_done, ("on_reasoning_text_done",)),
    ResponseCodeInterpreterCallCodeDeltaEvent: (_route_code_interpreter_code_delta, ("on_code_interpreter_code_delta",)),
    ResponseCodeInterpreterCallCodeDoneEvent: (_route_code_interpreter_code_done, ("on_code_interpreter_code_done",)),
    ResponseMcpCallArgumentsDeltaEvent: (_route_mcp_call_arguments_delta, ("on_mcp_call_arguments_delta",)),
    ResponseMcpCallArgumentsDoneEvent: (_route_mcp_call_arguments_done, ("on_mcp_call_arguments_done",)),
    ResponseCustomToolCallInputDeltaEvent: (_route_custom_tool_call_input_delta, ("on_custom_tool_call_input_delta",)),
    ResponseCustomToolCallInputDoneEvent: (_route_custom_tool_call_input_done, ("on_custom_tool_call_input_done",)),
    ResponseImageGenerationCallPartialImageEvent: (_route_image_generation_partial_image, ("on_image_generation_partial_image",)),
    ResponseErrorEvent: (_route_error_event, ("on_error_event",)),
    UnknownResponseEvent: (_route_unknown_event, ("on_unknown_event",)),
    ResponseDiscrepancy: (_route_discrepancy, ("on_discrepancy",)),
    ResponseFileSearchCallInProgressEvent: (_route_status, ("on_tool_call_status",)),
    ResponseFileSearchCallSearchingEvent: (_route_status, ("on_tool_call_status",)),
    ResponseFileSearchCallCompletedEvent: (_route_status, ("on_tool_call_status",)),
    ResponseWebSearchCallInProgressEvent: (_route_status, ("on_tool_call_status",)),
    ResponseWebSearchCallSearchingEvent: (_route_status, ("on_tool_call_status",)),
    ResponseWebSearchCallCompletedEvent: (_route_status, ("on_tool_call_status",)),
    ResponseCodeInterpreterCallInProgressEvent: (_route_status, ("on_tool_call_status",)),
    ResponseCodeInterpreterCallInterpretingEvent: (_route_status, ("on_tool_call_status",)),
    ResponseCodeInterpreterCallCompletedEvent: (_route_status, ("on_tool_call_status",)),
    ResponseMcpCallInProgressEvent: (_route_status, ("on_tool_call_status",)),
    ResponseMcpCallCompletedEvent: (_route_status, ("on_tool_call_status",)),
    ResponseMcpCallFailedEvent: (_route_status, ("on_tool_call_status",)),
    ResponseMcpListToolsInProgressEvent: (_route_status, ("on_tool_call_status",)),
    ResponseMcpListToolsCompletedEvent: (_route_status, ("on_tool_call_status",)),
    ResponseMcpListToolsFailedEvent: (_route_status, ("on_tool_call_status",)),
    ResponseImageGenerationCallInProgressEvent: (_route_status, ("on_tool_call_status",)),
    ResponseImageGenerationCallGeneratingEvent: (_route_status, ("on_tool_call_status",)),
    ResponseImageGenerationCallCompletedEvent: (_route_status, ("on_tool_call_status",)),
}


class ResponseHandler(DialectHandler):
    """Synchronous callbacks for a Responses API stream. Override what you need.

    Examples:
        >>> class Printer(ResponseHandler):
        ...     def on_output_text_delta(self, delta, item_id, content_index):
        ...         print(delta, end="")
    """

    _route_table = _ROUTES
    accumulator: ResponseAccumulator | None = None

    def on_event(self, event: ResponseStreamEvent | UnknownResponseEvent) -> Any:
        """Every event, after it was merged (narrow it on ``event.type``)."""

    def on_response_created(self, response: Response) -> Any:
        """The response was created."""

    def on_response_queued(self, response: Response) -> Any:
        """The response is queued (background mode)."""

    def on_response_in_progress(self, response: Response) -> Any:
        """The response is being generated."""

    def on_completed(self, response: Response) -> Any:
        """The response completed (the authoritative object)."""

    def on_failed(self, response: Response) -> Any:
        """The response failed (the authoritative object)."""

    def on_incomplete(self, response: Response) -> Any:
        """The response ended incomplete (the authoritative object)."""

    def on_output_item_added(self, item: ResponseOutputItem, output_index: int) -> Any:
        """An output item appeared (the API's JSON)."""

    def on_output_item_done(self, item: ResponseOutputItem, output_index: int) -> Any:
        """An output item is done (the authoritative JSON)."""

    def on_content_part_added(self, part: OutputContent, item_id: str, content_index: int) -> Any:
        """A content part appeared."""

    def on_content_part_done(self, part: OutputContent, item_id: str, content_index: int) -> Any:
        """A content part is done (the authoritative JSON)."""

    def on_output_text_delta(self, delta: str, item_id: str, content_index: int) -> Any:
        """Output text arrived."""

    def on_output_text_done(self, text: str, item_id: str, content_index: int) -> Any:
        """A part's output text is whole."""

    def on_annotation_added(self, annotation: Annotation, item_id: str, content_index: int, annotation_index: int) -> Any:
        """An annotation was added to a part's text."""

    def on_refusal_delta(self, delta: str, item_id: str, content_index: int) -> Any:
        """Refusal text arrived."""

    def on_refusal_done(self, refusal: str, item_id: str, content_index: int) -> Any:
        """A part's refusal is whole."""

    def on_function_call_arguments_delta(self, delta: str, item_id: str) -> Any:
        """A function call's arguments fragment arrived."""

    def on_function_call_arguments_done(self, arguments: str, item_id: str) -> Any:
        """A function call's arguments are whole."""

    def on_reasoning_summary_part_added(self, part: ReasoningSummaryPart, item_id: str, summary_index: int) -> Any:
        """A reasoning summary part appeared."""

    def on_reasoning_summary_part_done(self, part: ReasoningSummaryPart, item_id: str, summary_index: int) -> Any:
        """A reasoning summary part is done."""

    def on_reasoning_summary_text_delta(self, delta: str, item_id: str, summary_index: int) -> Any:
        """Reasoning summary text arrived."""

    def on_reasoning_summary_text_done(self, text: str, item_id: str, summary_index: int) -> Any:
        """A reasoning summary text is whole."""

    def on_reasoning_text_delta(self, delta: str, item_id: str, content_index: int) -> Any:
        """Reasoning text arrived."""

    def on_reasoning_text_done(self, text: str, item_id: str, content_index: int) -> Any:
        """A reasoning text is whole."""

    def on_code_interpreter_code_delta(self, delta: str, item_id: str) -> Any:
        """Code interpreter code arrived."""

    def on_code_interpreter_code_done(self, code: str, item_id: str) -> Any:
        """A code interpreter call's code is whole."""

    def on_mcp_call_arguments_delta(self, delta: str, item_id: str) -> Any:
        """An MCP call's arguments fragment arrived."""

    def on_mcp_call_arguments_done(self, arguments: str, item_id: str) -> Any:
        """An MCP call's arguments are whole."""

    def on_custom_tool_call_input_delta(self, delta: str, item_id: str) -> Any:
        """A custom tool call's input fragment arrived."""

    def on_custom_tool_call_input_done(self, input: str, item_id: str) -> Any:
        """A custom tool call's input is whole."""

    def on_image_generation_partial_image(self, image_b64: str, partial_image_index: int, item_id: str) -> Any:
        """A partial image (base64) of an image generation call."""

    def on_error_event(self, error: ErrorObject) -> Any:
        """The server sent an ``error`` event (the stream then raises `ServerStreamError`)."""

    def on_unknown_event(self, event: UnknownResponseEvent) -> Any:
        """An event of a type runstream does not know."""

    def on_discrepancy(self, discrepancy: ResponseDiscrepancy) -> Any:
        """A delta-built value differs from the authoritative one."""

    def on_tool_call_status(self, status: str, item_id: str, output_index: int) -> Any:
        """A built-in tool call's status changed (``in_progress``, ``searching``,
        ``interpreting``, ``generating``, ``completed``, ``failed``)."""


class AsyncResponseHandler(ResponseHandler):
    """`ResponseHandler` for `AsyncResponseStream`: callbacks may be ``async``."""

    _route_table = _ROUTES
