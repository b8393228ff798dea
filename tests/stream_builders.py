"""Small builders of run-stream wire bytes for the stream, handler and CLI tests: full
objects and deltas shaped like the spec's (§C, §D of the wire-format notes), framed as SSE."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx

import runstream
from runstream import AsyncEventHandler, EventHandler

THREAD_ID = "thread_T"
RUN_ID = "run_T"
ASSISTANT_ID = "asst_T"


def sample_bytes() -> list[bytes]:
    """The bundled sample run's streams, as bytes."""
    return [path.read_bytes() for path in runstream.sample_stream_paths()]


def frame(event: str, data: Any) -> bytes:
    """One SSE message; ``data`` is JSON-encoded unless it is a string."""
    text = data if isinstance(data, str) else json.dumps(data)
    return f"event: {event}\ndata: {text}\n\n".encode()


def wire(*events: tuple[str, Any]) -> bytes:
    """SSE bytes of ``(event name, data)`` pairs."""
    return b"".join(frame(name, data) for name, data in events)


def run(status: str, *, tool_calls: list[tuple[str, str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    required_action = None
    if tool_calls is not None:
        required_action = {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {
                "tool_calls": [
                    {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
                    for call_id, name, arguments in tool_calls
                ]
            },
        }
    return {
        "id": RUN_ID,
        "object": "thread.run",
        "created_at": 1,
        "thread_id": THREAD_ID,
        "assistant_id": ASSISTANT_ID,
        "status": status,
        "required_action": required_action,
        "last_error": None,
        "model": "gpt-4o",
        "instructions": "",
        "tools": [],
        "metadata": {},
        "usage": None,
        "parallel_tool_calls": True,
        **extra,
    }


def run_event(name: str, **options: Any) -> tuple[str, dict[str, Any]]:
    """``thread.run.<name>`` with the status that event means (``created`` -> queued)."""
    status = "queued" if name == "created" else name
    return f"thread.run.{name}", run(status, **options)


def step(step_id: str, status: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": step_id,
        "object": "thread.run.step",
        "created_at": 2,
        "run_id": RUN_ID,
        "assistant_id": ASSISTANT_ID,
        "thread_id": THREAD_ID,
        "type": details["type"],
        "status": status,
        "step_details": details,
        "last_error": None,
        "usage": None,
    }


def step_delta(step_id: str, *tool_calls: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "thread.run.step.delta", {
        "id": step_id,
        "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": list(tool_calls)}},
    }


def message(message_id: str, status: str, content: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": message_id,
        "object": "thread.message",
        "created_at": 3,
        "thread_id": THREAD_ID,
        "status": status,
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": "assistant",
        "content": content or [],
        "assistant_id": ASSISTANT_ID,
        "run_id": RUN_ID,
        "attachments": [],
        "metadata": {},
    }


def message_delta(message_id: str, *blocks: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "thread.message.delta", {
        "id": message_id,
        "object": "thread.message.delta",
        "delta": {"content": list(blocks)},
    }


def text_message(message_id: str, pieces: list[str]) -> list[tuple[str, Any]]:
    """created, one delta per piece, completed."""
    events: list[tuple[str, Any]] = [("thread.message.created", message(message_id, "in_progress"))]
    for position, piece in enumerate(pieces):
        text: dict[str, Any] = {"value": piece}
        if position == 0:
            text["annotations"] = []
        events.append(message_delta(message_id, {"index": 0, "type": "text", "text": text}))
    final = [{"type": "text", "text": {"value": "".join(pieces), "annotations": []}}]
    events.append(("thread.message.completed", message(message_id, "completed", final)))
    return events


def function_call(step_id: str, call_id: str, name: str, pieces: list[str], index: int = 0) -> list[tuple[str, Any]]:
    """The deltas of one function call: the first fragment, then argument pieces."""
    first = {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": "", "output": None}}
    events = [step_delta(step_id, first)]
    for piece in pieces:
        events.append(step_delta(step_id, {"index": index, "type": "function", "function": {"arguments": piece}}))
    return events


def text_run(pieces: list[str], *, done: bool = True) -> bytes:
    """A whole run answering with one text message."""
    details = {"type": "message_creation", "message_creation": {"message_id": "msg_A"}}
    events = [
        run_event("created"),
        run_event("in_progress"),
        ("thread.run.step.created", step("step_M", "in_progress", details)),
        *text_message("msg_A", pieces),
        ("thread.run.step.completed", step("step_M", "completed", details)),
        run_event("completed"),
    ]
    if done:
        events.append(("done", "[DONE]"))
    return wire(*events)


ERROR_DATA = {"code": "rate_limit_exceeded", "message": "Slow down.", "param": "model", "type": "server_error"}


# ---- httpx responses through MockTransport ------------------------------------------------------


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


class ChunkStream(httpx.SyncByteStream):
    """A response body in chunks, then optionally an exception (a dropped connection)."""

    def __init__(self, chunks: list[bytes], error: Exception | None = None) -> None:
        self.chunks = chunks
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.error is not None:
            raise self.error


class AsyncChunkStream(httpx.AsyncByteStream):
    """The async `ChunkStream`; ``hang`` waits forever after the chunks (a stalled server).

    An iterator class, not an async generator: trio warns about async generators collected
    unexhausted, and the tests watch for runstream's own."""

    def __init__(self, chunks: list[bytes], error: Exception | None = None, hang: bool = False) -> None:
        self.chunks = list(chunks)
        self.error = error
        self.hang = hang

    def __aiter__(self) -> AsyncChunkStream:
        return self

    async def __anext__(self) -> bytes:
        await anyio.sleep(0)
        if self.chunks:
            return self.chunks.pop(0)
        if self.hang:
            await anyio.sleep_forever()
        if self.error is not None:
            raise self.error
        raise StopAsyncIteration


SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}


def _transport(status: int, headers: dict[str, str] | None, stream: Any) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, headers=headers or SSE_HEADERS, stream=stream))


def sync_response(
    data: bytes, *, status: int = 200, headers: dict[str, str] | None = None, size: int = 97, error: Exception | None = None
) -> httpx.Response:
    """A streamed (unread, open) response of a sync client: ``client.send(request, stream=True)``."""
    client = httpx.Client(transport=_transport(status, headers, ChunkStream(chunked(data, size), error)))
    return client.send(client.build_request("POST", "https://api.example.com/v1/threads/t/runs"), stream=True)


async def async_response(
    data: bytes,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    size: int = 97,
    error: Exception | None = None,
    hang: bool = False,
) -> httpx.Response:
    stream = AsyncChunkStream(chunked(data, size), error, hang)
    client = httpx.AsyncClient(transport=_transport(status, headers, stream))
    return await client.send(client.build_request("POST", "https://api.example.com/v1/threads/t/runs"), stream=True)


# ---- recording handlers -------------------------------------------------------------------------

CALLBACKS = sorted(name for name in vars(EventHandler) if name.startswith("on_"))


def _recording(name: str) -> Any:
    def callback(self: Any, *arguments: Any) -> None:
        self.calls.append((name, arguments))

    return callback


def _async_recording(name: str) -> Any:
    async def callback(self: Any, *arguments: Any) -> None:
        self.calls.append((name, arguments))

    return callback


class Recorder(EventHandler):
    """Records every callback with its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def names(self, *, events: bool = False) -> list[str]:
        return [name for name, _ in self.calls if events or name != "on_event"]

    def arguments(self, name: str) -> list[tuple[Any, ...]]:
        return [arguments for called, arguments in self.calls if called == name]


class AsyncRecorder(AsyncEventHandler):
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    names = Recorder.names
    arguments = Recorder.arguments


for _name in CALLBACKS:
    setattr(Recorder, _name, _recording(_name))
    setattr(AsyncRecorder, _name, _async_recording(_name))


# ---- a run with the rarer parts: refusal, images, annotation, code interpreter, file search -----

CODE_STEP = {"type": "tool_calls", "tool_calls": []}
CODE_FINAL = {
    "type": "tool_calls",
    "tool_calls": [
        {"id": "call_C", "type": "code_interpreter", "code_interpreter": {"input": "print(1)", "outputs": [
            {"type": "logs", "logs": "1\n"}, {"type": "image", "image": {"file_id": "file_plot"}}]}},
        {"id": "call_F", "type": "file_search", "file_search": {
            "ranking_options": {"ranker": "auto", "score_threshold": 0.0},
            "results": [{"file_id": "file_doc", "file_name": "doc.txt", "score": 0.5}]}},
    ],
}  # fmt: skip
CITATION = {"type": "file_citation", "text": "[1]", "file_citation": {"file_id": "file_doc"}, "start_index": 4, "end_index": 7}
MESSAGE_FINAL = [
    {"type": "refusal", "refusal": "I cannot."},
    {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    {"type": "image_file", "image_file": {"file_id": "file_img"}},
    {"type": "text", "text": {"value": "see [1]", "annotations": [CITATION]}},
]
RICH_RUN = wire(
    run_event("created"),
    ("thread.run.step.created", step("step_C", "in_progress", CODE_STEP)),
    step_delta("step_C", {"index": 0, "id": "call_C", "type": "code_interpreter", "code_interpreter": {"input": "", "outputs": []}}),
    step_delta("step_C", {"index": 0, "type": "code_interpreter", "code_interpreter": {"input": "print(1)"}}),
    step_delta("step_C", {"index": 0, "type": "code_interpreter", "code_interpreter": {"outputs": [{"index": 0, "type": "logs", "logs": "1\n"}]}}),
    step_delta("step_C", {"index": 1, "id": "call_F", "type": "file_search", "file_search": {}}),
    ("thread.run.step.completed", step("step_C", "completed", CODE_FINAL)),
    ("thread.message.created", message("msg_R", "in_progress")),
    message_delta("msg_R", {"index": 0, "type": "refusal", "refusal": "I can"}),
    message_delta("msg_R", {"index": 0, "type": "refusal", "refusal": "not."}),
    message_delta("msg_R", {"index": 1, "type": "image_url", "image_url": {"url": "https://example.com/a.png"}}),
    message_delta("msg_R", {"index": 2, "type": "image_file", "image_file": {"file_id": "file_img"}}),
    message_delta("msg_R", {"index": 3, "type": "text", "text": {"value": "see [1]", "annotations": [{"index": 0, **CITATION}]}}),
    ("thread.message.completed", message("msg_R", "completed", MESSAGE_FINAL)),
    ("thread.message.completed", message("msg_R", "completed", MESSAGE_FINAL)),  # a duplicate
    ("thread.run.brand_new_event", {"hello": "world"}),
    run_event("completed"),
)  # fmt: skip
