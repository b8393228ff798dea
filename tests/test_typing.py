"""Typing: a handler written the openai-python way type-checks with pyright and mypy (no
error), narrowing on ``.type`` and ``.event`` with the unknown fallback in the unions; the
same handler runs over real recorded streams; and the checkers do report a real mistake."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import runstream

HERE = Path(__file__).parent
HANDLER = HERE / "typing" / "ported_handler.py"
RECORDINGS = HERE / "recordings" / "assistants"

# Without narrowing, a union member lacks the attribute: both checkers must say so.
MISTAKE = '''
from runstream.types import ToolCall

def arguments(call: ToolCall) -> str:
    return call.function.arguments
'''


def _pyright(path: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("pyright", path=str(Path(sys.executable).parent)) or shutil.which("pyright")
    if executable is None:
        pytest.skip("pyright is not installed (it is in the dev extra)")
    return subprocess.run(
        [executable, "--pythonpath", sys.executable, str(path)], capture_output=True, text=True, timeout=600
    )


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_ported_handler_has_no_pyright_error() -> None:
    result = _pyright(HANDLER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


@pytest.mark.slow
def test_ported_handler_has_no_mypy_error() -> None:
    pytest.importorskip("mypy")
    result = _mypy(HANDLER)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_checkers_report_an_attribute_of_an_unnarrowed_union(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    mistake = tmp_path / "mistake.py"
    mistake.write_text(MISTAKE)
    pyright = _pyright(mistake)
    assert pyright.returncode != 0 and '"function"' in pyright.stdout
    mypy = _mypy(mistake)
    assert mypy.returncode != 0 and '"function"' in mypy.stdout


@pytest.mark.parametrize(
    "files",
    [
        ["dotnet_file_search_annotations.sse"],
        ["dotnet_streaming_tool_call_1_requires_action.sse", "dotnet_streaming_tool_call_2_submit_outputs.sse"],
        ["azure_agents_parallel_fn_requires_action.sse"],
    ],
)
def test_ported_handler_runs_over_recorded_streams(files: list[str]) -> None:
    sys.path.insert(0, str(HANDLER.parent))
    try:
        from ported_handler import PortedHandler
    finally:
        sys.path.remove(str(HANDLER.parent))
    accumulator = runstream.Accumulator()
    handler = PortedHandler()
    for name in files:
        runstream.RunStream(str(RECORDINGS / name), accumulator=accumulator, handler=handler).until_done()
        accumulator.end()
    assert handler.printed
    if "requires_action" in files[0]:
        assert handler.outputs  # the requires_action tool calls were read
