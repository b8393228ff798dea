"""Test helpers for code that consumes run streams: scripted scenarios and a fake server.

`Scenario` scripts a run (function calls, code_interpreter, file_search, messages, errors,
endings) and renders the streams the real service would send for it, plus the run, steps
and messages it ends with. `FakeAssistantsServer` serves scenarios and recorded ``.sse``
files over real HTTP, with the Threads, Messages, Runs and Run Steps endpoints, API-key
checks, request logs and fault injection. `ResponseScenario` and `ChatScenario` script
Responses API and Chat Completions conversations, which the same server answers on
``POST .../responses`` and ``POST .../chat/completions``. The pytest fixture
``fake_assistants_server`` lives in
``runstream.testing.pytest_plugin``; load it with
``pytest_plugins = ["runstream.testing.pytest_plugin"]`` in a ``conftest.py``.

Only the standard library, anyio and h11 are needed beyond runstream's own dependencies.
"""

from ._dialect_scenarios import ChatScenario, DialectScenario, ResponseScenario
from ._faults import DEFAULT_BAD_EVENT, HTTPFault, StreamFault
from ._http import RecordedRequest
from ._routes import INCLUDE_CONTENT
from ._scenario import Scenario
from ._server import FakeAssistantsServer, ScenarioLike
from ._specs import AnnotationSpec, SearchResultSpec, ToolCallSpec
from ._wire import RecordedScenario, WireEvent, encode_event, load_sse, split_sse

__all__ = [
    "AnnotationSpec",
    "ChatScenario",
    "DEFAULT_BAD_EVENT",
    "DialectScenario",
    "FakeAssistantsServer",
    "HTTPFault",
    "INCLUDE_CONTENT",
    "RecordedRequest",
    "RecordedScenario",
    "ResponseScenario",
    "Scenario",
    "ScenarioLike",
    "SearchResultSpec",
    "StreamFault",
    "ToolCallSpec",
    "WireEvent",
    "encode_event",
    "load_sse",
    "split_sse",
]
