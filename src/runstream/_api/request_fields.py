"""The keyword fields of each request, typed: what ``**options`` of a client method may hold.

`RequestOptions` (``extra_body=``, ``extra_query=``, ``extra_headers=``, ``timeout=``) goes
with every method; the others list a request body's fields by the public OpenAPI description
(a field left at ``None`` is not sent). `OPTION_TYPES` names them for the keyword check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

__all__ = [
    "ChatCompletionFields",
    "ChatToolLoopFields",
    "OPTION_TYPES",
    "RequestOptions",
    "ResponseFields",
    "ResponseToolLoopFields",
    "RunFields",
    "RunOptions",
    "ThreadAndRunFields",
    "ThreadAndRunOptions",
]


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
