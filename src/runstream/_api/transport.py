"""Sending one API request: redirects that never carry a credential to another origin,
error bodies read only up to a bound, and an opt-in retry policy.

The decisions (whether to follow a redirect and with which headers, whether to retry and
after how long) are plain functions and a `RetryPolicy`; `asend` (``async_sending.py``) and
the `send` generated from it (``sending.py``) are the thin async and sync loops around them.

httpx strips only ``Authorization`` when a redirect leaves the origin: an ``api-key``
header (Azure) would follow a 307 anywhere. So requests are sent with
``follow_redirects=False`` and, when the httpx client is configured to follow, the
redirects are followed here, with every credential header dropped once the origin changes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

import httpx

from ..errors import APIConnectionError, APIError

__all__ = [
    "CREDENTIAL_HEADERS",
    "NO_RETRIES",
    "RetryPolicy",
    "choose_retry_policy",
    "connection_error",
    "credential_headers",
    "origin_of",
    "redact_url",
    "redirect_request",
    "scrub",
    "too_many_redirects",
    "with_read_timeout",
    "without_credentials",
]

#: Header names that carry a credential: never sent to another origin than the base URL's.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "ocp-apim-subscription-key", "cookie"}
)


#: Words that make a header a credential when a client is given it in ``default_headers``
#: (``X-Goog-Api-Key``, ``X-Auth-Token``, ``X-Session-Secret``).
_CREDENTIAL_WORDS = re.compile(r"auth|key|token|secret|cookie|session|signature|password", re.IGNORECASE)


def credential_headers(api_key_header: str, default_headers: Iterable[str] = ()) -> frozenset[str]:
    """`CREDENTIAL_HEADERS`, the header a client sends its key in, and those of its
    ``default_headers`` whose names say they carry a credential: none of them follows a
    redirect to another origin, and their values are masked in errors."""
    named = {name.lower() for name in default_headers if _CREDENTIAL_WORDS.search(name)}
    return CREDENTIAL_HEADERS | {api_key_header.lower()} | named


class RetryPolicy:
    """When and how long to wait before sending a failed request again.

    A request is retried after a connection failure or a response with status 408, 409,
    429 or 5xx (unless the response says ``x-should-retry: false``; ``true`` retries any
    status). The wait is the server's ``retry-after-ms`` / ``retry-after`` when it gives
    one of at most ``max_retry_after`` seconds, else ``initial_delay * 2**attempt`` capped
    at ``max_delay``, less up to a quarter of random jitter. Streams are retried only while
    they are being created, before their first event.

    Args:
        max_retries: how many times a request may be sent again (0: never).
        initial_delay: the first backoff, in seconds.
        max_delay: the largest backoff, in seconds.
        max_retry_after: a longer ``retry-after`` is not waited for; the backoff is used.
        sleep: how to wait (``time.sleep`` for `Client`, ``anyio.sleep`` for
            `AsyncClient` by default); may return an awaitable for the async client.
    """

    def __init__(self, max_retries: int = 2, *, initial_delay: float = 0.5, max_delay: float = 8.0,
                 max_retry_after: float = 60.0, sleep: Callable[[float], Any] | None = None) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self.max_retries = max_retries
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"RetryPolicy(max_retries={self.max_retries})"

    def retryable(self, error: Exception) -> bool:
        """Whether ``error`` is worth sending the request again for."""
        if isinstance(error, APIConnectionError):
            return True
        if not isinstance(error, APIError):
            return False
        should = error.headers.get("x-should-retry", "").lower()
        if should in ("true", "false"):
            return should == "true"
        status = error.status_code
        return status in (408, 409, 429) or status >= 500

    def delay(self, attempt: int, error: Exception) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based) after ``error``."""
        retry_after = error.retry_after if isinstance(error, APIError) else None
        if retry_after is not None and retry_after <= self.max_retry_after:
            return retry_after
        backoff = min(self.initial_delay * 2.0**attempt, self.max_delay)
        return backoff * (1 - 0.25 * random.random())

    def next_delay(self, attempt: int, error: Exception) -> float | None:
        """The wait before retrying after failed attempt ``attempt`` (0-based), or ``None``
        when ``error`` must be raised."""
        if attempt >= self.max_retries or not self.retryable(error):
            return None
        return self.delay(attempt, error)


#: No retries: the default of the clients.
NO_RETRIES = RetryPolicy(0)


def choose_retry_policy(max_retries: int, policy: RetryPolicy | None) -> RetryPolicy:
    """The policy a client uses: ``policy`` if given, else one with ``max_retries``."""
    if policy is not None:
        return policy
    return NO_RETRIES if max_retries == 0 else RetryPolicy(max_retries)


