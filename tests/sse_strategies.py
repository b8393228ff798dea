"""Hypothesis strategies for server-sent event streams (used by test_sse.py)."""

from __future__ import annotations

from hypothesis import strategies as st

BOM = b"\xef\xbb\xbf"

# Any stream: fields (known, unknown, with and without colon and space), comments, blank
# lines, raw bytes (invalid UTF-8 too), each line ended by LF, CR or CRLF; maybe a BOM and
# an unterminated tail.
text_value = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=12)
field_line = st.builds(
    lambda name, sep, value: name + sep + value,
    st.sampled_from(["data", "event", "id", "retry", "foo", ""]),
    st.sampled_from([":", ": ", ":  ", ""]),
    st.one_of(text_value, st.from_regex(r"[0-9]{1,4}", fullmatch=True)),
)
line = st.one_of(
    field_line.map(str.encode),
    text_value.map(lambda text: (":" + text).encode()),
    st.just(b""),
    st.binary(max_size=6).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"")),
)
eol = st.sampled_from([b"\n", b"\r", b"\r\n"])
stream_bytes = st.builds(
    lambda bom, lines, tail: bom + b"".join(text + end for text, end in lines) + tail,
    st.sampled_from([b"", BOM]),
    st.lists(st.tuples(line, eol), max_size=30),
    st.sampled_from([b"", b"data: unterminated", b"\r"]),
)

# LF-only streams of mostly typical `event:` + `data:` blocks, which the decoder may cut out
# whole, mixed with any other lines; fed whole they take that path, byte by byte the other.
typical_block = st.builds(
    lambda name, data: b"event: " + name + b"\ndata: " + data + b"\n\n",
    st.sampled_from([b"thread.run.created", b"", b" x", b"done"]),
    st.sampled_from([b"{}", b"", b"[DONE]", "\u00e9\u20ac".encode(), b"\xff"]),
)
lf_stream = st.builds(
    lambda blocks, tail: b"".join(blocks) + tail,
    st.lists(
        typical_block | st.lists(line, max_size=3).map(lambda ls: b"".join(x + b"\n" for x in ls)),
        max_size=12,
    ),
    st.sampled_from([b"", b"event: x\ndata: y\n", b"data: z"]),
)


# httpx-sse as an oracle only follows the standard on ASCII, no BOM, one kind of line ending,
# retry values without sign or spaces; see test_sse.oracle_safe for the phantom events.
ascii_value = st.text(
    st.characters(min_codepoint=0, max_codepoint=127, exclude_characters="\r\n"), max_size=10
)
oracle_field = st.one_of(
    st.tuples(st.sampled_from(["event", "id", "foo", "data"]), ascii_value),
    st.tuples(
        st.just("retry"),
        st.one_of(st.from_regex(r"[0-9]{1,5}", fullmatch=True), st.sampled_from(["", "x", "1x"])),
    ),
)
oracle_line = st.one_of(
    st.builds(
        lambda field, sep: field[0] + sep + field[1], oracle_field, st.sampled_from([":", ": "])
    ),
    st.sampled_from(["data", "event", "id", "foo"]),
)
oracle_block = st.one_of(
    st.builds(
        lambda before, data, after: [*before, data, *after],
        st.lists(oracle_line, max_size=3),
        st.builds(lambda value: "data: " + value, ascii_value),
        st.lists(oracle_line, max_size=3),
    ),
    st.lists(ascii_value.map(lambda text: ":" + text), min_size=1, max_size=2),
)


# Streams with floods: long runs of blank and comment lines (any line ending), a unit
# repeated hundreds of times or lines that vary, between and inside events, right before a
# field, sometimes with a comment line longer than the decoder's short reach. The decoder
# skips such runs in bulk; these check that nothing else is skipped with them.
idle_line = st.one_of(
    st.just(b""),
    st.just(b":"),
    st.sampled_from([b": keep-alive", b":ping", b": \xff\xfe", b"::"]),
    text_value.map(lambda text: (":" + text).encode()),
)
idle_lines = st.lists(st.tuples(idle_line, eol), min_size=1, max_size=3)
repeated_flood = st.builds(
    lambda unit, times: b"".join(text + end for text, end in unit) * times, idle_lines, st.integers(1, 1500)
)
varied_flood = st.lists(st.tuples(idle_line, eol), min_size=50, max_size=600).map(
    lambda lines: b"".join(text + end for text, end in lines)
)
long_comment = st.builds(lambda size, end: b":" + b"c" * size + end, st.integers(500, 2000), eol)
flood_segment = st.one_of(
    repeated_flood,
    varied_flood,
    long_comment,
    st.lists(st.tuples(line, eol), max_size=6).map(lambda lines: b"".join(text + end for text, end in lines)),
)
flood_stream = st.builds(
    lambda bom, segments, tail: bom + b"".join(segments) + tail,
    st.sampled_from([b"", BOM]),
    st.lists(flood_segment, max_size=6),
    st.sampled_from([b"", b"data: unterminated", b"\r", b": open comment"]),
)
