"""Where the sync and async clients legitimately differ, as pairs of small functions: the
async variant (its name ends in ``_async``) and the sync one with the same name without the
suffix. `AsyncClient` calls the async variants; ``scripts/unasync.py`` maps each onto its
sync twin when it generates `Client` from `AsyncClient`, so these pairs are the only code
written twice."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from .transport import with_read_timeout

if TYPE_CHECKING:
    from .._core.events import AssistantStreamEvent
    from .._streaming.handlers import AsyncEventHandler, EventHandler

__all__ = [
    "clock",
    "clock_async",
    "dispatch",
    "dispatch_async",
    "limit_silence",
    "limit_silence_async",
    "pause",
    "pause_async",
    "sleep",
    "sleep_async",
]


def clock_async() -> float:
    """Seconds on the event loop's clock (a test's mock clock under trio)."""
    return anyio.current_time()


def clock() -> float:
    """Seconds on a monotonic clock."""
    return time.monotonic()


async def sleep_async(seconds: float) -> None:
    """Wait, letting other tasks run."""
    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Wait, blocking the thread."""
    time.sleep(seconds)


async def pause_async(sleep: Callable[[float], Any] | None, seconds: float) -> None:
    """Wait between two attempts of a request with a retry policy's ``sleep`` (which may
    return an awaitable), else `anyio.sleep`."""
    waited = (sleep or anyio.sleep)(seconds)
    if inspect.isawaitable(waited):
        await waited


def pause(sleep: Callable[[float], Any] | None, seconds: float) -> None:
    """Wait between two attempts of a request with a retry policy's ``sleep``, else
    `time.sleep`."""
    (sleep or time.sleep)(seconds)


async def dispatch_async(handler: AsyncEventHandler | EventHandler, event: AssistantStreamEvent,
                         notifications: Any) -> None:
    """Call the handler's callbacks for ``event``, awaiting them if they are coroutines."""
    result = handler.dispatch(event, notifications)
    if result is not None:
        await result


def dispatch(handler: EventHandler, event: AssistantStreamEvent, notifications: Any) -> None:
    """Call the handler's callbacks for ``event``."""
    handler.dispatch(event, notifications)


def limit_silence_async(response: httpx.Response, seconds: float | None) -> None:
    """Nothing to do: the async stream cancels a read that waits past its idle timeout."""


def limit_silence(response: httpx.Response, seconds: float | None) -> None:
    """Make a connection silent for ``seconds`` fail as idle: a blocked sync read has no clock
    to check, so the read timeout must catch it. Set once the headers are in (httpcore reads
    it when the body is first read), so the wait for the response keeps the client's
    timeout."""
    with_read_timeout(response.request, seconds)
