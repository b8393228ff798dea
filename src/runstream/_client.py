"""`Client`: the Runs API over httpx, synchronously (streams, lists, tool loop, re-sync)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from ._accumulator import Accumulator
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
from ._handlers import EventHandler
from ._message import Message
from ._pages import CursorPage
from ._recording import RecordingSource, recording_path
from ._resync import resync_events
from ._run import RUN_RESTING_STATUSES, Run
from ._run_step import RunStep
from ._streams import RunStream
from ._tools import call_tool, pending_call_ids, pending_tool_calls, waits_on_answered_calls
from ._transport import RetryPolicy, choose_retry_policy, credential_headers, send, with_read_timeout

__all__ = ["Client", "LiveRunStream", "ToolLoop"]

T = TypeVar("T")

class LiveRunStream(RunStream):
    """A `RunStream` over an HTTP response of a `Client`, which knows its run: it can submit
    tool outputs (continuing with the same handler and accumulated state) and re-sync after
    a dropped connection. It stops reading at ``done``, and fails with `IdleTimeoutError`
    after ``idle_timeout`` seconds without an event."""

    stops_at_done = True

    def __init__(self, client: Client, response: Any, handler: EventHandler | None, accumulator: Accumulator | None,
                 thread_id: str, record_to: Path | None, stream_index: int, idle_timeout: float | None = None,
                 http_response: httpx.Response | None = None) -> None:
        super().__init__(response, handler, accumulator=accumulator, idle_timeout=idle_timeout)
        if http_response is not None:
            self._response = http_response
        self.client = client
        self.thread_id = thread_id
        self.record_to = record_to
        self.stream_index = stream_index

    def submit_tool_outputs(self, tool_outputs: Sequence[Mapping[str, str]]) -> LiveRunStream:
        """Read this stream to its end, submit outputs for the run's pending tool calls, and
        return the continuation stream (same handler, same accumulated state)."""
        run = self.final_run()
        return self.client._stream(
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

    def resync(self, *, poll_interval: float = 1.0, timeout: float | None = None,
               answered: Collection[str] = ()) -> Run:
        """Bring the accumulated state up to date by polling (see `Client.resync`)."""
        return self.client.resync(self.accumulator, self.handler, poll_interval=poll_interval, timeout=timeout,
                                  thread_id=self.thread_id, answered=answered)


class ToolLoop:
    """A run driven to its end: each ``requires_action`` is answered by calling registered
    Python functions and submitting their outputs, with one handler, one accumulated state
    and one usage total across all streams. Iterate it for the events of every stream.

    A tool runs at most once per tool call: the ids of answered calls are remembered, and a
    run that still asks for them (a stale read after a submission that landed) is polled
    until it moves on, not answered again. A submission answered with HTTP 400 because it
    had already landed (its earlier attempt went through) is taken as done."""

    def __init__(self, first: LiveRunStream, tools: Mapping[str, Callable[..., Any]], submit_errors: bool,
                 resync: bool, max_rounds: int, poll_interval: float = 1.0,
                 resync_timeout: float | None = 600.0) -> None:
        self.stream = first
        self.tools = dict(tools)
        self.submit_errors = submit_errors
        self.resync = resync
        self.max_rounds = max_rounds
        self.poll_interval = poll_interval
        self.resync_timeout = resync_timeout
        #: How many times tool outputs were submitted.
        self.rounds = 0
        #: The tool outputs of a round whose submission failed (else ``None``).
        self.unsubmitted_outputs: list[dict[str, str]] | None = None
        #: The ids of the tool calls whose outputs were submitted.
        self.answered: set[str] = set()

    @property
    def accumulator(self) -> Accumulator:
        """The state accumulated over every stream of the run."""
        return self.stream.accumulator

    def _poll(self) -> Run:
        return self.stream.resync(poll_interval=self.poll_interval, timeout=self.resync_timeout,
                                  answered=self.answered)

    def __iter__(self) -> Iterator[AssistantStreamEvent]:
        while True:
            try:
                yield from self.stream
            except StreamConnectionError:
                if not self.resync:
                    raise
                self._poll()
            run = self.stream._final_run()
            if waits_on_answered_calls(run, self.answered):
                run = self._poll()  # a stale read: wait for the run to move on
            if run.status != "requires_action" or self.rounds >= self.max_rounds:
                return
            outputs = [call_tool(call, self.tools, submit_errors=self.submit_errors) for call in pending_tool_calls(run)]
            submitted = {output["tool_call_id"] for output in outputs}
            # Kept until the submission succeeds: after an APIError, submit them again with
            # ``loop.stream.submit_tool_outputs(loop.unsubmitted_outputs)``.
            self.unsubmitted_outputs = outputs
            try:
                self.stream = self.stream.submit_tool_outputs(outputs)
            except APIError as error:
                if error.status_code != 400 or not self._landed(run, submitted):
                    raise
                # An earlier attempt of this submission went through: carry on from the
                # run's polled state (the stream of that attempt is lost).
                self.answered |= submitted
                self.unsubmitted_outputs = None
                self.rounds += 1
                self._poll()
                continue
            self.answered |= submitted
            self.unsubmitted_outputs = None
            self.rounds += 1

    def _landed(self, run: Run, submitted: set[str]) -> bool:
        """Whether the run no longer waits on any of ``submitted`` (read fresh)."""
        current = self.stream.client.retrieve_run(run.thread_id, run.id)
        return pending_call_ids(current).isdisjoint(submitted)

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


class Client:
    """The Runs API of an Assistants-compatible service, over httpx.

    Examples:
        >>> client = runstream.Client(base_url="http://127.0.0.1:8000/v1", api_key="sk-test")  # doctest: +SKIP
        >>> with client.stream_run("thread_1", assistant_id="asst_1", handler=MyHandler()) as stream:  # doctest: +SKIP
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
            `close`). If it follows redirects, they are followed without credential
            headers once they leave the base URL's origin.
        idle_timeout: seconds a stream may go without an event before it fails with
            `IdleTimeoutError` (keep-alive comments do not count); ``None``: no limit.
            Each streaming call can override it.
        max_retries: how many times a failed request is sent again (connection errors,
            408, 409, 429, 5xx; honouring ``Retry-After``); streams only while being
            created. 0, the default, never retries.
        retry_policy: a `RetryPolicy` for finer control (wins over ``max_retries``).
    """

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, api_key_header: str = "Authorization",
                 default_headers: Mapping[str, str] | None = None, default_query: Mapping[str, Any] | None = None,
                 timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT, http_client: httpx.Client | None = None,
                 assistants_beta: bool = True, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
                 max_retries: int = 0, retry_policy: RetryPolicy | None = None) -> None:
        self.config = ClientConfig(base_url=base_url, api_key=api_key, api_key_header=api_key_header,
                                   default_headers=default_headers, default_query=default_query,
                                   assistants_beta=assistants_beta)
        self._owns_http = http_client is None
        self.http = http_client if http_client is not None else httpx.Client(timeout=timeout)
        self.idle_timeout = idle_timeout
        self.retry_policy = choose_retry_policy(max_retries, retry_policy)
        self._credentials = credential_headers(api_key_header)

    def __repr__(self) -> str:
        return f"Client(base_url={self.config.display_url!r})"

    def close(self) -> None:
        """Close the httpx client if this client created it."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ---- plumbing ------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None) -> bytes:
        request = self.config.build_request(self.http, method, path, json=json, params=params)
        return send(self.http, request, stream=False, credentials=self._credentials, policy=self.retry_policy).content

    def _stream(self, path: str, body: dict[str, Any], params: Mapping[str, Any], handler: EventHandler | None,
                accumulator: Accumulator | None, thread_id: str, record_to: Path | None, stream_index: int,
                idle_timeout: float | None = None) -> LiveRunStream:
        idle = self.idle_timeout if idle_timeout is None else idle_timeout
        request = self.config.build_request(self.http, "POST", path, json=body, params=params, stream=True)
        # A connection silent for the idle timeout is idle too: the read timeout catches
        # it where no byte arrives to let the stream check its clock.
        request = with_read_timeout(request, idle)
        response = send(self.http, request, stream=True, credentials=self._credentials, policy=self.retry_policy)
        source: Any = response
        if record_to is not None:
            source = RecordingSource(response.iter_bytes(), recording_path(record_to, stream_index), response.close)
        return LiveRunStream(self, source, handler, accumulator, thread_id, record_to, stream_index, idle, response)

    def _page(self, path: str, item_type: type[T], params: dict[str, Any]) -> CursorPage[T]:
        content = self._request("GET", path, params=params)

        def fetch_after(cursor: str) -> CursorPage[T]:
            return self._page(path, item_type, {**params, "after": cursor, "before": None})

        return CursorPage(decode_model(content, Page), item_type, fetch_after)

    # ---- runs ----------------------------------------------------------------------------

    def create_run(self, thread_id: str, *, assistant_id: str | None = None, include: Sequence[str] | None = None,
                   **params: Any) -> Run:
        """Create a run without streaming (``POST /threads/{thread_id}/runs``). Extra keyword
        arguments go into the body (``model``, ``instructions``, ``tools``, ``metadata``,
        or a dialect's own fields such as Azure's ``agent_id``)."""
        body, query = run_body(assistant_id, include, params)
        return decode_model(self._request("POST", f"threads/{thread_id}/runs", json=body, params=query), Run)

    def stream_run(self, thread_id: str, *, assistant_id: str | None = None, include: Sequence[str] | None = None,
                   handler: EventHandler | None = None, accumulator: Accumulator | None = None,
                   record_to: str | Path | None = None, idle_timeout: float | None = None,
                   **params: Any) -> LiveRunStream:
        """Create a run and stream its events.

        Args:
            include: e.g. ``["step_details.tool_calls[*].file_search.results[*].content"]``.
            handler: the callbacks.
            accumulator: continue an existing state.
            record_to: also write the raw stream to this ``.sse`` file (continuations to
                ``NAME.continuation-N.sse``).
            idle_timeout: this stream's idle timeout (``None``: the client's; ``math.inf``:
                none).

        Raises:
            APIError: the server answered with an error or not with an event stream.
            APIConnectionError: the request could not be sent.
        """
        body, query = run_body(assistant_id, include, params)
        body["stream"] = True
        return self._stream(f"threads/{thread_id}/runs", body, query, handler, accumulator, thread_id,
                            Path(record_to) if record_to is not None else None, 0, idle_timeout)

    def list_runs(self, thread_id: str, *, limit: int | None = None, order: str | None = None,
                  after: str | None = None, before: str | None = None) -> CursorPage[Run]:
        """List the runs of a thread; iterate the page to walk all pages."""
        return self._page(f"threads/{thread_id}/runs", Run, list_params(limit, order, after, before))

    def retrieve_run(self, thread_id: str, run_id: str) -> Run:
        """Retrieve a run."""
        return decode_model(self._request("GET", f"threads/{thread_id}/runs/{run_id}"), Run)

    def modify_run(self, thread_id: str, run_id: str, *, metadata: Mapping[str, str]) -> Run:
        """Replace a run's metadata."""
        content = self._request("POST", f"threads/{thread_id}/runs/{run_id}", json={"metadata": dict(metadata)})
        return decode_model(content, Run)

    def cancel_run(self, thread_id: str, run_id: str) -> Run:
        """Cancel a run that is in progress."""
        return decode_model(self._request("POST", f"threads/{thread_id}/runs/{run_id}/cancel"), Run)

    def submit_tool_outputs(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]]) -> Run:
        """Submit tool outputs without streaming."""
        content = self._request("POST", f"threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
                                json={"tool_outputs": list(tool_outputs)})
        return decode_model(content, Run)

    def submit_tool_outputs_stream(self, thread_id: str, run_id: str, tool_outputs: Sequence[Mapping[str, str]], *,
                                   handler: EventHandler | None = None, accumulator: Accumulator | None = None,
                                   record_to: str | Path | None = None,
                                   idle_timeout: float | None = None) -> LiveRunStream:
        """Submit tool outputs and stream the continuation of the run (pass the previous
        stream's ``accumulator`` and ``handler`` to continue the same state)."""
        path = f"threads/{thread_id}/runs/{run_id}/submit_tool_outputs"
        return self._stream(path, {"tool_outputs": list(tool_outputs), "stream": True}, {}, handler, accumulator,
                            thread_id, Path(record_to) if record_to is not None else None, 0, idle_timeout)

    # ---- run steps and messages ----------------------------------------------------------

    def list_run_steps(self, thread_id: str, run_id: str, *, limit: int | None = None, order: str | None = None,
                       after: str | None = None, before: str | None = None,
                       include: Sequence[str] | None = None) -> CursorPage[RunStep]:
        """List the steps of a run; iterate the page to walk all pages."""
        params = list_params(limit, order, after, before)
        if include:
            params["include[]"] = list(include)
        return self._page(f"threads/{thread_id}/runs/{run_id}/steps", RunStep, params)

    def retrieve_run_step(self, thread_id: str, run_id: str, step_id: str, *,
                          include: Sequence[str] | None = None) -> RunStep:
        """Retrieve a run step."""
        params = {"include[]": list(include)} if include else None
        return decode_model(self._request("GET", f"threads/{thread_id}/runs/{run_id}/steps/{step_id}", params=params),
                            RunStep)

    def retrieve_message(self, thread_id: str, message_id: str) -> Message:
        """Retrieve a message (used by re-sync for the messages of message_creation steps)."""
        return decode_model(self._request("GET", f"threads/{thread_id}/messages/{message_id}"), Message)

    # ---- tool loop and re-sync -----------------------------------------------------------

    def run_tools(self, thread_id: str, *, tools: Mapping[str, Callable[..., Any]], assistant_id: str | None = None,
                  handler: EventHandler | None = None, submit_errors: bool = True, resync: bool = False,
                  max_rounds: int = 32, record_to: str | Path | None = None, poll_interval: float = 1.0,
                  resync_timeout: float | None = 600.0, **params: Any) -> ToolLoop:
        """Create a run and drive it to its end, calling ``tools[name](**arguments)`` for each
        function call the run asks for.

        Args:
            tools: the functions, by the name the assistant calls them.
            submit_errors: submit a raising tool's error text as its output (the run goes
                on); if false, the error is raised as `ToolCallError`.
            resync: after a dropped connection, poll the run and continue.
            max_rounds: stop after this many rounds of tool outputs.
            poll_interval: seconds between polls of a re-sync.
            resync_timeout: how long one re-sync may poll before `TimeoutError` (``None``:
                no limit); it bounds also the wait for a run that still shows calls already
                answered.
        """
        first = self.stream_run(thread_id, assistant_id=assistant_id, handler=handler, record_to=record_to, **params)
        return ToolLoop(first, tools, submit_errors, resync, max_rounds, poll_interval, resync_timeout)

    def resync(self, accumulator: Accumulator, handler: EventHandler | None = None, *, poll_interval: float = 1.0,
               timeout: float | None = None, thread_id: str | None = None, answered: Collection[str] = ()) -> Run:
        """After a dropped connection, poll the run and its steps (and their messages) until
        the run rests, merging everything into ``accumulator`` and calling the handler's
        callbacks for what was missed (the done ones at least). Returns the run.

        ``answered``: ids of tool calls whose outputs were submitted; a run still asking
        for one of them is a stale read, not at rest, and is polled again.

        Raises:
            TimeoutError: ``timeout`` seconds passed before the run reached a resting status.
            ValueError: no run was seen and no ``thread_id`` was given to look it up.
        """
        accumulator.mark_interrupted()
        deadline = None if timeout is None else time.monotonic() + timeout
        run = accumulator.current_run
        while run is None:
            # The connection dropped before the first run event: the thread's newest run
            # (a server may list it only a moment later).
            if thread_id is None:
                raise ValueError("nothing to re-sync: no run was seen (pass thread_id to look it up)")
            latest = self.list_runs(thread_id, limit=1, order="desc").data
            if latest:
                run = latest[0]
            elif deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"no run appeared on thread {thread_id} within {timeout} s")
            else:
                time.sleep(poll_interval)
        while True:
            run = self.retrieve_run(run.thread_id, run.id)
            if waits_on_answered_calls(run, answered):
                # A stale read: the submission of these calls landed, the read lags behind.
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError(f"run {run.id} still shows answered tool calls after {timeout} s of re-sync")
                time.sleep(poll_interval)
                continue
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
                return run
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"run {run.id} still {run.status!r} after {timeout} s of re-sync")
            time.sleep(poll_interval)
