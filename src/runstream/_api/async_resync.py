"""`AsyncResyncAPI`: re-sync, which brings an accumulated state up to date by polling a run,
its steps and their messages after a dropped connection (`AsyncClient.resync`).

This is the one source of both clients' re-sync: ``resync.py`` is generated from it by
``scripts/unasync.py``."""

from __future__ import annotations

from collections.abc import Collection

from .._core.accumulator import Accumulator
from .._core.resync import resync_events
from .._core.tool_calls import waits_on_answered_calls
from .._models.run import RUN_RESTING_STATUSES, Run
from .._streaming.log import logger
from ..errors import NoRunToResyncError, ResyncTimeoutError
from ._concurrency import clock_async, dispatch_async, sleep_async
from .async_client_core import Handler
from .async_runs import AsyncRunsAPI
from .async_threads import AsyncThreadsAPI

__all__ = ["AsyncResyncAPI"]


class AsyncResyncAPI(AsyncThreadsAPI, AsyncRunsAPI):
    """`AsyncClient.resync`."""

    async def resync(self, accumulator: Accumulator, handler: Handler | None = None, *, poll_interval: float = 1.0,
                     timeout: float | None = None, thread_id: str | None = None,
                     answered: Collection[str] = ()) -> Run:
        """After a dropped connection, poll the run and its steps (and their messages) until
        the run rests, merging everything into ``accumulator`` and calling the handler's
        callbacks for what was missed (the done ones at least). Returns the run.

        ``answered``: ids of tool calls whose outputs were submitted; a run still asking
        for one of them is a stale read, not at rest, and is polled again.

        Raises:
            ResyncTimeoutError: ``timeout`` seconds passed before the run reached a resting
                status (also a `TimeoutError`).
            NoRunToResyncError: no run was seen and no ``thread_id`` was given to look it up
                (also a `ValueError`).
        """
        accumulator.mark_interrupted()
        if handler is not None:
            # The handler reads the state it gets callbacks about (as a stream sets it).
            handler.accumulator = accumulator
        deadline = None if timeout is None else clock_async() + timeout
        run = accumulator.current_run
        while run is None:
            # The connection dropped before the first run event: the thread's newest run
            # (a server may list it only a moment later).
            if thread_id is None:
                raise NoRunToResyncError("nothing to re-sync: no run was seen (pass thread_id to look it up)")
            latest = (await self.list_runs(thread_id, limit=1, order="desc")).data
            if latest:
                run = latest[0]
            elif deadline is not None and clock_async() >= deadline:
                raise ResyncTimeoutError(f"no run appeared on thread {thread_id} within {timeout} s")
            else:
                logger.debug("re-sync: no run listed on thread %s yet; polling again", thread_id)
                await sleep_async(poll_interval)
        while True:
            run = await self.retrieve_run(run.thread_id, run.id)
            if waits_on_answered_calls(run, answered):
                # A stale read: the submission of these calls landed, the read lags behind.
                if deadline is not None and clock_async() >= deadline:
                    raise ResyncTimeoutError(f"run {run.id} still shows answered tool calls after {timeout} s")
                logger.debug("re-sync: run %s still shows answered tool calls; polling again", run.id)
                await sleep_async(poll_interval)
                continue
            steps = [step async for step in await self.list_run_steps(run.thread_id, run.id, order="asc")]
            # The messages that message_creation steps made (other step types have none).
            messages = {}
            for step in steps:
                message_id = getattr(getattr(step.step_details, "message_creation", None), "message_id", None)
                if message_id:
                    messages[message_id] = await self.retrieve_message(run.thread_id, message_id)
            for event in resync_events(run, steps, messages):
                notifications = accumulator.feed(event)
                if handler is not None:
                    await dispatch_async(handler, event, notifications)
            if run.status in RUN_RESTING_STATUSES:
                logger.debug("re-sync: run %s rests in %r (%d steps, %d messages)", run.id, run.status, len(steps),
                             len(messages))
                return run
            if deadline is not None and clock_async() >= deadline:
                raise ResyncTimeoutError(f"run {run.id} still {run.status!r} after {timeout} s of re-sync")
            logger.debug("re-sync: run %s still %r (%d steps); polling again in %s s", run.id, run.status,
                         len(steps), poll_interval)
            await sleep_async(poll_interval)
