"""The documentation's figures are drawn from what runstream does, by
``scripts/make_figures.py``: the checked-in ones are what the script draws today."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "scripts" / "make_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_figures", module)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_diagrams_are_what_the_script_draws() -> None:
    script = load_script()
    assert (FIGURES / "tool-run.svg").read_text(encoding="utf-8") == script.tool_run_svg(), (
        "run: python scripts/make_figures.py"
    )
    assert (FIGURES / "merge-rules.svg").read_text(encoding="utf-8") == script.merge_rules_svg()


def test_the_tool_run_follows_a_real_run() -> None:
    rows = load_script().collapse(load_script().record_tool_run())
    order = [what for what, _, _ in rows]
    tool = next(i for i, what in enumerate(order) if what.startswith("tool "))
    assert order[tool - 1] == "done" and order[tool + 1].endswith("submit_tool_outputs  (stream: true)")
    callbacks = {what: fired for what, _, fired in rows}
    assert callbacks["thread.run.requires_action"] == ["on_run_status", "on_tool_call_done", "on_requires_action"]
    assert callbacks["thread.message.completed"] == ["on_text_done", "on_message_done"]
    assert order[-1] == "done" and rows[-1][2] == ["on_end"]


def test_merge_rows_show_append_set_and_replace() -> None:
    rows = load_script().merge_rows()
    assert [rule for _, _, _, rule, _ in rows].count("append") >= 2
    assert rows[-1][3] == "replace" and rows[-1][4] == rows[-2][4]
    texts = [re.match(r'"(.*)"', snapshot).group(1) for name, _, _, _, snapshot in rows  # type: ignore[union-attr]
             if name == "thread.message.delta"]
    assert all(later.startswith(earlier) and later != earlier for earlier, later in zip(texts, texts[1:]))
    assert texts[-1] == "It is 18 °C [1]."


def test_interleaved_tool_call_fragments_land_under_their_keys() -> None:
    rows = load_script().tool_call_rows()
    appended = [(key, snapshot) for _, key, _, rule, snapshot in rows if rule == "append"]
    assert [key for key, _ in appended][:4] == ["(step, 0)", "(step, 1)", "(step, 0)", "(step, 1)"]
    assert appended[-1][1] == """[0] '{"city":"Paris"}'  [1] '{"city":"Tokyo"}'"""
    assert rows[-1][0] == "thread.run.step.completed" and rows[-1][3] == "replace"
    assert rows[-1][2] == "final step, outputs '18 °C', '21:05'" and rows[-1][4] == appended[-1][1]


def test_the_terminal_screen_honours_carriage_returns_and_drops_colours() -> None:
    screen = load_script().screen_of("first\r\n  live 1\r  live 22\r" + " " * 12 + "\r  done\n\x1b[1mbold\x1b[0m\n")
    assert screen == ["first", "  done", "bold", ""]


def test_the_demo_figure_is_an_svg_of_the_demo_terminal() -> None:
    text = (FIGURES / "demo.svg").read_text(encoding="utf-8")
    lines = [re.sub(r"<[^>]+>", "", line) for line in re.findall(r"<text[^>]*xml:space[^>]*>.*?</text>", text)]
    assert any(line.startswith("[run requires_action]") for line in lines)
    assert any(line.startswith("[run completed]") for line in lines)
    assert "discrepancies between deltas and final objects: 0" in "".join(lines)


def test_the_pages_show_the_figures() -> None:
    assert "figures/tool-run.svg" in (ROOT / "docs" / "tool-loop.md").read_text(encoding="utf-8")
    assert "figures/merge-rules.svg" in (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    assert "docs/figures/demo.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
