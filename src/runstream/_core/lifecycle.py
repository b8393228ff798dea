"""Stream lifecycle: the states a stream goes through, from made to finished, as one
transition table.

Every stream (run, Responses, Chat Completions; sync and async) reports what happens to it
as a `StreamEvent` and asks `StreamLifecycle` what state that leads to. The table below is
the whole of the rules: a pair missing from it is a runstream bug, and raises
`StreamStateError` instead of leaving a stream half ended.

```
  IDLE ─open─▶ OPEN ─receive─▶ READING ─done─▶ DONE
                │                 │              │
                └────── end ──────┴──────────────┴──▶ ENDED
  IDLE, OPEN, READING, DONE ─stop─▶ STOPPING ─end─▶ ENDED
  OPEN, READING, DONE, STOPPING ─error─▶ FAILED
  every state not final ─close, cancel─▶ CLOSED
```

ENDED, FAILED and CLOSED are final: the stream's ``on_end`` is due exactly once, when one of
them is first reached; a later close, cancel or stop leaves them as they are (closing a
finished stream only releases its source). A stream that was never read goes from IDLE to
CLOSED when closed. DONE means the end marker (``done``, ``[DONE]``) arrived: a live stream
stops reading there, and the body may still end normally (END) or be cut (the stream then
still ends: that is the driver's decision, the table allows END and CLOSE).
"""

from __future__ import annotations

import enum
from typing import Any

from ..errors import StreamStateError

__all__ = ["FINAL_STATES", "TRANSITIONS", "StreamEvent", "StreamLifecycle", "StreamState"]


class StreamState(enum.Enum):
    """Where a stream is in its life."""

    IDLE = "idle"  # made, not read yet
    OPEN = "open"  # reading began (the source is being opened), nothing received yet
    READING = "reading"  # bytes or events have arrived
    DONE = "done"  # the end marker arrived; the body may still end
    STOPPING = "stopping"  # close() was asked while another frame reads: it stops at its next chance
    ENDED = "ended"  # read to its end (or stopped there at the user's request)
    FAILED = "failed"  # an error ended it
    CLOSED = "closed"  # left before its end: close(), break, cancellation

    # Members are singletons compared by identity, so the identity hash agrees with
    # equality; Enum's own hashes the name in Python, a call on every table lookup.
    __hash__ = object.__hash__


class StreamEvent(enum.Enum):
    """What can happen to a stream."""

    OPEN = "open"  # the reader starts
    RECEIVE = "receive"  # the first bytes (or event) arrived
    DONE = "done"  # the end marker arrived
    END = "end"  # the source is exhausted and the stream is complete (or was stopped)
    ERROR = "error"  # an error ends the stream (server error event, lost connection, a callback's)
    STOP = "stop"  # close() while the reader is busy elsewhere (another thread, a callback)
    CLOSE = "close"  # close(), aclose(), a break out of the loop
    CANCEL = "cancel"  # the reading task was cancelled (or interrupted)

    __hash__ = object.__hash__  # as in `StreamState`


S, E = StreamState, StreamEvent

#: The states a stream leaves no more.
FINAL_STATES = frozenset({S.ENDED, S.FAILED, S.CLOSED})

# What leaves a stream that is not finished: the user closes it, or its task is cancelled.
_LEAVE = {E.CLOSE: S.CLOSED, E.CANCEL: S.CLOSED}
# What a finished stream absorbs (closing it again, a stop that came too late).
_ABSORB = {E.CLOSE: None, E.CANCEL: None, E.STOP: None}

#: state -> {event -> new state}; ``None``: the state stays. Pairs not listed are illegal.
TRANSITIONS: dict[StreamState, dict[StreamEvent, StreamState | None]] = {
    S.IDLE: {E.OPEN: S.OPEN, E.STOP: S.STOPPING, **_LEAVE},
    S.OPEN: {E.RECEIVE: S.READING, E.DONE: S.DONE, E.END: S.ENDED, E.ERROR: S.FAILED, E.STOP: S.STOPPING, **_LEAVE},
    S.READING: {E.RECEIVE: None, E.DONE: S.DONE, E.END: S.ENDED, E.ERROR: S.FAILED, E.STOP: S.STOPPING, **_LEAVE},
    # A second end marker, or bytes after it, change nothing (the accumulator notes them).
    S.DONE: {E.RECEIVE: None, E.DONE: None, E.END: S.ENDED, E.ERROR: S.FAILED, E.STOP: S.STOPPING, **_LEAVE},
    # The reader finishes what it is doing and stops: what it meets on the way changes nothing.
    S.STOPPING: {E.OPEN: None, E.RECEIVE: None, E.DONE: None, E.STOP: None, E.END: S.ENDED, E.ERROR: S.FAILED,
                 **_LEAVE},
    S.ENDED: dict(_ABSORB),
    S.FAILED: dict(_ABSORB),
    S.CLOSED: dict(_ABSORB),
}


class StreamLifecycle:
    """The state of one stream, moved only by `fire`.

    ``lock``: a context manager (``threading.Lock``) that `fire` holds, for a stream that
    another thread may close while it reads; the core itself starts no thread."""

    __slots__ = ("_lock", "done_received", "state")

    def __init__(self, lock: Any = None) -> None:
        self._lock = lock
        self.state = S.IDLE
        #: Whether the end marker arrived (it stays true once the stream ended).
        self.done_received = False

    def __repr__(self) -> str:
        return f"<StreamLifecycle {self.state.value}>"

    def fire(self, event: StreamEvent) -> StreamState:
        """Apply ``event``; return the new state.

        Raises:
            StreamStateError: ``event`` cannot happen in the current state.
        """
        if self._lock is not None:
            with self._lock:
                return self._fire(event)
        return self._fire(event)

    def _fire(self, event: StreamEvent) -> StreamState:
        state = self.state
        try:
            new_state = TRANSITIONS[state][event]
        except KeyError:
            raise StreamStateError(
                f"stream lifecycle: {event.value!r} cannot happen to a stream in state {state.value!r}",
                state=state.value,
                event=event.value,
            ) from None
        if event is E.DONE:
            self.done_received = True
        if new_state is not None:
            self.state = new_state
        return self.state

    @property
    def finished(self) -> bool:
        """Whether the stream reached a final state (its ``on_end`` is no longer due)."""
        return self.state in FINAL_STATES

    @property
    def ended(self) -> bool:
        """Whether the stream was read to its end, normally or not."""
        return self.state is S.ENDED or self.state is S.FAILED

    @property
    def stopping(self) -> bool:
        """Whether a close() asked the reader to stop."""
        return self.state is S.STOPPING
