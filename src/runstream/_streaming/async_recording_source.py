"""`AsyncRecordingSource` and `replay_chunks_async`: a live async byte source recorded as it
passes, and a recording replayed at its original pace, for async consumers.

This is the one source of both: ``recording_source.py`` is generated from it by
``scripts/unasync.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from .recording import Tee, paced
from .stream_io import pause_async, stream_clock_async

__all__ = ["AsyncRecordingSource", "replay_chunks_async"]


class AsyncRecordingSource:
    """A byte source that writes every chunk to a recording as it passes through.

    Args:
        chunks: the live bytes (e.g. ``response.aiter_bytes()``).
        path: the ``.sse`` file to write.
        aclose: what to call to release the live source (e.g. ``response.aclose``).
    """

    def __init__(self, chunks: Any, path: str | Path, aclose: Any = None) -> None:
        self._chunks = chunks
        self._tee = Tee(path)
        self._release = aclose

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            self._tee.write(chunk)
            yield chunk

    async def aclose(self) -> None:
        """Close the recording and the live source."""
        self._tee.close()
        if self._release is not None:
            await self._release()


async def replay_chunks_async(path: str | Path, *, speed: float = 0.0) -> AsyncIterator[bytes]:
    """The bytes of a recorded stream, as one chunk (``speed=0``, instantly) or as the
    original chunks at their original pace (``speed=1``; ``2`` is twice as fast)."""
    start = stream_clock_async()
    for due, chunk in paced(Path(path), speed):
        wait = due - (stream_clock_async() - start)
        if wait > 0:
            await pause_async(wait)
        yield chunk
