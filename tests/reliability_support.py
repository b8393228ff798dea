"""Shared helpers of the reliability tests (chunking, truncation, hostile input, faults,
cancellation, load): a rich scripted run, a callback recorder, stream consumers, byte
offsets of event boundaries, socket counting and a hang guard."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

import runstream
from runstream import Accumulator, AsyncEventHandler, EventHandler, RunStream
from runstream.testing import (
    AnnotationSpec,
    Scenario,
    SearchResultSpec,
    ToolCallSpec,
    split_sse,
)

#: The API key of every client in these tests; nothing may ever show it.
SECRET_KEY = "sk-rs-TOPSECRET-4f9b2c7e81d04a6e9c3b5a7d2e6f8091"

CALLBACKS = sorted(name for name in vars(EventHandler) if name.startswith("on_"))


# ---- streams -------------------------------------------------------------------------------


def rich_scenario(seed: int = 7, *, thread_id: str = "thread_rel", fragment_size: int = 3) -> Scenario:
    """A run with everything: code_interpreter (logs and image), file_search, a message with
    an image, annotated text (multi-byte characters) and a refusal, parallel function calls
    streamed round-robin (ending segment 0), then a second annotated message."""
    return (
        Scenario(thread_id=thread_id, seed=seed, created_at=1_700_000_000, fragment_size=fragment_size)
        .code_interpreter("import math\nprint(math.pi)\n", logs="3.14159\n", image_file_id="file_plot")
        .file_search(
            [
                SearchResultSpec("file_a", "a.txt", 0.9, content="alpha"),
                SearchResultSpec("file_b", "b.txt", 0.4, content="beta"),
            ]
        )
        .message(
            "Voilà 【4:0†source】 — see café.txt 【4:1†source】.",
            annotations=[AnnotationSpec("【4:0†source】", "file_a"), AnnotationSpec("【4:1†source】", "file_b")],
            image_file_id="file_img",
            refusal="I can't share more.",
        )
        .tool_calls(
            [
                ToolCallSpec("get_weather", '{"city": "Zürich\\n", "unit": "c"}', output="21C"),
                ToolCallSpec("get_time", '{"tz": "Europe/Zurich"}', output="noon"),
            ],
            interleave="round_robin",
        )
        .message(
            "Done: download sandbox:/out.csv now.",
            annotations=[AnnotationSpec("sandbox:/out.csv", "file_out", type="file_path")],
        )
    )


def scenario_streams(scenario: Scenario) -> list[bytes]:
    """The SSE bodies of every segment of ``scenario`` (first stream, then continuations)."""
    return [scenario.encode_segment(index) for index in range(scenario.segment_count)]


def sample_streams() -> list[bytes]:
    """The bundled recorded run: first stream, then its continuation."""
    return [path.read_bytes() for path in runstream.sample_stream_paths()]


def event_ends(body: bytes) -> list[int]:
    """The byte offset just after each event's dispatching blank line (LF streams)."""
    ends, offset = [], 0
    for event in split_sse(body):
        offset += len(event.raw)
        ends.append(offset)
    return ends


def wire_events(body: bytes) -> list[tuple[str, str]]:
    """The ``(name, data)`` of every complete event of an LF-framed body."""
    events = []
    for event in split_sse(body):
        if event.raw.endswith(b"\n\n"):
            events.append((event.name, event.data.decode()))
    return events


