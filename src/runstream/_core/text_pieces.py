"""Appended text kept as pieces: constant work per fragment, memory near the text's size.

A fragment is appended as its own string; every `COMPACT_AFTER` fragments the new ones are
joined into one chunk (only the new tail is copied, so the total work stays linear), and the
whole text is joined once when it is read and kept joined. The Responses and Chat Completions
accumulators keep every appended value (text, refusal, arguments, code) this way.
"""

from __future__ import annotations

from .merge import COMPACT_AFTER, compact_pieces, join_pieces

__all__ = ["TextPieces"]


class TextPieces:
    """A string built by appending fragments (see the module docstring).

    Examples:
        >>> text = TextPieces("Hel")
        >>> text.append("lo")
        >>> text.text()
        'Hello'
    """

    __slots__ = ("compacted", "pieces")

    def __init__(self, first: str = "") -> None:
        self.pieces = [first]
        #: How many leading pieces are already joined chunks (see `compact_pieces`).
        self.compacted = 0

    def append(self, piece: str) -> None:
        """Append a fragment."""
        pieces = self.pieces
        pieces.append(piece)
        if len(pieces) - self.compacted >= COMPACT_AFTER:
            compact_pieces(self)

    def text(self) -> str:
        """The whole text (joined once, then kept joined)."""
        text = join_pieces(self.pieces)
        self.compacted = 1
        return text

    def equals(self, text: str) -> bool:
        """Whether the whole text equals ``text``."""
        return self.text() == text
