"""``replay`` and ``check`` for Chat Completions and Responses API recordings.

The commands look at the first events of each file and pick its dialect themselves:
``response.*`` events are a Responses API stream, ``chat.completion.chunk`` objects (or any
object with ``choices``) a Chat Completions stream, anything else a run stream (handled by
`runstream._cli.run_files`). Each Responses or Chat Completions file is one stream and builds one
object; run-stream files are fed, in order, into one accumulator. Files of different dialects
(`MIXED`) may be given together: each is read in its own.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator
from typing import Any

import msgspec

from .._chat.stream import ChatCompletionStream
from .._core.accumulator import Accumulator
from .._core.sse import ServerSentEvent, SSEDecoder
from .._responses.stream import ResponseStream
from ..errors import IncompleteStreamError, RunstreamError
from .inputs import STDIN, file_chunks, label_of, stdin_chunks
from .run_files import check_run_files, describe_event, replay_run_files

__all__ = [
    "CHAT",
    "MIXED",
    "RESPONSES",
    "RUN",
    "check_dialect",
    "detect_dialect",
    "file_dialects",
    "read_inputs",
    "replay_dialect",
    "sniff",
]

RUN = "run"
CHAT = "chat"
RESPONSES = "responses"
#: Files of more than one dialect.
MIXED = "mixed"

# Enough of a file to hold its first events (a response.created object is a few KB).
_SNIFF_SIZE = 256 * 1024


def detect_dialect(head: bytes) -> str:
    """The dialect of a stream, from its first bytes: `RESPONSES`, `CHAT` or `RUN`."""
    decoder = SSEDecoder()
    try:
        events = decoder.feed(head)
    except RunstreamError:
        return RUN
    return _dialect_of(events) or RUN


def _dialect_of(events: list[ServerSentEvent]) -> str | None:
    """The dialect the first of ``events`` show, or ``None`` while fewer than five events
    leave it open."""
    for sse in events[:5]:
        if sse.event.startswith("response.") or sse.event.startswith("thread."):
            return RESPONSES if sse.event.startswith("response.") else RUN
        try:
            data = msgspec.json.decode(sse.data)
        except msgspec.DecodeError:
            continue
        if not isinstance(data, dict):
            continue
        kind = data.get("type")
        if isinstance(kind, str) and kind.startswith("response."):
            return RESPONSES
        if data.get("object") == "chat.completion.chunk" or "choices" in data:
            return CHAT
        if isinstance(data.get("object"), str) and data["object"].startswith("thread."):
            return RUN
    return RUN if len(events) >= 5 else None


def sniff(chunks: Iterator[bytes]) -> tuple[str, Iterator[bytes]]:
    """The dialect of a stream arriving in ``chunks``, read only until its first events
    tell (or `_SNIFF_SIZE` bytes, or the end), and all its chunks, those read included."""
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    head: list[bytes] = []
    size = 0
    dialect: str | None = None
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        try:
            events += decoder.feed(chunk)
        except RunstreamError:
            dialect = RUN  # the run replay says what is wrong
            break
        dialect = _dialect_of(events)
        if dialect is not None or size >= _SNIFF_SIZE:
            break
    return dialect or RUN, itertools.chain(head, chunks)


def read_inputs(names: list[str], error: type[Exception]) -> tuple[str, dict[str, Iterator[bytes]]]:
    """The dialect of the inputs (`MIXED` when they differ), and standard input's chunks
    when it is one of them (its first chunks are read to tell the dialect: it cannot be read
    twice)."""
    preread: dict[str, Iterator[bytes]] = {}
    if not names:
        return RUN, preread
    found = set(file_dialects(names, preread, error))
    return (found.pop() if len(found) == 1 else MIXED), preread


def file_dialects(names: list[str], preread: dict[str, Iterator[bytes]], error: type[Exception]) -> list[str]:
    """The dialect of each input, from its first bytes. The first must be readable; a later
    one that is not is said so when its turn comes (it takes the dialect before it)."""
    found: list[str] = []
    for name in names:
        if name == STDIN:
            dialect, preread[STDIN] = sniff(preread[STDIN] if STDIN in preread else stdin_chunks())
            found.append(dialect)
            continue
        try:
            with open(name, "rb") as file:
                head = file.read(_SNIFF_SIZE)
        except OSError as problem:
            if not found:
                raise error(f"cannot read {name}: {problem.strerror or problem}") from None
            found.append(found[-1])
            continue
        found.append(detect_dialect(head))
    return found


def _source(name: str, preread: dict[str, Iterator[bytes]], error: type[Exception]) -> Iterator[bytes]:
    if name in preread:
        return preread[name]
    if name == STDIN:
        return stdin_chunks()
    try:
        return file_chunks(name)
    except OSError as problem:
        raise error(f"cannot read {name}: {problem.strerror or problem}") from None


def _stream(dialect: str, source: Any) -> Any:
    return ResponseStream(source) if dialect == RESPONSES else ChatCompletionStream(source)


def _final_json(dialect: str, stream: Any) -> Any:
    if dialect == RESPONSES:
        return stream.accumulator.response_json()
    return stream.accumulator.completion_json() if stream.accumulator.chunks_fed else None


def _describe(ordinal: int, dialect: str, event: Any) -> str:
    if dialect == RESPONSES:
        name = event.name if event.type == "unknown" else event.type
        object_id = getattr(event, "item_id", None)
        if object_id is None:
            carried = getattr(event, "item", None) or getattr(event, "response", None)
            object_id = getattr(carried, "id", None) if carried is not None else None
    else:
        name = "chat.completion.chunk" if hasattr(event, "choices") else "error"
        object_id = getattr(event, "id", None)
    size = len(msgspec.json.encode(event))
    return f"{ordinal:6d}  {name:<44s}  {object_id or '-':<32s}  {size:7d}"


def replay_dialect(arguments: argparse.Namespace, dialect: str, preread: dict[str, Iterator[bytes]], error: type[Any]) -> int:
    """``runstream replay`` for Chat Completions and Responses recordings, or files of
    several dialects (`MIXED`): each read in its own, one line per event with one ordinal
    count, or with ``--json`` one object with the keys of every dialect present."""
    names = arguments.files
    per_file = file_dialects(names, preread, error) if dialect == MIXED else [dialect] * len(names)
    finals: dict[str, list[Any]] = {RESPONSES: [], CHAT: []}
    run_accumulator: Any = None
    out = sys.stdout
    ordinal = 0
    failure: Exception | None = None
    for name, file_dialect in zip(names, per_file):
        label = label_of(name)
        if file_dialect == RUN:
            if run_accumulator is None:
                run_accumulator = Accumulator()
            try:
                for _, run_event in replay_run_files([name], run_accumulator, arguments.speed, preread):
                    if not arguments.json:
                        out.write(describe_event(ordinal, run_event) + "\n")
                    ordinal += 1
            except error as problem:
                failure = problem
                break
            continue
        stream = _stream(file_dialect, _source(name, preread, error))
        try:
            for event in stream:
                if not arguments.json:
                    out.write(_describe(ordinal, file_dialect, event) + "\n")
                ordinal += 1
        except IncompleteStreamError as problem:
            failure = error(f"{label}: {problem}", partial=True)
        except RunstreamError as problem:
            failure = error(f"{label}: {problem}")
        final = _final_json(file_dialect, stream)
        if final is not None:
            finals[file_dialect].append(final)
        if failure is not None:
            break
    if arguments.json and (failure is None or getattr(failure, "partial", False)):
        result: dict[str, Any] = run_accumulator.to_builtins() if run_accumulator is not None else {}
        for key, which in (("responses", RESPONSES), ("completions", CHAT)):
            if which in per_file:
                result[key] = finals[which]
        out.write(msgspec.json.encode(result).decode() + "\n")
    if failure is not None:
        raise failure
    return 0


def check_dialect(arguments: argparse.Namespace, dialect: str, preread: dict[str, Iterator[bytes]], error: type[Any]) -> int:
    """``runstream check`` for Chat Completions and Responses recordings, or files of
    several dialects (`MIXED`: each dialect's files checked together, in the order they
    first appear, one report each; the exit status is the worst). Every stream must be
    complete, and (Responses) every delta-built value must equal the authoritative one in
    ``response.output_item.done``, ``content_part.done``, the ``*.done`` events and
    ``response.completed``."""
    names = arguments.files
    per_file = file_dialects(names, preread, error) if dialect == MIXED else [dialect] * len(names)
    groups: dict[str, list[str]] = {}
    for name, file_dialect in zip(names, per_file):
        groups.setdefault(file_dialect, []).append(name)
    status = 0
    for file_dialect, files in groups.items():
        if file_dialect == RUN:
            status = max(status, check_run_files(files, preread))
        else:
            status = max(status, _check_files(files, file_dialect, preread, error))
    return status


def _check_files(names: list[str], dialect: str, preread: dict[str, Iterator[bytes]], error: type[Any]) -> int:
    events = objects = 0
    found: list[tuple[str, Any]] = []
    for name in names:
        label = label_of(name)
        stream = _stream(dialect, _source(name, preread, error))
        try:
            stream.until_done()
        except RunstreamError as problem:
            raise error(f"{label}: {problem}") from None
        accumulator = stream.accumulator
        if dialect == RESPONSES:
            events += accumulator.events_fed
            objects += len(accumulator.output_indexes)
            found += [(label, discrepancy) for discrepancy in accumulator.discrepancies]
        else:
            events += accumulator.chunks_fed
            objects += len(accumulator.choice_indexes)
    what = "output items" if dialect == RESPONSES else "choices"
    if not found:
        authority = "the deltas match every final object" if dialect == RESPONSES else "every stream is complete"
        sys.stdout.write(f"ok: {events} events, {objects} {what}; {authority}\n")
        return 0
    sys.stdout.write(f"{len(found)} discrepancies between deltas and final objects:\n")
    for label, discrepancy in found:
        sys.stdout.write(
            f"- {label}: {discrepancy.where}: deltas built {_short(discrepancy.built)}, "
            f"final object has {_short(discrepancy.authoritative)}\n"
        )
    return 1


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
