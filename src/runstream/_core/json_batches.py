"""Many JSON objects decoded by one msgspec call: the values of a run of events as JSON
lines, for the dialects' fast paths.

Decoding ``V1\\nV2\\n...\\nVn`` by ``Decoder.decode_lines`` is one call instead of n, and
it equals decoding each ``Vi`` alone when every ``Vi`` is one line (no line feed) that starts
with ``{`` and ends with ``}``, and the call returns exactly n items. Why: ``decode_lines``
reads whitespace-separated values, and a line feed cannot stand inside a JSON string, so
each separator is whitespace between a ``}`` and a ``{``, which no JSON value can hold
(inside an object or an array a ``,`` would have to come between them): every separator is
between two items. n items means that there is no other boundary, so the i-th item is
exactly ``Vi``. Values from a `RawRun` or a `UniformRun` are single lines.

When a batch does not decode (or has another length), the caller decodes its values one by
one, the usual way, for the exact error: a batch only ever saves time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

__all__ = ["decode_batch", "decode_leading", "json_lines", "refused_item"]

_ITEM = re.compile(r" - at `\$\[(\d+)\]")


def json_lines(values: Sequence[Any]) -> bytes | None:
    """``values`` (bytes, each one line: the data values of a `RawRun` or a `UniformRun`)
    as JSON lines, if each holds one object by its first and last byte; ``None`` otherwise
    (see the module docstring)."""
    if not values or type(values[0]) is str:
        return None
    joined = b"\n".join(values)
    if joined[:1] != b"{" or joined[-1:] != b"}" or joined.count(b"}\n{") != len(values) - 1:
        return None
    return joined


def decode_batch(decode: Callable[[Any], list[Any]], lines: Any, count: int) -> list[Any] | None:
    """The ``count`` items of ``lines`` decoded by ``decode`` (a decoder's ``decode_lines``),
    or ``None`` when they do not all decode (or are not ``count``)."""
    if lines is None:
        return None
    try:
        items = decode(lines)
    except (msgspec.MsgspecError, RecursionError):
        return None
    return items if len(items) == count else None


def refused_item(error: msgspec.ValidationError) -> int | None:
    """Which item of a batch a decoder refused, as its error names it (``None`` if it does
    not): only a hint of where to cut a batch."""
    found = _ITEM.search(str(error))
    return int(found.group(1)) if found is not None else None


def decode_leading(decode: Callable[[Any], list[Any]], values: Sequence[Any], refused: int | None = None) -> list[Any]:
    """The leading ``values`` that decode as one batch, decoded: all of them, or those
    before the first one ``decode`` (a decoder's ``decode_lines``) refuses, as its error
    names it (or ``refused`` says, when a batch of the same values was tried already), or
    none (then the caller goes one by one). Where the batch is cut is only a hint: what
    comes before the cut is decoded again, as a batch of its own."""
    if refused is None:
        lines = json_lines(values)
        if lines is None:
            return []
        try:
            items = decode(lines)
        except msgspec.ValidationError as error:
            refused = refused_item(error)
        except (msgspec.MsgspecError, RecursionError):
            return []
        else:
            return items if len(items) == len(values) else []
    if refused is not None and 0 < refused < len(values):
        return decode_batch(decode, json_lines(values[:refused]), refused) or []
    return []
