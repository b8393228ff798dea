"""SSEDecoder: the WHATWG "interpreting an event stream" rules, one test per rule, then
properties (chunking invariance) and a differential test against httpx-sse."""

from __future__ import annotations

import sys

import pytest
from httpx_sse._decoders import SSEDecoder as OracleDecoder
from httpx_sse._decoders import SSELineDecoder as OracleLineDecoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sse_strategies import flood_stream, lf_stream, oracle_block, stream_bytes

from runstream import EventTooLargeError, ServerSentEvent, SSEDecoder, StreamDecodeError

BOM = b"\xef\xbb\xbf"


def decode(*chunks: bytes, **options: int) -> list[ServerSentEvent]:
    decoder = SSEDecoder(**options)
    events = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events + decoder.end()


def pieces(stream: bytes, size: int) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


def summary(events: list[ServerSentEvent]) -> list[tuple[str, str]]:
    return [(event.event, event.data) for event in events]


# ---- line endings ----------------------------------------------------------------------


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_each_line_ending_terminates_lines_and_blocks(eol: bytes) -> None:
    stream = b"event: a" + eol + b"data: 1" + eol + b"data: 2" + eol + eol + b"data: 3" + eol + eol
    assert summary(decode(stream)) == [("a", "1\n2"), ("message", "3")]


@pytest.mark.parametrize(
    "chunks",
    [[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"], [b"data: a\r", b"\n", b"data: b\r\n\r\n"]],
)
def test_cr_at_chunk_end_and_lf_at_next_chunk_start_are_one_line_end(chunks: list[bytes]) -> None:
    # Were the LF a second line end, it would be a blank line dispatching "a" alone.
    assert summary(decode(*chunks)) == [("message", "a\nb")]


def test_cr_at_chunk_end_followed_by_cr_is_a_blank_line() -> None:
    assert summary(decode(b"data: a\r", b"\rdata: b\n\n")) == [("message", "a"), ("message", "b")]


def test_lf_cr_is_two_line_ends() -> None:
    assert summary(decode(b"data: a\n\rdata: b\n\n")) == [("message", "a"), ("message", "b")]


# ---- byte order mark -------------------------------------------------------------------


@pytest.mark.parametrize("split", [0, 1, 2, 3])
def test_bom_at_stream_start_is_stripped_also_when_split_across_chunks(split: int) -> None:
    stream = BOM + b"event: e\ndata: x\n\n"
    events = decode(stream[:split], stream[split:])
    assert summary(events) == [("e", "x")]
    assert events[0].offset == 3
    assert decode(*pieces(stream, 1)) == events


def test_bom_later_in_the_stream_is_data() -> None:
    assert decode(b"data: " + BOM + b"x\n\n")[0].data == "\ufeffx"


def test_only_the_first_of_two_leading_boms_is_stripped() -> None:
    # The second BOM makes the field name "\ufeffdata", an unknown field.
    assert decode(BOM + BOM + b"data: x\n\ndata: y\n\n")[0].data == "y"


def test_bom_prefix_that_is_not_a_bom_loses_no_bytes() -> None:
    events = decode(b"\xef", b"\n\n", b"data: x\n\n")
    assert summary(events) == [("message", "x")]
    assert events[0].offset == 3


# ---- fields ----------------------------------------------------------------------------


def test_comment_lines_are_ignored_and_a_comment_only_block_dispatches_nothing() -> None:
    assert summary(decode(b": keep-alive\n\n:\ndata: x\n: inside\n\n")) == [("message", "x")]


def test_field_without_colon_has_an_empty_value() -> None:
    assert summary(decode(b"data\n\n")) == [("message", "")]
    assert summary(decode(b"data\ndata\n\n")) == [("message", "\n")]
    assert summary(decode(b"event: a\nevent\ndata: x\n\n")) == [("message", "x")]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        (b"data:x", "x"),
        (b"data: x", "x"),
        (b"data:  x", " x"),
        (b"data:\tx", "\tx"),
        (b"data: ", ""),
    ],
)
def test_exactly_one_leading_space_is_stripped_from_the_value(line: bytes, value: str) -> None:
    assert decode(line + b"\n\n")[0].data == value


