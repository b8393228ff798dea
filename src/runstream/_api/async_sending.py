"""`asend`: one API request sent with httpx, asynchronously, following redirects without
credentials off the origin, reading error bodies only up to a bound, retrying as the
`RetryPolicy` allows (the decisions are in ``transport``).

This is the one source of both loops: ``sending.py`` is generated from it by
``scripts/unasync.py``.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import aclosing

import httpx

from .._streaming.sources import aread_api_error, is_sse_response
from ..errors import APIConnectionError, APIError
from ._concurrency import pause_async
from .transport import (NO_RETRIES, RetryPolicy, connection_error, origin_of, redirect_request, too_many_redirects,
                        without_credentials)

__all__ = ["RESPONSE_BODY_LIMIT", "asend"]

#: The most bytes of a 2xx response's body that are read (a run with thousands of calls is a
#: few MB); beyond it the request fails with `APIError`.
RESPONSE_BODY_LIMIT = 64 * 1024 * 1024


async def _send_following_async(http: httpx.AsyncClient, request: httpx.Request,
                                credentials: Collection[str]) -> httpx.Response:
    origin = origin_of(request.url)
    hops = 0
    while True:
        try:
            response = await http.send(request, stream=True, follow_redirects=False)
        except httpx.TransportError as error:
            raise connection_error(error, request) from error
        target = redirect_request(response, origin, credentials) if http.follow_redirects else None
        if target is None:
            return response
        await response.aclose()
        hops += 1
        if hops > http.max_redirects:
            raise too_many_redirects(http, request)
        request = target


async def _send_once_async(http: httpx.AsyncClient, request: httpx.Request, stream: bool,
                           credentials: Collection[str]) -> httpx.Response:
    response = await _send_following_async(http, request, credentials)
    if stream and is_sse_response(response):
        return response
    if not response.is_success or stream:
        raise without_credentials(await aread_api_error(response), request, credentials)
    # Read up to `RESPONSE_BODY_LIMIT`: a server answering with an endless body must not
    # exhaust memory (an error body is read only up to `ERROR_BODY_LIMIT`).
    body = bytearray()
    try:
        async with aclosing(response.aiter_bytes()) as parts:
            async for part in parts:
                body += part
                if len(body) > RESPONSE_BODY_LIMIT:
                    raise APIError(f"response body longer than {RESPONSE_BODY_LIMIT} bytes, not read further",
                                   status_code=response.status_code, headers=dict(response.headers))
    except (httpx.TransportError, httpx.DecodingError) as error:  # cut off, or its encoding broken
        raise connection_error(error, request) from error
    finally:
        await response.aclose()
    # The body as read (decoded): the response without the headers of its encoding.
    headers = [(name, value) for name, value in response.headers.multi_items()
               if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
    return httpx.Response(response.status_code, headers=headers, content=bytes(body), request=request)


async def asend(http: httpx.AsyncClient, request: httpx.Request, *, stream: bool, credentials: Collection[str],
                policy: RetryPolicy = NO_RETRIES) -> httpx.Response:
    """Send ``request``; return a read 2xx response, or (``stream``) an unread 2xx
    ``text/event-stream`` one.

    Raises:
        APIError: an error status, or a stream answered with something else than SSE
            (the body read up to `ERROR_BODY_LIMIT`), after the retries the policy allows.
        APIConnectionError: the request could not be sent or answered.
    """
    attempt = 0
    while True:
        try:
            return await _send_once_async(http, request, stream, credentials)
        except (APIError, APIConnectionError) as error:
            delay = policy.next_delay(attempt, error)
            if delay is None:
                raise
        await pause_async(policy.sleep, delay)
        attempt += 1
