"""Shared pieces of the wire model: the base Struct, usage, errors and unknown variants."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "UNSET",
    "ErrorObject",
    "LastError",
    "Model",
    "UnknownObject",
    "UnsetType",
    "Usage",
]


class Model(msgspec.Struct, kw_only=True):
    """Base of every wire object: keyword-only, unknown fields ignored on decode.

    Structs encode back to the API's JSON shape with ``msgspec.json.encode``; fields that
    are `UNSET` (absent on the wire) are left out.
    """


class UnknownObject(dict):  # type: ignore[type-arg]
    """A tool call, content part, annotation, output or tool of a ``type`` runstream does
    not know yet.

    It is the raw JSON object, so nothing is lost and it encodes back unchanged; ``type``
    gives its ``"type"`` member. Servers add variants over time (Azure AI Agents has
    ``bing_grounding``, ``azure_ai_search``, ``openapi`` and more), and one of them must never
    fail a whole event.
    """

    @property
    def type(self) -> str | None:
        """The object's ``"type"`` member, if any."""
        value = self.get("type")
        return value if isinstance(value, str) else None

    def __repr__(self) -> str:
        return f"UnknownObject({dict.__repr__(self)})"


class Usage(Model):
    """Token usage of a run or run step (only on terminal objects)."""

    completion_tokens: int = 0
    prompt_tokens: int = 0
    total_tokens: int = 0


class LastError(Model):
    """The last error of a run or run step. ``code`` is a string: services add codes
    beyond the documented ``server_error | rate_limit_exceeded | invalid_prompt``."""

    code: str | None = None
    message: str = ""


class ErrorObject(Model):
    """The payload of an ``error`` event (the API's ``Error`` object).

    Both the bare object and the ``{"error": {...}}`` envelope decode to it.
    """

    code: str | None = None
    message: str = ""
    param: str | None = None
    type: str | None = None
    error: ErrorObject | UnsetType = UNSET

    def __post_init__(self) -> None:
        inner = self.error
        if inner is not UNSET:
            # The envelope: lift the inner error's members up, keep the envelope readable.
            self.code = self.code if self.code is not None else inner.code
            self.message = self.message or inner.message
            self.param = self.param if self.param is not None else inner.param
            self.type = self.type if self.type is not None else inner.type


def fill_assistant_id(obj: Any) -> None:
    """Azure AI Agents' dialect names ``assistant_id`` ``agent_id``: accept either."""
    if obj.assistant_id is None and obj.agent_id is not UNSET:
        obj.assistant_id = obj.agent_id