def test_one_leading_space_is_stripped_from_non_data_fields_too() -> None:
    events = decode(b"event:  e\nid:  7\ndata: x\n\n")
    assert (events[0].event, events[0].id) == (" e", " 7")


def test_data_lines_are_joined_with_lf_and_a_trailing_empty_line_is_kept() -> None:
    assert decode(b"data: a\ndata:\ndata: b\ndata:\n\n")[0].data == "a\n\nb\n"


def test_empty_data_buffer_is_not_dispatched_and_resets_event_type() -> None:
    events = decode(b"event: first\n\ndata: x\n\n")
    assert summary(events) == [("message", "x")]


def test_event_name_defaults_to_message() -> None:
    assert decode(b"data: x\n\n")[0].event == "message"
    assert decode(b"event:\ndata: x\n\n")[0].event == "message"


def test_unknown_fields_are_ignored() -> None:
    events = decode(b"foo: bar\nData: no\nEVENT: no\nevents: no\ndata: x\n\n")
    assert summary(events) == [("message", "x")]


# ---- id and retry ----------------------------------------------------------------------


def test_id_persists_across_events_until_changed() -> None:
    events = decode(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n")
    assert [event.id for event in events] == ["1", "1", "2"]


def test_id_in_a_block_without_data_still_sets_the_last_event_id() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 5\n\n") == []
    assert decoder.last_event_id == "5"
    assert decoder.feed(b"data: x\n\n")[0].id == "5"


def test_last_event_id_changes_only_when_its_block_is_dispatched() -> None:
    # The id field sets a buffer; the last event ID (what a reconnection sends) takes the
    # buffer's value at the blank line that dispatches the block.
    decoder = SSEDecoder()
    decoder.feed(b"id: 1\ndata: a\n\n")
    assert decoder.last_event_id == "1"
    assert decoder.feed(b"id: 2\n") == []
    assert decoder.last_event_id == "1"
    assert decoder.feed(b"data: b\n") == []
    assert decoder.last_event_id == "1"
    assert [event.id for event in decoder.feed(b"\n")] == ["2"]
    assert decoder.last_event_id == "2"


@pytest.mark.parametrize("tail", [b"id: 2\ndata: b\n", b"id: 2\n", b"id: 2\ndata: b", b"data: b\nid: 2\n"])
def test_an_unterminated_last_block_does_not_change_the_last_event_id(tail: bytes) -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 1\ndata: a\n\n" + tail)
    assert [event.data for event in events] == ["a"]
    assert decoder.last_event_id == "1"
    assert decoder.end() == []
    assert decoder.last_event_id == "1"
    # The next connection's events carry the id the reconnection sent.
    assert decoder.feed(b"data: c\n\n")[0].id == "1"


def _dispatched_id(stream: bytes) -> str:
    """The last event ID after ``stream`` (LF line endings), by the standard's steps: the id
    fields of complete blocks only (a block ends at a blank line)."""
    last = ""
    complete = stream[: stream.rfind(b"\n\n") + 2] if b"\n\n" in stream else b""
    for line in complete.split(b"\n"):
        name, _, value = line.partition(b":")
        if name == b"id" and b"\0" not in value:
            last = (value[1:] if value.startswith(b" ") else value).decode("utf-8", "replace")
    return last


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    blocks=st.lists(
        st.lists(
            st.sampled_from([b"id: 7", b"id: 8", b"id:", b"data: x", b"event: e", b": note", b"data: {}"]),
            min_size=1,
            max_size=4,
        ),
        max_size=6,
    ),
    cut=st.integers(0, 200),
    chunk=st.integers(1, 9),
)
def test_last_event_id_is_the_id_of_the_last_dispatched_block(blocks: list[list[bytes]], cut: int, chunk: int) -> None:
    stream = b"".join(b"\n".join(lines) + b"\n\n" for lines in blocks)
    stream = stream[: min(cut, len(stream))]  # possibly ends inside a block or a line
    decoder = SSEDecoder()
    for start in range(0, len(stream), chunk):
        decoder.feed(stream[start : start + chunk])
        assert decoder.last_event_id == _dispatched_id(stream[: start + chunk])
    decoder.end()
    assert decoder.last_event_id == _dispatched_id(stream)


