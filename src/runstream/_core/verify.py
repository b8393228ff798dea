"""Verification: compare what the deltas built with the authoritative final object.

A discrepancy is a value the deltas built that the final object contradicts: different text,
arguments, input or logs, a different id, type or file, or a content part, tool call,
output or annotation missing on one side. Fields that only the final object carries
(status, timestamps, usage, ``function.output``, ``file_search`` results) are not compared,
and neither are the service's benign differences: a delta annotation's ``quote: ""`` and
``index``, which the completed annotation lacks.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .._models.base import UnknownObject
from .._models.message import Message
from .._models.run_step import RunStep
from .merge import to_wire

__all__ = ["Discrepancy", "compare_messages", "compare_steps", "compare_values"]

class Discrepancy(msgspec.Struct, frozen=True, gc=False):
    """A value built from deltas that the authoritative object contradicts (a lost or
    corrupted delta).

    Attributes:
        object_id: the step, message or run id.
        path: where, e.g. ``"step_details.tool_calls[0].function.arguments"``.
        from_deltas: what the deltas built (``None`` when missing).
        authoritative: what the server's final object says (``None`` when missing).
    """

    object_id: str
    path: str
    from_deltas: Any
    authoritative: Any


# Members compared per kind of object; anything else is carried by the final object only.
_TOOL_CALL_MEMBERS = ("id", "function.name", "function.arguments", "code_interpreter.input")
_OUTPUT_MEMBERS = ("logs", "image.file_id")
_PART_MEMBERS = ("text.value", "refusal", "image_file.file_id", "image_url.url")
_ANNOTATION_MEMBERS = (
    "type",
    "text",
    "start_index",
    "end_index",
    "file_citation.file_id",
    "file_path.file_id",
)


def compare_steps(built: RunStep, final: RunStep) -> list[Discrepancy]:
    """Discrepancies between a delta-built step and the authoritative one."""
    found: list[Discrepancy] = []
    built_message = _message_id(built)
    final_message = _message_id(final)
    if built_message and final_message is not None and built_message != final_message:
        found.append(Discrepancy(final.id, "step_details.message_creation.message_id", built_message, final_message))
    built_calls = _tool_calls(built)
    final_calls = _tool_calls(final)
    if built_calls is None or final_calls is None:
        return found
    for index in range(max(len(built_calls), len(final_calls))):
        path = f"step_details.tool_calls[{index}]"
        if index >= len(built_calls) or index >= len(final_calls):
            found.append(_missing(final.id, path, built_calls, final_calls, index))
            continue
        built_call = _wire(built_calls[index])
        final_call = _wire(final_calls[index])
        if built_call.get("type") != final_call.get("type"):
            found.append(Discrepancy(final.id, f"{path}.type", built_call.get("type"), final_call.get("type")))
            continue
        # An id the deltas never brought is a lost first fragment too (it is the only thing
        # a code_interpreter or file_search call's first fragment carries), not a gap to skip.
        found.extend(compare_values(final.id, path, built_call, final_call, _TOOL_CALL_MEMBERS))
        built_outputs = (built_call.get("code_interpreter") or {}).get("outputs") or []
        final_outputs = (final_call.get("code_interpreter") or {}).get("outputs") or []
        for output_index in range(max(len(built_outputs), len(final_outputs))):
            output_path = f"{path}.code_interpreter.outputs[{output_index}]"
            if output_index >= len(built_outputs) or output_index >= len(final_outputs):
                found.append(_missing(final.id, output_path, built_outputs, final_outputs, output_index))
                continue
            found.extend(
                compare_values(
                    final.id, output_path, built_outputs[output_index], final_outputs[output_index], _OUTPUT_MEMBERS
                )
            )
    return found


def compare_messages(built: Message, final: Message) -> list[Discrepancy]:
    """Discrepancies between a delta-built message and the authoritative one."""
    found: list[Discrepancy] = []
    for index in range(max(len(built.content), len(final.content))):
        path = f"content[{index}]"
        if index >= len(built.content) or index >= len(final.content):
            found.append(_missing(final.id, path, built.content, final.content, index))
            continue
        built_part = _wire(built.content[index])
        final_part = _wire(final.content[index])
        if built_part.get("type") != final_part.get("type"):
            found.append(Discrepancy(final.id, f"{path}.type", built_part.get("type"), final_part.get("type")))
            continue
        found.extend(compare_values(final.id, path, built_part, final_part, _PART_MEMBERS))
        built_annotations = (built_part.get("text") or {}).get("annotations") or []
        final_annotations = (final_part.get("text") or {}).get("annotations") or []
        for annotation_index in range(max(len(built_annotations), len(final_annotations))):
            annotation_path = f"{path}.text.annotations[{annotation_index}]"
            if annotation_index >= len(built_annotations) or annotation_index >= len(final_annotations):
                found.append(
                    _missing(final.id, annotation_path, built_annotations, final_annotations, annotation_index)
                )
                continue
            found.extend(
                compare_values(
                    final.id,
                    annotation_path,
                    built_annotations[annotation_index],
                    final_annotations[annotation_index],
                    _ANNOTATION_MEMBERS,
                )
            )
    return found


def compare_values(
    object_id: str,
    path: str,
    built: dict[str, Any],
    final: dict[str, Any],
    members: tuple[str, ...],
    skip_empty: tuple[str, ...] = (),
) -> list[Discrepancy]:
    """Compare dotted ``members`` of two wire-shaped objects; a member absent from both is
    equal, and a member in ``skip_empty`` is not compared when the deltas left it empty."""
    found = []
    for member in members:
        built_value = _lookup(built, member)
        final_value = _lookup(final, member)
        if member in skip_empty and not built_value:
            continue
        if built_value != final_value:
            found.append(Discrepancy(object_id, f"{path}.{member}", built_value, final_value))
    return found


def _tool_calls(step: RunStep) -> list[Any] | None:
    details = step.step_details
    if details is None or isinstance(details, UnknownObject) or details.type != "tool_calls":
        return None
    return details.tool_calls  # type: ignore[union-attr]


def _message_id(step: RunStep) -> str | None:
    details = step.step_details
    if details is None or isinstance(details, UnknownObject) or details.type != "message_creation":
        return None
    return getattr(details.message_creation, "message_id", None)  # type: ignore[union-attr]


def _wire(obj: Any) -> dict[str, Any]:
    return dict(obj) if isinstance(obj, dict) else to_wire(obj)


def _lookup(obj: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _missing(object_id: str, path: str, built: list[Any], final: list[Any], index: int) -> Discrepancy:
    built_value = _wire(built[index]) if index < len(built) else None
    final_value = _wire(final[index]) if index < len(final) else None
    return Discrepancy(object_id, path, built_value, final_value)
