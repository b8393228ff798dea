"""Merge primitives the builders share: "set" fields folded into wire-shaped dicts, appended
pieces, wire indexes."""

from __future__ import annotations

from typing import Any, Iterable

import msgspec

from .._models.base import UNSET

__all__ = [
    "COMPACT_AFTER",
    "COMPACT_EVERY",
    "compact_pieces",
    "join_pieces",
    "merge_fields",
    "pieces_equal",
    "to_wire",
    "wire_keys",
]

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


#: Below this length `pieces_equal` joins the pieces (cheaper than comparing them one by one).
_JOIN_BELOW = 4096


def pieces_equal(pieces: list[str], text: str, size: int = -1) -> bool:
    """Whether the pieces joined would equal ``text``, without joining them (no copy).

    ``size``, the length the builder counted for its pieces, spares adding up their lengths
    when it is the text's (at ``requires_action``, once per call of the run); the answer never
    depends on it: any other value has them added up.
    """
    if len(pieces) == 1:
        return pieces[0] == text  # the usual case once compacted, and every short call's
    if size != len(text) and sum(map(len, pieces)) != len(text):
        return False
    if len(text) <= _JOIN_BELOW:
        return "".join(pieces) == text  # a short text: one copy costs less than the loop
    position = 0
    for piece in pieces:
        if not text.startswith(piece, position):
            return False
        position += len(piece)
    return True


def wire_keys(existing: Iterable[int], count: int) -> list[int]:
    """The wire indexes of the ``count`` items of a full object's list, given the indexes
    the deltas used (``existing``).

    A full object has no ``index``: its list is the built items in index order, so its k-th
    item is the k-th smallest index built. Items beyond those get the next free indexes. With
    dense indexes this is ``range(count)``; with sparse ones (``[0, 3]``) the items keep the
    indexes their deltas used, so lookups and created/done notifications stay on one key.
    """
    keys = sorted(existing)
    if len(keys) >= count:
        return keys[:count]
    start = keys[-1] + 1 if keys else 0
    return keys + list(range(start, start + count - len(keys)))
