"""Content of Responses API output items: output text with its annotations and logprobs,
refusals, reasoning text and reasoning summary parts.

Each class is a tagged msgspec Struct (the ``type`` member is the tag, a ``ClassVar`` for
type checkers, so ``part.type == "output_text"`` narrows a union). Objects arrive through the
exact conversion (`runstream._models.exact`): what the server left out is not invented, what
runstream does not declare is kept (`runstream.extra_fields`), and a part, annotation or
logprob of a ``type`` runstream does not know is an `UnknownObject`. Numbers the API may
send as integers or fractions are ``int | float``, so they encode back as they came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal, Union


from .._models.base import Model, UnknownObject

__all__ = [
    "Annotation",
    "ContainerFileCitation",
    "FileCitation",
    "FilePath",
    "Logprob",
    "OutputContent",
    "OutputRefusal",
    "OutputText",
    "ReasoningSummaryPart",
    "ReasoningText",
    "SummaryText",
    "TopLogprob",
    "URLCitation",
]


class FileCitation(Model, tag_field="type", tag="file_citation"):
    """A citation of a file (from ``file_search``)."""

    type: ClassVar[Literal["file_citation"]] = "file_citation"
    file_id: str = ""
    filename: str | None = None
    index: int = 0


class URLCitation(Model, tag_field="type", tag="url_citation"):
    """A citation of a web page (from ``web_search``)."""

    type: ClassVar[Literal["url_citation"]] = "url_citation"
    url: str = ""
    title: str | None = None
    start_index: int = 0
    end_index: int = 0


class ContainerFileCitation(Model, tag_field="type", tag="container_file_citation"):
    """A citation of a file in a code interpreter container."""

    type: ClassVar[Literal["container_file_citation"]] = "container_file_citation"
    container_id: str = ""
    file_id: str = ""
    filename: str | None = None
    start_index: int = 0
    end_index: int = 0


class FilePath(Model, tag_field="type", tag="file_path"):
    """A path to a file the response produced."""

    type: ClassVar[Literal["file_path"]] = "file_path"
    file_id: str = ""
    index: int = 0


if TYPE_CHECKING:
    Annotation = Union[FileCitation, URLCitation, ContainerFileCitation, FilePath, UnknownObject]
else:
    Annotation = Union[FileCitation, URLCitation, ContainerFileCitation, FilePath]


class TopLogprob(Model):
    """One of the most likely tokens at a position."""

    token: str = ""
    bytes: list[int] | None = None
    logprob: int | float = 0


class Logprob(Model):
    """The log probability of an output token, and the most likely alternatives."""

    token: str = ""
    bytes: list[int] | None = None
    logprob: int | float = 0
    top_logprobs: list[TopLogprob] = []


class OutputText(Model, tag_field="type", tag="output_text"):
    """Text of an assistant message, with its annotations (citations)."""

    type: ClassVar[Literal["output_text"]] = "output_text"
    text: str = ""
    annotations: list[Annotation] = []
    logprobs: list[Logprob] | None = None


class OutputRefusal(Model, tag_field="type", tag="refusal"):
    """A refusal in place of an answer."""

    type: ClassVar[Literal["refusal"]] = "refusal"
    refusal: str = ""


class ReasoningText(Model, tag_field="type", tag="reasoning_text"):
    """Reasoning text of a reasoning item."""

    type: ClassVar[Literal["reasoning_text"]] = "reasoning_text"
    text: str = ""


class SummaryText(Model, tag_field="type", tag="summary_text"):
    """A part of a reasoning item's summary."""

    type: ClassVar[Literal["summary_text"]] = "summary_text"
    text: str = ""


if TYPE_CHECKING:
    #: A content part of an output item (``response.content_part.*``).
    OutputContent = Union[OutputText, OutputRefusal, ReasoningText, UnknownObject]
    #: A part of a reasoning summary (``response.reasoning_summary_part.*``).
    ReasoningSummaryPart = Union[SummaryText, UnknownObject]
else:
    OutputContent = Union[OutputText, OutputRefusal, ReasoningText]
    ReasoningSummaryPart = SummaryText
