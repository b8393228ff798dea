"""`AsyncEventHandler`: the callbacks of a run stream read asynchronously, each a coroutine.

This is the one source of both handlers: ``handler.py`` is generated from it by
``scripts/unasync.py``. What handlers are and how they are called is told in
``handlers.py``; their shared state is `HandlerState`.
"""

from __future__ import annotations

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
from .handler_state import HandlerState

__all__ = ["AsyncEventHandler"]


class AsyncEventHandler(HandlerState):
    """Asynchronous callbacks for a run stream: the same names as `EventHandler`, each a
    coroutine. Override what you need.

    Examples:
        >>> class Printer(AsyncEventHandler):
        ...     async def on_text_delta(self, delta, snapshot):
        ...         print(delta.value, end="")
    """

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
        """The run's status changed (``previous_status`` is ``None`` for a new run)."""

    async def on_requires_action(self, run: Run, tool_calls: list[PendingToolCall]) -> None:
        """The run waits for the outputs of ``tool_calls`` (arguments parsed from JSON)."""

    async def on_run_step_created(self, run_step: RunStep) -> None:
        """A run step appeared."""

    async def on_run_step_delta(self, delta: RunStepDelta, snapshot: RunStep) -> None:
        """A run step delta was merged; ``snapshot`` is the step so far."""

    async def on_run_step_done(self, run_step: RunStep) -> None:
        """A run step reached a terminal status (the authoritative object)."""

    async def on_tool_call_created(self, tool_call: ToolCall) -> None:
        """A tool call appeared (its first fragment)."""

    async def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        """A tool call fragment was merged; ``snapshot`` is the call so far."""

    async def on_tool_call_done(self, tool_call: ToolCall) -> None:
        """A tool call is complete (once: when its step ends, or, for a function call, when
        the run asks for its output)."""

    async def on_code_interpreter_output(self, output: CodeInterpreterOutput, tool_call: ToolCall) -> None:
        """A code_interpreter call produced an output (logs or image)."""

    async def on_file_search_results(self, tool_call: ToolCall) -> None:
        """A file_search call's results arrived (with its completed step)."""

    async def on_message_created(self, message: Message) -> None:
        """A message appeared."""

    async def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None:
        """A message delta was merged; ``snapshot`` is the message so far."""

    async def on_message_done(self, message: Message) -> None:
        """A message completed or ended incomplete (the authoritative object)."""

    async def on_text_created(self, text: Text) -> None:
        """A text content part appeared."""

    async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        """A text fragment was merged; ``snapshot`` is the text so far."""

    async def on_text_done(self, text: Text) -> None:
        """A text content part is final."""

    async def on_refusal_created(self, refusal: str) -> None:
        """A refusal content part appeared."""

    async def on_refusal_delta(self, delta: str, snapshot: str) -> None:
        """A refusal fragment was merged; ``snapshot`` is the refusal so far."""

    async def on_refusal_done(self, refusal: str) -> None:
        """A refusal content part is final."""

    async def on_image_file_done(self, image_file: ImageFile) -> None:
        """An image file content part is final."""

    async def on_image_url_done(self, image_url: ImageURL) -> None:
        """An image URL content part is final."""

    async def on_annotation(self, annotation: Annotation) -> None:
        """An annotation (file citation or file path) was added to a text part."""

    async def on_error_event(self, error: ErrorObject) -> None:
        """The server sent an ``error`` event; the stream then raises `ServerStreamError`."""

    async def on_unknown_event(self, event: UnknownEvent) -> None:
        """An event of a name runstream does not know arrived (kept, never an error)."""

    async def on_exception(self, exception: Exception) -> None:
        """An exception ends the stream (it is raised after this returns)."""

    async def on_timeout(self) -> None:
        """Reading the stream timed out (then `on_exception` gets the error)."""

    async def on_end(self) -> None:
        """The stream ended (also after an error, before it is raised)."""
