"""Routing of accumulator notifications to ``on_*`` callbacks, shared by sync and async
handlers.

Each notification type has a route: a function that turns the notification into the
callback calls it stands for, with the arguments openai-python's ``AssistantEventHandler``
passes (a delta and the current snapshot, or the final object). A handler class is looked at
once: routes whose callbacks it does not override are dropped, so a handler that overrides
nothing costs one dictionary lookup per notification and builds no snapshot.
"""

from __future__ import annotations

from typing import Any, Callable

from .accumulator import Accumulator
from .notifications import (
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
    RunRequiresAction,
    RunStatusChanged,
    StepCreated,
    StepDeltaReceived,
    StepDone,
    ToolCallCreated,
    ToolCallDeltaReceived,
    ToolCallDone,
    UnknownEventReceived,
)

__all__ = ["CALLBACK_NAMES", "Route", "routes_for"]

Call = tuple[str, tuple[Any, ...]]
Route = Callable[[Any, Accumulator], list[Call]]


def _run_status(note: RunStatusChanged, accumulator: Accumulator) -> list[Call]:
    return [("on_run_status", (note.run, note.previous_status))]


def _requires_action(note: RunRequiresAction, accumulator: Accumulator) -> list[Call]:
    return [("on_requires_action", (note.run, note.tool_calls))]


def _step_created(note: StepCreated, accumulator: Accumulator) -> list[Call]:
    return [("on_run_step_created", (accumulator.run_step(note.step_id),))]


def _step_delta(note: StepDeltaReceived, accumulator: Accumulator) -> list[Call]:
    return [("on_run_step_delta", (note.delta, accumulator._run_step_view(note.step_id)))]


def _step_done(note: StepDone, accumulator: Accumulator) -> list[Call]:
    return [("on_run_step_done", (note.step,))]


def _tool_call_created(note: ToolCallCreated, accumulator: Accumulator) -> list[Call]:
    return [("on_tool_call_created", (accumulator.tool_call(note.step_id, note.index),))]


def _tool_call_delta(note: ToolCallDeltaReceived, accumulator: Accumulator) -> list[Call]:
    return [("on_tool_call_delta", (note.delta, accumulator._tool_call_view(note.step_id, note.index)))]


def _tool_call_done(note: ToolCallDone, accumulator: Accumulator) -> list[Call]:
    return [("on_tool_call_done", (note.tool_call,))]


def _code_interpreter_output(note: CodeInterpreterOutputAdded, accumulator: Accumulator) -> list[Call]:
    return [("on_code_interpreter_output", (note.output, accumulator.tool_call(note.step_id, note.tool_index)))]


def _file_search_results(note: FileSearchResultsReceived, accumulator: Accumulator) -> list[Call]:
    return [("on_file_search_results", (note.tool_call,))]


def _message_created(note: MessageCreated, accumulator: Accumulator) -> list[Call]:
    return [("on_message_created", (accumulator.message(note.message_id),))]


def _message_delta(note: MessageDeltaReceived, accumulator: Accumulator) -> list[Call]:
    return [("on_message_delta", (note.delta, accumulator._message_view(note.message_id)))]


def _message_done(note: MessageDone, accumulator: Accumulator) -> list[Call]:
    return [("on_message_done", (note.message,))]


def _part_created(note: ContentPartCreated, accumulator: Accumulator) -> list[Call]:
    if note.type == "text":
        return [("on_text_created", (accumulator.content_part(note.message_id, note.index).text,))]
    if note.type == "refusal":
        return [("on_refusal_created", (accumulator.content_part(note.message_id, note.index).refusal,))]
    return []


def _part_delta(note: ContentPartDeltaReceived, accumulator: Accumulator) -> list[Call]:
    delta: Any = note.delta
    if delta.type == "text":
        if delta.text is None:
            return []
        return [("on_text_delta", (delta.text, accumulator._content_part_view(note.message_id, note.index).text))]
    if delta.type == "refusal" and delta.refusal is not None:
        return [("on_refusal_delta", (delta.refusal, accumulator.content_part(note.message_id, note.index).refusal))]
    return []


def _part_done(note: ContentPartDone, accumulator: Accumulator) -> list[Call]:
    part: Any = note.part
    kind = part.type
    if kind == "text":
        return [("on_text_done", (part.text,))]
    if kind == "image_file":
        return [("on_image_file_done", (part.image_file,))]
    if kind == "image_url":
        return [("on_image_url_done", (part.image_url,))]
    if kind == "refusal":
        return [("on_refusal_done", (part.refusal,))]
    return []


def _annotation(note: AnnotationAdded, accumulator: Accumulator) -> list[Call]:
    return [("on_annotation", (note.annotation,))]


def _error(note: ErrorReceived, accumulator: Accumulator) -> list[Call]:
    return [("on_error_event", (note.error,))]


def _unknown(note: UnknownEventReceived, accumulator: Accumulator) -> list[Call]:
    return [("on_unknown_event", (note.event,))]


# Notification type -> (route, the callbacks the route may call).
_ROUTES: dict[type, tuple[Route, tuple[str, ...]]] = {
    RunStatusChanged: (_run_status, ("on_run_status",)),
    RunRequiresAction: (_requires_action, ("on_requires_action",)),
    StepCreated: (_step_created, ("on_run_step_created",)),
    StepDeltaReceived: (_step_delta, ("on_run_step_delta",)),
    StepDone: (_step_done, ("on_run_step_done",)),
    ToolCallCreated: (_tool_call_created, ("on_tool_call_created",)),
    ToolCallDeltaReceived: (_tool_call_delta, ("on_tool_call_delta",)),
    ToolCallDone: (_tool_call_done, ("on_tool_call_done",)),
    CodeInterpreterOutputAdded: (_code_interpreter_output, ("on_code_interpreter_output",)),
    FileSearchResultsReceived: (_file_search_results, ("on_file_search_results",)),
    MessageCreated: (_message_created, ("on_message_created",)),
    MessageDeltaReceived: (_message_delta, ("on_message_delta",)),
    MessageDone: (_message_done, ("on_message_done",)),
    ContentPartCreated: (_part_created, ("on_text_created", "on_refusal_created")),
    ContentPartDeltaReceived: (_part_delta, ("on_text_delta", "on_refusal_delta")),
    ContentPartDone: (_part_done, ("on_text_done", "on_image_file_done", "on_image_url_done", "on_refusal_done")),
    AnnotationAdded: (_annotation, ("on_annotation",)),
    ErrorReceived: (_error, ("on_error_event",)),
    UnknownEventReceived: (_unknown, ("on_unknown_event",)),
}

#: Every callback a notification can reach (``on_event``, ``on_exception``, ``on_timeout``
#: and ``on_end`` are called by the streams directly).
CALLBACK_NAMES = tuple(sorted({name for _, names in _ROUTES.values() for name in names}))


def routes_for(handler_class: type, base_class: type) -> dict[type, Route]:
    """The routes a handler class needs: those reaching a callback it overrides."""
    overridden = {
        name for name in CALLBACK_NAMES if getattr(handler_class, name, None) is not getattr(base_class, name)
    }
    return {
        notification_type: route
        for notification_type, (route, names) in _ROUTES.items()
        if overridden.intersection(names)
    }
