"""runstream benchmarks: ``python benchmarks/run.py [--quick|--full]``.

Workloads (streams from ``benchmarks/generate.py``, shaped like the real service's):

- W1 standard mix: 3 parallel calls x 2000 fragments x 4 characters + 2000 text deltas
  (+ a small code_interpreter and file_search step), about 8k events.
- W2 scaling: W1's shape from 1k to 1M events (quick: to 100k).
- W3 32 parallel calls, about as many events as W1.
- W4 one long tool call whose arguments are several MB: time and tracemalloc peak memory
  against the size of the final snapshot.
- W5 many small streams at once over loopback HTTP through `runstream.testing`'s
  FakeAssistantsServer (run in its own process).

Contestants, timed on identical bytes in the same process, alternating, several rounds,
median reported: runstream (no-op handler), runstream's snapshot iterator, runstream async,
openai-python's AssistantEventHandler (fed through its own client and an httpx
MockTransport), httpx-sse + msgspec decoding without accumulation, and the decode floor.

Results: printed, and written to docs/benchmarks.md and docs/benchmarks-w2.png.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
from generate import GeneratedStream, StreamSpec, generate, scaled_spec, standard_spec  # noqa: E402

import runstream  # noqa: E402

# The peers warn that the Assistants API is deprecated; that is not what is measured.
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*Assistants API is deprecated.*")

try:
    import openai
    from openai import AssistantEventHandler, AsyncAssistantEventHandler
except ImportError:  # the bench extra is not installed
    openai = None  # type: ignore[assignment]

try:
    from azure.ai.agents.models import AgentEventHandler
except ImportError:  # the bench extra is not installed
    AgentEventHandler = None  # type: ignore[assignment,misc]

try:
    from httpx_sse import EventSource, aconnect_sse
except ImportError:
    EventSource = None  # type: ignore[assignment,misc]

MB = 1_000_000
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}


# ---- settings ----------------------------------------------------------------------------

@dataclass
class Settings:
    mode: str
    rounds: int  # rounds every contestant gets when its budget allows (fewer: the slow ones)
    max_rounds: int
    min_sample: float  # seconds: small streams are repeated until one sample takes this long
    budget: float  # seconds of timed runs per contestant and workload
    skip_over: float  # skip a contestant whose one run is estimated to take longer
    w2_sizes: list[int]
    w4_sizes_mb: list[float]
    w4_fragment: int
    w5_streams: int
    w5_events: int
    w5_rounds: int
    w5_warmup: bool  # an untimed first round of W5 (it verifies; without it, round 1 does)
    paired_rounds: int  # rounds of the paired runstream-only measurement behind the targets
    w6_sizes: tuple[int, int] = (2_000, 200_000)
    w7_size_mb: float = 50.0
    chunk_size: int = 65536
    #: peak memory of every contestant in W2 and W4 (else runstream's only; W1 and W3 always
    #: measure every contestant fast enough)
    memory_all: bool = True


QUICK = Settings(mode="quick", rounds=3, max_rounds=7, min_sample=0.01, budget=0.6, skip_over=1.3,
                 w2_sizes=[1_000, 10_000, 100_000], w4_sizes_mb=[0.25, 1.0], w4_fragment=16,
                 w5_streams=200, w5_events=40, w5_rounds=1, w5_warmup=False, paired_rounds=5,
                 memory_all=False, w6_sizes=(2_000, 50_000), w7_size_mb=5.0)
FULL = Settings(mode="full", rounds=7, max_rounds=15, min_sample=0.05, budget=6.0, skip_over=25.0,
                w2_sizes=[1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000],
                w4_sizes_mb=[0.5, 2.0, 8.0], w4_fragment=16,
                w5_streams=200, w5_events=250, w5_rounds=2, w5_warmup=False,
                paired_rounds=9)


# ---- contestants -------------------------------------------------------------------------

_DECODERS = runstream._core.event_decoder._DECODERS  # per event name: (class, msgspec decoder, type)
_STR_DECODERS = {name: entry[1] for name, entry in _DECODERS.items()}


@dataclass
class Prepared:
    """One workload's stream, in the forms the contestants read."""

    stream: GeneratedStream
    chunks: list[bytes]
    body: bytes

    @property
    def event_chunks(self) -> list[bytes]:
        """The body as one chunk per event, as reads from a socket often are."""
        return [block + b"\n\n" for block in self.body.split(b"\n\n") if block]


@dataclass
class Contestant:
    key: str
    label: str
    make: Callable[[Prepared, Any], Callable[[], Any]]
    available: bool = True
    note: str = ""


def _runstream_noop(p: Prepared, loop: Any) -> Callable[[], Any]:
    chunks = p.chunks
    RunStream = runstream.RunStream

    def run() -> Any:
        return RunStream(chunks).until_done()

    return run


def _runstream_per_event(p: Prepared, loop: Any) -> Callable[[], Any]:
    chunks = p.event_chunks
    RunStream = runstream.RunStream

    def run() -> Any:
        return RunStream(chunks).until_done()

    return run


def _runstream_snapshots(p: Prepared, loop: Any) -> Callable[[], Any]:
    chunks = p.chunks
    RunStream = runstream.RunStream

    def run() -> Any:
        stream = RunStream(chunks)
        for _update in stream.snapshots():
            pass
        return stream

    return run


class DeltaCallbacks(runstream.EventHandler):
    """The four delta callbacks overridden, the snapshot received and not read."""

    def __init__(self) -> None:
        self.deltas = 0

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.deltas += 1

    def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
        self.deltas += 1

    def on_message_delta(self, delta: Any, snapshot: Any) -> None:
        self.deltas += 1

    def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
        self.deltas += 1


def _runstream_callbacks(p: Prepared, loop: Any) -> Callable[[], Any]:
    chunks = p.chunks
    RunStream = runstream.RunStream

    def run() -> Any:
        return RunStream(chunks, DeltaCallbacks()).until_done()

    return run


def _runstream_async(p: Prepared, loop: asyncio.AbstractEventLoop) -> Callable[[], Any]:
    chunks = p.chunks
    AsyncRunStream = runstream.AsyncRunStream

    async def source():
        for chunk in chunks:
            yield chunk

    async def main() -> Any:
        return await AsyncRunStream(source()).until_done()

    def run() -> Any:
        return loop.run_until_complete(main())

    return run


