"""The stream lifecycle's transition table, pair by pair, and what follows from it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runstream._core.lifecycle import FINAL_STATES, TRANSITIONS, StreamEvent, StreamLifecycle, StreamState
from runstream.errors import RunstreamError, StreamStateError

S, E = StreamState, StreamEvent

# The expected table, written out independently of the module's: one row per state, one
# column per event (open, receive, done, end, error, stop, close, cancel); "-" is illegal,
# "=" keeps the state.
COLUMNS = [E.OPEN, E.RECEIVE, E.DONE, E.END, E.ERROR, E.STOP, E.CLOSE, E.CANCEL]
EXPECTED = {
    S.IDLE: "open - - - - stopping closed closed",
    S.OPEN: "- reading done ended failed stopping closed closed",
    S.READING: "- = done ended failed stopping closed closed",
    S.DONE: "- = = ended failed stopping closed closed",
    S.STOPPING: "= = = ended failed = closed closed",
    S.ENDED: "- - - - - = = =",
    S.FAILED: "- - - - - = = =",
    S.CLOSED: "- - - - - = = =",
}


def _expected(state: StreamState, event: StreamEvent) -> StreamState | None | str:
    cell = EXPECTED[state].split()[COLUMNS.index(event)]
    return "illegal" if cell == "-" else state if cell == "=" else StreamState(cell)


def _in(state: StreamState) -> StreamLifecycle:
    lifecycle = StreamLifecycle()
    lifecycle.state = state
    return lifecycle


def test_the_expected_table_covers_every_state_and_event() -> None:
    assert set(EXPECTED) == set(StreamState) == set(TRANSITIONS)
    assert set(COLUMNS) == set(StreamEvent)


@pytest.mark.parametrize(("state", "event"), list(itertools.product(StreamState, StreamEvent)))
def test_every_pair_of_state_and_event(state: StreamState, event: StreamEvent) -> None:
    lifecycle = _in(state)
    expected = _expected(state, event)
    if expected == "illegal":
        with pytest.raises(StreamStateError) as raised:
            lifecycle.fire(event)
        # It says what and where, and the state is left as it was.
        assert raised.value.state == state.value and raised.value.event == event.value
        assert repr(event.value) in str(raised.value) and repr(state.value) in str(raised.value)
        assert isinstance(raised.value, RunstreamError)
        assert lifecycle.state is state
    else:
        assert lifecycle.fire(event) is expected
        assert lifecycle.state is expected


def test_every_state_is_reachable_from_idle() -> None:
    seen = {S.IDLE}
    frontier = [S.IDLE]
    while frontier:
        state = frontier.pop()
        for event in StreamEvent:
            target = _expected(state, event)
            if isinstance(target, StreamState) and target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(StreamState)


def test_final_states_are_left_by_nothing() -> None:
    assert FINAL_STATES == {S.ENDED, S.FAILED, S.CLOSED}
    for state, event in itertools.product(FINAL_STATES, StreamEvent):
        target = _expected(state, event)
        assert target in (state, "illegal"), (state, event)


def test_done_is_remembered_after_the_end() -> None:
    lifecycle = StreamLifecycle()
    for event in (E.OPEN, E.RECEIVE):
        lifecycle.fire(event)
    assert not lifecycle.done_received
    lifecycle.fire(E.DONE)
    lifecycle.fire(E.END)
    assert lifecycle.done_received and lifecycle.ended and lifecycle.finished
    lifecycle.fire(E.CLOSE)  # closing a finished stream changes nothing
    assert lifecycle.state is S.ENDED and lifecycle.ended


def test_the_flags_read_the_state() -> None:
    for state in StreamState:
        lifecycle = _in(state)
        assert lifecycle.finished is (state in FINAL_STATES)
        assert lifecycle.ended is (state in (S.ENDED, S.FAILED))
        assert lifecycle.stopping is (state is S.STOPPING)
    assert repr(StreamLifecycle()) == "<StreamLifecycle idle>"


@given(st.lists(st.sampled_from(list(StreamEvent)), max_size=30))
def test_any_sequence_finishes_at_most_once(events: list[StreamEvent]) -> None:
    # The drivers call on_end when the stream first becomes finished: whatever happens,
    # that moment comes at most once, and a finished stream never becomes unfinished.
    lifecycle = StreamLifecycle()
    finishes = 0
    for event in events:
        before = lifecycle.finished
        state = lifecycle.state
        try:
            lifecycle.fire(event)
        except StreamStateError:
            assert lifecycle.state is state
            continue
        if lifecycle.finished and not before:
            finishes += 1
        assert not (before and not lifecycle.finished)
    assert finishes <= 1
