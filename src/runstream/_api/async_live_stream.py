"""`AsyncLiveRunStream`: a run stream of `AsyncClient` that knows its run (submits tool
outputs, re-syncs after a dropped connection).

This is the one source of both live streams: ``live_stream.py`` is generated from it by
``scripts/unasync.py``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .._core.accumulator import Accumulator
from .._models.run import Run
from .._streaming.async_stream import AsyncRunStream
from . import requests as api
from .client_base import thread_id_of

if TYPE_CHECKING:
    from .async_client import AsyncClient
    from .async_client_core import Handler

__all__ = ["AsyncLiveRunStream"]


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
