"""Who listens to the events `merge_run` (``drain.py``) merges: a handler's callbacks for the
hot deltas, its ``dispatch`` for the rest, and a reader of every event.

A stream makes one `DeltaListener` per read from its handler (``HandlerState._delta_listener``)
and does what `merge_run` yields; this module says what that may be.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

from .._models.run import Run
from .events import EVENT_CLASSES, event_data_type
from .notifications import RunRequiresAction, RunStatusChanged, ToolCallDone

__all__ = ["AWAIT", "EMIT", "LISTENED_CALLBACKS", "RUN_EVENTS", "DeltaListener"]


class DeltaListener:
    """Who listens to a run's events, for `merge_run`: a handler (``None`` when it listens
    to nothing) with its callbacks for the two commonest deltas (and a new function call)
    and ``on_event`` (each ``None`` unless overridden) and its ``dispatch`` for every other
    event (called with the event and its notifications, as the stream would; ``handler``
    gets ``current_event``); and, when ``emit``, a reader who wants every event. ``raised``
    is the exception a callback `merge_run` made itself raised, if one did: the handler's
    own, which the stream must not take for its own failure.
    """

    __slots__ = (
        "dispatch", "emit", "handler", "on_event", "on_message_delta", "on_run_step_delta", "on_text_delta",
        "on_tool_call_created", "on_tool_call_delta", "quiet_events", "raised",
    )

    def __init__(self, handler: Any, dispatch: Callable[..., Any] | None, callbacks: dict[str, Any],
                 emit: bool, routed: Container[type] = ()) -> None:
        self.handler = handler
        self.dispatch = dispatch
        self.emit = emit
        # Run events cause notifications of three kinds; a handler with a route for none of
        # them gets them with no notification built (at requires_action, one snapshot and
        # one parse of the arguments per tool call).
        self.quiet_events = frozenset() if any(kind in routed for kind in RUN_NOTIFICATIONS) else RUN_EVENTS
        self.on_event = callbacks.get("on_event")
        self.on_run_step_delta = callbacks.get("on_run_step_delta")
        self.on_tool_call_created = callbacks.get("on_tool_call_created")
        self.on_tool_call_delta = callbacks.get("on_tool_call_delta")
        self.on_message_delta = callbacks.get("on_message_delta")
        self.on_text_delta = callbacks.get("on_text_delta")
        self.raised: Exception | None = None


#: The events about a run, and the notifications they cause (see `_on_run`).
RUN_EVENTS = frozenset(cls for cls in EVENT_CLASSES.values() if event_data_type(cls) is Run)
RUN_NOTIFICATIONS = (RunStatusChanged, RunRequiresAction, ToolCallDone)

#: What `merge_run` yields in place of a function for an event the reader is to get next.
EMIT: Any = "emit"
#: What `merge_run` yields in place of a function for what a callback it made returned, for
#: the stream to await if it is awaitable (an async handler's coroutine).
AWAIT: Any = "await"

#: The callbacks a `DeltaListener` calls itself (every other one is reached by dispatch).
LISTENED_CALLBACKS = (
    "on_event", "on_run_step_delta", "on_tool_call_created", "on_tool_call_delta", "on_message_delta", "on_text_delta",
)
