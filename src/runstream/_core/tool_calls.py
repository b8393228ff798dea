"""Tool calls the run waits on, and calling the user's Python functions for them."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from .._models.run import Run
from ..errors import ToolCallError
from .notifications import PendingToolCall

__all__ = ["call_tool", "call_tool_async", "pending_tool_calls", "tool_output"]

_arguments_decoder = msgspec.json.Decoder()


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
        except RecursionError:
            # A hostile or broken server can nest JSON deeper than the parser's stack: an
            # arguments error like any other, so callbacks run and the tool loop answers it.
            arguments, error = None, "arguments are JSON nested too deeply to parse"
        pending.append(PendingToolCall(call.id, call.function.name, arguments, raw, error))
    return pending


def tool_output(call: PendingToolCall, result: Any) -> dict[str, str]:
    """The ``{"tool_call_id", "output"}`` item for a tool's result (strings as they are,
    anything else as JSON)."""
    if not isinstance(result, str):
        result = msgspec.json.encode(result).decode()
    return {"tool_call_id": call.id, "output": result}


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
    call: PendingToolCall, tools: Mapping[str, Callable[..., Any]], *, submit_errors: bool = True
) -> dict[str, str]:
    """`call_tool` for the async tool loop: the function may be sync or async."""
    try:
        function, args, kwargs = _prepare(call, tools)
        result = function(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return tool_output(call, result)
    except Exception as error:
        return _error_output(call, error, submit_errors)
