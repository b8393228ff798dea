"""Benchmarks of the Chat Completions and Responses API streams, side by side with
openai-python on the same bytes.

    python benchmarks/dialects.py            # about four minutes
    python benchmarks/dialects.py --sizes 1000,10000,200000
    python benchmarks/dialects.py --write    # also into docs/benchmarks.md, its last section

Contestants, per dialect and stream size (all read identical bytes, in 64 KiB chunks):

- runstream, no callbacks: ``ChatCompletionStream(...).until_done()`` /
  ``ResponseStream(...).until_done()``;
- runstream with callbacks: a handler counting text deltas and receiving the done text and
  the final object (``on_content_delta``, ``on_content_done``, ``on_completed`` /
  ``on_output_text_delta``, ``on_output_text_done``, ``on_completed``);
- openai-python with the equivalent callbacks: ``client.chat.completions.stream`` (its
  ``ChatCompletionStreamState``) / ``client.responses.stream`` (its Responses stream state)
  over an httpx ``MockTransport`` serving the bytes, dispatching the same three event types;
- runstream snapshots(): ``for update in stream.snapshots(): pass`` (a lazy snapshot per
  event, see ``DialectUpdate``);
- the decode floor: split the body on blank lines and msgspec-decode each event's data into
  runstream's typed chunk / event classes (no accumulation).

Runs alternate between contestants (round robin); the median of the rounds is reported.
Before each contestant's timed sample, as in ``benchmarks/run.py``, the garbage left by the
one before is collected and one untimed run refills the caches.
Targets (checked, printed as PASS/FAIL): runstream with callbacks >= 20x openai-python;
runstream's per-event cost with callbacks and with snapshots() flat within 1.25x from the
smallest to the largest size (paired measurements, printed as a second table: the check is
on the medians, the growth between the fastest rounds is printed beside it); runstream
without callbacks at least as fast as the floor.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any, Union

import httpx
import msgspec

import runstream

try:
    import openai
except ImportError:  # pragma: no cover - the bench extra is not installed
    openai = None  # type: ignore[assignment]

SSE_HEADERS = {"content-type": "text/event-stream"}
CHUNK_SIZE = 64 * 1024
WORDS = ["the", " quick", " brown", " fox", " jumps", " over", " a", " lazy", " dog", ".", "\n", " é", " 😀"]


# ---- streams ---------------------------------------------------------------------------------


def chat_stream(deltas: int) -> bytes:
    """A Chat Completions stream shaped like the service's: a role chunk, ``deltas`` content
    chunks of one word, a finish chunk, the usage chunk and ``[DONE]``."""
    head = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1727346168,
            "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_5050236cbd"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        return b"data: " + json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"

    parts = [chunk({"role": "assistant", "content": "", "refusal": None})]
    parts += [chunk({"content": WORDS[i % len(WORDS)]}) for i in range(deltas)]
    parts.append(chunk({}, "stop"))
    usage = {**head, "choices": [], "usage": {"prompt_tokens": 14, "completion_tokens": deltas, "total_tokens": deltas + 14}}
    parts.append(b"data: " + json.dumps(usage, separators=(",", ":")).encode() + b"\n\n")
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def responses_stream(deltas: int) -> bytes:
    """A Responses API stream shaped like the service's: created, in_progress, a message item
    with one output_text part told in ``deltas`` word deltas, the done events and completed."""
    text = "".join(WORDS[i % len(WORDS)] for i in range(deltas))
    response = {"id": "resp_bench", "object": "response", "created_at": 1758064478, "status": "in_progress",
                "background": False, "error": None, "incomplete_details": None, "instructions": None,
                "max_output_tokens": None, "model": "gpt-4o-mini-2024-07-18", "output": [],
                "parallel_tool_calls": True, "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
                "store": True, "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto",
                "tools": [], "top_p": 1.0, "truncation": "disabled", "usage": None, "user": None, "metadata": {}}
    item = {"id": "msg_bench", "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    sequence = 0
    out = []

    def event(body: dict[str, Any]) -> None:
        nonlocal sequence
        body = {"type": body.pop("type"), "sequence_number": sequence, **body}
        sequence += 1
        out.append(f"event: {body['type']}\ndata: {json.dumps(body, ensure_ascii=False, separators=(',', ':'))}\n\n".encode())

    event({"type": "response.created", "response": response})
    event({"type": "response.in_progress", "response": response})
    event({"type": "response.output_item.added", "output_index": 0, "item": item})
    event({"type": "response.content_part.added", "item_id": "msg_bench", "output_index": 0, "content_index": 0, "part": part})
    for i in range(deltas):
        event({"type": "response.output_text.delta", "item_id": "msg_bench", "output_index": 0, "content_index": 0,
               "delta": WORDS[i % len(WORDS)], "logprobs": []})
    event({"type": "response.output_text.done", "item_id": "msg_bench", "output_index": 0, "content_index": 0,
           "text": text, "logprobs": []})
    done_part = {**part, "text": text}
    event({"type": "response.content_part.done", "item_id": "msg_bench", "output_index": 0, "content_index": 0, "part": done_part})
    done_item = {**item, "status": "completed", "content": [done_part]}
    event({"type": "response.output_item.done", "output_index": 0, "item": done_item})
    final = {**response, "status": "completed", "output": [done_item],
             "usage": {"input_tokens": 9, "output_tokens": deltas, "total_tokens": deltas + 9}}
    event({"type": "response.completed", "response": final})
    return b"".join(out)


def chunks_of(body: bytes) -> list[bytes]:
    return [body[i : i + CHUNK_SIZE] for i in range(0, len(body), CHUNK_SIZE)]


# ---- contestants -----------------------------------------------------------------------------


class ChatCallbacks(runstream.chat.ChatCompletionHandler):
    def __init__(self) -> None:
        self.deltas = 0
        self.text = ""
        self.final: Any = None

    def on_content_delta(self, delta: str, choice_index: int) -> None:
        self.deltas += 1

    def on_content_done(self, content: str, choice_index: int) -> None:
        self.text = content

    def on_completed(self, completion: Any) -> None:
        self.final = completion


class ResponseCallbacks(runstream.responses.ResponseHandler):
    def __init__(self) -> None:
        self.deltas = 0
        self.text = ""
        self.final: Any = None

    def on_output_text_delta(self, delta: str, item_id: str, content_index: int) -> None:
        self.deltas += 1

    def on_output_text_done(self, text: str, item_id: str, content_index: int) -> None:
        self.text = text

    def on_completed(self, response: Any) -> None:
        self.final = response


def runstream_quiet(dialect: str, chunks: list[bytes]) -> Callable[[], Any]:
    stream_class = runstream.ChatCompletionStream if dialect == "chat" else runstream.ResponseStream
    return lambda: stream_class(iter(chunks)).until_done()


def runstream_callbacks(dialect: str, chunks: list[bytes]) -> Callable[[], Any]:
    if dialect == "chat":
        return lambda: runstream.ChatCompletionStream(iter(chunks), ChatCallbacks()).until_done().handler
    return lambda: runstream.ResponseStream(iter(chunks), ResponseCallbacks()).until_done().handler


def runstream_snapshots(dialect: str, chunks: list[bytes]) -> Callable[[], Any]:
    stream_class = runstream.ChatCompletionStream if dialect == "chat" else runstream.ResponseStream
    return lambda: sum(1 for _update in stream_class(iter(chunks)).snapshots())


def openai_callbacks(dialect: str, chunks: list[bytes]) -> Callable[[], Any]:
    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, content=iter(chunks))

    client = openai.OpenAI(api_key="x", base_url="http://test", max_retries=0,
                           http_client=httpx.Client(transport=httpx.MockTransport(serve)))

    def chat() -> Any:
        counts: dict[str, Any] = {"deltas": 0, "text": "", "final": None}
        with client.chat.completions.stream(model="gpt-4o", messages=[{"role": "user", "content": "hi"}]) as stream:
            for event in stream:
                if event.type == "content.delta":
                    # runstream calls on_content_delta for non-empty fragments only.
                    if event.delta:
                        counts["deltas"] += 1
                elif event.type == "content.done":
                    counts["text"] = event.content
            counts["final"] = stream.get_final_completion()
        return counts

    def responses() -> Any:
        counts: dict[str, Any] = {"deltas": 0, "text": "", "final": None}
        with client.responses.stream(model="gpt-4o-mini", input="hi") as stream:
            for event in stream:
                if event.type == "response.output_text.delta":
                    counts["deltas"] += 1
                elif event.type == "response.output_text.done":
                    counts["text"] = event.text
                elif event.type == "response.completed":
                    counts["final"] = event.response
        return counts

    return chat if dialect == "chat" else responses


def decode_floor(dialect: str, body: bytes) -> Callable[[], Any]:
    if dialect == "chat":
        decode = msgspec.json.Decoder(runstream.chat.ChatCompletionChunk).decode

        def run() -> int:
            count = 0
            for block in body.split(b"\n\n"):
                if block and block[6:] != b"[DONE]":
                    decode(block[6:])
                    count += 1
            return count

        return run
    known = Union[tuple(runstream.responses.RESPONSE_EVENT_CLASSES.values())]  # type: ignore[valid-type]
    decode = msgspec.json.Decoder(known).decode

    def run_responses() -> int:
        count = 0
        for block in body.split(b"\n\n"):
            if block:
                decode(block.partition(b"\n")[2][6:])
                count += 1
        return count

    return run_responses


# ---- measuring -------------------------------------------------------------------------------


def measure(contestants: dict[str, Callable[[], Any]], rounds: int, min_seconds: float) -> dict[str, float]:
    """Median seconds per run of each contestant, rounds alternating between them."""
    return {name: statistics.median(values) for name, values in sample(contestants, rounds, min_seconds).items()}


def sample(contestants: dict[str, Callable[[], Any]], rounds: int, min_seconds: float) -> dict[str, list[float]]:
    """Seconds per run of each contestant in each round, rounds alternating between them."""
    repeats = {}
    for name, run in contestants.items():
        start = time.perf_counter()
        run()
        once = time.perf_counter() - start
        repeats[name] = max(1, int(min_seconds / max(once, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in contestants}
    names = list(contestants)
    for round_index in range(rounds):
        order = names[round_index % len(names):] + names[: round_index % len(names)]
        for name in order:
            run = contestants[name]
            # As benchmarks/run.py measures: the garbage the contestant before left (cycles
            # of openai-python's objects) collected first, then one untimed run to refill the
            # caches the collection went through, so that no contestant pays for another's.
            gc.collect()
            run()
            start = time.perf_counter()
            for _ in range(repeats[name]):
                run()
            samples[name].append((time.perf_counter() - start) / repeats[name])
    return samples


def verify(dialect: str, body: bytes, chunks: list[bytes], deltas: int) -> list[str]:
    """Untimed: every contestant built the same text."""
    problems = []
    ours = runstream_callbacks(dialect, chunks)()
    if ours.deltas != deltas:
        problems.append(f"{dialect}: runstream saw {ours.deltas} deltas, expected {deltas}")
    if openai is not None and deltas <= 10_000:
        theirs = openai_callbacks(dialect, chunks)()
        if theirs["text"] != ours.text or theirs["deltas"] != ours.deltas:
            problems.append(f"{dialect}: openai-python built a different text")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,200000", help="deltas per stream, comma-separated")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peer-limit", type=int, default=10_000, help="largest size openai-python runs at")
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    arguments = parser.parse_args(argv)
    load_before = os.getloadavg()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    results: list[str] = []
    flatness: list[str] = []
    checks: list[tuple[bool, str]] = []
    print(f"runstream {runstream.__version__}, openai-python {getattr(openai, '__version__', 'not installed')}, "
          f"Python {sys.version.split()[0]}")
    print("| dialect | deltas | contestant | µs/event | vs openai-python | vs decode floor |")
    print("|---|---:|---|---:|---:|---:|")
    for dialect in ("chat", "responses"):
        bodies = {size: (chat_stream if dialect == "chat" else responses_stream)(size) for size in sizes}
        for size in sizes:
            body = bodies[size]
            chunks = chunks_of(body)
            events = body.count(b"\n\n")
            for problem in verify(dialect, body, chunks, size):
                checks.append((False, problem))
            contestants = {
                "runstream (no callbacks)": runstream_quiet(dialect, chunks),
                "runstream (callbacks)": runstream_callbacks(dialect, chunks),
                "runstream snapshots()": runstream_snapshots(dialect, chunks),
                "decode floor": decode_floor(dialect, body),
            }
            if openai is not None and size <= arguments.peer_limit:
                contestants["openai-python (callbacks)"] = openai_callbacks(dialect, chunks)
            seconds = measure(contestants, arguments.rounds, 0.05)
            peer = seconds.get("openai-python (callbacks)")
            floor = seconds["decode floor"]
            for name, value in seconds.items():
                vs_peer = f"{peer / value:.1f}x" if peer else "-"
                line = (f"| {dialect} | {size} | {name} | {value / events * 1e6:.2f} | {vs_peer} | "
                        f"{floor / value * 100:.0f}% |")
                print(line)
                results.append(line)
            if peer:
                ratio = peer / seconds["runstream (callbacks)"]
                checks.append((ratio >= 20, f"{dialect} {size}: runstream with callbacks {ratio:.1f}x openai-python (target >= 20x)"))
            share = floor / seconds["runstream (no callbacks)"]
            checks.append((share >= 1.0, f"{dialect} {size}: runstream without callbacks at {share * 100:.0f}% of the decode floor (target >= 100%)"))
        # Flatness: the smallest and the largest stream, paired in the same rounds.
        small, large = min(sizes), max(sizes)
        for reader, contestant in (("callbacks", runstream_callbacks), ("snapshots()", runstream_snapshots)):
            paired = sample(
                {
                    "small": contestant(dialect, chunks_of(bodies[small])),
                    "large": contestant(dialect, chunks_of(bodies[large])),
                },
                arguments.rounds,
                0.05,
            )
            per_small = statistics.median(paired["small"]) / bodies[small].count(b"\n\n")
            per_large = statistics.median(paired["large"]) / bodies[large].count(b"\n\n")
            growth = per_large / per_small
            # The fastest rounds too: on a shared machine, the least disturbed ones.
            fastest = (min(paired["large"]) / bodies[large].count(b"\n\n")) / (
                min(paired["small"]) / bodies[small].count(b"\n\n"))
            flatness.append(f"| {dialect} | {reader} | {per_small * 1e6:.2f} | {per_large * 1e6:.2f} | {growth:.2f}x | "
                            f"{fastest:.2f}x |")
            checks.append((growth <= 1.25, f"{dialect}: per-event cost with {reader} {small} -> {large} deltas: "
                                           f"{growth:.2f}x (target <= 1.25x)"))
    print()
    print(f"| dialect | reader | µs/event at {min(sizes)} deltas | µs/event at {max(sizes)} deltas | growth "
          "(medians) | growth (fastest rounds) |")
    print("|---|---|---:|---:|---:|---:|")
    for line in flatness:
        print(line)
    print()
    for passed, text in checks:
        print(("PASS " if passed else "FAIL ") + text)
    if arguments.write:
        write_section(arguments, results, flatness, checks, load_before)
    return 0 if all(passed for passed, _ in checks) else 1


#: The heading of the section this benchmark writes at the end of docs/benchmarks.md
#: (benchmarks/run.py, which writes the rest of the page, keeps it).
SECTION = "## Responses API and Chat Completions"


def write_section(arguments: Any, results: list[str], flatness: list[str], checks: list[tuple[bool, str]],
                  load_before: tuple[float, ...]) -> None:
    root = Path(__file__).resolve().parents[1]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    sizes = arguments.sizes.replace(",", ", ")
    lines = [
        SECTION, "",
        f"Generated by `python benchmarks/dialects.py --rounds {arguments.rounds} --write` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC (runstream commit {commit}, Python "
        f"{sys.version.split()[0]}, openai-python {getattr(openai, '__version__', 'not installed')}; load average "
        f"{'/'.join(f'{value:.2f}' for value in load_before)} at the start, "
        f"{'/'.join(f'{value:.2f}' for value in os.getloadavg())} at the end). Streams of {sizes} deltas in 64 KiB "
        "chunks; the contestants are described in the script's docstring. The decode floor splits the body on blank "
        "lines and decodes each event's data with msgspec, building nothing. On this shared machine the ratios of "
        "runs minutes apart differ by 10 to 20 points.", "",
        "| dialect | deltas | contestant | µs/event | vs openai-python | vs decode floor |",
        "|---|---:|---|---:|---:|---:|", *results, "",
        f"| dialect | reader | µs/event at {min(map(int, arguments.sizes.split(',')))} deltas | µs/event at "
        f"{max(map(int, arguments.sizes.split(',')))} deltas | growth (medians) | growth (fastest rounds) |",
        "|---|---|---:|---:|---:|---:|", *flatness, "",
        "```", *(("PASS " if passed else "FAIL ") + text for passed, text in checks), "```", "",
    ]
    path = root / "docs" / "benchmarks.md"
    page = path.read_text(encoding="utf-8")
    start = page.find(SECTION)
    page = (page[:start] if start >= 0 else page.rstrip("\n") + "\n\n") + "\n".join(lines)
    path.write_text(page, encoding="utf-8")
    print(f"wrote {path.relative_to(root)}")


if __name__ == "__main__":
    sys.exit(main())
