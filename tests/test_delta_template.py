"""Delta templates (``_core/delta_template.py``): the fast path of ``until_done`` decodes only
the string of a delta whose bytes around it repeat the previous delta's. Whatever the bytes
(any string, escapes, spacing, a middle that is not one string, invalid UTF-8), the result
must be what decoding every event whole gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stream_builders import run_event, step
from test_drain import outcome

from runstream._core.delta_template import DECODE_STRING, learn

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_learn_cuts_at_the_quotes_of_the_first_member_of_that_key() -> None:
    raw = b'{"id":"s","x":{"arguments":"a\\"b\\\\","n":1}}'
    prefix, suffix = learn(raw, b'"arguments":')  # type: ignore[misc]
    assert prefix == b'{"id":"s","x":{"arguments":"' and suffix == b'","n":1}}'
    middle = raw[len(prefix) - 1 : len(raw) - len(suffix) + 1]
    assert DECODE_STRING(middle) == 'a"b\\'
    assert learn(b'{"arguments": \t"x"}', b'"arguments":') == (b'{"arguments": \t"', b'"}')
    assert learn(b'{"arguments":null}', b'"arguments":') is None
    assert learn(b'{"id":"x"}', b'"arguments":') is None
    assert learn(b'{"arguments":"unterminated', b'"arguments":') is None


def frame(name: str, data: Any, compact: bool, ascii_only: bool) -> bytes:
    separators = (",", ":") if compact else (", ", ": ")
    return f"event: {name}\ndata: {json.dumps(data, separators=separators, ensure_ascii=ascii_only)}\n\n".encode()


def fragment(index: int, arguments: str) -> dict[str, Any]:
    return {"id": "step_T", "object": "thread.run.step.delta", "delta": {"step_details": {
        "type": "tool_calls", "tool_calls": [{"index": index, "type": "function", "function": {"arguments": arguments}}]}}}


def text(value: str) -> dict[str, Any]:
    return {"id": "msg_T", "object": "thread.message.delta",
            "delta": {"content": [{"index": 0, "type": "text", "text": {"value": value, "annotations": []}}]}}


def stream(pieces: list[str], texts: list[str], compact: bool, ascii_only: bool, hostile: list[bytes]) -> bytes:
    details = {"type": "tool_calls", "tool_calls": []}
    frames = [frame(name, data, compact, ascii_only) for name, data in (
        run_event("created"),
        ("thread.run.step.created", step("step_T", "in_progress", details)),
        ("thread.run.step.delta", {"id": "step_T", "object": "thread.run.step.delta", "delta": {"step_details": {
            "type": "tool_calls", "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                                  "function": {"name": "f", "arguments": "", "output": None}}]}}}),
    )]
    frames += [frame("thread.run.step.delta", fragment(0, piece), compact, ascii_only) for piece in pieces]
    frames.append(frame("thread.message.created", {"id": "msg_T", "object": "thread.message", "created_at": 1,
                                                   "thread_id": "thread_T", "status": "in_progress", "role": "assistant",
                                                   "content": [], "metadata": {}}, compact, ascii_only))
    frames += [frame("thread.message.delta", text(value), compact, ascii_only) for value in texts]
    # Bytes that start and end like the deltas before them but are not one string between.
    body = b"".join(frames)
    for position, middle in enumerate(hostile):
        template = frame("thread.run.step.delta", fragment(0, "\x00"), compact, ascii_only)
        cut = template.index(b"\\u0000")
        body += template[:cut] + middle + template[cut + 6 :]
        body += frame("thread.run.step.delta", fragment(0, f"after{position}"), compact, ascii_only)
    return body


HOSTILE = st.sampled_from([
    b'x", "name": "evil',  # a name member slipped in between: a different structure
    b'x","output":"o',
    b'\\',  # the closing quote escaped
    b'\xff\xfe',  # invalid UTF-8
    b'tab\there',  # a raw control character
    b'\\u00e9\\ud83d\\ude00',  # escapes
    b'"',
    b'',
])


@FAST
@given(st.lists(st.text(max_size=6), min_size=1, max_size=40), st.lists(st.text(max_size=6), max_size=20),
       st.booleans(), st.booleans(), st.lists(HOSTILE, max_size=3), st.sampled_from([7, 64, 65536]))
def test_template_fragments_merge_as_whole_decoding_merges_them(
    pieces: list[str], texts: list[str], compact: bool, ascii_only: bool, hostile: list[bytes], chunk: int
) -> None:
    body = stream(pieces, texts, compact, ascii_only, hostile)
    assert outcome(body, True, chunk) == outcome(body, False, chunk)


@pytest.mark.parametrize("compact", [True, False])
def test_a_slipped_in_member_is_merged_not_swallowed_into_the_arguments(compact: bool) -> None:
    body = stream(["{", '"a"', ": 1"], [], compact, True, [b'x", "name": "evil'])
    state, _anomalies, _discrepancies, _fed, *_rest, error = outcome(body, True, 65536)
    assert error is not None  # the stream ends without its run finishing
    (call,) = state["steps"][0]["step_details"]["tool_calls"]
    assert call["function"]["name"] == "evil" and call["function"]["arguments"] == '{"a": 1xafter0'
    assert outcome(body, True, 65536) == outcome(body, False, 65536)
