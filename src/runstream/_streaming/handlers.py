"""Event handlers: subclass, override the ``on_*`` callbacks you need, pass to a stream.

Every callback name and signature of openai-python's ``AssistantEventHandler`` exists here
with the same meaning, so porting a handler is a change of base class. The differences:
``*_done`` callbacks fire exactly once per object and receive the authoritative final
object; ``on_event`` fires after the event was accumulated, so snapshots read there are
current; one handler follows a run across continuation streams. Callbacks that are not
overridden cost nothing: their snapshots are never built.

A subclass need not call ``super().__init__()``; its state is plain attributes.
"""

from __future__ import annotations

from .._core.accumulator import Accumulator
from .._core.callbacks import Route, routes_for
from .._core.events import AssistantStreamEvent, UnknownEvent
from .._core.notifications import Notification
from .._core.tool_calls import PendingToolCall
from .._models.base import ErrorObject
from .._models.message import (
    Annotation,
    ImageFile,
    ImageURL,
    Message,
    MessageDelta,
    Text,
    TextDelta,
)
from .._models.run import Run
from .._models.run_step import (
    CodeInterpreterOutput,
    RunStep,
    RunStepDelta,
    ToolCall,
    ToolCallDelta,
)

__all__ = ["AsyncEventHandler", "EventHandler"]


class _HandlerState:
    """State and read accessors shared by the sync and async handlers."""

    #: The accumulator of the stream this handler is attached to (set by the stream).
    accumulator: Accumulator | None = None
    #: The event being handled.
    current_event: AssistantStreamEvent | None = None

    @property
    def current_run(self) -> Run | None:
        """The latest run."""
        return self.accumulator.current_run if self.accumulator is not None else None

    @property
    def current_run_step_snapshot(self) -> RunStep | None:
        """The snapshot of the run step the latest step event was about."""
        accumulator = self.accumulator
        if accumulator is None or accumulator.current_step_id is None:
            return None
        return accumulator.run_step(accumulator.current_step_id)

    @property
    def current_message_snapshot(self) -> Message | None:
        """The snapshot of the message the latest message event was about."""
        accumulator = self.accumulator
        if accumulator is None or accumulator.current_message_id is None:
            return None
        return accumulator.message(accumulator.current_message_id)

    @property
    def listens(self) -> bool:
        """Whether this handler overrides any callback an event can reach (if not, streams
        skip building notifications for it)."""
        base = AsyncEventHandler if isinstance(self, AsyncEventHandler) else EventHandler
        return type(self).on_event is not base.on_event or bool(self._routes())

    def _routes(self) -> dict[type, Route]:
        handler_class = type(self)
        routes = _ROUTE_CACHE.get(handler_class)
        if routes is None:
            base = AsyncEventHandler if isinstance(self, AsyncEventHandler) else EventHandler
            routes = _ROUTE_CACHE[handler_class] = routes_for(handler_class, base)
        return routes


_ROUTE_CACHE: dict[type, dict[type, Route]] = {}


class EventHandler(_HandlerState):
    """Synchronous callbacks for a run stream. Override what you need.

    Examples:
        >>> class Printer(EventHandler):
        ...     def on_text_delta(self, delta, snapshot):
        ...         print(delta.value, end="")
    """

    def dispatch(self, event: AssistantStreamEvent, notifications: list[Notification]) -> None:
        """Call ``on_event`` and then the callbacks the notifications stand for."""
        self.current_event = event
        self.on_event(event)
        if not notifications:
            return
        routes = self._routes()
        if not routes:
            return
        accumulator = self.accumulator
        for notification in notifications:
            route = routes.get(type(notification))
            if route is not None:
                for name, arguments in route(notification, accumulator):
                    getattr(self, name)(*arguments)

    def on_event(self, event: AssistantStreamEvent) -> None:
        """Every event, after it was accumulated."""

    def on_run_status(self, run: Run, previous_status: str | None) -> None:
        """The run's status changed (``previous_status`` is ``None`` for a new run)."""

    def on_requires_action(self, run: Run, tool_calls: list[PendingToolCall]) -> None:
        """The run waits for the outputs of ``tool_calls`` (arguments parsed from JSON)."""

    def on_run_step_created(self, run_step: RunStep) -> None:
        """A run step appeared."""

    def on_run_step_delta(self, delta: RunStepDelta, snapshot: RunStep) -> None:
        """A run step delta was merged; ``snapshot`` is the step so far."""

    def on_run_step_done(self, run_step: RunStep) -> None:
        """A run step reached a terminal status (the authoritative object)."""

    def on_tool_call_created(self, tool_call: ToolCall) -> None:
        """A tool call appeared (its first fragment)."""

    def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        """A tool call fragment was merged; ``snapshot`` is the call so far."""

    def on_tool_call_done(self, tool_call: ToolCall) -> None:
        """A tool call is complete (once: when its step ends, or, for a function call, when
        the run asks for its output)."""

    def on_code_interpreter_output(self, output: CodeInterpreterOutput, tool_call: ToolCall) -> None:
        """A code_interpreter call produced an output (logs or image)."""

    def on_file_search_results(self, tool_call: ToolCall) -> None:
        """A file_search call's results arrived (with its completed step)."""

    def on_message_created(self, message: Message) -> None:
        """A message appeared."""

    def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None:
        """A message delta was merged; ``snapshot`` is the message so far."""

    def on_message_done(self, message: Message) -> None:
        """A message completed or ended incomplete (the authoritative object)."""

    def on_text_created(self, text: Text) -> None:
        """A text content part appeared."""

    def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        """A text fragment was merged; ``snapshot`` is the text so far."""

    def on_text_done(self, text: Text) -> None:
        """A text content part is final."""

    def on_refusal_created(self, refusal: str) -> None:
        """A refusal content part appeared."""

    def on_refusal_delta(self, delta: str, snapshot: str) -> None:
        """A refusal fragment was merged; ``snapshot`` is the refusal so far."""

    def on_refusal_done(self, refusal: str) -> None:
        """A refusal content part is final."""

    def on_image_file_done(self, image_file: ImageFile) -> None:
        """An image file content part is final."""

    def on_image_url_done(self, image_url: ImageURL) -> None:
        """An image URL content part is final."""

    def on_annotation(self, annotation: Annotation) -> None:
        """An annotation (file citation or file path) was added to a text part."""

    def on_error_event(self, error: ErrorObject) -> None:
        """The server sent an ``error`` event; the stream then raises `ServerStreamError`."""

    def on_unknown_event(self, event: UnknownEvent) -> None:
        """An event of a name runstream does not know arrived (kept, never an error)."""

    def on_exception(self, exception: Exception) -> None:
        """An exception ends the stream (it is raised after this returns)."""

    def on_timeout(self) -> None:
        """Reading the stream timed out (then `on_exception` gets the error)."""

    def on_end(self) -> None:
        """The stream ended (also after an error, before it is raised)."""


