"""The layers stay layered: the sans-IO core imports no I/O library, and no layer reaches up.

These are static checks over the source (every ``import`` statement, including ones inside
functions), so they hold for code paths that a test run might never execute.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "src" / "runstream"

# What the core and the wire model may import from outside the package: computation only.
# Anything that reaches a socket, a thread, an event loop, a process or a file is absent on
# purpose; the adapters in ``_streaming`` and ``_api`` bring I/O to the core.
PURE_STDLIB = {
    "__future__", "abc", "collections", "dataclasses", "enum", "functools", "inspect",
    "itertools", "math", "operator", "re", "types", "typing", "difflib", "codecs", "warnings", "keyword",
    "weakref",  # lazy snapshot views (core/views.py): no I/O
}
PURE_THIRD_PARTY = {"msgspec"}
# Single names of modules that also do I/O: ``from sys import getrefcount`` is computation
# (core/views.py: whether anyone still holds a step snapshot), ``import sys`` is not allowed.
PURE_NAMES = {"sys.getrefcount"}

# Layers, bottom up: a module may import its own layer and the layers below it.
LAYERS = ["errors", "_models", "_core", "_streaming", "_api", "_cli"]


def _modules_in(layer: str) -> list[Path]:
    path = PACKAGE_DIR / layer
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def _type_only_lines(tree: ast.Module) -> set[int]:
    """Lines under ``if TYPE_CHECKING:``: imports for annotations, never executed."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a run-time ``import`` statement in ``path`` names, as an absolute name."""
    package_parts = ["runstream", *path.relative_to(PACKAGE_DIR).with_suffix("").parts]
    if package_parts[-1] == "__init__":
        package_parts = package_parts[:-1]
    else:
        package_parts = package_parts[:-1]
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = _type_only_lines(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # ``from . import name``: each name is a module
                    found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
                    continue
            else:
                module = node.module or ""
                if module in {name.rpartition(".")[0] for name in PURE_NAMES}:
                    found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
                    continue
            found.append((node.lineno, module))
    return found


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "runstream" or len(parts) == 1:
        return None
    return parts[1] if parts[1] in LAYERS else None


@pytest.mark.parametrize("layer", ["errors", "_models", "_core"])
def test_the_core_imports_no_io_library(layer: str) -> None:
    offenders = []
    for path in _modules_in(layer):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top == "runstream":
                inner = _layer_of(module)
                if inner not in ("errors", "_models", "_core"):
                    offenders.append(f"{path.name}:{line} imports {module}")
            elif top not in PURE_STDLIB | PURE_THIRD_PARTY and module not in PURE_NAMES:
                offenders.append(f"{path.name}:{line} imports {module}")
    assert offenders == []


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_imports_a_layer_above_it(layer: str) -> None:
    rank = LAYERS.index(layer)
    offenders = []
    for path in _modules_in(layer):
        for line, module in _imports(path):
            inner = _layer_of(module)
            if inner is not None and LAYERS.index(inner) > rank:
                offenders.append(f"{path.relative_to(PACKAGE_DIR)}:{line} imports {module}")
    assert offenders == []


def test_importing_the_core_loads_no_io_library() -> None:
    # The static check above reads import statements; this one asks the interpreter. The core's
    # modules are loaded by path, without running ``runstream/__init__.py`` (which imports the
    # adapters on purpose), and then ``sys.modules`` must hold none of the I/O libraries.
    script = f"""
import importlib.util, sys, types
root = {str(PACKAGE_DIR)!r}
package = types.ModuleType("runstream"); package.__path__ = [root]; sys.modules["runstream"] = package
before = set(sys.modules)
import runstream.errors
import runstream._core.accumulator, runstream._core.sse, runstream._core.events, runstream._core.event_decoder
import runstream._core.verify, runstream._core.callbacks, runstream._core.resync
import runstream._core.tool_calls
loaded = set(sys.modules) - before
banned = {{"httpx", "httpx_sse", "anyio", "asyncio", "trio", "socket", "ssl", "threading",
          "subprocess", "h11", "httpcore"}}
print(sorted(name for name in loaded if name.split(".")[0] in banned))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_architecture_picture_matches_the_code() -> None:
    # docs/architecture.svg is generated from the source tree; a module added, moved or
    # renamed without redrawing it would leave the docs describing another package.
    script = PACKAGE_DIR.parents[1] / "scripts" / "draw_architecture.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_module_map_names_every_module() -> None:
    # docs/architecture.md's module map (and its sync/async table) must not describe another
    # package: a module added or renamed is named there.
    text = (PACKAGE_DIR.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        f"{layer}/{path.name}"
        for layer in ("_models", "_core", "_streaming", "_api", "_cli", "testing")
        for path in sorted((PACKAGE_DIR / layer).glob("*.py"))
        if path.name != "__init__.py" and f"`{path.name}`" not in text and f"{layer}/{path.name}" not in text
    ]
    assert missing == []


# ---- import cycles ---------------------------------------------------------------------------


def _module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _run_time_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement that can run, function bodies included (a deferred import is still an
    import), but not ``if TYPE_CHECKING:`` blocks (annotations only)."""
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            found.extend(_run_time_statements(node.orelse))
            continue
        found.append(node)
        for block in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, block, None)
            if isinstance(inner, list):
                found.extend(_run_time_statements(inner))
    return found


def _import_graph(root: Path) -> dict[str, set[str]]:
    """Which of the package's modules each module imports, when imported or later."""
    paths = {_module_name(root, path): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _run_time_statements(ast.parse(path.read_text(encoding="utf-8")).body):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    module = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                # ``from package import name`` imports the submodule ``name`` too, if it is one.
                targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            graph[name].update(target for target in targets if target in paths and target != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or around a loop (Tarjan's
    strongly connected components of more than one module)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return found


def test_the_cycle_finder_finds_cycles_and_ignores_type_only_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import A\n")
    (package / "a.py").write_text("from .sub import b\nA = 1\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import A\nfrom . import c\n"
    )
    (package / "sub" / "c.py").write_text("try:\n    from ..sub.b import later\nexcept ImportError:\n    pass\n")
    (package / "d.py").write_text("import pkg.e\n")
    (package / "e.py").write_text("def later():\n    from . import d\n")
    assert sorted(_cycles(_import_graph(package))) == [["pkg.d", "pkg.e"], ["pkg.sub.b", "pkg.sub.c"]]


@pytest.mark.slow  # parses every module: about a second on a loaded machine
def test_no_import_cycles_except_type_only_ones() -> None:
    # A cycle makes import order matter (a name may be read before the module defining it
    # has run) and ties together concepts the layout keeps apart; an import deferred into a
    # function hides it without removing it. Imports needed only for annotations sit under
    # ``if TYPE_CHECKING:``, the one exception.
    assert _cycles(_import_graph(PACKAGE_DIR)) == []


def test_every_module_names_its_concept_in_its_first_line() -> None:
    # One concept per module, named in the first line of its docstring (a generated module
    # opens with two comment lines saying where it comes from). Read as text: parsing every
    # module would cost a second.
    unnamed = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
        first = lines[0] if lines else ""
        if not (first.startswith('"""') and len(first.strip('"').strip()) > 10):
            unnamed.append(str(path.relative_to(PACKAGE_DIR)))
    assert unnamed == []
