"""The fake server's state: threads and their messages, scripted runs waiting to start,
and the runs it has started."""

from __future__ import annotations

import collections
import random
import string
import time
from collections.abc import Mapping
from typing import Any, Protocol

from ._wire import WireEvent

__all__ = ["RunRecord", "Script", "Store", "ThreadRecord", "paginate"]

_ID_ALPHABET = string.ascii_letters + string.digits


class Script(Protocol):
    """What the server plays: a `Scenario` or a `RecordedScenario`."""

    thread_id: str
    run_id: str
    chunk_size: int | None

    @property
    def segment_count(self) -> int:
        """How many segments the run streams."""

    def wire_segment(
        self,
        index: int,
        *,
        tool_outputs: Mapping[str, str] | None = ...,
        include_content: bool = ...,
    ) -> list[WireEvent]:
        """The events of segment ``index``."""


class ThreadRecord:
    """A thread: its object and its messages, posted and produced, in creation order."""

    def __init__(self, thread: dict[str, Any]) -> None:
        self.thread = thread
        self.id: str = thread["id"]
        #: Every message of the thread by id, oldest first: a run's messages join when
        #: their first event is sent.
        self.messages: dict[str, dict[str, Any]] = {}


class RunRecord:
    """A started run: its script, how far it has got, and the objects sent so far."""

    def __init__(self, script: Script, seq: int, thread: ThreadRecord | None = None) -> None:
        self.script = script
        self.seq = seq
        self.run_id = script.run_id
        self.thread_id = script.thread_id
        self.thread = thread
        self.run: dict[str, Any] | None = None
        self.steps: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        #: The next segment to stream (one past the one being streamed).
        self.next_segment = 0
        self.tool_outputs: dict[str, str] = {}
        self.include_content = False
        self.metadata: dict[str, Any] | None = None
        #: Objects a broken stream did not reach; the run catches up with them later.
        self.behind: list[WireEvent] = []
        self.stale_reads: int | None = 0
        self.streaming = False
        self.cancel_requested = False

    def segment(self, index: int) -> list[WireEvent]:
        """Segment ``index`` with the outputs submitted so far, for sending."""
        return self.script.wire_segment(
            index, tool_outputs=self.tool_outputs, include_content=self.include_content
        )

    def state_segment(self, index: int) -> list[WireEvent]:
        """Segment ``index`` with file_search contents, for the store (reads strip them
        unless asked for)."""
        return self.script.wire_segment(index, tool_outputs=self.tool_outputs, include_content=True)

    def apply(self, obj: Mapping[str, Any] | None) -> None:
        """Take the full object an event carried as the current state of that object."""
        if obj is None:
            return
        kind = obj.get("object")
        if kind == "thread.run":
            self.run = dict(obj)
        elif kind == "thread.run.step":
            self.steps[obj["id"]] = dict(obj)
        elif kind == "thread.message":
            message = self.messages[obj["id"]] = dict(obj)
            if self.thread is not None:
                self.thread.messages[obj["id"]] = message

    def apply_all(self, events: list[WireEvent]) -> None:
        """Apply every event's object."""
        for event in events:
            self.apply(event.obj)

    def fall_behind(self, events: list[WireEvent], stale_reads: int | None) -> None:
        """A stream broke: remember the unsent events for the run to catch up with."""
        self.behind = list(events)
        self.stale_reads = stale_reads

    def catch_up(self) -> None:
        """Apply what a broken stream did not reach."""
        behind, self.behind = self.behind, []
        self.apply_all(behind)

    def on_read(self) -> None:
        """Count a read of the run; the run catches up once the stale reads are used."""
        if not self.behind:
            return
        if self.stale_reads is None:
            return
        if self.stale_reads > 0:
            self.stale_reads -= 1
            return
        self.catch_up()

    def run_view(self) -> dict[str, Any]:
        """The run as the API returns it (metadata changes applied)."""
        assert self.run is not None
        if self.metadata is None:
            return dict(self.run)
        return dict(self.run, metadata=self.metadata)

    def step_view(self, step: Mapping[str, Any], include_content: bool) -> dict[str, Any]:
        """A step as the API returns it; file_search contents only when asked for."""
        if include_content or step.get("type") != "tool_calls":
            return dict(step)
        details = step.get("step_details") or {}
        calls = []
        for call in details.get("tool_calls", []):
            search = call.get("file_search")
            if isinstance(search, dict) and search.get("results"):
                results = [
                    {k: v for k, v in r.items() if k != "content"} for r in search["results"]
                ]
                call = dict(call, file_search=dict(search, results=results))
            calls.append(call)
        return dict(step, step_details=dict(details, tool_calls=calls))

    def pending_calls(self) -> list[dict[str, Any]]:
        """The tool calls the run waits on (empty unless it requires action)."""
        if self.run is None or self.run.get("status") != "requires_action":
            return []
        action = self.run.get("required_action") or {}
        return list(action.get("submit_tool_outputs", {}).get("tool_calls", []))