class AsyncEventHandler(_HandlerState):
    """Asynchronous callbacks for a run stream: the same names as `EventHandler`, each a
    coroutine. Override what you need."""

    async def dispatch(self, event: AssistantStreamEvent, notifications: list[Notification]) -> None:
        """Await ``on_event`` and then the callbacks the notifications stand for."""
        self.current_event = event
        await self.on_event(event)
        if not notifications:
            return
        routes = self._routes()
        if not routes:
            return
        accumulator = self.accumulator
        for notification in notifications:
            route = routes.get(type(notification))
            if route is not None:
                for name, arguments in route(notification, accumulator):
                    await getattr(self, name)(*arguments)

    async def on_event(self, event: AssistantStreamEvent) -> None:
        """Every event, after it was accumulated."""

    async def on_run_status(self, run: Run, previous_status: str | None) -> None:
        """The run's status changed."""

    async def on_requires_action(self, run: Run, tool_calls: list[PendingToolCall]) -> None:
        """The run waits for the outputs of ``tool_calls``."""

    async def on_run_step_created(self, run_step: RunStep) -> None:
        """A run step appeared."""

    async def on_run_step_delta(self, delta: RunStepDelta, snapshot: RunStep) -> None:
        """A run step delta was merged."""

    async def on_run_step_done(self, run_step: RunStep) -> None:
        """A run step reached a terminal status."""

    async def on_tool_call_created(self, tool_call: ToolCall) -> None:
        """A tool call appeared."""

    async def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        """A tool call fragment was merged."""

    async def on_tool_call_done(self, tool_call: ToolCall) -> None:
        """A tool call is complete."""

    async def on_code_interpreter_output(self, output: CodeInterpreterOutput, tool_call: ToolCall) -> None:
        """A code_interpreter call produced an output."""

    async def on_file_search_results(self, tool_call: ToolCall) -> None:
        """A file_search call's results arrived."""

    async def on_message_created(self, message: Message) -> None:
        """A message appeared."""

    async def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None:
        """A message delta was merged."""

    async def on_message_done(self, message: Message) -> None:
        """A message completed or ended incomplete."""

    async def on_text_created(self, text: Text) -> None:
        """A text content part appeared."""

    async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        """A text fragment was merged."""

    async def on_text_done(self, text: Text) -> None:
        """A text content part is final."""

    async def on_refusal_created(self, refusal: str) -> None:
        """A refusal content part appeared."""

    async def on_refusal_delta(self, delta: str, snapshot: str) -> None:
        """A refusal fragment was merged."""

    async def on_refusal_done(self, refusal: str) -> None:
        """A refusal content part is final."""

    async def on_image_file_done(self, image_file: ImageFile) -> None:
        """An image file content part is final."""

    async def on_image_url_done(self, image_url: ImageURL) -> None:
        """An image URL content part is final."""

    async def on_annotation(self, annotation: Annotation) -> None:
        """An annotation was added to a text part."""

    async def on_error_event(self, error: ErrorObject) -> None:
        """The server sent an ``error`` event."""

    async def on_unknown_event(self, event: UnknownEvent) -> None:
        """An event of a name runstream does not know arrived."""

    async def on_exception(self, exception: Exception) -> None:
        """An exception ends the stream."""

    async def on_timeout(self) -> None:
        """Reading the stream timed out."""

    async def on_end(self) -> None:
        """The stream ended."""

