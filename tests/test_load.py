"""Load and soak (all ``slow``).

* 1,000 streams open at the same time through the fake server, in one process: `AsyncClient`
  + `AsyncRunStream` in an anyio task group, under a deadline. Every stream waits after its
  first event until all 1,000 are open, so they really are concurrent. Nothing is lost (each
  final message equals the scenario's) and memory per stream is bounded.
* A long stream generated lazily (about 200 MB, never held in memory): with
  ``Accumulator(keep_finished=False)`` memory stays flat; with the default (every finished
  message kept) what is retained is measured and bounded by the text it holds.
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import Any

import anyio
import httpx
import msgspec
import pytest
from reliability_support import SECRET_KEY

from runstream import Accumulator, AsyncClient, EventHandler, RunStream
from runstream.testing import FakeAssistantsServer, Scenario

pytestmark = pytest.mark.slow
MB = 10**6


# ---- 1,000 concurrent streams ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_thousand_concurrent_streams(anyio_backend: str) -> None:
    count, pools = 1000, 10
    scenarios = [
        Scenario(thread_id=f"thread_load{i}", seed=i, created_at=1_700_000_000, fragment_size=8).message(
            f"Answer number {i}: " + "the load is fine " * 6
        )
        for i in range(count)
    ]
    expected = [msgspec.to_builtins(s.expected_messages()) for s in scenarios]
    results: list[Any] = [None] * count
    opened = 0
    all_open = anyio.Event()

    with FakeAssistantsServer(scenarios, api_key=SECRET_KEY) as server:
        # Ten clients of 100 connections each: httpcore's pool scans all its connections for
        # every request, which costs ~4x more CPU than everything else with a single pool of
        # 1,000 (measured: 22 s against 5 s for the whole test without tracemalloc).
        async with AsyncExitStack() as exits:
            clients = []
            for _ in range(pools):
                http = httpx.AsyncClient(limits=httpx.Limits(max_connections=count // pools + 10),
                                         timeout=httpx.Timeout(60, connect=30, pool=60))
                await exits.enter_async_context(http)
                clients.append(AsyncClient(base_url=server.base_url, api_key=SECRET_KEY, http_client=http))

            async def one(i: int) -> None:
                nonlocal opened
                client = clients[i % pools]
                stream = await client.stream_run(scenarios[i].thread_id, assistant_id=scenarios[i].assistant_id)
                async with stream:
                    first = True
                    async for _ in stream:
                        if first:
                            first = False
                            opened += 1
                            if opened == count:
                                all_open.set()
                            await all_open.wait()  # hold every stream open until all are
                results[i] = msgspec.to_builtins(stream.accumulator.messages)

            gc.collect()
            tracemalloc.start()
            started = time.monotonic()
            try:
                with anyio.fail_after(600):  # a safety net against a hang, not a speed target
                    async with anyio.create_task_group() as group:
                        for i in range(count):
                            group.start_soon(one, i)
                current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            elapsed = time.monotonic() - started
        assert server.errors == []
    lost = [i for i in range(count) if results[i] != expected[i]]
    assert lost == []
    assert opened == count
    # Client and server (same process) together, per stream: the stream's objects, its
    # connection on both sides and the server's copy of the scripted run.
    per_stream = peak / count
    print(f"\n{count} concurrent streams ({anyio_backend}): {elapsed:.1f} s, peak {peak / MB:.1f} MB "
          f"({per_stream / 1000:.0f} kB per stream), {current / MB:.1f} MB still traced at the end")
    assert per_stream < 400_000


# ---- soak ---------------------------------------------------------------------------------------------


def _frame(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + json.dumps(data).encode() + b"\n\n"


RUN = {"id": "run_soak", "object": "thread.run", "thread_id": "thread_soak", "assistant_id": "asst_soak"}
PIECE = "All work and no play makes a soak test. " * 25  # 1,000 characters


def soak_stream(target_bytes: int, marks: list[tuple[int, int]], pieces_per_message: int = 50) -> Iterator[bytes]:
    """A run of many finished messages, each ``pieces_per_message`` deltas of 1,000
    characters, generated lazily until ``target_bytes`` were produced. Records
    ``(bytes so far, traced memory)`` at each message start in ``marks``."""
    sent = 0

    def emit(chunk: bytes) -> bytes:
        nonlocal sent
        sent += len(chunk)
        return chunk

    yield emit(_frame("thread.run.created", {**RUN, "status": "queued"}))
    yield emit(_frame("thread.run.in_progress", {**RUN, "status": "in_progress"}))
    number = 0
    while sent < target_bytes:
        marks.append((sent, tracemalloc.get_traced_memory()[0]))
        message_id, step_id = f"msg_{number}", f"step_{number}"
        details = {"type": "message_creation", "message_creation": {"message_id": message_id}}
        step = {"id": step_id, "object": "thread.run.step", "run_id": "run_soak", "type": "message_creation",
                "status": "in_progress", "step_details": details}
        message = {"id": message_id, "object": "thread.message", "thread_id": "thread_soak", "run_id": "run_soak",
                    "status": "in_progress", "role": "assistant", "content": []}
        yield emit(_frame("thread.run.step.created", step))
        yield emit(_frame("thread.message.created", message))
        for index in range(pieces_per_message):
            text: dict[str, Any] = {"value": PIECE} if index else {"value": PIECE, "annotations": []}
            delta = {"id": message_id, "object": "thread.message.delta",
                     "delta": {"content": [{"index": 0, "type": "text", "text": text}]}}
            yield emit(_frame("thread.message.delta", delta))
        final = [{"type": "text", "text": {"value": PIECE * pieces_per_message, "annotations": []}}]
        yield emit(_frame("thread.message.completed", {**message, "status": "completed", "content": final}))
        yield emit(_frame("thread.run.step.completed", {**step, "status": "completed"}))
        number += 1
    marks.append((sent, tracemalloc.get_traced_memory()[0]))
    yield _frame("thread.run.completed", {**RUN, "status": "completed"})
    yield b"event: done\ndata: [DONE]\n\n"


class TextCounter(EventHandler):
    """A consumer that reads every text delta and every finished message, keeping none."""

    def __init__(self) -> None:
        self.characters = 0
        self.messages = 0

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.characters += len(delta.value)

    def on_message_done(self, message: Any) -> None:
        self.messages += 1


def soak(target_bytes: int, accumulator: Accumulator, handler: EventHandler | None) -> tuple[list[tuple[int, int]], int]:
    marks: list[tuple[int, int]] = []
    gc.collect()
    tracemalloc.start()
    try:
        with RunStream(soak_stream(target_bytes, marks), handler, accumulator=accumulator) as stream:
            stream.until_done()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert accumulator.run_status == "completed"
    return marks, peak


def test_soak_200_mb_constant_memory_without_finished_objects() -> None:
    accumulator = Accumulator(keep_finished=False)
    handler = TextCounter()
    started = time.monotonic()
    marks, peak = soak(200 * MB, accumulator, handler)
    elapsed = time.monotonic() - started
    total, messages = marks[-1][0], len(marks) - 1
    assert total >= 200 * MB
    assert handler.messages == messages and handler.characters == messages * 50 * len(PIECE)
    assert accumulator.messages == [] and accumulator.run_steps == []  # all dropped
    # Memory after the first tenth of the stream stays within 2 MB of where it was then.
    settled = [memory for sent, memory in marks if sent > total // 10]
    growth = max(settled) - min(settled)
    print(f"\nsoak keep_finished=False: {total / MB:.0f} MB, {messages} messages in {elapsed:.1f} s; "
          f"traced {min(settled) / MB:.2f}..{max(settled) / MB:.2f} MB, peak {peak / MB:.2f} MB")
    assert growth < 2 * MB
    assert peak < 10 * MB


def test_soak_default_keeps_every_finished_message() -> None:
    # The default keeps finished messages: measure what that costs per byte of text kept.
    accumulator = Accumulator()
    marks, peak = soak(40 * MB, accumulator, None)
    total, messages = marks[-1][0], len(marks) - 1
    text = messages * 50 * len(PIECE)
    retained = marks[-1][1] - marks[0][1]
    assert len(accumulator.messages) == messages
    print(f"\nsoak keep_finished=True: {total / MB:.0f} MB stream, {messages} messages, {text / MB:.1f} MB of text; "
          f"retained {retained / MB:.1f} MB ({retained / text:.2f} bytes per text byte), peak {peak / MB:.1f} MB")
    # It holds each message's text once (not the deltas, not the raw events)...
    assert 0.9 * text < retained < 1.3 * text
    assert peak < retained + 10 * MB
