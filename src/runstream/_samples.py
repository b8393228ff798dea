"""Recorded sample streams bundled with runstream, for the demo, docs and tests."""

from __future__ import annotations

from pathlib import Path

from ._streaming.recording import recording_paths

__all__ = ["sample_stream_path", "sample_stream_paths"]

_SAMPLES = Path(__file__).parent / "samples"


def sample_stream_paths(name: str = "weather_tool_call") -> list[Path]:
    """The files of a bundled recorded run, in order: the first stream, then each
    continuation stream (after tool outputs were submitted).

    The default run calls a ``get_weather`` function twice in parallel, waits in
    ``requires_action``, and after the outputs answers with a text message.
    """
    first = _SAMPLES / f"{name}.sse"
    if not first.exists():
        available = sorted({path.name.split(".")[0] for path in _SAMPLES.glob("*.sse")})
        raise FileNotFoundError(f"no bundled sample {name!r}; available: {', '.join(available)}")
    return recording_paths(first)  # continuations by number: -2 before -10


def sample_stream_path(name: str = "weather_tool_call") -> Path:
    """The first stream file of a bundled recorded run (see `sample_stream_paths`)."""
    return sample_stream_paths(name)[0]
