"""`AsyncRunsAPI`: the run and run step endpoints of `AsyncClient`, run streams included.

This is the one source of both clients' run endpoints: ``runs.py`` is generated from it by
``scripts/unasync.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core.accumulator import Accumulator
from .._models.run import Run
from .._models.run_step import RunStep
from . import requests as api
from .async_client_core import AsyncClientCore, Handler
from .async_live_stream import AsyncLiveRunStream
from .async_pages import AsyncCursorPage

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .request_fields import RequestOptions, RunOptions, ThreadAndRunOptions

__all__ = ["AsyncRunsAPI"]


class AsyncRunsAPI(AsyncClientCore):
    """`AsyncClient`'s runs and run steps."""

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
