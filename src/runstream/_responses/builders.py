"""What the Responses accumulator builds from deltas: the output items and their content or
summary parts (their JSON from the ``*.added`` events, with appended text kept as pieces),
and `ResponseDiscrepancy`, a delta-built value the authoritative object contradicts."""

from __future__ import annotations

from typing import Any

import msgspec

from .._core.text_pieces import TextPieces

__all__ = ["Item", "Part", "ResponseDiscrepancy"]


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

    def built(self) -> dict[str, Any]:
        part = dict(self.json)
        if self.text is not None:
            part["text"] = self.text.text()
        if self.refusal is not None:
            part["refusal"] = self.refusal.text()
        if self.annotations:
            annotations = list(part.get("annotations") or ())
            for index in sorted(self.annotations):
                while len(annotations) <= index:
                    annotations.append(None)
                annotations[index] = self.annotations[index]
            part["annotations"] = annotations
        if self.logprobs is not None:
            part["logprobs"] = list(part.get("logprobs") or ()) + self.logprobs
        return part

    def current(self) -> dict[str, Any]:
        return self.done if self.done is not None else self.built()


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

    def built(self) -> dict[str, Any]:
        item = dict(self.json)
        for key, pieces in self.appended.items():
            item[key] = pieces.text()
        for key, parts in (("content", self.content), ("summary", self.summary)):
            if parts:
                listed = list(item.get(key) or ())
                for index in sorted(parts):
                    while len(listed) <= index:
                        listed.append(None)
                    listed[index] = parts[index].current()
                item[key] = listed
        return item

    def current(self) -> dict[str, Any]:
        return self.done if self.done is not None else self.built()
