"""Appended text pieces: any sequence of fragments and reads gives the concatenation, and the
number of pieces held stays bounded by the compaction."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runstream._core.merge import COMPACT_AFTER
from runstream._core.text_pieces import TextPieces


@given(st.lists(st.tuples(st.text(max_size=5), st.booleans()), max_size=400))
def test_fragments_and_reads_in_any_order_give_the_concatenation(steps: list[tuple[str, bool]]) -> None:
    text = TextPieces()
    expected = ""
    for fragment, read in steps:
        text.append(fragment)
        expected += fragment
        if read:
            assert text.text() == expected
        # The new tail is compacted every COMPACT_AFTER fragments: few pieces are ever held.
        assert len(text.pieces) <= len(steps) // COMPACT_AFTER + COMPACT_AFTER + 1
    assert text.text() == expected
    assert text.pieces == [expected]


def test_ten_thousand_fragments_are_held_as_few_chunks() -> None:
    text = TextPieces()
    for number in range(10_000):
        text.append(str(number % 10))
    assert len(text.pieces) < 10_000 // COMPACT_AFTER + COMPACT_AFTER
    assert text.text() == "".join(str(number % 10) for number in range(10_000))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=3000), max_size=6), st.data())
def test_pieces_equal_says_whether_the_joined_pieces_are_the_text(pieces: list[str], data: st.DataObject) -> None:
    from runstream._core.merge import pieces_equal

    joined = "".join(pieces)
    assert pieces_equal(pieces, joined)
    other = data.draw(st.one_of(st.text(max_size=50), st.just(joined[:-1] + "x"), st.just(joined + "y")))
    assert pieces_equal(pieces, other) == (joined == other)
    # The size the builder counted only spares adding up the lengths: a wrong one (the
    # other text's length, say) never changes the answer.
    for size in (len(joined), len(other), data.draw(st.integers(-1, 7000))):
        assert pieces_equal(pieces, joined, size)
        assert pieces_equal(pieces, other, size) == (joined == other)
