"""The vocabulary of a script: run parameters and the actions a `Scenario` records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._specs import AnnotationSpec, SearchResultSpec, ToolCallSpec

__all__ = [
    "DEFAULT_RANKING",
    "EXPIRY_SECONDS",
    "Action",
    "CodeAction",
    "ErrorAction",
    "FileSearchAction",
    "FinishAction",
    "FunctionCallsAction",
    "MessageAction",
    "RunParams",
    "derive_tools",
]

#: How long after creation a run expires, as the service reports it.
EXPIRY_SECONDS = 600
DEFAULT_RANKING = {"ranker": "default_2024_08_21", "score_threshold": 0.0}


@dataclass(frozen=True)
class RunParams:
    """The run-level fields of a scenario."""

    run_id: str
    thread_id: str
    assistant_id: str
    model: str
    instructions: str
    tools: list[dict[str, Any]]
    metadata: dict[str, Any]
    created_at: int


@dataclass(frozen=True)
class FunctionCallsAction:
    """Parallel function calls in one tool_calls step; ends the segment."""

    step_id: str
    calls: Sequence[ToolCallSpec]
    fragment_size: int
    interleave: str


@dataclass(frozen=True)
class CodeAction:
    """A code_interpreter call in its own step."""

    step_id: str
    call_id: str
    input: str
    logs: str | None
    image_file_id: str | None
    fragment_size: int


@dataclass(frozen=True)
class FileSearchAction:
    """A file_search call in its own step (results only in ``step.completed``)."""

    step_id: str
    call_id: str
    results: Sequence[SearchResultSpec]
    ranking_options: dict[str, Any]


@dataclass(frozen=True)
class MessageAction:
    """An assistant message in its own message_creation step."""

    step_id: str
    message_id: str
    text: str
    annotations: Sequence[AnnotationSpec]
    refusal: str | None
    image_file_id: str | None
    incomplete_reason: str | None
    fragment_size: int


@dataclass(frozen=True)
class ErrorAction:
    """An ``error`` event that ends the stream (no ``done``)."""

    code: str | None
    message: str
    type: str
    param: str | None
    run_status: str | None


@dataclass(frozen=True)
class FinishAction:
    """The terminal status of the run."""

    status: str
    code: str | None = None
    message: str | None = None
    reason: str | None = None


#: Any scripted action.
Action = (
    CodeAction | ErrorAction | FileSearchAction | FinishAction | FunctionCallsAction | MessageAction
)


def derive_tools(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """The run's ``tools`` as the script uses them: each function once, then the built-ins.

    Args:
        actions: the scripted actions.
    """
    tools: list[dict[str, Any]] = []
    seen: set[str] = set()
    for action in actions:
        if isinstance(action, FunctionCallsAction):
            for call in action.calls:
                if call.name not in seen:
                    seen.add(call.name)
                    function = {
                        "name": call.name,
                        "description": "",
                        "parameters": {"type": "object", "properties": {}},
                        "strict": False,
                    }
                    tools.append({"type": "function", "function": function})
        elif isinstance(action, CodeAction) and "code_interpreter" not in seen:
            seen.add("code_interpreter")
            tools.append({"type": "code_interpreter"})
        elif isinstance(action, FileSearchAction) and "file_search" not in seen:
            seen.add("file_search")
            options = {"ranking_options": dict(DEFAULT_RANKING)}
            tools.append({"type": "file_search", "file_search": options})
    return tools
