"""The decoder against the parsing cases of the web-platform-tests EventSource format tests
(``eventsource/format-*``): the same input bytes and expected values, checked here whole and
one byte at a time. Where those tests look at what a browser's EventSource delivers
(``MessageEvent.data``, ``type``, ``lastEventId``, the reconnection time), these look at the
`ServerSentEvent`s and the decoder's ``last_event_id`` and ``retry``.
"""

from __future__ import annotations

import pytest

from runstream import ServerSentEvent, SSEDecoder

BOM = b"\xef\xbb\xbf"


def decode(stream: bytes) -> tuple[list[ServerSentEvent], SSEDecoder]:
    """The events of ``stream`` (then its end), fed whole; fed a byte at a time gives the same."""
    results = []
    for chunks in ([stream], [stream[i : i + 1] for i in range(len(stream))]):
        decoder = SSEDecoder()
        events = [event for chunk in chunks for event in decoder.feed(chunk)]
        results.append((events, decoder.last_event_id, decoder.retry, decoder.end()))
    assert results[0] == results[1]
    decoder = SSEDecoder()
    return decoder.feed(stream), decoder


def data_of(stream: bytes) -> list[str]:
    return [event.data for event in decode(stream)[0]]


def test_field_parsing() -> None:
    # NUL kept in a value, one leading space removed, field names matched exactly (case,
    # NUL, a leading space), CR / LF / CRLF line ends mixed.
    stream = (b"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n"
              b" data:32\ndata:4\n\n")
    assert data_of(stream) == ["\0\n 2\n1\n3\n\n4"]


def test_data_field_with_and_without_a_colon() -> None:
    # "data:" and "data" each add an empty line; the buffer is not empty, so they dispatch.
    assert data_of(b"data:\n\ndata\ndata\n\ndata:test\n\n") == ["", "\n", "test"]


def test_unknown_fields_and_comments_are_ignored() -> None:
    stream = b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n"
    assert data_of(stream) == ["test\n\ntest"]


def test_comments_of_any_content_and_length_are_ignored() -> None:
    long = b"x" * 2048
    stream = b"data:1\r:\0\n:\r\ndata:2\n:" + long + b"\rdata:3\n:data:fail\r:" + long + b"\ndata:4\n\n"
    assert data_of(stream) == ["1\n2\n3\n4"]


def test_only_one_leading_space_is_removed() -> None:
    assert data_of(b"data:\ttest\rdata: \ndata:test\n\n") == ["\ttest\n\ntest"]
    assert data_of(b"data:  two\n\n") == [" two"]


def test_the_trailing_newline_of_the_data_buffer_is_removed_once() -> None:
    assert data_of(b"data:a\ndata:\n\n") == ["a\n"]
    assert data_of(b"data:\n\n") == [""]


def test_newlines_cr_lf_and_crlf() -> None:
    assert data_of(b"data:test\r\ndata\ndata:test\r\n\r") == ["test\n\ntest"]
    assert data_of(b"data:msg\rdata:msg\r\n\r\ndata:\n\r\ndata:end\r\r") == ["msg\nmsg", "", "end"]


def test_a_null_character_is_data() -> None:
    assert data_of(b"data:\0\n\n\n\n") == ["\0"]


def test_the_event_type_applies_to_one_event_only() -> None:
    events, _ = decode(b"event:test\ndata:x\n\ndata:x\n\n")
    assert [event.event for event in events] == ["test", "message"]


def test_an_empty_event_type_is_message() -> None:
    events, _ = decode(b"event: \ndata:data\n\n")
    assert [(event.event, event.data) for event in events] == [("message", "data")]


def test_a_block_without_data_dispatches_nothing_and_resets_the_event_type() -> None:
    events, decoder = decode(b"event:e\nid:5\n\ndata:x\n\n")
    assert [(event.event, event.data, event.id) for event in events] == [("message", "x", "5")]
    assert decoder.last_event_id == "5"


def test_the_last_event_id_persists_and_an_empty_id_resets_it() -> None:
    events, decoder = decode(b"id:1\n\ndata:test\n\nid:\ndata:reset\n\n")
    assert [(event.data, event.id) for event in events] == [("test", "1"), ("reset", "")]
    assert decoder.last_event_id == ""


def test_an_id_containing_nul_is_ignored() -> None:
    events, decoder = decode(b"id:1\ndata:a\n\nid:2\0x\ndata:b\n\n")
    assert [event.id for event in events] == ["1", "1"]
    assert decoder.last_event_id == "1"


@pytest.mark.parametrize(("stream", "retry"), [
    (b"retry:03000\ndata:x\n\n", 3000),
    (b"retry: 1000\ndata:x\n\n", 1000),  # the one leading space goes, as for any field
    (b"retry:1000\nretry:2000x\ndata:x\n\n", 1000),  # not only digits: ignored
    (b"retry:1000\nretry:\ndata:x\n\n", 1000),  # empty: ignored
    (b"retry\ndata:x\n\n", None),
    (b"retry:-1\ndata:x\n\n", None),
    (b"retry:1 000\ndata:x\n\n", None),
    (b"retry:\xd9\xa1\ndata:x\n\n", None),  # a digit, but not an ASCII one
])
def test_retry_takes_ascii_digits_only(stream: bytes, retry: int | None) -> None:
    events, decoder = decode(stream)
    assert decoder.retry == retry and [event.retry for event in events] == [retry]


def test_a_byte_order_mark_is_stripped_at_the_stream_start_only() -> None:
    assert data_of(BOM + b"data:1\n\n" + BOM + b"data:2\n\ndata:3\n\n") == ["1", "3"]  # "\ufeffdata" is unknown
    assert data_of(BOM + BOM + b"data:1\n\ndata:2\n\n") == ["2"]


def test_a_block_not_ended_by_a_blank_line_is_never_dispatched() -> None:
    stream = b"retry:1000\ndata:test1\n\nid:test\ndata:test2"
    events, decoder = decode(stream)
    assert [event.data for event in events] == ["test1"]
    assert decoder.end() == []
    assert decoder.last_event_id == ""  # the id of a block never ended does not count
    assert decoder.retry == 1000


def test_utf8_is_decoded_and_invalid_bytes_replaced() -> None:
    assert data_of("data:\u00e9\u20ac\U0001f600 ".encode() + b"\xff\xc3\n\n") == ["\u00e9\u20ac\U0001f600 \ufffd\ufffd"]
