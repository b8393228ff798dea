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

from .base import UnknownObject
from .conversion import convert

__all__ = ["convert_lenient"]


def convert_lenient(value: Any, annotation: Any) -> Any:
    """Convert plain JSON ``value`` to ``annotation`` like ``msgspec.convert``, except that a
    tagged-union element of an unknown tag becomes an `UnknownObject`.

    Raises:
        msgspec.ValidationError: a known field has the wrong type; the message ends with the
            JSON path of the field, like msgspec's own (`` - at `$.tools[1].function` ``).
    """
    return _convert(value, annotation, "$")


def _convert(value: Any, annotation: Any, path: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        struct_by_tag, plain_struct = _union_structs(annotation)
        if isinstance(value, dict) and (struct_by_tag or plain_struct):
            if struct_by_tag:
                tag_field = next(iter(struct_by_tag.values())).__struct_config__.tag_field
                tag = value.get(tag_field)
                # A tag of the wrong JSON type (even an unhashable list) is just unknown.
                struct = struct_by_tag.get(tag) if isinstance(tag, str) else None
                if struct is None:
                    return UnknownObject(value)
            else:
                struct = plain_struct
            return _convert_struct(value, struct, path)
        list_member = _union_list(annotation)
        if isinstance(value, list) and list_member is not None:
            return _convert(value, list_member, path)
        return _msgspec_convert(value, annotation, path)
    if origin is list:
        if not isinstance(value, list):
            return _msgspec_convert(value, annotation, path)
        (item,) = typing.get_args(annotation)
        return [_convert(element, item, f"{path}[{index}]") for index, element in enumerate(value)]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _convert_struct(value, annotation, path)
    return _msgspec_convert(value, annotation, path)


def _convert_struct(value: Any, struct: type[msgspec.Struct], path: str) -> Any:
    try:
        return msgspec.convert(value, struct)
    except msgspec.ValidationError as error:
        if not isinstance(value, dict):
            raise _located(error, path) from None
    tag_field = struct.__struct_config__.tag_field
    arguments = {}
    for field in msgspec.structs.fields(struct):
        name = field.encode_name
        if name in value and name != tag_field:
            arguments[field.name] = _convert(value[name], field.type, f"{path}.{name}")
        elif field.required and name != tag_field:
            raise _located(msgspec.ValidationError(f"Object missing required field `{name}`"), path)
    try:
        return struct(**arguments)
    except TypeError as error:  # pragma: no cover - required fields are checked above
        raise _located(msgspec.ValidationError(f"{struct.__name__}: {error}"), path) from None


def _msgspec_convert(value: Any, annotation: Any, path: str) -> Any:
    try:
        return convert(value, annotation)
    except msgspec.ValidationError as error:
        raise _located(error, path) from None


def _located(error: msgspec.ValidationError, path: str) -> msgspec.ValidationError:
    """The error with its JSON path made absolute: msgspec reports paths relative to the
    value it was given, which here is a part of the event's data."""
    if path == "$":
        return error
    message = str(error)
    marker = message.rfind(" - at `$")
    if marker >= 0:
        message = f"{message[:marker]} - at `{path}{message[marker + len(' - at `$') :]}"
    else:
        message = f"{message} - at `{path}`"
    return msgspec.ValidationError(message)


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


# Shared with the exact conversion of whole objects (_exact), which walks JSON the same way.
located = _located
union_list = _union_list
union_structs = _union_structs
