"""What a test scripts: tool calls, file search results and annotations of a scenario."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnnotationSpec", "SearchResultSpec", "ToolCallSpec"]


@dataclass(frozen=True)
class ToolCallSpec:
    """A function call the assistant makes.

    Attributes:
        name: the function's name.
        arguments: the JSON arguments string, streamed in fragments.
        output: the output the test will submit for the call. It fills ``function.output``
            of the completed step in the scenario's own segments and expected objects; the
            fake server uses whatever is actually submitted.
        id: the call id (generated, ``call_...``, when ``None``).
    """

    name: str
    arguments: str = "{}"
    output: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class SearchResultSpec:
    """One file_search result.

    Attributes:
        file_id: the file's id.
        file_name: the file's name.
        score: the relevance score, 0 to 1.
        content: the matched text; sent only when the run or step request asks for it with
            ``include[]=step_details.tool_calls[*].file_search.results[*].content``.
    """

    file_id: str
    file_name: str = "document.txt"
    score: float = 0.5
    content: str | None = None


@dataclass(frozen=True)
class AnnotationSpec:
    """An annotation of a message's text.

    Attributes:
        text: the annotated text, e.g. ``"【4:0†source】"``; it must occur in the message.
        file_id: the cited or generated file.
        type: ``"file_citation"`` or ``"file_path"``.
        start_index: where ``text`` starts in the message (found by search when ``None``,
            after the previous annotation).
    """

    text: str
    file_id: str
    type: str = "file_citation"
    start_index: int | None = None
