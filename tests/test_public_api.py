"""The public surface: what `runstream` exports, and that each name is documented."""

from __future__ import annotations

import inspect
import types

import runstream
import runstream.testing


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name in dir(runstream)
        if not name.startswith("_") and not isinstance(getattr(runstream, name), types.ModuleType)
    }
    assert runstream.__all__ == sorted(runstream.__all__)
    assert set(runstream.__all__) == public
    assert runstream.testing.__all__ == sorted(runstream.testing.__all__)


def test_every_public_class_and_function_has_a_docstring() -> None:
    missing = []
    for module in (runstream, runstream.testing):
        for name in module.__all__:
            value = getattr(module, name)
            if (inspect.isclass(value) or inspect.isfunction(value)) and not inspect.getdoc(value):
                missing.append(f"{module.__name__}.{name}")
    assert missing == []


def test_every_exception_derives_from_the_base() -> None:
    exceptions = [
        getattr(runstream, name)
        for name in runstream.__all__
        if inspect.isclass(getattr(runstream, name)) and issubclass(getattr(runstream, name), BaseException)
    ]
    assert len(exceptions) >= 9
    assert all(issubclass(exception, runstream.RunstreamError) for exception in exceptions)
