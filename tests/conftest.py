"""Shared pytest configuration: the anyio backends, and runstream's own pytest plugin."""

from __future__ import annotations

import importlib.util

import pytest


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a parent package is missing
        return False


# runstream.testing is being written alongside these tests: load its fixtures when present.
pytest_plugins = ["runstream.testing.pytest_plugin"] if _module_exists("runstream.testing.pytest_plugin") else []


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every ``@pytest.mark.anyio`` test on asyncio and on trio."""
    return request.param
