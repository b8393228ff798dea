"""`AsyncThreadsAPI`: the thread and message endpoints of `AsyncClient`.

This is the one source of both clients' thread endpoints: ``threads.py`` is generated from
it by ``scripts/unasync.py``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._models.deleted import MessageDeleted, ThreadDeleted
from .._models.message import Message
from .._models.thread import Thread
from . import requests as api
from .async_client_core import AsyncClientCore
from .async_pages import AsyncCursorPage

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .request_fields import RequestOptions

__all__ = ["AsyncThreadsAPI"]


class AsyncThreadsAPI(AsyncClientCore):
    """`AsyncClient`'s threads and messages."""

    # ---- threads -------------------------------------------------------------------------

    async def create_thread(self, *, messages: Iterable[Mapping[str, Any]] | None = None,
                      metadata: Mapping[str, str] | None = None, tool_resources: Mapping[str, Any] | None = None,
                      **options: Unpack[RequestOptions]) -> Thread:
        """Create a thread (``POST /threads``), optionally with its first messages
        (``[{"role": "user", "content": "..."}]``)."""
        return await self._call(api.create_thread(messages, metadata, tool_resources, options))

    async def retrieve_thread(self, thread_id: str, **options: Unpack[RequestOptions]) -> Thread:
        """Retrieve a thread."""
        return await self._call(api.retrieve_thread(thread_id, options))

    async def modify_thread(self, thread_id: str, *, metadata: Mapping[str, str] | None = None,
                      tool_resources: Mapping[str, Any] | None = None, **options: Unpack[RequestOptions]) -> Thread:
        """Change a thread's metadata or tool resources."""
        return await self._call(api.modify_thread(thread_id, metadata, tool_resources, options))

    async def delete_thread(self, thread_id: str, **options: Unpack[RequestOptions]) -> ThreadDeleted:
        """Delete a thread."""
        return await self._call(api.delete_thread(thread_id, options))

    # ---- messages ------------------------------------------------------------------------

    async def create_message(self, thread_id: str, *, content: str | Iterable[Mapping[str, Any]], role: str = "user",
                       attachments: Iterable[Mapping[str, Any]] | None = None,
                       metadata: Mapping[str, str] | None = None, **options: Unpack[RequestOptions]) -> Message:
        """Add a message to a thread (``POST /threads/{thread_id}/messages``); ``content``
        is a string or a list of content parts."""
        return await self._call(api.create_message(thread_id, role, content, attachments, metadata, options))

    async def list_messages(self, thread_id: str, *, limit: int | None = None, order: str | None = None,
                      after: str | None = None, before: str | None = None, run_id: str | None = None,
                      **options: Unpack[RequestOptions]) -> AsyncCursorPage[Message]:
        """List a thread's messages (newest first unless ``order="asc"``; ``run_id``: only
        that run's); iterate the page to walk all pages."""
        return await self._call_page(api.list_messages(thread_id, limit, order, after, before, run_id, options))

    async def retrieve_message(self, thread_id: str, message_id: str, **options: Unpack[RequestOptions]) -> Message:
        """Retrieve a message (also used by re-sync for the messages of message_creation
        steps)."""
        return await self._call(api.retrieve_message(thread_id, message_id, options))

    async def modify_message(self, thread_id: str, message_id: str, *, metadata: Mapping[str, str] | None = None,
                       **options: Unpack[RequestOptions]) -> Message:
        """Change a message's metadata."""
        return await self._call(api.modify_message(thread_id, message_id, metadata, options))

    async def delete_message(self, thread_id: str, message_id: str, **options: Unpack[RequestOptions]) -> MessageDeleted:
        """Delete a message."""
        return await self._call(api.delete_message(thread_id, message_id, options))
