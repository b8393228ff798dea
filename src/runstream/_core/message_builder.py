"""Builds a Message snapshot from its full objects and deltas, at constant cost per delta.

Appended text (``text.value``, ``refusal``) is kept as a list of pieces and joined only when
a snapshot is read; the joined value replaces the pieces, so each byte is copied once per
read, never once per delta. Parts are keyed by their wire ``index`` in a dict, so sparse or
out-of-order indexes land in the right place and a huge index allocates nothing.
"""

from __future__ import annotations

from typing import Any, Callable

import msgspec

from .._models.base import UnknownObject
from .._models.unknown_members import apply_unknown_members
from .._models.lenient import convert_lenient
from .._models.message import (
    Annotation,
    ContentPart,
    ImageFile,
    ImageFileContentBlock,
    ImageFileDeltaBlock,
    ImageURL,
    ImageURLContentBlock,
    ImageURLDeltaBlock,
    Message,
    MessageDelta,
    RefusalContentBlock,
    RefusalDeltaBlock,
    Text,
    TextContentBlock,
    TextDeltaBlock,
)
from .delta_tree import materialize
from .merge import COMPACT_EVERY, compact_pieces, join_pieces, merge_fields, wire_keys
from .merge import to_wire as _to_wire
from .notifications import (
    AnnotationAdded,
    ContentPartCreated,
    ContentPartDeltaReceived,
    Notification,
)
from .views import text_view

__all__ = ["MessageBuilder", "PartBuilder"]

class PartBuilder:
    """One content part under construction."""

    __slots__ = (
        "annotations", "annotations_cache", "cached", "compacted", "fields", "pieces", "size", "type", "view",
    )

    def __init__(self, part_type: str) -> None:
        self.type = part_type
        self.pieces: list[str] = []
        # The length of the appended string: a view records it to read that prefix later.
        self.size = 0
        self.compacted = 0
        # Annotations in wire shape, keyed by annotation index, merged field by field.
        self.annotations: dict[int, dict[str, Any]] = {}
        self.annotations_cache: list[Any] | None = []
        # image_file / image_url members, or the raw object of an unknown part type.
        self.fields: dict[str, Any] = {}
        self.cached: Any = None
        # The lazy snapshot of the current state, until the next change (see views).
        self.view: Any = None

    @classmethod
    def from_part(cls, part: Any, previous: PartBuilder | None = None) -> PartBuilder:
        """Seed a builder from a complete content part of a full Message; annotations keep
        the wire indexes of ``previous`` (the builder it replaces), see `wire_keys`."""
        if isinstance(part, UnknownObject):
            builder = cls(part.type or "unknown")
            builder.fields = dict(part)
        else:
            builder = cls(part.type)
            if part.type == "text":
                builder.pieces = [part.text.value]
                builder.size = len(part.text.value)
                annotations = part.text.annotations
                keys = wire_keys(previous.annotations if previous is not None else (), len(annotations))
                for index, annotation in zip(keys, annotations):
                    builder.annotations[index] = _to_wire(annotation)
                builder.annotations_cache = list(part.text.annotations)
            elif part.type == "refusal":
                builder.pieces = [part.refusal]
                builder.size = len(part.refusal)
            elif part.type == "image_file":
                builder.fields = _to_wire(part.image_file)
            elif part.type == "image_url":
                builder.fields = _to_wire(part.image_url)
        builder.cached = part
        return builder

    def value(self) -> str:
        """The appended text so far (joined once, then kept joined)."""
        return join_pieces(self.pieces)

    def annotation_list(self) -> list[Any]:
        """The annotations as typed objects (cached until an annotation changes; not to be
        mutated: snapshots get copies)."""
        annotations = self.annotations_cache
        if annotations is None:
            annotations = [convert_lenient(self.annotations[index], Annotation) for index in sorted(self.annotations)]
            self.annotations_cache = annotations
        return annotations

    def view_snapshot(self) -> ContentPart:
        """The part as it is now, its text read only when first read."""
        if self.cached is not None:
            return self.cached
        view = self.view
        if view is None:
            if self.type != "text":
                return self.snapshot()
            view = self.view = TextContentBlock(text=text_view(self, self.annotation_list()))
        return view

    def snapshot(self) -> ContentPart:
        """The part as the API would show it now."""
        if self.cached is not None:
            return self.cached
        part_type = self.type
        part: Any
        if part_type == "text":
            part = TextContentBlock(text=Text(value=self.value(), annotations=list(self.annotation_list())))
        elif part_type == "refusal":
            part = RefusalContentBlock(refusal=self.value())
        elif part_type == "image_file":
            part = ImageFileContentBlock(image_file=msgspec.convert(self.fields, ImageFile))
        elif part_type == "image_url":
            part = ImageURLContentBlock(image_url=msgspec.convert(self.fields, ImageURL))
        else:
            part = UnknownObject(self.fields)
        self.cached = part
        return part


