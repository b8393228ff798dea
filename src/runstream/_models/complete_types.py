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
from typing import Any, Union

import msgspec

from .conversion import convert

__all__ = ["NOT_COMPLETE", "complete_type", "convert_complete"]

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


@functools.lru_cache(maxsize=None)
def complete_type(annotation: Any) -> Any:
    """``annotation`` with every Struct in it replaced by its complete variant."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is Union or origin is types.UnionType:
        members = tuple(complete_type(member) for member in arguments)
        return annotation if members == arguments else Union[members]  # noqa: UP007
    if origin is list:
        item = complete_type(arguments[0])
        return annotation if item is arguments[0] else list[item]  # type: ignore[valid-type]
    if origin is dict:
        member = complete_type(arguments[1])
        return annotation if member is arguments[1] else dict[arguments[0], member]  # type: ignore[valid-type]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _complete_struct(annotation)
    return annotation


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
