"""The public surface: what `runstream` exports, and that each name is documented."""

from __future__ import annotations

import inspect
import types
import warnings

import pytest

import runstream
import runstream.errors
import runstream.events
import runstream.notifications
import runstream.testing
import runstream.types

PUBLIC_MODULES = (
    runstream,
    runstream.errors,
    runstream.events,
    runstream.notifications,
    runstream.types,
    runstream.testing,
)


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda module: module.__name__)
def test_all_is_sorted_and_complete(module: types.ModuleType) -> None:
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__.startswith("runstream")
    }
    assert module.__all__ == sorted(module.__all__)
    assert set(module.__all__) >= public


def test_the_top_level_holds_what_most_programs_need() -> None:
    # The faces hold the rest; a top level that grows back to every wire type is a regression.
    assert 30 <= len(runstream.__all__) <= 50
    for name in ("RunStream", "EventHandler", "Client", "Accumulator", "Run", "RunstreamError"):
        assert name in runstream.__all__


def test_public_non_struct_names_report_their_public_module() -> None:
    for module in PUBLIC_MODULES[:-1]:
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                assert not value.__module__.startswith("runstream._") or hasattr(value, "__struct_fields__"), name


def test_names_moved_to_a_face_still_work_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match=r"runstream\.types\.TextDelta"):
        assert runstream.TextDelta is runstream.types.TextDelta  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning, match=r"runstream\.events\.ThreadRunCreated"):
        assert runstream.ThreadRunCreated is runstream.events.ThreadRunCreated  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning, match="ServerStreamError"):
        assert runstream.RunStreamError is runstream.errors.ServerStreamError  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning, match="ServerStreamError"):
        assert runstream.errors.RunStreamError is runstream.errors.ServerStreamError  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            runstream.NoSuchName  # type: ignore[attr-defined]  # noqa: B018


def test_every_public_class_and_function_has_a_docstring() -> None:
    missing = []
    for module in PUBLIC_MODULES:
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