def test_id_containing_nul_is_ignored() -> None:
    events = decode(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n")
    assert [event.id for event in events] == ["1", "1"]


@pytest.mark.parametrize("reset", [b"id:", b"id: ", b"id"])
def test_empty_id_resets_the_last_event_id(reset: bytes) -> None:
    events = decode(b"id: 1\ndata: a\n\n" + reset + b"\ndata: b\n\n")
    assert [event.id for event in events] == ["1", ""]


def test_retry_of_ascii_digits_sets_retry_and_persists_onto_later_events() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 1500\ndata: a\n\ndata: b\n\nretry: 20\ndata: c\n\n")
    assert [event.retry for event in events] == [1500, 1500, 20]
    assert decoder.retry == 20
    assert decode(b"data: a\n\n")[0].retry is None


@pytest.mark.parametrize(
    "value", [b"", b"12a", b"-1", b"+1", b" 1", b"1.5", b"1_000", "\u0661\u0662".encode()]
)
def test_retry_not_all_ascii_digits_is_ignored(value: bytes) -> None:
    events = decode(b"retry: 7\ndata: a\n\nretry: " + value + b"\ndata: b\n\n")
    assert [event.retry for event in events] == [7, 7]


# ---- end of stream ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail", [b"data: [DONE]", b"data: [DONE]\n", b"event: done\ndata: [DONE]\r\n"]
)
def test_unterminated_last_block_is_discarded_by_end(tail: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\n" + tail) == [ServerSentEvent(data="a")]
    assert decoder.end() == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"0" * 5000 + b"1500", 1500),  # leading zeros change nothing
        (b"9" * 18, 10**18 - 1),
        (b"9" * 19, SSEDecoder.MAX_RETRY),
        (str(2**63 - 1).encode(), 2**63 - 1),
        (b"1" + b"0" * 5000, SSEDecoder.MAX_RETRY),  # beyond Python's int() digit limit
    ],
)
def test_retry_of_absurdly_many_digits_saturates(value: bytes, expected: int) -> None:
    # A field of ASCII digits sets the reconnection time (WHATWG); one beyond any sane time
    # is held at the largest value rather than parsed (5,000 digits exceed int()'s limit).
    stream = b"retry: " + value + b"\ndata: a\n\n"
    for chunks in ([stream], pieces(stream, 7)):
        (event,) = decode(*chunks)
        assert event.retry == expected


def test_end_resets_the_block_but_keeps_the_last_event_id_and_retry() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"id: 8\ndata: seen\n\nid: 9\nretry: 10\nevent: e\ndata: lost\n")
    decoder.end()
    # The id of the discarded block was never the last event ID; retry applies when parsed.
    (event,) = decoder.feed(BOM + b"data: new\n\n")
    assert (event.event, event.data, event.id, event.retry) == ("message", "new", "8", 10)


# ---- UTF-8 -----------------------------------------------------------------------------


def test_multibyte_character_split_across_chunks_decodes() -> None:
    text = "h\u00e9 \u20ac \U0001f600"
    assert decode(*pieces(("data: " + text + "\n\n").encode(), 1))[0].data == text


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode(b"data: a\xffb\n\n")[0].data == "a\ufffdb"
    assert decode(b"data: \xe2\x82\n\n")[0].data == "\ufffd"
    assert decode(b"event: \xc3\ndata: x\n\n")[0].event == "\ufffd"


# ---- offsets ---------------------------------------------------------------------------


def test_event_offset_is_the_byte_offset_of_its_first_line() -> None:
    stream = b"data: a\n\n: ping\n\nevent: b\r\ndata: b\r\n\r\nid: 1\n\ndata: c\n\n"
    events = decode(stream)
    assert [event.offset for event in events] == [0, 17, 45]
    assert [event.offset for event in decode(*pieces(stream, 1))] == [0, 17, 45]


