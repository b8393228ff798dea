"""`Client`: the Assistants API over httpx, synchronously (threads, messages, run streams,
lists, tool loop, re-sync). Requests are built in ``requests``, shared with `AsyncClient`;
this module only sends them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._core.accumulator import Accumulator
from .._core.events import AssistantStreamEvent
from .._core.resync import resync_events
from .._core.tool_calls import call_tool, pending_tool_calls
from .._models.deleted import MessageDeleted, ThreadDeleted
from .._models.message import Message
from .._models.run import RUN_RESTING_STATUSES, Run
from .._models.run_step import RunStep
from .._models.thread import Thread
from .._streaming.handlers import EventHandler
from .._streaming.log import logger
from .._streaming.recording import RecordingSource, recording_path
from .._streaming.sources import check_stream_response
from .._streaming.sync_stream import RunStream
from ..errors import NoRunToResyncError, ResyncTimeoutError, StreamConnectionError
from . import requests as api
from .client_base import (
    DEFAULT_TIMEOUT,
    ClientConfig,
    Page,
    check_response,
    connection_error,
    decode_model,
    log_response,
)
from .dialects import DialectEndpoints
from .keywords import check_keywords
from .pages import CursorPage

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .requests import (
        RequestOptions,
        RunFields,
        RunOptions,
        ThreadAndRunFields,
        ThreadAndRunOptions,
    )

__all__ = ["Client", "LiveRunStream", "ToolLoop"]

T = TypeVar("T")


class LiveRunStream(RunStream):
    """A `RunStream` over an HTTP response of a `Client`, which knows its run: it can submit
    tool outputs (continuing with the same handler and accumulated state) and re-sync after
    a dropped connection."""

    def __init__(self, client: Client, response: Any, handler: EventHandler | None, accumulator: Accumulator | None,
                 thread_id: str | None, record_to: Path | None, stream_index: int) -> None:
        super().__init__(response, handler, accumulator=accumulator)
        self.client = client
        self._thread_id = thread_id
        self.record_to = record_to
        self.stream_index = stream_index

    @property
    def thread_id(self) -> str | None:
        """The run's thread (for a create-thread-and-run stream: once its events told)."""
        return thread_id_of(self._thread_id, self.accumulator)

    def submit_tool_outputs(self, tool_outputs: Sequence[Mapping[str, str]]) -> LiveRunStream:
        """Read this stream to its end, submit outputs for the run's pending tool calls, and
        return the continuation stream (same handler, same accumulated state)."""
        run = self.final_run()
        request = api.submit_tool_outputs(run.thread_id or self.thread_id or "", run.id, tool_outputs, {}, stream=True)
        return self.client._call_stream(request, self.handler, self.accumulator, run.thread_id or self.thread_id,
                                        self.record_to, self.stream_index + 1)

    def resync(self, *, poll_interval: float = 1.0, timeout: float | None = None) -> Run:
        """Bring the accumulated state up to date by polling (see `Client.resync`)."""
        return self.client.resync(self.accumulator, self.handler, poll_interval=poll_interval, timeout=timeout,
                                  thread_id=self.thread_id)


def thread_id_of(known: str | None, accumulator: Accumulator) -> str | None:
    """A stream's thread: the one it was started on, else the one its events name."""
    if known:
        return known
    run = accumulator.current_run
    if run is not None and run.thread_id:
        return run.thread_id
    return accumulator.thread.id if accumulator.thread is not None else None


