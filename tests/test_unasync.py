"""The sync client is generated from the async one: the committed file must be current, and
the generator must refuse to emit async words it has no rule for."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "unasync.py"


def load_unasync():  # noqa: ANN201 - a module
    spec = importlib.util.spec_from_file_location("unasync_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_sync_client_is_generated_from_the_async_one() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_on_a_hand_edited_sync_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unasync = load_unasync()
    source = tmp_path / "async_client.py"
    source.write_text("async def f():\n    await g()\n", encoding="utf-8")
    target = tmp_path / "client.py"
    monkeypatch.setattr(unasync, "ROOT", tmp_path)
    monkeypatch.setattr(unasync, "FILES", [("async_client.py", "client.py", [])])
    assert unasync.main([]) == 0
    assert target.read_text(encoding="utf-8").endswith("def f():\n    g()\n")
    assert unasync.main(["--check"]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "# a hand edit\n", encoding="utf-8")
    assert unasync.main(["--check"]) == 1


def test_async_words_without_a_rule_are_refused() -> None:
    unasync = load_unasync()
    with pytest.raises(ValueError, match=r"line \d+: x = anyio\.current_time\(\)"):
        unasync.unasync(
            "".join(async_words for async_words, _ in unasync.CLIENT_PROSE) + "\nx = anyio.current_time()\n"
        )


def test_the_tokens_map_onto_sync_twins() -> None:
    unasync = load_unasync()
    text = "".join(async_words for async_words, _ in unasync.CLIENT_PROSE) + (
        "\nasync def f(h: AsyncEventHandler | EventHandler) -> AsyncIterator[int]:\n"
        "    async with await client.stream_run() as s:\n"
        "        async for e in s:\n"
        "            await sleep_async(1)\n"
        "    await s.aclose()\n"
    )
    out = unasync.unasync(text)
    assert out.endswith(
        "\ndef f(h: EventHandler) -> Iterator[int]:\n"
        "    with client.stream_run() as s:\n"
        "        for e in s:\n"
        "            sleep(1)\n"
        "    s.close()\n"
    )
