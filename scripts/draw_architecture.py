"""Draw docs/architecture.svg from the source tree: the data flow and the layers' modules.

The picture is generated, never edited by hand: the layers and their modules are read from
``src/runstream`` (each module's box carries the first line of its docstring as a tooltip),
and every class named in the data flow is looked up in the package, so a rename that the
picture would contradict fails here. ``tests/test_architecture.py`` checks that the committed
file matches, so the picture cannot drift from the code.

Usage: ``python scripts/draw_architecture.py`` (writes the file) or ``--check`` (exit 1 if
the committed file differs).
"""

from __future__ import annotations

import argparse
import ast
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "src" / "runstream"
OUTPUT = ROOT / "docs" / "architecture.svg"

# Top to bottom, as the picture stacks them: each layer may import only the ones below it.
LAYERS = [
    ("_cli", "command line", "replay, check, serve, record, demo"),
    ("_api", "clients", "httpx, tool loop, re-sync"),
    ("_streaming", "adapters", "sources, streams, handlers"),
    ("_core", "sans-IO core", "no I/O: a test proves it"),
    ("_models", "wire model", "msgspec Structs; errors.py"),
]
# Vertical slices for the other stream dialects: each holds its own model, core and adapters.
DIALECTS = ["_chat", "_responses"]

# The data flow, left to right: (label, the runstream name it stands for or None, caption).
FLOW = [
    ("bytes", None, "any source"),
    ("SSEDecoder", "SSEDecoder", "WHATWG framing"),
    ("ServerSentEvent", "ServerSentEvent", "event, data, id"),
    ("EventDecoder", "EventDecoder", "a decoder per name"),
    ("typed event", "events.AssistantStreamEvent", "Run, Step, Message, delta"),
    ("Accumulator", "Accumulator", "merge by the wire's keys"),
    ("notifications", "notifications.Notification", "one per happening"),
]
SINKS = [
    ("EventHandler.on_*", "EventHandler"),
    ("RunStream iteration, snapshots()", "RunStream"),
    ("final_run(), final_messages()", "RunStream"),
]

BOX_H = 46
FONT = "font-family:Helvetica,Arial,sans-serif"


def _first_doc_line(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.splitlines()[0] if doc else ""


def _modules(layer: str) -> list[tuple[str, str]]:
    directory = PACKAGE_DIR / layer
    return [
        (path.stem, _first_doc_line(path))
        for path in sorted(directory.glob("*.py"))
        if path.stem != "__init__"
    ]


def _check_names() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import importlib

    runstream = importlib.import_module("runstream")
    for _, name, _ in FLOW:
        if name is not None:
            target = runstream
            for part in name.split("."):
                target = getattr(target, part)
    for _, name in SINKS:
        getattr(runstream, name)


def _box(x: float, y: float, w: float, h: float, title: str, caption: str, fill: str, tip: str = "") -> str:
    tooltip = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<g>{tooltip}<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="6" '
        f'fill="{fill}" stroke="#37474f" stroke-width="1"/>'
        f'<text x="{x + w / 2:.0f}" y="{y + 19:.0f}" text-anchor="middle" style="{FONT};font-size:13px;'
        f'font-weight:bold" fill="#102027">{escape(title)}</text>'
        f'<text x="{x + w / 2:.0f}" y="{y + 35:.0f}" text-anchor="middle" style="{FONT};font-size:10.5px" '
        f'fill="#37474f">{escape(caption)}</text></g>'
    )


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#37474f" '
        f'stroke-width="1.4" marker-end="url(#head)"/>'
    )


