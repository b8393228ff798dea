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

from .._models.exact import convert_exact
from .builders import Item, ResponseDiscrepancy, item_at
from .drain import update_run, update_uniform
from .event_merging import ResponseEventMerging
from .events import ResponseCompletedEvent, ResponseFailedEvent, ResponseIncompleteEvent
from .models import Response

__all__ = ["ResponseAccumulator", "ResponseDiscrepancy", "TERMINAL_RESPONSE_EVENTS", "response_at"]

#: The events whose ``response`` is the authoritative final object.
TERMINAL_RESPONSE_EVENTS = (ResponseCompletedEvent, ResponseFailedEvent, ResponseIncompleteEvent)


class ResponseAccumulator(ResponseEventMerging):
    """Merges Responses API events into the `Response` they describe.

    Pure state: `feed` returns notifications (the event itself, and any `ResponseDiscrepancy`),
    `update` merges quietly (each event by its method in `ResponseEventMerging`); read
    `response_json` / `response` whenever you like.
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

    def update_uniform(self, run: Any, decoder: Any) -> Any:
        """`update_run` for a `UniformRun` (see `SSEDecoder.feed_runs`)."""
        return update_uniform(self, run, decoder)

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

    def item_state(self, output_index: int | None = None, item_id: str | None = None) -> tuple[Any, ...] | None:
        """An output item (by id, else by index) as it is now, for `item_at`, at a cost
        that does not grow with its texts (a lazy snapshot's source); ``None`` if unknown."""
        item = self._by_id.get(item_id) if item_id is not None else self._items[output_index]  # type: ignore[index]
        return item.state() if item is not None else None

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

    def response_state(self) -> tuple[Any, ...]:
        """The Response as it is now, for `response_at`, at a cost that does not grow with
        the texts (a lazy snapshot's source, see `Item.state`)."""
        if self._final is not None:
            return (self._final,)
        return self._response, [self._items[index].state() for index in sorted(self._items)]

    def response(self) -> Response | None:
        """The Response so far, typed: exactly the members of `response_json`."""
        response = self.response_json()
        return convert_exact(response, Response) if response is not None else None


def response_at(state: tuple[Any, ...]) -> dict[str, Any] | None:
    """The JSON of the Response as it was when `ResponseAccumulator.response_state` was
    taken (as `ResponseAccumulator.response_json` gave it then)."""
    if len(state) == 1:
        return state[0]  # type: ignore[no-any-return]
    latest, items = state
    if latest is None and not items:
        return None
    response = dict(latest) if latest is not None else {}
    response["output"] = [item_at(item) for item in items]
    return response
