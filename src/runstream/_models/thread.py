"""The Thread object (only ``thread.created`` carries it, for create-thread-and-run)."""

from __future__ import annotations

from typing import Any

from .base import Model

__all__ = ["Thread"]


class Thread(Model):
    """A conversation thread (``object: "thread"``)."""

    id: str
    object: str = "thread"
    created_at: int = 0
    tool_resources: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