def connection_error(error: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """An `APIConnectionError` for a transport failure: the URL (without query or userinfo)
    is given, never headers, and any password in the URL is scrubbed from the text."""
    timeout = isinstance(error, httpx.TimeoutException)
    what = "timed out" if timeout else "failed"
    url = request.url.copy_with(query=None, username=None, password=None)
    text = f"{request.method} {url} {what}: {type(error).__name__}: {error}"
    return APIConnectionError(scrub(text, request.url), timeout=timeout)


def scrub(text: str, url: httpx.URL) -> str:
    """``text`` with the password and userinfo of ``url`` replaced by ``***``."""
    for secret in (url.password, url.userinfo.decode("ascii", "replace")):
        if secret:
            text = text.replace(secret, "***")
    return text


#: The shortest credential value masked in error texts: a shorter one (a test's ``"k"``)
#: would mask ordinary words.
_SHORTEST_SECRET = 8


def without_credentials(error: APIError, request: httpx.Request, credentials: Collection[str]) -> APIError:
    """``error`` with the credential values ``request`` carried (the headers named in
    ``credentials``, and the token of ``Bearer TOKEN``) replaced by ``***`` in its message,
    body and headers: a server that rejects a key may quote it back ("Incorrect API key
    provided: sk-..."), and the error's text is printed and logged."""
    secrets: set[str] = set()
    for name, value in request.headers.items():
        if name.lower() in credentials:
            secrets.add(value)
            scheme, _, token = value.partition(" ")
            if scheme.lower() in ("bearer", "basic"):
                secrets.add(token)
    ordered = sorted((secret for secret in secrets if len(secret) >= _SHORTEST_SECRET), key=len, reverse=True)

    def masked(value: Any) -> Any:
        if isinstance(value, str):
            for secret in ordered:
                value = value.replace(secret, "***")
            return value
        if isinstance(value, dict):
            return {masked(key): masked(member) for key, member in value.items()}
        if isinstance(value, list):
            return [masked(member) for member in value]
        return value

    if not ordered or not any(secret in str((str(error), error.body, error.headers)) for secret in ordered):
        return error
    return APIError(masked(error.message), status_code=error.status_code, body=masked(error.body),
                    request_id=masked(error.request_id), headers=masked(error.headers), retry_after=error.retry_after)


def redact_url(url: str) -> str:
    """``url`` for display: any userinfo (``user:password@``) replaced by ``***@``, and the
    value of a query parameter named as a credential (``?key=...``, ``?access_token=...``)
    by ``***``."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "<invalid URL>"
    secret_query = any(_CREDENTIAL_WORDS.search(name) for name in parsed.params)
    if not parsed.userinfo and not secret_query:
        return url
    if secret_query:
        parsed = parsed.copy_with(params=[(name, "***" if _CREDENTIAL_WORDS.search(name) else value)
                                          for name, value in parsed.params.multi_items()])
    shown = str(parsed.copy_with(username=None, password=None)).replace("=%2A%2A%2A", "=***")
    return shown.replace("://", "://***@", 1) if parsed.userinfo else shown


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default_port


def redirect_request(response: httpx.Response, origin: tuple[str, str, int | None],
                     credentials: Collection[str]) -> httpx.Request | None:
    """The request a redirect response leads to (built by httpx, with its method and body
    rules), without credential headers when it leaves ``origin``; ``None`` if ``response``
    is no redirect."""
    target = response.next_request
    if target is None:
        return None
    if origin_of(target.url) != origin:
        for name in [name for name in target.headers if name.lower() in credentials]:
            del target.headers[name]
    return target


def too_many_redirects(http: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> APIConnectionError:
    url = request.url.copy_with(query=None, username=None, password=None)
    return APIConnectionError(f"{request.method} {url} failed: more than {http.max_redirects} redirects")


def with_read_timeout(request: httpx.Request, seconds: float | None) -> httpx.Request:
    """Lower ``request``'s read timeout to ``seconds`` (a stream's idle timeout: a
    connection silent that long is idle too). On a sent request whose body is not read yet,
    it applies to the body's reads (httpcore looks the timeout up when the body is first
    read, in the extensions it shares with the request)."""
    if seconds is None:
        return request
    timeout = dict(request.extensions.get("timeout") or {})
    read = timeout.get("read")
    timeout["read"] = seconds if read is None else min(read, seconds)
    request.extensions["timeout"] = timeout
    return request
