"""The sans-IO Responses accumulator: typed events in, notifications out, the Response on
demand.

Merge keys: output items by ``output_index`` (and ``item_id``, which events name them by),
content parts by ``content_index`` within their item, reasoning summary parts by
``summary_index``, annotations by ``annotation_index``; any index may arrive sparse or out of
order. Text, refusal, function and MCP ``arguments``, code interpreter ``code`` and custom
tool ``input`` are appended as pieces (joined when read, so a delta costs the same however
long the text is); ``*.done`` events set the whole value; status events
(``response.web_search_call.searching`` ...) set the item's ``status``.

Authoritative objects are reproduced exactly, every member kept: ``output_item.done`` replaces
the built item, ``content_part.done`` the built part, and ``response.completed`` /
``.failed`` / ``.incomplete`` the whole Response. Before them, a snapshot is the latest
``response.*`` object with the items built so far as its ``output``. Delta-built values are
compared with the authoritative ones as they arrive: a difference is a `ResponseDiscrepancy`.
"""

from __future__ import annotations

from typing import Any


from .._core.text_pieces import TextPieces
from .._models.exact import convert_exact
from .builders import Item, Part, ResponseDiscrepancy
from .decoder import object_json
from .drain import update_run
from .events import (
    ResponseCodeInterpreterCallCodeDeltaEvent,
    ResponseCodeInterpreterCallCodeDoneEvent,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseCustomToolCallInputDeltaEvent,
    ResponseCustomToolCallInputDoneEvent,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseMcpCallArgumentsDeltaEvent,
    ResponseMcpCallArgumentsDoneEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseQueuedEvent,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from .models import Response

__all__ = ["ResponseAccumulator", "ResponseDiscrepancy", "TERMINAL_RESPONSE_EVENTS"]

#: The events whose ``response`` is the authoritative final object.
TERMINAL_RESPONSE_EVENTS = (ResponseCompletedEvent, ResponseFailedEvent, ResponseIncompleteEvent)
_LIFECYCLE = (ResponseCreatedEvent, ResponseQueuedEvent, ResponseInProgressEvent)

# Status events: the item's new ``status`` is the last segment of the event type.
_STATUS_PREFIXES = (
    "response.file_search_call.",
    "response.web_search_call.",
    "response.code_interpreter_call.",
    "response.mcp_call.",
    "response.mcp_list_tools.",
    "response.image_generation_call.",
)
_NOT_STATUS = frozenset({"partial_image"})


class ResponseAccumulator:
    """Merges Responses API events into the `Response` they describe.

    Pure state: `feed` returns notifications (the event itself, and any `ResponseDiscrepancy`),
    `update` merges quietly; read `response_json` / `response` whenever you like.
    """

    def __init__(self) -> None:
        self.events_fed = 0
        self._response: dict[str, Any] | None = None
        self._final: dict[str, Any] | None = None
        self._items: dict[int, Item] = {}
        self._by_id: dict[str, Item] = {}
        #: Every `ResponseDiscrepancy` found so far.
        self.discrepancies: list[ResponseDiscrepancy] = []
        #: Whether a ``[DONE]`` marker arrived (some compatible servers send one).
        self.done = False
        self._cached: dict[str, Any] | None = None

    # ---- merging ---------------------------------------------------------------------------

    def feed(self, event: Any) -> list[Any]:
        """Merge one event; return the notifications for handlers: the event itself (its
        fields say what changed), then any `ResponseDiscrepancy` it revealed."""
        discrepancies = self.discrepancies
        found = len(discrepancies)
        self._merge(event)
        if len(discrepancies) == found:
            return [event]
        return [event, *discrepancies[found:]]

    def update(self, event: Any) -> None:
        """Merge one event without building notifications."""
        self._merge(event)

    def update_run(self, run: Any, decoder: Any) -> Any:
        """Merge a run of raw events (a `RawRun`, see `SSEDecoder.feed_runs`) without
        notifications, the fast path of a stream nobody listens to; ``decoder`` (a
        `ResponseEventDecoder`) numbers the events and decodes those off the fast path.
        Returns the ``error`` event that stopped it and its byte offset, if one did (see
        `_responses.drain`)."""
        return update_run(self, run, decoder)

    def done_marker(self) -> list[Any]:
        """A ``[DONE]`` marker arrived."""
        self.done = True
        return []

    def end(self) -> list[Any]:
        """The stream ended."""
        return []

    @property
    def complete(self) -> bool:
        """Whether the authoritative final Response arrived."""
        return self._final is not None

    @property
    def status(self) -> str | None:
        """The response's latest status."""
        response = self._final if self._final is not None else self._response
        return response.get("status") if response is not None else None

    def _merge(self, event: Any) -> None:
        self.events_fed += 1
        self._cached = None
        merge = _MERGES.get(type(event))
        if merge is not None:
            merge(self, event)
            return
        kind = getattr(event, "type", "")
        if not hasattr(event, "item_id"):
            return
        for prefix in _STATUS_PREFIXES:
            if kind.startswith(prefix):
                status = kind[len(prefix) :]
                if status not in _NOT_STATUS:
                    item = self._item(event.item_id, event.output_index)
                    if item.done is None:
                        item.json["status"] = status
                return

    def _item(self, item_id: str | None, output_index: int | None) -> Item:
        item = self._by_id.get(item_id) if item_id is not None else None
        if item is None:
            index = output_index if output_index is not None else len(self._items)
            item = self._items.get(index)
            if item is None:
                # A delta before its ``output_item.added`` (out of order): build it anyway.
                item = self._items[index] = Item(index, {"id": item_id} if item_id else None)
            if item_id is not None:
                self._by_id[item_id] = item
        return item

    def _part(self, event: Any, summary: bool = False) -> Part:
        item = self._item(event.item_id, event.output_index)
        parts = item.summary if summary else item.content
        index = event.summary_index if summary else event.content_index
        part = parts.get(index)
        if part is None:
            part = parts[index] = Part(None)
        return part

    # Lifecycle -------------------------------------------------------------------------------

    def _lifecycle(self, event: Any) -> None:
        self._response = object_json(event)

    def _terminal(self, event: Any) -> None:
        response = self._response = self._final = object_json(event)
        output = response.get("output")
        if isinstance(output, list):
            for index, authoritative in enumerate(output):
                item = self._items.get(index)
                if item is not None and item.done is not None and item.done != authoritative:
                    self._discrepancy(f"output[{index}]", item.done, authoritative)

    # Items and parts -------------------------------------------------------------------------

    def _item_added(self, event: ResponseOutputItemAddedEvent) -> None:
        item_json = dict(object_json(event))
        item = self._items.get(event.output_index)
        if item is None:
            item = self._items[event.output_index] = Item(event.output_index, item_json)
        else:
            item.json = {**item_json, **{k: v for k, v in item.json.items() if k not in item_json}}
        item_id = item_json.get("id")
        if isinstance(item_id, str):
            self._by_id[item_id] = item

    def _item_done(self, event: ResponseOutputItemDoneEvent) -> None:
        authoritative = object_json(event)
        item_id = authoritative.get("id")
        item = self._item(item_id if isinstance(item_id, str) else None, event.output_index)
        self._compare_item(item, authoritative)
        item.done = authoritative

    def _compare_item(self, item: Item, authoritative: dict[str, Any]) -> None:
        label = f"item {authoritative.get('id', item.output_index)}"
        for key, pieces in item.appended.items():
            if key in authoritative and pieces.text() != authoritative[key]:
                self._discrepancy(f"{label} {key}", pieces.text(), authoritative[key])
        for key, parts in (("content", item.content), ("summary", item.summary)):
            listed = authoritative.get(key)
            if not isinstance(listed, list):
                continue
            for index, part in parts.items():
                if index >= len(listed) or not isinstance(listed[index], dict):
                    self._discrepancy(f"{label} {key}[{index}]", part.built(), None)
                    continue
                for member, part_pieces in (("text", part.text), ("refusal", part.refusal)):
                    if part_pieces is not None and part_pieces.text() != listed[index].get(member):
                        self._discrepancy(f"{label} {key}[{index}].{member}", part_pieces.text(),
                                          listed[index].get(member))

    def _part_added(self, event: ResponseContentPartAddedEvent) -> None:
        part = self._part(event)
        part.json = dict(object_json(event))

    def _part_done(self, event: ResponseContentPartDoneEvent) -> None:
        part = self._part(event)
        authoritative = object_json(event)
        for member, pieces in (("text", part.text), ("refusal", part.refusal)):
            if pieces is not None and pieces.text() != authoritative.get(member):
                self._discrepancy(f"item {event.item_id} content[{event.content_index}].{member}", pieces.text(),
                                  authoritative.get(member))
        part.done = authoritative

    def _summary_added(self, event: ResponseReasoningSummaryPartAddedEvent) -> None:
        self._part(event, summary=True).json = dict(object_json(event))

    def _summary_done(self, event: ResponseReasoningSummaryPartDoneEvent) -> None:
        self._part(event, summary=True).done = object_json(event)

    # Deltas ----------------------------------------------------------------------------------

    def _text_delta(self, event: ResponseTextDeltaEvent) -> None:
        item = self._by_id.get(event.item_id)
        part = item.content.get(event.content_index) if item is not None else None
        if part is None:
            part = self._part(event)
        if part.text is None:
            part.text = TextPieces(event.delta)
        else:
            part.text.append(event.delta)
        logprobs = event.logprobs
        if logprobs:
            if part.logprobs is None:
                part.logprobs = list(logprobs)  # type: ignore[arg-type]
            else:
                part.logprobs.extend(logprobs)  # type: ignore[arg-type]

    def _text_done(self, event: ResponseTextDoneEvent) -> None:
        part = self._part(event)
        if part.text is not None and part.text.text() != event.text:
            self._discrepancy(f"item {event.item_id} content[{event.content_index}].text", part.text.text(), event.text)
        part.text = TextPieces(event.text)

    def _annotation(self, event: ResponseOutputTextAnnotationAddedEvent) -> None:
        self._part(event).annotations[event.annotation_index] = object_json(event)

    def _refusal_delta(self, event: ResponseRefusalDeltaEvent) -> None:
        part = self._part(event)
        if part.refusal is None:
            part.refusal = TextPieces(event.delta)
        else:
            part.refusal.append(event.delta)

    def _refusal_done(self, event: ResponseRefusalDoneEvent) -> None:
        part = self._part(event)
        part.refusal = TextPieces(event.refusal)

    def _summary_delta(self, event: ResponseReasoningSummaryTextDeltaEvent) -> None:
        part = self._part(event, summary=True)
        if part.text is None:
            part.text = TextPieces(event.delta)
        else:
            part.text.append(event.delta)

    def _summary_text_done(self, event: ResponseReasoningSummaryTextDoneEvent) -> None:
        part = self._part(event, summary=True)
        if part.text is not None and part.text.text() != event.text:
            self._discrepancy(f"item {event.item_id} summary[{event.summary_index}].text", part.text.text(), event.text)
        part.text = TextPieces(event.text)

    def _reasoning_delta(self, event: ResponseReasoningTextDeltaEvent) -> None:
        part = self._part(event)
        if part.text is None:
            part.text = TextPieces(event.delta)
        else:
            part.text.append(event.delta)

    def _reasoning_done(self, event: ResponseReasoningTextDoneEvent) -> None:
        self._part(event).text = TextPieces(event.text)

    def _appender(key: str) -> Any:  # type: ignore[misc]
        def append(self: ResponseAccumulator, event: Any) -> None:
            item = self._by_id.get(event.item_id)
            if item is None:
                item = self._item(event.item_id, event.output_index)
            pieces = item.appended.get(key)
            if pieces is None:
                item.appended[key] = TextPieces(event.delta)
            else:
                pieces.append(event.delta)

        return append

    def _setter(key: str) -> Any:  # type: ignore[misc]
        def set_whole(self: ResponseAccumulator, event: Any) -> None:
            item = self._item(event.item_id, event.output_index)
            whole = getattr(event, key)
            pieces = item.appended.get(key)
            if pieces is not None and pieces.text() != whole:
                self._discrepancy(f"item {event.item_id} {key}", pieces.text(), whole)
            item.appended[key] = TextPieces(whole)

        return set_whole

    _arguments_delta = _appender("arguments")
    _arguments_done = _setter("arguments")
    _code_delta = _appender("code")
    _code_done = _setter("code")
    _input_delta = _appender("input")
    _input_done = _setter("input")
    del _appender, _setter

    def _discrepancy(self, where: str, built: Any, authoritative: Any) -> None:
        self.discrepancies.append(ResponseDiscrepancy(where, built, authoritative))

    # ---- reading ---------------------------------------------------------------------------

    @property
    def output_indexes(self) -> list[int]:
        """The output indexes of the items seen so far, sorted."""
        return sorted(self._items)

    def item_json(self, output_index: int) -> dict[str, Any]:
        """An output item as the API's JSON: the authoritative one once it is done."""
        return self._items[output_index].current()

    def item_json_by_id(self, item_id: str) -> dict[str, Any] | None:
        """The output item with this id, as the API's JSON (``None`` if unknown)."""
        item = self._by_id.get(item_id)
        return item.current() if item is not None else None

    def built_item_json(self, output_index: int) -> dict[str, Any]:
        """An output item as its ``added`` event and the deltas built it (ignoring its
        ``done`` event): what `check` compares with the authoritative item."""
        return self._items[output_index].built()

    def text(self, item_id: str, content_index: int = 0) -> str | None:
        """A content part's text so far."""
        item = self._by_id.get(item_id)
        part = item.content.get(content_index) if item is not None else None
        if part is None:
            return None
        if part.done is not None:
            return part.done.get("text")  # type: ignore[no-any-return]
        return part.text.text() if part.text is not None else None

    def response_json(self) -> dict[str, Any] | None:
        """The Response as the API's JSON: exactly the authoritative final object once it
        arrived, else the latest ``response.*`` object with the items built so far."""
        if self._final is not None:
            return self._final
        if self._cached is None:
            if self._response is None and not self._items:
                return None
            response = dict(self._response) if self._response is not None else {}
            response["output"] = [self._items[index].current() for index in sorted(self._items)]
            self._cached = response
        return self._cached

    def response(self) -> Response | None:
        """The Response so far, typed: exactly the members of `response_json`."""
        response = self.response_json()
        return convert_exact(response, Response) if response is not None else None


_MERGES: dict[type, Any] = {
    ResponseCreatedEvent: ResponseAccumulator._lifecycle,
    ResponseQueuedEvent: ResponseAccumulator._lifecycle,
    ResponseInProgressEvent: ResponseAccumulator._lifecycle,
    ResponseCompletedEvent: ResponseAccumulator._terminal,
    ResponseFailedEvent: ResponseAccumulator._terminal,
    ResponseIncompleteEvent: ResponseAccumulator._terminal,
    ResponseOutputItemAddedEvent: ResponseAccumulator._item_added,
    ResponseOutputItemDoneEvent: ResponseAccumulator._item_done,
    ResponseContentPartAddedEvent: ResponseAccumulator._part_added,
    ResponseContentPartDoneEvent: ResponseAccumulator._part_done,
    ResponseTextDeltaEvent: ResponseAccumulator._text_delta,
    ResponseTextDoneEvent: ResponseAccumulator._text_done,
    ResponseOutputTextAnnotationAddedEvent: ResponseAccumulator._annotation,
    ResponseRefusalDeltaEvent: ResponseAccumulator._refusal_delta,
    ResponseRefusalDoneEvent: ResponseAccumulator._refusal_done,
    ResponseReasoningSummaryPartAddedEvent: ResponseAccumulator._summary_added,
    ResponseReasoningSummaryPartDoneEvent: ResponseAccumulator._summary_done,
    ResponseReasoningSummaryTextDeltaEvent: ResponseAccumulator._summary_delta,
    ResponseReasoningSummaryTextDoneEvent: ResponseAccumulator._summary_text_done,
    ResponseReasoningTextDeltaEvent: ResponseAccumulator._reasoning_delta,
    ResponseReasoningTextDoneEvent: ResponseAccumulator._reasoning_done,
    ResponseFunctionCallArgumentsDeltaEvent: ResponseAccumulator._arguments_delta,
    ResponseFunctionCallArgumentsDoneEvent: ResponseAccumulator._arguments_done,
    ResponseMcpCallArgumentsDeltaEvent: ResponseAccumulator._arguments_delta,
    ResponseMcpCallArgumentsDoneEvent: ResponseAccumulator._arguments_done,
    ResponseCodeInterpreterCallCodeDeltaEvent: ResponseAccumulator._code_delta,
    ResponseCodeInterpreterCallCodeDoneEvent: ResponseAccumulator._code_done,
    ResponseCustomToolCallInputDeltaEvent: ResponseAccumulator._input_delta,
    ResponseCustomToolCallInputDoneEvent: ResponseAccumulator._input_done,
}