def split_at(data: bytes, points: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given offsets (duplicates and out-of-range points ignored)."""
    cuts = sorted({p for p in points if 0 < p < len(data)})
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def to_crlf(data: bytes, ending: bytes) -> bytes:
    """``data`` with every LF line ending replaced by ``ending`` (CRLF or CR)."""
    return data.replace(b"\n", ending)


# ---- recording what a consumer sees --------------------------------------------------------


def _plain(value: Any) -> Any:
    # Delta snapshots are lazy views: msgspec's encoders need them read first.
    return msgspec.to_builtins(runstream.types.materialize(value), enc_hook=repr)


def _recording(name: str) -> Callable[..., None]:
    def callback(self: Any, *arguments: Any) -> None:
        self.calls.append((name, _plain(arguments)))
        self.objects.append(arguments)

    return callback


def _async_recording(name: str) -> Callable[..., Any]:
    async def callback(self: Any, *arguments: Any) -> None:
        self.calls.append((name, _plain(arguments)))
        self.objects.append(arguments)

    return callback


class Recorder(EventHandler):
    """Records every callback: its name and its arguments as plain data *at call time*
    (``calls``), and the argument objects themselves (``objects``)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.objects: list[tuple[Any, ...]] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class AsyncRecorder(AsyncEventHandler):
    """`Recorder` for async streams."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.objects: list[tuple[Any, ...]] = []

    names = Recorder.names


for _name in CALLBACKS:
    setattr(Recorder, _name, _recording(_name))
    setattr(AsyncRecorder, _name, _async_recording(_name))


@dataclass
class Outcome:
    """What consuming a run's streams gave."""

    events: list[Any] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)
    accumulator: Accumulator | None = None


def consume(streams: Sequence[Sequence[bytes]], *, handler: Recorder | None = None, **options: Any) -> Outcome:
    """Read each stream (a list of chunks) to its end with one handler and one accumulator,
    the way a tool loop continues a run."""
    handler = handler if handler is not None else Recorder()
    accumulator = Accumulator()
    outcome = Outcome(accumulator=accumulator)
    for chunks in streams:
        with RunStream(iter(list(chunks)), handler, accumulator=accumulator, **options) as stream:
            outcome.events.extend(stream)
    outcome.calls = handler.calls
    outcome.final = accumulator.to_builtins()
    return outcome


def reference_states(bodies: Sequence[bytes]) -> list[list[dict[str, Any]]]:
    """For each body (stream), the accumulated state after exactly ``n`` of its complete
    events, for every ``n``, all earlier bodies fed in full first."""
    accumulator = Accumulator()
    states = []
    for body in bodies:
        per_body = [accumulator.to_builtins()]
        for name, data in wire_events(body):
            accumulator.feed(runstream.decode_event(name, data))
            per_body.append(accumulator.to_builtins())
        accumulator.end()
        states.append(per_body)
    return states


# ---- resources -----------------------------------------------------------------------------


def _tcp_inodes_with_remote_port(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table) as file:
                next(file)
                for line in file:
                    fields = line.split()
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    if remote_port == port and fields[3] != "0A":  # 0A: LISTEN
                        inodes.add(fields[9])
        except FileNotFoundError:
            continue
    return inodes


def socket_fds() -> list[str]:
    """The inodes of every socket this process holds open (from ``/proc/self/fd``)."""
    inodes = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.append(target[8:-1])
    return inodes


def client_sockets(port: int) -> int:
    """How many sockets this process holds that are connected *to* ``port`` (the client
    side of connections to the fake server, which lives in this process too)."""
    remote = _tcp_inodes_with_remote_port(port)
    return sum(1 for inode in socket_fds() if inode in remote)


def pool_connections(http_client: Any) -> list[Any]:
    """The httpcore connections of an httpx client's pool."""
    return list(http_client._transport._pool.connections)


def busy_connections(http_client: Any) -> list[Any]:
    """Pool connections that are neither idle nor closed (a response still holds them)."""
    return [c for c in pool_connections(http_client) if not (c.is_idle() or c.is_closed())]


def bounded(function: Callable[[], Any], seconds: float) -> Any:
    """Call ``function`` in a thread; fail the test if it runs longer than ``seconds`` (a
    hang), else return its result or raise its exception. ``seconds`` is a safety net against
    a hang, never a speed target: give minutes, as a loaded machine can be many times slower."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = function()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            result["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"still running after {seconds} s: a hang")
    if "error" in result:
        raise result["error"]
    return result.get("value")