class ToolLoop:
    """A run driven to its end: each ``requires_action`` is answered by calling registered
    Python functions and submitting their outputs, with one handler, one accumulated state
    and one usage total across all streams. Iterate it for the events of every stream."""

    def __init__(self, first: LiveRunStream, tools: Mapping[str, Callable[..., Any]], submit_errors: bool,
                 resync: bool, max_rounds: int) -> None:
        self.stream = first
        self.tools = dict(tools)
        self.submit_errors = submit_errors
        self.resync = resync
        self.max_rounds = max_rounds
        #: How many times tool outputs were submitted.
        self.rounds = 0
        #: The tool outputs of a round whose submission failed (else ``None``).
        self.unsubmitted_outputs: list[dict[str, str]] | None = None

    @property
    def accumulator(self) -> Accumulator:
        """The state accumulated over every stream of the run."""
        return self.stream.accumulator

    def __iter__(self) -> Iterator[AssistantStreamEvent]:
        while True:
            try:
                yield from self.stream
            except StreamConnectionError:
                if not self.resync:
                    raise
                logger.debug("tool loop: connection lost, re-syncing")
                self.stream.resync()
            run = self.stream._final_run()
            if run.status != "requires_action" or self.rounds >= self.max_rounds:
                logger.debug("tool loop: run %s ends %r after %d rounds", run.id, run.status, self.rounds)
                return
            calls = pending_tool_calls(run)
            logger.debug("tool loop: round %d, run %s calls %s", self.rounds + 1, run.id,
                         ", ".join(call.name for call in calls))
            outputs = [call_tool(call, self.tools, submit_errors=self.submit_errors) for call in calls]
            # Kept until the submission succeeds: after an APIError, submit them again with
            # ``loop.stream.submit_tool_outputs(loop.unsubmitted_outputs)``.
            self.unsubmitted_outputs = outputs
            self.stream = self.stream.submit_tool_outputs(outputs)
            self.unsubmitted_outputs = None
            self.rounds += 1

    def until_done(self) -> ToolLoop:
        """Drive the run to its end."""
        for _ in self:
            pass
        return self

    def final_run(self) -> Run:
        """Drive the run to its end; return it."""
        self.until_done()
        return self.stream._final_run()

    def final_messages(self) -> list[Message]:
        """Drive the run to its end; return every message."""
        self.until_done()
        return self.accumulator.messages

    def final_run_steps(self) -> list[RunStep]:
        """Drive the run to its end; return every run step."""
        self.until_done()
        return self.accumulator.run_steps


