"""The documentation's examples run, so the docs cannot rot.

Every ```python block of ``docs/*.md`` and ``README.md`` is executed: a page's blocks in
order, in one namespace, in a fresh temporary working directory. Rules a page can use:

- A python block followed (blank lines aside) by a ```` ```text title="Output" ```` block
  must print exactly that text (trailing spaces and blank lines aside).
- Functions named ``test_*`` that a page defines are then called like pytest would, with
  fixtures (``fake_assistants_server``, ``tmp_path``...) passed by argument name, so the
  examples of the testing guide run as tests. Coroutine functions run under anyio.
- ``<!-- needs: openai -->`` on the line before a block runs it only when the ``openai``
  package is importable (its deprecation warnings ignored); ``<!-- needs: azure.ai.agents -->``
  likewise. Only the migration guide's "before" examples may use them.

Also checked: the API reference names every public name, the nav lists every page, and,
when mkdocs is installed (the ``docs`` extra), ``mkdocs build --strict`` passes.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import inspect
import io
import os
import re
import subprocess
import sys
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]
NEEDS_MARKER = re.compile(r"<!--\s*needs:\s*([\w.\-]+)\s*-->")
# Pages whose blocks may be skipped by a `needs` marker.
NEEDS_ALLOWED = {"migration.md"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*)$")


@dataclass
class Block:
    """One fenced code block of a page."""

    language: str
    info: str
    code: str
    line: int  # 1-based line of the first code line
    needs: str | None = None
    output: str | None = None  # the expected output, from a following "Output" block


def read_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order, with their markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    pending_needs: str | None = None
    previous_code_block_end = -2
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = NEEDS_MARKER.search(line)
        if marker:
            pending_needs = marker.group(1)
            index += 1
            continue
        match = FENCE.match(line)
        if not match:
            if line.strip():
                pending_needs = None
            index += 1
            continue
        indent, fence, info = match.group("indent"), match.group("fence"), match.group("info").strip()
        language = info.split()[0].lower() if info else ""
        body: list[str] = []
        start = index + 1
        index += 1
        while index < len(lines):
            closing = lines[index].strip()
            if closing.startswith(fence[0] * len(fence)) and set(closing) == {fence[0]}:
                break
            text = lines[index]
            body.append(text[len(indent):] if text.startswith(indent) else text.lstrip())
            index += 1
        block = Block(language, info, "\n".join(body) + "\n", start + 1, pending_needs)
        pending_needs = None
        is_output = language == "text" and re.search(r'title="Output"', info) is not None
        gap_is_blank = all(not lines[i].strip() for i in range(previous_code_block_end + 1, start - 1))
        if is_output and blocks and blocks[-1].language == "python" and gap_is_blank:
            blocks[-1].output = block.code
        blocks.append(block)
        previous_code_block_end = index
        index += 1
    return blocks


def python_blocks(path: Path) -> list[Block]:
    """The Python examples of a page."""
    return [block for block in read_blocks(path) if block.language in ("python", "py")]


def _normalize(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).rstrip()


def _run_block(path: Path, block: Block, namespace: dict[str, object]) -> str:
    # Leading newlines keep the page's line numbers in tracebacks.
    code = compile("\n" * (block.line - 1) + block.code, str(path), "exec")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if block.needs == "openai":
            with warnings.catch_warnings():
                # openai-python marks its Assistants API deprecated; the example is about it.
                warnings.simplefilter("ignore", DeprecationWarning)
                exec(code, namespace)
        else:
            exec(code, namespace)
    return out.getvalue()


def _call_page_tests(namespace: dict[str, object], request: pytest.FixtureRequest) -> list[str]:
    """Call the ``test_*`` functions a page defined, with fixtures by argument name."""
    called = []
    for name, function in list(namespace.items()):
        if not name.startswith("test_") or not inspect.isfunction(function):
            continue
        if function.__module__ != namespace["__name__"]:
            continue  # imported, not defined by the page
        arguments = {
            parameter: request.getfixturevalue(parameter) for parameter in inspect.signature(function).parameters
        }
        if inspect.iscoroutinefunction(function):
            anyio.run(functools.partial(function, **arguments))
        else:
            function(**arguments)
        called.append(name)
    return called


@pytest.mark.parametrize("path", [page for page in PAGES if python_blocks(page)], ids=lambda path: path.name)
def test_page_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           request: pytest.FixtureRequest) -> None:
    """Every python block of the page runs (in order, one namespace) and prints what the
    page says it prints."""
    blocks = python_blocks(path)
    monkeypatch.chdir(tmp_path)
    module_name = f"docs_{path.stem.replace('-', '_')}"
    module = types.ModuleType(module_name)
    # Registered so that classes and dataclasses a page defines have a real module.
    monkeypatch.setitem(sys.modules, module_name, module)
    namespace = module.__dict__
    for block in blocks:
        if block.needs is not None and not _importable(block.needs):
            continue
        printed = _run_block(path, block, namespace)
        if block.output is not None:
            assert _normalize(printed) == _normalize(block.output), (
                f"{path.name}:{block.line}: the example printed\n{printed}\ninstead of\n{block.output}"
            )
    _call_page_tests(namespace, request)


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a parent package is missing
        return False


def test_needs_markers_only_where_allowed() -> None:
    """Only the migration guide's "before" examples may be skipped; everything else runs."""
    for path in PAGES:
        for block in read_blocks(path):
            if block.needs is not None:
                assert path.name in NEEDS_ALLOWED, f"{path.name}:{block.line}: examples must run unconditionally"
                assert block.language == "python", f"{path.name}:{block.line}: a marker on a non-python block"


