"""`AsyncClientCore`: how `AsyncClient` sends what its endpoints ask for (a request, a
page of a list, a run stream) over its httpx client, asynchronously; the endpoints are the
mixins built on it. Requests are built in ``requests``; this module only sends them.

This is the one source of both client cores: ``client_core.py`` is generated from it by
``scripts/unasync.py``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx

from .._core.accumulator import Accumulator
from .._models.run import Run
from .._streaming.handlers import AsyncEventHandler, EventHandler
from .._streaming.async_recording_source import AsyncRecordingSource
from .._streaming.recording import recording_path
from . import requests as api
from ._concurrency import limit_silence_async
from .async_live_stream import AsyncLiveRunStream
from .async_sending import asend
from .client_base import ClientConfig, decode_model, log_response
from .page_base import Page
from .async_pages import AsyncCursorPage
from .transport import RetryPolicy

if TYPE_CHECKING:
    from .async_client import AsyncClient

__all__ = ["AsyncClientCore", "Handler"]

T = TypeVar("T")
#: The callbacks a stream of this client takes.
Handler = AsyncEventHandler | EventHandler


class AsyncClientCore:
    """The sending side every endpoint mixin of `AsyncClient` shares (`AsyncClient` sets
    these attributes)."""

    config: ClientConfig
    http: httpx.AsyncClient
    idle_timeout: float | None
    retry_policy: RetryPolicy
    _credentials: frozenset[str]

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
        return AsyncLiveRunStream(cast("AsyncClient", self), source, handler, accumulator, thread_id, record_to, stream_index, idle,
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
