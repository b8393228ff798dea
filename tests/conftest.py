"""Shared pytest configuration: the anyio backends, and runstream's own pytest plugin."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles. "fast" (the default) keeps the fast tier under 2 minutes on 2 cores;
# "thorough" is for the slow tier (`--hypothesis-profile=thorough`). A test that sets its own
# ``max_examples`` keeps it: the slow copies of the property tests set large ones.
_PROFILE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("fast", max_examples=50, **_PROFILE)
settings.register_profile("thorough", max_examples=1000, **_PROFILE)
settings.load_profile("fast")


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
