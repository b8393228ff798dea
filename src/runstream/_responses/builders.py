"""What the Responses accumulator builds from deltas: the output items and their content or
summary parts (their JSON from the ``*.added`` events, with appended text kept as pieces),
and `ResponseDiscrepancy`, a delta-built value the authoritative object contradicts."""

from __future__ import annotations

from typing import Any

import msgspec

from .._core.text_pieces import TextPieces, text_at

__all__ = ["Item", "Part", "ResponseDiscrepancy", "item_at", "part_at"]


class ResponseDiscrepancy(msgspec.Struct, frozen=True, gc=False):
    """A delta-built value differs from the authoritative one.

    Attributes:
        where: what was compared, e.g. ``"item msg_1 content[0].text"``.
        built: the value the deltas built.
        authoritative: the value the server's final object holds.
    """

    where: str
    built: Any
    authoritative: Any


class Part:
    """A content or summary part being built: its JSON from ``*.added``, appended text."""

    __slots__ = ("annotations", "done", "json", "logprobs", "refusal", "text")

    def __init__(self, part: dict[str, Any] | None) -> None:
        self.json: dict[str, Any] = part if part is not None else {}
        self.text: TextPieces | None = None
        self.refusal: TextPieces | None = None
        self.annotations: dict[int, Any] = {}
        self.logprobs: list[Any] | None = None
        self.done: dict[str, Any] | None = None

    def state(self) -> tuple[Any, ...]:
        """The part as it is now, for `part_at`, at a cost that does not grow with its
        text: the authoritative part once done, else `built_state`."""
        return (self.done,) if self.done is not None else self.built_state()

    def built_state(self) -> tuple[Any, ...]:
        """The part as ``*.added`` and the deltas built it: its JSON (replaced, never
        changed in place), its texts' states, its annotations so far, how many logprobs."""
        logprobs = self.logprobs
        return (
            self.json,
            self.text.state() if self.text is not None else None,
            self.refusal.state() if self.refusal is not None else None,
            dict(self.annotations) if self.annotations else None,
            (logprobs, len(logprobs)) if logprobs is not None else None,
        )

    def built(self) -> dict[str, Any]:
        return part_at(self.built_state())

    def current(self) -> dict[str, Any]:
        return self.done if self.done is not None else self.built()


def part_at(state: tuple[Any, ...]) -> dict[str, Any]:
    """The JSON of a part as it was when `Part.state` was taken."""
    if len(state) == 1:
        return state[0]  # type: ignore[no-any-return]
    json, text, refusal, annotations, logprobs = state
    part = dict(json)
    if text is not None:
        part["text"] = text_at(text)
    if refusal is not None:
        part["refusal"] = text_at(refusal)
    if annotations:
        part["annotations"] = _placed(part.get("annotations"), sorted(annotations.items()))
    if logprobs is not None:
        values, count = logprobs
        part["logprobs"] = list(part.get("logprobs") or ()) + values[:count]
    return part


class Item:
    """An output item being built."""

    __slots__ = ("appended", "content", "done", "json", "output_index", "summary")

    def __init__(self, output_index: int, item: dict[str, Any] | None) -> None:
        self.output_index = output_index
        self.json: dict[str, Any] = item if item is not None else {}
        # Appended string members: ``arguments``, ``code``, ``input``.
        self.appended: dict[str, TextPieces] = {}
        self.content: dict[int, Part] = {}
        self.summary: dict[int, Part] = {}
        self.done: dict[str, Any] | None = None

    def state(self) -> tuple[Any, ...]:
        """The item as it is now, for `item_at`, at a cost that does not grow with its
        texts: the authoritative item once done, else `built_state`."""
        return (self.done,) if self.done is not None else self.built_state()

    def built_state(self) -> tuple[Any, ...]:
        """The item as ``output_item.added`` and the deltas built it (its parts as they
        are, see `Part.state`); its JSON is copied, as a status event changes it in place."""
        return (
            dict(self.json),
            [(key, pieces.state()) for key, pieces in self.appended.items()],
            [(index, self.content[index].state()) for index in sorted(self.content)],
            [(index, self.summary[index].state()) for index in sorted(self.summary)],
        )

    def built(self) -> dict[str, Any]:
        return item_at(self.built_state())

    def current(self) -> dict[str, Any]:
        return self.done if self.done is not None else self.built()


def item_at(state: tuple[Any, ...]) -> dict[str, Any]:
    """The JSON of an output item as it was when `Item.state` was taken."""
    if len(state) == 1:
        return state[0]  # type: ignore[no-any-return]
    json, appended, content, summary = state
    item = dict(json)
    for key, text in appended:
        item[key] = text_at(text)
    for key, parts in (("content", content), ("summary", summary)):
        if parts:
            item[key] = _placed(item.get(key), [(index, part_at(part)) for index, part in parts])
    return item


def _placed(listed: Any, entries: list[tuple[int, Any]]) -> list[Any]:
    """A copy of ``listed`` (the list an ``added`` object holds, if any) with the built
    ``entries`` (``(wire index, value)`` in index order) put in: each at its index where the
    list has one, the others after it in index order. No gap is filled: an index far beyond
    the list (a hostile ``content_index`` of 10**9) costs one entry, not a billion, and a
    negative one replaces nothing (the output items of the Response are listed the same
    way: in index order, without gaps)."""
    listed = list(listed) if isinstance(listed, list) else []
    size = len(listed)
    for index, value in entries:
        if 0 <= index < size:
            listed[index] = value
        else:
            listed.append(value)
    return listed
