"""How the service cuts tool calls and message content into delta fragments."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from ._actions import FunctionCallsAction, MessageAction
from ._specs import AnnotationSpec

__all__ = ["call_fragments", "cut_pieces", "estimate_tokens", "message_fragments"]


def cut_pieces(text: str, size: int) -> list[str]:
    """``text`` cut into pieces of ``size`` characters (none for an empty text)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def estimate_tokens(text: str) -> int:
    """A token count for usage figures."""
    # A rough four-characters-a-token estimate: realistic magnitudes, fully deterministic.
    return max(1, (len(text) + 3) // 4)


def call_fragments(action: FunctionCallsAction) -> list[list[dict[str, Any]]]:
    """The tool_calls lists of the step deltas that stream the calls, in order."""
    headers = [
        {
            "index": i,
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": "", "output": None},
        }
        for i, c in enumerate(action.calls)
    ]
    argument_fragments = [
        [
            {"index": i, "type": "function", "function": {"arguments": piece}}
            for piece in cut_pieces(c.arguments, action.fragment_size)
        ]
        for i, c in enumerate(action.calls)
    ]
    if action.interleave == "none":
        return [
            [fragment]
            for header, fragments in zip(headers, argument_fragments, strict=True)
            for fragment in (header, *fragments)
        ]
    events = [[header] for header in headers]
    rounds = max((len(fragments) for fragments in argument_fragments), default=0)
    for round_number in range(rounds):
        current = [f[round_number] for f in argument_fragments if round_number < len(f)]
        if action.interleave == "combined":
            events.append(current)
        else:
            events.extend([fragment] for fragment in current)
    return events


def message_fragments(action: MessageAction) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The final content parts of the message and the content fragments that stream them."""
    parts: list[dict[str, Any]] = []
    fragments: list[dict[str, Any]] = []
    if action.image_file_id is not None:
        image = {"file_id": action.image_file_id}
        fragments.append({"index": len(parts), "type": "image_file", "image_file": image})
        parts.append({"type": "image_file", "image_file": image})
    if action.text or action.annotations:
        index = len(parts)
        annotations = _place_annotations(action.text, action.annotations)
        first = True
        for piece, annotation in _text_pieces(action.text, annotations, action.fragment_size):
            text: dict[str, Any] = {"value": piece}
            if annotation is not None:
                text["annotations"] = [annotation]
            elif first:
                text["annotations"] = []
            first = False
            fragments.append({"index": index, "type": "text", "text": text})
        # Complete objects carry no index: their list position is the index.
        full_annotations = [{k: v for k, v in a.items() if k != "index"} for a in annotations]
        parts.append(
            {"type": "text", "text": {"value": action.text, "annotations": full_annotations}}
        )
    if action.refusal is not None:
        index = len(parts)
        for piece in cut_pieces(action.refusal, action.fragment_size) or [""]:
            fragments.append({"index": index, "type": "refusal", "refusal": piece})
        parts.append({"type": "refusal", "refusal": action.refusal})
    return parts, fragments


def _place_annotations(text: str, specs: Sequence[AnnotationSpec]) -> list[dict[str, Any]]:
    placed = []
    cursor = 0
    for spec in specs:
        start = text.find(spec.text, cursor) if spec.start_index is None else spec.start_index
        if start < 0 or text[start : start + len(spec.text)] != spec.text:
            raise ValueError(f"annotation text {spec.text!r} does not occur in the message text")
        cursor = start + len(spec.text)
        target = "file_citation" if spec.type == "file_citation" else "file_path"
        placed.append(
            {
                "index": 0,
                "type": spec.type,
                "text": spec.text,
                "start_index": start,
                "end_index": cursor,
                target: {"file_id": spec.file_id},
            }
        )
    placed.sort(key=lambda a: a["start_index"])
    for before, after in itertools.pairwise(placed):
        if after["start_index"] < before["end_index"]:
            raise ValueError(f"annotations {before['text']!r} and {after['text']!r} overlap")
    # The index is the annotation's position in the text part, so it follows text order.
    for index, annotation in enumerate(placed):
        annotation["index"] = index
    return placed


def _text_pieces(
    text: str, annotations: list[dict[str, Any]], size: int
) -> list[tuple[str, dict[str, Any] | None]]:
    """Split the text into fragments; an annotated span is one fragment that also carries
    its annotation, the way the service streams citation markers."""
    fragments: list[tuple[str, dict[str, Any] | None]] = []
    cursor = 0
    for annotation in annotations:
        plain = cut_pieces(text[cursor : annotation["start_index"]], size)
        fragments.extend((piece, None) for piece in plain)
        fragments.append((annotation["text"], annotation))
        cursor = annotation["end_index"]
    fragments.extend((piece, None) for piece in cut_pieces(text[cursor:], size))
    return fragments