class MessageBuilder:
    """A message under construction: the latest full object plus its parts."""

    __slots__ = ("base", "cached", "delta_count", "done", "parts", "parts_done", "unknown", "view")

    def __init__(self, base: Message) -> None:
        self.base = base
        self.parts: dict[int, PartBuilder] = {}
        self.cached: Message | None = None
        # The lazy snapshot of the current state, until the next change (see views).
        self.view: Message | None = None
        self.delta_count = 0
        self.done = False
        # Indexes whose "done" was reported, so it is reported once.
        self.parts_done: set[int] = set()
        # Members of deltas this version does not declare, merged (see delta_tree).
        self.unknown: dict[str, Any] = {}

    def seed_parts(self, message: Message, replace: bool) -> list[int]:
        """Take the content of a full object: all of it when ``replace`` (an authoritative,
        final object), else only the parts not built yet. Returns the new indexes."""
        new_indexes = []
        keys = wire_keys(self.parts, len(message.content))
        for index, part in zip(keys, message.content):
            previous = self.parts.get(index)
            if previous is None:
                new_indexes.append(index)
            elif not replace:
                continue
            self.parts[index] = PartBuilder.from_part(part, previous)
        if replace:
            kept = set(keys)
            for index in [index for index in self.parts if index not in kept]:
                del self.parts[index]
        return new_indexes

    def view_snapshot(self) -> Message:
        """The message as it is now, the text of its parts read only when first read."""
        if self.cached is not None:
            return self.cached
        if self.unknown and not self.done:
            # Members no version declares are merged in by the whole snapshot (rare).
            return self.snapshot()
        view = self.view
        if view is None:
            parts = self.parts
            content = [parts[index].view_snapshot() for index in sorted(parts)]
            view = self.view = msgspec.structs.replace(self.base, content=content)
        return view

    def snapshot(self) -> Message:
        """The message as the API would show it now (cached until the next change)."""
        cached = self.cached
        if cached is None:
            parts = self.parts
            content = [parts[index].snapshot() for index in sorted(parts)]
            cached = msgspec.structs.replace(self.base, content=content)
            if self.unknown and not self.done:
                cached = apply_unknown_members(cached, materialize(self.unknown), {"content": sorted(parts)})
            self.cached = cached
        return cached

    def apply(
        self,
        delta: MessageDelta,
        message_id: str,
        notifications: list[Notification],
        notify: bool,
        anomaly: Callable[[str, str], None],
    ) -> None:
        """Merge one message delta: ``role`` is set; each content fragment goes to the part
        its ``index`` names (text and refusal appended, image fields and parts of unknown
        types set field by field, annotations merged by their own ``index``). Appends the
        notifications it causes (the per-fragment ones only when ``notify``); ``anomaly``
        records what is unexpected (a fragment without an index, a part changing type).
        """
        if delta.role is not None:
            self.base = msgspec.structs.replace(self.base, role=delta.role)
        content = delta.content
        if content is None:
            return
        parts = self.parts
        for block in content:
            block_class = type(block)
            raw = block_class is UnknownObject
            index = block.get("index") if raw else block.index  # type: ignore[union-attr]
            if not isinstance(index, int):
                anomaly("missing_index", f"a content delta of message {message_id!r} has no index")
                continue
            part_type = block.type or "unknown"
            part = parts.get(index)
            if part is None or part.type != part_type:
                if part is not None:
                    anomaly(
                        "type_changed",
                        f"content part {index} of message {message_id!r} changed type {part.type!r} -> {part_type!r}",
                    )
                part = parts[index] = PartBuilder(part_type)
                notifications.append(ContentPartCreated(message_id, index, part.type))
            else:
                part.cached = None
                part.view = None
            added: list[int] = []
            if block_class is TextDeltaBlock:
                text = block.text  # type: ignore[union-attr]
                if text is not None:
                    value = text.value
                    if value is not None:
                        part.pieces.append(value)
                        part.size += len(value)
                        if len(part.pieces) - part.compacted > COMPACT_EVERY:
                            compact_pieces(part)
                    if text.annotations is not None and text.annotations:
                        added = _merge_annotations(part, text.annotations)
            elif block_class is RefusalDeltaBlock:
                if block.refusal is not None:  # type: ignore[union-attr]
                    part.pieces.append(block.refusal)  # type: ignore[union-attr]
                    part.size += len(block.refusal)  # type: ignore[union-attr]
                    if len(part.pieces) - part.compacted > COMPACT_EVERY:
                        compact_pieces(part)
            elif block_class is ImageFileDeltaBlock:
                if block.image_file is not None:  # type: ignore[union-attr]
                    merge_fields(part.fields, block.image_file)  # type: ignore[union-attr]
            elif block_class is ImageURLDeltaBlock:
                if block.image_url is not None:  # type: ignore[union-attr]
                    merge_fields(part.fields, block.image_url)  # type: ignore[union-attr]
            else:
                merge_fields(part.fields, block)
            if notify:
                notifications.append(ContentPartDeltaReceived(message_id, index, block))  # type: ignore[arg-type]
            for annotation_index in added:
                annotation = convert_lenient(part.annotations[annotation_index], Annotation)
                notifications.append(AnnotationAdded(message_id, index, annotation_index, annotation))


def _merge_annotations(part: PartBuilder, annotations: list[Any]) -> list[int]:
    added = []
    for annotation in annotations:
        index = annotation.get("index") if type(annotation) is UnknownObject else annotation.index
        if not isinstance(index, int):
            continue
        target = part.annotations.get(index)
        if target is None:
            target = part.annotations[index] = {}
            added.append(index)
        merge_fields(target, annotation)
    part.annotations_cache = None
    return added


