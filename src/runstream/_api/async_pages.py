"""`AsyncCursorPage`: a page of a cursor-paginated list (runs, run steps, messages) for the
async client, and iteration across pages.

This is the one source of both page classes: ``pages.py`` is generated from it by
``scripts/unasync.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

from .page_base import Page, PageBase

__all__ = ["AsyncCursorPage"]

T = TypeVar("T")


class AsyncCursorPage(PageBase[T], Generic[T]):
    """A page of a cursor-paginated list for the async client; ``async for`` walks every
    following page too (``data`` is this page alone)."""

    def __init__(self, page: Page, item_type: type[T], fetch_after: Callable[[str], Awaitable[AsyncCursorPage[T]]]) -> None:
        super().__init__(page, item_type)
        self._fetch_after = fetch_after

    async def next_page(self) -> AsyncCursorPage[T] | None:
        """Fetch the page after this one, or ``None`` on the last page."""
        cursor = self._next_cursor()
        return await self._fetch_after(cursor) if cursor is not None else None

    async def iter_pages(self) -> AsyncIterator[AsyncCursorPage[T]]:
        """This page and every page after it."""
        page: AsyncCursorPage[T] | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:  # type: ignore[override]
        async for page in self.iter_pages():
            for item in page.data:
                yield item
