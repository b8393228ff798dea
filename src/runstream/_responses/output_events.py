"""Responses API events that build a Response's output: the response lifecycle
(``response.created`` ... ``response.completed``), output items, content parts, output text,
annotations, refusals, function call arguments, reasoning text and summaries.

Events that carry an object (``response``, ``item``, ``part``, ``annotation``) hold it typed
and exact (see `runstream._models.exact`); the decoder keeps the server's JSON beside it for
the accumulator, so what is reproduced is what the server sent.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from msgspec import UNSET, UnsetType

from .content import Annotation, OutputContent, ReasoningSummaryPart
from .event_base import ResponseEvent
from .items import ResponseOutputItem
from .models import Response

__all__ = [
    "ResponseCompletedEvent",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseCreatedEvent",
    "ResponseFailedEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseInProgressEvent",
    "ResponseIncompleteEvent",
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
    "ResponseTextDeltaEvent",
    "ResponseTextDoneEvent",
]


class ResponseCreatedEvent(ResponseEvent, tag="response.created", dict=True, gc=True):
    """The response was created (its first snapshot)."""

    type: ClassVar[Literal["response.created"]] = "response.created"

    response: Response


class ResponseQueuedEvent(ResponseEvent, tag="response.queued", dict=True, gc=True):
    """The response is queued (background mode)."""

    type: ClassVar[Literal["response.queued"]] = "response.queued"

    response: Response


class ResponseInProgressEvent(ResponseEvent, tag="response.in_progress", dict=True, gc=True):
    """The response is being generated."""

    type: ClassVar[Literal["response.in_progress"]] = "response.in_progress"

    response: Response


class ResponseCompletedEvent(ResponseEvent, tag="response.completed", dict=True, gc=True):
    """The response completed: the authoritative final object."""

    type: ClassVar[Literal["response.completed"]] = "response.completed"

    response: Response


class ResponseFailedEvent(ResponseEvent, tag="response.failed", dict=True, gc=True):
    """The response failed: the authoritative final object."""

    type: ClassVar[Literal["response.failed"]] = "response.failed"

    response: Response


class ResponseIncompleteEvent(ResponseEvent, tag="response.incomplete", dict=True, gc=True):
    """The response ended incomplete: the authoritative final object."""

    type: ClassVar[Literal["response.incomplete"]] = "response.incomplete"

    response: Response


class ResponseOutputItemAddedEvent(ResponseEvent, tag="response.output_item.added", dict=True, gc=True):
    """An output item appeared."""

    type: ClassVar[Literal["response.output_item.added"]] = "response.output_item.added"

    output_index: int
    item: ResponseOutputItem


class ResponseOutputItemDoneEvent(ResponseEvent, tag="response.output_item.done", dict=True, gc=True):
    """An output item is done: the authoritative item."""

    type: ClassVar[Literal["response.output_item.done"]] = "response.output_item.done"

    output_index: int
    item: ResponseOutputItem


class ResponseContentPartAddedEvent(ResponseEvent, tag="response.content_part.added", dict=True, gc=True):
    """A content part appeared in a message item."""

    type: ClassVar[Literal["response.content_part.added"]] = "response.content_part.added"

    item_id: str
    output_index: int
    content_index: int
    part: OutputContent


class ResponseContentPartDoneEvent(ResponseEvent, tag="response.content_part.done", dict=True, gc=True):
    """A content part is done: the authoritative part."""

    type: ClassVar[Literal["response.content_part.done"]] = "response.content_part.done"

    item_id: str
    output_index: int
    content_index: int
    part: OutputContent


class ResponseTextDeltaEvent(ResponseEvent, tag="response.output_text.delta"):
    """Output text was appended to a content part."""

    type: ClassVar[Literal["response.output_text.delta"]] = "response.output_text.delta"

    item_id: str
    output_index: int
    content_index: int
    delta: str
    logprobs: list[Any] | UnsetType = UNSET
    obfuscation: str | UnsetType = UNSET


class ResponseTextDoneEvent(ResponseEvent, tag="response.output_text.done"):
    """A content part's output text is whole."""

    type: ClassVar[Literal["response.output_text.done"]] = "response.output_text.done"

    item_id: str
    output_index: int
    content_index: int
    text: str
    logprobs: list[Any] | UnsetType = UNSET


