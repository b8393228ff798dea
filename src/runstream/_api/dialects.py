"""The Responses API and Chat Completions endpoints of `Client` and `AsyncClient`: streaming
requests and a tool loop for each.

Requests go to the client's base URL (any OpenAI-compatible server, Azure OpenAI included
through ``default_query={"api-version": ...}`` and ``api_key_header="api-key"``). The tool
loops call the registered Python functions with the arguments of each function call and
send their outputs back: for the Responses API as ``function_call_output`` inputs continuing
``previous_response_id``; for Chat Completions as ``tool`` messages appended to the
conversation, the request repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx
import msgspec

from .._chat.models import ChatCompletion
from .._chat.stream import AsyncChatCompletionStream, ChatCompletionStream
from .._core.notifications import PendingToolCall
from .._core.tool_calls import call_tool, call_tool_async
from .._responses.models import Response
from .._responses.stream import AsyncResponseStream, ResponseStream
from .._streaming.sources import acheck_stream_response, check_stream_response
from ..errors import RunstreamError
from .client_base import connection_error, log_response

__all__ = ["AsyncDialectEndpoints", "DialectEndpoints", "chat_body", "response_body"]

#: How many model turns a tool loop allows before it gives up (a model that keeps calling).
DEFAULT_MAX_ROUNDS = 10


def response_body(model: str, input: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a streaming ``POST /responses``."""
    body: dict[str, Any] = {"model": model, "input": input, **fields, "stream": True}
    return body