class Store:
    """Threads, scripts waiting for a create-run request, and the runs started.

    A script with its own thread id waits for a run on that thread. A script without one
    (a `Scenario` created without ``thread_id``) answers the next run on a thread created
    through the API, in the order the runs are created.
    """

    def __init__(self) -> None:
        self.waiting: dict[str, collections.deque[Script]] = collections.defaultdict(
            collections.deque
        )
        #: Scripts for runs on threads created through the API, in order.
        self.unbound: collections.deque[Script] = collections.deque()
        self.threads: dict[str, ThreadRecord] = {}
        self.runs: dict[str, RunRecord] = {}
        self._seq = 0
        # Seeded: the same requests get the same ids, so tests and examples can print them.
        self._random = random.Random(0)

    def new_id(self, prefix: str) -> str:
        """A fresh id shaped like the service's (``thread_...``, ``msg_...``)."""
        return prefix + "".join(self._random.choices(_ID_ALPHABET, k=24))

    def add(self, script: Script) -> None:
        """Queue a script for the next create-run request on its thread (or, without a
        thread of its own, on any thread created through the API)."""
        if getattr(script, "thread_bound", True):
            self.waiting[script.thread_id].append(script)
        else:
            self.unbound.append(script)

    def create_thread(self, metadata: Mapping[str, Any] | None, tool_resources: Any) -> ThreadRecord:
        """A new thread, as ``POST /threads`` creates it."""
        thread = {
            "id": self.new_id("thread_"),
            "object": "thread",
            "created_at": int(time.time()),
            "metadata": dict(metadata or {}),
            "tool_resources": tool_resources if tool_resources is not None else {},
        }
        record = self.threads[thread["id"]] = ThreadRecord(thread)
        return record

    def thread(self, thread_id: str) -> ThreadRecord | None:
        """The thread, created through the API or named by a script (``None``: unknown)."""
        record = self.threads.get(thread_id)
        if record is None and self.knows_thread(thread_id):
            # A script's own thread exists as soon as the script is queued.
            record = self.threads[thread_id] = ThreadRecord(
                {"id": thread_id, "object": "thread", "created_at": 0, "metadata": {}, "tool_resources": {}}
            )
        return record

    def start(self, thread_id: str) -> RunRecord | None:
        """Start the next script of the thread (``None`` if none is left)."""
        queue = self.waiting.get(thread_id)
        own = [s for s in self.unbound if s.thread_id == thread_id]
        if queue:
            script = queue.popleft()
        elif own:
            # A run on the id the scenario generated for itself takes that scenario.
            script = own[0]
            self.unbound.remove(script)
        elif thread_id in self.threads and self.unbound:
            script = self.unbound.popleft().bound_to(thread_id)  # type: ignore[attr-defined]
        else:
            return None
        self._seq += 1
        record = RunRecord(script, self._seq, self.thread(thread_id))
        self.runs[record.run_id] = record
        return record

    def thread_runs(self, thread_id: str) -> list[RunRecord]:
        """The thread's started runs, oldest first."""
        records = [r for r in self.runs.values() if r.thread_id == thread_id and r.run is not None]
        return sorted(records, key=lambda r: (r.run["created_at"] if r.run else 0, r.seq))

    def knows_thread(self, thread_id: str) -> bool:
        """Whether the thread exists: created through the API, or named by a script."""
        return (
            thread_id in self.threads
            or thread_id in self.waiting
            or any(s.thread_id == thread_id for s in self.unbound)
            or any(r.thread_id == thread_id for r in self.runs.values())
        )


def paginate(items: list[dict[str, Any]], query: Mapping[str, list[str]]) -> dict[str, Any]:
    """A cursor page of ``items`` (oldest first) per ``limit``, ``order``, ``after``, ``before``.

    Raises:
        ValueError: a bad parameter; the message is the API's.
    """
    limit_text = (query.get("limit") or ["20"])[-1]
    order = (query.get("order") or ["desc"])[-1]
    try:
        limit = int(limit_text)
    except ValueError:
        raise ValueError(f"Invalid 'limit': expected an integer, but got '{limit_text}'.") from None
    if not 1 <= limit <= 100:
        raise ValueError(
            f"Invalid 'limit': integer below minimum value or above maximum value ({limit})."
        )
    if order not in ("asc", "desc"):
        raise ValueError(
            f"Invalid value for 'order': expected one of asc or desc, but got '{order}'."
        )
    ordered = items if order == "asc" else items[::-1]
    ids = [item["id"] for item in ordered]
    after = (query.get("after") or [None])[-1]
    before = (query.get("before") or [None])[-1]
    if after is not None:
        start = ids.index(after) + 1 if after in ids else len(ids)
        candidates = ordered[start:]
        page, has_more = candidates[:limit], len(candidates) > limit
    elif before is not None:
        end = ids.index(before) if before in ids else 0
        candidates = ordered[:end]
        page, has_more = candidates[-limit:], len(candidates) > limit
    else:
        page, has_more = ordered[:limit], len(ordered) > limit
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": has_more,
    }
