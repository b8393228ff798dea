"""The Response object (what ``response.*`` events carry) and its members: usage with its
token details, error, incomplete details, text configuration, reasoning configuration.

Responses reach code through the exact conversion (`runstream._models.exact`): every member
the server sent is kept (unknown ones through `runstream.extra_fields`), none is invented,
and ``msgspec.to_builtins`` gives the server's object back. Output items and tools are the
typed unions of `items` and `tools`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .._models.base import Model
from .items import FunctionCall, ResponseOutputItem
from .tools import ResponseTool, TextFormat

__all__ = [
    "IncompleteDetails",
    "InputTokensDetails",
    "OutputTokensDetails",
    "ReasoningConfig",
    "Response",
    "ResponseError",
    "ResponseTextConfig",
    "ResponseUsage",
]


class InputTokensDetails(Model):
    """Details of a Response's input tokens."""

    cached_tokens: int = 0


class OutputTokensDetails(Model):
    """Details of a Response's output tokens."""

    reasoning_tokens: int = 0


class ResponseUsage(Model):
    """Token usage of a Response."""

    input_tokens: int = 0
    input_tokens_details: InputTokensDetails = msgspec.field(default_factory=InputTokensDetails)
    output_tokens: int = 0
    output_tokens_details: OutputTokensDetails = msgspec.field(default_factory=OutputTokensDetails)
    total_tokens: int = 0


class ResponseError(Model):
    """Why a Response failed (``code`` is a string: the API adds codes over time)."""

    code: str | None = None
    message: str = ""


class IncompleteDetails(Model):
    """Why a Response is incomplete (``max_output_tokens``, ``content_filter``)."""

    reason: str | None = None


class ResponseTextConfig(Model):
    """The configuration of a Response's text: its format and verbosity."""

    format: TextFormat | None = None
    verbosity: str | None = None


class ReasoningConfig(Model):
    """The reasoning configuration of a Response (reasoning models)."""

    effort: str | None = None
    summary: str | None = None


class Response(Model):
    """A Response, typed (see `ResponseStream.final_response`).

    Attributes:
        output: the output items, typed by their ``type`` (`OutputMessage`,
            `FunctionCall`, `ReasoningItem`, `WebSearchCall` ...; `UnknownObject` for a
            type runstream does not know).
    """

    id: str = ""
    object: str = "response"
    created_at: int | float | None = None
    status: str | None = None
    model: str = ""
    output: list[ResponseOutputItem] = []
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    instructions: Any = None
    previous_response_id: str | None = None
    usage: ResponseUsage | None = None
    metadata: dict[str, Any] | None = None
    tools: list[ResponseTool] = []
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    text: ResponseTextConfig | None = None
    reasoning: ReasoningConfig | None = None
    temperature: int | float | None = None
    top_p: int | float | None = None
    max_output_tokens: int | None = None
    background: bool | None = None
    completed_at: int | float | None = None
    service_tier: str | None = None
    store: bool | None = None
    truncation: str | None = None
    user: str | None = None

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` part of every message item, joined."""
        return "".join(
            part.text
            for item in self.output
            if item.type == "message"
            for part in item.content
            if part.type == "output_text"
        )

    @property
    def function_calls(self) -> list[FunctionCall]:
        """The ``function_call`` output items."""
        return [item for item in self.output if isinstance(item, FunctionCall)]
