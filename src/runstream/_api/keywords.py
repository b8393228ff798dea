"""Unknown keyword arguments of the clients' methods: a `TypeError` that names the nearest
valid keyword.

Code ported from openai-python passes its keywords (``event_handler=``, ``timeout=``...).
Python's own error would only say the keyword is unexpected; here it also says what was
probably meant, and points at ``extra_body=`` for fields runstream does not know.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from .request_fields import OPTION_TYPES

__all__ = ["check_keywords", "unknown_keyword_error"]

C = TypeVar("C", bound=type)

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def unknown_keyword_error(where: str, unknown: Collection[str], valid: Collection[str]) -> TypeError:
    """The error for keywords ``unknown`` passed to ``where``, which takes ``valid``."""
    name = sorted(unknown)[0]
    message = f"{where}() got an unexpected keyword argument {name!r}"
    close = difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.6)
    if close:
        message += f"; did you mean {close[0]}=?"
    elif "extra_body" in valid:
        message += "; pass request fields runstream does not name with extra_body={...}"
    return TypeError(message)


def _valid_keywords(function: Callable[..., Any]) -> frozenset[str] | None:
    """The keywords ``function`` takes, ``**options`` annotated with a TypedDict included;
    ``None`` if it takes any keyword."""
    names: set[str] = set()
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in _NAMED:
            names.add(parameter.name)
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            annotation = str(parameter.annotation)
            if not annotation.startswith("Unpack[") or annotation[7:-1] not in OPTION_TYPES:
                return None
            names.update(OPTION_TYPES[annotation[7:-1]].__annotations__)
    names.discard("self")
    return frozenset(names)


def _checked(function: Callable[..., Any], where: str) -> Callable[..., Any]:
    valid = _valid_keywords(function)
    if valid is None:
        return function

    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def checked_async(*args: Any, **kwargs: Any) -> Any:
            if not kwargs.keys() <= valid:
                raise unknown_keyword_error(where, kwargs.keys() - valid, valid)
            return await function(*args, **kwargs)

        return checked_async

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not kwargs.keys() <= valid:
            raise unknown_keyword_error(where, kwargs.keys() - valid, valid)
        return function(*args, **kwargs)

    return checked


def check_keywords(cls: C) -> C:
    """Class decorator: every public method of ``cls`` rejects unknown keywords with a
    `TypeError` that suggests the nearest valid one (``**options`` annotated
    ``Unpack[SomeOptions]`` accept that TypedDict's keys)."""
    # Inherited methods too (the endpoints are mixins), each named as the class's own.
    seen: set[str] = set()
    for klass in cls.__mro__[:-1]:
        for name, value in list(vars(klass).items()):
            if name in seen:
                continue
            seen.add(name)
            if not name.startswith("_") and inspect.isfunction(value):
                checked = _checked(value, f"{cls.__name__}.{name}")
                if checked is not value:
                    setattr(cls, name, checked)
    return cls
