"""`AsyncClient`: the Assistants API over httpx, asynchronously (threads, messages, run
streams, lists, tool loop, re-sync). Requests are built in ``requests``; this module only
sends them.

This is the one source of both clients: ``client.py`` is generated from it by
``scripts/unasync.py``. Where the two differ, it calls a helper of ``_concurrency`` or
``tool_runner`` whose sync twin the generator substitutes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._core.accumulator import Accumulator
from .._core.events import AssistantStreamEvent
from .._core.resync import resync_events
from .._core.tool_calls import pending_call_ids, pending_tool_calls, waits_on_answered_calls
from .._models.deleted import MessageDeleted, ThreadDeleted
from .._models.message import Message
from .._models.run import RUN_RESTING_STATUSES, Run
from .._models.run_step import RunStep
from .._models.thread import Thread
from .._streaming.async_stream import AsyncRunStream
from .._streaming.handlers import AsyncEventHandler, EventHandler
from .._streaming.log import logger
from .._streaming.recording import AsyncRecordingSource, recording_path
from ..errors import APIError, NoRunToResyncError, ResyncTimeoutError, StreamConnectionError
from . import requests as api
from ._concurrency import clock_async, dispatch_async, limit_silence_async, sleep_async
from .client_base import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT,
    ClientConfig,
    Page,
    decode_model,
    log_response,
    thread_id_of,
)
from .async_dialect_endpoints import AsyncDialectEndpoints
from .keywords import check_keywords
from .pages import AsyncCursorPage
from .tool_runner import call_tools_async
from .async_sending import asend
from .transport import RetryPolicy, choose_retry_policy, credential_headers

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .requests import (
        RequestOptions,
        RunFields,
        RunOptions,
        ThreadAndRunFields,
        ThreadAndRunOptions,
    )

__all__ = ["AsyncClient", "AsyncLiveRunStream", "AsyncToolLoop"]

T = TypeVar("T")
#: The callbacks a stream of this client takes.
Handler = AsyncEventHandler | EventHandler


class AsyncLiveRunStream(AsyncRunStream):
    """A stream (`AsyncRunStream`) over an HTTP response of its client (`AsyncClient`),
    which knows its run: it can submit tool outputs (continuing with the same handler and
    accumulated state) and re-sync after a dropped connection. It stops reading at ``done``, and fails with
    `IdleTimeoutError` after ``idle_timeout`` seconds without an event."""

    stops_at_done = True

    def __init__(self, client: AsyncClient, response: Any, handler: Handler | None, accumulator: Accumulator | None,
                 thread_id: str | None, record_to: Path | None, stream_index: int, idle_timeout: float | None = None,
                 http_response: httpx.Response | None = None) -> None:
        super().__init__(response, handler, accumulator=accumulator, idle_timeout=idle_timeout)
        if http_response is not None:
            self._response = http_response
        self.client = client
        self._thread_id = thread_id
        self.record_to = record_to
        self.stream_index = stream_index

    @property
    def thread_id(self) -> str | None:
        """The run's thread (for a create-thread-and-run stream: once its events told)."""
        return thread_id_of(self._thread_id, self.accumulator)

    async def submit_tool_outputs(self, tool_outputs: Sequence[Mapping[str, str]]) -> AsyncLiveRunStream:
        """Read this stream to its end, submit outputs for the run's pending tool calls, and
        return the continuation stream (same handler, same accumulated state)."""
        run = await self.final_run()
        request = api.submit_tool_outputs(run.thread_id or self.thread_id or "", run.id, tool_outputs, {}, stream=True)
        return await self.client._call_stream(request, self.handler, self.accumulator,
                                              run.thread_id or self.thread_id, self.record_to, self.stream_index + 1,
                                              self.idle_timeout)

    async def resync(self, *, poll_interval: float = 1.0, timeout: float | None = None,
                     answered: Collection[str] = ()) -> Run:
        """Bring the accumulated state up to date by polling (see `AsyncClient.resync`)."""
        return await self.client.resync(self.accumulator, self.handler, poll_interval=poll_interval, timeout=timeout,
                                        thread_id=self.thread_id, answered=answered)


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


