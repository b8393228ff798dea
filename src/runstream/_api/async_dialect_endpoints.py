"""`AsyncDialectEndpoints`: the Responses API and Chat Completions endpoints of
`AsyncClient`, streaming requests and a tool loop for each.

Requests go to the client's base URL (any OpenAI-compatible server, Azure OpenAI included
through ``default_query={"api-version": ...}`` and ``api_key_header="api-key"``). The tool
loops call the registered Python functions with the arguments of each function call and
send their outputs back: for the Responses API as ``function_call_output`` inputs continuing
``previous_response_id``; for Chat Completions as ``tool`` messages appended to the
conversation, the request repeated.

This is the one source of both clients' endpoints: ``dialect_endpoints.py`` is generated
from it by ``scripts/unasync.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from .._chat.models import ChatCompletion
from .._chat.stream import AsyncChatCompletionStream
from .._core.tool_calls import call_tool_async
from .._responses.models import Response
from .._responses.stream import AsyncResponseStream
from ..errors import RunstreamError
from .client_base import log_response
from .dialects import DEFAULT_MAX_ROUNDS, chat_body, chat_calls, function_calls, response_body
from ._concurrency import limit_silence_async
from .async_client_core import AsyncClientCore
from .async_sending import asend

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .request_fields import ChatCompletionFields, ChatToolLoopFields, ResponseFields, ResponseToolLoopFields

__all__ = ["AsyncDialectEndpoints"]


class AsyncDialectEndpoints(AsyncClientCore):
    """`AsyncClient`'s Responses API and Chat Completions methods (mixed into `AsyncClient`)."""

    async def _open(self, path: str, body: dict[str, Any], extra_query: Mapping[str, Any] | None,
                    extra_headers: Mapping[str, str] | None, idle_timeout: float | None) -> httpx.Response:
        request = self.config.build_request(self.http, "POST", path, json=body, params=extra_query, stream=True,
                                            headers=extra_headers, token=await self._token())
        # Bounded error bodies, credentials kept to their origin, the client's retries.
        response = await asend(self.http, request, stream=True, credentials=self._credentials,
                               policy=self.retry_policy)
        limit_silence_async(response, idle_timeout)
        log_response(request, response)
        return response

    def _idle(self, idle_timeout: float | None) -> float | None:
        """A stream's idle timeout: its own, else the client's; ``math.inf``: none."""
        idle = self.idle_timeout if idle_timeout is None else idle_timeout
        return None if idle is not None and math.isinf(idle) else idle

    async def stream_response(self, *, model: str, input: Any, handler: Any = None,
                              extra_query: Mapping[str, Any] | None = None,
                              extra_headers: Mapping[str, str] | None = None, idle_timeout: float | None = None,
                              **fields: Unpack[ResponseFields]) -> AsyncResponseStream:
        """``POST /responses`` with ``stream: true``; returns the `AsyncResponseStream` to read.

        Args:
            model: the model (an Azure OpenAI deployment name).
            input: a string or a list of input items.
            handler: a `ResponseHandler`.
            extra_query: query parameters for this request (e.g. ``api-version``).
            extra_headers: headers for this request.
            idle_timeout: seconds the stream may go without an event before it fails with
                `IdleTimeoutError` (``None``: the client's; ``math.inf``: none).
            **fields: the other members of the request body (``instructions``, ``tools``,
                ``previous_response_id``, ``reasoning`` ..., see `ResponseFields`), sent as
                given; ``extra_body={...}`` holds members runstream does not name.

        Raises:
            APIError: the server answered with an error status or not with an event stream.
            APIConnectionError: the request could not be sent.
        """
        idle = self._idle(idle_timeout)
        response = await self._open("responses", response_body(model, input, fields), extra_query, extra_headers,
                                    idle)
        return AsyncResponseStream(response, handler, idle_timeout=idle)

    async def stream_chat_completion(self, *, model: str, messages: Iterable[Mapping[str, Any]], handler: Any = None,
                                     extra_query: Mapping[str, Any] | None = None,
                                     extra_headers: Mapping[str, str] | None = None,
                                     idle_timeout: float | None = None,
                                     **fields: Unpack[ChatCompletionFields]) -> AsyncChatCompletionStream:
        """``POST /chat/completions`` with ``stream: true`` and
        ``stream_options: {"include_usage": true}``; returns the `AsyncChatCompletionStream`.

        Args:
            model: the model (an Azure OpenAI deployment name).
            messages: the conversation.
            handler: a `ChatCompletionHandler`.
            extra_query: query parameters for this request (e.g. ``api-version``).
            extra_headers: headers for this request.
            idle_timeout: as for `stream_response`.
            **fields: the other members of the request body (``tools``, ``n``,
                ``temperature``, ``logprobs`` ..., see `ChatCompletionFields`), sent as given;
                ``extra_body={...}`` holds members runstream does not name.
        """
        body = chat_body(model, messages, fields)
        idle = self._idle(idle_timeout)
        response = await self._open("chat/completions", body, extra_query, extra_headers, idle)
        return AsyncChatCompletionStream(response, handler, idle_timeout=idle)

    async def run_response_tools(self, *, model: str, input: Any, tools: Mapping[str, Callable[..., Any]],
                                 handler: Any = None, max_rounds: int = DEFAULT_MAX_ROUNDS,
                                 submit_errors: bool = True, **fields: Unpack[ResponseToolLoopFields]) -> Response:
        """Stream a response; while it asks for function calls, call ``tools`` and continue
        with their ``function_call_output`` items and ``previous_response_id``. Returns the
        last Response (the one without function calls).

        Args:
            tools: function name -> Python function (which may be ``async``), called with
                the call's JSON arguments as keyword arguments; a result that is not a
                string is sent as JSON.
            max_rounds: the most responses to stream before giving up (`RunstreamError`).
            submit_errors: send a failing tool's error text as its output (else raise
                `ToolCallError`).
            **fields: as for `stream_response`; ``tool_definitions`` is sent as the request's
                ``tools`` (the function definitions the model sees), since ``tools`` here
                names the Python functions.
        """
        request: dict[str, Any] = dict(fields)
        definitions = request.pop("tool_definitions", None)
        if definitions is not None:
            request["tools"] = definitions
        next_input = input
        # Call id -> output: a call the model repeats in a later response is answered again
        # with its output, not run again.
        answered: dict[str, Any] = {}
        for _ in range(max_rounds):
            async with await self.stream_response(model=model, input=next_input, handler=handler, **request) as stream:
                response = await stream.final_response()
            calls = function_calls(response)
            if not calls:
                return response
            next_input = []
            for call in calls:
                if call.id not in answered:
                    answered[call.id] = (await call_tool_async(call, tools, submit_errors=submit_errors))["output"]
                next_input.append({"type": "function_call_output", "call_id": call.id, "output": answered[call.id]})
            request["previous_response_id"] = response.id
        raise RunstreamError(f"the model still asked for function calls after {max_rounds} responses")

    async def run_chat_tools(self, *, model: str, messages: Iterable[Mapping[str, Any]],
                             tools: Mapping[str, Callable[..., Any]], handler: Any = None,
                             max_rounds: int = DEFAULT_MAX_ROUNDS, submit_errors: bool = True,
                             **fields: Unpack[ChatToolLoopFields]) -> tuple[ChatCompletion, list[dict[str, Any]]]:
        """Stream a chat completion; while its first choice asks for tool calls, call
        ``tools``, append the assistant message and one ``tool`` message per call, and repeat
        the request. Returns the last completion and the whole conversation.

        Args:
            tools: function name -> Python function (see `run_response_tools`).
            max_rounds: the most completions to stream before giving up (`RunstreamError`).
            **fields: as for `stream_chat_completion`; ``tool_definitions`` is sent as the
                request's ``tools``.
        """
        request: dict[str, Any] = dict(fields)
        definitions = request.pop("tool_definitions", None)
        if definitions is not None:
            request["tools"] = definitions
        conversation = [dict(message) for message in messages]
        answered: dict[str, Any] = {}  # call id -> output, as in `run_response_tools`
        for _ in range(max_rounds):
            async with await self.stream_chat_completion(model=model, messages=conversation, handler=handler,
                                                         **request) as stream:
                completion = await stream.final_completion()
            assistant, calls = chat_calls(completion)
            if assistant is None:
                return completion, conversation
            conversation.append(assistant)
            for call in calls:
                if call.id not in answered:
                    answered[call.id] = (await call_tool_async(call, tools, submit_errors=submit_errors))["output"]
                conversation.append({"role": "tool", "tool_call_id": call.id, "content": answered[call.id]})
        raise RunstreamError(f"the model still asked for tool calls after {max_rounds} completions")
