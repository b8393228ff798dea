"""Tool calls the run waits on, and calling the user's Python functions for them."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping
from typing import Any

import msgspec

from .._models.run import Run
from ..errors import ToolCallError

__all__ = [
    "PendingToolCall",
    "call_tool",
    "call_tool_async",
    "clean_text",
    "distinct_calls",
    "error_output",
    "pending_call_ids",
    "pending_tool_calls",
    "prepare_call",
    "tool_output",
    "waits_on_answered_calls",
]

class PendingToolCall(msgspec.Struct, frozen=True, gc=False):
    """A function call the run waits on.

    Attributes:
        id: the tool call id to reference in the submitted output.
        name: the function name.
        arguments: the arguments parsed from JSON, or ``None`` if they are not valid JSON.
        raw_arguments: the arguments string exactly as the server sent it.
        arguments_error: why parsing failed, or ``None``.
    """

    id: str
    name: str
    arguments: Any
    raw_arguments: str
    arguments_error: str | None = None


_arguments_decoder = msgspec.json.Decoder()


def pending_tool_calls(run: Run) -> list[PendingToolCall]:
    """The function calls a ``requires_action`` run waits on, arguments parsed from JSON
    (``arguments`` is ``None`` and ``arguments_error`` says why when they are not JSON); a
    call id listed twice is one call, listed once."""
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
    return distinct_calls(pending)


def distinct_calls(calls: list[PendingToolCall]) -> list[PendingToolCall]:
    """The first call of each id in ``calls``: a call listed twice is one call, its tool run
    and answered once."""
    firsts: dict[str, PendingToolCall] = {}
    for call in calls:
        firsts.setdefault(call.id, call)
    return list(firsts.values())


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


#: For the async tool loop, which calls tools in worker threads (see ``_api``).
prepare_call = _prepare
error_output = _error_output
