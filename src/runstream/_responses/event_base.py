"""The base of Responses API stream events, and the two events about no object: the
``error`` event and `UnknownResponseEvent`, which keeps an event of a type runstream does not
know (never an error)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, UnsetType

__all__ = ["ResponseErrorEvent", "ResponseEvent", "UnknownResponseEvent"]


class ResponseEvent(msgspec.Struct, tag_field="type", kw_only=True, gc=False):
    """Base of the Responses stream events: tagged by their ``type`` member, so a whole
    stream decodes through one tagged-union decoder."""

    sequence_number: int | UnsetType = UNSET


class ResponseErrorEvent(ResponseEvent, tag="error"):
    """The server reported an error on the stream."""

    type: ClassVar[Literal["error"]] = "error"

    code: str | None = None
    message: str = ""
    param: str | None = None


class UnknownResponseEvent(msgspec.Struct, kw_only=True, gc=False):
    """An event of a type runstream does not know: its name and its whole JSON object.

    Its ``type`` is ``"unknown"`` (the name the server gave is `name`), so that narrowing on
    ``event.type`` type-checks over the whole union, as with openai-python's events.
    """

    type: ClassVar[Literal["unknown"]] = "unknown"
    name: str
    data: dict[str, Any]
