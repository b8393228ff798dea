#!/usr/bin/env python
"""Coverage-guided fuzzer of runstream's sans-IO core: SSEDecoder -> EventDecoder -> Accumulator
(and RunStream on top, with a handler that listens to every callback).

Run it from the repository root, in the venv (``pip install atheris`` first)::

    python fuzz/fuzz_decoder.py -max_total_time=60

With no corpus directory on the command line it reads the seeds in ``fuzz/corpus/`` and
writes the inputs it finds to ``fuzz/work-corpus/`` (the seed corpus stays as it is);
crashes go to ``fuzz/crashes/``; the dictionary ``fuzz/sse.dict`` is used unless another
``-dict=`` is given. Any libFuzzer flag works (``-runs=N``, ``-jobs=N``, ``-max_len=N``).
Replay one input without atheris: ``python fuzz/fuzz_decoder.py --check FILE``.

An input is the raw bytes of a stream. Everything else is derived from a hash of them, so
seeds stay plain ``.sse`` files: how the bytes are cut into chunks, and the decoder's
``max_event_size``. A crash is any exception other than runstream's own `RunstreamError`s
(`StreamDecodeError`, `EventTooLargeError`, `IncompleteStreamError`, `ServerStreamError`), or a
broken invariant:

* chunking invariance: the server-sent events (byte offsets included) and the size error are
  the same for the chunked bytes as for the whole body;
* the accumulator keeps going after events that fail to decode, and every snapshot of what
  it holds can be built and encoded to JSON;
* RunStream ends with at most a `RunstreamError`, and its handler's ``on_end`` ran once;
* the tool loop (one input in ``TOOL_LOOP_EVERY``, see `check_tool_loop`): ``Client.run_tools``
  against the fake server, with function calls whose names and arguments come from the input
  and a handler overriding every callback, completes the run, calling each tool once per call.

Bugs found and not fixed yet are listed in ``KNOWN``: their exceptions are not counted as
crashes, so the fuzzer can look further (each one has an xfail test in
tests/test_reliability_found.py; remove it from ``KNOWN`` when fixed).
"""

from __future__ import annotations

import atexit
import itertools
import os
import random
import sys
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

try:
    import atheris
except ImportError:  # --check works without it
    atheris = None

if __name__ == "__main__" and atheris is not None and "--check" not in sys.argv:
    # Instrument runstream's modules for coverage (only when fuzzing, not when imported by
    # the regression tests).
    with atheris.instrument_imports(include=["runstream"]):
        import runstream
        import runstream._api.client
        import runstream._core.accumulator
        import runstream._models.lenient  # noqa: F401

import msgspec

import runstream
from runstream import (
    Accumulator,
    EventDecoder,
    EventHandler,
    RunStream,
    RunstreamError,
    SSEDecoder,
)

#: Open bugs: (exception type, a substring of its message), see the module docstring.
KNOWN: list[tuple[type[BaseException], str]] = [
    # None open. Fixed: (RecursionError, "maximum recursion depth exceeded"), deeply nested
    # JSON (tests/test_reliability_found.py::test_deeply_nested_json_is_a_decode_error).
]
IGNORE_KNOWN = os.environ.get("RUNSTREAM_FUZZ_ALL") != "1"
#: The tool loop runs over loopback HTTP, far slower than the rest: one input in
#: TOOL_LOOP_EVERY goes through it too (RUNSTREAM_FUZZ_TOOL_LOOP=0 turns it off).
TOOL_LOOP = os.environ.get("RUNSTREAM_FUZZ_TOOL_LOOP", "1") != "0"
TOOL_LOOP_EVERY = 8

CALLBACKS = sorted(name for name in vars(EventHandler) if name.startswith("on_"))


