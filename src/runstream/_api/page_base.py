"""A page of a cursor-paginated list: the list object as the server sends it (`Page`) and its
items decoded (`PageBase`), which both page classes, `CursorPage` and `AsyncCursorPage`,
share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from .._models.exact import WHOLE_OBJECTS, convert_exact
from .._models.lenient import convert_lenient

__all__ = ["Page", "PageBase"]

T = TypeVar("T")


class Page(msgspec.Struct, kw_only=True):
    """One page of a cursor-paginated list (``{"object": "list", "data": [...]}``)."""

    data: list[Any] = []
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


def _decode_item(item: Any, item_type: type[T]) -> T:
    try:
        if item_type in WHOLE_OBJECTS:
            return convert_exact(item, item_type)  # type: ignore[no-any-return]
        return msgspec.convert(item, item_type)
    except msgspec.ValidationError:
        return convert_lenient(item, item_type)  # type: ignore[no-any-return]


class PageBase(Sequence[T]):
    """The items of one page and where the list goes on (see `CursorPage`)."""

    def __init__(self, page: Page, item_type: type[T]) -> None:
        #: The items of this page.
        self.data: list[T] = [_decode_item(item, item_type) for item in page.data]
        self.first_id = page.first_id
        self.last_id = page.last_id
        #: Whether more pages follow.
        self.has_more = page.has_more

    def _next_cursor(self) -> str | None:
        """The cursor of the page after this one, ``None`` on the last page."""
        return self.last_id if self.has_more and self.last_id else None

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: Any) -> Any:
        return self.data[index]
