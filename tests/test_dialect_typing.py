"""Code written the openai-python way (narrowing on ``event.type``) type-checks with mypy
against the Responses API and Chat Completions streams."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SNIPPET = '''
from runstream.chat import (AsyncChatCompletionHandler, ChatCompletion, ChatCompletionChunk, ChatCompletionHandler,
                            ChatCompletionStream, ChatErrorEvent)
from runstream.responses import AsyncResponseHandler, ResponseStream, ResponseStreamEvent, UnknownResponseEvent
from runstream.types import UnknownObject


def read(body: bytes) -> None:
    for event in ResponseStream(body):
        if event.type == "response.output_text.delta":
            print(event.delta, event.item_id, event.content_index)
        elif event.type == "response.output_item.done":
            item = event.item
            if item.type == "function_call":
                print(item.arguments.upper(), item.call_id, event.output_index)
            elif item.type == "message":
                for part in item.content:
                    if part.type == "output_text":
                        print(part.text.upper(), [a.type for a in part.annotations])
            elif isinstance(item, UnknownObject):
                print(item["type"])
        elif event.type == "response.completed":
            print(event.response.id.upper(), event.response.output_text)
            if event.response.usage is not None:
                print(event.response.usage.input_tokens_details.cached_tokens + 1)
        elif event.type == "unknown":
            print(event.name, event.data)
    for chunk in ChatCompletionStream(body):
        for choice in chunk.choices:
            if isinstance(choice.delta.content, str):
                print(choice.delta.content.upper())


class Printer(ChatCompletionHandler):
    def on_content_delta(self, delta: str, choice_index: int) -> None:
        print(delta.upper(), choice_index + 1)


# The async handlers' callbacks may be coroutines, as their docs say.
class AsyncChatPrinter(AsyncChatCompletionHandler):
    async def on_content_delta(self, delta: str, choice_index: int) -> None:
        print(delta.upper(), choice_index + 1)

    async def on_event(self, event: ChatCompletionChunk | ChatErrorEvent) -> None:
        if isinstance(event, ChatCompletionChunk):
            print(event.id.upper())

    async def on_completed(self, completion: ChatCompletion) -> None:
        if completion.usage:
            print(completion.usage.total_tokens + 1)


class AsyncResponsePrinter(AsyncResponseHandler):
    async def on_event(self, event: ResponseStreamEvent | UnknownResponseEvent) -> None:
        if event.type == "response.output_text.delta":
            print(event.delta.upper())

    async def on_output_text_delta(self, delta: str, item_id: str, content_index: int) -> None:
        print(delta.upper())
'''

BROKEN = '''
from runstream.responses import ResponseStream

for event in ResponseStream(b""):
    if event.type == "response.completed":
        print(event.delta)
'''


@pytest.mark.slow
def test_narrowing_on_type_checks_with_mypy(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    good = tmp_path / "good.py"
    good.write_text(SNIPPET, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(good)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    bad = tmp_path / "bad.py"
    bad.write_text(BROKEN, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1 and '"ResponseCompletedEvent" has no attribute "delta"' in result.stdout


@pytest.mark.slow
def test_narrowing_and_async_callbacks_check_with_pyright(tmp_path: Path) -> None:
    from test_typing import _pyright

    good = tmp_path / "good.py"
    good.write_text(SNIPPET, encoding="utf-8")
    result = _pyright(good)
    assert result.returncode == 0, result.stdout
