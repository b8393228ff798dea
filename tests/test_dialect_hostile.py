"""Hostile and broken input on the Responses API and Chat Completions streams: a clear
runstream error naming the event and the byte offset, never another exception, and nothing
received before it lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runstream
from runstream.chat import ChatCompletionStream
from runstream.responses import ResponseStream

RECORDINGS = Path(__file__).parent / "recordings"
CHAT = (RECORDINGS / "chat" / "python_text_usage.sse").read_bytes()
RESPONSES = (RECORDINGS / "responses" / "dotnet_streaming_text.sse").read_bytes()


@pytest.mark.parametrize("stream_class", [ChatCompletionStream, ResponseStream])
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b"[" * 5000 + b"]" * 5000, "not"),
    ],
)
def test_bad_data_is_a_decode_error_with_its_place(stream_class: type, data: bytes, reason: str) -> None:
    good = CHAT if stream_class is ChatCompletionStream else RESPONSES
    first_event = good[: good.index(b"\n\n") + 2]
    body = first_event + b"data: " + data + b"\n\n"
    stream = stream_class(body)
    with pytest.raises(runstream.errors.StreamDecodeError) as raised:
        stream.until_done()
    assert reason in str(raised.value)
    assert raised.value.offset == len(first_event) and raised.value.ordinal == 1
    assert stream.accumulator is raised.value.accumulator  # type: ignore[attr-defined]


def test_a_known_response_event_with_wrong_members_is_named() -> None:
    body = b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":5}\n\n'
    with pytest.raises(runstream.errors.StreamDecodeError, match="response.output_text.delta"):
        ResponseStream(body).until_done()


def test_an_event_beyond_the_size_limit_is_refused() -> None:
    body = b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"' + b"x" * 5000 + b'"}}]}\n\n'
    with pytest.raises(runstream.EventTooLargeError):
        ChatCompletionStream(body, max_event_size=1000).until_done()


@settings(max_examples=150, deadline=None)
@given(
    which=st.sampled_from(["chat", "responses"]),
    cut=st.integers(min_value=0, max_value=10_000),
    noise=st.binary(max_size=40),
)
def test_corrupted_streams_fail_only_with_runstream_errors(which: str, cut: int, noise: bytes) -> None:
    """A real stream with random bytes spliced in anywhere ends normally or raises a
    `RunstreamError`; never anything else."""
    good = CHAT if which == "chat" else RESPONSES
    position = cut % (len(good) + 1)
    body = good[:position] + noise + good[position:]
    stream_class = ChatCompletionStream if which == "chat" else ResponseStream
    try:
        stream_class(body).until_done()
    except runstream.RunstreamError:
        pass
