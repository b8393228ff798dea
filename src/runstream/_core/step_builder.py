"""Builds a RunStep snapshot from its full objects and deltas, at constant cost per delta.

Its tool calls are `ToolCallBuilder`s keyed by their wire ``index``; a step delta is merged
here (`StepBuilder.apply`), each tool call fragment by the call it names. The snapshot is
built when read and cached until the next change; delta callbacks get a lazy view of it.
"""

from __future__ import annotations

from typing import Any, Callable

import msgspec

from .._models.base import UnknownObject
from .._models.unknown_members import apply_unknown_members
from .._models.run_step import (
    MessageCreation,
    MessageCreationStepDetails,
    RunStep,
    RunStepDelta,
    RunStepDeltaMessageDelta,
    ToolCallDeltaObject,
    ToolCallsStepDetails,
)
from .delta_tree import materialize
from .merge import merge_fields, wire_keys
from .notifications import (
    CodeInterpreterOutputAdded,
    Notification,
    ToolCallCreated,
    ToolCallDeltaReceived,
)
from .tool_call_builder import ToolCallBuilder
from .views import freeze, pin_call, retire, tool_calls_view

__all__ = ["StepBuilder"]


class StepBuilder:
    """A run step under construction: the latest full object plus its tool calls."""

    __slots__ = (
        "base", "cached", "delta_count", "details_fields", "details_type", "done", "tool_calls", "unknown", "view",
        "view_ref",
    )

    def __init__(self, base: RunStep) -> None:
        self.base = base
        self.details_type: str | None = None
        # message_creation members, or the raw object of an unknown step details type.
        self.details_fields: dict[str, Any] = {}
        self.tool_calls: dict[int, ToolCallBuilder] = {}
        self.cached: RunStep | None = None
        # The lazy snapshot of the current state, and weak references to the details views
        # handed out that may still be alive and unread (``None`` when there are none): each
        # is kept showing its own moment as the step changes (see views).
        self.view: RunStep | None = None
        self.view_ref: list[Any] | None = None
        self.delta_count = 0
        self.done = False
        # Members of deltas this version does not declare, merged (see delta_tree).
        self.unknown: dict[str, Any] = {}

    def changing(self, index: int | None = None) -> None:
        """Called before every change: snapshots and views of the old state stay as they are.
        With ``index``, only the tool call at that index is about to change (or be created):
        live views keep that call's view (constant cost); else they are filled in (O(calls))."""
        self.cached = None
        if self.view is not None:
            # A view someone holds is watched from now on; one nobody holds may stay.
            retire(self, index)
        references = self.view_ref
        if references is None:
            return
        if index is not None:
            call = self.tool_calls.get(index)
            # A call not there yet is listed by no view: there is nothing to keep.
            if call is not None:
                self.view_ref = pin_call(references, index, call)
            return
        freeze(references)
        self.view_ref = None

    def seed_details(self, step: RunStep, replace: bool) -> list[int]:
        """Take the details of a full object: all of them when ``replace`` (authoritative),
        else only the tool calls not built yet. Returns the new tool call indexes."""
        details = step.step_details
        if details is None:
            return []
        if isinstance(details, UnknownObject):
            self.details_type = details.type
            if replace or not self.details_fields:
                self.details_fields = dict(details)
            return []
        self.details_type = details.type
        if details.type == "message_creation":
            # A server may send the details without their ``message_creation`` member (the
            # object then reads UNSET): the message id stays as it was, never a crash.
            message_id = getattr(details.message_creation, "message_id", None)
            if message_id is not None and (replace or not self.details_fields.get("message_id")):
                self.details_fields = {"message_id": message_id}
            return []
        new_indexes = []
        keys = wire_keys(self.tool_calls, len(details.tool_calls))
        for index, call in zip(keys, details.tool_calls):
            previous = self.tool_calls.get(index)
            if previous is None:
                new_indexes.append(index)
            elif not replace:
                continue
            builder = self.tool_calls[index] = ToolCallBuilder.from_tool_call(call, previous)
            builder.done = previous.done if previous is not None else False
        if replace:
            kept = set(keys)
            for index in [index for index in self.tool_calls if index not in kept]:
                del self.tool_calls[index]
        return new_indexes

    def view_snapshot(self) -> RunStep:
        """The step as it is now, its tool calls listed only when first read."""
        if self.cached is not None:
            return self.cached
        view = self.view
        if view is None:
            if self.details_type != "tool_calls" or (self.unknown and not self.done):
                # Members no version declares are merged in by the whole snapshot (rare).
                return self.snapshot()
            details = tool_calls_view(self.tool_calls)
            if self.base.type:
                view = msgspec.structs.replace(self.base, step_details=details)
            else:
                view = msgspec.structs.replace(self.base, type="tool_calls", step_details=details)
            self.view = view
        return view

    def snapshot(self) -> RunStep:
        """The step as the API would show it now (cached until the next change)."""
        cached = self.cached
        if cached is None:
            details_type = self.details_type
            details: Any
            if details_type == "tool_calls":
                calls = self.tool_calls
                details = ToolCallsStepDetails(tool_calls=[calls[index].snapshot() for index in sorted(calls)])
            elif details_type == "message_creation":
                details = MessageCreationStepDetails(
                    message_creation=MessageCreation(message_id=self.details_fields.get("message_id", ""))
                )
            elif details_type is None:
                details = self.base.step_details
            else:
                details = UnknownObject(self.details_fields)
            if self.base.type or details_type is None:
                cached = msgspec.structs.replace(self.base, step_details=details)
            else:
                # A placeholder (a delta for a step never created): its type is its details'.
                cached = msgspec.structs.replace(self.base, type=details_type, step_details=details)
            if self.unknown and not self.done:
                positions = {"step_details.tool_calls": sorted(self.tool_calls)}
                cached = apply_unknown_members(cached, materialize(self.unknown), positions)
            self.cached = cached
        return cached

    def apply(
        self,
        delta: RunStepDelta,
        step_id: str,
        notifications: list[Notification],
        notify: bool,
        anomaly: Callable[[str, str], None],
    ) -> None:
        """Merge one run step delta: its details' type is set; each tool call fragment goes
        to the call its ``index`` names (`ToolCallBuilder.apply`), message_creation and
        details of unknown types are set field by field. Appends the notifications it causes
        (the per-fragment ones only when ``notify``); ``anomaly`` records what is unexpected.
        """
        details = delta.step_details
        if details is None:
            return
        details_class = type(details)
        if details_class is ToolCallDeltaObject:
            self.details_type = "tool_calls"
            calls = details.tool_calls  # type: ignore[union-attr]
            if calls is None:
                return
            tool_calls = self.tool_calls
            for call_delta in calls:
                if type(call_delta) is UnknownObject:
                    index = call_delta.get("index")
                    call_type = call_delta.type or "unknown"
                    if not isinstance(index, int):
                        anomaly("missing_index", f"a tool call delta of step {step_id!r} has no index")
                        continue
                else:
                    index = call_delta.index
                    call_type = call_delta.type
                if self.view_ref is not None:
                    self.changing(index)  # only this call changes (or is created)
                call = tool_calls.get(index)
                if call is None or call.type != call_type:
                    call = self._new_call(step_id, index, call_type, notifications, anomaly)
                created_outputs = call.apply(call_delta)
                if notify:
                    notifications.append(ToolCallDeltaReceived(step_id, index, call_delta))
                if created_outputs:
                    for output_index in created_outputs:
                        output = call.outputs[output_index].snapshot()
                        notifications.append(CodeInterpreterOutputAdded(step_id, index, output_index, output))
        elif details_class is RunStepDeltaMessageDelta:
            self.changing()
            self.details_type = "message_creation"
            if details.message_creation:  # type: ignore[union-attr] - neither None nor UNSET
                merge_fields(self.details_fields, details.message_creation)  # type: ignore[union-attr]
        else:
            self.changing()
            self.details_type = details.type  # type: ignore[union-attr]
            merge_fields(self.details_fields, details)

    def _new_call(
        self, step_id: str, index: int, call_type: str, notifications: list[Notification],
        anomaly: Callable[[str, str], None],
    ) -> ToolCallBuilder:
        previous = self.tool_calls.get(index)
        if previous is not None:
            anomaly(
                "type_changed",
                f"tool call {index} of step {step_id!r} changed type {previous.type!r} -> {call_type!r}",
            )
        call = self.tool_calls[index] = ToolCallBuilder(call_type)
        notifications.append(ToolCallCreated(step_id, index))
        return call
