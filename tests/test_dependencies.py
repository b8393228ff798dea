"""Every third-party module runstream imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "runstream"

#: Modules imported under another name than their distribution's, or only where declared
#: elsewhere: pytest by the pytest plugin (loaded by pytest itself), typing_extensions only
#: for type checkers (under TYPE_CHECKING).
IMPORTED_AS = {"httpx_sse": "httpx-sse"}
NOT_AT_RUNTIME = {"pytest", "typing_extensions"}


def _imported_modules() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "runstream"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}


def test_every_imported_third_party_module_is_declared() -> None:
    imported = _imported_modules() - NOT_AT_RUNTIME
    missing = {IMPORTED_AS.get(name, name) for name in imported} - _declared()
    assert missing == set()
    assert "h11" in imported  # the fake server's HTTP: what this test was written for
