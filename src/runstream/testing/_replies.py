"""Replies of the fake server's endpoints: JSON answers, API errors, streams, pages.

Every route returns a `Reply`; the server writes it (see `testing/_server.py`). Errors have
the service's shape (``{"error": {"message", "type", "param", "code"}}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from ._faults import error_body
from ._http import Request
from ._store import RunRecord, paginate
from ._wire import WireEvent

__all__ = ["JSONReply", "Reply", "StreamReply", "error_reply", "json_body", "ok", "page"]

_json_decoder = msgspec.json.Decoder()

#: A JSON answer: status, payload, extra headers.
JSONReply = tuple[int, Any, dict[str, str]]


@dataclass
class StreamReply:
    """Answer with the SSE stream of ``segment`` of the record's run."""

    record: RunRecord
    segment: int
    #: Events sent before the segment's (``thread.created`` of a create-thread-and-run).
    prefix: list[WireEvent] = field(default_factory=list)


#: A JSON answer (status, payload, extra headers) or a stream.
Reply = JSONReply | StreamReply


def error_reply(status: int, message: str, *, param: str | None = None) -> JSONReply:
    """An API error answer with ``status``."""
    body = error_body(status, message)
    body["error"]["param"] = param
    return status, body, {}


def ok(payload: Any) -> JSONReply:
    """A 200 answer carrying ``payload``."""
    return 200, payload, {}


def json_body(request: Request) -> Any:
    """The request's JSON body (``{}`` if empty, ``None`` if not JSON)."""
    if not request.body:
        return {}
    try:
        return _json_decoder.decode(request.body)
    except msgspec.DecodeError:
        return None


def page(items: list[dict[str, Any]], request: Request) -> Reply:
    """A list answer: ``items`` in creation order, paginated by the request's query."""
    items.sort(key=lambda item: item.get("created_at") or 0)  # stable: creation order on ties
    try:
        return ok(paginate(items, request.query))
    except ValueError as error:
        return error_reply(400, str(error))
