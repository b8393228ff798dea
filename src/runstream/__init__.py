"""runstream: typed, fast accumulation of Assistants-style run streams.

The core is sans-IO: `SSEDecoder` turns bytes into `ServerSentEvent`s, `EventDecoder` turns
those into typed events, and `Accumulator` merges the events into `Run`, `RunStep` and
`Message` snapshots. `RunStream` / `AsyncRunStream` put that core on bytes, files,
iterables and httpx responses, and call an `EventHandler`'s ``on_*`` callbacks.

This module holds the names most programs need. The rest of the public surface lives in
four faces: `runstream.types` (every wire type), `runstream.events` (the stream's events),
`runstream.notifications` (what the accumulator reports) and `runstream.errors` (the
exception hierarchy); `runstream.testing` has the fake server for tests. The Responses API
and Chat Completions streams have a face each: `runstream.responses` and `runstream.chat`.
"""

from __future__ import annotations

from typing import Any

from . import chat, errors, events, notifications, responses, types  # noqa: F401 - the public faces
from ._chat.stream import ChatCompletionStream
from ._api.async_client import AsyncClient, AsyncLiveRunStream, AsyncToolLoop
from ._api.client import Client, LiveRunStream, ToolLoop
from ._api.client_base import ClientConfig
from ._api.transport import RetryPolicy
from ._api.credentials import DEFAULT_SCOPE, TokenProvider
from ._api.async_pages import AsyncCursorPage
from ._api.pages import CursorPage
from ._core.accumulator import Accumulator, AccumulatorState
from ._core.event_decoder import EventDecoder, decode_event
from ._core.tool_calls import PendingToolCall
from ._core.sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEDecoder
from ._core.tool_calls import pending_tool_calls
from ._models.base import UNSET
from ._models.message import Message
from ._models.run import Run
from ._models.run_step import RunStep
from ._public import report_public_module as _report_public_module
from ._responses.stream import ResponseStream
from ._samples import sample_stream_path, sample_stream_paths
from ._streaming.async_stream import AsyncRunStream
from ._streaming.handlers import AsyncEventHandler, EventHandler
from ._streaming.async_recording_source import replay_chunks_async
from ._streaming.recording import recording_path, recording_paths
from ._streaming.recording_source import replay_chunks
from ._streaming.stream_base import SnapshotUpdate
from ._streaming.sync_stream import RunStream
from .errors import (
    APIConnectionError,
    APIError,
    EventTooLargeError,
    IncompleteStreamError,
    NoRunToResyncError,
    ResyncError,
    ResyncTimeoutError,
    RunstreamError,
    ServerStreamError,
    StreamConnectionError,
    StreamDecodeError,
    ToolCallError,
)

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "Accumulator",
    "AccumulatorState",
    "AsyncClient",
    "AsyncCursorPage",
    "AsyncEventHandler",
    "AsyncLiveRunStream",
    "AsyncRunStream",
    "AsyncToolLoop",
    "ChatCompletionStream",
    "Client",
    "ClientConfig",
    "CursorPage",
    "DEFAULT_MAX_EVENT_SIZE",
    "DEFAULT_SCOPE",
    "EventDecoder",
    "EventHandler",
    "EventTooLargeError",
    "IncompleteStreamError",
    "LiveRunStream",
    "Message",
    "NoRunToResyncError",
    "PendingToolCall",
    "ResponseStream",
    "ResyncError",
    "ResyncTimeoutError",
    "RetryPolicy",
    "Run",
    "RunStep",
    "RunStream",
    "RunstreamError",
    "SSEDecoder",
    "ServerSentEvent",
    "ServerStreamError",
    "SnapshotUpdate",
    "StreamConnectionError",
    "StreamDecodeError",
    "TokenProvider",
    "ToolCallError",
    "ToolLoop",
    "UNSET",
    "decode_event",
    "pending_tool_calls",
    "recording_path",
    "recording_paths",
    "replay_chunks",
    "replay_chunks_async",
    "sample_stream_path",
    "sample_stream_paths",
]

_report_public_module(__name__, globals(), __all__)