def test_decoder_offset_counts_bytes_of_complete_lines() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\r\ndata: partial")
    assert decoder.offset == 9


# ---- size limit ------------------------------------------------------------------------


def test_endless_line_fed_in_small_chunks_raises_event_too_large_naming_the_offset() -> None:
    decoder = SSEDecoder(max_event_size=1000)
    decoder.feed(b"data: small\n\n")
    with pytest.raises(EventTooLargeError, match="at byte 13") as caught:
        for _ in range(200):
            decoder.feed(b"x" * 10)
    assert isinstance(caught.value, StreamDecodeError)
    assert caught.value.offset == 13


@pytest.mark.parametrize("size", [1, 8, 100, None], ids=["bytes", "lines", "chunks", "whole"])
def test_event_of_many_data_lines_raises_event_too_large_however_chunked(size: int | None) -> None:
    stream = b"data: ok\n\n" + b"data: x\n" * 600 + b"\n"
    chunks = [stream] if size is None else pieces(stream, size)
    with pytest.raises(EventTooLargeError) as caught:
        decode(*chunks, max_event_size=1000)
    assert caught.value.offset == 10


@pytest.mark.parametrize("size", [1, 7, None], ids=["bytes", "chunks", "whole"])
def test_line_of_exactly_max_event_size_passes_and_one_more_byte_raises(size: int | None) -> None:
    def chunks(stream: bytes) -> list[bytes]:
        return [stream] if size is None else pieces(stream, size)

    fits = b"data: " + b"x" * 94 + b"\n\n"
    assert len(decode(*chunks(fits), max_event_size=100)[0].data) == 94
    with pytest.raises(EventTooLargeError, match="max_event_size=100"):
        decode(*chunks(b"data: " + b"x" * 95 + b"\n\n"), max_event_size=100)


@pytest.mark.parametrize("size", [1, 7, 64, None], ids=["bytes", "chunks", "larger", "whole"])
def test_an_event_may_be_as_large_as_the_stream_before_it(size: int | None) -> None:
    # An authoritative object repeats what its deltas carried: it may exceed max_event_size
    # as long as the stream before it was longer; a flood at the start is still stopped.
    before = b"data: 0123456789\n\n" * 20  # 360 bytes
    def chunks(stream: bytes) -> list[bytes]:
        return [stream] if size is None else pieces(stream, size)

    fits = before + b"event: big\ndata: " + b"x" * (360 - len(b"event: big\ndata: ")) + b"\n\n"
    events = decode(*chunks(fits), max_event_size=100)
    assert events[-1].event == "big" and len(events[-1].data) == 360 - 17 and len(events) == 21
    too_big = before + b"event: big\ndata: " + b"x" * 400 + b"\n\n"
    with pytest.raises(EventTooLargeError, match="than the 360 bytes of the stream before it") as caught:
        decode(*chunks(too_big), max_event_size=100)
    assert caught.value.offset == 360 and caught.value.event == "big"
    assert "pass a larger max_event_size" in str(caught.value)


def test_long_line_in_many_small_chunks_is_decoded_in_linear_time() -> None:
    # Counted, not timed: joining what was buffered at every chunk is the quadratic copy
    # (8 MiB in 1 KiB chunks would copy ~32 GiB); the pieces must be joined once, at the end.
    decoder = SSEDecoder()
    chunk = b"x" * 1024
    assert decoder.feed(b"data: ") == []
    joins = 0

    def count_joins(frame: object, event: str, argument: object) -> None:
        nonlocal joins
        if event == "c_call" and getattr(argument, "__name__", "") == "join":
            joins += 1

    sys.setprofile(count_joins)
    try:
        for _ in range(8 * 1024):
            decoder.feed(chunk)
    finally:
        sys.setprofile(None)
    (event,) = decoder.feed(b"\n\n")
    assert joins == 0
    assert len(event.data) == 8 * 1024 * 1024