@check_keywords
class Client(DialectEndpoints):
    """The Assistants API (threads, messages, runs) of an OpenAI-compatible service, over
    httpx.

    Every API method also takes ``extra_body=``, ``extra_query=`` and ``extra_headers=``
    for what runstream does not name; an unknown keyword raises `TypeError` naming the
    nearest valid one.

    Examples:
        >>> client = runstream.Client(base_url="http://127.0.0.1:8000/v1", api_key="sk-test")  # doctest: +SKIP
        >>> thread = client.create_thread(messages=[{"role": "user", "content": "Hi!"}])  # doctest: +SKIP
        >>> with client.stream_run(thread.id, assistant_id="asst_1", handler=MyHandler()) as stream:  # doctest: +SKIP
        ...     stream.until_done()

    Args:
        base_url: the API root (see `ClientConfig`).
        api_key: the key; defaults to ``$OPENAI_API_KEY``.
        api_key_header: ``"Authorization"`` (Bearer) or e.g. ``"api-key"`` (Azure).
        default_headers: extra headers for every request (copied, never mutated).
        default_query: extra query parameters, e.g. ``{"api-version": "2025-05-01"}``.
        assistants_beta: send ``OpenAI-Beta: assistants=v2``.
        timeout: httpx timeout for requests made by the client's own httpx client.
        http_client: an existing ``httpx.Client`` to send with (it is not closed by
            `close`).
        credential: a token credential, e.g. azure-identity's ``DefaultAzureCredential``
            (anything with ``get_token(*scopes)``, or a callable returning a token); its
            bearer token replaces the key and is refreshed before it expires.
        credential_scopes: the scopes of its tokens (default
            ``["https://ai.azure.com/.default"]``).
    """

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, api_key_header: str = "Authorization",
                 default_headers: Mapping[str, str] | None = None, default_query: Mapping[str, Any] | None = None,
                 timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT, http_client: httpx.Client | None = None,
                 assistants_beta: bool = True, credential: Any = None,
                 credential_scopes: Sequence[str] | None = None) -> None:
        self.config = ClientConfig(base_url=base_url, api_key=api_key, api_key_header=api_key_header,
                                   default_headers=default_headers, default_query=default_query,
                                   assistants_beta=assistants_beta, credential=credential,
                                   credential_scopes=credential_scopes)
        self._owns_http = http_client is None
        self.http = http_client if http_client is not None else httpx.Client(timeout=timeout)

    def __repr__(self) -> str:
        return f"Client(base_url={self.config.base_url!r})"

    def close(self) -> None:
        """Close the httpx client if this client created it."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ---- plumbing ------------------------------------------------------------------------

    def _token(self) -> str | None:
        provider = self.config.token_provider
        return provider.token() if provider is not None else None

    def _request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> bytes:
        request = self.config.build_request(self.http, method, path, json=json, params=params, headers=headers,
                                            token=self._token())
        try:
            response = self.http.send(request)
        except httpx.TransportError as error:
            raise connection_error(error, request) from error
        log_response(request, response)
        check_response(response)
        return response.content

    def _stream(self, path: str, body: dict[str, Any], params: Mapping[str, Any], handler: EventHandler | None,
                accumulator: Accumulator | None, thread_id: str | None, record_to: Path | None, stream_index: int,
                headers: Mapping[str, str] | None = None) -> LiveRunStream:
        request = self.config.build_request(self.http, "POST", path, json=body, params=params, stream=True,
                                            headers=headers, token=self._token())
        try:
            response = self.http.send(request, stream=True)
        except httpx.TransportError as error:
            raise connection_error(error, request) from error
        log_response(request, response)
        check_stream_response(response)
        source: Any = response
        if record_to is not None:
            source = RecordingSource(response.iter_bytes(), recording_path(record_to, stream_index), response.close)
        return LiveRunStream(self, source, handler, accumulator, thread_id, record_to, stream_index)

    def _page(self, path: str, item_type: type[T], params: dict[str, Any],
              headers: Mapping[str, str] | None = None) -> CursorPage[T]:
        content = self._request("GET", path, params=params, headers=headers)

        def fetch_after(cursor: str) -> CursorPage[T]:
            return self._page(path, item_type, {**params, "after": cursor, "before": None}, headers)

        return CursorPage(decode_model(content, Page), item_type, fetch_after)

    def _call(self, request: api.APIRequest[T]) -> T:
        content = self._request(request.method, request.path, json=request.body, params=request.query,
                                headers=request.headers)
        return decode_model(content, request.model)

    def _call_page(self, request: api.APIRequest[T]) -> CursorPage[T]:
        return self._page(request.path, request.model, request.query, request.headers)

    def _call_stream(self, request: api.APIRequest[Run], handler: EventHandler | None,
                     accumulator: Accumulator | None, thread_id: str | None, record_to: str | Path | None,
                     stream_index: int = 0) -> LiveRunStream:
        return self._stream(request.path, request.body or {}, request.query, handler, accumulator, thread_id,
                            Path(record_to) if record_to is not None else None, stream_index, request.headers)

    # ---- threads -------------------------------------------------------------------------

    def create_thread(self, *, messages: Iterable[Mapping[str, Any]] | None = None,
                      metadata: Mapping[str, str] | None = None, tool_resources: Mapping[str, Any] | None = None,
                      **options: Unpack[RequestOptions]) -> Thread:
        """Create a thread (``POST /threads``), optionally with its first messages
        (``[{"role": "user", "content": "..."}]``)."""
        return self._call(api.create_thread(messages, metadata, tool_resources, options))

    def retrieve_thread(self, thread_id: str, **options: Unpack[RequestOptions]) -> Thread:
        """Retrieve a thread."""
        return self._call(api.retrieve_thread(thread_id, options))

    def modify_thread(self, thread_id: str, *, metadata: Mapping[str, str] | None = None,
                      tool_resources: Mapping[str, Any] | None = None, **options: Unpack[RequestOptions]) -> Thread:
        """Change a thread's metadata or tool resources."""
        return self._call(api.modify_thread(thread_id, metadata, tool_resources, options))

    def delete_thread(self, thread_id: str, **options: Unpack[RequestOptions]) -> ThreadDeleted:
        """Delete a thread."""
        return self._call(api.delete_thread(thread_id, options))

    # ---- messages ------------------------------------------------------------------------

    def create_message(self, thread_id: str, *, content: str | Iterable[Mapping[str, Any]], role: str = "user",
                       attachments: Iterable[Mapping[str, Any]] | None = None,
                       metadata: Mapping[str, str] | None = None, **options: Unpack[RequestOptions]) -> Message:
        """Add a message to a thread (``POST /threads/{thread_id}/messages``); ``content``
        is a string or a list of content parts."""
        return self._call(api.create_message(thread_id, role, content, attachments, metadata, options))

    def list_messages(self, thread_id: str, *, limit: int | None = None, order: str | None = None,
                      after: str | None = None, before: str | None = None, run_id: str | None = None,
                      **options: Unpack[RequestOptions]) -> CursorPage[Message]:
        """List a thread's messages (newest first unless ``order="asc"``; ``run_id``: only
        that run's); iterate the page to walk all pages."""
        return self._call_page(api.list_messages(thread_id, limit, order, after, before, run_id, options))

    def retrieve_message(self, thread_id: str, message_id: str, **options: Unpack[RequestOptions]) -> Message:
        """Retrieve a message (also used by re-sync for the messages of message_creation
        steps)."""
        return self._call(api.retrieve_message(thread_id, message_id, options))

    def modify_message(self, thread_id: str, message_id: str, *, metadata: Mapping[str, str] | None = None,
                       **options: Unpack[RequestOptions]) -> Message:
        """Change a message's metadata."""
        return self._call(api.modify_message(thread_id, message_id, metadata, options))

    def delete_message(self, thread_id: str, message_id: str, **options: Unpack[RequestOptions]) -> MessageDeleted:
        """Delete a message."""
        return self._call(api.delete_message(thread_id, message_id, options))

    # ---- runs ----------------------------------------------------------------------------

    def create_run(self, thread_id: str, *, assistant_id: str | None = None, include: Sequence[str] | None = None,
                   **options: Unpack[RunOptions]) -> Run:
        """Create a run without streaming (``POST /threads/{thread_id}/runs``). The
        request's fields are keywords (``model``, ``instructions``, ``tools``,
        ``metadata``..., and Azure's ``agent_id``); see `RunOptions`."""
        return self._call(api.create_run(thread_id, assistant_id, include, options, stream=False))

    def stream_run(self, thread_id: str, *, assistant_id: str | None = None, include: Sequence[str] | None = None,
                   handler: EventHandler | None = None, accumulator: Accumulator | None = None,
                   record_to: str | Path | None = None, **options: Unpack[RunOptions]) -> LiveRunStream:
        """Create a run and stream its events.

        Args:
            include: e.g. ``["step_details.tool_calls[*].file_search.results[*].content"]``.
            handler: the callbacks.
            accumulator: continue an existing state.
            record_to: also write the raw stream to this ``.sse`` file (continuations to
                ``NAME.continuation-N.sse``).
            **options: the request's other fields (see `RunOptions`).

        Raises:
            APIError: the server answered with an error or not with an event stream.
            APIConnectionError: the request could not be sent.
        """
        request = api.create_run(thread_id, assistant_id, include, options, stream=True)
        return self._call_stream(request, handler, accumulator, thread_id, record_to)

    def create_thread_and_run(self, *, assistant_id: str | None = None, thread: Mapping[str, Any] | None = None,
                              **options: Unpack[ThreadAndRunOptions]) -> Run:
        """Create a thread and a run on it in one request (``POST /threads/runs``), without
        streaming; ``thread`` is ``{"messages": [...], "metadata": ..., "tool_resources": ...}``."""
        return self._call(api.create_thread_and_run(assistant_id, thread, options, stream=False))

    def stream_thread_and_run(self, *, assistant_id: str | None = None, thread: Mapping[str, Any] | None = None,
                              handler: EventHandler | None = None, accumulator: Accumulator | None = None,
                              record_to: str | Path | None = None,
                              **options: Unpack[ThreadAndRunOptions]) -> LiveRunStream:
        """Create a thread and a run on it, and stream the run's events (the stream opens
        with ``thread.created``); the same kind of stream as `stream_run`."""
        request = api.create_thread_and_run(assistant_id, thread, options, stream=True)
        return self._call_stream(request, handler, accumulator, None, record_to)

    def list_runs(self, thread_id: str, *, limit: int | None = None, order: str | None = None,
                  after: str | None = None, before: str | None = None,
                  **options: Unpack[RequestOptions]) -> CursorPage[Run]:
        """List the runs of a thread; iterate the page to walk all pages."""
        return self._call_page(api.list_runs(thread_id, limit, order, after, before, options))

    def retrieve_run(self, thread_id: str, run_id: str, **options: Unpack[RequestOptions]) -> Run:
        """Retrieve a run."""
        return self._call(api.retrieve_run(thread_id, run_id, options))

    def modify_run(self, thread_id: str, run_id: str, *, metadata: Mapping[str, str],
                   **options: Unpack[RequestOptions]) -> Run:
        """Replace a run's metadata."""
        return self._call(api.modify_run(thread_id, run_id, metadata, options))

    def cancel_run(self, thread_id: str, run_id: str, **options: Unpack[RequestOptions]) -> Run:
        """Cancel a run that is in progress."""
        return self._call(api.cancel_run(thread_id, run_id, options))

    def submit_tool_outputs(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]],
                            **options: Unpack[RequestOptions]) -> Run:
        """Submit tool outputs without streaming."""
        return self._call(api.submit_tool_outputs(thread_id, run_id, tool_outputs, options, stream=False))

    def submit_tool_outputs_stream(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]], *,
                                   handler: EventHandler | None = None, accumulator: Accumulator | None = None,
                                   record_to: str | Path | None = None,
                                   **options: Unpack[RequestOptions]) -> LiveRunStream:
        """Submit tool outputs and stream the continuation of the run (pass the previous
        stream's ``accumulator`` and ``handler`` to continue the same state)."""
        request = api.submit_tool_outputs(thread_id, run_id, tool_outputs, options, stream=True)
        return self._call_stream(request, handler, accumulator, thread_id, record_to)

    # ---- run steps -----------------------------------------------------------------------

    def list_run_steps(self, thread_id: str, run_id: str, *, limit: int | None = None, order: str | None = None,
                       after: str | None = None, before: str | None = None, include: Sequence[str] | None = None,
                       **options: Unpack[RequestOptions]) -> CursorPage[RunStep]:
        """List the steps of a run; iterate the page to walk all pages."""
        return self._call_page(api.list_run_steps(thread_id, run_id, limit, order, after, before, include, options))

    def retrieve_run_step(self, thread_id: str, run_id: str, step_id: str, *, include: Sequence[str] | None = None,
                          **options: Unpack[RequestOptions]) -> RunStep:
        """Retrieve a run step."""
        return self._call(api.retrieve_run_step(thread_id, run_id, step_id, include, options))

    # ---- tool loop and re-sync -----------------------------------------------------------

    def run_tools(self, thread_id: str, *, tools: Mapping[str, Callable[..., Any]], assistant_id: str | None = None,
                  handler: EventHandler | None = None, submit_errors: bool = True, resync: bool = False,
                  max_rounds: int = 32, record_to: str | Path | None = None,
                  **options: Unpack[RunFields]) -> ToolLoop:
        """Create a run and drive it to its end, calling ``tools[name](**arguments)`` for each
        function call the run asks for.

        Args:
            tools: the functions, by the name the assistant calls them.
            submit_errors: submit a raising tool's error text as its output (the run goes
                on); if false, the error is raised as `ToolCallError`.
            resync: after a dropped connection, poll the run and continue.
            max_rounds: stop after this many rounds of tool outputs.
            **options: the create-run request's other fields (see `RunFields`).
        """
        first = self.stream_run(thread_id, assistant_id=assistant_id, handler=handler, record_to=record_to, **options)
        return ToolLoop(first, tools, submit_errors, resync, max_rounds)

    def run_tools_on_new_thread(self, *, tools: Mapping[str, Callable[..., Any]], assistant_id: str | None = None,
                                thread: Mapping[str, Any] | None = None, handler: EventHandler | None = None,
                                submit_errors: bool = True, resync: bool = False, max_rounds: int = 32,
                                record_to: str | Path | None = None,
                                **options: Unpack[ThreadAndRunFields]) -> ToolLoop:
        """`run_tools` for a run started with `stream_thread_and_run`: a new thread (from
        ``thread``) and its run, driven to the end."""
        first = self.stream_thread_and_run(assistant_id=assistant_id, thread=thread, handler=handler,
                                           record_to=record_to, **options)
        return ToolLoop(first, tools, submit_errors, resync, max_rounds)

    def resync(self, accumulator: Accumulator, handler: EventHandler | None = None, *, poll_interval: float = 1.0,
               timeout: float | None = None, thread_id: str | None = None) -> Run:
        """After a dropped connection, poll the run and its steps (and their messages) until
        the run rests, merging everything into ``accumulator`` and calling the handler's
        callbacks for what was missed (the done ones at least). Returns the run.

        Raises:
            ResyncTimeoutError: ``timeout`` seconds passed before the run reached a resting
                status (also a `TimeoutError`).
            NoRunToResyncError: no run was seen and no ``thread_id`` was given to look it up
                (also a `ValueError`).
        """
        accumulator.mark_interrupted()
        deadline = None if timeout is None else time.monotonic() + timeout
        run = accumulator.current_run
        while run is None:
            # The connection dropped before the first run event: the thread's newest run
            # (a server may list it only a moment later).
            if thread_id is None:
                raise NoRunToResyncError("nothing to re-sync: no run was seen (pass thread_id to look it up)")
            latest = self.list_runs(thread_id, limit=1, order="desc").data
            if latest:
                run = latest[0]
            elif deadline is not None and time.monotonic() >= deadline:
                raise ResyncTimeoutError(f"no run appeared on thread {thread_id} within {timeout} s")
            else:
                logger.debug("re-sync: no run listed on thread %s yet; polling again", thread_id)
                time.sleep(poll_interval)
        while True:
            run = self.retrieve_run(run.thread_id, run.id)
            steps = list(self.list_run_steps(run.thread_id, run.id, order="asc"))
            messages = {
                step.step_details.message_creation.message_id: self.retrieve_message(
                    run.thread_id, step.step_details.message_creation.message_id)
                for step in steps
                if step.step_details is not None and getattr(step.step_details, "type", None) == "message_creation"
            }
            for event in resync_events(run, steps, messages):
                notifications = accumulator.feed(event)
                if handler is not None:
                    handler.dispatch(event, notifications)
            if run.status in RUN_RESTING_STATUSES:
                logger.debug("re-sync: run %s rests in %r (%d steps, %d messages)", run.id, run.status, len(steps),
                             len(messages))
                return run
            if deadline is not None and time.monotonic() >= deadline:
                raise ResyncTimeoutError(f"run {run.id} still {run.status!r} after {timeout} s of re-sync")
            logger.debug("re-sync: run %s still %r (%d steps); polling again in %s s", run.id, run.status,
                         len(steps), poll_interval)
            time.sleep(poll_interval)
