"""The fast path of ``until_done``: runs of usual deltas merged straight from their bytes.

A stream whose events nobody reads one by one (``until_done`` with a handler that overrides
no callback) hands the accumulator `RawRun`s: events back to back, each exactly an ``event``
and a ``data`` line, as ``(name, data)`` bytes (see `SSEDecoder.feed_runs`). The two
commonest deltas, one more fragment of a function call's arguments and of a text part, are
decoded here from the bytes and appended in place, with no event object and no
notification. Every other event, and these whenever anything about them is unusual (a new
call or part, an id, name or role, annotations, a step view still alive, an object done),
is decoded and merged exactly as `Accumulator.update` would, with the same errors (event
name, ordinal and byte offset included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from .._models.message import MessageDeltaEvent, TextDeltaBlock
from .._models.run_step import (
    FunctionToolCallDelta,
    RunStepDeltaEvent,
    ToolCallDeltaObject,
)
from .event_decoder import EventDecoder
from .events import ErrorEvent, ThreadMessageDelta, ThreadRunStepDelta
from .merge import COMPACT_EVERY, compact_pieces
from .repeated_arguments import RUN_EVENT_NAMES, decode_repeating_run
from .sse import RawRun

if TYPE_CHECKING:
    from .accumulator import Accumulator

__all__ = ["update_run"]

_STEP_DELTA_DECODE = msgspec.json.Decoder(RunStepDeltaEvent).decode
_MESSAGE_DELTA_DECODE = msgspec.json.Decoder(MessageDeltaEvent).decode


def update_run(accumulator: Accumulator, run: RawRun, decoder: EventDecoder) -> ErrorEvent | None:
    """`Accumulator.update` with each event of ``run``, decoded by ``decoder``; stops after
    an ``error`` event, which it returns (see the module docstring)."""
    steps, messages = accumulator._steps, accumulator._messages
    decode_step_delta, decode_message_delta = _STEP_DELTA_DECODE, _MESSAGE_DELTA_DECODE
    pairs = run.pairs
    start = decoder.ordinal
    position = -1
    # Housekeeping (finished objects to drop, events after done) is due only after an
    # event that takes the usual path: until then, the hot paths need not check for it.
    plain = not (accumulator._finished or accumulator._done)
    try:
        for name, raw in pairs:
            position += 1
            if name == b"thread.run.step.delta" and plain:
                try:
                    data = decode_step_delta(raw)
                except (msgspec.MsgspecError, RecursionError):
                    data = None
                if data is not None:
                    details = data.delta.step_details
                    if type(details) is ToolCallDeltaObject:
                        calls = details.tool_calls
                        if calls is not None and len(calls) == 1:
                            call_delta = calls[0]
                            function = call_delta.function if type(call_delta) is FunctionToolCallDelta else None
                            if function is not None and call_delta.id is None and function.name is None \
                                    and function.output is None:
                                step = steps.get(data.id)
                                # Not for a new or finished step, or one with a live view.
                                if step is not None and step.view_ref is None and not step.done \
                                        and step.details_type == "tool_calls":
                                    call = step.tool_calls.get(call_delta.index)
                                    if call is not None and call.type == "function":
                                        accumulator.events_fed += 1
                                        step.cached = None
                                        step.view = None
                                        step.delta_count += 1
                                        accumulator.current_step_id = data.id
                                        # ToolCallBuilder.apply for one more fragment, inline.
                                        call.cached = None
                                        call.view = None
                                        arguments = function.arguments
                                        if arguments is not None:
                                            pieces = call.pieces
                                            pieces.append(arguments)
                                            call.size += len(arguments)
                                            if len(pieces) - call.compacted > COMPACT_EVERY:
                                                compact_pieces(call)
                                        continue
                    accumulator.events_fed += 1
                    accumulator._on_step_delta(ThreadRunStepDelta(data), False)
                    plain = not (accumulator._finished or accumulator._done)
                    continue
            elif name == b"thread.message.delta" and plain:
                try:
                    data = decode_message_delta(raw)
                except (msgspec.MsgspecError, RecursionError):
                    data = None
                if data is not None:
                    delta = data.delta
                    content = delta.content
                    if content is not None and len(content) == 1 and delta.role is None:
                        block = content[0]
                        text = block.text if type(block) is TextDeltaBlock else None
                        if text is not None and not text.annotations:
                            value = text.value
                            message = messages.get(data.id)
                            if value is not None and message is not None and not message.done:
                                part = message.parts.get(block.index)
                                if part is not None and part.type == "text":
                                    accumulator.events_fed += 1
                                    message.cached = None
                                    message.view = None
                                    message.delta_count += 1
                                    accumulator.current_message_id = data.id
                                    part.cached = None
                                    part.view = None
                                    pieces = part.pieces
                                    pieces.append(value)
                                    part.size += len(value)
                                    if len(pieces) - part.compacted > COMPACT_EVERY:
                                        compact_pieces(part)
                                    continue
                    accumulator.events_fed += 1
                    accumulator._on_message_delta(ThreadMessageDelta(data), False)
                    plain = not (accumulator._finished or accumulator._done)
                    continue
            # Anything else: one event, decoded and merged the usual way.
            decoder.ordinal = start + position
            event = None
            if type(raw) is memoryview and name in RUN_EVENT_NAMES:
                # A large run object: long arguments it repeats are not decoded again.
                event = decode_repeating_run(
                    accumulator, name, raw, lambda data: decoder.decode_pair(name, data, run, position)
                )
                decoder.ordinal = start + position + (event is not None)
            if event is None:
                event = decoder.decode_pair(name, raw, run, position)
            accumulator.update(event)
            plain = not (accumulator._finished or accumulator._done)
            if type(event) is ErrorEvent:
                return event
    finally:
        decoder.ordinal = start + position + 1
    return None