@pytest.mark.parametrize("idle", [
    b"\n", b": keep-alive\n\n", b": a\n:\n\n\n", b"\n:ping\n\n", b":\n", b":\n\n",
    b"\r\n", b"\r", b": keep-alive\r\n\r\n", b":\r\n", b": a\r:\n\r\n\r",
])
def test_floods_of_blank_lines_and_comments_are_skipped_in_bulk(idle: bytes) -> None:
    # Counted, not timed: a flood costs a few searches per chunk, not Python work per line
    # (line by line, 1 MiB of newlines is a million loop turns). A comment is not part of
    # the event after it: that event starts at its first field line.
    flood = idle * (1024 * 1024 // len(idle))
    eol = b"\r\n" if b"\r" in idle else b"\n"
    stream = b"data: a" + eol * 2 + flood + b": comment" + eol + b"data: b" + eol * 2 + flood
    decoder = SSEDecoder()
    calls = 0

    def count_calls(frame: object, event: str, argument: object) -> None:
        nonlocal calls
        calls += 1

    sys.setprofile(count_calls)
    try:
        events = decoder.feed(stream)
    finally:
        sys.setprofile(None)
    first = 7 + 2 * len(eol)
    assert [(event.data, event.offset) for event in events] == [("a", 0), ("b", first + len(flood) + 9 + len(eol))]
    assert calls < 400  # a few per window (up to 1 MiB) of flood, not one per line


def test_a_memoryview_chunk_is_decoded_like_bytes() -> None:
    stream = b"event: a\ndata: x\n\ndata: y"
    decoder = SSEDecoder()
    events = decoder.feed(memoryview(stream)) + decoder.feed(memoryview(b"\n\n")[0:2])
    assert [(event.event, event.data) for event in events] == [("a", "x"), ("message", "y")]


def test_a_reused_bytearray_buffer_does_not_change_what_was_fed() -> None:
    # A reader that fills one buffer again and again (readinto) must get the events it fed.
    decoder = SSEDecoder()
    buffer = bytearray(b"data: hel")
    assert decoder.feed(buffer) == []
    buffer[:] = b"lo wor"
    assert decoder.feed(buffer) == []
    buffer[:] = b"ld\n\n"
    (event,) = decoder.feed(buffer)
    assert event.data == "hello world"


# ---- properties ------------------------------------------------------------------------


def split_at(stream: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(min(cut, len(stream)) for cut in cuts), len(stream)]
    return [stream[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def outcome(chunks: list[bytes], max_event_size: int = 1 << 24) -> object:
    decoder = SSEDecoder(max_event_size=max_event_size)
    events = []
    try:
        for chunk in chunks:
            events += decoder.feed(chunk)
        events += decoder.end()
    except EventTooLargeError as error:
        # The events completed before the oversized one are delivered first, whatever the
        # chunking; the error follows.
        return ("too large", error.offset, events)
    return events, decoder.last_event_id, decoder.retry


def check_chunking_invariance(stream: bytes, cuts: list[int], max_event_size: int) -> None:
    whole = outcome([stream], max_event_size)
    assert outcome(split_at(stream, cuts), max_event_size) == whole
    assert outcome(pieces(stream, 1), max_event_size) == whole


def chunking_property(examples: int, max_cuts: int) -> object:
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test(data: st.DataObject) -> None:
        stream = data.draw(stream_bytes)
        cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=max_cuts))
        check_chunking_invariance(stream, cuts, data.draw(st.sampled_from([1 << 24, 40, 12])))

    return test


test_events_do_not_depend_on_chunking = chunking_property(100, 10)
test_events_do_not_depend_on_chunking_thoroughly = pytest.mark.slow(chunking_property(2000, 40))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lf_stream, st.lists(st.integers(0, 600), max_size=6), st.sampled_from([1 << 24, 30, 12]))
def test_lf_only_streams_of_typical_events_do_not_depend_on_chunking(
    stream: bytes, cuts: list[int], max_event_size: int
) -> None:
    check_chunking_invariance(stream, cuts, max_event_size)


