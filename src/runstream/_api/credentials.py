"""Bearer tokens from a credential (Microsoft Entra ID for Azure AI Agents), kept fresh.

A credential is anything with ``get_token(*scopes)`` returning an object with ``token`` and
``expires_on`` (azure-identity's ``TokenCredential``s, sync or async), or a plain callable
taking no argument and returning a token string, or a ``(token, expires_on)`` pair. A token
is reused until ``REFRESH_MARGIN`` seconds before it expires; a bare string is asked for
again on every request (the callable does its own caching). Tokens are never logged and
never appear in a repr.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio
import anyio.to_thread

from .._streaming.log import logger

__all__ = ["DEFAULT_SCOPE", "REFRESH_MARGIN", "TokenProvider"]

#: The scope of Azure AI Agents (Azure AI Foundry projects).
DEFAULT_SCOPE = "https://ai.azure.com/.default"
#: Seconds before ``expires_on`` at which a token is fetched anew (azure-core uses the same).
REFRESH_MARGIN = 300.0


class TokenProvider:
    """Fetches and caches the bearer token of a credential for `Client` / `AsyncClient`.

    A credential is anything with ``get_token(*scopes)`` returning an object with ``token``
    and ``expires_on`` (azure-identity's sync and async ``TokenCredential``s), or a callable
    taking no argument that returns a token string (asked again for every request) or a
    ``(token, expires_on)`` pair. A token is reused until `refresh_margin` seconds before it
    expires.

    Args:
        credential: the credential.
        scopes: the scopes asked for (default: `DEFAULT_SCOPE`).
    """

    #: Seconds before ``expires_on`` at which a token is fetched anew.
    refresh_margin: float = REFRESH_MARGIN

    def __init__(self, credential: Any, scopes: Sequence[str] | None = None) -> None:
        if not (hasattr(credential, "get_token") or callable(credential)):
            raise TypeError(
                "credential must have a get_token(*scopes) method or be a callable returning a token, "
                f"not {type(credential).__name__}"
            )
        self.credential = credential
        self.scopes = tuple(scopes) if scopes else (DEFAULT_SCOPE,)
        #: How many tokens were fetched.
        self.fetches = 0
        self._token: str | None = None
        self._expires_on: float | None = None
        self._lock = threading.Lock()
        self._async_lock: anyio.Lock | None = None
        #: The time in seconds since the epoch, as ``expires_on`` counts (replaceable).
        self.clock: Callable[[], float] = time.time

    def __repr__(self) -> str:
        return f"TokenProvider(scopes={self.scopes!r})"

    def _fresh(self) -> str | None:
        if self._token is None or self._expires_on is None:
            return None
        return self._token if self.clock() < self._expires_on - self.refresh_margin else None

    def _fetch(self) -> Any:
        get_token = getattr(self.credential, "get_token", None)
        return get_token(*self.scopes) if get_token is not None else self.credential()

    def _keep(self, answer: Any) -> str:
        token: Any
        expires_on: Any
        if isinstance(answer, str):
            token, expires_on = answer, None
        elif isinstance(answer, tuple) and len(answer) == 2:
            token, expires_on = answer
        else:
            token, expires_on = getattr(answer, "token", None), getattr(answer, "expires_on", None)
        if not isinstance(token, str) or not token:
            raise TypeError(f"the credential returned no token string ({type(answer).__name__})")
        self.fetches += 1
        self._token = token
        self._expires_on = float(expires_on) if expires_on is not None else None
        logger.debug("credential: token %d fetched for %s (expires_on %s)", self.fetches, ", ".join(self.scopes),
                     expires_on)
        return token

    def token(self) -> str:
        """A token that is not about to expire (fetching one if needed).

        Raises:
            TypeError: the credential is async (use `AsyncClient`) or returned no token.
        """
        with self._lock:
            token = self._fresh()
            if token is not None:
                return token
            answer = self._fetch()
            if inspect.isawaitable(answer):
                close = getattr(answer, "close", None)
                if close is not None:
                    close()  # never awaited: no "coroutine was never awaited" warning
                raise TypeError("the credential is async: use it with AsyncClient")
            return self._keep(answer)

    async def atoken(self) -> str:
        """`token` for the async client: an async credential is awaited, a sync one runs in
        a worker thread (azure-identity's sync credentials block on network calls)."""
        if self._async_lock is None:
            self._async_lock = anyio.Lock()
        async with self._async_lock:
            token = self._fresh()
            if token is not None:
                return token
            get_token = getattr(self.credential, "get_token", None)
            if get_token is not None and inspect.iscoroutinefunction(get_token):
                answer = await get_token(*self.scopes)
            elif get_token is None and inspect.iscoroutinefunction(self.credential):
                answer = await self.credential()
            else:
                answer = await anyio.to_thread.run_sync(self._fetch)
                if inspect.isawaitable(answer):
                    answer = await answer
            return self._keep(answer)
