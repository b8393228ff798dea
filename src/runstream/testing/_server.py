"""`FakeAssistantsServer`: a real HTTP server that plays scripted runs.

It runs an anyio event loop in a background thread, so sync and async tests (asyncio or
trio) use it alike, and serves each connection with h11 in its own task, so hundreds of
concurrent streams cost little.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Union

import anyio
import anyio.abc
import h11
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._dialect_scenarios import DialectScenario
from ._faults import HTTPFault, StreamFault, error_body
from ._http import HTTPConnection, RecordedRequest, Request, new_request_id
from ._replies import StreamReply
from ._routes import Routes
from ._store import Script, Store
from ._streaming import stream_segment
from ._wire import RecordedScenario

__all__ = ["FakeAssistantsServer", "ScenarioLike"]

#: What the server accepts as a scripted run: a scenario, a recording, the path of one
#: ``.sse`` file (a one-segment run), or a list of paths or bodies (the segments).
ScenarioLike = Union[
    Script, DialectScenario, str, "os.PathLike[str]", Sequence[Union[bytes, str, "os.PathLike[str]"]]
]

_THREAD_AND_RUN_ROUTE = re.compile(r"(?:^|/)threads/runs/?$")
_MESSAGES_ROUTE = re.compile(r"(?:^|/)threads/(?P<thread_id>[^/]+)/messages(?:/(?P<message_id>[^/]+))?/?$")
_THREADS_ROUTE = re.compile(r"(?:^|/)threads(?:/(?P<thread_id>[^/]+))?/?$")
_ROUTE = re.compile(
    r"(?:^|/)threads/(?P<thread_id>[^/]+)/runs"
    r"(?:/(?P<run_id>[^/]+)(?:/(?P<action>submit_tool_outputs|cancel|steps)(?:/(?P<step_id>[^/]+))?)?)?/?$"
)


def as_script(item: ScenarioLike) -> Script:
    """Turn anything `FakeAssistantsServer` accepts as a run into a `Script`."""
    if isinstance(item, (str, os.PathLike)):
        return RecordedScenario([item])
    if isinstance(item, Sequence) and not isinstance(item, bytes):
        return RecordedScenario(list(item))
    return item


class FakeAssistantsServer(AbstractContextManager["FakeAssistantsServer"]):
    """An Assistants-style API on ``127.0.0.1`` that plays scripted runs.

    Threads and messages can be created, read, changed, deleted and listed; a thread's
    messages are those posted and those its runs produced, in creation order. Each
    create-run request on a thread starts the next script queued for that thread and
    answers with its segment 0 (``stream: true``) or the created run; each
    submit-tool-outputs request answers with the next segment. Retrieve and list requests
    see the run as of the last event sent. Requests must carry ``Authorization: Bearer
    <key>`` or ``api-key: <key>``; with ``api_key`` set, any other key gets a 401.

    Examples:
        >>> import httpx
        >>> from runstream.testing import Scenario
        >>> scenario = Scenario(thread_id="thread_1").message("Hello!")
        >>> with FakeAssistantsServer([scenario], api_key="sk-test") as server:
        ...     response = httpx.post(
        ...         f"{server.base_url}/threads/thread_1/runs",
        ...         json={"assistant_id": scenario.assistant_id, "stream": True},
        ...         headers={"Authorization": "Bearer sk-test"},
        ...     )
        >>> response.content == scenario.encode_segment(0)
        True

    Args:
        scenarios: the scripted runs (see `ScenarioLike`), queued per thread in order.
        api_key: the only key accepted (``None``: any non-empty key).
        chunk_size: bytes per write of streamed bodies (``None``: one write per event); a
            scenario's own ``chunk_size`` wins.
        chunk_delay: seconds to wait between writes.
        stream_faults: faults of streamed responses.
        http_faults: requests to fail with an error status.
        path_prefix: the path of `base_url` (routes are matched on their end, so any
            prefix, e.g. Azure's ``/openai``, works).
    """

    def __init__(
        self,
        scenarios: Iterable[ScenarioLike] = (),
        *,
        api_key: str | None = None,
        chunk_size: int | None = None,
        chunk_delay: float = 0.0,
        stream_faults: Iterable[StreamFault] = (),
        http_faults: Iterable[HTTPFault] = (),
        path_prefix: str = "/v1",
    ) -> None:
        self.api_key = api_key
        self.chunk_size = chunk_size
        self.chunk_delay = chunk_delay
        self.stream_faults = list(stream_faults)
        self.http_faults = list(http_faults)
        self.path_prefix = path_prefix.rstrip("/")
        self._store = Store()
        # Responses API and Chat Completions bodies, queued per endpoint (see `add_dialect`).
        self._dialect_bodies: dict[str, list[bytes]] = {"responses": [], "chat/completions": []}
        for item in scenarios:
            if isinstance(item, DialectScenario):
                self._dialect_bodies[item.endpoint].extend(item.bodies())
            else:
                self._store.add(as_script(item))
        self._routes = Routes(self._store)
        self._requests: list[RecordedRequest] = []
        self._fault_counts = [0] * len(self.http_faults)
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._portal_cm: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None
        self._serving: Future[Any] | None = None
        self._scope: anyio.CancelScope | None = None
        self._port: int | None = None

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeAssistantsServer:
        """Start serving in a background thread; return once the port is bound.

        Raises:
            RuntimeError: the server is already running.
        """
        if self._portal is not None:
            raise RuntimeError("the server is already running")
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        try:
            self._serving, self._port = self._portal.start_task(self._serve)
        except BaseException:
            self._portal_cm.__exit__(None, None, None)
            self._portal = self._portal_cm = None
            raise
        return self

    def stop(self) -> None:
        """Stop serving: open connections are closed, stalled streams cut."""
        if self._portal is None or self._portal_cm is None:
            return
        portal, portal_cm = self._portal, self._portal_cm
        if self._scope is not None:
            portal.call(self._scope.cancel)
        if self._serving is not None:
            self._serving.result()
        self._portal = self._portal_cm = None
        portal_cm.__exit__(None, None, None)

    def __enter__(self) -> FakeAssistantsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- what tests read -------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port.

        Raises:
            RuntimeError: the server is not running.
        """
        if self._port is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """The API's base URL, e.g. ``http://127.0.0.1:54321/v1``."""
        return f"http://127.0.0.1:{self.port}{self.path_prefix}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order (secrets redacted)."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[BaseException]:
        """Unexpected exceptions of request handling (a test may assert there are none)."""
        with self._lock:
            return list(self._errors)

    def add(self, scenario: ScenarioLike) -> None:
        """Queue one more scripted run (also while the server runs)."""
        script = as_script(scenario)
        if self._portal is not None:
            self._portal.call(self._store.add, script)
        else:
            self._store.add(script)

    def add_dialect(self, item: DialectScenario | bytes | str | os.PathLike[str], endpoint: str | None = None) -> None:
        """Queue a Responses API or Chat Completions answer: every turn of a
        `ResponseScenario` / `ChatScenario`, or one recorded body (bytes or a ``.sse`` file)
        for ``endpoint`` (``"responses"`` or ``"chat/completions"``). Each ``POST`` to the
        endpoint is answered with the next queued body."""
        if isinstance(item, DialectScenario):
            bodies, endpoint = item.bodies(), item.endpoint
        else:
            if endpoint not in self._dialect_bodies:
                raise ValueError(f"endpoint must be 'responses' or 'chat/completions', not {endpoint!r}")
            bodies = [item if isinstance(item, bytes) else Path(item).read_bytes()]
        with self._lock:
            self._dialect_bodies[endpoint].extend(bodies)  # type: ignore[index]

    def run_state(self, run_id: str) -> dict[str, Any] | None:
        """The server's current run object (``None`` if it has not started), without
        counting as a read."""
        return self._call(lambda: self._routes.peek_run(run_id))

    def step_states(self, run_id: str) -> list[dict[str, Any]]:
        """The server's current steps of the run, in creation order, without counting as
        a read."""
        return self._call(lambda: self._routes.peek_steps(run_id))

    def _call(self, function: Any) -> Any:
        # State lives in the server's thread: read it there, between two events.
        return self._portal.call(function) if self._portal is not None else function()

    # ---- serving ---------------------------------------------------------------------------

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[int]) -> None:
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        with anyio.CancelScope() as scope:
            self._scope = scope
            task_status.started(port)
            async with listener:
                await listener.serve(self._handle_connection)

    async def _handle_connection(self, stream: anyio.abc.SocketStream) -> None:
        connection = HTTPConnection(stream)
        async with stream:
            try:
                while True:
                    request = await connection.next_request()
                    if request is None:
                        return
                    await self._handle(connection, request)
                    if not connection.reusable:
                        return
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
                return
            except h11.RemoteProtocolError:
                return
            except Exception as error:
                # One broken handler must not take the server (and every other test
                # stream) down; the test can find it in `errors`.
                with self._lock:
                    self._errors.append(error)

    async def _handle(self, connection: HTTPConnection, request: Request) -> None:
        record = RecordedRequest.of(request)
        record.request_id = new_request_id()
        with self._lock:
            self._requests.append(record)
        headers = {"x-request-id": record.request_id}
        reply = self._fault_reply(request) or self._auth_reply(request)
        if reply is None:
            try:
                reply = self._route(request)
            except Exception as error:
                with self._lock:
                    self._errors.append(error)
                reply = (500, error_body(500, f"Fake server error: {error!r}"), {})
        if isinstance(reply, StreamReply):
            record.status = 200
            await stream_segment(connection, reply, headers, self)
            return
        if isinstance(reply, bytes):
            record.status = 200
            await self._send_body(connection, reply, headers)
            return
        status, payload, extra = reply
        record.status = status
        await connection.send_json(status, payload, {**headers, **extra})

    def _route(self, request: Request) -> Any:
        path = request.path
        match = _ROUTE.search(path)
        if match is not None:
            return self._routes.dispatch(request, **match.groupdict())
        if _THREAD_AND_RUN_ROUTE.search(path) and request.method == "POST":
            return self._routes.create_thread_and_run(request)
        match = _MESSAGES_ROUTE.search(path)
        if match is not None:
            return self._routes.messages(request, **match.groupdict())
        match = _THREADS_ROUTE.search(path)
        if match is not None:
            return self._routes.threads(request, match["thread_id"])
        for endpoint in self._dialect_bodies:
            if request.method == "POST" and path.rstrip("/").endswith("/" + endpoint):
                return self._next_dialect_body(endpoint)
        return (404, error_body(404, f"Invalid URL ({request.method} {request.path})"), {})

    def _next_dialect_body(self, endpoint: str) -> Any:
        with self._lock:
            queue = self._dialect_bodies[endpoint]
            if queue:
                return queue.pop(0)
        return (400, error_body(400, f"No scripted answer left for POST /{endpoint}"), {})

    async def _send_body(self, connection: HTTPConnection, body: bytes, headers: dict[str, str]) -> None:
        """Stream a whole SSE body, in ``chunk_size`` writes ``chunk_delay`` apart."""
        size = self.chunk_size or len(body) or 1
        await connection.start_stream(headers)
        for start in range(0, len(body), size):
            if start and self.chunk_delay:
                await anyio.sleep(self.chunk_delay)
            await connection.send_data(body[start : start + size])
        await connection.end_stream()

    def _fault_reply(self, request: Request) -> tuple[int, Any, dict[str, str]] | None:
        line = f"{request.method} {request.path}"
        reply = None
        for index, fault in enumerate(self.http_faults):
            if fault.match is not None and fault.match not in line:
                continue
            self._fault_counts[index] += 1
            if reply is None and self._fault_counts[index] == fault.nth:
                body = dict(fault.body) if fault.body is not None else error_body(fault.status)
                reply = (fault.status, body, dict(fault.headers))
        return reply

    def _auth_reply(self, request: Request) -> tuple[int, Any, dict[str, str]] | None:
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            key = authorization[7:].strip()
        else:
            key = request.headers.get("api-key", "").strip()
        if not key:
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
            body = error_body(401, message)
            body["error"]["code"] = None
            return 401, body, {}
        if self.api_key is not None and key != self.api_key:
            masked = key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 7 else "***"
            return 401, error_body(401, f"Incorrect API key provided: {masked}."), {}
        return None
