"""How public names present themselves: `report_public_module` sets their ``__module__``.

A class defined in ``runstream._models.run`` but imported as ``runstream.types.Run`` should say
so in reprs, tracebacks, pickles and generated docs, so that no private path leaks into what
users copy. Only names the calling module re-exports are touched.

msgspec Structs keep their defining module: msgspec resolves their postponed annotations
(``from __future__ import annotations``) in the namespace of ``cls.__module__``, lazily, the
first time a decoder or `msgspec.structs.fields` needs them, so a Struct that claimed a face
as its module would fail to decode.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec


def report_public_module(module_name: str, namespace: Mapping[str, Any], names: Iterable[str]) -> None:
    """Make each class and function in ``names`` report ``module_name`` as its module."""
    for name in names:
        value = namespace[name]
        if inspect.isclass(value) and issubclass(value, msgspec.Struct):
            continue
        if (inspect.isclass(value) or inspect.isfunction(value)) and value.__module__.startswith("runstream._"):
            try:
                value.__module__ = module_name
            except (AttributeError, TypeError):  # a builtin or extension type: leave it as it is
                pass
