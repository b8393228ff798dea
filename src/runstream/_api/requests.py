"""The requests of the Assistants API, built once for the sync and the async client.

Each builder returns an `APIRequest`: method, path, JSON body, query, headers and the type
its answer decodes to. `Client` sends it with httpx, `AsyncClient` with httpx and anyio;
neither builds a body of its own, so the two cannot disagree on what a method sends.

Field lists follow the public OpenAPI description of the Assistants API (v2). A field left
at ``None`` is not sent. Anything else goes through ``extra_body=``, ``extra_query=`` and
``extra_headers=``, as in openai-python: an unknown keyword is a `TypeError`, never a
request field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypedDict, TypeVar

from .._models.deleted import MessageDeleted, ThreadDeleted
from .._models.message import Message
from .._models.run import Run
from .._models.run_step import RunStep
from .._models.thread import Thread

__all__ = [
    "APIRequest",
    "RequestOptions",
    "RunFields",
    "RunOptions",
    "ThreadAndRunFields",
    "ThreadAndRunOptions",
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


class RequestOptions(TypedDict, total=False):
    """What every API method accepts besides its own fields.

    Attributes:
        extra_body: more JSON body fields (they win over the method's own).
        extra_query: more query parameters for this request.
        extra_headers: more headers for this request.
    """

    extra_body: Mapping[str, Any] | None
    extra_query: Mapping[str, Any] | None
    extra_headers: Mapping[str, str] | None


class RunFields(RequestOptions, total=False):
    """The optional fields of a create-run request (``POST /threads/{thread_id}/runs``) but
    ``tools``: what the tool loop takes, whose ``tools=`` are the Python functions (send
    tool definitions with ``extra_body={"tools": [...]}`` there).

    ``agent_id`` is Azure AI Agents' name for ``assistant_id``.
    """

    agent_id: str | None
    model: str | None
    instructions: str | None
    additional_instructions: str | None
    additional_messages: Iterable[Mapping[str, Any]] | None
    metadata: Mapping[str, str] | None
    temperature: float | None
    top_p: float | None
    max_prompt_tokens: int | None
    max_completion_tokens: int | None
    truncation_strategy: Mapping[str, Any] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    response_format: str | Mapping[str, Any] | None
    reasoning_effort: str | None


class RunOptions(RunFields, total=False):
    """The optional fields of a create-run request (``POST /threads/{thread_id}/runs``).

    ``agent_id`` is Azure AI Agents' name for ``assistant_id``; ``tools`` are the tool
    definitions of the run (``[{"type": "function", "function": {...}}]``).
    """

    tools: Iterable[Mapping[str, Any]] | None


class ThreadAndRunFields(RequestOptions, total=False):
    """The optional fields of a create-thread-and-run request (``POST /threads/runs``) but
    ``tools`` (see `RunFields`)."""

    agent_id: str | None
    model: str | None
    instructions: str | None
    tool_resources: Mapping[str, Any] | None
    metadata: Mapping[str, str] | None
    temperature: float | None
    top_p: float | None
    max_prompt_tokens: int | None
    max_completion_tokens: int | None
    truncation_strategy: Mapping[str, Any] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    response_format: str | Mapping[str, Any] | None


class ThreadAndRunOptions(ThreadAndRunFields, total=False):
    """The optional fields of a create-thread-and-run request (``POST /threads/runs``)."""

    tools: Iterable[Mapping[str, Any]] | None


class _ResponseBodyFields(TypedDict, total=False):
    # The optional members of a Responses API request body but ``tools``.
    extra_body: Mapping[str, Any] | None
    instructions: str | None
    previous_response_id: str | None
    conversation: str | Mapping[str, Any] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    max_tool_calls: int | None
    reasoning: Mapping[str, Any] | None
    text: Mapping[str, Any] | None
    temperature: float | None
    top_p: float | None
    top_logprobs: int | None
    max_output_tokens: int | None
    truncation: str | None
    metadata: Mapping[str, str] | None
    store: bool | None
    background: bool | None
    include: Sequence[str] | None
    prompt: Mapping[str, Any] | None
    prompt_cache_key: str | None
    prompt_cache_retention: str | None
    safety_identifier: str | None
    service_tier: str | None
    stream_options: Mapping[str, Any] | None
    user: str | None


class ResponseFields(_ResponseBodyFields, total=False):
    """The optional members of a ``POST /responses`` request (`Client.stream_response`).
    Members runstream does not name go in ``extra_body``, sent as given."""

    tools: Sequence[Mapping[str, Any]] | None


class ResponseToolLoopFields(_ResponseBodyFields, total=False):
    """What `Client.run_response_tools` takes besides its own parameters: the request
    members (``tool_definitions`` is sent as ``tools``, which there names the Python
    functions) and the per-request query and headers."""

    tool_definitions: Sequence[Mapping[str, Any]] | None
    extra_query: Mapping[str, Any] | None
    extra_headers: Mapping[str, str] | None


class _ChatBodyFields(TypedDict, total=False):
    # The optional members of a Chat Completions request body but ``tools``.
    extra_body: Mapping[str, Any] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    functions: Sequence[Mapping[str, Any]] | None
    function_call: str | Mapping[str, Any] | None
    response_format: Mapping[str, Any] | None
    temperature: float | None
    top_p: float | None
    n: int | None
    stop: str | Sequence[str] | None
    max_tokens: int | None
    max_completion_tokens: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    logit_bias: Mapping[str, int] | None
    logprobs: bool | None
    top_logprobs: int | None
    seed: int | None
    reasoning_effort: str | None
    verbosity: str | None
    modalities: Sequence[str] | None
    audio: Mapping[str, Any] | None
    prediction: Mapping[str, Any] | None
    web_search_options: Mapping[str, Any] | None
    metadata: Mapping[str, str] | None
    store: bool | None
    service_tier: str | None
    stream_options: Mapping[str, Any] | None
    prompt_cache_key: str | None
    safety_identifier: str | None
    user: str | None


class ChatCompletionFields(_ChatBodyFields, total=False):
    """The optional members of a ``POST /chat/completions`` request
    (`Client.stream_chat_completion`). Members runstream does not name go in
    ``extra_body``, sent as given."""

    tools: Sequence[Mapping[str, Any]] | None


class ChatToolLoopFields(_ChatBodyFields, total=False):
    """What `Client.run_chat_tools` takes besides its own parameters (see
    `ResponseToolLoopFields`)."""

    tool_definitions: Sequence[Mapping[str, Any]] | None
    extra_query: Mapping[str, Any] | None
    extra_headers: Mapping[str, str] | None


#: The TypedDicts a method's ``**options`` may be annotated with, by name (for the
#: keyword check, which reads the annotation's text).
OPTION_TYPES: dict[str, type] = {
    "RequestOptions": RequestOptions,
    "RunFields": RunFields,
    "RunOptions": RunOptions,
    "ThreadAndRunFields": ThreadAndRunFields,
    "ThreadAndRunOptions": ThreadAndRunOptions,
    "ResponseFields": ResponseFields,
    "ResponseToolLoopFields": ResponseToolLoopFields,
    "ChatCompletionFields": ChatCompletionFields,
    "ChatToolLoopFields": ChatToolLoopFields,
}
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