def render() -> str:
    _check_names()
    parts: list[str] = []
    width = 1180
    # The data flow.
    parts.append(f'<text x="20" y="28" style="{FONT};font-size:16px;font-weight:bold">From bytes to callbacks</text>')
    box_w, gap, y = 140.0, 20.0, 44.0
    for index, (label, _, caption) in enumerate(FLOW):
        x = 20 + index * (box_w + gap)
        core = 1 <= index <= 6
        parts.append(_box(x, y, box_w, BOX_H, label, caption, "#e3f2fd" if core else "#fff8e1"))
        if index:
            parts.append(_arrow(x - gap, y + BOX_H / 2, x - 2, y + BOX_H / 2))
    last_x = 20 + (len(FLOW) - 1) * (box_w + gap)
    sink_y = y + BOX_H + 34
    sink_w = 250.0
    for index, (label, _) in enumerate(SINKS):
        sx = last_x + box_w - sink_w - (len(SINKS) - 1 - index) * (sink_w + 16)
        parts.append(_box(sx, sink_y, sink_w, 34, label, "", "#e8f5e9"))
        parts.append(_arrow(last_x + box_w / 2, y + BOX_H, sx + sink_w / 2, sink_y - 2))
    parts.append(
        f'<text x="20" y="{sink_y + 22:.0f}" style="{FONT};font-size:11px" fill="#37474f">'
        "blue: the sans-IO core (pure state machines)</text>"
    )
    # The layers.
    top = sink_y + 70
    parts.append(f'<text x="20" y="{top:.0f}" style="{FONT};font-size:16px;font-weight:bold">'
                 "Layers: each imports only those below it</text>")
    row_y = top + 14
    label_w = 190.0
    for layer, title, caption in LAYERS:
        modules = _modules(layer)
        per_row = 6
        rows = max(1, -(-len(modules) // per_row))
        band_h = rows * (BOX_H - 10 + 8) + 12
        fill = "#e3f2fd" if layer in ("_core", "_models") else "#fafafa"
        parts.append(f'<rect x="16" y="{row_y:.0f}" width="{width - 32}" height="{band_h:.0f}" rx="8" '
                     f'fill="{fill}" stroke="#b0bec5"/>')
        parts.append(f'<text x="28" y="{row_y + 22:.0f}" style="{FONT};font-size:13px;font-weight:bold">'
                     f"{escape(layer)}/ · {escape(title)}</text>")
        parts.append(f'<text x="28" y="{row_y + 38:.0f}" style="{FONT};font-size:10.5px" fill="#37474f">'
                     f"{escape(caption)}</text>")
        module_w = (width - 32 - label_w - 12) / per_row - 8
        for index, (name, doc) in enumerate(modules):
            mx = 16 + label_w + (index % per_row) * (module_w + 8)
            my = row_y + 8 + (index // per_row) * (BOX_H - 2)
            parts.append(
                f'<g><title>{escape(doc)}</title><rect x="{mx:.0f}" y="{my:.0f}" width="{module_w:.0f}" '
                f'height="{BOX_H - 10}" rx="5" fill="#ffffff" stroke="#78909c"/>'
                f'<text x="{mx + module_w / 2:.0f}" y="{my + 22:.0f}" text-anchor="middle" '
                f'style="{FONT};font-size:12px">{escape(name)}.py</text></g>'
            )
        row_y += band_h + 8
    # The faces and the dialect slices.
    faces = "runstream · runstream.types · .events · .notifications · .errors · .testing"
    parts.append(f'<text x="20" y="{row_y + 20:.0f}" style="{FONT};font-size:12px">'
                 f"Public faces over the layers: {escape(faces)}</text>")
    dialects = [d for d in DIALECTS if (PACKAGE_DIR / d).is_dir()]
    if dialects:
        listing = "; ".join(f"{d}/ ({', '.join(name for name, _ in _modules(d))})" for d in dialects)
        parts.append(f'<text x="20" y="{row_y + 40:.0f}" style="{FONT};font-size:12px">'
                     f"Other dialects, one package each: {escape(listing)}</text>")
    height = row_y + 56
    defs = ('<defs><marker id="head" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
            '<path d="M0,0 L8,4 L0,8 z" fill="#37474f"/></marker></defs>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="runstream architecture">'
        f'{defs}<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(parts) + "</svg>\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/architecture.svg is out of date")
    args = parser.parse_args()
    picture = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != picture:
            print("docs/architecture.svg is out of date: run python scripts/draw_architecture.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(picture, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
