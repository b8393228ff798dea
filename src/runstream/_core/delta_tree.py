"""Merging of JSON delta fragments nobody declared: the fallback rule for unknown keys.

Chat Completions and Responses streams grow new delta members over time (``audio`` with its
base64 ``data`` and ``transcript`` fragments, providers' own extras). Their final object must
still hold them, so unknown members are merged by the rule the APIs follow for every streamed
object: strings are appended, objects merged key by key, lists merged by their items'
``index`` (items without one are appended), and anything else (numbers, booleans, ``null``)
replaced. ``index`` and ``type`` are identifiers and are set, never appended.

Appended strings are kept as `Pieces` and joined once when the tree is materialised, so a long
fragmented value costs linear time, like the text the accumulators build.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Pieces", "materialize", "merge_delta", "tree_at", "tree_state"]

_SET_KEYS = frozenset({"index", "type", "id"})


class Pieces(list):  # type: ignore[type-arg]
    """String fragments appended to one value, joined by `materialize`."""


def merge_delta(target: dict[str, Any], delta: dict[str, Any]) -> None:
    """Merge the JSON object ``delta`` into ``target`` (a tree that may hold `Pieces`)."""
    for key, value in delta.items():
        current = target.get(key)
        if isinstance(value, str) and key not in _SET_KEYS:
            if isinstance(current, Pieces):
                current.append(value)
            elif isinstance(current, str):
                target[key] = Pieces((current, value))
            else:
                target[key] = Pieces((value,))
        elif isinstance(value, dict):
            if not isinstance(current, dict):
                current = target[key] = {}
            merge_delta(current, value)
        elif isinstance(value, list):
            if not isinstance(current, list) or isinstance(current, Pieces):
                current = target[key] = []
            _merge_list(current, value)
        else:
            target[key] = value


def _merge_list(target: list[Any], items: list[Any]) -> None:
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("index"), int):
            for existing in target:
                if isinstance(existing, dict) and existing.get("index") == item["index"]:
                    merge_delta(existing, item)
                    break
            else:
                fresh: dict[str, Any] = {}
                merge_delta(fresh, item)
                target.append(fresh)
        else:
            target.append(item)


def materialize(value: Any) -> Any:
    """``value`` with every `Pieces` joined into its string (a fresh tree; ``value`` is
    left as it is, so merging can continue)."""
    if isinstance(value, Pieces):
        return "".join(value)
    if isinstance(value, dict):
        return {key: materialize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [materialize(item) for item in value]
    return value


class _PiecesState(tuple):  # type: ignore[type-arg]
    """`Pieces` as they were: the list (only ever appended to) and how many pieces then."""


def tree_state(value: Any) -> Any:
    """A tree (see `merge_delta`) as it is now, for `tree_at`: its objects and lists copied,
    its appended strings as a list and a count (no copy of their text), so the cost does not
    grow with how long they are."""
    if isinstance(value, Pieces):
        return _PiecesState((value, len(value)))
    if isinstance(value, dict):
        return {key: tree_state(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tree_state(item) for item in value]
    return value


def tree_at(state: Any) -> Any:
    """The materialised tree (see `materialize`) as it was when `tree_state` was taken."""
    if type(state) is _PiecesState:
        pieces, count = state
        return "".join(pieces[:count])
    if isinstance(state, dict):
        return {key: tree_at(item) for key, item in state.items()}
    if isinstance(state, list):
        return [tree_at(item) for item in state]
    return state
