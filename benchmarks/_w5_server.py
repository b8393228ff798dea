"""W5's server process: a `runstream.testing.FakeAssistantsServer` playing generated streams.

Run by ``benchmarks/run.py`` in a separate process, so that the server does not compete with
the clients being measured for the GIL. It queues ``copies`` runs on each of ``streams``
threads (``thread_bench_<i>``, one stream body per thread), prints one JSON line with the
base URL, and serves until its standard input is closed.

    python benchmarks/_w5_server.py STREAMS EVENTS_PER_STREAM COPIES [CHUNK_SIZE]
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generate import generate, w5_spec  # noqa: E402


def main() -> int:
    streams, events, copies = (int(a) for a in sys.argv[1:4])
    chunk_size = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] != "none" else None
    from runstream.testing import FakeAssistantsServer, RecordedScenario

    scripts = []
    for i in range(streams):
        body = generate(w5_spec(i, events)).body
        scripts.append(RecordedScenario([body]))
    server = FakeAssistantsServer(api_key="sk-bench", chunk_size=chunk_size)
    for _ in range(copies):
        for script in scripts:
            server.add(script)
    with server:
        print(json.dumps({"base_url": server.base_url}), flush=True)
        sys.stdin.read()  # until the parent closes the pipe
        errors = server.errors
    if errors:
        print(f"server errors: {errors[:3]!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
