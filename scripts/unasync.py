"""Generate the sync client from the async one.

``src/runstream/_api/async_client.py`` is the single source of `AsyncClient`,
`AsyncLiveRunStream` and `AsyncToolLoop`; ``client.py`` beside it (`Client`, `LiveRunStream`,
`ToolLoop`) is derived from it by replacing text: ``async def`` becomes ``def``, ``await``
goes, async names become their sync twins, and each ``*_async`` helper of ``_concurrency`` or
``tool_runner`` becomes its sync variant. A few sentences of prose that say how the async
side works have their sync wording here.

Usage:
    python scripts/unasync.py           # regenerate
    python scripts/unasync.py --check   # exit 1 if a committed sync file is not what the
                                        # async source generates
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (async source, generated sync module), relative to the repository root.
FILES = [
    ("src/runstream/_api/async_client.py", "src/runstream/_api/client.py"),
]

#: Prose that describes how the async side works, with its sync wording. Each must occur in
#: the source (so an edited sentence is noticed, not silently left async).
PROSE = [
    (
        "over httpx, asynchronously (threads, messages, run\nstreams, lists, tool loop, re-sync).",
        "over httpx, synchronously (threads, messages, run\nstreams, lists, tool loop, re-sync).",
    ),
    (
        "This is the one source of both clients: ``client.py`` is generated from it by\n"
        "``scripts/unasync.py``. Where the two differ, it calls a helper of ``_concurrency`` or\n"
        "``tool_runner`` whose sync twin the generator substitutes.",
        "Generated from ``async_client.py``, the one source of both clients, by\n"
        "``scripts/unasync.py``: edit that and regenerate.",
    ),
    (
        "over\n    httpx, asynchronously (anyio: asyncio or trio): each API method is a coroutine, but for\n"
        "    `run_tools` and `run_tools_on_new_thread`, which return a loop to drive.",
        "over\n    httpx.",
    ),
    (
        "Iterate it with ``async for`` for the events of\n    every stream. The calls of a round run concurrently: "
        "async functions as tasks, sync\n    ones in worker threads.",
        "Iterate it for the events of\n    every stream. The calls of a round are made in turn.",
    ),
    (
        " (async functions as tasks, sync ones in worker\n        threads; the calls of one round run concurrently).",
        " (the calls of one round in turn).",
    ),
    ("``DefaultAzureCredential``\n            or its ``aio`` variant (", "``DefaultAzureCredential``\n            ("),
    ("``get_token(*scopes)``, sync or async, or", "``get_token(*scopes)``, or"),
    (
        "A sync tool's thread cannot be stopped and finishes on its own.",
        "The tool then runs in a daemon thread, which cannot be\n                stopped and finishes on its own.",
    ),
]

#: Whole tokens: async construct or name -> its sync twin (applied in this order).
TOKENS = [
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\bAsyncEventHandler \| EventHandler\b", "EventHandler"),
    (r"\bAsyncEventHandler, EventHandler\b", "EventHandler"),
    (r"\bAsyncEventHandler\b", "EventHandler"),
    (r"\bAsyncLiveRunStream\b", "LiveRunStream"),
    (r"\bAsyncRunStream\b", "RunStream"),
    (r"\bAsyncToolLoop\b", "ToolLoop"),
    (r"\bAsyncClient\b", "Client"),
    (r"\bAsyncDialectEndpoints\b", "DialectEndpoints"),
    (r"\bAsyncCursorPage\b", "CursorPage"),
    (r"\bAsyncRecordingSource\b", "RecordingSource"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\basync_stream\b", "sync_stream"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\baclose\b", "close"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\batoken\b", "token"),
    (r"\basend\b", "send"),
    (r"\b([a-z_]+)_async\b", r"\1"),  # the helper pairs: call_tools_async -> call_tools, ...
]

#: What must not survive in a generated sync module.
LEFTOVERS = re.compile(r"\basync\b|\bawait\b|\bAsync|_async\b|\banyio\b|\basynchronously\b|\bcoroutine")


def header(source: str) -> str:
    name = Path(source).name
    return (f"# generated from {name} by scripts/unasync.py: edit the async source and regenerate\n"
            f"# (python scripts/unasync.py); tests/test_unasync.py checks that this file is current.\n")


def unasync(text: str) -> str:
    """The sync module for the async module ``text``."""
    for async_words, sync_words in PROSE:
        if async_words not in text:
            raise ValueError(f"prose rule no longer matches the source: {async_words!r}")
        text = text.replace(async_words, sync_words)
    for pattern, replacement in TOKENS:
        text = re.sub(pattern, replacement, text)
    leftover = [(number, line) for number, line in enumerate(text.splitlines(), 1) if LEFTOVERS.search(line)]
    if leftover:
        shown = "\n".join(f"  line {number}: {line.strip()}" for number, line in leftover)
        raise ValueError(f"async words left after the replacement (add a rule or a helper pair):\n{shown}")
    return text


def generate(source: str) -> str:
    return header(source) + unasync((ROOT / source).read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the sync client from the async one.")
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    stale = 0
    for source, target in FILES:
        expected = generate(source)
        path = ROOT / target
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == expected:
            continue
        if args.check:
            stale += 1
            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), expected.splitlines(True),
                                                       f"{target} (committed)", f"{target} (generated)"))
            print(f"{target} is not generated from {source}: run python scripts/unasync.py", file=sys.stderr)
        else:
            path.write_text(expected, encoding="utf-8")
            print(f"wrote {target}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
