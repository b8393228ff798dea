"""Builds a RunStep snapshot from its full objects and deltas, at constant cost per delta.

Tool calls are keyed by their wire ``index`` within the step, and code_interpreter outputs by
their ``index`` within the call. Appended strings (``function.arguments``,
``code_interpreter.input``, ``logs``) are kept as pieces and joined only when read; "set"
fields overwrite, so a repeated id or name is never concatenated.
"""

from __future__ import annotations

from typing import Any, Iterable

import msgspec

from .._models.base import UnknownObject
from .._models.exact import apply_unknown_members
from .views import code_interpreter_view, freeze, function_view, tool_calls_view
from .._models.run_step import (
    CodeInterpreter,
    CodeInterpreterImage,
    CodeInterpreterOutputImage,
    CodeInterpreterOutputLogs,
    CodeInterpreterToolCall,
    CodeInterpreterToolCallDelta,
    FileSearch,
    FileSearchToolCall,
    Function,
    FunctionToolCall,
    FunctionToolCallDelta,
    MessageCreation,
    MessageCreationStepDetails,
    RunStep,
    ToolCallsStepDetails,
)
from .delta_tree import materialize
from .merge import COMPACT_EVERY, compact_pieces, join_pieces, merge_fields, to_wire

__all__ = ["OutputBuilder", "StepBuilder", "ToolCallBuilder", "join_pieces", "wire_keys"]

_NO_OUTPUTS: list[int] = []


def wire_keys(existing: Iterable[int], count: int) -> list[int]:
    """The wire indexes of the ``count`` items of a full object's list, given the indexes
    the deltas used (``existing``).

    A full object has no ``index``: its list is the built items in index order, so its k-th
    item is the k-th smallest index built. Items beyond those get the next free indexes. With
    dense indexes this is ``range(count)``; with sparse ones (``[0, 3]``) the items keep the
    indexes their deltas used, so lookups and created/done notifications stay on one key.
    """
    keys = sorted(existing)
    if len(keys) >= count:
        return keys[:count]
    start = keys[-1] + 1 if keys else 0
    return keys + list(range(start, start + count - len(keys)))


class OutputBuilder:
    """One code_interpreter output under construction."""

    __slots__ = ("cached", "compacted", "fields", "pieces", "type")

    def __init__(self, output_type: str) -> None:
        self.type = output_type
        self.pieces: list[str] = []
        self.compacted = 0
        self.fields: dict[str, Any] = {}
        self.cached: Any = None

    @classmethod
    def from_output(cls, output: Any) -> OutputBuilder:
        """Seed from a complete output of a full RunStep."""
        if isinstance(output, UnknownObject):
            builder = cls(output.type or "unknown")
            builder.fields = dict(output)
        else:
            builder = cls(output.type)
            if output.type == "logs":
                builder.pieces = [output.logs]
            else:
                builder.fields = {"file_id": output.image.file_id}
        builder.cached = output
        return builder

    def snapshot(self) -> Any:
        """The output as the API would show it now."""
        if self.cached is None:
            if self.type == "logs":
                self.cached = CodeInterpreterOutputLogs(logs=join_pieces(self.pieces))
            elif self.type == "image":
                self.cached = CodeInterpreterOutputImage(
                    image=msgspec.convert(self.fields, CodeInterpreterImage)
                )
            else:
                self.cached = UnknownObject(self.fields)
        return self.cached


