"""Cursor-paginated lists (runs, run steps): a page, and iteration across pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import msgspec

from .._models.exact import WHOLE_OBJECTS, convert_exact
from .._models.lenient import convert_lenient
from .client_base import Page

__all__ = ["AsyncCursorPage", "CursorPage"]

T = TypeVar("T")


def _decode_item(item: Any, item_type: type[T]) -> T:
    try:
        if item_type in WHOLE_OBJECTS:
            return convert_exact(item, item_type)  # type: ignore[no-any-return]
        return msgspec.convert(item, item_type)
    except msgspec.ValidationError:
        return convert_lenient(item, item_type)  # type: ignore[no-any-return]


class _PageData(Sequence[T]):
    def __init__(self, page: Page, item_type: type[T]) -> None:
        #: The items of this page.
        self.data: list[T] = [_decode_item(item, item_type) for item in page.data]
        self.first_id = page.first_id
        self.last_id = page.last_id
        #: Whether more pages follow.
        self.has_more = page.has_more

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: Any) -> Any:
        return self.data[index]


class CursorPage(_PageData[T]):
    """A page of a cursor-paginated list; iterating it walks every following page too
    (``data`` is this page alone)."""

    def __init__(self, page: Page, item_type: type[T], fetch_after: Callable[[str], CursorPage[T]]) -> None:
        super().__init__(page, item_type)
        self._fetch_after = fetch_after

    def next_page(self) -> CursorPage[T] | None:
        """Fetch the page after this one, or ``None`` on the last page."""
        if not self.has_more or not self.last_id:
            return None
        return self._fetch_after(self.last_id)

    def iter_pages(self) -> Iterator[CursorPage[T]]:
        """This page and every page after it."""
        page: CursorPage[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncCursorPage(_PageData[T], Generic[T]):
    """A page of a cursor-paginated list for the async client; ``async for`` walks every
    following page too (``data`` is this page alone)."""

    def __init__(self, page: Page, item_type: type[T], fetch_after: Callable[[str], Awaitable[AsyncCursorPage[T]]]) -> None:
        super().__init__(page, item_type)
        self._fetch_after = fetch_after

    async def next_page(self) -> AsyncCursorPage[T] | None:
        """Fetch the page after this one, or ``None`` on the last page."""
        if not self.has_more or not self.last_id:
            return None
        return await self._fetch_after(self.last_id)

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
