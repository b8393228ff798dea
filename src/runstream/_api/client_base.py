"""What the sync and async Runs API clients share: configuration, request building and
response decoding. The two clients differ only in how they send.

Azure AI Agents and other compatible servers need their own base URL, an ``api-version``
query parameter and an ``api-key`` header instead of ``Authorization: Bearer``; all of that
is configuration here. Headers and query parameters the caller passes are copied, never
mutated, and the API key never appears in a repr, a log or an exception.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import httpx
import msgspec

from .._core.accumulator import Accumulator
from .._models.exact import WHOLE_OBJECTS, convert_exact
from .._models.lenient import convert_lenient
from .._streaming.log import logger
from .._streaming.sources import api_error_from_response
from ..errors import APIError
from .credentials import TokenProvider
from .transport import connection_error, redact_url

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "Page",
    "check_response",
    "connection_error",
    "decode_model",
    "log_response",
    "thread_id_of",
]

#: Used when neither ``base_url`` nor the ``OPENAI_BASE_URL`` environment variable is set.
DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Connect / read / write / pool timeouts, in seconds. Streams can pause between events
#: while the model thinks, so the read timeout is generous.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: Seconds a stream may go without an event (keep-alive comments do not count).
DEFAULT_IDLE_TIMEOUT = 600.0

T = TypeVar("T")
_json = msgspec.json.Decoder()


class Page(msgspec.Struct, kw_only=True):
    """One page of a cursor-paginated list (``{"object": "list", "data": [...]}``)."""

    data: list[Any] = []
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


def decode_model(content: bytes, model: type[T]) -> T:
    """Decode a JSON response body into ``model``, keeping unknown variants raw.

    Raises:
        APIError: the body is not the expected JSON object.
    """
    try:
        if model in WHOLE_OBJECTS:
            # Exactly the keys the server sent, like the same objects in a stream.
            return convert_exact(_json.decode(content), model)  # type: ignore[no-any-return]
        return msgspec.json.decode(content, type=model)
    except msgspec.ValidationError:
        try:
            return convert_lenient(_json.decode(content), model)  # type: ignore[no-any-return]
        except msgspec.MsgspecError as error:
            problem = error
    except msgspec.DecodeError as error:
        problem = error
    raise APIError(f"unexpected response body for {model.__name__}: {problem}", status_code=200, body=content[:200])


class ClientConfig:
    """Connection settings of a Runs API client.

    Args:
        base_url: the API root, e.g. ``https://my-host/v1`` or an Azure AI Agents project
            endpoint. Defaults to ``$OPENAI_BASE_URL``, else `DEFAULT_BASE_URL`. Paths are
            joined onto its path; a query it carries (``...?api-version=...``) is sent with
            every request.
        api_key: the key; defaults to ``$OPENAI_API_KEY``. ``None`` sends no auth header.
        api_key_header: ``"Authorization"`` sends ``Bearer <key>``; any other name (e.g.
            ``"api-key"`` for Azure) sends the key as that header's value.
        default_headers: extra headers for every request.
        default_query: extra query parameters for every request (e.g. ``api-version``);
            they replace those of the same name in ``base_url``, and a call's
            ``extra_query`` replaces both.
        assistants_beta: send ``OpenAI-Beta: assistants=v2``.
        credential: a token credential (see `TokenProvider`); its bearer token is sent
            instead of the key.
        credential_scopes: the scopes of the credential's tokens (default:
            ``https://ai.azure.com/.default``).
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        api_key_header: str = "Authorization",
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        assistants_beta: bool = True,
        credential: Any = None,
        credential_scopes: Sequence[str] | None = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        # A base URL may carry a query (Azure's ``.../openai?api-version=...``): paths are
        # joined onto its path, and its parameters are sent with every request.
        self._root, self._base_query = _split_query(self.base_url)
        self._api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.api_key_header = api_key_header
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        self.assistants_beta = assistants_beta
        #: Where bearer tokens come from, when a credential was given.
        self.token_provider = TokenProvider(credential, credential_scopes) if credential is not None else None

    def __repr__(self) -> str:
        return f"ClientConfig(base_url={self.display_url!r})"

    @property
    def display_url(self) -> str:
        """The base URL without any ``user:password@`` in it, for reprs and messages."""
        return redact_url(self.base_url)

    def headers(self, stream: bool, token: str | None = None) -> dict[str, str]:
        """Headers for one request (a new dict each time); ``token`` is a credential's
        bearer token, sent instead of the key."""
        headers = {"Accept": "text/event-stream" if stream else "application/json"}
        if self.assistants_beta:
            headers["OpenAI-Beta"] = "assistants=v2"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif self._api_key:
            if self.api_key_header.lower() == "authorization":
                headers["Authorization"] = f"Bearer {self._api_key}"
            else:
                headers[self.api_key_header] = self._api_key
        headers.update(self.default_headers)
        return headers

    def build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        stream: bool = False,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Request:
        """An httpx request for ``path`` under the base URL (``headers``: for this request
        only, winning over the defaults)."""
        # The base URL's parameters, then the defaults, then this call's: a later one
        # replaces every value of an earlier one of the same name.
        query = self._base_query.merge(self.default_query).merge(
            {key: value for key, value in (params or {}).items() if value is not None}
        )
        all_headers = self.headers(stream, token)
        if headers:
            all_headers.update(headers)
        return http.build_request(
            method, f"{self._root}/{path.lstrip('/')}", json=json, params=query, headers=all_headers
        )


def _split_query(base_url: str) -> tuple[str, httpx.QueryParams]:
    """``base_url`` without its query (nor fragment, nor trailing slash), and its query."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError):
        return base_url, httpx.QueryParams()  # httpx says what is wrong when a request is built
    if not url.query and not url.fragment:
        return base_url, httpx.QueryParams()
    root = base_url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    return root, url.params


def log_response(request: httpx.Request, response: httpx.Response) -> None:
    """DEBUG: a request's method, path and status (never its headers, query or body)."""
    logger.debug("%s %s -> %d", request.method, request.url.path, response.status_code)


def check_response(response: httpx.Response) -> None:
    """Raise `APIError` for a non-2xx (read) response."""
    if not response.is_success:
        raise api_error_from_response(response)


def thread_id_of(known: str | None, accumulator: Accumulator) -> str | None:
    """A stream's thread: the one it was started on, else the one its events name."""
    if known:
        return known
    run = accumulator.current_run
    if run is not None and run.thread_id:
        return run.thread_id
    return accumulator.thread.id if accumulator.thread is not None else None