@check_keywords
class AsyncClient(AsyncDialectEndpoints):
    """The Assistants API (threads, messages, runs) of an OpenAI-compatible service, over
    httpx, asynchronously (anyio: asyncio or trio): each API method is a coroutine, but for
    `run_tools` and `run_tools_on_new_thread`, which return a loop to drive.

    Every API method also takes ``extra_body=``, ``extra_query=`` and ``extra_headers=``
    for what runstream does not name; an unknown keyword raises `TypeError` naming the
    nearest valid one.

    Examples:
        >>> client = runstream.AsyncClient(base_url="http://127.0.0.1:8000/v1", api_key="sk-test")  # doctest: +SKIP
        >>> thread = await client.create_thread(messages=[{"role": "user", "content": "Hi!"}])  # doctest: +SKIP
        >>> async with await client.stream_run(thread.id, assistant_id="asst_1", handler=MyHandler()) as stream:  # doctest: +SKIP
        ...     await stream.until_done()

    Args:
        base_url: the API root (see `ClientConfig`).
        api_key: the key; defaults to ``$OPENAI_API_KEY``.
        api_key_header: ``"Authorization"`` (Bearer) or e.g. ``"api-key"`` (Azure).
        default_headers: extra headers for every request (copied, never mutated).
        default_query: extra query parameters, e.g. ``{"api-version": "2025-05-01"}``.
        assistants_beta: send ``OpenAI-Beta: assistants=v2``.
        timeout: httpx timeout for requests made by the client's own httpx client.
        http_client: an existing ``httpx.AsyncClient`` to send with (it is not closed by
            `aclose`).
        credential: a token credential, e.g. azure-identity's ``DefaultAzureCredential``
            or its ``aio`` variant (anything with ``get_token(*scopes)``, sync or async, or
            a callable returning a token); its bearer token replaces the key and is
            refreshed before it expires.
        credential_scopes: the scopes of its tokens (default
            ``["https://ai.azure.com/.default"]``).
        idle_timeout: seconds a stream may go without an event before it fails with
            `IdleTimeoutError` (keep-alive comments do not count); ``None``: no limit.
            Each streaming call can override it.
        max_retries: how many times a failed request is sent again (connection errors,
            408, 409, 429, 5xx; honouring ``Retry-After``); streams only while being
            created. 0, the default, never retries.
        retry_policy: a `RetryPolicy` for finer control (wins over ``max_retries``).

    If ``http_client`` follows redirects, they are followed without credential headers
    once they leave the base URL's origin.
    """

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, api_key_header: str = "Authorization",
                 default_headers: Mapping[str, str] | None = None, default_query: Mapping[str, Any] | None = None,
                 timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT, http_client: httpx.AsyncClient | None = None,
                 assistants_beta: bool = True, credential: Any = None,
                 credential_scopes: Sequence[str] | None = None, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
                 max_retries: int = 0, retry_policy: RetryPolicy | None = None) -> None:
        self.config = ClientConfig(base_url=base_url, api_key=api_key, api_key_header=api_key_header,
                                   default_headers=default_headers, default_query=default_query,
                                   assistants_beta=assistants_beta, credential=credential,
                                   credential_scopes=credential_scopes)
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

    async def _token(self) -> str | None:
        provider = self.config.token_provider
        return await provider.atoken() if provider is not None else None

    async def _request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> bytes:
        request = self.config.build_request(self.http, method, path, json=json, params=params, headers=headers,
                                            token=await self._token())
        response = await asend(self.http, request, stream=False, credentials=self._credentials,
                               policy=self.retry_policy)
        log_response(request, response)
        return response.content

    async def _stream(self, path: str, body: dict[str, Any], params: Mapping[str, Any], handler: Handler | None,
                accumulator: Accumulator | None, thread_id: str | None, record_to: Path | None, stream_index: int,
                headers: Mapping[str, str] | None = None, idle_timeout: float | None = None) -> AsyncLiveRunStream:
        idle = self.idle_timeout if idle_timeout is None else idle_timeout
        request = self.config.build_request(self.http, "POST", path, json=body, params=params, stream=True,
                                            headers=headers, token=await self._token())
        response = await asend(self.http, request, stream=True, credentials=self._credentials,
                               policy=self.retry_policy)
        limit_silence_async(response, idle)
        log_response(request, response)
        source: Any = response
        if record_to is not None:
            source = AsyncRecordingSource(response.aiter_bytes(), recording_path(record_to, stream_index),
                                          response.aclose)
        return AsyncLiveRunStream(self, source, handler, accumulator, thread_id, record_to, stream_index, idle,
                                  response)

    async def _page(self, path: str, item_type: type[T], params: dict[str, Any],
                    headers: Mapping[str, str] | None = None) -> AsyncCursorPage[T]:
        content = await self._request("GET", path, params=params, headers=headers)

        async def fetch_after(cursor: str) -> AsyncCursorPage[T]:
            return await self._page(path, item_type, {**params, "after": cursor, "before": None}, headers)

        return AsyncCursorPage(decode_model(content, Page), item_type, fetch_after)

    async def _call(self, request: api.APIRequest[T]) -> T:
        content = await self._request(request.method, request.path, json=request.body, params=request.query,
                                      headers=request.headers)
        return decode_model(content, request.model)

    async def _call_page(self, request: api.APIRequest[T]) -> AsyncCursorPage[T]:
        return await self._page(request.path, request.model, request.query, request.headers)

    async def _call_stream(self, request: api.APIRequest[Run], handler: Handler | None,
                           accumulator: Accumulator | None, thread_id: str | None, record_to: str | Path | None,
                           stream_index: int = 0, idle_timeout: float | None = None) -> AsyncLiveRunStream:
        return await self._stream(request.path, request.body or {}, request.query, handler, accumulator, thread_id,
                                  Path(record_to) if record_to is not None else None, stream_index, request.headers,
                                  idle_timeout)

    # ---- threads -------------------------------------------------------------------------

    async def create_thread(self, *, messages: Iterable[Mapping[str, Any]] | None = None,
                      metadata: Mapping[str, str] | None = None, tool_resources: Mapping[str, Any] | None = None,
                      **options: Unpack[RequestOptions]) -> Thread:
        """Create a thread (``POST /threads``), optionally with its first messages
        (``[{"role": "user", "content": "..."}]``)."""
        return await self._call(api.create_thread(messages, metadata, tool_resources, options))

    async def retrieve_thread(self, thread_id: str, **options: Unpack[RequestOptions]) -> Thread:
        """Retrieve a thread."""
        return await self._call(api.retrieve_thread(thread_id, options))

    async def modify_thread(self, thread_id: str, *, metadata: Mapping[str, str] | None = None,
                      tool_resources: Mapping[str, Any] | None = None, **options: Unpack[RequestOptions]) -> Thread:
        """Change a thread's metadata or tool resources."""
        return await self._call(api.modify_thread(thread_id, metadata, tool_resources, options))

    async def delete_thread(self, thread_id: str, **options: Unpack[RequestOptions]) -> ThreadDeleted:
        """Delete a thread."""
        return await self._call(api.delete_thread(thread_id, options))

    # ---- messages ------------------------------------------------------------------------

    async def create_message(self, thread_id: str, *, content: str | Iterable[Mapping[str, Any]], role: str = "user",
                       attachments: Iterable[Mapping[str, Any]] | None = None,
                       metadata: Mapping[str, str] | None = None, **options: Unpack[RequestOptions]) -> Message:
        """Add a message to a thread (``POST /threads/{thread_id}/messages``); ``content``
        is a string or a list of content parts."""
        return await self._call(api.create_message(thread_id, role, content, attachments, metadata, options))

    async def list_messages(self, thread_id: str, *, limit: int | None = None, order: str | None = None,
                      after: str | None = None, before: str | None = None, run_id: str | None = None,
                      **options: Unpack[RequestOptions]) -> AsyncCursorPage[Message]:
        """List a thread's messages (newest first unless ``order="asc"``; ``run_id``: only
        that run's); iterate the page to walk all pages."""
        return await self._call_page(api.list_messages(thread_id, limit, order, after, before, run_id, options))

    async def retrieve_message(self, thread_id: str, message_id: str, **options: Unpack[RequestOptions]) -> Message:
        """Retrieve a message (also used by re-sync for the messages of message_creation
        steps)."""
        return await self._call(api.retrieve_message(thread_id, message_id, options))

    async def modify_message(self, thread_id: str, message_id: str, *, metadata: Mapping[str, str] | None = None,
                       **options: Unpack[RequestOptions]) -> Message:
        """Change a message's metadata."""
        return await self._call(api.modify_message(thread_id, message_id, metadata, options))

    async def delete_message(self, thread_id: str, message_id: str, **options: Unpack[RequestOptions]) -> MessageDeleted:
        """Delete a message."""
        return await self._call(api.delete_message(thread_id, message_id, options))

    # ---- runs ----------------------------------------------------------------------------

    async def create_run(self, thread_id: str, *, assistant_id: str | None = None, include: Sequence[str] | None = None,
                   **options: Unpack[RunOptions]) -> Run:
        """Create a run without streaming (``POST /threads/{thread_id}/runs``). The
        request's fields are keywords (``model``, ``instructions``, ``tools``,
        ``metadata``..., and Azure's ``agent_id``); see `RunOptions`."""
        return await self._call(api.create_run(thread_id, assistant_id, include, options, stream=False))

    async def stream_run(self, thread_id: str, *, assistant_id: str | None = None, include: Sequence[str] | None = None,
                   handler: Handler | None = None, accumulator: Accumulator | None = None,
                   record_to: str | Path | None = None, idle_timeout: float | None = None,
                   **options: Unpack[RunOptions]) -> AsyncLiveRunStream:
        """Create a run and stream its events.

        Args:
            include: e.g. ``["step_details.tool_calls[*].file_search.results[*].content"]``.
            handler: the callbacks.
            accumulator: continue an existing state.
            record_to: also write the raw stream to this ``.sse`` file (continuations to
                ``NAME.continuation-N.sse``).
            idle_timeout: this stream's idle timeout (``None``: the client's; ``math.inf``:
                none).
            **options: the request's other fields (see `RunOptions`).

        Raises:
            APIError: the server answered with an error or not with an event stream.
            APIConnectionError: the request could not be sent.
        """
        request = api.create_run(thread_id, assistant_id, include, options, stream=True)
        return await self._call_stream(request, handler, accumulator, thread_id, record_to, 0, idle_timeout)

    async def create_thread_and_run(self, *, assistant_id: str | None = None, thread: Mapping[str, Any] | None = None,
                              **options: Unpack[ThreadAndRunOptions]) -> Run:
        """Create a thread and a run on it in one request (``POST /threads/runs``), without
        streaming; ``thread`` is ``{"messages": [...], "metadata": ..., "tool_resources": ...}``."""
        return await self._call(api.create_thread_and_run(assistant_id, thread, options, stream=False))

    async def stream_thread_and_run(self, *, assistant_id: str | None = None, thread: Mapping[str, Any] | None = None,
                              handler: Handler | None = None, accumulator: Accumulator | None = None,
                              record_to: str | Path | None = None, idle_timeout: float | None = None,
                              **options: Unpack[ThreadAndRunOptions]) -> AsyncLiveRunStream:
        """Create a thread and a run on it, and stream the run's events (the stream opens
        with ``thread.created``); the same kind of stream as `stream_run`."""
        request = api.create_thread_and_run(assistant_id, thread, options, stream=True)
        return await self._call_stream(request, handler, accumulator, None, record_to, 0, idle_timeout)

    async def list_runs(self, thread_id: str, *, limit: int | None = None, order: str | None = None,
                  after: str | None = None, before: str | None = None,
                  **options: Unpack[RequestOptions]) -> AsyncCursorPage[Run]:
        """List the runs of a thread; iterate the page to walk all pages."""
        return await self._call_page(api.list_runs(thread_id, limit, order, after, before, options))

    async def retrieve_run(self, thread_id: str, run_id: str, **options: Unpack[RequestOptions]) -> Run:
        """Retrieve a run."""
        return await self._call(api.retrieve_run(thread_id, run_id, options))

    async def modify_run(self, thread_id: str, run_id: str, *, metadata: Mapping[str, str],
                   **options: Unpack[RequestOptions]) -> Run:
        """Replace a run's metadata."""
        return await self._call(api.modify_run(thread_id, run_id, metadata, options))

    async def cancel_run(self, thread_id: str, run_id: str, **options: Unpack[RequestOptions]) -> Run:
        """Cancel a run that is in progress."""
        return await self._call(api.cancel_run(thread_id, run_id, options))

    async def submit_tool_outputs(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]],
                            **options: Unpack[RequestOptions]) -> Run:
        """Submit tool outputs without streaming."""
        return await self._call(api.submit_tool_outputs(thread_id, run_id, tool_outputs, options, stream=False))

    async def submit_tool_outputs_stream(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]], *,
                                   handler: Handler | None = None, accumulator: Accumulator | None = None,
                                   record_to: str | Path | None = None, idle_timeout: float | None = None,
                                   **options: Unpack[RequestOptions]) -> AsyncLiveRunStream:
        """Submit tool outputs and stream the continuation of the run (pass the previous
        stream's ``accumulator`` and ``handler`` to continue the same state)."""
        request = api.submit_tool_outputs(thread_id, run_id, tool_outputs, options, stream=True)
        return await self._call_stream(request, handler, accumulator, thread_id, record_to, 0, idle_timeout)

    # ---- run steps -----------------------------------------------------------------------

    async def list_run_steps(self, thread_id: str, run_id: str, *, limit: int | None = None, order: str | None = None,
                       after: str | None = None, before: str | None = None, include: Sequence[str] | None = None,
                       **options: Unpack[RequestOptions]) -> AsyncCursorPage[RunStep]:
        """List the steps of a run; iterate the page to walk all pages."""
        return await self._call_page(api.list_run_steps(thread_id, run_id, limit, order, after, before, include, options))

    async def retrieve_run_step(self, thread_id: str, run_id: str, step_id: str, *, include: Sequence[str] | None = None,
                          **options: Unpack[RequestOptions]) -> RunStep:
        """Retrieve a run step."""
        return await self._call(api.retrieve_run_step(thread_id, run_id, step_id, include, options))

    # ---- tool loop and re-sync -----------------------------------------------------------

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

        return AsyncToolLoop(self, start, tools, submit_errors, resync, max_rounds, poll_interval, resync_timeout,
                             tool_timeout)

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

        return AsyncToolLoop(self, start, tools, submit_errors, resync, max_rounds, poll_interval, resync_timeout,
                             tool_timeout)

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
