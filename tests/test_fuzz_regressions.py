"""Regression tests of the coverage-guided fuzzer (fuzz/fuzz_decoder.py), without atheris.

* Every seed of ``fuzz/corpus/`` passes the fuzz target's checks (so the harness itself and
  its invariants hold on real streams).
* Every input kept in ``fuzz/regressions/`` (inputs that crashed the target) passes; those
  that reproduce a bug still open are strict xfails, named in ``OPEN`` (with the test of
  test_reliability_found.py that pins the bug down).
* A small in-suite fuzz: seeds mutated by hypothesis (bytes flipped, inserted, deleted,
  chunks duplicated) through the same target.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ_DIR = Path(__file__).resolve().parent.parent / "fuzz"


def _load_target() -> Any:
    spec = importlib.util.spec_from_file_location("fuzz_decoder", FUZZ_DIR / "fuzz_decoder.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


target = _load_target()
# The sans-IO checks below run alone; the tool loop over HTTP has tests of its own.
target.TOOL_LOOP = False
SEEDS = sorted((FUZZ_DIR / "corpus").iterdir())
REGRESSIONS = sorted((FUZZ_DIR / "regressions").iterdir())

#: Kept inputs that still crash: file name -> reason (see test_reliability_found.py).
#: (deep_nesting_recursion.sse raised RecursionError until decode_event caught it.)
OPEN: dict[str, str] = {}


HARNESSES = sorted(FUZZ_DIR.glob("fuzz_*.py"))


def _instrumented_modules(harness: Path) -> list[str]:
    """The modules a harness imports under ``atheris.instrument_imports`` (only when it is
    fuzzing, so the tests below would not see a stale name otherwise)."""
    names = []
    for node in ast.walk(ast.parse(harness.read_text())):
        if isinstance(node, ast.With) and "instrument_imports" in ast.unparse(node.items[0].context_expr):
            for statement in node.body:
                assert isinstance(statement, ast.Import), ast.unparse(statement)
                names += [alias.name for alias in statement.names]
    return names


@pytest.mark.parametrize("harness", HARNESSES, ids=lambda path: path.name)
def test_every_harness_imports_modules_that_exist(harness: Path) -> None:
    names = _instrumented_modules(harness)
    assert names, f"{harness.name} instruments nothing"
    for name in names:
        importlib.import_module(name)  # a module renamed since would raise here


@pytest.mark.slow
@pytest.mark.parametrize("harness", HARNESSES, ids=lambda path: path.name)
def test_every_harness_runs_as_a_script(harness: Path) -> None:
    seed = FUZZ_DIR / "corpus" / "small_tool_0.sse"
    done = subprocess.run([sys.executable, str(harness), "--check", str(seed)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{seed}: ok"


def test_there_are_seeds_and_regressions() -> None:
    assert len(SEEDS) >= 5 and REGRESSIONS
    assert set(OPEN) <= {path.name for path in REGRESSIONS}


@pytest.mark.parametrize("path", SEEDS, ids=lambda path: path.name)
def test_seed(path: Path) -> None:
    target.check(path.read_bytes())


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=OPEN[path.name])) if path.name in OPEN else path
        for path in REGRESSIONS
    ],
    ids=lambda path: path.name,
)
def test_kept_crash_input(path: Path) -> None:
    target.check(path.read_bytes())


SEED_BYTES = [path.read_bytes() for path in SEEDS if path.stat().st_size <= 10_000]


@st.composite
def mutated_seeds(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEED_BYTES)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "duplicate"]))
        if action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.sampled_from([b"\n", b"\r", b"\r\n", b"\n\n", b"[", b"{", b'"', b"\x00",
                                                              b"\xff", b"-1", b"data: ", b"event: done\n", b"null"]))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 400))]
    return bytes(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_seeds())
def test_mutated_seeds(data: bytes) -> None:
    target.test_one_input(data)  # open bugs (target.KNOWN) are not counted here


@pytest.mark.slow
@settings(max_examples=1000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_seeds())
def test_mutated_seeds_thoroughly(data: bytes) -> None:
    target.test_one_input(data)


# ---- the tool loop target ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [path for path in SEEDS + REGRESSIONS if path.stat().st_size <= 10_000],
                         ids=lambda path: path.name)
def test_tool_loop_over_a_kept_input(path: Path) -> None:
    target.check_tool_loop(path.read_bytes())


ARGUMENT_SHAPES = st.one_of(
    st.binary(max_size=200),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                 max_leaves=8).map(lambda value: json.dumps(value).encode()),
    st.integers(900, 1200).map(lambda depth: b'{"x": ' + b"[" * depth + b"]" * depth + b"}"),
)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARGUMENT_SHAPES)
def test_tool_loop_with_any_arguments(data: bytes) -> None:
    target.check_tool_loop(data)


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARGUMENT_SHAPES)
def test_tool_loop_with_any_arguments_thoroughly(data: bytes) -> None:
    target.check_tool_loop(data)
