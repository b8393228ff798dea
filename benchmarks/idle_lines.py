"""How fast SSEDecoder skips floods of blank lines and keep-alive comments.

``python benchmarks/idle_lines.py [--mb 64]``

A hostile or broken server can send nothing but newlines or comments (a few hundred KiB of
gzip inflate to hundreds of MB), with LF, CR or CRLF line endings. Each flood is fed in
64 KiB chunks, as httpx delivers a body; the rate is MB of stream per second of wall time,
the median of 5 runs. As a ratio that depends less on the machine's load, each rate is also
given against ``bytes.count`` over the same chunks (one pass in C over every byte; the
decoder can beat it, as it skips a flood that repeats itself by comparing memory).
Target: at least 100 MB/s for every flood.
"""

from __future__ import annotations

import argparse
import statistics
import time

from runstream import SSEDecoder

FLOODS = {
    "LF newlines": b"\n",
    "CRLF newlines": b"\r\n",
    "CR newlines": b"\r",
    "keep-alive comments": b": keep-alive\n\n",
    "CRLF keep-alives": b": keep-alive\r\n\r\n",
    "short comments": b":\n\n",
    "bare colons": b":\n",
    "CRLF bare colons": b":\r\n",
    "comment pairs": b": a\n: b\n\n",
}
CHUNK = 64 * 1024


def _rate(function, chunks: list[bytes], size: int) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        function(chunks)
        times.append(time.perf_counter() - started)
    return size / statistics.median(times) / 1e6


def _decode(chunks: list[bytes]) -> None:
    decoder = SSEDecoder()
    for chunk in chunks:
        assert not decoder.feed(chunk)


def _floor(chunks: list[bytes]) -> None:
    for chunk in chunks:
        chunk.count(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64, help="size of each flood in MB (default 64)")
    size = parser.parse_args().mb * 1_000_000
    print(f"{'flood':<22} {'MB/s':>8} {'floor MB/s':>11} {'of floor':>9}  target >= 100 MB/s")
    floods = {name: unit * (size // len(unit)) for name, unit in FLOODS.items()}
    # A flood that never repeats itself exactly: read a window at a time, not by comparison.
    varied = b"".join(b": ping %d\n\n" % number for number in range(size // 12))
    floods["varied keep-alives"] = varied[:size]
    for name, data in floods.items():
        chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
        rate, floor = _rate(_decode, chunks, len(data)), _rate(_floor, chunks, len(data))
        verdict = "PASS" if rate >= 100 else "FAIL"
        print(f"{name:<22} {rate:8.0f} {floor:11.0f} {rate / floor:9.1%}  {verdict}")


if __name__ == "__main__":
    main()
