"""Runs of one event type found whole (`UniformRun`, `SSEDecoder.feed_runs` with
``uniform_runs``) and decoded as JSON lines (`runstream._core.json_batches`): the events are
exactly those `feed` gives, and a batch decodes exactly as its values one by one, or not at
all, whatever the bytes."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runstream._core.json_batches import decode_batch, decode_leading, json_lines
from runstream._core.sse import RawRun, SSEDecoder, UniformRun
from runstream.errors import EventTooLargeError


def triples(items: list[Any]) -> list[tuple[str, str, int]]:
    """What `feed_runs` returned, as (event, data, offset) of every event in order."""
    out = []
    for item in items:
        if isinstance(item, UniformRun):
            run = item.raw_run()
            if item.count > 1:
                # Split off its first or its last event, the events and offsets stay the same.
                first, rest = item.split_first()
                most, last = item.split_last()
                assert triples([first, rest.raw_run()]) == triples([run]) == triples([most.raw_run(), last])
            assert item.values() == [data for _, data in run.pairs]
            assert bytes(item.json_lines()) == b"\r".join(item.values())
            assert list(item.first_and_last()) == [run.pairs[0][1], run.pairs[-1][1]]
            item = run
        if isinstance(item, RawRun):
            for (name, data), offset in zip(item.pairs, item.offsets()):
                out.append((name.decode("utf-8", "replace") or "message", str(data, "utf-8", "replace"), offset))
        else:
            out.append((item.event, item.data, item.offset))
    return out


def read(chunks: list[bytes], runs: bool, max_event_size: int = 1 << 24) -> object:
    decoder = SSEDecoder(max_event_size)
    decoder.uniform_runs = runs
    items: list[Any] = []
    try:
        for chunk in chunks:
            items += decoder.feed_runs(chunk) if runs else decoder.feed(chunk)
        items += decoder.end()
    except EventTooLargeError as error:
        return ("too large", error.offset, triples(items))
    return triples(items)


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    offsets = sorted({cut % (len(body) + 1) for cut in cuts})
    return [body[start:end] for start, end in zip([0, *offsets], [*offsets, len(body)])]


_value = st.one_of(
    st.builds(lambda text: json.dumps({"delta": text}), st.text(max_size=6)),
    st.sampled_from(['{"a":1,', '"b":2}', "{}", "{", "}", "[DONE]", '{"x":[{}', "{}]}", "{},{}", '{"s":"}', '{"}']),
)
_odd_line = st.sampled_from([b"id: 7", b": keep-alive", b"retry: 5", b'"b":2}', b"{}", b"data: {}", b"event: other", b""])


@st.composite
def uniform_streams(draw: Any) -> bytes:
    """Runs of events of one or two names (or lone data lines) with JSON-object values, now
    and then a value that is not one, or an odd line where a usual event has none."""
    named = draw(st.booleans())
    names = draw(st.lists(st.sampled_from([b"d", b"response.output_text.delta", b"x}", b""]), min_size=1, max_size=2))
    out = []
    for _ in range(draw(st.integers(1, 40))):
        value = draw(_value).encode()
        block = (b"event: " + draw(st.sampled_from(names)) + b"\n" if named else b"") + b"data: " + value + b"\n"
        if draw(st.integers(0, 9)) == 0:
            block += draw(_odd_line) + b"\n"
        out.append(block + b"\n")
    return b"".join(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uniform_streams(), st.lists(st.integers(0, 4000), max_size=5), st.sampled_from([1 << 24, 40]))
def test_uniform_runs_give_the_events_feed_gives_however_chunked(body: bytes, cuts: list[int], limit: int) -> None:
    expected = read([body], False, limit)
    assert read(split(body, cuts), True, limit) == expected
    assert read([body], True, limit) == expected


def test_a_run_of_one_type_comes_as_json_lines() -> None:
    body = b"".join(b'event: d\ndata: {"n":%d}\n\n' % n for n in range(5))
    decoder = SSEDecoder()
    decoder.uniform_runs = True
    (run,) = decoder.feed_runs(body)
    assert isinstance(run, UniformRun) and run.count == 5 and run.name == b"d" and run.offset == 0
    assert bytes(run.json_lines()) == b"\r".join(b'{"n":%d}' % n for n in range(5))


@pytest.mark.parametrize(
    "odd",
    [
        b'event: d\ndata: {"a":1,\n"b":2}\n\n',  # a field line that would continue the JSON
        b"event: d\nid: 7\ndata: {}\n\n",  # an id: changes the last event ID
        b"event: d\ndata: {}\nretry: 5\n\n",
        b"event: e\ndata: {}\n\n",  # another type
        b"event: d\ndata: [1]\n\n",  # not an object
        b": comment\n\n",
    ],
)
def test_anything_else_in_a_run_is_not_taken_for_a_usual_event(odd: bytes) -> None:
    usual = b'event: d\ndata: {"n":1}\n\n'
    for where in range(4):
        body = usual * where + odd + usual * (3 - where)
        assert read([body], True) == read([body], False)


def test_the_first_and_last_chunks_of_a_stream_give_the_run_among_other_events() -> None:
    deltas = b"".join(b'event: delta\ndata: {"n":%d}\n\n' % n for n in range(50))
    body = b"event: created\ndata: {}\n\n" + deltas + b"event: done\ndata: {}\n\nevent: done\ndata: [DONE]\n\n"
    decoder = SSEDecoder()
    decoder.uniform_runs = True
    items = decoder.feed_runs(body)
    assert [type(item) for item in items] == [RawRun, UniformRun, RawRun]
    assert items[1].count == 50
    assert read([body], True) == read([body], False)


# ---- JSON lines ------------------------------------------------------------------------------


class Delta(msgspec.Struct):
    delta: str = ""
    n: int = 0


_DECODE = msgspec.json.Decoder(Delta).decode
_DECODE_LINES = msgspec.json.Decoder(Delta).decode_lines
_piece = st.sampled_from(['{"delta":"a"}', '{"n":1}', "{}", '{"delta":"}', '{"', "}", ",", '"n":2}', '{"x":[{}',
                          "{}]}", "{},{}", "{} {}", " {}", "[{}]", '{"delta":"a\\"}', "1", '"s"', "{}}", "{{}"])


def one_by_one(values: list[bytes]) -> list[Delta] | None:
    try:
        return [_DECODE(value) for value in values]
    except msgspec.MsgspecError:
        return None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(_piece, min_size=1, max_size=3).map(lambda parts: "".join(parts).encode()), min_size=1, max_size=6))
def test_a_batch_decodes_as_its_values_one_by_one_or_not_at_all(values: list[bytes]) -> None:
    batch = decode_batch(_DECODE_LINES, json_lines(values), len(values))
    if batch is not None:
        assert batch == one_by_one(values)
    leading = decode_leading(_DECODE_LINES, values)
    assert leading == (one_by_one(values[: len(leading)]) or [])


def test_values_that_would_only_parse_together_are_no_batch() -> None:
    # Each alone is not JSON; joined, the first two would make one object and the third two.
    values = [b'{"delta":"a","x":[{}', b"{}]}", b'{"n":1},{"n":2}']
    assert one_by_one(values) is None
    assert decode_batch(_DECODE_LINES, json_lines(values), len(values)) is None
    assert decode_leading(_DECODE_LINES, values) == []


@settings(max_examples=60, deadline=None)
@given(st.integers(200, 2500), st.lists(st.integers(0, 300), min_size=15, max_size=60),
       st.sampled_from([b"event: d\ndata: ", b"data: "]), st.booleans())
def test_a_long_stretch_is_replaced_in_pieces_exactly_as_whole(base: int, sizes: list[int], prefix: bytes,
                                                                odd: bool) -> None:
    from runstream._core.sse_uniform import _replaced

    # Stretches of 3 to 170 kB, values of any size (a boundary may fall anywhere near a cut),
    # now and then one that holds a lookalike of a boundary's end.
    values = [b'{"v":"' + b"x" * (base + size) + (b"}" if odd and n % 7 == 0 else b"") + b'"}'
              for n, size in enumerate(sizes)]
    stretch = b"".join(prefix + value + b"\n\n" for value in values)
    boundary = b"}\n\n" + prefix + b"{"
    expected = stretch.replace(boundary, b"}\r{")
    assert _replaced(stretch, 0, len(stretch), boundary) == expected
    # Within a larger buffer, with what stands around the stretch left alone.
    around = b"}\n\n" + prefix + b"{" + stretch + b"}\n\n" + prefix + b"{"
    assert _replaced(around, len(boundary), len(boundary) + len(stretch), boundary) == expected
    decoder = SSEDecoder()
    decoder.uniform_runs = True
    runs = decoder.feed_runs(stretch)
    assert all(isinstance(run, UniformRun) for run in runs)
    assert [value for run in runs for value in run.values()] == values


def test_an_event_cut_by_a_chunk_comes_as_bytes_unless_its_value_is_large() -> None:
    # The dialects' fast paths decode bytes straight; a view (no copy) is for large values.
    for size, kind in ((100, bytes), (70_000, memoryview)):
        value = b'{"v":"' + b"x" * size + b'"}'
        body = b"event: d\ndata: " + value + b"\n\n"
        decoder = SSEDecoder()
        decoder.uniform_runs = True
        assert decoder.feed_runs(body[:12]) == []
        (run,) = decoder.feed_runs(body[12:])
        assert isinstance(run, RawRun) and run.offset == 0
        ((name, data),) = run.pairs
        assert (name, type(data), bytes(data)) == (b"d", kind, value)
