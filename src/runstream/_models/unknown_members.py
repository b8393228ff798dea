"""Unknown members of deltas: found in the JSON, carried beside the typed delta, merged in.

Delta Structs forbid unknown fields, so the typed decode on the hot path fails for a delta
that carries one, and only then: such a delta takes the slow path, which finds its unknown
members here (`unknown_members`) and hands them on beside the typed delta
(`with_unknown_members`). The builders merge them into the object the deltas build
(`apply_unknown_members`), which then goes through the exact conversion
(`_models/exact.py`) like any whole object.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Union

import msgspec

from .base import documented_class as documented
from .exact import convert_exact, struct_fields
from .lenient import union_list, union_structs

__all__ = ["apply_unknown_members", "unknown_members", "with_unknown_members"]



def unknown_members(value: Any, annotation: Any) -> Any:
    """The members of decoded JSON ``value`` that ``annotation`` does not declare, as a tree
    of the same shape (list items keep their ``index`` and ``type`` to be placed), or
    ``None`` when there are none."""
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        struct_by_tag, plain_struct = union_structs(annotation)
        if isinstance(value, dict) and (struct_by_tag or plain_struct):
            if struct_by_tag:
                tag_field = next(iter(struct_by_tag.values())).__struct_config__.tag_field
                tag = value.get(tag_field)
                struct = struct_by_tag.get(tag) if isinstance(tag, str) else None
                if struct is None:
                    return None  # an unknown variant is kept whole already
            else:
                struct = plain_struct
            return unknown_members(value, struct)
        list_member = union_list(annotation)
        if isinstance(value, list) and list_member is not None:
            return unknown_members(value, list_member)
        return None
    if origin is list:
        if not isinstance(value, list):
            return None
        (item,) = typing.get_args(annotation)
        found = []
        for element in value:
            members = unknown_members(element, item)
            if members:
                for key in ("index", "type"):
                    if isinstance(element, dict) and key in element:
                        members[key] = element[key]
                found.append(members)
        return found or None
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct) and isinstance(value, dict):
        fields, known, tag_field = struct_fields(annotation)
        types_by_name = {field.encode_name: field.type for field in fields}
        found_members: dict[str, Any] = {}
        for key, member in value.items():
            if key == tag_field:
                continue
            if key not in known:
                found_members[key] = member
            else:
                nested = unknown_members(member, types_by_name[key])
                if nested:
                    found_members[key] = nested
        return found_members or None
    return None


@functools.lru_cache(maxsize=None)
def _carrier(cls: type) -> Any:
    # A subclass whose instances can hold one more attribute (not a field: never encoded).
    return msgspec.defstruct(cls.__name__, [], bases=(cls,), module=cls.__module__, dict=True, gc=True)


def with_unknown_members(data: Any, members: Any) -> Any:
    """``data`` (a delta event's data) carrying the unknown ``members`` of its ``delta``."""
    carrier = _carrier(type(data))(**{name: getattr(data, name) for name in data.__struct_fields__})
    carrier.unknown_members = members
    return carrier


def apply_unknown_members(snapshot: Any, members: dict[str, Any], positions: dict[str, list[int]]) -> Any:
    """``snapshot`` (a Message or RunStep built from deltas) with the unknown ``members``
    merged in. ``positions`` gives, for each list member (``content``,
    ``step_details.tool_calls``), the wire indexes of its items in order."""
    cls = documented(type(snapshot))
    wire = msgspec.to_builtins(snapshot)
    _merge_members(wire, members, positions, "")
    try:
        return convert_exact(wire, cls)
    except msgspec.ValidationError:
        # A member unknown to the delta may be a documented field of the object, of another
        # type (a hostile or confused server): the values the stream built stand.
        return snapshot


def _merge_members(target: dict[str, Any], members: dict[str, Any], positions: dict[str, list[int]], path: str) -> None:
    for key, value in members.items():
        where = f"{path}.{key}" if path else key
        current = target.get(key)
        if isinstance(value, list) and isinstance(current, list):
            order = positions.get(where, list(range(len(current))))
            for item in value:
                index = item.get("index") if isinstance(item, dict) else None
                if index in order and isinstance(current[order.index(index)], dict):
                    fields = {k: v for k, v in item.items() if k not in ("index", "type")}
                    _merge_members(current[order.index(index)], fields, positions, where + "[]")
        elif isinstance(value, dict) and isinstance(current, dict):
            _merge_members(current, value, positions, where)
        elif key not in target:
            # Never over a value the object already has (a documented field of its own).
            target[key] = value