# Names that ``runstream`` exported before the faces existed. They keep working for one
# release, with a DeprecationWarning that says where each one lives now.
_MOVED_TO_FACES = {
    "Annotation": "types",
    "AnnotationAdded": "notifications",
    "AnnotationDelta": "types",
    "Anomaly": "notifications",
    "AssistantStreamEvent": "events",
    "Attachment": "types",
    "AttachmentTool": "types",
    "CodeInterpreter": "types",
    "CodeInterpreterDelta": "types",
    "CodeInterpreterImage": "types",
    "CodeInterpreterLogs": "types",
    "CodeInterpreterOutput": "types",
    "CodeInterpreterOutputAdded": "notifications",
    "CodeInterpreterOutputDelta": "types",
    "CodeInterpreterOutputImage": "types",
    "CodeInterpreterOutputImageDelta": "types",
    "CodeInterpreterOutputLogs": "types",
    "CodeInterpreterTool": "types",
    "CodeInterpreterToolCall": "types",
    "CodeInterpreterToolCallDelta": "types",
    "ContentPart": "types",
    "ContentPartCreated": "notifications",
    "ContentPartDelta": "types",
    "ContentPartDeltaReceived": "notifications",
    "ContentPartDone": "notifications",
    "Discrepancy": "notifications",
    "DoneEvent": "events",
    "EVENT_CLASSES": "events",
    "EVENT_NAME_ALIASES": "events",
    "ErrorEvent": "events",
    "ErrorObject": "types",
    "ErrorReceived": "notifications",
    "FileCitation": "types",
    "FileCitationAnnotation": "types",
    "FileCitationDelta": "types",
    "FileCitationDeltaAnnotation": "types",
    "FilePath": "types",
    "FilePathAnnotation": "types",
    "FilePathDelta": "types",
    "FilePathDeltaAnnotation": "types",
    "FileSearch": "types",
    "FileSearchResult": "types",
    "FileSearchResultContent": "types",
    "FileSearchResultsReceived": "notifications",
    "FileSearchTool": "types",
    "FileSearchToolCall": "types",
    "FileSearchToolCallDelta": "types",
    "FileSearchToolOptions": "types",
    "Function": "types",
    "FunctionDefinition": "types",
    "FunctionDelta": "types",
    "FunctionTool": "types",
    "FunctionToolCall": "types",
    "FunctionToolCallDelta": "types",
    "ImageFile": "types",
    "ImageFileContentBlock": "types",
    "ImageFileDelta": "types",
    "ImageFileDeltaBlock": "types",
    "ImageURL": "types",
    "ImageURLContentBlock": "types",
    "ImageURLDelta": "types",
    "ImageURLDeltaBlock": "types",
    "IncompleteDetails": "types",
    "JSONSchema": "types",
    "LastError": "types",
    "MESSAGE_TERMINAL_STATUSES": "types",
    "MessageCreated": "notifications",
    "MessageCreation": "types",
    "MessageCreationStepDetails": "types",
    "MessageDelta": "types",
    "MessageDeltaEvent": "types",
    "MessageDeltaReceived": "notifications",
    "MessageDone": "notifications",
    "Notification": "notifications",
    "RUN_RESTING_STATUSES": "types",
    "RUN_TERMINAL_STATUSES": "types",
    "RankingOptions": "types",
    "RefusalContentBlock": "types",
    "RefusalDeltaBlock": "types",
    "RequiredAction": "types",
    "RequiredActionFunction": "types",
    "RequiredActionFunctionToolCall": "types",
    "ResponseFormat": "types",
    "RunRequiresAction": "notifications",
    "RunStatusChanged": "notifications",
    "RunStepDelta": "types",
    "RunStepDeltaEvent": "types",
    "RunStepDeltaMessageDelta": "types",
    "STEP_TERMINAL_STATUSES": "types",
    "StepCreated": "notifications",
    "StepDeltaReceived": "notifications",
    "StepDetails": "types",
    "StepDetailsDelta": "types",
    "StepDone": "notifications",
    "StreamEnded": "notifications",
    "SubmitToolOutputs": "types",
    "Text": "types",
    "TextContentBlock": "types",
    "TextDelta": "types",
    "TextDeltaBlock": "types",
    "Thread": "types",
    "ThreadCreated": "events",
    "ThreadMessageCompleted": "events",
    "ThreadMessageCreated": "events",
    "ThreadMessageDelta": "events",
    "ThreadMessageInProgress": "events",
    "ThreadMessageIncomplete": "events",
    "ThreadRunCancelled": "events",
    "ThreadRunCancelling": "events",
    "ThreadRunCompleted": "events",
    "ThreadRunCreated": "events",
    "ThreadRunExpired": "events",
    "ThreadRunFailed": "events",
    "ThreadRunInProgress": "events",
    "ThreadRunIncomplete": "events",
    "ThreadRunQueued": "events",
    "ThreadRunRequiresAction": "events",
    "ThreadRunStepCancelled": "events",
    "ThreadRunStepCompleted": "events",
    "ThreadRunStepCreated": "events",
    "ThreadRunStepDelta": "events",
    "ThreadRunStepExpired": "events",
    "ThreadRunStepFailed": "events",
    "ThreadRunStepInProgress": "events",
    "Tool": "types",
    "ToolCall": "types",
    "ToolCallCreated": "notifications",
    "ToolCallDelta": "types",
    "ToolCallDeltaObject": "types",
    "ToolCallDeltaReceived": "notifications",
    "ToolCallDone": "notifications",
    "ToolCallsStepDetails": "types",
    "ToolChoice": "types",
    "ToolChoiceFunction": "types",
    "TruncationStrategy": "types",
    "UnknownEvent": "events",
    "UnknownEventReceived": "notifications",
    "UnknownObject": "types",
    "UnsetType": "types",
    "Usage": "types",
    "event_data_type": "events",
}


def __getattr__(name: str) -> Any:
    face = _MOVED_TO_FACES.get(name)
    if face is None and name == "RunStreamError":
        face, target = "errors", "ServerStreamError"
    else:
        target = name
    if face is None:
        raise AttributeError(f"module 'runstream' has no attribute {name!r}")
    import warnings

    warnings.warn(
        f"runstream.{name} is deprecated: use runstream.{face}.{target}",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(globals()[face], target)
