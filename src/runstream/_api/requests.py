"""The requests of the Assistants API, built once for the sync and the async client.

Each builder returns an `APIRequest`: method, path, JSON body, query, headers and the type
its answer decodes to. `Client` sends it with httpx, `AsyncClient` with httpx and anyio;
neither builds a body of its own, so the two cannot disagree on what a method sends.

Field lists (`request_fields`) follow the public OpenAPI description of the Assistants API
(v2). A field left at ``None`` is not sent. Anything else goes through ``extra_body=``,
``extra_query=`` and ``extra_headers=``, as in openai-python: an unknown keyword is a
`TypeError`, never a request field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .._models.deleted import MessageDeleted, ThreadDeleted
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from .._models.thread import Thread
from .request_fields import (
    RequestOptions,
    RunOptions,
    ThreadAndRunOptions,
)

__all__ = [
    "APIRequest",
    "cancel_run",
    "create_message",
    "create_run",
    "create_thread",
    "create_thread_and_run",
    "delete_message",
    "delete_thread",
    "list_messages",
    "list_run_steps",
    "list_runs",
    "modify_message",
    "modify_run",
    "modify_thread",
    "retrieve_message",
    "retrieve_run",
    "retrieve_run_step",
    "retrieve_thread",
    "submit_tool_outputs",
]

T = TypeVar("T")


_EXTRAS = frozenset(RequestOptions.__annotations__)


@dataclass(frozen=True)
class APIRequest(Generic[T]):
    """One request, ready to send.

    Attributes:
        method: the HTTP method.
        path: the path under the base URL.
        model: what the answer decodes to (for a list: the item type).
        body: the JSON body, if any.
        query: the query parameters (``None`` values are left out when sent).
        headers: headers for this request only.
        stream: whether the answer is an event stream.
    """

    method: str
    path: str
    model: type[T]
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    stream: bool = False


def _request(method: str, path: str, model: type[T], options: Mapping[str, Any], *,
             body: dict[str, Any] | None = None, query: dict[str, Any] | None = None,
             stream: bool = False) -> APIRequest[T]:
    """Apply ``extra_body``, ``extra_query`` and ``extra_headers`` from ``options``."""
    extra_body = options.get("extra_body")
    if extra_body:
        if body is None:
            raise TypeError(f"{method} {path.split('/', 1)[0]}/... sends no body: extra_body= does not apply")
        body = {**body, **extra_body}
    query = {**(query or {}), **(options.get("extra_query") or {})}
    headers = dict(options.get("extra_headers") or {})
    return APIRequest(method, path, model, body, query, headers, stream)


def _fields(options: Mapping[str, Any], **named: Any) -> dict[str, Any]:
    """The body fields that are set: ``named`` and ``options`` (not the extras)."""
    body = {key: value for key, value in named.items() if value is not None}
    for key, value in options.items():
        if key not in _EXTRAS and value is not None:
            body[key] = _plain(value)
    return body


def _plain(value: Any) -> Any:
    """JSON-ready: mappings as dicts, other iterables (not strings) as lists."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return value
    return list(value)


def _include(include: Sequence[str] | None) -> dict[str, Any]:
    return {"include[]": list(include)} if include else {}


def _cursor(limit: int | None, order: str | None, after: str | None, before: str | None) -> dict[str, Any]:
    return {"limit": limit, "order": order, "after": after, "before": before}


# ---- threads -----------------------------------------------------------------------------

def create_thread(messages: Iterable[Mapping[str, Any]] | None, metadata: Mapping[str, str] | None,
                  tool_resources: Mapping[str, Any] | None, options: RequestOptions) -> APIRequest[Thread]:
    """``POST /threads``."""
    body = _fields({}, messages=_maybe(messages), metadata=_maybe(metadata), tool_resources=_maybe(tool_resources))
    return _request("POST", "threads", Thread, options, body=body)


def retrieve_thread(thread_id: str, options: RequestOptions) -> APIRequest[Thread]:
    """``GET /threads/{thread_id}``."""
    return _request("GET", f"threads/{thread_id}", Thread, options)


def modify_thread(thread_id: str, metadata: Mapping[str, str] | None, tool_resources: Mapping[str, Any] | None,
                  options: RequestOptions) -> APIRequest[Thread]:
    """``POST /threads/{thread_id}``."""
    body = _fields({}, metadata=_maybe(metadata), tool_resources=_maybe(tool_resources))
    return _request("POST", f"threads/{thread_id}", Thread, options, body=body)


def delete_thread(thread_id: str, options: RequestOptions) -> APIRequest[ThreadDeleted]:
    """``DELETE /threads/{thread_id}``."""
    return _request("DELETE", f"threads/{thread_id}", ThreadDeleted, options)


# ---- messages ----------------------------------------------------------------------------

def create_message(thread_id: str, role: str, content: str | Iterable[Mapping[str, Any]],
                   attachments: Iterable[Mapping[str, Any]] | None, metadata: Mapping[str, str] | None,
                   options: RequestOptions) -> APIRequest[Message]:
    """``POST /threads/{thread_id}/messages``."""
    body = _fields({}, role=role, content=_maybe(content), attachments=_maybe(attachments), metadata=_maybe(metadata))
    return _request("POST", f"threads/{thread_id}/messages", Message, options, body=body)


