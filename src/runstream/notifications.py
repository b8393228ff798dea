"""What the accumulator tells its caller: one small frozen object per thing that happened.

`Accumulator.feed` returns these in order; handlers receive them as ``on_*`` callbacks.
`Anomaly` and `Discrepancy` record what the stream said that did not add up.
"""

from __future__ import annotations

from ._core.notifications import (
    AnnotationAdded,
    CodeInterpreterOutputAdded,
    ContentPartCreated,
    ContentPartDeltaReceived,
    ContentPartDone,
    ErrorReceived,
    FileSearchResultsReceived,
    MessageCreated,
    MessageDeltaReceived,
    MessageDone,
    Notification,
    RunRequiresAction,
    RunStatusChanged,
    StepCreated,
    StepDeltaReceived,
    StepDone,
    StreamEnded,
    ToolCallCreated,
    ToolCallDeltaReceived,
    ToolCallDone,
    UnknownEventReceived,
)
from ._core.anomalies import Anomaly
from ._core.tool_calls import PendingToolCall
from ._core.verify import Discrepancy
from ._public import report_public_module as _report_public_module

__all__ = [
    "AnnotationAdded",
    "Anomaly",
    "CodeInterpreterOutputAdded",
    "ContentPartCreated",
    "ContentPartDeltaReceived",
    "ContentPartDone",
    "Discrepancy",
    "ErrorReceived",
    "FileSearchResultsReceived",
    "MessageCreated",
    "MessageDeltaReceived",
    "MessageDone",
    "Notification",
    "PendingToolCall",
    "RunRequiresAction",
    "RunStatusChanged",
    "StepCreated",
    "StepDeltaReceived",
    "StepDone",
    "StreamEnded",
    "ToolCallCreated",
    "ToolCallDeltaReceived",
    "ToolCallDone",
    "UnknownEventReceived",
]

_report_public_module(__name__, globals(), __all__)
