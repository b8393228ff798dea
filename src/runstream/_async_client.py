"""`AsyncClient`: the Runs API over httpx, asynchronously (anyio: asyncio and trio)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx

from ._accumulator import Accumulator
from ._async_streams import AsyncRunStream
from ._client_base import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT,
    ClientConfig,
    Page,
    decode_model,
    list_params,
    run_body,
)
from ._events import AssistantStreamEvent
from ._exceptions import APIError, StreamConnectionError
from ._handlers import AsyncEventHandler, EventHandler
from ._message import Message
from ._pages import AsyncCursorPage
from ._recording import AsyncRecordingSource, recording_path
from ._resync import resync_events
from ._run import RUN_RESTING_STATUSES, Run
from ._run_step import RunStep
from ._tools import call_tools_async, pending_call_ids, pending_tool_calls, waits_on_answered_calls
from ._transport import RetryPolicy, asend, choose_retry_policy, credential_headers

__all__ = ["AsyncClient", "AsyncLiveRunStream", "AsyncToolLoop"]

T = TypeVar("T")
Handler = AsyncEventHandler | EventHandler


class AsyncLiveRunStream(AsyncRunStream):
    """An `AsyncRunStream` over an HTTP response of an `AsyncClient`, which knows its run:
    it can submit tool outputs and re-sync after a dropped connection. It stops reading at
    ``done``, and fails with `IdleTimeoutError` after ``idle_timeout`` seconds without an
    event."""

    stops_at_done = True

    def __init__(self, client: AsyncClient, response: Any, handler: Handler | None, accumulator: Accumulator | None,
                 thread_id: str, record_to: Path | None, stream_index: int, idle_timeout: float | None = None,
                 http_response: httpx.Response | None = None) -> None:
        super().__init__(response, handler, accumulator=accumulator, idle_timeout=idle_timeout)
        if http_response is not None:
            self._response = http_response
        self.client = client
        self.thread_id = thread_id
        self.record_to = record_to
        self.stream_index = stream_index

    async def submit_tool_outputs(self, tool_outputs: Sequence[Mapping[str, str]]) -> AsyncLiveRunStream:
        """Read this stream to its end, submit outputs for the run's pending tool calls, and
        return the continuation stream (same handler, same accumulated state)."""
        run = await self.final_run()
        return await self.client._stream(
            f"threads/{self.thread_id}/runs/{run.id}/submit_tool_outputs",
            {"tool_outputs": list(tool_outputs), "stream": True},
            {},
            self.handler,
            self.accumulator,
            self.thread_id,
            self.record_to,
            self.stream_index + 1,
            self.idle_timeout,
        )

    async def resync(self, *, poll_interval: float = 1.0, timeout: float | None = None,
                     answered: Collection[str] = ()) -> Run:
        """Bring the accumulated state up to date by polling (see `AsyncClient.resync`)."""
        return await self.client.resync(self.accumulator, self.handler, poll_interval=poll_interval, timeout=timeout,
                                        thread_id=self.thread_id, answered=answered)


class AsyncToolLoop:
    """A run driven to its end, asynchronously: each ``requires_action`` is answered by
    calling the registered functions (async ones as tasks, sync ones in worker threads, all
    of a round concurrently) and submitting their outputs, with one handler and one
    accumulated state across all streams. A tool runs at most once per tool call (see
    `ToolLoop`)."""

    def __init__(self, client: AsyncClient, start: Callable[[], Any], tools: Mapping[str, Callable[..., Any]],
                 submit_errors: bool, resync: bool, max_rounds: int, poll_interval: float = 1.0,
                 resync_timeout: float | None = 600.0, tool_timeout: float | None = None) -> None:
        self._client = client
        self._start = start
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
        """The state accumulated over every stream of the run."""
        if self.stream is None:
            raise RuntimeError("the tool loop has not started")
        return self.stream.accumulator

    async def __aiter__(self) -> AsyncIterator[AssistantStreamEvent]:
        if self.stream is None:
            self.stream = await self._start()
        while True:
            stream = self.stream
            try:
                async with stream:
                    async for event in stream:
                        yield event
            except StreamConnectionError:
                if not self.resync:
                    raise
                await self._poll(stream)
            run = stream._final_run()
            if waits_on_answered_calls(run, self.answered):
                run = await self._poll(stream)  # a stale read: wait for the run to move on
            if run.status != "requires_action" or self.rounds >= self.max_rounds:
                return
            outputs = await call_tools_async(pending_tool_calls(run), self.tools, submit_errors=self.submit_errors,
                                             timeout=self.tool_timeout)
            submitted = {output["tool_call_id"] for output in outputs}
            self.unsubmitted_outputs = outputs  # kept until the submission succeeds
            try:
                self.stream = await stream.submit_tool_outputs(outputs)
            except APIError as error:
                if error.status_code != 400 or not await self._landed(run, submitted):
                    raise
                # An earlier attempt of this submission went through: carry on from the
                # run's polled state (the stream of that attempt is lost).
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

    async def _landed(self, run: Run, submitted: set[str]) -> bool:
        """Whether the run no longer waits on any of ``submitted`` (read fresh)."""
        current = await self._client.retrieve_run(run.thread_id, run.id)
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


class AsyncClient:
    """The Runs API of an Assistants-compatible service, over httpx, asynchronously.

    The same methods as `Client`, each a coroutine; streams are `AsyncLiveRunStream`s.

    Args:
        base_url: the API root (see `ClientConfig`).
        api_key: the key; defaults to ``$OPENAI_API_KEY``.
        api_key_header: ``"Authorization"`` (Bearer) or e.g. ``"api-key"`` (Azure).
        default_headers: extra headers for every request (copied, never mutated).
        default_query: extra query parameters, e.g. ``{"api-version": "2025-05-01"}``.
        assistants_beta: send ``OpenAI-Beta: assistants=v2``.
        timeout: httpx timeout for requests made by the client's own httpx client.
        http_client: an existing ``httpx.AsyncClient`` (not closed by `aclose`).
        idle_timeout: seconds a stream may go without an event (see `Client`).
        max_retries: how many times a failed request is sent again (see `Client`).
        retry_policy: a `RetryPolicy` for finer control (wins over ``max_retries``).
    """

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, api_key_header: str = "Authorization",
                 default_headers: Mapping[str, str] | None = None, default_query: Mapping[str, Any] | None = None,
                 timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT, http_client: httpx.AsyncClient | None = None,
                 assistants_beta: bool = True, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
                 max_retries: int = 0, retry_policy: RetryPolicy | None = None) -> None:
        self.config = ClientConfig(base_url=base_url, api_key=api_key, api_key_header=api_key_header,
                                   default_headers=default_headers, default_query=default_query,
                                   assistants_beta=assistants_beta)
        self._owns_http = http_client is None
        self.http = http_client if http_client is not None else httpx.AsyncClient(timeout=timeout)
        self.idle_timeout = idle_timeout
        self.retry_policy = choose_retry_policy(max_retries, retry_policy)
        self._credentials = credential_headers(api_key_header)

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.config.display_url!r})"

    async def aclose(self) -> None:
        """Close the httpx client if this client created it."""
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    # ---- plumbing ------------------------------------------------------------------------

    async def _request(self, method: str, path: str, *, json: Any = None,
                       params: Mapping[str, Any] | None = None) -> bytes:
        request = self.config.build_request(self.http, method, path, json=json, params=params)
        response = await asend(self.http, request, stream=False, credentials=self._credentials,
                               policy=self.retry_policy)
        return response.content

    async def _stream(self, path: str, body: dict[str, Any], params: Mapping[str, Any], handler: Handler | None,
                      accumulator: Accumulator | None, thread_id: str, record_to: Path | None,
                      stream_index: int, idle_timeout: float | None = None) -> AsyncLiveRunStream:
        idle = self.idle_timeout if idle_timeout is None else idle_timeout
        request = self.config.build_request(self.http, "POST", path, json=body, params=params, stream=True)
        response = await asend(self.http, request, stream=True, credentials=self._credentials,
                               policy=self.retry_policy)
        source: Any = response
        if record_to is not None:
            source = AsyncRecordingSource(response.aiter_bytes(), recording_path(record_to, stream_index), response.aclose)
        return AsyncLiveRunStream(self, source, handler, accumulator, thread_id, record_to, stream_index, idle,
                                  response)

    async def _page(self, path: str, item_type: type[T], params: dict[str, Any]) -> AsyncCursorPage[T]:
        content = await self._request("GET", path, params=params)

        async def fetch_after(cursor: str) -> AsyncCursorPage[T]:
            return await self._page(path, item_type, {**params, "after": cursor, "before": None})

        return AsyncCursorPage(decode_model(content, Page), item_type, fetch_after)

    # ---- runs ----------------------------------------------------------------------------

    async def create_run(self, thread_id: str, *, assistant_id: str | None = None,
                         include: Sequence[str] | None = None, **params: Any) -> Run:
        """Create a run without streaming (see `Client.create_run`)."""
        body, query = run_body(assistant_id, include, params)
        return decode_model(await self._request("POST", f"threads/{thread_id}/runs", json=body, params=query), Run)

    async def stream_run(self, thread_id: str, *, assistant_id: str | None = None, include: Sequence[str] | None = None,
                         handler: Handler | None = None, accumulator: Accumulator | None = None,
                         record_to: str | Path | None = None, idle_timeout: float | None = None,
                         **params: Any) -> AsyncLiveRunStream:
        """Create a run and stream its events (see `Client.stream_run`)."""
        body, query = run_body(assistant_id, include, params)
        body["stream"] = True
        return await self._stream(f"threads/{thread_id}/runs", body, query, handler, accumulator, thread_id,
                                  Path(record_to) if record_to is not None else None, 0, idle_timeout)

    async def list_runs(self, thread_id: str, *, limit: int | None = None, order: str | None = None,
                        after: str | None = None, before: str | None = None) -> AsyncCursorPage[Run]:
        """List the runs of a thread; ``async for`` the page to walk all pages."""
        return await self._page(f"threads/{thread_id}/runs", Run, list_params(limit, order, after, before))

    async def retrieve_run(self, thread_id: str, run_id: str) -> Run:
        """Retrieve a run."""
        return decode_model(await self._request("GET", f"threads/{thread_id}/runs/{run_id}"), Run)

    async def modify_run(self, thread_id: str, run_id: str, *, metadata: Mapping[str, str]) -> Run:
        """Replace a run's metadata."""
        content = await self._request("POST", f"threads/{thread_id}/runs/{run_id}", json={"metadata": dict(metadata)})
        return decode_model(content, Run)

    async def cancel_run(self, thread_id: str, run_id: str) -> Run:
        """Cancel a run that is in progress."""
        return decode_model(await self._request("POST", f"threads/{thread_id}/runs/{run_id}/cancel"), Run)

    async def submit_tool_outputs(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]]) -> Run:
        """Submit tool outputs without streaming."""
        content = await self._request("POST", f"threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
                                      json={"tool_outputs": list(tool_outputs)})
        return decode_model(content, Run)

    async def submit_tool_outputs_stream(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]],
                                         *, handler: Handler | None = None, accumulator: Accumulator | None = None,
                                         record_to: str | Path | None = None,
                                         idle_timeout: float | None = None) -> AsyncLiveRunStream:
        """Submit tool outputs and stream the continuation of the run."""
        path = f"threads/{thread_id}/runs/{run_id}/submit_tool_outputs"
        return await self._stream(path, {"tool_outputs": list(tool_outputs), "stream": True}, {}, handler,
                                  accumulator, thread_id, Path(record_to) if record_to is not None else None, 0,
                                  idle_timeout)

    # ---- run steps and messages ----------------------------------------------------------

    async def list_run_steps(self, thread_id: str, run_id: str, *, limit: int | None = None,
                             order: str | None = None, after: str | None = None, before: str | None = None,
                             include: Sequence[str] | None = None) -> AsyncCursorPage[RunStep]:
        """List the steps of a run; ``async for`` the page to walk all pages."""
        params = list_params(limit, order, after, before)
        if include:
            params["include[]"] = list(include)
        return await self._page(f"threads/{thread_id}/runs/{run_id}/steps", RunStep, params)

    async def retrieve_run_step(self, thread_id: str, run_id: str, step_id: str, *,
                                include: Sequence[str] | None = None) -> RunStep:
        """Retrieve a run step."""
        params = {"include[]": list(include)} if include else None
        content = await self._request("GET", f"threads/{thread_id}/runs/{run_id}/steps/{step_id}", params=params)
        return decode_model(content, RunStep)

    async def retrieve_message(self, thread_id: str, message_id: str) -> Message:
        """Retrieve a message."""
        return decode_model(await self._request("GET", f"threads/{thread_id}/messages/{message_id}"), Message)

    # ---- tool loop and re-sync -----------------------------------------------------------

    def run_tools(self, thread_id: str, *, tools: Mapping[str, Callable[..., Any]], assistant_id: str | None = None,
                  handler: Handler | None = None, submit_errors: bool = True, resync: bool = False,
                  max_rounds: int = 32, record_to: str | Path | None = None, poll_interval: float = 1.0,
                  resync_timeout: float | None = 600.0, tool_timeout: float | None = None,
                  **params: Any) -> AsyncToolLoop:
        """Create a run and drive it to its end, calling the registered tools (sync ones in
        worker threads, async ones as tasks; the calls of one round run concurrently). See
        `Client.run_tools`.

        Args:
            tool_timeout: seconds each tool call may take; past them its output is the
                text of a `TimeoutError` (or, with ``submit_errors=False``, `ToolCallError`
                is raised). A sync tool's thread cannot be stopped and finishes on its own.
        """

        async def start() -> AsyncLiveRunStream:
            return await self.stream_run(thread_id, assistant_id=assistant_id, handler=handler, record_to=record_to,
                                         **params)

        return AsyncToolLoop(self, start, tools, submit_errors, resync, max_rounds, poll_interval, resync_timeout,
                             tool_timeout)

    async def resync(self, accumulator: Accumulator, handler: Handler | None = None, *, poll_interval: float = 1.0,
                     timeout: float | None = None, thread_id: str | None = None,
                     answered: Collection[str] = ()) -> Run:
        """After a dropped connection, poll until the run rests, merging into ``accumulator``
        and calling the handler's callbacks for what was missed (see `Client.resync`)."""
        accumulator.mark_interrupted()
        deadline = None if timeout is None else anyio.current_time() + timeout
        run = accumulator.current_run
        while run is None:
            # The connection dropped before the first run event: the thread's newest run
            # (a server may list it only a moment later).
            if thread_id is None:
                raise ValueError("nothing to re-sync: no run was seen (pass thread_id to look it up)")
            latest = (await self.list_runs(thread_id, limit=1, order="desc")).data
            if latest:
                run = latest[0]
            elif deadline is not None and anyio.current_time() >= deadline:
                raise TimeoutError(f"no run appeared on thread {thread_id} within {timeout} s")
            else:
                await anyio.sleep(poll_interval)
        while True:
            run = await self.retrieve_run(run.thread_id, run.id)
            if waits_on_answered_calls(run, answered):
                # A stale read: the submission of these calls landed, the read lags behind.
                if deadline is not None and anyio.current_time() >= deadline:
                    raise TimeoutError(f"run {run.id} still shows answered tool calls after {timeout} s of re-sync")
                await anyio.sleep(poll_interval)
                continue
            steps = [step async for step in await self.list_run_steps(run.thread_id, run.id, order="asc")]
            messages = {}
            for step in steps:
                message_id = getattr(getattr(step.step_details, "message_creation", None), "message_id", None)
                if message_id:
                    messages[message_id] = await self.retrieve_message(run.thread_id, message_id)
            for event in resync_events(run, steps, messages):
                notifications = accumulator.feed(event)
                if handler is not None:
                    result = handler.dispatch(event, notifications)
                    if result is not None:
                        await result
            if run.status in RUN_RESTING_STATUSES:
                return run
            if deadline is not None and anyio.current_time() >= deadline:
                raise TimeoutError(f"run {run.id} still {run.status!r} after {timeout} s of re-sync")
            await anyio.sleep(poll_interval)
