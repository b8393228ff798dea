"""How each Responses API event merges into a `ResponseAccumulator`'s state: the response
object, output items, content and summary parts, text and argument deltas.

`ResponseAccumulator` dispatches every event to one of these methods by its type (status
events, ``response.web_search_call.searching`` ..., by their name). ``*.done`` events and
authoritative objects replace what was built, and say so in a `ResponseDiscrepancy` where
they disagree; deltas are appended as pieces.
"""

from __future__ import annotations

from typing import Any

from .._core.text_pieces import TextPieces
from .builders import Item, Part, ResponseDiscrepancy
from .decoder import WIRE_TWINS, object_json
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

__all__ = ["ResponseEventMerging"]

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


class ResponseEventMerging:
    """The per-event merge methods of `ResponseAccumulator` (its state is set up there)."""

    events_fed: int
    _response: dict[str, Any] | None
    _final: dict[str, Any] | None
    _items: dict[int, Item]
    _by_id: dict[str, Item]
    discrepancies: list[ResponseDiscrepancy]
    _cached: dict[str, Any] | None

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
                if not 0 <= index < len(listed) or not isinstance(listed[index], dict):
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
        def append(self: ResponseEventMerging, event: Any) -> None:
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
        def set_whole(self: ResponseEventMerging, event: Any) -> None:
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


_MERGES: dict[type, Any] = {
    ResponseCreatedEvent: ResponseEventMerging._lifecycle,
    ResponseQueuedEvent: ResponseEventMerging._lifecycle,
    ResponseInProgressEvent: ResponseEventMerging._lifecycle,
    ResponseCompletedEvent: ResponseEventMerging._terminal,
    ResponseFailedEvent: ResponseEventMerging._terminal,
    ResponseIncompleteEvent: ResponseEventMerging._terminal,
    ResponseOutputItemAddedEvent: ResponseEventMerging._item_added,
    ResponseOutputItemDoneEvent: ResponseEventMerging._item_done,
    ResponseContentPartAddedEvent: ResponseEventMerging._part_added,
    ResponseContentPartDoneEvent: ResponseEventMerging._part_done,
    ResponseTextDeltaEvent: ResponseEventMerging._text_delta,
    ResponseTextDoneEvent: ResponseEventMerging._text_done,
    ResponseOutputTextAnnotationAddedEvent: ResponseEventMerging._annotation,
    ResponseRefusalDeltaEvent: ResponseEventMerging._refusal_delta,
    ResponseRefusalDoneEvent: ResponseEventMerging._refusal_done,
    ResponseReasoningSummaryPartAddedEvent: ResponseEventMerging._summary_added,
    ResponseReasoningSummaryPartDoneEvent: ResponseEventMerging._summary_done,
    ResponseReasoningSummaryTextDeltaEvent: ResponseEventMerging._summary_delta,
    ResponseReasoningSummaryTextDoneEvent: ResponseEventMerging._summary_text_done,
    ResponseReasoningTextDeltaEvent: ResponseEventMerging._reasoning_delta,
    ResponseReasoningTextDoneEvent: ResponseEventMerging._reasoning_done,
    ResponseFunctionCallArgumentsDeltaEvent: ResponseEventMerging._arguments_delta,
    ResponseFunctionCallArgumentsDoneEvent: ResponseEventMerging._arguments_done,
    ResponseMcpCallArgumentsDeltaEvent: ResponseEventMerging._arguments_delta,
    ResponseMcpCallArgumentsDoneEvent: ResponseEventMerging._arguments_done,
    ResponseCodeInterpreterCallCodeDeltaEvent: ResponseEventMerging._code_delta,
    ResponseCodeInterpreterCallCodeDoneEvent: ResponseEventMerging._code_done,
    ResponseCustomToolCallInputDeltaEvent: ResponseEventMerging._input_delta,
    ResponseCustomToolCallInputDoneEvent: ResponseEventMerging._input_done,
}
# A checked wire twin (the fast path's, see `ResponseEventDecoder.decode_bytes`) merges as its
# public class: the merges read the same members, and its object through `object_json`.
_MERGES.update({twin: _MERGES[public] for twin, public in WIRE_TWINS.items()})