def _openai_client(p: Prepared) -> Any:
    chunks = p.chunks

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, content=iter(chunks))

    return openai.OpenAI(
        api_key="x",
        base_url="http://test",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def _openai_peer(p: Prepared, loop: Any, handler_class: Any = None) -> Callable[[], Any]:
    client = _openai_client(p)
    thread_id, assistant_id = p.stream.thread_id, p.stream.assistant_id
    handler_class = handler_class or AssistantEventHandler

    def run() -> Any:
        handler = handler_class()
        with client.beta.threads.runs.stream(
            thread_id=thread_id, assistant_id=assistant_id, event_handler=handler
        ) as stream:
            stream.until_done()
        return handler

    return run


if openai is not None:
    class OpenAIDeltaCallbacks(AssistantEventHandler):
        """openai-python's handler with the same four delta callbacks overridden."""

        deltas = 0

        def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            self.deltas += 1

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            self.deltas += 1

        def on_message_delta(self, delta: Any, snapshot: Any) -> None:
            self.deltas += 1

        def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
            self.deltas += 1


def _openai_callbacks(p: Prepared, loop: Any) -> Callable[[], Any]:
    return _openai_peer(p, loop, OpenAIDeltaCallbacks)


if AgentEventHandler is not None:
    class AzureDeltaCallbacks(AgentEventHandler):
        """azure-ai-agents' handler with its two delta callbacks overridden (it passes no
        snapshot)."""

        deltas = 0

        def on_message_delta(self, delta: Any) -> None:
            self.deltas += 1

        def on_run_step_delta(self, delta: Any) -> None:
            self.deltas += 1


def _azure_peer(p: Prepared, loop: Any, handler_class: Any = None) -> Callable[[], Any]:
    chunks = p.chunks
    handler_class = handler_class or AgentEventHandler

    def run() -> Any:
        # Fed the bytes directly, no network; a run that requires action gets no outputs.
        handler = handler_class()
        handler.initialize(iter(chunks), lambda *arguments: [])
        handler.until_done()
        return handler

    return run


def _azure_callbacks(p: Prepared, loop: Any) -> Callable[[], Any]:
    return _azure_peer(p, loop, AzureDeltaCallbacks)


def _split_alone(p: Prepared, loop: Any) -> Callable[[], Any]:
    body = p.body

    def run() -> int:
        return len(body.split(b"\n\n"))

    return run


def _httpx_sse_peer(p: Prepared, loop: Any) -> Callable[[], Any]:
    chunks = p.chunks
    decoders = _STR_DECODERS

    def run() -> int:
        response = httpx.Response(200, headers=SSE_HEADERS, content=iter(chunks))
        count = 0
        for sse in EventSource(response).iter_sse():
            decoder = decoders.get(sse.event)
            if decoder is not None:
                decoder.decode(sse.data)
            count += 1
        return count

    return run


def _decode_floor(p: Prepared, loop: Any) -> Callable[[], Any]:
    body = p.body
    decoders = _STR_DECODERS

    def run() -> int:
        count = 0
        for block in body.split(b"\n\n"):
            if not block:
                continue
            head, _, data = block.partition(b"\n")
            decoder = decoders.get(head[7:].decode())  # after b"event: "
            if decoder is not None:
                decoder.decode(data[6:])  # after b"data: "
            count += 1
        return count

    return run


CONTESTANTS = [
    Contestant("runstream", "runstream (no-op handler)", _runstream_noop),
    Contestant("callbacks", "runstream, 4 delta callbacks", _runstream_callbacks),
    Contestant("snapshots", "runstream snapshots()", _runstream_snapshots),
    Contestant("async", "runstream async", _runstream_async),
    Contestant("openai", "openai-python AssistantEventHandler", _openai_peer,
               available=openai is not None, note="pip install -e .[bench]"),
    Contestant("openai-cb", "openai-python, 4 delta callbacks", _openai_callbacks,
               available=openai is not None, note="pip install -e .[bench]"),
    Contestant("azure", "azure-ai-agents AgentEventHandler", _azure_peer,
               available=AgentEventHandler is not None, note="pip install -e .[bench]"),
    Contestant("azure-cb", "azure-ai-agents, 2 delta callbacks", _azure_callbacks,
               available=AgentEventHandler is not None, note="pip install -e .[bench]"),
    Contestant("httpx-sse", "httpx-sse + msgspec (no accumulation)", _httpx_sse_peer,
               available=EventSource is not None),
    Contestant("floor", "decode floor (split + msgspec)", _decode_floor),
    Contestant("split", "bytes.split alone (the scan limit)", _split_alone),
    # Diagnostic, W1 only: runstream fed one chunk per event instead of 64 KiB chunks.
    Contestant("per-event", "runstream, one chunk per event (diagnostic)", _runstream_per_event),
]
LABELS = {c.key: c.label for c in CONTESTANTS}


# ---- measuring ---------------------------------------------------------------------------

@dataclass
class Result:
    key: str
    seconds: float | None = None  # median seconds per stream
    samples: list[float] = field(default_factory=list)
    reps: int = 1
    peak: int | None = None  # tracemalloc peak bytes
    skipped: str = ""

    @property
    def ran(self) -> bool:
        return self.seconds is not None


def _once(fn: Callable[[], Any], reps: int = 1) -> float:
    gc.collect()
    if reps > 1:
        # A small stream: one untimed run first, so the sample does not include refilling
        # the caches that gc.collect() just went through.
        fn()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def _peak_memory(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = fn()
        del result
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(
    p: Prepared,
    settings: Settings,
    loop: asyncio.AbstractEventLoop,
    keys: list[str],
    estimates: dict[str, float] | None = None,
    memory: bool | None = True,
) -> dict[str, Result]:
    """Time each contestant on ``p``: a warm-up run, then rounds in rotating order.

    A small stream is read several times back to back per sample (at least
    ``min_sample`` seconds). Each contestant gets as many rounds as its ``budget`` allows,
    between ``rounds`` and ``max_rounds`` (fewer if even ``rounds`` runs would take over
    twice the budget); for a slow contestant the first run counts as a sample.
    ``memory``: True measures the peak memory of every contestant fast enough for it (and
    of runstream always), None of runstream only, False of none.
    """
    results: dict[str, Result] = {}
    fns: dict[str, Callable[[], Any]] = {}
    rounds_for: dict[str, int] = {}
    for contestant in CONTESTANTS:
        if contestant.key not in keys:
            continue
        result = results[contestant.key] = Result(contestant.key)
        if not contestant.available:
            result.skipped = f"not installed ({contestant.note})"
            continue
        estimate = (estimates or {}).get(contestant.key)
        if estimate is not None and estimate > settings.skip_over and contestant.key != "runstream":
            result.skipped = f"skipped: one run estimated at {estimate:.0f} s"
            continue
        fn = fns[contestant.key] = contestant.make(p, loop)
        first = _once(fn)
        result.reps = math.ceil(settings.min_sample / first) if first < settings.min_sample else 1
        sample = first * result.reps
        rounds = int(settings.budget // sample)
        if rounds < settings.rounds:  # a slow contestant: stretch the budget up to twice
            rounds = min(settings.rounds, int(2 * settings.budget // sample))
        rounds = max(1, min(settings.max_rounds, rounds))
        if first >= settings.budget / 3:
            # A slow contestant (already warmed up on a small stream at start-up): its first
            # run counts as a sample.
            result.samples.append(first)
            rounds -= 1
        rounds_for[contestant.key] = rounds
    order = list(fns)
    for round_number in range(max(rounds_for.values(), default=0)):
        shift = round_number % max(1, len(order))
        for key in order[shift:] + order[:shift]:
            if round_number < rounds_for[key]:
                results[key].samples.append(_once(fns[key], results[key].reps))
    for key, fn in fns.items():
        result = results[key]
        result.seconds = statistics.median(result.samples)
        if memory and result.seconds * 4 <= settings.budget:
            result.peak = _peak_memory(fn)
        elif key == "runstream" and memory is not False:
            result.peak = _peak_memory(fn)
    if os.environ.get("BENCH_DEBUG"):
        print("   " + ", ".join(f"{k}: {len(r.samples)}x{r.reps} of {r.seconds:.4f}s" for k, r in results.items() if r.ran), file=sys.stderr)
    return results


# ---- correctness -------------------------------------------------------------------------

class _RSCapture(runstream.EventHandler):
    """Keeps the text snapshot of the latest text delta (the accumulated text)."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text = snapshot.value


def _rs_function_arguments(accumulator: Any) -> list[str]:
    for step in accumulator.run_steps:
        details = step.step_details
        if getattr(details, "type", None) != "tool_calls":
            continue
        calls = [c for c in details.tool_calls if c.type == "function"]
        if calls:
            return [c.function.arguments for c in calls]
    return []


def _rs_text(accumulator: Any) -> str:
    messages = accumulator.messages
    return messages[0].content[0].text.value if messages else ""


def _openai_function_arguments(handler: Any) -> list[str]:
    for step in handler.get_final_run_steps():
        details = step.step_details
        if details.type != "tool_calls":
            continue
        calls = [c for c in details.tool_calls if c.type == "function"]
        if calls:
            return [c.function.arguments for c in calls]
    return []


def check(p: Prepared, loop: asyncio.AbstractEventLoop, with_openai: bool,
          with_handler: bool = True, with_snapshots: bool = True) -> list[str]:
    """Problems found (empty: every checked contestant built what the generator sent).

    Function arguments are never in a completed step in these streams (the run requires
    action), so the step snapshot's arguments are built from the deltas alone; the text
    is taken from the snapshot handed to the last text delta, before message.completed
    (``with_handler``: that costs a text snapshot per delta, quadratic in the text's length,
    so the largest streams skip it).
    """
    stream = p.stream
    problems: list[str] = []
    expected_args, expected_text = stream.arguments, stream.text

    def compare(who: str, what: str, got: Any, expected: Any) -> None:
        if got != expected:
            problems.append(f"{who}: {what} differs from the generated stream's")

    capture = _RSCapture() if with_handler else None
    rs = runstream.RunStream(p.chunks, capture).until_done()
    compare("runstream", "function arguments", _rs_function_arguments(rs.accumulator), expected_args)
    if capture is not None:
        compare("runstream", "accumulated text", capture.text, expected_text)
    compare("runstream", "final message text", _rs_text(rs.accumulator), expected_text)
    compare("runstream", "run status", rs.accumulator.run_status, stream.final_status)
    rs_args = _rs_function_arguments(rs.accumulator)

    if with_snapshots:
        snap = _runstream_snapshots(p, loop)()
        compare("runstream snapshots()", "function arguments",
                _rs_function_arguments(snap.accumulator), expected_args)
    asy = _runstream_async(p, loop)()
    compare("runstream async", "function arguments", _rs_function_arguments(asy.accumulator), expected_args)
    compare("runstream async", "final message text", _rs_text(asy.accumulator), expected_text)

    if with_openai and with_handler and openai is not None:
        class OpenAICapture(AssistantEventHandler):
            text = ""

            def on_text_delta(self, delta: Any, snapshot: Any) -> None:
                self.text = snapshot.value

        handler = _openai_peer(p, loop, OpenAICapture)()
        openai_args = _openai_function_arguments(handler)
        compare("runstream vs openai-python", "function arguments", rs_args, openai_args)
        compare("runstream vs openai-python", "accumulated text", capture.text, handler.text)
        compare("openai-python", "function arguments", openai_args, expected_args)
    floor_count = _decode_floor(p, loop)()
    if floor_count != stream.events:
        problems.append(f"decode floor: {floor_count} events, expected {stream.events}")
    return problems


# ---- workloads ---------------------------------------------------------------------------

def prepare(spec: StreamSpec, settings: Settings) -> Prepared:
    stream = generate(spec)
    return Prepared(stream, stream.chunks(settings.chunk_size), stream.body)


@dataclass
class Workload:
    key: str
    title: str
    description: str
    rows: list[tuple[str, Prepared, dict[str, Result]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


ALL = [c.key for c in CONTESTANTS if c.key != "per-event"]


def per_event(result: Result, p: Prepared) -> float | None:
    return result.seconds / p.stream.events if result.ran else None


def run_single(key: str, title: str, description: str, spec: StreamSpec, settings: Settings,
               loop: Any, log: Callable[[str], None]) -> Workload:
    workload = Workload(key, title, description)
    p = prepare(spec, settings)
    log(f"{key}: {p.stream.events} events, {p.stream.size / MB:.2f} MB")
    workload.problems = check(p, loop, with_openai=True)
    keys = ALL + ["per-event"] if key == "W1" else ALL
    workload.rows.append((key, p, measure(p, settings, loop, keys)))
    return workload


#: How the time of a run grows with W2's size, for the estimates that skip a contestant: all
#: are about linear in W2's shape (snapshots() hands out lazy snapshots).
W2_GROWTH: dict[str, float] = {}


def run_w2(settings: Settings, loop: Any, log: Callable[[str], None]) -> Workload:
    workload = Workload(
        "W2", "W2 scaling",
        "W1's shape (3 parallel calls, 4-character argument fragments, text deltas; three "
        "quarters argument fragments, one quarter text deltas) from "
        f"{settings.w2_sizes[0]:,} to {settings.w2_sizes[-1]:,} events.",
    )
    previous: dict[str, tuple[float, int]] = {}
    for size in settings.w2_sizes:
        p = prepare(scaled_spec(size), settings)
        events = p.stream.events
        log(f"W2: {events} events, {p.stream.size / MB:.1f} MB")
        estimates = {
            key: seconds * (events / prev_events) ** W2_GROWTH.get(key, 1.0)
            for key, (seconds, prev_events) in previous.items()
        }
        with_openai = "openai" not in estimates or estimates["openai"] <= settings.skip_over
        small = size <= 100_000
        problems = check(p, loop, with_openai=with_openai and small, with_handler=small,
                         with_snapshots=estimates.get("snapshots", 0.0) <= settings.skip_over)
        workload.problems += [f"{events} events: {problem}" for problem in problems]
        results = measure(p, settings, loop, ALL, estimates, memory=settings.memory_all or None)
        for key, result in results.items():
            if result.ran:
                previous[key] = (result.seconds, events)
        workload.rows.append((f"{events:,}", p, results))
        del p
        gc.collect()
    return workload


QUADRATIC = ("openai", "openai-cb")


def run_w4(settings: Settings, loop: Any, log: Callable[[str], None]) -> Workload:
    workload = Workload(
        "W4", "W4 one long tool call",
        f"One function call whose arguments grow to {', '.join(f'{s:g}' for s in settings.w4_sizes_mb)} MB "
        f"in {settings.w4_fragment}-character fragments, then requires_action (whose run "
        "object repeats the complete arguments) and done. Peak memory is tracemalloc's peak "
        "while one stream is read (the input bytes excluded); the final snapshot size is the "
        "size of the completed arguments string in memory.",
    )
    previous: dict[str, tuple[float, int]] = {}
    for size_mb in settings.w4_sizes_mb:
        chars = int(size_mb * MB)
        spec = StreamSpec(parallel_calls=1, fragments_per_call=chars // settings.w4_fragment,
                          fragment_size=settings.w4_fragment, text_deltas=0, seed=4)
        p = prepare(spec, settings)
        log(f"W4: {size_mb:g} MB of arguments, {p.stream.events} events, {p.stream.size / MB:.1f} MB")
        # openai-python re-serialises the whole step for every delta, and snapshots() joins
        # the arguments for every delta: both are quadratic in the size (as measured).
        estimates = {
            key: seconds * (p.stream.size / prev_size) ** (2 if key in QUADRATIC else 1)
            for key, (seconds, prev_size) in previous.items()
        }
        for key in ("openai", "openai-cb"):
            if key not in previous:
                # about 8 s for 0.5 MB here (2 s for 0.25 MB); too slow for --quick at any size
                estimates[key] = 8.0 * (size_mb / 0.5) ** 2
        if "azure" not in previous:  # about 330 µs per event here
            estimates["azure"] = estimates["azure-cb"] = 330e-6 * chars / settings.w4_fragment
        fast_enough = {k: estimates.get(k, 0.0) <= settings.skip_over for k in ("openai", "snapshots")}
        problems = check(p, loop, with_openai=fast_enough["openai"], with_handler=size_mb <= 0.5,
                         with_snapshots=fast_enough["snapshots"])
        workload.problems += [f"{size_mb:g} MB: {problem}" for problem in problems]
        results = measure(p, settings, loop, ALL, estimates, memory=False)
        for key, result in results.items():
            if result.ran:
                previous[key] = (result.seconds, p.stream.size)
        # Memory of runstream at every size (the target), others where affordable.
        for key in ("runstream", "snapshots", "async", "httpx-sse", "floor", "openai"):
            result = results[key]
            if result.ran and (key == "runstream" or (settings.memory_all and result.seconds * 4 <= settings.budget)):
                result.peak = _peak_memory(next(c for c in CONTESTANTS if c.key == key).make(p, loop))
        workload.rows.append((f"{size_mb:g} MB", p, results))
    return workload


# ---- W6: delta callbacks at any size; W7: one 50 MB tool call ----------------------------

def w6_pairs(settings: Settings) -> list[tuple[str, StreamSpec, StreamSpec]]:
    small, large = settings.w6_sizes
    return [
        ("one call", StreamSpec(parallel_calls=1, fragments_per_call=small, text_deltas=0, seed=6),
         StreamSpec(parallel_calls=1, fragments_per_call=large, text_deltas=0, seed=6)),
        ("one message", StreamSpec(parallel_calls=0, text_deltas=small, seed=6),
         StreamSpec(parallel_calls=0, text_deltas=large, seed=6)),
        # The calls use 8 functions in turn: an assistant has at most 128 tools, and each run
        # object lists them all (10,000 distinct ones would measure decoding the run objects).
        ("parallel calls", StreamSpec(parallel_calls=1, fragments_per_call=20_000, text_deltas=0, seed=6, tool_names=8),
         StreamSpec(parallel_calls=10_000, fragments_per_call=2, text_deltas=0, seed=6, tool_names=8)),
    ]


def run_w6(settings: Settings, loop: Any, log: Callable[[str], None]) -> Workload:
    small, large = settings.w6_sizes
    workload = Workload(
        "W6", "W6 delta callbacks at any size",
        f"runstream with the four delta callbacks overridden (`on_text_delta`, `on_tool_call_delta`, "
        f"`on_message_delta`, `on_run_step_delta`; the snapshot received, not read), with "
        f"`snapshots()` (the loop variable keeps the previous snapshot alive while the next event "
        f"is merged), and with a no-op handler: one function call of {small:,} vs {large:,} argument fragments, one "
        f"message of {small:,} vs {large:,} text deltas (the text-heavy run), and 20,000 argument "
        "fragments in 1 call vs in 10,000 parallel calls of one step, calling 8 functions in turn "
        "(`on_run_step_delta` gets the step with all its calls). Each pair is measured paired (alternating rounds); time per event.",
    )
    for label, spec_small, spec_large in w6_pairs(settings):
        p_small, p_large = prepare(spec_small, settings), prepare(spec_large, settings)
        log(f"W6 {label}: {p_small.stream.events} vs {p_large.stream.events} events")
        for p in (p_small, p_large):
            capture = _RSCapture()
            runstream.RunStream(p.chunks, capture).until_done()
            if p.stream.text and capture.text != p.stream.text:
                workload.problems.append(f"{label}: the text handed to on_text_delta differs")
        results = {}
        for key, make in (("callbacks", _runstream_callbacks), ("snapshots", _runstream_snapshots),
                          ("runstream", _runstream_noop)):
            times = paired([("small", p_small), ("large", p_large)], settings, make)
            results[key] = (times["small"] / p_small.stream.events, times["large"] / p_large.stream.events)
        workload.rows.append((label, p_large, {"pair": results, "events": (p_small.stream.events, p_large.stream.events)}))  # type: ignore[arg-type]
    return workload


def w6_table(workload: Workload) -> list[str]:
    lines = [
        "| stream pair | events | contestant | µs/event (small) | µs/event (large) | large / small |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for label, _, data in workload.rows:
        small_events, large_events = data["events"]  # type: ignore[index]
        for key, (small, large) in data["pair"].items():  # type: ignore[index]
            lines.append(f"| {label} | {small_events:,} / {large_events:,} | {LABELS[key]} | "
                         f"{small * 1e6:.2f} | {large * 1e6:.2f} | {large / small:.2f}x |")
    return lines


def run_w7(settings: Settings, loop: Any, log: Callable[[str], None]) -> Workload:
    size_mb = settings.w7_size_mb
    workload = Workload(
        "W7", "W7 one huge tool call",
        f"One function call of {size_mb:g} MB of arguments in 64-character fragments, then "
        "requires_action repeating the whole arguments in one event and done, read by "
        "runstream with the default settings (no max_event_size given). Peak memory is "
        "tracemalloc's peak while the stream is read, the input bytes excluded.",
    )
    chars = int(size_mb * MB)
    spec = StreamSpec(parallel_calls=1, fragments_per_call=chars // 64, fragment_size=64, text_deltas=0, seed=7)
    p = prepare(spec, settings)
    log(f"W7: {size_mb:g} MB of arguments, {p.stream.events} events, {p.stream.size / MB:.1f} MB")
    fn = _runstream_noop(p, loop)
    try:
        stream = fn()
        if _rs_function_arguments(stream.accumulator) != p.stream.arguments:
            workload.problems.append("runstream: arguments differ from the generated ones")
        del stream
        seconds = _once(fn)
        peak = _peak_memory(fn)
        result = Result("runstream", seconds, [seconds], peak=peak)
    except runstream.RunstreamError as error:
        result = Result("runstream", skipped=f"failed: {error}")
        workload.problems.append(f"runstream failed with the default settings: {error}")
    workload.rows.append((f"{size_mb:g} MB", p, {"runstream": result}))
    return workload


# ---- W5: many concurrent streams over loopback HTTP ---------------------------------------

@dataclass
class W5Result:
    key: str
    label: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    events: int = 0
    bytes: int = 0
    skipped: str = ""
    problems: list[str] = field(default_factory=list)


def run_w5(settings: Settings, log: Callable[[str], None]) -> tuple[Workload, dict[str, W5Result] | None]:
    workload = Workload(
        "W5", "W5 many concurrent streams",
        f"{settings.w5_streams} streams of about {settings.w5_events} events each (W1's shape, "
        "scaled down; each its own thread and seed), all at once, over loopback HTTP from "
        "runstream.testing.FakeAssistantsServer running in a separate process (one write per "
        "event, as the service streams). One httpx.AsyncClient (asyncio) per contestant "
        "and round. Client CPU is this process's CPU time; the server's is not counted.",
    )
    try:
        import runstream.testing  # noqa: F401
    except Exception as error:  # not written yet, or broken
        workload.notes.append(f"skipped: runstream.testing is not importable ({error!r})")
        return workload, None
    from generate import w5_spec

    keys = ["raw", "httpx-sse", "runstream", "openai"]
    labels = {
        "raw": "httpx aiter_bytes, no parsing (transport floor)",
        "httpx-sse": "httpx-sse aiter_sse + msgspec (no accumulation)",
        "runstream": "runstream AsyncRunStream (no-op handler)",
        "openai": "openai-python AsyncAssistantEventHandler",
    }
    active = [k for k in keys if k != "openai" or openai is not None]
    copies = (settings.w5_rounds + int(settings.w5_warmup)) * len(active)
    process = subprocess.Popen(
        [sys.executable, str(HERE / "_w5_server.py"), str(settings.w5_streams),
         str(settings.w5_events), str(copies)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            workload.notes.append("skipped: the fake server process did not start")
            return workload, None
        base_url = json.loads(line)["base_url"]
        streams = [generate(w5_spec(i, settings.w5_events)) for i in range(settings.w5_streams)]
        log(f"W5: {len(streams)} streams x ~{streams[0].events} events at {base_url}")
        results = {k: W5Result(k, labels[k]) for k in keys}
        if openai is None:
            results["openai"].skipped = "not installed (pip install -e .[bench])"
        results_list = asyncio.run(_w5_all(base_url, streams, settings, active, results, log))
        del results_list
        workload.problems = [p for r in results.values() for p in r.problems]
        return workload, results
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


async def _w5_all(base_url: str, streams: list[GeneratedStream], settings: Settings,
                  active: list[str], results: dict[str, W5Result], log: Callable[[str], None]) -> None:
    headers = {"Authorization": "Bearer sk-bench"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(120.0)

    async def one(client: httpx.AsyncClient, oai: Any, key: str, stream: GeneratedStream) -> tuple[float, int, Any]:
        """Read one stream; return its time, its event count and what to verify."""
        start = time.perf_counter()
        url = f"{base_url}/threads/{stream.thread_id}/runs"
        body = {"assistant_id": stream.assistant_id, "stream": True}
        events = 0
        built: Any = None
        if key == "raw":
            size = 0
            async with client.stream("POST", url, json=body, headers=headers) as response:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
            events, built = stream.events, size
        elif key == "httpx-sse":
            decoders = _STR_DECODERS
            async with aconnect_sse(client, "POST", url, json=body, headers=headers) as source:
                async for sse in source.aiter_sse():
                    decoder = decoders.get(sse.event)
                    if decoder is not None:
                        decoder.decode(sse.data)
                    events += 1
            built = events
        elif key == "runstream":
            async with client.stream("POST", url, json=body, headers=headers) as response:
                built = await runstream.AsyncRunStream(response).until_done()
            events = built.accumulator.events_fed
        elif key == "openai":
            built = AsyncAssistantEventHandler()
            async with oai.beta.threads.runs.stream(
                thread_id=stream.thread_id, assistant_id=stream.assistant_id, event_handler=built
            ) as source:
                await source.until_done()
            events = stream.events
        return time.perf_counter() - start, events, built

    async def verify(key: str, stream: GeneratedStream, built: Any, result: W5Result) -> None:
        where = stream.thread_id
        if key == "raw" and built != stream.size:
            result.problems.append(f"raw: {built} bytes, expected {stream.size} ({where})")
        elif key == "httpx-sse" and built != stream.events:
            result.problems.append(f"httpx-sse: {built} events, expected {stream.events} ({where})")
        elif key == "runstream":
            if _rs_function_arguments(built.accumulator) != stream.arguments:
                result.problems.append(f"runstream: arguments differ ({where})")
            if _rs_text(built.accumulator) != stream.text:
                result.problems.append(f"runstream: text differs ({where})")
        elif key == "openai":
            got: list[str] = []
            for step in await built.get_final_run_steps():
                if step.step_details.type == "tool_calls":
                    calls = [c for c in step.step_details.tool_calls if c.type == "function"]
                    if calls:
                        got = [c.function.arguments for c in calls]
                        break
            if got != stream.arguments:
                result.problems.append(f"openai-python: arguments differ ({where})")

    first_timed = 1 if settings.w5_warmup else 0
    for round_number in range(first_timed + settings.w5_rounds):
        shift = round_number % len(active)
        for key in active[shift:] + active[:shift]:
            result = results[key]
            gc.collect()
            async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
                cpu0, wall0 = time.process_time(), time.perf_counter()
                oai = None
                if key == "openai":  # one openai-python client for all the streams, as an app would
                    oai = openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0,
                                             http_client=client)
                outcomes = await asyncio.gather(*(one(client, oai, key, s) for s in streams))
                wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            if round_number == 0:  # verify once, outside the timed region
                result.events = sum(o[1] for o in outcomes)
                for stream, outcome in zip(streams, outcomes):
                    await verify(key, stream, outcome[2], result)
            times = [o[0] for o in outcomes]
            del outcomes
            if round_number < first_timed:
                continue
            result.wall.append(wall)
            result.cpu.append(cpu)
            result.latencies.extend(times)
        if round_number >= first_timed:
            log(f"W5 round {round_number + 1 - first_timed}: " + ", ".join(
                f"{k} {results[k].wall[-1]:.2f}s" for k in active))


# ---- reporting -----------------------------------------------------------------------------

def _fmt_rate(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1e6:
        return f"{value / 1e6:.2f} M"
    if value >= 1e3:
        return f"{value / 1e3:.1f} k"
    return f"{value:.0f}"


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}x" if value >= 100 else f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def _fmt_mem(value: int | None) -> str:
    return "—" if value is None else f"{value / MB:.1f} MB"


def _fmt_us(value: float | None) -> str:
    return "—" if value is None else f"{value * 1e6:.2f}"


def table_for(p: Prepared, results: dict[str, Result]) -> list[str]:
    events, size = p.stream.events, p.stream.size
    openai_result = results.get("openai")
    floor_result = results.get("floor")
    lines = [
        "| contestant | events/s | MB/s | µs/event | vs openai-python | vs decode floor | peak memory | rounds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, result in results.items():
        if not result.ran:
            lines.append(f"| {LABELS[key]} | {result.skipped or '—'} | | | | | | |")
            continue
        rate = events / result.seconds
        vs_openai = (openai_result.seconds / result.seconds) if openai_result and openai_result.ran else None
        vs_floor = (floor_result.seconds / result.seconds) if floor_result and floor_result.ran else None
        lines.append(
            f"| {LABELS[key]} | {_fmt_rate(rate)} | {size / MB / result.seconds:.1f} | "
            f"{_fmt_us(result.seconds / events)} | {_fmt_ratio(vs_openai)} | "
            f"{'' if vs_floor is None else f'{vs_floor * 100:.0f}%'} | {_fmt_mem(result.peak)} | "
            f"{len(result.samples)}{'' if result.reps == 1 else f'x{result.reps}'} |"
        )
    return lines


def w2_table(workload: Workload) -> list[str]:
    keys = ALL
    lines = [
        "Time per event (µs), median:",
        "",
        "| events | MB | " + " | ".join(LABELS[k] for k in keys) + " |",
        "|---:|---:|" + "---:|" * len(keys),
    ]
    for label, p, results in workload.rows:
        cells = [_fmt_us(per_event(results[k], p)) if results[k].ran else "skipped" for k in keys]
        lines.append(f"| {label} | {p.stream.size / MB:.1f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "runstream (no-op handler) at each size:",
        "",
        "| events | events/s | MB/s | vs openai-python | vs decode floor | peak memory |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p, results in workload.rows:
        rs, oa, fl = results["runstream"], results.get("openai"), results.get("floor")
        lines.append(
            f"| {label} | {_fmt_rate(p.stream.events / rs.seconds)} | "
            f"{p.stream.size / MB / rs.seconds:.1f} | "
            f"{_fmt_ratio(oa.seconds / rs.seconds) if oa and oa.ran else '—'} | "
            f"{f'{fl.seconds / rs.seconds * 100:.0f}%' if fl and fl.ran else '—'} | "
            f"{_fmt_mem(rs.peak)} |"
        )
    return lines


def w4_table(workload: Workload) -> list[str]:
    lines = [
        "| arguments | events | contestant | time | MB/s | µs/event | peak memory | final snapshot | peak / snapshot |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p, results in workload.rows:
        snapshot = snapshot_size(p)
        for key, result in results.items():
            if not result.ran:
                lines.append(f"| {label} | {p.stream.events:,} | {LABELS[key]} | {result.skipped} | | | | | |")
                continue
            lines.append(
                f"| {label} | {p.stream.events:,} | {LABELS[key]} | {result.seconds * 1e3:.0f} ms | "
                f"{p.stream.size / MB / result.seconds:.1f} | {_fmt_us(result.seconds / p.stream.events)} | "
                f"{_fmt_mem(result.peak)} | {_fmt_mem(snapshot)} | "
                f"{'—' if result.peak is None else f'{result.peak / snapshot:.2f}'} |"
            )
    return lines


def snapshot_size(p: Prepared) -> int:
    return sum(sys.getsizeof(a) for a in p.stream.arguments)


def w5_table(results: dict[str, W5Result]) -> list[str]:
    lines = [
        "| contestant | wall (median) | events/s | client CPU | CPU µs/event | stream time p50 | p99 | vs openai-python (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    openai_cpu = statistics.median(results["openai"].cpu) if results["openai"].cpu else None
    for key, r in results.items():
        if not r.wall:
            lines.append(f"| {r.label} | {r.skipped or '—'} | | | | | | |")
            continue
        wall, cpu = statistics.median(r.wall), statistics.median(r.cpu)
        lat = sorted(r.latencies)
        p50 = lat[len(lat) // 2]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        lines.append(
            f"| {r.label} | {wall:.2f} s | {_fmt_rate(r.events / wall)} | {cpu:.2f} s | "
            f"{cpu / r.events * 1e6:.1f} | {p50 * 1e3:.0f} ms | {p99 * 1e3:.0f} ms | "
            f"{_fmt_ratio(openai_cpu / cpu) if openai_cpu else '—'} |"
        )
    return lines


def paired(streams: list[tuple[str, Prepared]], settings: Settings,
           make: Callable[[Prepared, Any], Callable[[], Any]] | None = None) -> dict[str, float]:
    """Median seconds of runstream (no-op handler, or ``make``'s contestant) on each stream,
    the streams alternating in the same rounds (rotating order), so that a change of machine
    load between workloads does not bias the comparison."""
    make = make or _runstream_noop
    fns = [(label, make(p, None)) for label, p in streams]
    reps = {}
    min_sample = max(settings.min_sample, 0.05)  # shorter samples of small streams read high
    for label, fn in fns:
        first = _once(fn)
        reps[label] = math.ceil(min_sample / first) if first < min_sample else 1
    samples: dict[str, list[float]] = {label: [] for label, _ in fns}
    for round_number in range(settings.paired_rounds):
        shift = round_number % len(fns)
        for label, fn in fns[shift:] + fns[:shift]:
            samples[label].append(_once(fn, reps[label]))
    return {label: statistics.median(values) for label, values in samples.items()}


def targets(w1: Workload, w2: Workload, w3: Workload, w4: Workload, settings: Settings,
            log: Callable[[str], None], w6: Workload | None = None,
            w7: Workload | None = None) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    _, p1, r1 = w1.rows[0]
    rs1 = r1["runstream"]
    for key, peer, goal in (("runstream", "openai", 100), ("callbacks", "openai-cb", 50)):
        what = f"W1 {LABELS[key]} events/s >= {goal}x {LABELS[peer]}"
        if r1[peer].ran and r1[key].ran:
            ratio = r1[peer].seconds / r1[key].seconds
            out.append((ratio >= goal, f"{what}: {ratio:.0f}x"))
        else:
            out.append((False, f"{what}: {r1[peer].skipped or r1[key].skipped}"))
    floor_share = r1["floor"].seconds / rs1.seconds
    out.append((floor_share >= 1.0, f"W1 runstream >= 100% of the decode floor's speed: {floor_share * 100:.0f}%"))
    if w6 is not None:
        for label, _, data in w6.rows:
            small, large = data["pair"]["callbacks"]  # type: ignore[index]
            events = data["events"]  # type: ignore[index]
            out.append((large / small <= 1.25, f"W6 {label}: runstream with delta callbacks, time per event within "
                        f"1.25x from {events[0]:,} to {events[1]:,} events: {large / small:.2f}x "
                        f"({small * 1e6:.2f} vs {large * 1e6:.2f} µs)"))
    if w7 is not None:
        label, p7, r7 = w7.rows[0]
        result = r7["runstream"]
        arguments = p7.stream.argument_chars
        if result.ran and result.peak is not None:
            out.append((result.peak <= 2.5 * arguments, f"W7 one {label} tool call with default settings: works, "
                        f"peak memory {result.peak / arguments:.2f}x the arguments (<= 2.5x)"))
        else:
            out.append((False, f"W7 one {label} tool call with default settings: {result.skipped}"))
    log("targets: paired measurements of runstream (W2 sizes; W1 and W3; W4 sizes)")
    w2_times = paired([(label, p) for label, p, _ in w2.rows], settings)
    per = [(label, w2_times[label] / p.stream.events) for label, p, _ in w2.rows]
    values = [v for _, v in per]
    spread = max(values) / min(values)
    out.append((spread <= 1.25, f"W2 runstream time per event within 1.25x from {w2.rows[0][0]} to "
                f"{w2.rows[-1][0]} events: {spread:.2f}x "
                f"({', '.join(f'{label}: {v * 1e6:.2f} µs' for label, v in per)})"))
    _, p3, _ = w3.rows[0]
    w13 = paired([("W1", p1), ("W3", p3)], settings)
    per1, per3 = w13["W1"] / p1.stream.events, w13["W3"] / p3.stream.events
    w3_ratio = per3 / per1
    out.append((w3_ratio <= 1.2, f"W3 runstream time per event within 1.2x of W1's: {w3_ratio:.2f}x "
                f"(W1: {per1 * 1e6:.2f} µs, W3: {per3 * 1e6:.2f} µs)"))
    w4_times = paired([(label, p) for label, p, _ in w4.rows], settings)
    per_byte = [(label, w4_times[label] / p.stream.argument_chars) for label, p, _ in w4.rows]
    values = [v for _, v in per_byte]
    linear = max(values) / min(values)
    out.append((linear <= 1.25, f"W4 runstream time linear in argument size (time per argument byte "
                f"within 1.25x): {linear:.2f}x ({', '.join(f'{label}: {v * 1e9:.0f} ns/B' for label, v in per_byte)})"))
    memory_ok = True
    details = []
    for label, p, r in w4.rows:
        peak, snapshot = r["runstream"].peak, snapshot_size(p)
        limit = 2 * snapshot + 30 * MB
        memory_ok &= peak is not None and peak <= limit
        details.append(f"{label}: {_fmt_mem(peak)} <= {_fmt_mem(limit)}")
    out.append((memory_ok, "W4 runstream peak memory <= 2x final snapshot + 30 MB: " + ", ".join(details)))
    for workload in (w1, w2, w3, w4, *(w for w in (w6, w7) if w is not None)):
        out.append((not workload.problems, f"{workload.key} correctness (runstream = generated = openai-python"
                    f" where run): {'ok' if not workload.problems else '; '.join(workload.problems[:5])}"))
    return out


def _load() -> str:
    try:
        return "/".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


START_LOAD = _load()


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = []
    for name in ("runstream", "msgspec", "httpx", "httpx-sse", "anyio", "h11", "openai", "pydantic", "matplotlib"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit += " (src/ has uncommitted changes)" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return [
        f"- Date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- CPU: {cpu}; {os.cpu_count()} logical cores ({usable} usable by this process)",
        f"- Python: {platform.python_implementation()} {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- Packages: {', '.join(versions)}",
        f"- runstream commit: {commit}",
        f"- Load average (1/5/15 min) at the start: {START_LOAD}; at the end: {_load()}. Other "
        "processes on the machine slow every contestant alike (rounds alternate), but add noise.",
    ]


def plot_w2(workload: Workload, path: Path) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e .[bench]); no plot"
    figure, axes = plt.subplots(figsize=(8, 5))
    for contestant in CONTESTANTS:
        if contestant.key not in ALL:
            continue
        xs, ys = [], []
        for _, p, results in workload.rows:
            value = per_event(results[contestant.key], p)
            if value is not None:
                xs.append(p.stream.events)
                ys.append(value * 1e6)
        if xs:
            axes.plot(xs, ys, marker="o", label=contestant.label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("events in the stream")
    axes.set_ylabel("time per event (µs, log scale)")
    axes.set_title("W2: time per event vs stream size (median)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return f"plot: {path.relative_to(ROOT)}"


def profile_w1(settings: Settings, top: int = 20) -> str:
    import cProfile
    import io
    import pstats

    p = prepare(standard_spec(), settings)
    fn = _runstream_noop(p, None)
    fn()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        fn()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ---- main ----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="runstream benchmarks")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer rounds, W2 to 100k events (default; < 1 min)")
    mode.add_argument("--full", action="store_true", help="more rounds, W2 to 1M events (several minutes)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write docs/")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of runstream on W1")
    parser.add_argument("--only", default="", help="comma-separated workloads to run (e.g. W1,W5); implies --no-write")
    args = parser.parse_args(argv)
    settings = FULL if args.full else QUICK
    only = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    write = not args.no_write and not only
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    def wanted(key: str) -> bool:
        return not only or key in only

    loop = asyncio.new_event_loop()
    # Warm every contestant up once on a small stream: lazy imports (openai-python loads its
    # types on first use) and first-call costs stay out of the measurements.
    warm = prepare(scaled_spec(200), settings)
    for contestant in CONTESTANTS:
        if contestant.available:
            contestant.make(warm, loop)()
    workloads: dict[str, Workload] = {}
    w5_results = None
    try:
        if wanted("W1"):
            workloads["W1"] = run_single(
                "W1", "W1 standard mix",
                "3 parallel function calls x 2000 argument fragments x 4 characters, 2000 text "
                "deltas of a word or two, a code_interpreter call (20 input fragments, a logs "
                "and an image output) and a file_search call (5 results with content): one "
                "response body ending in requires_action and done.",
                standard_spec(), settings, loop, log)
        if wanted("W2"):
            workloads["W2"] = run_w2(settings, loop, log)
        if wanted("W3"):
            spec = standard_spec(parallel_calls=32, fragments_per_call=188)
            workloads["W3"] = run_single(
                "W3", "W3 32 parallel calls",
                "W1 with 32 parallel function calls of 188 fragments each (about W1's event "
                "count), streamed one call after the other as the service does.",
                spec, settings, loop, log)
        if wanted("W4"):
            workloads["W4"] = run_w4(settings, loop, log)
        if wanted("W6"):
            workloads["W6"] = run_w6(settings, loop, log)
        if wanted("W7"):
            workloads["W7"] = run_w7(settings, loop, log)
    finally:
        loop.close()
    if wanted("W5"):
        workloads["W5"], w5_results = run_w5(settings, log)

    out: list[str] = [
        "# runstream benchmarks",
        "",
        f"Generated by `python benchmarks/run.py --{settings.mode}` "
        "(`benchmarks/README.md` in the repository describes the workloads and contestants).",
        "Every contestant reads identical bytes in the same process; runs alternate between "
        "contestants in rotating order; the median of the rounds is reported. Rates are "
        "events (or bytes of the SSE body) per second of wall time. \"vs openai-python\" is how "
        "many times faster than openai-python's AssistantEventHandler; \"vs decode floor\" is "
        "the floor's time over the contestant's (100% = as fast as splitting and decoding alone). "
        "Peak memory is tracemalloc's peak while one stream is read, in a separate run "
        "(— where one run would take too long under tracemalloc). "
        "\"rounds\" is the number of timed samples (xN: each sample is the mean of N back-to-back "
        "runs of a small stream).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    check_lines: list[tuple[bool, str]] = []
    if all(k in workloads for k in ("W1", "W2", "W3", "W4")):
        check_lines = targets(workloads["W1"], workloads["W2"], workloads["W3"], workloads["W4"],
                              settings, log, workloads.get("W6"), workloads.get("W7"))
        out += [
            "## Targets",
            "",
            "The W1 ratios come from W1's table. The W2, W3 and W4 targets compare streams "
            "measured at different times, so they use a separate paired measurement of "
            f"runstream (no-op handler) alone: the compared streams alternate in the same "
            f"{settings.paired_rounds} rounds (small streams repeated to samples of at least "
            "50 ms), medians compared. Its numbers can differ a little from the tables'.",
            "",
            "```",
        ]
        out += [f"{'PASS' if ok else 'FAIL'}  {text}" for ok, text in check_lines]
        out += ["```", ""]
        out += [
            "What they measure: the W1 ratios are medians of alternating rounds on the same "
            "bytes, runstream's time against openai-python's (both with no-op handlers, then "
            "both with the four delta callbacks overridden), and the decode floor's time against "
            "runstream's (the floor splits the body on blank lines and decodes each data line with "
            "the same msgspec decoders, building nothing). W6 divides the time per event of the "
            "larger stream of a pair by the smaller's, the two measured in alternating rounds. W7 "
            "is tracemalloc's peak while the stream is read, over the length of the arguments; "
            "the input bytes are not counted.",
            "",
        ]
    for key in ("W1", "W2", "W3", "W4", "W6", "W7", "W5"):
        workload = workloads.get(key)
        if workload is None:
            continue
        out += [f"## {workload.title}", "", workload.description, ""]
        if key in ("W1", "W3"):
            label, p, results = workload.rows[0]
            out += [f"{p.stream.events:,} events, {p.stream.size / MB:.2f} MB, "
                    f"{p.stream.argument_chars:,} argument characters.", ""]
            out += table_for(p, results)
        elif key == "W2":
            out += w2_table(workload)
            if write:
                out += ["", "![W2 plot](benchmarks-w2.png)"]
        elif key == "W4":
            out += w4_table(workload)
        elif key == "W6":
            out += w6_table(workload)
        elif key == "W7":
            label, p7, r7 = workload.rows[0]
            result = r7["runstream"]
            out += [f"{p7.stream.events:,} events, {p7.stream.size / MB:.1f} MB of SSE, "
                    f"{p7.stream.argument_chars / MB:.1f} MB of arguments.", ""]
            if result.ran:
                out += [f"runstream (default settings): {result.seconds:.2f} s, peak memory "
                        f"{_fmt_mem(result.peak)} = {result.peak / p7.stream.argument_chars:.2f}x the arguments."]
            else:
                out += [f"runstream: {result.skipped}"]
        elif key == "W5" and w5_results is not None:
            first = w5_results["runstream"].events or w5_results["raw"].events
            out += [f"{first:,} events per round in total.", ""]
            out += w5_table(w5_results)
        for note in workload.notes:
            out += ["", note]
        if workload.problems and key == "W5":
            out += ["", "Correctness problems: " + "; ".join(workload.problems[:5])]
        elif key == "W5" and w5_results is not None:
            out += ["", "Correctness: every runstream stream built the generated arguments and text; "
                    "openai-python's arguments matched too."]
        out.append("")
    text = "\n".join(out)
    print(text)
    if "W2" in workloads and write:
        log(plot_w2(workloads["W2"], ROOT / "docs" / "benchmarks-w2.png"))
    if write:
        (ROOT / "docs").mkdir(exist_ok=True)
        page = ROOT / "docs" / "benchmarks.md"
        # benchmarks/dialects.py writes the page's last section: kept as it is.
        previous = page.read_text(encoding="utf-8") if page.exists() else ""
        dialects = previous.find("## Responses API and Chat Completions")
        page.write_text(text + ("\n" + previous[dialects:] if dialects >= 0 else ""), encoding="utf-8")
        log("wrote docs/benchmarks.md")
    if args.profile:
        print("## cProfile of runstream (no-op handler) on W1, 5 runs, by own time\n")
        print(profile_w1(settings))
    log(f"done in {time.perf_counter() - started:.1f}s")
    return 0 if all(ok for ok, _ in check_lines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
