"""The answers of delete requests: which object, and whether it is gone."""

from __future__ import annotations

from .base import Model

__all__ = ["MessageDeleted", "ThreadDeleted"]


class ThreadDeleted(Model):
    """The answer to deleting a thread (``object: "thread.deleted"``)."""

    id: str
    object: str = "thread.deleted"
    deleted: bool = False


class MessageDeleted(Model):
    """The answer to deleting a message (``object: "thread.message.deleted"``)."""

    id: str
    object: str = "thread.message.deleted"
    deleted: bool = False
