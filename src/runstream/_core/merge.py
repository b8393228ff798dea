"""Field-level merging of "set" fields: delta Structs folded into wire-shaped dicts."""

from __future__ import annotations

from typing import Any

import msgspec

from .._models.base import UNSET

__all__ = ["COMPACT_AFTER", "COMPACT_EVERY", "compact_pieces", "join_pieces", "merge_fields", "pieces_equal", "to_wire"]

#: How many appended fragments may wait as separate strings before they are joined into one.
#: A fragment of a few characters costs some 50 bytes as its own str; joining every few
#: dozen keeps memory near the text's own size while each character is copied once more.
COMPACT_AFTER = 64
#: A builder's pieces are compacted when this many were appended since its last compaction:
#: checked on the builder that grew, so the cost per delta does not depend on how many other
#: calls or parts its step or message has.
COMPACT_EVERY = 255


def to_wire(obj: Any) -> dict[str, Any]:
    """A Struct as its JSON object (plain dicts), to merge delta fields into."""
    return msgspec.to_builtins(obj)  # type: ignore[no-any-return]


def merge_fields(target: dict[str, Any], delta: Any) -> None:
    """Set every present field of ``delta`` (a delta Struct or raw dict) on ``target``,
    recursing into nested objects; ``index`` is wire bookkeeping and is not kept."""
    items = delta.items() if isinstance(delta, dict) else _struct_items(delta)
    for key, value in items:
        if key == "index" or value is UNSET:
            continue
        if isinstance(value, msgspec.Struct):
            nested = target.get(key)
            if not isinstance(nested, dict):
                nested = target[key] = {}
            merge_fields(nested, value)
        elif isinstance(value, dict):
            nested = target.get(key)
            if not isinstance(nested, dict):
                nested = target[key] = {}
            merge_fields(nested, value)
        else:
            target[key] = value


def _struct_items(struct: Any) -> list[tuple[str, Any]]:
    # A delta Struct reads None for a field its JSON did not carry: not a value to set.
    items = [(name, value) for name in struct.__struct_fields__ if (value := getattr(struct, name)) is not None]
    tag_field = struct.__struct_config__.tag_field
    if tag_field is not None:
        items.append((tag_field, struct.__struct_config__.tag))
    return items


def join_pieces(pieces: list[str]) -> str:
    """Join appended pieces once and keep the result as the only piece."""
    if len(pieces) > 1:
        joined = "".join(pieces)
        pieces[:] = [joined]
        return joined
    return pieces[0] if pieces else ""


def compact_pieces(builder: Any) -> None:
    """Join the pieces a builder appended since its last compaction into one string.

    ``builder`` has ``pieces`` and ``compacted`` (how many leading pieces are already
    joined chunks). Only the new tail is copied, so the total work stays linear.
    """
    pieces = builder.pieces
    start = min(builder.compacted, len(pieces))
    if len(pieces) - start >= COMPACT_AFTER:
        pieces[start:] = ["".join(pieces[start:])]
        builder.compacted = start + 1


def pieces_equal(pieces: list[str], text: str) -> bool:
    """Whether the pieces joined would equal ``text``, without joining them (no copy)."""
    if sum(map(len, pieces)) != len(text):
        return False
    position = 0
    for piece in pieces:
        if not text.startswith(piece, position):
            return False
        position += len(piece)
    return True
