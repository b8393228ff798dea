"""The stream's events: one class per event name, and their decoding.

`decode_event` (or a reusable `EventDecoder`) turns a `ServerSentEvent` into one of these;
``AssistantStreamEvent`` is their union, narrowed on ``.event`` the openai-python way.
"""

from __future__ import annotations

from ._core.events import (
    EVENT_CLASSES,
    EVENT_NAME_ALIASES,
    AssistantStreamEvent,
    DoneEvent,
    ErrorEvent,
    ThreadCreated,
    ThreadMessageCompleted,
    ThreadMessageCreated,
    ThreadMessageDelta,
    ThreadMessageIncomplete,
    ThreadMessageInProgress,
    ThreadRunCancelled,
    ThreadRunCancelling,
    ThreadRunCompleted,
    ThreadRunCreated,
    ThreadRunExpired,
    ThreadRunFailed,
    ThreadRunIncomplete,
    ThreadRunInProgress,
    ThreadRunQueued,
    ThreadRunRequiresAction,
    ThreadRunStepCancelled,
    ThreadRunStepCompleted,
    ThreadRunStepCreated,
    ThreadRunStepDelta,
    ThreadRunStepExpired,
    ThreadRunStepFailed,
    ThreadRunStepInProgress,
    UnknownEvent,
    event_data_type,
)
from ._core.event_decoder import EventDecoder, decode_event
from ._public import report_public_module as _report_public_module

__all__ = [
    "AssistantStreamEvent",
    "DoneEvent",
    "EVENT_CLASSES",
    "EVENT_NAME_ALIASES",
    "ErrorEvent",
    "EventDecoder",
    "ThreadCreated",
    "ThreadMessageCompleted",
    "ThreadMessageCreated",
    "ThreadMessageDelta",
    "ThreadMessageInProgress",
    "ThreadMessageIncomplete",
    "ThreadRunCancelled",
    "ThreadRunCancelling",
    "ThreadRunCompleted",
    "ThreadRunCreated",
    "ThreadRunExpired",
    "ThreadRunFailed",
    "ThreadRunInProgress",
    "ThreadRunIncomplete",
    "ThreadRunQueued",
    "ThreadRunRequiresAction",
    "ThreadRunStepCancelled",
    "ThreadRunStepCompleted",
    "ThreadRunStepCreated",
    "ThreadRunStepDelta",
    "ThreadRunStepExpired",
    "ThreadRunStepFailed",
    "ThreadRunStepInProgress",
    "UnknownEvent",
    "decode_event",
    "event_data_type",
]

_report_public_module(__name__, globals(), __all__)
