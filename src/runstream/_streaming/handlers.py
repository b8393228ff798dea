"""Event handlers: subclass, override the ``on_*`` callbacks you need, pass to a stream.

Every callback name and signature of openai-python's ``AssistantEventHandler`` exists here
with the same meaning, so porting a handler is a change of base class. The differences:
``*_done`` callbacks fire exactly once per object and receive the authoritative final
object; ``on_event`` fires after the event was accumulated, so snapshots read there are
current; one handler follows a run across continuation streams. Callbacks that are not
overridden cost nothing: their snapshots are never built.

A subclass need not call ``super().__init__()``; its state is plain attributes.

The callbacks are written once, for `AsyncEventHandler` (``async_handler.py``); `EventHandler`
(``handler.py``) is generated from it. What both hold is `HandlerState` (``handler_state.py``).
"""

from __future__ import annotations

from .async_handler import AsyncEventHandler
from .handler import EventHandler

__all__ = ["AsyncEventHandler", "EventHandler"]
