"""The fast path of ``until_done``: runs of usual deltas merged straight from their bytes.

A stream whose events nobody reads one by one (``until_done``) hands the accumulator
`RawRun`s: events back to back, each exactly an ``event``
and a ``data`` line, as ``(name, data)`` bytes (see `SSEDecoder.feed_runs`). The two
commonest deltas, a fragment of a function call (a new call's first one included) and one
more fragment of a text part, are decoded here from the bytes and merged in place, with no
notification. Every other event, and these whenever anything about them is unusual (a new
step, message or part, a call changing type, a role, annotations, an object done),
is decoded and merged exactly as `Accumulator.update` would, with the same errors (event
name, ordinal and byte offset included).

A handler that listens (overrides callbacks) takes the same path, its calls made in the
order ``dispatch`` would make them, each before the next event is merged. On the hot paths,
``on_event`` and the delta callbacks are called here, with lazy snapshots: a sync handler's
return at once (a yield per call would cost a tenth of such an event), an async handler's
coroutine is yielded as ``(AWAIT, coroutine)`` for the stream to await, and an exception
one raises is recorded as the listener's ``raised`` (the handler's own, not the stream's).
Every other event goes to ``dispatch`` with its notifications: `merge_run` yields that call
for the stream to make (and await).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

import msgspec

from .._models.message import MessageDeltaEvent, TextDeltaBlock
from .._models.run_step import (
    FunctionToolCallDelta,
    RunStepDeltaEvent,
    ToolCallDeltaObject,
)
from .delta_listener import AWAIT, EMIT, DeltaListener
from .delta_template import DECODE_STRING, learn, template_strings
from .event_decoder import EventDecoder
from .events import ErrorEvent, ThreadMessageDelta, ThreadRunStepDelta
from .merge import COMPACT_EVERY, compact_pieces
from .repeated_arguments import RUN_EVENT_NAMES, decode_repeating_run
from .sse import RawRun
from .tool_call_builder import ToolCallBuilder
from .views import reusable_arguments, reusable_text

if TYPE_CHECKING:
    from .accumulator import Accumulator

__all__ = ["merge_run", "update_run"]

_STEP_DELTA_DECODE = msgspec.json.Decoder(RunStepDeltaEvent).decode
_MESSAGE_DELTA_DECODE = msgspec.json.Decoder(MessageDeltaEvent).decode
# The window of `template_strings` after a template hit, and how far it grows.
_FIRST_WINDOW = 8
_LAST_WINDOW = 2048


def update_run(accumulator: Accumulator, run: RawRun, decoder: EventDecoder) -> ErrorEvent | None:
    """`Accumulator.update` with each event of ``run``, decoded by ``decoder``; stops after
    an ``error`` event, which it returns (see the module docstring)."""
    # With no listener, the one thing merge_run yields is an error event, and it stops there.
    for _, error_event in merge_run(accumulator, run, decoder, None):
        return error_event  # type: ignore[no-any-return]
    return None


def merge_run(
    accumulator: Accumulator, run: RawRun, decoder: EventDecoder, listener: DeltaListener | None
) -> Iterator[tuple[Any, Any]]:
    """Merge each event of ``run``, decoded by ``decoder``, and yield what it is due, in
    order, for the caller to do before the next event is merged: ``(function, arguments)``
    to call (and await, for an async handler), ``listener``'s ``dispatch`` for every event
    off the hot paths; ``(AWAIT, awaitable)`` returned by a callback made here; then, when
    ``listener.emit``, ``(EMIT, event)`` for the caller to hand the event on. With no
    listener the events are merged as `Accumulator.update` does. An ``error`` event ends
    the run: it comes last, as ``(None, event)``.
    """
    steps, messages = accumulator._steps, accumulator._messages
    decode_step_delta, decode_message_delta = _STEP_DELTA_DECODE, _MESSAGE_DELTA_DECODE
    decode_string = DECODE_STRING
    if listener is None:
        handler = dispatch = on_event = on_step_delta = on_call_created = on_call_delta = None
        on_message_delta = on_text_delta = None
        events = emit = False
        quiet_events: frozenset[type] = frozenset()
    else:
        quiet_events = listener.quiet_events
        handler, dispatch, on_event = listener.handler, listener.dispatch, listener.on_event
        on_step_delta, on_call_delta = listener.on_run_step_delta, listener.on_tool_call_delta
        on_call_created = listener.on_tool_call_created
        on_message_delta, on_text_delta = listener.on_message_delta, listener.on_text_delta
        emit = listener.emit
        events = emit or handler is not None  # whether the hot paths make event objects
    pairs = run.pairs
    start = decoder.ordinal
    position = -1
    # Housekeeping (finished objects to drop, events after done) is due only after an
    # event that takes the usual path: until then, the hot paths need not check for it.
    plain = not (accumulator._finished or accumulator._done)
    # When nobody wants the event objects: the template of the latest plain fragment of a
    # function call (its prefix, suffix, their lengths, the step and the call) and of a text
    # part (the same with the message and the part), see delta_template. Any event that
    # does not fit one ends both. Between two events that fit, nothing else changed: the
    # step (message) is the current one, its cache and views are already cleared.
    call_prefix = call_suffix = call_step = call = text_prefix = text_suffix = message = part = None
    call_prefix_length = call_suffix_length = text_prefix_length = text_suffix_length = 0
    # How many deltas after a template hit `template_strings` looks at: doubled while whole
    # windows fit, so that what it reads past a run's end stays below the run's own length.
    call_window = text_window = _FIRST_WINDOW
    iterator = iter(pairs)
    try:
        for name, raw in iterator:
            position += 1
            if name == b"thread.run.step.delta" and plain:
                if call_prefix is not None and type(raw) is bytes and raw.startswith(call_prefix) \
                        and raw.endswith(call_suffix):  # type: ignore[arg-type]
                    end = len(raw) - call_suffix_length
                    try:
                        # The string with its quotes; None if the prefix and suffix overlap.
                        arguments = decode_string(raw[call_prefix_length - 1 : end + 1]) \
                            if end >= call_prefix_length else None
                    except msgspec.MsgspecError:
                        arguments = None
                    if arguments is not None:
                        # What the whole decode's hot path below does with this fragment.
                        accumulator.events_fed += 1
                        call_step.delta_count += 1  # type: ignore[attr-defined]
                        pieces = call.pieces  # type: ignore[attr-defined]
                        pieces.append(arguments)
                        call.size += len(arguments)  # type: ignore[attr-defined]
                        # The deltas after it that fit too, at once.
                        taken, call_window = _merge_template_run(
                            pairs, iterator, position, call_window, name, call_prefix, call_suffix,  # type: ignore[arg-type]
                            accumulator, call_step, call)
                        position += taken
                        if len(pieces) - call.compacted > COMPACT_EVERY:  # type: ignore[attr-defined]
                            compact_pieces(call)
                        continue
                call_prefix = text_prefix = None
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
                            step = steps.get(data.id) if function is not None else None
                            # Not for a new or finished step, or a call that changes type.
                            if step is not None and not step.done and step.details_type == "tool_calls":
                                index = call_delta.index
                                call = step.tool_calls.get(index)
                                created = call is None
                                if created:
                                    call = step.tool_calls[index] = ToolCallBuilder("function")
                                    # Calls come one after another: the one before is most
                                    # likely done. The latest view it keeps for its next
                                    # fragment's callback would stay alive to the step's end,
                                    # 10,000 views for 10,000 calls, each allocation counted
                                    # towards the next collection; a callback that reads the
                                    # call again gets a new one.
                                    previous = step.tool_calls.get(index - 1)
                                    if previous is not None:
                                        previous.view = None
                                if call.type == "function":  # type: ignore[union-attr]
                                    accumulator.events_fed += 1
                                    step.cached = None
                                    if step.view is not None or step.view_ref is not None:
                                        step.changing(index)  # a step view handed out may be alive
                                    step.delta_count += 1
                                    accumulator.current_step_id = data.id
                                    # ToolCallBuilder.apply of a function call fragment, inline.
                                    call.cached = None  # type: ignore[union-attr]
                                    arguments = function.arguments  # type: ignore[union-attr]
                                    grown = None
                                    if call.view is not None:  # type: ignore[union-attr]
                                        if function.name is None and function.output is None \
                                                and call_delta.id is None:  # type: ignore[union-attr]
                                            # Its latest view, if nobody holds it, is handed out again.
                                            grown = reusable_arguments(call)
                                        else:
                                            call.view = None  # type: ignore[union-attr]
                                    if arguments is not None:
                                        pieces = call.pieces  # type: ignore[union-attr]
                                        pieces.append(arguments)
                                        call.size += len(arguments)  # type: ignore[union-attr]
                                        if len(pieces) - call.compacted > COMPACT_EVERY:  # type: ignore[union-attr]
                                            compact_pieces(call)
                                    if grown is not None:
                                        grown.size = call.size  # type: ignore[union-attr]
                                    if function.name is not None:  # type: ignore[union-attr]
                                        call.name = function.name  # type: ignore[union-attr]
                                    if function.output is not None:  # type: ignore[union-attr]
                                        call.output = function.output  # type: ignore[union-attr]
                                    if call_delta.id is not None:
                                        call.id = call_delta.id  # type: ignore[union-attr]
                                    elif not events and arguments is not None and function.name is None \
                                            and function.output is None and type(raw) is bytes:  # type: ignore[union-attr]
                                        template = learn(raw, b'"arguments":')
                                        if template is not None:
                                            call_prefix, call_suffix = template
                                            call_prefix_length, call_suffix_length = len(call_prefix), len(call_suffix)
                                            call_step = step
                                            call_window = _FIRST_WINDOW
                                    if events:
                                        event = ThreadRunStepDelta(data)
                                        if handler is not None:
                                            # The callbacks dispatch would call, in its order,
                                            # made here; an async handler's are awaited.
                                            handler.current_event = event
                                            try:
                                                if on_event is not None and (due := on_event(event)) is not None:
                                                    yield AWAIT, due
                                                # (The views as view_snapshot() would return
                                                # them, their objects' caches cleared above.)
                                                if on_step_delta is not None and (due := on_step_delta(
                                                        data.delta, shown if (shown := step.view) is not None
                                                        else step.view_snapshot())) is not None:
                                                    yield AWAIT, due
                                                if created and on_call_created is not None and (
                                                        due := on_call_created(call.snapshot())) is not None:  # type: ignore[union-attr]
                                                    yield AWAIT, due
                                                if on_call_delta is not None and (due := on_call_delta(
                                                        call_delta, shown if (shown := call.view) is not None  # type: ignore[union-attr]
                                                        else call.view_snapshot())) is not None:  # type: ignore[union-attr]
                                                    yield AWAIT, due
                                            except Exception as raised:
                                                listener.raised = raised  # type: ignore[union-attr]
                                                raise
                                            due = shown = None
                                        if emit:
                                            yield EMIT, event
                                    continue
                    accumulator.events_fed += 1
                    event = ThreadRunStepDelta(data)
                    if dispatch is None:
                        accumulator._on_step_delta(event, False)
                    else:
                        yield dispatch, (event, accumulator._on_step_delta(event, True))
                    if emit:
                        yield EMIT, event
                    plain = not (accumulator._finished or accumulator._done)
                    continue
            elif name == b"thread.message.delta" and plain:
                if text_prefix is not None and type(raw) is bytes and raw.startswith(text_prefix) \
                        and raw.endswith(text_suffix):  # type: ignore[arg-type]
                    end = len(raw) - text_suffix_length
                    try:
                        value = decode_string(raw[text_prefix_length - 1 : end + 1]) \
                            if end >= text_prefix_length else None
                    except msgspec.MsgspecError:
                        value = None
                    if value is not None:
                        # What the whole decode's hot path below does with this fragment (the
                        # call template's steps again: as a function they would cost a call per
                        # event, a tenth of this path's time).
                        accumulator.events_fed += 1
                        message.delta_count += 1  # type: ignore[attr-defined]
                        pieces = part.pieces  # type: ignore[attr-defined]
                        pieces.append(value)
                        part.size += len(value)  # type: ignore[attr-defined]
                        taken, text_window = _merge_template_run(
                            pairs, iterator, position, text_window, name, text_prefix, text_suffix,  # type: ignore[arg-type]
                            accumulator, message, part)
                        position += taken
                        if len(pieces) - part.compacted > COMPACT_EVERY:  # type: ignore[attr-defined]
                            compact_pieces(part)
                        continue
                call_prefix = text_prefix = None
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
                                    message.delta_count += 1
                                    accumulator.current_message_id = data.id
                                    part.cached = None
                                    # The latest views, if nobody holds them, are handed out again.
                                    grown = reusable_text(message, part) if part.view is not None else None
                                    if grown is None:
                                        message.view = None
                                    pieces = part.pieces
                                    pieces.append(value)
                                    part.size += len(value)
                                    if len(pieces) - part.compacted > COMPACT_EVERY:
                                        compact_pieces(part)
                                    if grown is not None:
                                        grown.size = part.size
                                    if not events and type(raw) is bytes:
                                        template = learn(raw, b'"value":')
                                        if template is not None:
                                            text_prefix, text_suffix = template
                                            text_prefix_length, text_suffix_length = len(text_prefix), len(text_suffix)
                                            text_window = _FIRST_WINDOW
                                    if events:
                                        event = ThreadMessageDelta(data)
                                        if handler is not None:
                                            handler.current_event = event
                                            try:
                                                if on_event is not None and (due := on_event(event)) is not None:
                                                    yield AWAIT, due
                                                if on_message_delta is not None and (
                                                        due := on_message_delta(delta, message.view_snapshot())) is not None:
                                                    yield AWAIT, due
                                                if on_text_delta is not None and (due := on_text_delta(
                                                        text, (shown if (shown := part.view) is not None
                                                               else part.view_snapshot()).text)) is not None:
                                                    yield AWAIT, due
                                            except Exception as raised:
                                                listener.raised = raised  # type: ignore[union-attr]
                                                raise
                                            due = shown = None
                                        if emit:
                                            yield EMIT, event
                                    continue
                    accumulator.events_fed += 1
                    event = ThreadMessageDelta(data)
                    if dispatch is None:
                        accumulator._on_message_delta(event, False)
                    else:
                        yield dispatch, (event, accumulator._on_message_delta(event, True))
                    if emit:
                        yield EMIT, event
                    plain = not (accumulator._finished or accumulator._done)
                    continue
            # Anything else: one event, decoded and merged the usual way.
            call_prefix = text_prefix = None
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
            if dispatch is None:
                accumulator.update(event)
            elif type(event) in quiet_events:
                accumulator.update(event)
                yield dispatch, (event, [])
            else:
                yield dispatch, (event, accumulator.feed(event))
            plain = not (accumulator._finished or accumulator._done)
            if type(event) is ErrorEvent:
                decoder.ordinal = start + position + 1  # before the caller raises for it
                yield None, event
                return
            if emit:
                yield EMIT, event
    finally:
        decoder.ordinal = start + position + 1


def _merge_template_run(pairs: list[Any], iterator: Iterator[Any], position: int, window: int, name: bytes,
                        prefix: bytes, suffix: bytes, accumulator: Any, counter: Any, builder: Any) -> tuple[int, int]:
    """After a template hit at ``position``: the deltas that follow it and fit the template
    too (at most ``window``, see `template_strings`), merged at once into ``builder`` (the
    call or text part; ``counter``, its step or message, counts them) and taken from
    ``iterator``, whose pairs they are. Returns how many, and the next window: doubled
    when it was filled, else the first again."""
    strings = template_strings(pairs, position + 1, window, name, prefix, suffix)
    taken = len(strings)
    if taken:
        next(islice(iterator, taken, taken), None)  # skipped: merged here
        accumulator.events_fed += taken
        counter.delta_count += taken
        builder.pieces += strings
        builder.size += sum(map(len, strings))
    return taken, min(window * 2, _LAST_WINDOW) if taken == window else _FIRST_WINDOW