def test_output_blocks_follow_python_examples() -> None:
    """An "Output" block belongs to the python example right before it."""
    for path in PAGES:
        blocks = read_blocks(path)
        for previous, block in zip([None, *blocks], blocks):
            if block.language == "text" and 'title="Output"' in block.info:
                assert previous is not None and previous.output == block.code, (
                    f"{path.name}:{block.line}: an Output block must directly follow a python block"
                )


def _public_names(module: types.ModuleType) -> set[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    return {name for name in names if not isinstance(getattr(module, name), types.ModuleType)}


def test_reference_names_every_public_name() -> None:
    """docs/reference.md mentions every name importable from runstream and runstream.testing."""
    import runstream
    import runstream.errors
    import runstream.events
    import runstream.notifications
    import runstream.testing
    import runstream.testing.pytest_plugin
    import runstream.types

    reference = (DOCS / "reference.md").read_text(encoding="utf-8")
    missing = [
        f"{module.__name__}.{name}"
        for module in (
            runstream,
            runstream.errors,
            runstream.events,
            runstream.notifications,
            runstream.types,
            runstream.testing,
            runstream.testing.pytest_plugin,
        )
        for name in sorted(_public_names(module))
        if not re.search(rf"\b{re.escape(name)}\b", reference)
        and name != "annotations"  # from __future__, if ever imported there
    ]
    assert not missing, f"add these to docs/reference.md: {', '.join(missing)}"


def _nav_files() -> set[str]:
    """The pages the mkdocs nav lists (read without a YAML parser: ``- Title: page.md``)."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = re.search(r"^nav:\n((?:[ \t]+.*\n|\n)+)", config, re.MULTILINE)
    assert nav is not None, "mkdocs.yml has no nav"
    return set(re.findall(r"([\w./-]+\.md)\s*$", nav.group(1), re.MULTILINE))


def test_nav_lists_every_page() -> None:
    """Every page under docs/ is in the mkdocs nav, and every nav entry that is ours exists."""
    in_nav = _nav_files()
    pages = {path.name for path in DOCS.glob("*.md")}
    assert pages <= in_nav, f"pages missing from the nav: {sorted(pages - in_nav)}"
    # benchmarks.md and reliability.md are written separately; the build checks them.
    ours = in_nav - {"benchmarks.md", "reliability.md"}
    assert ours <= pages, f"nav entries without a page: {sorted(ours - pages)}"


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path: Path) -> None:
    """The documented build command passes: ``mkdocs build --strict``, offline (10-15 s: in
    the slow tier; the fast one checks the pages' examples, nav and the API reference)."""
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (the docs extra: pip install -e '.[docs]')")
    missing = [name for name in ("benchmarks.md", "reliability.md") if not (DOCS / name).exists()]
    if missing:
        pytest.skip(f"not written yet: {', '.join(missing)}")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
