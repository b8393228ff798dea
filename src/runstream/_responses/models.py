"""The typed view of a Response (the Responses API's ``response`` object).

The exact object is the JSON `ResponseAccumulator.response_json` returns; this view declares
the members code reads most, with ``output`` items as plain JSON objects (there are many item
types, and new ones must never fail a stream).
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

__all__ = ["Response"]


class Response(msgspec.Struct, kw_only=True):
    """A Response, typed (see `ResponseStream.final_response`).

    Attributes:
        output: the output items, each the API's JSON object (``item["type"]`` is
            ``"message"``, ``"function_call"``, ``"reasoning"``, ``"web_search_call"`` ...).
    """

    id: str = ""
    object: str = "response"
    created_at: float | UnsetType = UNSET
    status: str | None = None
    model: str | UnsetType = UNSET
    output: list[dict[str, Any]] = msgspec.field(default_factory=list)
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    instructions: Any = None
    previous_response_id: str | None = None
    usage: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` part of every message item, joined."""
        return "".join(
            part.get("text", "")
            for item in self.output
            if item.get("type") == "message"
            for part in item.get("content") or ()
            if isinstance(part, dict) and part.get("type") == "output_text"
        )

    @property
    def function_calls(self) -> list[dict[str, Any]]:
        """The ``function_call`` output items."""
        return [item for item in self.output if item.get("type") == "function_call"]
