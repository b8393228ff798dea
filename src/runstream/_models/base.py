"""Shared pieces of the wire model: the base Struct, usage, errors and unknown variants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "UNSET",
    "CompletionTokensDetails",
    "ErrorObject",
    "LastError",
    "Model",
    "PromptTokenDetails",
    "UnknownObject",
    "UnsetType",
    "Usage",
]


class Model(msgspec.Struct, kw_only=True, gc=False):
    """Base of every wire object: keyword-only, unknown fields ignored on decode.

    Structs encode back to the API's JSON shape with ``msgspec.json.encode``; fields that
    are `UNSET` (absent on the wire) are left out. Whole objects from the server are
    instances of subclasses made for the keys they carry (see `extra_fields`); two objects
    are equal when they are of the same documented class, every documented field reads the
    same and their extra fields are equal.

    Wire objects are not tracked by the cycle collector (``gc=False``): decoded JSON cannot
    form a reference cycle, and a run repeating 10,000 calls would otherwise add 10,000
    objects to every full collection of the process. Do not build cycles through them (a
    model put into its own ``metadata``): reference counting alone would not free it.
    """

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        documented = documented_class(type(self))
        if documented is not documented_class(type(other)):
            return False
        for name in documented.__struct_fields__:
            if not getattr(self, name) == getattr(other, name):
                return False
        return _extras(self) == _extras(other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]


def documented_class(cls: type) -> type:
    """The documented class of a whole object's class (itself, unless it is a shape class
    made for the keys one object carried)."""
    while "__extra_fields__" in cls.__dict__:
        cls = cls.__bases__[0]
    return cls


def _extras(obj: Any) -> dict[str, Any]:
    names = getattr(type(obj), "__extra_fields__", ())
    return {wire: getattr(obj, attribute) for attribute, wire in names}


class UnknownObject(dict):  # type: ignore[type-arg]
    """A tool call, content part, annotation, output or tool of a ``type`` runstream does
    not know yet.

    It is the raw JSON object, so nothing is lost and it encodes back unchanged. At run
    time ``type`` gives its ``"type"`` member (``""`` if it has none) and any other member
    reads as an attribute too (``call.bing_grounding``), or with ``call["bing_grounding"]``.
    Servers add variants over time (Azure AI Agents has ``bing_grounding``,
    ``azure_ai_search``, ``openapi`` and more), and one of them must never fail a whole event.

    For type checkers, ``type`` is the literal ``"unknown"``, a value no known variant has:
    that is what lets pyright and mypy narrow a union on ``x.type == "function"`` while the
    union still includes this fallback. Branch on an unknown variant with
    ``isinstance(x, UnknownObject)`` and ``x["type"]``.
    """

    if TYPE_CHECKING:
        type: Literal["unknown"]

        def __getattr__(self, name: str) -> Any: ...

    else:

        @property
        def type(self) -> str:
            """The object's ``"type"`` member (``""`` if it has none)."""
            value = self.get("type")
            return value if isinstance(value, str) else ""

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            try:
                return self[name]
            except KeyError:
                raise AttributeError(f"UnknownObject has no member {name!r}") from None

    def __repr__(self) -> str:
        return f"UnknownObject({dict.__repr__(self)})"


class PromptTokenDetails(Model):
    """Details of a run's or step's prompt tokens (sent by the services, though not in the
    API's published description; note the singular ``token`` in ``prompt_token_details``)."""

    cached_tokens: int = 0


class CompletionTokensDetails(Model):
    """Details of a run's or step's completion tokens (sent by the services, though not in
    the API's published description)."""

    reasoning_tokens: int = 0


class Usage(Model, repr_omit_defaults=True):
    """Token usage of a run or run step (only on terminal objects)."""

    completion_tokens: int = 0
    prompt_tokens: int = 0
    total_tokens: int = 0
    prompt_token_details: PromptTokenDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


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
