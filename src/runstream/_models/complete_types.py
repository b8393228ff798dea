"""Complete variants of the model types, to tell in C whether an object has exactly its
documented keys.

A complete variant has the same fields, all required, and forbids unknown keys. An object
that converts to the complete variant of its type (and every object in it to theirs) carries
exactly the documented keys, so the exact conversion (`runstream._models.exact`) can build it
with ``msgspec.convert``, in C, and need not walk it.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any, Union

import msgspec

from .conversion import convert

__all__ = ["NOT_COMPLETE", "complete_type", "convert_complete", "with_structs_replaced"]

#: What `convert_complete` returns for an object that is not complete.
NOT_COMPLETE = object()


def convert_complete(value: Any, annotation: Any) -> Any:
    """``value`` converted to ``annotation`` if every object in it has exactly its documented
    keys (then the walk would build the same), else ``NOT_COMPLETE``."""
    complete = complete_type(annotation)
    if complete is annotation:
        return NOT_COMPLETE  # no Struct in it: nothing to gain
    try:
        convert(value, complete)
        return convert(value, annotation)
    except (msgspec.ValidationError, RecursionError):
        return NOT_COMPLETE


def with_structs_replaced(annotation: Any, replace: Callable[[Any], Any], struct: Callable[[Any], Any]) -> Any:
    """``annotation`` with each type in it (a union's members, a list's items, a dict's
    values) passed through ``replace`` and, if it is a Struct, replaced by ``struct(it)``.
    The same object when nothing in it changed. (``replace`` is the caller's cached walk, so
    that each annotation is worked out once.)"""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is Union or origin is types.UnionType:
        members = tuple(replace(member) for member in arguments)
        return annotation if members == arguments else Union[members]  # noqa: UP007
    if origin is list:
        item = replace(arguments[0])
        return annotation if item is arguments[0] else list[item]  # type: ignore[valid-type]
    if origin is dict:
        member = replace(arguments[1])
        return annotation if member is arguments[1] else dict[arguments[0], member]  # type: ignore[valid-type]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return struct(annotation)
    return annotation


@functools.lru_cache(maxsize=None)
def complete_type(annotation: Any) -> Any:
    """``annotation`` with every Struct in it replaced by its complete variant."""
    return with_structs_replaced(annotation, complete_type, _complete_struct)


def _complete_struct(struct: type[msgspec.Struct]) -> Any:
    fields = msgspec.structs.fields(struct)
    config = struct.__struct_config__
    return msgspec.defstruct(
        struct.__name__,
        [(field.name, complete_type(field.type)) for field in fields],
        rename={field.name: field.encode_name for field in fields if field.encode_name != field.name} or None,
        tag=config.tag,
        tag_field=config.tag_field,
        forbid_unknown_fields=True,
        gc=False,
    )