def chat_body(model: str, messages: Iterable[Mapping[str, Any]], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a streaming ``POST /chat/completions``, usage included."""
    stream_options = {"include_usage": True, **dict(fields.get("stream_options") or {})}
    return {"model": model, "messages": list(messages), **fields, "stream": True, "stream_options": stream_options}


def _pending(call_id: str, name: str, arguments: str) -> PendingToolCall:
    try:
        parsed = msgspec.json.decode(arguments) if arguments else {}
        error = None
    except msgspec.DecodeError as problem:
        parsed, error = None, f"the arguments are not valid JSON ({problem})"
    return PendingToolCall(id=call_id, name=name, arguments=parsed, raw_arguments=arguments, arguments_error=error)


def _function_calls(response: Response) -> list[PendingToolCall]:
    return [
        _pending(item.get("call_id", ""), item.get("name", ""), item.get("arguments", ""))
        for item in response.function_calls
    ]


def _chat_calls(completion: ChatCompletion) -> tuple[dict[str, Any] | None, list[PendingToolCall]]:
    """The assistant message to append and its tool calls (first choice)."""
    if not completion.choices:
        return None, []
    message = completion.choices[0].message
    calls = message.tool_calls if isinstance(message.tool_calls, list) else []
    if not calls:
        return None, []
    assistant = {
        "role": "assistant",
        "content": message.content,
        "tool_calls": [msgspec.to_builtins(call) for call in calls],
    }
    return assistant, [_pending(call.id, call.function.name, call.function.arguments) for call in calls]


class DialectEndpoints:
    """`Client`'s Responses API and Chat Completions methods (mixed into `Client`)."""

    config: Any
    http: httpx.Client

    def _token(self) -> str | None:  # pragma: no cover - provided by Client
        raise NotImplementedError

    def _open(self, path: str, body: dict[str, Any], extra_query: Mapping[str, Any] | None,
              extra_headers: Mapping[str, str] | None) -> httpx.Response:
        request = self.config.build_request(self.http, "POST", path, json=body, params=extra_query, stream=True,
                                            headers=extra_headers, token=self._token())
        try:
            response = self.http.send(request, stream=True)
        except httpx.TransportError as error:
            raise connection_error(error, request) from error
        log_response(request, response)
        try:
            check_stream_response(response)
        except BaseException:
            response.close()
            raise
        return response

    def stream_response(self, *, model: str, input: Any, handler: Any = None,
                        extra_query: Mapping[str, Any] | None = None, extra_headers: Mapping[str, str] | None = None,
                        **fields: Any) -> ResponseStream:
        """``POST /responses`` with ``stream: true``; returns the `ResponseStream` to read.

        Args:
            model: the model (an Azure OpenAI deployment name).
            input: a string or a list of input items.
            handler: a `ResponseHandler`.
            extra_query: query parameters for this request (e.g. ``api-version``).
            extra_headers: headers for this request.
            **fields: any other member of the request body (``instructions``, ``tools``,
                ``previous_response_id``, ``reasoning`` ...), sent as given.

        Raises:
            APIError: the server answered with an error status or not with an event stream.
            APIConnectionError: the request could not be sent.
        """
        response = self._open("responses", response_body(model, input, fields), extra_query, extra_headers)
        return ResponseStream(response, handler)

    def stream_chat_completion(self, *, model: str, messages: Iterable[Mapping[str, Any]], handler: Any = None,
                               extra_query: Mapping[str, Any] | None = None,
                               extra_headers: Mapping[str, str] | None = None,
                               **fields: Any) -> ChatCompletionStream:
        """``POST /chat/completions`` with ``stream: true`` and
        ``stream_options: {"include_usage": true}``; returns the `ChatCompletionStream`.

        Args:
            model: the model (an Azure OpenAI deployment name).
            messages: the conversation.
            handler: a `ChatCompletionHandler`.
            extra_query: query parameters for this request (e.g. ``api-version``).
            extra_headers: headers for this request.
            **fields: any other member of the request body (``tools``, ``n``,
                ``temperature``, ``logprobs`` ...), sent as given.
        """
        body = chat_body(model, messages, fields)
        response = self._open("chat/completions", body, extra_query, extra_headers)
        return ChatCompletionStream(response, handler)

    def run_response_tools(self, *, model: str, input: Any, tools: Mapping[str, Callable[..., Any]],
                           handler: Any = None, max_rounds: int = DEFAULT_MAX_ROUNDS, submit_errors: bool = True,
                           **fields: Any) -> Response:
        """Stream a response; while it asks for function calls, call ``tools`` and continue
        with their ``function_call_output`` items and ``previous_response_id``. Returns the
        last Response (the one without function calls).

        Args:
            tools: function name -> Python function, called with the call's JSON arguments
                as keyword arguments; a result that is not a string is sent as JSON.
            max_rounds: the most responses to stream before giving up (`RunstreamError`).
            submit_errors: send a failing tool's error text as its output (else raise
                `ToolCallError`).
            **fields: as for `stream_response`; ``tool_definitions`` is sent as the request's
                ``tools`` (the function definitions the model sees), since ``tools`` here
                names the Python functions.
        """
        definitions = fields.pop("tool_definitions", None)
        if definitions is not None:
            fields["tools"] = definitions
        next_input = input
        for _ in range(max_rounds):
            with self.stream_response(model=model, input=next_input, handler=handler, **fields) as stream:
                response = stream.final_response()
            calls = _function_calls(response)
            if not calls:
                return response
            next_input = [
                {"type": "function_call_output", "call_id": call.id,
                 "output": call_tool(call, tools, submit_errors=submit_errors)["output"]}
                for call in calls
            ]
            fields["previous_response_id"] = response.id
        raise RunstreamError(f"the model still asked for function calls after {max_rounds} responses")

    def run_chat_tools(self, *, model: str, messages: Iterable[Mapping[str, Any]],
                       tools: Mapping[str, Callable[..., Any]], handler: Any = None,
                       max_rounds: int = DEFAULT_MAX_ROUNDS, submit_errors: bool = True,
                       **fields: Any) -> tuple[ChatCompletion, list[dict[str, Any]]]:
        """Stream a chat completion; while its first choice asks for tool calls, call
        ``tools``, append the assistant message and one ``tool`` message per call, and repeat
        the request. Returns the last completion and the whole conversation.

        Args:
            tools: function name -> Python function (see `run_response_tools`).
            max_rounds: the most completions to stream before giving up (`RunstreamError`).
            **fields: as for `stream_chat_completion`; ``tool_definitions`` is sent as the
                request's ``tools``.
        """
        definitions = fields.pop("tool_definitions", None)
        if definitions is not None:
            fields["tools"] = definitions
        conversation = [dict(message) for message in messages]
        for _ in range(max_rounds):
            with self.stream_chat_completion(model=model, messages=conversation, handler=handler, **fields) as stream:
                completion = stream.final_completion()
            assistant, calls = _chat_calls(completion)
            if assistant is None:
                return completion, conversation
            conversation.append(assistant)
            for call in calls:
                output = call_tool(call, tools, submit_errors=submit_errors)["output"]
                conversation.append({"role": "tool", "tool_call_id": call.id, "content": output})
        raise RunstreamError(f"the model still asked for tool calls after {max_rounds} completions")


class AsyncDialectEndpoints:
    """`AsyncClient`'s Responses API and Chat Completions methods (mixed into `AsyncClient`)."""

    config: Any
    http: httpx.AsyncClient

    async def _token(self) -> str | None:  # pragma: no cover - provided by AsyncClient
        raise NotImplementedError

    async def _open(self, path: str, body: dict[str, Any], extra_query: Mapping[str, Any] | None,
                    extra_headers: Mapping[str, str] | None) -> httpx.Response:
        request = self.config.build_request(self.http, "POST", path, json=body, params=extra_query, stream=True,
                                            headers=extra_headers, token=await self._token())
        try:
            response = await self.http.send(request, stream=True)
        except httpx.TransportError as error:
            raise connection_error(error, request) from error
        log_response(request, response)
        try:
            await acheck_stream_response(response)
        except BaseException:
            await response.aclose()
            raise
        return response

    async def stream_response(self, *, model: str, input: Any, handler: Any = None,
                              extra_query: Mapping[str, Any] | None = None,
                              extra_headers: Mapping[str, str] | None = None,
                              **fields: Any) -> AsyncResponseStream:
        """The asynchronous `Client.stream_response`."""
        response = await self._open("responses", response_body(model, input, fields), extra_query, extra_headers)
        return AsyncResponseStream(response, handler)

    async def stream_chat_completion(self, *, model: str, messages: Iterable[Mapping[str, Any]], handler: Any = None,
                                     extra_query: Mapping[str, Any] | None = None,
                                     extra_headers: Mapping[str, str] | None = None,
                                     **fields: Any) -> AsyncChatCompletionStream:
        """The asynchronous `Client.stream_chat_completion`."""
        body = chat_body(model, messages, fields)
        response = await self._open("chat/completions", body, extra_query, extra_headers)
        return AsyncChatCompletionStream(response, handler)

    async def run_response_tools(self, *, model: str, input: Any, tools: Mapping[str, Callable[..., Any]],
                                 handler: Any = None, max_rounds: int = DEFAULT_MAX_ROUNDS,
                                 submit_errors: bool = True, **fields: Any) -> Response:
        """The asynchronous `Client.run_response_tools` (tools may be ``async``)."""
        definitions = fields.pop("tool_definitions", None)
        if definitions is not None:
            fields["tools"] = definitions
        next_input = input
        for _ in range(max_rounds):
            async with await self.stream_response(model=model, input=next_input, handler=handler, **fields) as stream:
                response = await stream.final_response()
            calls = _function_calls(response)
            if not calls:
                return response
            next_input = []
            for call in calls:
                output = (await call_tool_async(call, tools, submit_errors=submit_errors))["output"]
                next_input.append({"type": "function_call_output", "call_id": call.id, "output": output})
            fields["previous_response_id"] = response.id
        raise RunstreamError(f"the model still asked for function calls after {max_rounds} responses")

    async def run_chat_tools(self, *, model: str, messages: Iterable[Mapping[str, Any]],
                             tools: Mapping[str, Callable[..., Any]], handler: Any = None,
                             max_rounds: int = DEFAULT_MAX_ROUNDS, submit_errors: bool = True,
                             **fields: Any) -> tuple[ChatCompletion, list[dict[str, Any]]]:
        """The asynchronous `Client.run_chat_tools` (tools may be ``async``)."""
        definitions = fields.pop("tool_definitions", None)
        if definitions is not None:
            fields["tools"] = definitions
        conversation = [dict(message) for message in messages]
        for _ in range(max_rounds):
            async with await self.stream_chat_completion(model=model, messages=conversation, handler=handler,
                                                         **fields) as stream:
                completion = await stream.final_completion()
            assistant, calls = _chat_calls(completion)
            if assistant is None:
                return completion, conversation
            conversation.append(assistant)
            for call in calls:
                output = (await call_tool_async(call, tools, submit_errors=submit_errors))["output"]
                conversation.append({"role": "tool", "tool_call_id": call.id, "content": output})
        raise RunstreamError(f"the model still asked for tool calls after {max_rounds} completions")