class EveryCallback(EventHandler):
    """Listens to every callback, so every snapshot a callback can get is built."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}


def _callback(name: str) -> Any:
    def callback(self: EveryCallback, *arguments: Any) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        msgspec.to_builtins(runstream.types.materialize(arguments), enc_hook=repr)  # lazy snapshots read

    return callback


for _name in CALLBACKS:
    setattr(EveryCallback, _name, _callback(_name))


def _chunks(data: bytes, rng: random.Random) -> list[bytes]:
    mode = rng.randrange(4)
    if mode == 0:
        return [data[i : i + 1] for i in range(len(data))]
    if mode == 1:
        size = rng.choice([2, 3, 7, 64, 4096])
        return [data[i : i + size] for i in range(0, len(data), size)]
    points = sorted({rng.randrange(1, len(data)) for _ in range(min(len(data) - 1, rng.randrange(1, 32)))}) if len(
        data) > 1 else []
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def _sse_events(chunks: list[bytes], max_event_size: int) -> tuple[list[Any], int | None]:
    """Every server-sent event, and the offset of the size error if one stopped decoding."""
    decoder = SSEDecoder(max_event_size)
    events: list[Any] = []
    try:
        for chunk in chunks:
            events.extend(decoder.feed(chunk))
        events.extend(decoder.end())
    except runstream.EventTooLargeError as error:
        return events, error.offset
    return events, None


def check(data: bytes) -> None:
    """Run one input; raise on a crash (see the module docstring)."""
    rng = random.Random(zlib.crc32(data))
    max_event_size = rng.choice([64, 1024] + [1 << 20] * 4)  # mostly no limit in reach
    chunks = _chunks(data, rng)

    # 1. Chunking invariance of the SSE layer.
    whole = _sse_events([data], max_event_size)
    chunked = _sse_events(chunks, max_event_size)
    if whole != chunked:
        raise AssertionError(f"chunking changed the SSE events: {whole!r} != {chunked!r}")

    # 2. The sans-IO pipeline, going on after events that fail to decode.
    accumulator = Accumulator(keep_finished=rng.random() < 0.5)
    decoder = EventDecoder()
    handler = EveryCallback()
    handler.accumulator = accumulator
    for sse in whole[0]:
        try:
            event = decoder.decode(sse)
        except runstream.StreamDecodeError as error:
            if error.event != sse.event or error.offset != sse.offset:
                raise AssertionError(f"decode error names the wrong event: {error!r} for {sse!r}") from error
            continue
        handler.dispatch(event, accumulator.feed(event))
    accumulator.end()
    msgspec.json.encode(accumulator.to_builtins())
    state = accumulator.state
    msgspec.json.encode([state.runs, state.run_steps, state.messages, accumulator.usage])

    # 3. The whole thing, as a user runs it.
    handler = EveryCallback()
    try:
        with RunStream(iter(chunks), handler, max_event_size=max_event_size) as stream:
            for _ in stream:
                pass
    except RunstreamError:
        pass
    if handler.counts.get("on_end") != 1:
        raise AssertionError(f"on_end ran {handler.counts.get('on_end', 0)} times")
    msgspec.json.encode(stream.accumulator.to_builtins())


# ---- the tool loop against the fake server --------------------------------------------------

_server: Any = None
_threads = itertools.count()
TOOL_NAMES = ["echo", "fail", "unencodable", "not_registered"]


def _fake_server() -> Any:
    """One fake Assistants server for the whole run; each input adds its own thread."""
    global _server
    if _server is None:
        from runstream.testing import FakeAssistantsServer

        _server = FakeAssistantsServer(api_key="sk-fuzz").start()
        atexit.register(_server.stop)
    return _server


def _arguments_ok(arguments: str) -> bool:
    try:
        msgspec.json.decode(arguments)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


def check_tool_loop(data: bytes) -> None:
    """Drive a run through ``Client.run_tools`` against the fake server. The run's function
    calls take their names and arguments (any text: JSON, broken JSON, deep nesting) from
    ``data``; a handler overrides every callback. Raises on a crash:

    * any exception but a `RunstreamError` (and none at all when errors are submitted);
    * a tool called more than once for a call, or a call left unanswered;
    * a run that did not complete.
    """
    from runstream.testing import Scenario, ToolCallSpec

    rng = random.Random(zlib.crc32(data) ^ 0x7001)
    text = data.decode("utf-8", "replace")
    count = rng.randint(1, 3)
    cuts = sorted(rng.randrange(len(text) + 1) for _ in range(count - 1))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    calls = [ToolCallSpec(rng.choice(TOOL_NAMES), piece, id=f"call_{index}") for index, piece in enumerate(pieces)]
    scenario = Scenario(thread_id=f"thread_fuzz{next(_threads)}", seed=rng.randrange(1 << 30)).tool_calls(calls)
    scenario = scenario.message(text[:64] or "done")
    invoked: list[Any] = []

    def echo(*args: Any, **kwargs: Any) -> Any:
        invoked.append((args, kwargs))
        return {"args": list(args), "kwargs": kwargs}

    def fail(*args: Any, **kwargs: Any) -> Any:
        invoked.append((args, kwargs))
        raise ValueError("the tool failed")

    def unencodable(*args: Any, **kwargs: Any) -> Any:
        invoked.append((args, kwargs))
        return object()  # not JSON: the loop must turn it into an error output

    tools = {"echo": echo, "fail": fail, "unencodable": unencodable}
    submit_errors = rng.random() < 0.75
    server = _fake_server()
    server.add(scenario)
    handler = EveryCallback()
    with runstream.Client(base_url=server.base_url, api_key="sk-fuzz", timeout=30) as client:
        loop = client.run_tools(scenario.thread_id, assistant_id=scenario.assistant_id, tools=tools,
                                handler=handler, submit_errors=submit_errors)
        try:
            run = loop.final_run()
        except RunstreamError:
            if submit_errors:
                raise
            run = None
    expected = sum(call.name in tools and _arguments_ok(call.arguments) for call in calls)
    if len(invoked) > expected:
        raise AssertionError(f"tools ran {len(invoked)} times for {expected} calls")
    if run is not None and (run.status != "completed" or len(invoked) != expected):
        raise AssertionError(f"run {run.status}, tools ran {len(invoked)} times for {expected} calls")


def test_one_input(data: bytes) -> None:
    try:
        check(data)
        if TOOL_LOOP and zlib.crc32(data) % TOOL_LOOP_EVERY == 0:
            check_tool_loop(data)
    except Exception as error:
        if IGNORE_KNOWN and any(isinstance(error, kind) and text in str(error) for kind, text in KNOWN):
            return
        raise


def main() -> None:
    if "--check" in sys.argv:
        for path in sys.argv[sys.argv.index("--check") + 1 :]:
            check(Path(path).read_bytes())
            check_tool_loop(Path(path).read_bytes())
            print(f"{path}: ok")
        return
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris")
    argv = list(sys.argv)
    if not any(not arg.startswith("-") for arg in argv[1:]):
        work = HERE / "work-corpus"
        work.mkdir(exist_ok=True)
        argv += [str(work), str(HERE / "corpus")]
    if not any(arg.startswith("-dict=") for arg in argv):
        argv.append(f"-dict={HERE / 'sse.dict'}")
    if not any(arg.startswith("-artifact_prefix=") for arg in argv):
        (HERE / "crashes").mkdir(exist_ok=True)
        argv.append(f"-artifact_prefix={HERE / 'crashes'}/")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
