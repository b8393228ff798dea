"""Calling the tools of a round: in the async tool loop concurrently, sync functions in
worker threads (so a blocking tool holds up neither the event loop nor the other calls); in
the sync tool loop in turn; in both loops each within an optional timeout.
`call_tools_async` and `call_tools` are the pair the generated sync client maps one onto
the other."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Mapping
from typing import Any

import anyio

from .._core.tool_calls import PendingToolCall
from .._core.tool_calls import call_tool, error_output, prepare_call, tool_output
from ..errors import ToolCallError

__all__ = ["call_tool_threaded", "call_tool_within", "call_tools", "call_tools_async"]


async def call_tool_threaded(call: PendingToolCall, tools: Mapping[str, Callable[..., Any]], *,
                             submit_errors: bool = True, timeout: float | None = None) -> dict[str, str]:
    """Call the registered function for ``call``: an async one as it is, a sync one in a
    worker thread. Its error text is the output if it raises, unless ``submit_errors`` is
    false (then `ToolCallError`).

    Args:
        timeout: seconds the tool may take; past them its output is a `TimeoutError`'s text
            (or `ToolCallError` is raised). A sync tool's thread cannot be stopped: it is
            left to finish on its own, its result dropped.
    """
    try:
        function, args, kwargs = prepare_call(call, tools)
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
        return error_output(call, error, submit_errors)
    except Exception as error:
        return error_output(call, error, submit_errors)


async def call_tools_async(calls: list[PendingToolCall], tools: Mapping[str, Callable[..., Any]], *,
                           submit_errors: bool = True, timeout: float | None = None) -> list[dict[str, str]]:
    """Call the tools of one round concurrently; return their outputs in call order.

    Raises:
        ToolCallError: a tool raised and ``submit_errors`` is false: the first such error,
            itself, not wrapped in an exception group (the other calls are cancelled).
    """
    outputs: list[dict[str, str]] = [{} for _ in calls]
    failures: list[ToolCallError] = []

    async def call(position: int, scope: anyio.CancelScope) -> None:
        try:
            outputs[position] = await call_tool_threaded(calls[position], tools, submit_errors=submit_errors,
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


def call_tool_within(call: PendingToolCall, tools: Mapping[str, Callable[..., Any]], *, submit_errors: bool = True,
                     timeout: float | None = None) -> dict[str, str]:
    """`call_tool` for the sync tool loop, within ``timeout`` seconds: with a timeout, the
    tool runs in a daemon thread that is left to finish on its own if it takes longer (its
    output is then a `TimeoutError`'s text, or `ToolCallError` is raised)."""
    if timeout is None:
        return call_tool(call, tools, submit_errors=submit_errors)
    outcome: list[dict[str, str] | BaseException] = []

    def run() -> None:
        try:
            outcome.append(call_tool(call, tools, submit_errors=submit_errors))
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            outcome.append(error)

    worker = threading.Thread(target=run, name=f"runstream tool {call.name}", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        return error_output(call, TimeoutError(f"the tool did not return within {timeout} s"), submit_errors)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def call_tools(calls: list[PendingToolCall], tools: Mapping[str, Callable[..., Any]], *,
               submit_errors: bool = True, timeout: float | None = None) -> list[dict[str, str]]:
    """Call the tools of one round in turn; return their outputs in call order.

    Raises:
        ToolCallError: a tool raised and ``submit_errors`` is false (the later calls are
            not made).
    """
    return [call_tool_within(call, tools, submit_errors=submit_errors, timeout=timeout) for call in calls]