class ResponseOutputTextAnnotationAddedEvent(ResponseEvent, tag="response.output_text.annotation.added", dict=True, gc=True):
    """An annotation was added to a content part's text."""

    type: ClassVar[Literal["response.output_text.annotation.added"]] = "response.output_text.annotation.added"

    item_id: str
    output_index: int
    content_index: int
    annotation_index: int
    annotation: Annotation


class ResponseRefusalDeltaEvent(ResponseEvent, tag="response.refusal.delta"):
    """Refusal text was appended to a content part."""

    type: ClassVar[Literal["response.refusal.delta"]] = "response.refusal.delta"

    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseRefusalDoneEvent(ResponseEvent, tag="response.refusal.done"):
    """A content part's refusal is whole."""

    type: ClassVar[Literal["response.refusal.done"]] = "response.refusal.done"

    item_id: str
    output_index: int
    content_index: int
    refusal: str


class ResponseFunctionCallArgumentsDeltaEvent(ResponseEvent, tag="response.function_call_arguments.delta"):
    """An arguments fragment of a function call."""

    type: ClassVar[Literal["response.function_call_arguments.delta"]] = "response.function_call_arguments.delta"

    item_id: str
    output_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseFunctionCallArgumentsDoneEvent(ResponseEvent, tag="response.function_call_arguments.done"):
    """A function call's arguments are whole."""

    type: ClassVar[Literal["response.function_call_arguments.done"]] = "response.function_call_arguments.done"

    item_id: str
    output_index: int
    arguments: str
    name: str | UnsetType = UNSET


class ResponseReasoningSummaryPartAddedEvent(ResponseEvent, tag="response.reasoning_summary_part.added", dict=True, gc=True):
    """A reasoning summary part appeared."""

    type: ClassVar[Literal["response.reasoning_summary_part.added"]] = "response.reasoning_summary_part.added"

    item_id: str
    output_index: int
    summary_index: int
    part: ReasoningSummaryPart


class ResponseReasoningSummaryPartDoneEvent(ResponseEvent, tag="response.reasoning_summary_part.done", dict=True, gc=True):
    """A reasoning summary part is done."""

    type: ClassVar[Literal["response.reasoning_summary_part.done"]] = "response.reasoning_summary_part.done"

    item_id: str
    output_index: int
    summary_index: int
    part: ReasoningSummaryPart
    #: ``"incomplete"`` when the part's generation was interrupted (absent otherwise).
    status: str | None | UnsetType = UNSET


class ResponseReasoningSummaryTextDeltaEvent(ResponseEvent, tag="response.reasoning_summary_text.delta"):
    """Reasoning summary text was appended."""

    type: ClassVar[Literal["response.reasoning_summary_text.delta"]] = "response.reasoning_summary_text.delta"

    item_id: str
    output_index: int
    summary_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseReasoningSummaryTextDoneEvent(ResponseEvent, tag="response.reasoning_summary_text.done"):
    """A reasoning summary part's text is whole."""

    type: ClassVar[Literal["response.reasoning_summary_text.done"]] = "response.reasoning_summary_text.done"

    item_id: str
    output_index: int
    summary_index: int
    text: str


class ResponseReasoningTextDeltaEvent(ResponseEvent, tag="response.reasoning_text.delta"):
    """Reasoning text was appended."""

    type: ClassVar[Literal["response.reasoning_text.delta"]] = "response.reasoning_text.delta"

    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseReasoningTextDoneEvent(ResponseEvent, tag="response.reasoning_text.done"):
    """A reasoning text part is whole."""

    type: ClassVar[Literal["response.reasoning_text.done"]] = "response.reasoning_text.done"

    item_id: str
    output_index: int
    content_index: int
    text: str
