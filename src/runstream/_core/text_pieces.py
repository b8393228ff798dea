"""Appended text kept as pieces: constant work per fragment, memory near the text's size.

A fragment is appended as its own string; every `COMPACT_AFTER` fragments the new ones are
joined into one chunk (only the new tail is copied, so the total work stays linear), and the
whole text is joined once when it is read and kept joined. The Responses and Chat Completions
accumulators keep every appended value (text, refusal, arguments, code) this way.
"""

from __future__ import annotations

from typing import Optional

from .merge import COMPACT_AFTER, compact_pieces, join_pieces

__all__ = ["TextPieces", "TextState", "text_at"]

#: A text as it was at some moment (`TextPieces.state`): its list of pieces, which only ever
#: grows at its end, and its length then; ``None`` for no text.
TextState = Optional[tuple[list[str], int]]


class TextPieces:
    """A string built by appending fragments (see the module docstring).

    Examples:
        >>> text = TextPieces("Hel")
        >>> text.append("lo")
        >>> text.text()
        'Hello'
    """

    __slots__ = ("compacted", "pieces", "size")

    def __init__(self, first: str = "") -> None:
        self.pieces = [first]
        #: How many leading pieces are already joined chunks (see `compact_pieces`).
        self.compacted = 0
        #: The length of the text.
        self.size = len(first)

    def append(self, piece: str) -> None:
        """Append a fragment."""
        pieces = self.pieces
        pieces.append(piece)
        self.size += len(piece)
        if len(pieces) - self.compacted >= COMPACT_AFTER:
            compact_pieces(self)

    def state(self) -> tuple[list[str], int]:
        """The text as it is now, for `text_at`, at no cost: the pieces are only ever
        appended to, or joined in place, so their first ``size`` characters stay this text."""
        return self.pieces, self.size

    def text(self) -> str:
        """The whole text (joined once, then kept joined)."""
        text = join_pieces(self.pieces)
        self.compacted = 1
        return text

    def equals(self, text: str) -> bool:
        """Whether the whole text equals ``text``."""
        return self.text() == text


def text_at(state: TextState) -> str | None:
    """The text a `TextPieces.state` was taken of (``None`` for ``None``)."""
    if state is None:
        return None
    pieces, size = state
    text = join_pieces(pieces)
    return text if len(text) == size else text[:size]