@pytest.mark.slow
@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lf_stream, st.lists(st.integers(0, 600), max_size=12), st.sampled_from([1 << 24, 30, 12]))
def test_lf_only_streams_of_typical_events_do_not_depend_on_chunking_thoroughly(
    stream: bytes, cuts: list[int], max_event_size: int
) -> None:
    check_chunking_invariance(stream, cuts, max_event_size)


def reference_events(stream: bytes) -> list[tuple[str, str, str, int | None, int]]:
    """The standard's algorithm, line by line, plainly (no bulk paths): each event's type,
    data, last event ID, retry and the offset of its first field line."""
    offset = 3 if stream.startswith(BOM) else 0
    events: list[tuple[str, str, str, int | None, int]] = []
    event_type, data, last_id, retry, start = "", [], "", None, -1
    for raw in stream[offset:].splitlines(True):
        line_start, offset = offset, offset + len(raw)
        line = raw.rstrip(b"\r\n")
        if line == raw:
            break  # an unterminated last line: its block is discarded
        if not line:
            if data:
                events.append((event_type or "message", b"\n".join(data).decode("utf-8", "replace"), last_id, retry,
                               start))
            event_type, data, start = "", [], -1
            continue
        if line.startswith(b":"):
            continue
        start = line_start if start < 0 else start
        name, colon, value = line.partition(b":")
        value = value[1:] if colon and value.startswith(b" ") else value
        if name == b"event":
            event_type = value.decode("utf-8", "replace")
        elif name == b"data":
            data.append(value)
        elif name == b"id" and b"\0" not in value:
            last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit() and value.isascii():
            retry = int(value)
    return events


def test_reference_events_follow_the_standard() -> None:
    # Guard for the comparisons below: the reference itself decodes as the standard says.
    stream = BOM + b": c\r\nevent: e\rid: 7\r\ndata: a\ndata\n\n\n:x\nretry: 12\ndata:b\r\rdata: open"
    assert reference_events(stream) == [("e", "a\n", "7", None, 8), ("message", "b", "7", 12, 42)]


def check_like_the_reference(stream: bytes, chunk: int, cuts: list[int]) -> None:
    expected = reference_events(stream)
    for chunks in ([stream], pieces(stream, chunk), split_at(stream, cuts)):
        assert [(e.event, e.data, e.id, e.retry, e.offset) for e in decode(*chunks)] == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(flood_stream, st.sampled_from([1, 3, 64, 4096]), st.lists(st.integers(0, 40_000), max_size=8))
