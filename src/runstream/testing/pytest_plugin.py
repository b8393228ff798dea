"""The ``fake_assistants_server`` pytest fixture.

Load it from a ``conftest.py``::

    pytest_plugins = ["runstream.testing.pytest_plugin"]

Then, in a test::

    def test_weather(fake_assistants_server):
        scenario = Scenario().message("Sunny.")
        server = fake_assistants_server([scenario], api_key="sk-test")
        ...  # point the code under test at server.base_url

Every server the factory started is stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from ._server import FakeAssistantsServer, ScenarioLike

__all__ = ["ServerFactory", "fake_assistants_server"]

#: The fixture's value: ``factory(scenarios, **options)`` takes `FakeAssistantsServer`'s
#: arguments and returns a started server.
ServerFactory = Callable[..., FakeAssistantsServer]


@pytest.fixture
def fake_assistants_server() -> Iterator[ServerFactory]:
    """A factory of started `FakeAssistantsServer` objects, all stopped after the test.

    Yields:
        ``factory(scenarios=(), **options) -> FakeAssistantsServer``, with the options of
        `FakeAssistantsServer` (``api_key``, ``chunk_size``, ``chunk_delay``,
        ``stream_faults``, ``http_faults``, ``path_prefix``).
    """
    servers: list[FakeAssistantsServer] = []

    def factory(scenarios: Iterable[ScenarioLike] = (), **options: Any) -> FakeAssistantsServer:
        server = FakeAssistantsServer(scenarios, **options).start()
        servers.append(server)
        return server

    try:
        yield factory
    finally:
        for server in reversed(servers):
            server.stop()
