"""What a scripted run streams and ends with: its segments, their bytes, the final objects.

`Scenario` scripts a run; this mixin reads it back, rendering the script (once per set of
tool outputs, see `testing/_render.py`) into the segments the fake server sends and the run,
steps and messages the run ends with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._models.exact import convert_exact
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from ._actions import Action, FunctionCallsAction, RunParams, derive_tools
from ._render import render
from ._wire import WireEvent

__all__ = ["ScenarioOutput"]


class ScenarioOutput:
    """The reading half of `Scenario`: the streams and objects its script renders to."""

    # Set by `Scenario.__init__` and its scripting methods.
    run_id: str
    thread_id: str
    assistant_id: str
    model: str
    instructions: str
    tools: list[dict[str, Any]] | None
    metadata: dict[str, Any]
    created_at: int
    _actions: list[Action]
    _cache: dict[tuple[Any, ...], list[list[WireEvent]]]

    @property
    def segment_count(self) -> int:
        """How many segments (HTTP responses) the run streams."""
        return 1 + sum(isinstance(a, FunctionCallsAction) for a in self._actions)

    def wire_segment(
        self,
        index: int,
        *,
        tool_outputs: Mapping[str, str] | None = None,
        include_content: bool = False,
    ) -> list[WireEvent]:
        """The events of segment ``index`` with the objects they carry (the fake server's
        view, including never-sent state changes named ``""``).

        Args:
            index: the segment.
            tool_outputs: outputs by call id, overriding the scripted ``ToolCallSpec.output``.
            include_content: whether file_search results carry their content.
        """
        return self._render(tool_outputs, include_content)[index]

    def segments(
        self, *, tool_outputs: Mapping[str, str] | None = None, include_content: bool = False
    ) -> list[list[tuple[str, bytes]]]:
        """The events of every segment as ``(event name, data)`` pairs.

        Args:
            tool_outputs: outputs by call id, overriding the scripted ``ToolCallSpec.output``.
            include_content: whether file_search results carry their content.
        """
        return [
            [(e.name, e.data) for e in segment if e.name]
            for segment in self._render(tool_outputs, include_content)
        ]

    def encode_segment(
        self,
        index: int,
        *,
        tool_outputs: Mapping[str, str] | None = None,
        include_content: bool = False,
    ) -> bytes:
        """The SSE bytes of segment ``index``: exactly the body the fake server sends.

        Args:
            index: the segment.
            tool_outputs: outputs by call id, overriding the scripted ``ToolCallSpec.output``.
            include_content: whether file_search results carry their content.
        """
        return b"".join(
            e.raw
            for e in self.wire_segment(
                index, tool_outputs=tool_outputs, include_content=include_content
            )
        )

    def tool_call_ids(self, segment: int = 0) -> list[str]:
        """The ids of the calls the run waits on at the end of ``segment`` (empty if none)."""
        return [c["id"] for c in self._pending(segment)]

    def tool_outputs(self, segment: int = 0) -> list[dict[str, str]]:
        """The ``tool_outputs`` body of the submission that continues after ``segment``,
        with the scripted outputs."""
        outputs = {
            c.id: c.output or ""
            for a in self._actions
            if isinstance(a, FunctionCallsAction)
            for c in a.calls
        }
        return [
            {"tool_call_id": c["id"], "output": outputs.get(c["id"], "")}
            for c in self._pending(segment)
        ]

    def expected_run(self, *, tool_outputs: Mapping[str, str] | None = None) -> Run:
        """The run as it ends (after the last segment).

        Args:
            tool_outputs: outputs by call id, overriding the scripted ones.
        """
        runs = self._final_objects("thread.run", tool_outputs, include_content=False)
        return convert_exact(runs[-1], Run)  # type: ignore[no-any-return]

    def expected_steps(
        self, *, tool_outputs: Mapping[str, str] | None = None, include_content: bool = False
    ) -> list[RunStep]:
        """The run's steps as they end, in creation order.

        Args:
            tool_outputs: outputs by call id, overriding the scripted ones.
            include_content: whether file_search results carry their content.
        """
        steps = self._final_objects("thread.run.step", tool_outputs, include_content)
        return [convert_exact(s, RunStep) for s in steps]

    def expected_messages(self) -> list[Message]:
        """The run's messages as they end, in creation order."""
        messages = self._final_objects("thread.message", None, include_content=False)
        return [convert_exact(m, Message) for m in messages]

    # ---- internals -----------------------------------------------------------------------

    def _render(
        self, tool_outputs: Mapping[str, str] | None, include_content: bool
    ) -> list[list[WireEvent]]:
        key = (tuple(sorted((tool_outputs or {}).items())), include_content)
        segments = self._cache.get(key)
        if segments is None:
            segments = render(self._params(), self._actions, tool_outputs or {}, include_content)
            self._cache[key] = segments
        return segments

    def _params(self) -> RunParams:
        return RunParams(
            run_id=self.run_id,
            thread_id=self.thread_id,
            assistant_id=self.assistant_id,
            model=self.model,
            instructions=self.instructions,
            tools=self.tools if self.tools is not None else derive_tools(self._actions),
            metadata=self.metadata,
            created_at=self.created_at,
        )

    def _pending(self, segment: int) -> list[dict[str, Any]]:
        for event in reversed(self.wire_segment(segment)):
            if event.obj is not None and event.obj["object"] == "thread.run":
                action = event.obj.get("required_action") or {}
                return list(action.get("submit_tool_outputs", {}).get("tool_calls", []))
        return []

    def _final_objects(
        self, kind: str, tool_outputs: Mapping[str, str] | None, include_content: bool
    ) -> list[dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        for segment in self._render(tool_outputs, include_content):
            for event in segment:
                if event.obj is not None and event.obj["object"] == kind:
                    latest[event.obj["id"]] = event.obj
        return list(latest.values())
