"""HTTP/1.1 over an anyio byte stream with h11: read requests, send JSON and streams."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.abc
import h11
import msgspec

__all__ = ["HTTPConnection", "RecordedRequest", "Request", "new_request_id"]

_RECEIVE_SIZE = 65536
#: Headers whose values are secrets: the request log keeps that they were sent, not them.
SECRET_HEADERS = frozenset({"authorization", "api-key", "cookie", "proxy-authorization"})
_json_decoder = msgspec.json.Decoder()


def new_request_id() -> str:
    """A fresh ``x-request-id`` value, shaped like the service's."""
    return "req_" + secrets.token_hex(16)


@dataclass
class Request:
    """A request as read: method, target split into path and query, headers, body."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordedRequest:
    """One request the fake server received, for tests to assert on.

    Attributes:
        method: ``"GET"``, ``"POST"``, ...
        path: the path, without the query.
        query: the query parameters, each with all its values.
        headers: the headers, names lower-cased; secret values (``authorization``,
            ``api-key``, ...) are replaced by ``"<redacted>"``.
        body: the raw body.
        status: the status the server answered with (``None`` until it answered).
        request_id: the ``x-request-id`` of the response.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    request_id: str = field(default="")

    @property
    def json(self) -> Any:
        """The body decoded as JSON (``None`` if empty or not JSON)."""
        if not self.body:
            return None
        try:
            return _json_decoder.decode(self.body)
        except msgspec.DecodeError:
            return None

    @classmethod
    def of(cls, request: Request) -> RecordedRequest:
        """Record ``request`` with its secrets redacted."""
        headers = {
            name: "<redacted>" if name in SECRET_HEADERS else value
            for name, value in request.headers.items()
        }
        return cls(request.method, request.path, request.query, headers, request.body)


class HTTPConnection:
    """One client connection, serving requests one after another (keep-alive)."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self.stream = stream
        self.conn = h11.Connection(h11.SERVER)

    async def _receive_into_h11(self) -> None:
        try:
            data = await self.stream.receive(_RECEIVE_SIZE)
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            data = b""
        self.conn.receive_data(data)

    async def next_request(self) -> Request | None:
        """Read the next request with its body (``None`` when the client is gone).

        Raises:
            h11.RemoteProtocolError: the client sent something that is not HTTP/1.1.
        """
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        head: h11.Request | None = None
        body = bytearray()
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                await self._receive_into_h11()
            elif isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
            else:  # ConnectionClosed, or PAUSED after a client that closed half-way
                return None
        assert head is not None
        target = urlsplit(head.target.decode("latin-1"))
        headers: dict[str, str] = {}
        for name, value in head.headers:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        query = parse_qs(target.query, keep_blank_values=True)
        return Request(head.method.decode("ascii"), target.path, query, headers, bytes(body))

    async def wait_for_hangup(self) -> None:
        """Return once the client has closed the connection (anything it sends meanwhile
        is kept for the next request)."""
        while True:
            try:
                data = await self.stream.receive(_RECEIVE_SIZE)
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                return
            self.conn.receive_data(data)

    @property
    def reusable(self) -> bool:
        """Whether another request can follow on this connection."""
        return self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE

    async def send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        """Send a complete JSON response."""
        body = msgspec.json.encode(payload)
        head = [("content-type", "application/json"), ("content-length", str(len(body)))]
        head += list((headers or {}).items())
        await self._send(h11.Response(status_code=status, headers=head))
        await self._send(h11.Data(data=body))
        await self._send(h11.EndOfMessage())

    async def start_stream(self, headers: Mapping[str, str]) -> None:
        """Send the head of a ``text/event-stream`` response (chunked body)."""
        head = [
            ("content-type", "text/event-stream; charset=utf-8"),
            ("cache-control", "no-cache"),
            *headers.items(),
        ]
        await self._send(h11.Response(status_code=200, headers=head))

    async def send_data(self, data: bytes) -> None:
        """Send a piece of a streamed body."""
        if data:
            await self._send(h11.Data(data=data))

    async def end_stream(self) -> None:
        """End a streamed body cleanly."""
        await self._send(h11.EndOfMessage())

    async def abort(self) -> None:
        """Close the connection with the response unfinished."""
        await self.stream.aclose()

    async def _send(self, event: Any) -> None:
        data = self.conn.send(event)
        if data:
            await self.stream.send(data)
