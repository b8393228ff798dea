"""Tool calls the run waits on, and calling the user's Python functions for them."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Mapping
from typing import Any

import anyio
import msgspec

from ._exceptions import RunstreamError
from ._notifications import PendingToolCall
from ._run import Run

__all__ = [
    "ToolCallError",
    "call_tool",
    "call_tool_async",
    "call_tools_async",
    "clean_text",
    "pending_call_ids",
    "pending_tool_calls",
    "tool_output",
    "waits_on_answered_calls",
]

_arguments_decoder = msgspec.json.Decoder()


class ToolCallError(RunstreamError):
    """A registered tool raised (when the tool loop is told to raise instead of submitting
    the error text); ``__cause__`` is the tool's exception."""


def pending_tool_calls(run: Run) -> list[PendingToolCall]:
    """The function calls a ``requires_action`` run waits on, arguments parsed from JSON
    (``arguments`` is ``None`` and ``arguments_error`` says why when they are not JSON)."""
    action = run.required_action
    if action is None or not action.submit_tool_outputs:
        return []
    pending = []
    for call in action.submit_tool_outputs.tool_calls:  # type: ignore[union-attr]
        raw = call.function.arguments
        try:
            arguments, error = _arguments_decoder.decode(raw), None
        except msgspec.DecodeError as decode_error:
            arguments, error = None, f"arguments are not valid JSON: {decode_error}"
        pending.append(PendingToolCall(call.id, call.function.name, arguments, raw, error))
    return pending


def pending_call_ids(run: Run) -> set[str]:
    """The ids of the tool calls a ``requires_action`` run waits on (empty otherwise)."""
    if run.status != "requires_action":
        return set()
    action = run.required_action
    if action is None or not action.submit_tool_outputs:
        return set()
    return {call.id for call in action.submit_tool_outputs.tool_calls}  # type: ignore[union-attr]


def waits_on_answered_calls(run: Run, answered: Collection[str]) -> bool:
    """Whether ``run`` asks for outputs that were already submitted: a stale read of a run
    whose submission landed (the service has not caught up yet). Such a run must be polled
    again, never answered again: a tool runs once per call."""
    return not pending_call_ids(run).isdisjoint(answered)


def clean_text(text: str) -> str:
    """``text`` encodable as UTF-8: a surrogate pair written as two code points becomes its
    character, and a lone surrogate becomes U+FFFD (JSON cannot carry it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def tool_output(call: PendingToolCall, result: Any) -> dict[str, str]:
    """The ``{"tool_call_id", "output"}`` item for a tool's result (strings as they are,
    anything else as JSON; lone surrogates, which JSON cannot carry, as U+FFFD)."""
    if not isinstance(result, str):
        try:
            result = msgspec.json.encode(result).decode()
        except UnicodeEncodeError:
            result = _encode_clean(result)
    return {"tool_call_id": call.id, "output": clean_text(result)}


def _encode_clean(result: Any) -> str:
    """JSON of ``result`` with every string made encodable (see `clean_text`)."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, dict):
            return {clean(key): clean(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(item) for item in value]
        return value

    return msgspec.json.encode(clean(msgspec.to_builtins(result))).decode()


def _prepare(call: PendingToolCall, tools: Mapping[str, Callable[..., Any]]) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
    function = tools.get(call.name)
    if function is None:
        raise LookupError(f"no tool named {call.name!r} is registered (known: {', '.join(sorted(tools)) or 'none'})")
    if call.arguments_error is not None:
        raise ValueError(call.arguments_error)
    if isinstance(call.arguments, dict):
        return function, (), call.arguments
    return function, (call.arguments,), {}


def _error_output(call: PendingToolCall, error: BaseException, submit_errors: bool) -> dict[str, str]:
    if not submit_errors:
        raise ToolCallError(f"tool {call.name!r} (call {call.id}) raised {type(error).__name__}: {error}") from error
    return {"tool_call_id": call.id, "output": f"Error: {type(error).__name__}: {error}"}


def call_tool(call: PendingToolCall, tools: Mapping[str, Callable[..., Any]], *, submit_errors: bool = True) -> dict[str, str]:
    """Call the registered function for ``call`` (keyword arguments from its JSON object)
    and return its tool output. A tool that raises gets its error text as output, unless
    ``submit_errors`` is false, which raises `ToolCallError`.

    Raises:
        TypeError: the tool is a coroutine function (use the async client's tool loop).
    """
    if inspect.iscoroutinefunction(tools.get(call.name)):
        raise TypeError(f"tool {call.name!r} is async: run it with AsyncClient.run_tools")
    try:
        function, args, kwargs = _prepare(call, tools)
        return tool_output(call, function(*args, **kwargs))
    except Exception as error:
        return _error_output(call, error, submit_errors)


async def call_tool_async(
    call: PendingToolCall, tools: Mapping[str, Callable[..., Any]], *, submit_errors: bool = True,
    timeout: float | None = None,
) -> dict[str, str]:
    """`call_tool` for the async tool loop: the function may be sync (it then runs in a
    worker thread, so it does not block the event loop) or async.

    Args:
        timeout: seconds the tool may take; past them its output is a `TimeoutError`'s text
            (or `ToolCallError` is raised). A sync tool's thread cannot be stopped: it is
            left to finish on its own.
    """
    try:
        function, args, kwargs = _prepare(call, tools)
        with anyio.fail_after(timeout):
            if inspect.iscoroutinefunction(function):
                result = await function(*args, **kwargs)
            else:
                result = await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs),
                                                        abandon_on_cancel=timeout is not None)
                if inspect.isawaitable(result):
                    result = await result
        return tool_output(call, result)
    except TimeoutError as error:
        if timeout is not None and not str(error):
            error = TimeoutError(f"the tool did not return within {timeout} s")
        return _error_output(call, error, submit_errors)
    except Exception as error:
        return _error_output(call, error, submit_errors)


async def call_tools_async(calls: list[PendingToolCall], tools: Mapping[str, Callable[..., Any]], *,
                           submit_errors: bool = True, timeout: float | None = None) -> list[dict[str, str]]:
    """Call the tools of one round concurrently; return their outputs in call order.

    Raises:
        ToolCallError: a tool raised and ``submit_errors`` is false (the first such error,
            itself, not wrapped in an exception group; the other calls are cancelled).
    """
    outputs: list[dict[str, str]] = [{} for _ in calls]
    failures: list[ToolCallError] = []

    async def call(position: int, scope: anyio.CancelScope) -> None:
        try:
            outputs[position] = await call_tool_async(calls[position], tools, submit_errors=submit_errors,
                                                      timeout=timeout)
        except ToolCallError as error:
            failures.append(error)
            scope.cancel()

    async with anyio.create_task_group() as group:
        for position in range(len(calls)):
            group.start_soon(call, position, group.cancel_scope)
    if failures:
        raise failures[0]
    return outputs
