"""`AsyncClient`: the Assistants API over httpx, asynchronously (threads, messages, run
streams, lists, tool loop, re-sync). Its endpoints are mixins, one concept each:
``async_threads`` (threads and messages), ``async_runs`` (runs, run steps, run streams),
``async_tool_loop`` (the tool loop), ``async_resync`` (re-sync) and
``async_dialect_endpoints`` (Responses API, Chat Completions), all sending through
``async_client_core``.

This is the one source of both clients: ``client.py`` is generated from it by
``scripts/unasync.py``. Where the two differ, it calls a helper of ``_concurrency`` or
``tool_runner`` whose sync twin the generator substitutes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .async_dialect_endpoints import AsyncDialectEndpoints
from .async_live_stream import AsyncLiveRunStream
from .async_resync import AsyncResyncAPI
from .async_tool_loop import AsyncToolLoop, AsyncToolLoopAPI
from .client_base import DEFAULT_IDLE_TIMEOUT, DEFAULT_TIMEOUT, ClientConfig
from .keywords import check_keywords
from .transport import RetryPolicy, choose_retry_policy, credential_headers

__all__ = ["AsyncClient", "AsyncLiveRunStream", "AsyncToolLoop"]


@check_keywords
class AsyncClient(AsyncToolLoopAPI, AsyncResyncAPI, AsyncDialectEndpoints):
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
        self._credentials = credential_headers(api_key_header, default_headers or ())

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
