"""`convert`: ``msgspec.convert`` for any type at the cost of a Struct's.

msgspec caches what it needs to convert to a Struct class on the class itself, but for any
other type (``list[ResponseOutputItem]``, a union, ``int | None``) it works the type out again
on every call: converting ``[]`` to a list of a union of twenty Structs takes tens of
microseconds, most of a whole Response's exact conversion. So such a type is converted as the
one field of a Struct made for it once (a *box*), whose plan msgspec keeps; errors read as
``msgspec.convert``'s own.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["convert"]

# Boxes by the annotation's identity (hashing a typing union is slow); the annotation is kept
# in the entry so its id is not reused while cached. Annotations are those of the model
# classes, a fixed set.
_BOXES: dict[int, tuple[Any, Any]] = {}
_ROOT = " - at `$.value"


def convert(value: Any, annotation: Any) -> Any:
    """``msgspec.convert(value, annotation)``, with the same result and the same errors.

    Raises:
        msgspec.ValidationError: as ``msgspec.convert`` raises it.
    """
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return msgspec.convert(value, annotation)
    entry = _BOXES.get(id(annotation))
    if entry is None:
        box = msgspec.defstruct("_Box", [("value", annotation)], gc=False)
        entry = _BOXES[id(annotation)] = (annotation, box)
    try:
        return msgspec.convert({"value": value}, entry[1]).value  # type: ignore[union-attr]
    except msgspec.ValidationError as error:
        raise _unboxed(error) from None


def _unboxed(error: msgspec.ValidationError) -> msgspec.ValidationError:
    # The path msgspec gives is within the box: ``$.value...`` is ``$...`` outside it, and an
    # error at ``$.value`` itself is one at the root, which msgspec states with no path.
    message = str(error)
    marker = message.rfind(_ROOT)
    if marker < 0:
        return error
    rest = message[marker + len(_ROOT) :]
    if rest == "`":
        return msgspec.ValidationError(message[:marker])
    return msgspec.ValidationError(f"{message[:marker]} - at `${rest}")