def test_floods_decode_like_the_standard_however_chunked(stream: bytes, chunk: int, cuts: list[int]) -> None:
    check_like_the_reference(stream, chunk, cuts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(flood_stream, st.lists(st.integers(0, 40_000), max_size=8), st.sampled_from([1 << 24, 2000, 600, 40, 12]))
def test_floods_and_size_limits_do_not_depend_on_chunking(stream: bytes, cuts: list[int], max_event_size: int) -> None:
    whole = outcome([stream], max_event_size)
    assert outcome(split_at(stream, cuts), max_event_size) == whole
    assert outcome(pieces(stream, 7), max_event_size) == whole


@pytest.mark.slow
@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(flood_stream, st.sampled_from([1, 2, 3, 64, 511, 4096]), st.lists(st.integers(0, 40_000), max_size=20),
       st.sampled_from([1 << 24, 2000, 600, 40, 12]))
def test_floods_thoroughly(stream: bytes, chunk: int, cuts: list[int], max_event_size: int) -> None:
    check_like_the_reference(stream, chunk, cuts)
    whole = outcome([stream], max_event_size)
    assert outcome(split_at(stream, cuts), max_event_size) == whole
    assert outcome(pieces(stream, chunk), max_event_size) == whole


# httpx-sse as an oracle, on the inputs where it follows the standard (see oracle_block):
# without blocks that make it emit a phantom event (a block without data once an id was seen,
# its bug #35). It resets retry after each event, so its retry is compared as the latest seen.
def oracle_safe(blocks: list[list[str]]) -> list[list[str]]:
    kept, seen_id = [], False
    for block in blocks:
        has_data = any(line == "data" or line.startswith("data:") for line in block)
        if not has_data and seen_id:
            continue
        seen_id = seen_id or any(line == "id" or line.startswith("id:") for line in block)
        kept.append(block)
    return kept


def oracle(text: str) -> list[tuple[str, str, str, int | None]]:
    lines_decoder, decoder, retry, events = OracleLineDecoder(), OracleDecoder(), None, []
    for text_line in lines_decoder.decode(text) + lines_decoder.flush():
        sse = decoder.decode(text_line)
        if sse is not None:
            retry = sse.retry if sse.retry is not None else retry
            events.append((sse.event, sse.data, sse.id, retry))
    return events


def check_against_oracle(blocks: list[list[str]], end: str, cuts: list[int]) -> None:
    text = "".join(end.join(block) + end + end for block in oracle_safe(blocks))
    stream = text.encode("ascii")
    ours = [(e.event, e.data, e.id, e.retry) for e in decode(*split_at(stream, cuts))]
    assert ours == oracle(text)


def oracle_property(examples: int, max_blocks: int) -> object:
    @settings(max_examples=examples, deadline=None)
    @given(
        st.lists(oracle_block, max_size=max_blocks),
        st.sampled_from(["\n", "\r", "\r\n"]),
        st.data(),
    )
    def test(blocks: list[list[str]], end: str, data: st.DataObject) -> None:
        cuts = data.draw(st.lists(st.integers(0, 50 * max_blocks), max_size=max_blocks))
        check_against_oracle(blocks, end, cuts)

    return test


test_agrees_with_httpx_sse_where_it_follows_the_standard = oracle_property(100, 8)
test_agrees_with_httpx_sse_thoroughly = pytest.mark.slow(oracle_property(2000, 20))


def test_oracle_comparison_can_tell_a_difference() -> None:
    # Guard for the differential test: the oracle really decodes and is compared.
    assert oracle("event: e\nid: 1\nretry: 5\ndata: a\n\ndata: b\n\n") == [
        ("e", "a", "1", 5),
        ("message", "b", "1", 5),
    ]


def test_events_before_an_oversized_one_are_returned_and_the_error_follows() -> None:
    decoder = SSEDecoder(max_event_size=50)
    events = decoder.feed(b"data: ok\n\ndata: " + b"x" * 100 + b"\n\n")
    assert [event.data for event in events] == ["ok"]
    with pytest.raises(EventTooLargeError) as raised:
        decoder.feed(b"data: more\n\n")
    assert raised.value.offset == 10


def test_end_resets_offsets_for_a_new_connection() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\ndata: unfinished")
    decoder.end()
    (event,) = decoder.feed(b"data: b\n\n")
    assert event.offset == 0


@pytest.mark.parametrize("size", [64 * 1024 - 20, 64 * 1024, 300 * 1024])
def test_large_values_decode_like_small_ones(size: int) -> None:
    value = ("é" * (size // 2)).encode() + b"\xff" + b"x" * 10
    stream = b"event: big\ndata: " + value + b"\n\nevent: next\ndata: 1\n\n"
    whole = decode(stream)
    assert [(event.event, event.data) for event in whole] == [
        ("big", value.decode("utf-8", "replace")),
        ("next", "1"),
    ]
    assert whole == decode(*pieces(stream, 4096))


# ---- runs of usual events (feed_runs, the fast path of until_done) ---------------------------


def as_triples(items: list[Any]) -> list[tuple[str, str, int]]:
    """What `feed_runs` returned, as (event, data, offset) of every event in order."""
    from runstream._core.sse import RawRun

    triples = []
    for item in items:
        if isinstance(item, RawRun):
            for (name, data), offset in zip(item.pairs, item.offsets()):
                triples.append((name.decode("utf-8", "replace") or "message", str(data, "utf-8", "replace"), offset))
        else:
            triples.append((item.event, item.data, item.offset))
    return triples


def run_outcome(chunks: list[bytes], max_event_size: int) -> object:
    decoder = SSEDecoder(max_event_size=max_event_size)
    items: list[Any] = []
    try:
        for chunk in chunks:
            items += decoder.feed_runs(chunk)
        items += decoder.end()
    except EventTooLargeError as error:
        return ("too large", error.offset, as_triples(items))
    return as_triples(items)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(lf_stream, stream_bytes), st.lists(st.integers(0, 600), max_size=6), st.sampled_from([1 << 24, 30, 12]))
def test_feed_runs_gives_the_events_feed_gives_however_chunked(stream: bytes, cuts: list[int], max_event_size: int) -> None:
    expected = outcome([stream], max_event_size)
    if isinstance(expected, tuple) and expected[0] == "too large":
        expected = ("too large", expected[1], [(e.event, e.data, e.offset) for e in expected[2]])
    else:
        expected = [(e.event, e.data, e.offset) for e in expected[0]]  # type: ignore[index]
    assert run_outcome(split_at(stream, cuts), max_event_size) == expected
    assert run_outcome([stream], max_event_size) == expected


def test_feed_runs_cuts_usual_events_into_pairs() -> None:
    from runstream._core.sse import RawRun

    stream = b"event: a\ndata: {}\n\nevent: b\ndata: [1]\n\n: comment\n\nevent: c\ndata: 2\n\n"
    items = SSEDecoder().feed_runs(stream)
    assert isinstance(items[0], RawRun) and items[0].pairs == [(b"a", b"{}"), (b"b", b"[1]")]
    assert items[0].offsets() == [0, 19]
    assert as_triples(items) == [(e.event, e.data, e.offset) for e in SSEDecoder().feed(stream)]


@pytest.mark.parametrize(
    "stream",
    [
        b"event: a\ndata: 1\n\nxxevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n",  # a line that only ends like one
        b"event: a\ndata: 1\n\nid: 7\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n",  # an extra field line
        b"event: a\ndata: 1\n\n\nevent: b\ndata: 2\n\n",  # an extra blank line
        b"event: a\ndata: 1\ndata: 2\n\nevent: b\ndata: 3\n\n",  # two data lines
        b"event: a\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n",  # two event lines
    ],
)
def test_feed_runs_takes_a_chunk_whole_only_when_usual_events_tile_it(stream: bytes) -> None:
    assert as_triples(SSEDecoder().feed_runs(stream)) == [(e.event, e.data, e.offset) for e in SSEDecoder().feed(stream)]


def test_feed_runs_cuts_lone_data_lines_into_runs_with_their_offsets() -> None:
    from runstream._core.sse import RawRun

    stream = b'data: {"a":1}\n\ndata: [DONE]\n\n'
    items = SSEDecoder().feed_runs(stream)
    assert len(items) == 1 and isinstance(items[0], RawRun) and not items[0].named
    assert items[0].pairs == [(b"message", b'{"a":1}'), (b"message", b"[DONE]")]
    assert items[0].offsets() == [0, 15]
    assert as_triples(items) == [(e.event, e.data, e.offset) for e in SSEDecoder().feed(stream)]


@pytest.mark.parametrize("odd", [b": keep-alive\n\n", b"id: 7\n", b"data: x\n", b"\n", b"retry: 5\n", b"event: e\n"])
def test_a_chunk_with_any_other_line_among_usual_events_gives_what_feed_gives(odd: bytes) -> None:
    """The whole chunk is taken as one run only when the matches tile it exactly; one line
    of anything else, anywhere, sends it the careful way."""
    usual = [b"event: a\ndata: {}\n\n", b"event: b\ndata: [1]\n\n", b"data: 3\n\n", b"data: 4\n\n"]
    for where in range(len(usual) + 1):
        stream = b"".join(usual[:where]) + odd + b"".join(usual[where:])
        assert as_triples(SSEDecoder().feed_runs(stream)) == [(e.event, e.data, e.offset) for e in SSEDecoder().feed(stream)]