def list_messages(thread_id: str, limit: int | None, order: str | None, after: str | None, before: str | None,
                  run_id: str | None, options: RequestOptions) -> APIRequest[Message]:
    """``GET /threads/{thread_id}/messages`` (a cursor page of messages)."""
    query = {**_cursor(limit, order, after, before), "run_id": run_id}
    return _request("GET", f"threads/{thread_id}/messages", Message, options, query=query)


def retrieve_message(thread_id: str, message_id: str, options: RequestOptions) -> APIRequest[Message]:
    """``GET /threads/{thread_id}/messages/{message_id}``."""
    return _request("GET", f"threads/{thread_id}/messages/{message_id}", Message, options)


def modify_message(thread_id: str, message_id: str, metadata: Mapping[str, str] | None,
                   options: RequestOptions) -> APIRequest[Message]:
    """``POST /threads/{thread_id}/messages/{message_id}``."""
    body = _fields({}, metadata=_maybe(metadata))
    return _request("POST", f"threads/{thread_id}/messages/{message_id}", Message, options, body=body)


def delete_message(thread_id: str, message_id: str, options: RequestOptions) -> APIRequest[MessageDeleted]:
    """``DELETE /threads/{thread_id}/messages/{message_id}``."""
    return _request("DELETE", f"threads/{thread_id}/messages/{message_id}", MessageDeleted, options)


# ---- runs --------------------------------------------------------------------------------

def create_run(thread_id: str, assistant_id: str | None, include: Sequence[str] | None, options: RunOptions, *,
               stream: bool) -> APIRequest[Run]:
    """``POST /threads/{thread_id}/runs``, streamed or not."""
    body = _fields(options, assistant_id=assistant_id)
    if stream:
        body["stream"] = True
    return _request("POST", f"threads/{thread_id}/runs", Run, options, body=body, query=_include(include),
                    stream=stream)


def create_thread_and_run(assistant_id: str | None, thread: Mapping[str, Any] | None, options: ThreadAndRunOptions,
                          *, stream: bool) -> APIRequest[Run]:
    """``POST /threads/runs``, streamed or not."""
    body = _fields(options, assistant_id=assistant_id, thread=_maybe(thread))
    if stream:
        body["stream"] = True
    return _request("POST", "threads/runs", Run, options, body=body, stream=stream)


def list_runs(thread_id: str, limit: int | None, order: str | None, after: str | None, before: str | None,
              options: RequestOptions) -> APIRequest[Run]:
    """``GET /threads/{thread_id}/runs`` (a cursor page of runs)."""
    return _request("GET", f"threads/{thread_id}/runs", Run, options, query=_cursor(limit, order, after, before))


def retrieve_run(thread_id: str, run_id: str, options: RequestOptions) -> APIRequest[Run]:
    """``GET /threads/{thread_id}/runs/{run_id}``."""
    return _request("GET", f"threads/{thread_id}/runs/{run_id}", Run, options)


def modify_run(thread_id: str, run_id: str, metadata: Mapping[str, str], options: RequestOptions) -> APIRequest[Run]:
    """``POST /threads/{thread_id}/runs/{run_id}``."""
    return _request("POST", f"threads/{thread_id}/runs/{run_id}", Run, options, body={"metadata": dict(metadata)})


def cancel_run(thread_id: str, run_id: str, options: RequestOptions) -> APIRequest[Run]:
    """``POST /threads/{thread_id}/runs/{run_id}/cancel``."""
    return _request("POST", f"threads/{thread_id}/runs/{run_id}/cancel", Run, options, body={})


def submit_tool_outputs(thread_id: str, run_id: str, tool_outputs: Iterable[Mapping[str, str]],
                        options: RequestOptions, *, stream: bool) -> APIRequest[Run]:
    """``POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs``, streamed or not."""
    body: dict[str, Any] = {"tool_outputs": [dict(output) for output in tool_outputs]}
    if stream:
        body["stream"] = True
    return _request("POST", f"threads/{thread_id}/runs/{run_id}/submit_tool_outputs", Run, options, body=body,
                    stream=stream)


# ---- run steps ---------------------------------------------------------------------------

def list_run_steps(thread_id: str, run_id: str, limit: int | None, order: str | None, after: str | None,
                   before: str | None, include: Sequence[str] | None, options: RequestOptions) -> APIRequest[RunStep]:
    """``GET /threads/{thread_id}/runs/{run_id}/steps`` (a cursor page of steps)."""
    query = {**_cursor(limit, order, after, before), **_include(include)}
    return _request("GET", f"threads/{thread_id}/runs/{run_id}/steps", RunStep, options, query=query)


def retrieve_run_step(thread_id: str, run_id: str, step_id: str, include: Sequence[str] | None,
                      options: RequestOptions) -> APIRequest[RunStep]:
    """``GET /threads/{thread_id}/runs/{run_id}/steps/{step_id}``."""
    return _request("GET", f"threads/{thread_id}/runs/{run_id}/steps/{step_id}", RunStep, options,
                    query=_include(include))


def _maybe(value: Any) -> Any:
    return None if value is None else _plain(value)
