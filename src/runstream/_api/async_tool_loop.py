"""`AsyncToolLoop`: a run driven to its end by calling Python functions for its tool calls,
and the `AsyncClient` methods that start one (`run_tools`, `run_tools_on_new_thread`).

This is the one source of both tool loops: ``tool_loop.py`` is generated from it by
``scripts/unasync.py``. Where the two differ, it calls a helper of ``tool_runner`` whose
sync twin the generator substitutes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .._core.accumulator import Accumulator
from .._core.events import AssistantStreamEvent
from .._core.tool_calls import pending_call_ids, pending_tool_calls, waits_on_answered_calls
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from .._streaming.log import logger
from ..errors import APIError, StreamConnectionError
from .async_client_core import Handler
from .async_live_stream import AsyncLiveRunStream
from .async_runs import AsyncRunsAPI
from .tool_runner import call_tools_async

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .async_client import AsyncClient
    from .request_fields import RunFields, ThreadAndRunFields

__all__ = ["AsyncToolLoop", "AsyncToolLoopAPI"]


class AsyncToolLoop:
    """A run driven to its end: each ``requires_action`` is answered by calling registered
    Python functions and submitting their outputs, with one handler, one accumulated state
    and one usage total across all streams. Iterate it with ``async for`` for the events of
    every stream. The calls of a round run concurrently: async functions as tasks, sync
    ones in worker threads.

    The run is created when the loop is first iterated (or driven by `until_done` and the
    ``final_*`` methods), not when it is made. Use it with ``async with``, or call
    `aclose`, to close the current stream of a loop left before its end.

    A tool runs at most once per tool call: the ids of answered calls are remembered, and a
    run that still asks for them (a stale read after a submission that landed) is polled
    until it moves on, not answered again. A submission answered with HTTP 400 because it
    had already landed (its earlier attempt went through) is taken as done."""

    def __init__(self, client: AsyncClient, start: Callable[[], Any], tools: Mapping[str, Callable[..., Any]],
                 submit_errors: bool, resync: bool, max_rounds: int, poll_interval: float = 1.0,
                 resync_timeout: float | None = 600.0, tool_timeout: float | None = None) -> None:
        self._client = client
        self._start = start
        #: The current stream (``None`` until the loop starts).
        self.stream: AsyncLiveRunStream | None = None
        self.tools = dict(tools)
        self.submit_errors = submit_errors
        self.resync = resync
        self.max_rounds = max_rounds
        self.poll_interval = poll_interval
        self.resync_timeout = resync_timeout
        self.tool_timeout = tool_timeout
        #: How many times tool outputs were submitted.
        self.rounds = 0
        #: The tool outputs of a round whose submission failed (else ``None``).
        self.unsubmitted_outputs: list[dict[str, str]] | None = None
        #: The ids of the tool calls whose outputs were submitted.
        self.answered: set[str] = set()

    @property
    def accumulator(self) -> Accumulator:
        """The state accumulated over every stream of the run.

        Raises:
            RuntimeError: the loop has not started.
        """
        if self.stream is None:
            raise RuntimeError("the tool loop has not started")
        return self.stream.accumulator

    async def aclose(self) -> None:
        """Close the current stream (a loop left before its end keeps no connection)."""
        if self.stream is not None:
            await self.stream.aclose()

    async def __aenter__(self) -> AsyncToolLoop:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def __aiter__(self) -> AsyncIterator[AssistantStreamEvent]:
        stream: AsyncLiveRunStream = self.stream if self.stream is not None else await self._start()
        self.stream = stream
        while True:
            try:
                async with stream:
                    async for event in stream:
                        yield event
            except StreamConnectionError:
                if not self.resync:
                    raise
                logger.debug("tool loop: connection lost, re-syncing")
                await self._poll(stream)
            run = stream._final_run()
            if waits_on_answered_calls(run, self.answered):
                logger.debug("tool loop: run %s still shows answered calls; polling", run.id)
                run = await self._poll(stream)  # a stale read: wait for the run to move on
            if run.status != "requires_action" or self.rounds >= self.max_rounds:
                logger.debug("tool loop: run %s ends %r after %d rounds", run.id, run.status, self.rounds)
                return
            pending = pending_tool_calls(run)
            logger.debug("tool loop: round %d, run %s calls %s", self.rounds + 1, run.id,
                         ", ".join(call.name for call in pending))
            outputs = await call_tools_async(pending, self.tools, submit_errors=self.submit_errors,
                                             timeout=self.tool_timeout)
            submitted = {output["tool_call_id"] for output in outputs}
            # Kept until the submission succeeds: after an APIError, submit them again with
            # ``loop.stream.submit_tool_outputs(loop.unsubmitted_outputs)``.
            self.unsubmitted_outputs = outputs
            try:
                stream = self.stream = await stream.submit_tool_outputs(outputs)
            except APIError as error:
                if error.status_code != 400 or not await self._landed(stream, run, submitted):
                    raise
                # An earlier attempt of this submission went through: carry on from the
                # run's polled state (the stream of that attempt is lost).
                logger.debug("tool loop: the submission for run %s had landed; re-syncing", run.id)
                self.answered |= submitted
                self.unsubmitted_outputs = None
                self.rounds += 1
                await self._poll(stream)
                continue
            self.answered |= submitted
            self.unsubmitted_outputs = None
            self.rounds += 1

    async def _poll(self, stream: AsyncLiveRunStream) -> Run:
        return await stream.resync(poll_interval=self.poll_interval, timeout=self.resync_timeout,
                                   answered=self.answered)

    async def _landed(self, stream: AsyncLiveRunStream, run: Run, submitted: set[str]) -> bool:
        """Whether the run no longer waits on any of ``submitted`` (read fresh)."""
        current = await self._client.retrieve_run(run.thread_id or stream.thread_id or "", run.id)
        return pending_call_ids(current).isdisjoint(submitted)

    async def until_done(self) -> AsyncToolLoop:
        """Drive the run to its end."""
        async for _ in self:
            pass
        return self

    async def final_run(self) -> Run:
        """Drive the run to its end; return it."""
        await self.until_done()
        return self.stream._final_run()  # type: ignore[union-attr]

    async def final_messages(self) -> list[Message]:
        """Drive the run to its end; return every message."""
        await self.until_done()
        return self.accumulator.messages

    async def final_run_steps(self) -> list[RunStep]:
        """Drive the run to its end; return every run step."""
        await self.until_done()
        return self.accumulator.run_steps


class AsyncToolLoopAPI(AsyncRunsAPI):
    """`AsyncClient`'s tool loop entry points."""

    def run_tools(self, thread_id: str, *, tools: Mapping[str, Callable[..., Any]], assistant_id: str | None = None,
                  handler: Handler | None = None, submit_errors: bool = True, resync: bool = False,
                  max_rounds: int = 32, record_to: str | Path | None = None, poll_interval: float = 1.0,
                  resync_timeout: float | None = 600.0, tool_timeout: float | None = None,
                  **options: Unpack[RunFields]) -> AsyncToolLoop:
        """Create a run and drive it to its end, calling ``tools[name](**arguments)`` for each
        function call the run asks for (async functions as tasks, sync ones in worker
        threads; the calls of one round run concurrently). The run is created when the
        returned loop is first driven.

        Args:
            tools: the functions, by the name the assistant calls them.
            submit_errors: submit a raising tool's error text as its output (the run goes
                on); if false, the error is raised as `ToolCallError`.
            resync: after a dropped connection, poll the run and continue.
            max_rounds: stop after this many rounds of tool outputs.
            poll_interval: seconds between polls of a re-sync.
            resync_timeout: how long one re-sync may poll before `ResyncTimeoutError`
                (``None``: no limit); it bounds also the wait for a run that still shows
                calls already answered.
            tool_timeout: seconds each tool call may take; past them its output is the
                text of a `TimeoutError` (or, with ``submit_errors=False``, `ToolCallError`
                is raised). A sync tool's thread cannot be stopped and finishes on its own.
            **options: the create-run request's other fields (see `RunFields`).
        """

        async def start() -> AsyncLiveRunStream:
            return await self.stream_run(thread_id, assistant_id=assistant_id, handler=handler, record_to=record_to,
                                         **options)

        return AsyncToolLoop(cast("AsyncClient", self), start, tools, submit_errors, resync, max_rounds,
                             poll_interval, resync_timeout, tool_timeout)

    def run_tools_on_new_thread(self, *, tools: Mapping[str, Callable[..., Any]], assistant_id: str | None = None,
                                thread: Mapping[str, Any] | None = None, handler: Handler | None = None,
                                submit_errors: bool = True, resync: bool = False, max_rounds: int = 32,
                                record_to: str | Path | None = None, poll_interval: float = 1.0,
                                resync_timeout: float | None = 600.0, tool_timeout: float | None = None,
                                **options: Unpack[ThreadAndRunFields]) -> AsyncToolLoop:
        """`run_tools` for a run started with `stream_thread_and_run`: a new thread (from
        ``thread``) and its run, driven to the end."""

        async def start() -> AsyncLiveRunStream:
            return await self.stream_thread_and_run(assistant_id=assistant_id, thread=thread, handler=handler,
                                                    record_to=record_to, **options)

        return AsyncToolLoop(cast("AsyncClient", self), start, tools, submit_errors, resync, max_rounds,
                             poll_interval, resync_timeout, tool_timeout)
