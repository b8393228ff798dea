"""Forward-compatible conversion: keep variants of an unknown ``type`` as raw objects.

msgspec decodes a tagged union strictly: one element with an unknown tag fails the whole
event. Servers add tool, content and annotation types over time, so when the strict decode
fails, the event is decoded again as plain JSON and converted here, field by field, with
every union element whose tag is unknown kept as an `UnknownObject`. The strict decode is
the normal path and costs nothing extra; this one runs only for events that need it.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Union

import msgspec

from ._model_base import UnknownObject

__all__ = ["convert_lenient"]


def convert_lenient(value: Any, annotation: Any) -> Any:
    """Convert plain JSON ``value`` to ``annotation`` like ``msgspec.convert``, except that a
    tagged-union element of an unknown tag becomes an `UnknownObject`.

    Raises:
        msgspec.ValidationError: a known field has the wrong type.
    """
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        struct_by_tag, plain_struct = _union_structs(annotation)
        if isinstance(value, dict) and (struct_by_tag or plain_struct):
            if struct_by_tag:
                tag_field = next(iter(struct_by_tag.values())).__struct_config__.tag_field
                struct = struct_by_tag.get(value.get(tag_field))
                if struct is None:
                    return UnknownObject(value)
            else:
                struct = plain_struct
            return _convert_struct(value, struct)
        list_member = _union_list(annotation)
        if isinstance(value, list) and list_member is not None:
            return convert_lenient(value, list_member)
        return msgspec.convert(value, annotation)
    if origin is list:
        if not isinstance(value, list):
            return msgspec.convert(value, annotation)
        (item,) = typing.get_args(annotation)
        return [convert_lenient(element, item) for element in value]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _convert_struct(value, annotation)
    return msgspec.convert(value, annotation)


def _convert_struct(value: Any, struct: type[msgspec.Struct]) -> Any:
    try:
        return msgspec.convert(value, struct)
    except msgspec.ValidationError:
        if not isinstance(value, dict):
            raise
    tag_field = struct.__struct_config__.tag_field
    arguments = {}
    for field in msgspec.structs.fields(struct):
        if field.encode_name in value and field.encode_name != tag_field:
            arguments[field.name] = convert_lenient(value[field.encode_name], field.type)
    try:
        return struct(**arguments)
    except TypeError as error:  # a required field is missing
        raise msgspec.ValidationError(f"{struct.__name__}: {error}") from None


@functools.lru_cache(maxsize=None)
def _union_list(annotation: Any) -> Any:
    for member in typing.get_args(annotation):
        if typing.get_origin(member) is list:
            return member
    return None


@functools.lru_cache(maxsize=None)
def _union_structs(annotation: Any) -> tuple[dict[Any, type], type | None]:
    struct_by_tag: dict[Any, type] = {}
    plain_struct = None
    for member in typing.get_args(annotation):
        if isinstance(member, type) and issubclass(member, msgspec.Struct):
            tag = member.__struct_config__.tag
            if tag is None:
                plain_struct = member
            else:
                struct_by_tag[tag] = member
    return struct_by_tag, plain_struct
