"""``credential=``: bearer tokens from a credential (azure-identity's shape, sync or async,
or a plain callable), fetched once, refreshed before they expire, never shown."""

from __future__ import annotations

import logging
import time
from typing import NamedTuple

import httpx
import pytest

import runstream
from runstream.testing import FakeAssistantsServer, Scenario, ToolCallSpec


class AccessToken(NamedTuple):
    """The shape of ``azure.core.credentials.AccessToken``."""

    token: str
    expires_on: int


class CountingCredential:
    """A stand-in for ``DefaultAzureCredential``: counts the tokens it hands out."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.scopes: list[tuple[str, ...]] = []
        self.clock = time.time

    @property
    def refreshes(self) -> int:
        return len(self.scopes)

    def get_token(self, *scopes: str) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(f"secret-token-{self.refreshes}", int(self.clock() + self.lifetime))


class AsyncCountingCredential(CountingCredential):
    """A stand-in for ``azure.identity.aio.DefaultAzureCredential``."""

    async def get_token(self, *scopes: str) -> AccessToken:  # type: ignore[override]
        return CountingCredential.get_token(self, *scopes)


def capture() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "thread_1", "object": "thread", "created_at": 1})

    return seen, httpx.MockTransport(answer)


def test_a_token_is_fetched_once_and_sent_as_bearer() -> None:
    credential = CountingCredential(lifetime=3600)
    seen, transport = capture()
    with runstream.Client(base_url="http://testserver/v1", api_key="sk-ignored", credential=credential,
                          http_client=httpx.Client(transport=transport)) as client:
        for _ in range(5):
            client.retrieve_thread("thread_1")
    assert credential.refreshes == 1
    assert credential.scopes == [("https://ai.azure.com/.default",)]
    assert {request.headers["authorization"] for request in seen} == {"Bearer secret-token-1"}


def test_a_token_is_refreshed_before_it_expires() -> None:
    credential = CountingCredential(lifetime=3600)
    seen, transport = capture()
    with runstream.Client(base_url="http://testserver/v1", credential=credential,
                          credential_scopes=["api://custom/.default"],
                          http_client=httpx.Client(transport=transport)) as client:
        provider = client.config.token_provider
        assert provider is not None
        now = [1_800_000_000.0]
        provider.clock = credential.clock = lambda: now[0]  # one clock for the service and the client
        client.retrieve_thread("thread_1")
        now[0] += 3600 - runstream.TokenProvider.refresh_margin - 5  # not yet
        client.retrieve_thread("thread_1")
        now[0] += 10  # within the margin
        client.retrieve_thread("thread_1")
        client.retrieve_thread("thread_1")
    assert credential.refreshes == 2
    assert credential.scopes == [("api://custom/.default",)] * 2
    assert [r.headers["authorization"] for r in seen] == ["Bearer secret-token-1"] * 2 + ["Bearer secret-token-2"] * 2


def test_short_lived_tokens_are_fetched_for_every_request() -> None:
    credential = CountingCredential(lifetime=10)  # inside the refresh margin from the start
    seen, transport = capture()
    with runstream.Client(base_url="http://testserver/v1", credential=credential,
                          http_client=httpx.Client(transport=transport)) as client:
        client.retrieve_thread("thread_1")
        client.retrieve_thread("thread_1")
    assert credential.refreshes == 2
    assert seen[1].headers["authorization"] == "Bearer secret-token-2"


def test_plain_callables() -> None:
    calls: list[int] = []

    def bare() -> str:
        calls.append(1)
        return f"bare-{len(calls)}"

    seen, transport = capture()
    with runstream.Client(base_url="http://testserver/v1", credential=bare,
                          http_client=httpx.Client(transport=transport)) as client:
        client.retrieve_thread("thread_1")
        client.retrieve_thread("thread_1")
    # A bare string has no expiry: the callable is asked each time (it caches if it likes).
    assert [r.headers["authorization"] for r in seen] == ["Bearer bare-1", "Bearer bare-2"]

    with runstream.Client(base_url="http://testserver/v1", credential=lambda: ("paired", time.time() + 3600),
                          http_client=httpx.Client(transport=transport)) as client:
        client.retrieve_thread("thread_1")
        client.retrieve_thread("thread_1")
        assert client.config.token_provider.fetches == 1  # type: ignore[union-attr]


def test_bad_credentials_are_type_errors() -> None:
    with pytest.raises(TypeError, match="get_token"):
        runstream.Client(base_url="http://testserver/v1", credential="a-token-string")
    seen, transport = capture()
    with runstream.Client(base_url="http://testserver/v1", credential=AsyncCountingCredential(3600),
                          http_client=httpx.Client(transport=transport)) as client:
        with pytest.raises(TypeError, match="async: use it with AsyncClient"):
            client.retrieve_thread("thread_1")
    with runstream.Client(base_url="http://testserver/v1", credential=lambda: None,
                          http_client=httpx.Client(transport=transport)) as client:
        with pytest.raises(TypeError, match="no token"):
            client.retrieve_thread("thread_1")
    assert seen == []


@pytest.mark.anyio
@pytest.mark.parametrize("credential_type", [AsyncCountingCredential, CountingCredential])
async def test_async_client_with_sync_and_async_credentials(credential_type: type[CountingCredential]) -> None:
    credential = credential_type(lifetime=3600)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "thread_1", "object": "thread", "created_at": 1})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with runstream.AsyncClient(base_url="http://testserver/v1", credential=credential, http_client=http) as client:
        for _ in range(3):
            await client.retrieve_thread("thread_1")
    await http.aclose()
    assert credential.refreshes == 1
    assert {r.headers["authorization"] for r in seen} == {"Bearer secret-token-1"}


def test_a_run_with_a_credential_end_to_end_never_shows_the_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="runstream")
    credential = CountingCredential(lifetime=3600)
    scenario = Scenario(assistant_id="asst_1").tool_calls([ToolCallSpec("clock", "{}")]).message("Noon.")
    with FakeAssistantsServer([scenario]) as server, runstream.Client(base_url=server.base_url,
                                                                      credential=credential) as client:
        thread = client.create_thread(messages=[{"role": "user", "content": "Time?"}])
        run = client.run_tools(thread.id, assistant_id="asst_1", tools={"clock": lambda: "12:00"}).final_run()
        text = repr(client) + repr(client.config) + repr(client.config.token_provider)
    assert run.status == "completed"
    assert credential.refreshes == 1
    assert len(server.requests) == 3 and all(r.headers["authorization"] == "<redacted>" for r in server.requests)
    assert "secret-token" not in text
    assert caplog.records and not any("secret-token" in record.getMessage() for record in caplog.records)


@pytest.mark.anyio
async def test_an_async_run_with_an_async_credential_end_to_end() -> None:
    credential = AsyncCountingCredential(lifetime=3600)
    scenario = Scenario(assistant_id="asst_1").message("Hello.")
    with FakeAssistantsServer([scenario]) as server:
        async with runstream.AsyncClient(base_url=server.base_url, credential=credential) as client:
            thread = await client.create_thread()
            stream = await client.stream_run(thread.id, assistant_id="asst_1")
            async with stream:
                run = await stream.final_run()
            page = await client.list_messages(thread.id)
    assert run.status == "completed" and [m.role for m in page.data] == ["assistant"]
    assert credential.refreshes == 1
