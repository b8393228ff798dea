"""What the Responses API and Chat Completions endpoints of both clients share: the request
bodies and the tool calls read from a finished response or completion. The endpoints
themselves are `AsyncDialectEndpoints` (``async_dialect_endpoints.py``) and the
`DialectEndpoints` generated from it (``dialect_endpoints.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from .._chat.models import ChatCompletion, ChatFunctionToolCall
from .._core.tool_calls import PendingToolCall, distinct_calls
from .._responses.models import Response

__all__ = ["DEFAULT_MAX_ROUNDS", "chat_body", "chat_calls", "function_calls", "pending_call", "response_body"]

#: How many model turns a tool loop allows before it gives up (a model that keeps calling).
DEFAULT_MAX_ROUNDS = 10


def _members(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The request members of ``fields``: the named ones, then ``extra_body``'s."""
    members = {name: value for name, value in fields.items() if name != "extra_body"}
    members.update(fields.get("extra_body") or {})
    return members


def response_body(model: str, input: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a streaming ``POST /responses``."""
    body: dict[str, Any] = {"model": model, "input": input, **_members(fields), "stream": True}
    return body


def chat_body(model: str, messages: Iterable[Mapping[str, Any]], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a streaming ``POST /chat/completions``, usage included."""
    members = _members(fields)
    stream_options = {"include_usage": True, **dict(members.get("stream_options") or {})}
    return {"model": model, "messages": list(messages), **members, "stream": True, "stream_options": stream_options}


def pending_call(call_id: str, name: str, arguments: str) -> PendingToolCall:
    """A function call of a response or completion, its JSON arguments parsed (or the
    reason they could not be)."""
    try:
        parsed = msgspec.json.decode(arguments) if arguments else {}
        error = None
    except msgspec.DecodeError as problem:
        parsed, error = None, f"the arguments are not valid JSON ({problem})"
    return PendingToolCall(id=call_id, name=name, arguments=parsed, raw_arguments=arguments, arguments_error=error)


def function_calls(response: Response) -> list[PendingToolCall]:
    """The function calls a response asks for (a call id given twice is one call)."""
    return distinct_calls([pending_call(item.call_id, item.name, item.arguments) for item in response.function_calls])


def chat_calls(completion: ChatCompletion) -> tuple[dict[str, Any] | None, list[PendingToolCall]]:
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
    # Function calls are answered; a call of another type is appended as it came.
    return assistant, distinct_calls([
        pending_call(call.id, call.function.name, call.function.arguments)
        for call in calls
        if isinstance(call, ChatFunctionToolCall)
    ])
