"""Scripted Responses API and Chat Completions conversations: the streams a service sends.

A scenario is a list of turns, one per request; each turn holds the outputs of one model
answer (messages, function / tool calls). `FakeAssistantsServer` answers each
``POST .../responses`` or ``POST .../chat/completions`` with the next turn of the scenarios
queued for that endpoint; ``encode_turn`` gives the same bytes for use without a server.
Texts and arguments are told in small fragments, as the services do.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ChatScenario", "DialectScenario", "ResponseScenario"]

_FRAGMENT = 7


def _fragments(text: str) -> list[str]:
    return [text[start : start + _FRAGMENT] for start in range(0, len(text), _FRAGMENT)] or [""]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class DialectScenario:
    """Base of the scripted conversations (see `ResponseScenario`, `ChatScenario`)."""

    #: The endpoint path (its end) the turns answer.
    endpoint = ""

    def __init__(self, *, model: str = "gpt-4o-mini") -> None:
        self.model = model
        self.turns: list[list[tuple[str, Any]]] = [[]]

    def then(self) -> Any:
        """Start the next turn: what follows answers the next request."""
        self.turns.append([])
        return self

    def _add(self, kind: str, value: Any) -> Any:
        self.turns[-1].append((kind, value))
        return self

    def encode_turn(self, turn: int) -> bytes:  # pragma: no cover - overridden
        """The SSE body of ``turn`` (0 = the answer to the first request)."""
        raise NotImplementedError

    def bodies(self) -> list[bytes]:
        """The SSE body of every turn, in order."""
        return [self.encode_turn(turn) for turn in range(len(self.turns))]


class ResponseScenario(DialectScenario):
    """A scripted Responses API conversation.

    Examples:
        >>> scenario = ResponseScenario().function_call("get_weather", {"city": "Paris"}).then().message("Sunny.")
        >>> import runstream
        >>> runstream.ResponseStream(scenario.encode_turn(1)).final_response().output_text
        'Sunny.'
    """

    endpoint = "responses"

    def message(self, text: str) -> ResponseScenario:
        """An assistant message with one ``output_text`` part."""
        return self._add("message", text)  # type: ignore[no-any-return]

    def function_call(self, name: str, arguments: dict[str, Any] | str) -> ResponseScenario:
        """A ``function_call`` item (its ``call_id`` is ``call_<turn>_<index>``)."""
        return self._add("function_call", (name, arguments if isinstance(arguments, str) else _dumps(arguments)))  # type: ignore[no-any-return]

    def response_id(self, turn: int) -> str:
        """The id of the response of ``turn``."""
        return f"resp_{turn + 1:04d}"

    def encode_turn(self, turn: int) -> bytes:
        """The SSE body of ``turn``: created, in_progress, each item told in fragments, completed."""
        response = {
            "id": self.response_id(turn), "object": "response", "created_at": 1_760_000_000 + turn,
            "status": "in_progress", "error": None, "incomplete_details": None, "instructions": None,
            "model": self.model, "output": [], "parallel_tool_calls": True,
            "previous_response_id": self.response_id(turn - 1) if turn else None, "usage": None, "metadata": {},
        }
        events: list[dict[str, Any]] = []

        def emit(kind: str, **members: Any) -> None:
            events.append({"type": kind, "sequence_number": len(events), **members})

        emit("response.created", response=response)
        emit("response.in_progress", response=response)
        output = []
        for index, (kind, value) in enumerate(self.turns[turn]):
            item_id = f"{'msg' if kind == 'message' else 'fc'}_{turn}_{index}"
            if kind == "message":
                item = {"id": item_id, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
                emit("response.output_item.added", output_index=index, item=item)
                part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
                emit("response.content_part.added", item_id=item_id, output_index=index, content_index=0, part=part)
                for fragment in _fragments(value):
                    emit("response.output_text.delta", item_id=item_id, output_index=index, content_index=0,
                         delta=fragment, logprobs=[])
                emit("response.output_text.done", item_id=item_id, output_index=index, content_index=0, text=value,
                     logprobs=[])
                done_part = {**part, "text": value}
                emit("response.content_part.done", item_id=item_id, output_index=index, content_index=0, part=done_part)
                done = {**item, "status": "completed", "content": [done_part]}
            else:
                name, arguments = value
                item = {"id": item_id, "type": "function_call", "status": "in_progress", "arguments": "",
                        "call_id": f"call_{turn}_{index}", "name": name}
                emit("response.output_item.added", output_index=index, item=item)
                for fragment in _fragments(arguments):
                    emit("response.function_call_arguments.delta", item_id=item_id, output_index=index, delta=fragment)
                emit("response.function_call_arguments.done", item_id=item_id, output_index=index, arguments=arguments)
                done = {**item, "status": "completed", "arguments": arguments}
            emit("response.output_item.done", output_index=index, item=done)
            output.append(done)
        final = {**response, "status": "completed", "output": output,
                 "usage": {"input_tokens": 20, "output_tokens": 10, "total_tokens": 30}}
        emit("response.completed", response=final)
        return b"".join(f"event: {event['type']}\ndata: {_dumps(event)}\n\n".encode() for event in events)


class ChatScenario(DialectScenario):
    """A scripted Chat Completions conversation.

    Examples:
        >>> scenario = ChatScenario().tool_call("get_weather", {"city": "Paris"}).then().message("Sunny.")
        >>> import runstream
        >>> runstream.ChatCompletionStream(scenario.encode_turn(1)).final_completion().choices[0].message.content
        'Sunny.'
    """

    endpoint = "chat/completions"

    def message(self, text: str) -> ChatScenario:
        """Assistant content text."""
        return self._add("message", text)  # type: ignore[no-any-return]

    def tool_call(self, name: str, arguments: dict[str, Any] | str) -> ChatScenario:
        """A tool call (its id is ``call_<turn>_<index>``)."""
        return self._add("tool_call", (name, arguments if isinstance(arguments, str) else _dumps(arguments)))  # type: ignore[no-any-return]

    def encode_turn(self, turn: int) -> bytes:
        """The SSE body of ``turn``: a role chunk, fragments, the finish and usage chunks, ``[DONE]``."""
        head = {"id": f"chatcmpl-{turn + 1:04d}", "object": "chat.completion.chunk", "created": 1_760_000_000 + turn,
                "model": self.model, "system_fingerprint": "fp_fake"}
        chunks: list[dict[str, Any]] = []

        def choice(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            chunks.append({**head, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                "finish_reason": finish_reason}]})

        choice({"role": "assistant", "content": "" if self.turns[turn][:1] and self.turns[turn][0][0] == "message" else None,
                "refusal": None})
        tool_index = 0
        for kind, value in self.turns[turn]:
            if kind == "message":
                for fragment in _fragments(value):
                    choice({"content": fragment})
            else:
                name, arguments = value
                choice({"tool_calls": [{"index": tool_index, "id": f"call_{turn}_{tool_index}", "type": "function",
                                        "function": {"name": name, "arguments": ""}}]})
                for fragment in _fragments(arguments):
                    choice({"tool_calls": [{"index": tool_index, "function": {"arguments": fragment}}]})
                tool_index += 1
        choice({}, "tool_calls" if tool_index else "stop")
        chunks.append({**head, "choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}})
        return b"".join(f"data: {_dumps(chunk)}\n\n".encode() for chunk in chunks) + b"data: [DONE]\n\n"