class ToolCallBuilder:
    """One tool call under construction (function, code_interpreter, file_search, other)."""

    __slots__ = (
        "cached", "compacted", "done", "fields", "id", "name", "output", "outputs", "pieces", "size", "type", "view",
    )

    def __init__(self, call_type: str) -> None:
        self.type = call_type
        self.id = ""
        self.name = ""
        # function.arguments or code_interpreter.input, appended.
        self.pieces: list[str] = []
        # The length of the appended string: a view records it to read that prefix later.
        self.size = 0
        self.compacted = 0
        self.output: str | None = None
        self.outputs: dict[int, OutputBuilder] = {}
        # file_search members, or the raw object of an unknown tool call type.
        self.fields: dict[str, Any] = {}
        self.cached: Any = None
        # The lazy snapshot of the current state, until the next change (see views).
        self.view: Any = None
        self.done = False

    @classmethod
    def from_tool_call(cls, call: Any, previous: ToolCallBuilder | None = None) -> ToolCallBuilder:
        """Seed from a complete tool call of a full RunStep; outputs keep the wire indexes
        of ``previous`` (the builder it replaces), see `wire_keys`."""
        if isinstance(call, UnknownObject):
            builder = cls(call.type or "unknown")
            builder.fields = dict(call)
            builder.id = call.get("id") or ""
        else:
            builder = cls(call.type)
            builder.id = call.id
            if call.type == "function":
                builder.name = call.function.name
                builder.pieces = [call.function.arguments]
                builder.size = len(call.function.arguments)
                builder.output = call.function.output
            elif call.type == "code_interpreter":
                builder.pieces = [call.code_interpreter.input]
                builder.size = len(call.code_interpreter.input)
                outputs = call.code_interpreter.outputs
                keys = wire_keys(previous.outputs if previous is not None else (), len(outputs))
                for index, output in zip(keys, outputs):
                    builder.outputs[index] = OutputBuilder.from_output(output)
            else:
                builder.fields = to_wire(call.file_search)
        builder.cached = call
        return builder

    def apply(self, delta: Any) -> list[int]:
        """Merge one tool call fragment; return the indexes of outputs it created."""
        self.cached = None
        self.view = None
        if type(delta) is FunctionToolCallDelta:
            # The hot path: argument fragments of function calls.
            function = delta.function
            if function is not None:
                arguments = function.arguments
                if arguments is not None:
                    pieces = self.pieces
                    pieces.append(arguments)
                    self.size += len(arguments)
                    if len(pieces) - self.compacted > COMPACT_EVERY:
                        compact_pieces(self)
                if function.name is not None:
                    self.name = function.name
                if function.output is not None:
                    self.output = function.output
            if delta.id is not None:
                self.id = delta.id
            return _NO_OUTPUTS
        if type(delta) is UnknownObject:
            merge_fields(self.fields, delta)
            if isinstance(delta.get("id"), str):
                self.id = delta["id"]
            return _NO_OUTPUTS
        if delta.id is not None:
            self.id = delta.id
        if type(delta) is CodeInterpreterToolCallDelta:
            code = delta.code_interpreter
            if code is None:
                return _NO_OUTPUTS
            if code.input is not None:
                self.pieces.append(code.input)
                self.size += len(code.input)
                if len(self.pieces) - self.compacted > COMPACT_EVERY:
                    compact_pieces(self)
            if code.outputs is None:
                return _NO_OUTPUTS
            return self._apply_outputs(code.outputs)
        if delta.file_search is not None:
            merge_fields(self.fields, delta.file_search)
        return _NO_OUTPUTS

    def _apply_outputs(self, outputs: list[Any]) -> list[int]:
        created = []
        for output in outputs:
            raw = isinstance(output, UnknownObject)
            index = output.get("index") if raw else output.index
            if not isinstance(index, int):
                continue
            builder = self.outputs.get(index)
            if builder is None:
                builder = self.outputs[index] = OutputBuilder(output.type or "unknown")
                created.append(index)
            builder.cached = None
            if raw:
                merge_fields(builder.fields, output)
            elif output.type == "logs":
                if output.logs is not None:
                    builder.pieces.append(output.logs)
                    if len(builder.pieces) - builder.compacted > COMPACT_EVERY:
                        compact_pieces(builder)
            elif output.image is not None:
                merge_fields(builder.fields, output.image)
        return created

    def arguments(self) -> str:
        """The function arguments (or code_interpreter input) built so far."""
        return join_pieces(self.pieces)

    def view_snapshot(self) -> Any:
        """The tool call as it is now, its appended string read only when first read."""
        if self.cached is not None:
            return self.cached
        view = self.view
        if view is None:
            call_type = self.type
            if call_type == "function":
                view = FunctionToolCall(id=self.id, function=function_view(self))
            elif call_type == "code_interpreter":
                outputs = self.outputs
                view = CodeInterpreterToolCall(
                    id=self.id,
                    code_interpreter=code_interpreter_view(self, [outputs[index].snapshot() for index in sorted(outputs)]),
                )
            else:
                return self.snapshot()
            self.view = view
        return view

    def snapshot(self) -> Any:
        """The tool call as the API would show it now."""
        if self.cached is not None:
            return self.cached
        call_type = self.type
        if call_type == "function":
            call: Any = FunctionToolCall(
                id=self.id,
                function=Function(name=self.name, arguments=self.arguments(), output=self.output),
            )
        elif call_type == "code_interpreter":
            outputs = self.outputs
            call = CodeInterpreterToolCall(
                id=self.id,
                code_interpreter=CodeInterpreter(
                    input=self.arguments(),
                    outputs=[outputs[index].snapshot() for index in sorted(outputs)],
                ),
            )
        elif call_type == "file_search":
            call = FileSearchToolCall(id=self.id, file_search=msgspec.convert(self.fields, FileSearch))
        else:
            call = UnknownObject(self.fields)
            call.setdefault("type", call_type)
        self.cached = call
        return call


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
        # The lazy snapshot of the current state, and a weak reference to its details, which
        # are filled in before the step changes if the view is still alive (see views).
        self.view: RunStep | None = None
        self.view_ref: Any = None
        self.delta_count = 0
        self.done = False
        # Members of deltas this version does not declare, merged (see delta_tree).
        self.unknown: dict[str, Any] = {}

    def changing(self) -> None:
        """Called before every change: snapshots and views of the old state stay as they are."""
        self.cached = None
        self.view = None
        if self.view_ref is not None:
            freeze(self.view_ref)
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
            details, self.view_ref = tool_calls_view(self)
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
