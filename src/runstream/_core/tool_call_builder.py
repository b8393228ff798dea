"""Builds one tool call of a run step (and its code_interpreter outputs) from its fragments.

A tool call is keyed by its wire ``index`` within the step, a code_interpreter output by its
``index`` within the call. Appended strings (``function.arguments``, ``code_interpreter.input``,
``logs``) are kept as pieces and joined only when read; "set" fields overwrite, so a repeated
id or name is never concatenated.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import msgspec

from .._models.base import UnknownObject
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
)
from .merge import (
    COMPACT_EVERY,
    compact_pieces,
    join_pieces,
    merge_fields,
    to_wire,
    wire_keys,
)
from .views import code_interpreter_view, function_view

__all__ = ["OutputBuilder", "ToolCallBuilder"]

_NO_OUTPUTS: list[int] = []

#: The outputs and fields of a builder that has none: one read-only mapping shared by all, a
#: builder making its own dict before its first write. A function call has neither, and a
#: step of 10,000 of them would otherwise hold 20,000 empty dicts, each allocation counted
#: towards the cycle collector's next run.
_NONE_YET: Any = MappingProxyType({})


class OutputBuilder(msgspec.Struct, gc=False, eq=False):
    """One code_interpreter output under construction (untracked by the cycle collector:
    see `ToolCallBuilder`)."""

    type: str
    pieces: list[str] = msgspec.field(default_factory=list)
    compacted: int = 0
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    cached: Any = None

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


class ToolCallBuilder(msgspec.Struct, gc=False, eq=False):
    """One tool call under construction (function, code_interpreter, file_search, other).

    A step of many parallel calls holds one builder per call for as long as the step lasts:
    each object the cycle collector tracks makes every full collection longer. A builder is
    never part of a reference cycle (it is held by its step and its step's views; nothing it
    holds leads back to it: views keep its list of pieces, snapshots are objects of their
    own), so it is not tracked (``gc=False``), and reference counting alone frees it.
    """

    type: str
    id: str = ""
    name: str = ""
    # function.arguments or code_interpreter.input, appended.
    pieces: list[str] = msgspec.field(default_factory=list)
    # The length of the appended string: a view records it to read that prefix later.
    size: int = 0
    compacted: int = 0
    output: str | None = None
    outputs: dict[int, OutputBuilder] = _NONE_YET
    # file_search members, or the raw object of an unknown tool call type.
    fields: dict[str, Any] = _NONE_YET
    cached: Any = None
    # The lazy snapshot of the current state, until the next change (see views).
    view: Any = None
    done: bool = False

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
                builder.outputs = {}
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
            if self.fields is _NONE_YET:
                self.fields = {}
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
            if self.fields is _NONE_YET:
                self.fields = {}
            merge_fields(self.fields, delta.file_search)
        return _NO_OUTPUTS

    def _apply_outputs(self, outputs: list[Any]) -> list[int]:
        created = []
        if self.outputs is _NONE_YET:
            self.outputs = {}
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
