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

import runstream._core.drain
from runstream._core.delta_template import DECODE_STRING, learn, template_strings

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


def spliced(data: dict[str, Any], middle: bytes, compact: bool, ascii_only: bool, name: str) -> bytes:
    # ``data`` (whose one string is "\x00") with ``middle`` in place of that string's body.
    template = frame(name, data, compact, ascii_only)
    cut = template.index(b"\\u0000")
    return template[:cut] + middle + template[cut + 6 :]


# A delta as the fast path may meet it within a long run: a usual fragment (str), bytes that
# start and end like one but are not one string between (bytes), or a fragment of another
# call (None), which breaks the run.
DELTAS = st.lists(st.one_of(st.text(max_size=4), st.text(max_size=4), st.text(max_size=4), HOSTILE, st.none()),
                  min_size=1, max_size=300)


@FAST
@given(DELTAS, DELTAS, st.booleans(), st.booleans(), st.sampled_from([7, 300, 65536]))
def test_long_runs_of_template_deltas_merge_as_whole_decoding_merges_them(
    calls: list[Any], texts: list[Any], compact: bool, ascii_only: bool, chunk: int
) -> None:
    # Long enough for the fast path to take whole windows of deltas at once, with what
    # breaks a run anywhere in it: the result, and any error with its ordinal and offset,
    # must be what decoding every event whole gives.
    body = stream([], [], compact, ascii_only, [])
    for piece in calls:
        if isinstance(piece, str):
            body += frame("thread.run.step.delta", fragment(0, piece), compact, ascii_only)
        elif piece is None:
            body += frame("thread.run.step.delta", fragment(1, "other"), compact, ascii_only)
        else:
            body += spliced(fragment(0, "\x00"), piece, compact, ascii_only, "thread.run.step.delta")
    for value in texts:
        if isinstance(value, str):
            body += frame("thread.message.delta", text(value), compact, ascii_only)
        elif value is None:
            body += frame("thread.run.step.delta", fragment(0, "between"), compact, ascii_only)
        else:
            body += spliced(text("\x00"), value, compact, ascii_only, "thread.message.delta")
    assert outcome(body, True, chunk) == outcome(body, False, chunk)


def test_a_run_of_template_deltas_is_merged_at_once_up_to_the_first_that_does_not_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 600 fragments in one chunk, the 400th a different structure: the fragments before it
    # are merged in windows that grow, every one in order, and the events count.
    taken: list[int] = []

    def spy(*arguments: Any) -> list[str]:
        strings = template_strings(*arguments)
        taken.append(len(strings))
        return strings

    monkeypatch.setattr(runstream._core.drain, "template_strings", spy)
    pieces = [f"<{position}>" for position in range(600)]
    body = stream([], [], True, True, [])
    body += b"".join(frame("thread.run.step.delta", fragment(0, piece), True, True) for piece in pieces[:399])
    body += spliced(fragment(0, "\x00"), b'x", "name": "evil', True, True, "thread.run.step.delta")
    body += b"".join(frame("thread.run.step.delta", fragment(0, piece), True, True) for piece in pieces[400:])
    state, _anomalies, _discrepancies, fed, *_rest = outcome(body, True, len(body))
    (call,) = state["steps"][0]["step_details"]["tool_calls"]
    assert call["function"]["arguments"] == "".join(pieces[:399]) + "x" + "".join(pieces[400:])
    assert call["function"]["name"] == "evil"
    assert fed == 4 + 600  # the run, the step, the call's first delta, the message; the fragments
    assert max(taken) >= 128 and sum(taken) >= 550
    assert outcome(body, True, len(body)) == outcome(body, False, len(body))


@pytest.mark.parametrize("name", ["thread.run.step.later", "thread.message.delta", "message"])
def test_an_event_of_another_name_with_the_same_bytes_ends_a_run(name: str) -> None:
    # Data that fits the template under another event name is that event, not a fragment.
    pieces = [f"<{position}>" for position in range(100)]
    body = stream([], [], True, True, [])
    body += b"".join(frame("thread.run.step.delta", fragment(0, piece), True, True) for piece in pieces[:50])
    body += frame(name, fragment(0, "odd"), True, True)
    body += b"".join(frame("thread.run.step.delta", fragment(0, piece), True, True) for piece in pieces[50:])
    state, *_rest = outcome(body, True, len(body))
    (call,) = state["steps"][0]["step_details"]["tool_calls"]
    assert call["function"]["arguments"] == "".join(pieces)
    assert outcome(body, True, len(body)) == outcome(body, False, len(body))


@pytest.mark.parametrize("corrupt", [
    lambda data: data.replace(b'"index":0', b'"index":1'),  # a prefix of the same length, another call
    lambda data: data[:-1] + b"]",  # a suffix of the same length, invalid JSON
    lambda data: data[:-3] + b"} }",  # the same object, spaced otherwise
    lambda data: b" " + data[1:],  # a prefix of the same length, the same object
])
@pytest.mark.parametrize("at", [0, 7, 40, 99])
def test_a_delta_that_differs_from_the_template_in_a_byte_within_a_long_run(corrupt: Any, at: int) -> None:
    # Its string would decode from the same slice as its neighbours': it must not be taken
    # for one of them (the result, or the error with its ordinal and offset, as decoding
    # every event whole gives them).
    body = stream([], [], True, True, [])
    for position in range(100):
        event = frame("thread.run.step.delta", fragment(0, f"<{position}>"), True, True)
        if position == at:
            head, _, data = event[:-2].partition(b"\ndata: ")
            event = head + b"\ndata: " + corrupt(data) + b"\n\n"
        body += event
    assert outcome(body, True, len(body)) == outcome(body, False, len(body))
