"""Scenarios: script a run, step by step, to get the streams the real service would send.

The scripting lives here; reading the rendered streams and final objects back is
`testing/_scenario_output.py`.
"""

from __future__ import annotations

import copy
import random
import string
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._actions import (
    DEFAULT_RANKING,
    Action,
    CodeAction,
    ErrorAction,
    FileSearchAction,
    FinishAction,
    FunctionCallsAction,
    MessageAction,
)
from ._scenario_output import ScenarioOutput
from ._specs import AnnotationSpec, SearchResultSpec, ToolCallSpec
from ._wire import WireEvent

__all__ = ["Scenario"]

_ID_ALPHABET = string.ascii_letters + string.digits
_INTERLEAVE_MODES = ("none", "round_robin", "combined")


class Scenario(ScenarioOutput):
    """A scripted run, rendered into streams shaped like the real service's.

    Script the run with the chainable methods; each adds a run step (or ends the run).
    Function calls end a *segment*: segment 0 answers the create-run request and ends with
    ``thread.run.requires_action`` and ``done``; segment 1 answers the submission of the
    tool outputs, opening with the completion of the tool step; and so on. Without an
    explicit ending the run completes.

    Examples:
        >>> scenario = (
        ...     Scenario(thread_id="thread_1")
        ...     .tool_calls([ToolCallSpec("get_weather", '{"city":"Paris"}', output="22C")])
        ...     .message("It is 22C in Paris.")
        ... )
        >>> scenario.segment_count
        2
        >>> scenario.segments()[0][-2][0]
        'thread.run.requires_action'

    A scenario created without ``thread_id`` also answers runs on threads created through
    the fake server's API (``POST /threads`` or ``POST /threads/runs``): such scenarios
    answer those runs in the order they were queued, each taking the id of the thread its
    run is on.

    Args:
        thread_id: the thread (generated, ``thread_...``, when ``None``).
        assistant_id: the assistant (generated, ``asst_...``, when ``None``).
        model: the run's model.
        instructions: the run's instructions.
        tools: the run's tools; derived from the script when ``None``.
        metadata: the run's metadata.
        created_at: the run's creation time (now when ``None``); later timestamps follow it.
        run_id: the run id (generated, ``run_...``, when ``None``).
        fragment_size: characters per streamed fragment of arguments, code and text,
            unless a method says otherwise.
        chunk_size: bytes per write when the fake server streams this run (``None``: the
            server's setting).
        seed: seed of the generated ids, for reproducible ids.
    """

    def __init__(
        self,
        *,
        thread_id: str | None = None,
        assistant_id: str | None = None,
        model: str = "gpt-4o",
        instructions: str = "You are a helpful assistant.",
        tools: Sequence[Mapping[str, Any]] | None = None,
        metadata: Mapping[str, Any] | None = None,
        created_at: int | None = None,
        run_id: str | None = None,
        fragment_size: int = 4,
        chunk_size: int | None = None,
        seed: int | None = None,
    ) -> None:
        if fragment_size < 1:
            raise ValueError("fragment_size must be at least 1")
        self._random = random.Random(seed)
        self.thread_id: str = thread_id or self._new_id("thread_")
        #: Whether the thread was given: if not, the scenario may answer a run on a thread
        #: created through the fake server's API.
        self.thread_bound = thread_id is not None
        self.assistant_id: str = assistant_id or self._new_id("asst_")
        self.run_id: str = run_id or self._new_id("run_")
        self.model = model
        self.instructions = instructions
        self.tools = [dict(t) for t in tools] if tools is not None else None
        self.metadata = dict(metadata or {})
        self.created_at: int = int(time.time()) if created_at is None else created_at
        self.fragment_size = fragment_size
        self.chunk_size = chunk_size
        self._actions: list[Action] = []
        self._cache: dict[tuple[Any, ...], list[list[WireEvent]]] = {}

    def _new_id(self, prefix: str) -> str:
        return prefix + "".join(self._random.choices(_ID_ALPHABET, k=24))

    def _add(self, action: Action) -> Scenario:
        if self._actions and isinstance(self._actions[-1], (ErrorAction, FinishAction)):
            raise ValueError("the run has already ended; nothing can follow its ending")
        self._actions.append(action)
        self._cache.clear()
        return self

    # ---- scripting -----------------------------------------------------------------------

    def tool_calls(
        self,
        calls: Iterable[ToolCallSpec],
        *,
        fragment_size: int | None = None,
        interleave: str = "none",
    ) -> Scenario:
        """Add a step of parallel function calls; the run then requires action, ending the
        segment, and the next segment completes the step with the submitted outputs.

        Args:
            calls: the calls, in index order.
            fragment_size: characters per argument fragment.
            interleave: ``"none"`` streams the calls one after the other; ``"round_robin"``
                sends every call's first fragment, then one argument piece per event from
                each call in turn; ``"combined"`` sends every call's first fragment, then
                events that each carry the next piece of every call.

        Returns:
            The scenario, for chaining.
        """
        if interleave not in _INTERLEAVE_MODES:
            raise ValueError(f"interleave must be one of {_INTERLEAVE_MODES}, not {interleave!r}")
        specs = [
            c if c.id else ToolCallSpec(c.name, c.arguments, c.output, self._new_id("call_"))
            for c in calls
        ]
        if not specs:
            raise ValueError("a tool_calls step needs at least one call")
        return self._add(
            FunctionCallsAction(
                self._new_id("step_"), specs, fragment_size or self.fragment_size, interleave
            )
        )

    def code_interpreter(
        self,
        input: str,
        *,
        logs: str | None = None,
        image_file_id: str | None = None,
        fragment_size: int | None = None,
    ) -> Scenario:
        """Add a code_interpreter step: the input streams in fragments, then the outputs
        arrive as deltas at their output index (logs first, then the image).

        Args:
            input: the code.
            logs: the logs output, if any.
            image_file_id: the file id of an image output, if any.
            fragment_size: characters per input fragment.

        Returns:
            The scenario, for chaining.
        """
        return self._add(
            CodeAction(
                self._new_id("step_"),
                self._new_id("call_"),
                input,
                logs,
                image_file_id,
                fragment_size or self.fragment_size,
            )
        )

    def file_search(
        self,
        results: Iterable[SearchResultSpec | Mapping[str, Any]] = (),
        *,
        ranking_options: Mapping[str, Any] | None = None,
    ) -> Scenario:
        """Add a file_search step; the results appear only in ``thread.run.step.completed``.

        Args:
            results: the results, as specs or dicts of `SearchResultSpec` fields.
            ranking_options: the call's ranking options.

        Returns:
            The scenario, for chaining.
        """
        specs = [r if isinstance(r, SearchResultSpec) else SearchResultSpec(**r) for r in results]
        options = dict(ranking_options or DEFAULT_RANKING)
        return self._add(
            FileSearchAction(self._new_id("step_"), self._new_id("call_"), specs, options)
        )

    def message(
        self,
        text: str = "",
        *,
        annotations: Iterable[AnnotationSpec | Mapping[str, Any]] = (),
        fragment_size: int | None = None,
        refusal: str | None = None,
        image_file_id: str | None = None,
        incomplete_reason: str | None = None,
    ) -> Scenario:
        """Add an assistant message in a message_creation step.

        Content parts come in this order: the image (if any), the text (if any), the
        refusal (if any). The first text fragment carries ``annotations: []``; each
        annotated span is one fragment that carries its complete annotation.

        Args:
            text: the text.
            annotations: annotations of the text, as specs or dicts of `AnnotationSpec` fields.
            fragment_size: characters per text fragment.
            refusal: a refusal part's text.
            image_file_id: the file id of an image_file part.
            incomplete_reason: end the message with ``thread.message.incomplete`` for this
                reason (e.g. ``"max_tokens"``) instead of completing it.

        Returns:
            The scenario, for chaining.
        """
        specs = [a if isinstance(a, AnnotationSpec) else AnnotationSpec(**a) for a in annotations]
        return self._add(
            MessageAction(
                self._new_id("step_"),
                self._new_id("msg_"),
                text,
                specs,
                refusal,
                image_file_id,
                incomplete_reason,
                fragment_size or self.fragment_size,
            )
        )

    def error(
        self,
        code: str | None = "server_error",
        message: str = "Sorry, something went wrong.",
        *,
        type: str = "server_error",
        param: str | None = None,
        run_status: str | None = "failed",
    ) -> Scenario:
        """End the stream with an ``error`` event (and no ``done``), as on a server error.

        Args:
            code: the error code.
            message: the error message.
            type: the error type.
            param: the error's param.
            run_status: the status the run has behind the broken stream, seen only by
                retrieving it (``"failed"`` with this code and message as ``last_error``);
                ``None`` leaves it as last streamed.

        Returns:
            The scenario, for chaining.
        """
        return self._add(ErrorAction(code, message, type, param, run_status))

    def fail(
        self, code: str = "server_error", message: str = "Sorry, something went wrong."
    ) -> Scenario:
        """End the run with ``thread.run.failed`` carrying ``last_error``.

        Returns:
            The scenario, for chaining.
        """
        return self._add(FinishAction("failed", code=code, message=message))

    def incomplete(self, reason: str = "max_completion_tokens") -> Scenario:
        """End the run with ``thread.run.incomplete`` for ``reason``.

        Returns:
            The scenario, for chaining.
        """
        return self._add(FinishAction("incomplete", reason=reason))

    def expire(self) -> Scenario:
        """End the run with ``thread.run.expired``.

        Returns:
            The scenario, for chaining.
        """
        return self._add(FinishAction("expired"))

    def cancel(self) -> Scenario:
        """End the run with ``thread.run.cancelling`` and ``thread.run.cancelled``.

        Returns:
            The scenario, for chaining.
        """
        return self._add(FinishAction("cancelled"))

    def complete(self) -> Scenario:
        """End the run with ``thread.run.completed`` (also the default ending).

        Returns:
            The scenario, for chaining.
        """
        return self._add(FinishAction("completed"))

    def bound_to(self, thread_id: str) -> Scenario:
        """A copy of this scenario on thread ``thread_id`` (this one is left as it is).

        Args:
            thread_id: the thread the copy's run is on.
        """
        bound = copy.copy(self)
        bound.thread_id = thread_id
        bound.thread_bound = True
        bound._actions = list(self._actions)
        bound._cache = {}
        return bound
