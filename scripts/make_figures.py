"""Draw the documentation's figures from what runstream really does.

    python scripts/make_figures.py            # writes docs/figures/*.svg

- ``tool-run.svg``: the sequence of a run that calls a tool, from a real run against the fake
  server, with the callbacks each event fired (recorded by a handler);
- ``merge-rules.svg``: how deltas become snapshots, from real streams fed to an
  `Accumulator` (a message's text, two interleaved tool calls' arguments, after each event);
- ``demo.svg``: the terminal of ``runstream demo``, run in a pseudo-terminal and rendered
  as it ended up on screen.

The first two are deterministic (a test checks the checked-in files are what this script
draws); the demo's timings and ids change from run to run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

import runstream
from runstream.testing import FakeAssistantsServer, Scenario, ToolCallSpec

FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
INK, MUTED, ACCENT, SERVER, CODE = "#1f2328", "#57606a", "#0969da", "#8250df", "#1a7f37"


class Svg:
    """A small SVG canvas: text, lines, arrows and boxes, in document order."""

    def __init__(self, width: int, height: int, title: str) -> None:
        self.width, self.height = width, height
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
            "<defs>"
            + "".join(
                f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
                for name, color in (("ink", INK), ("accent", ACCENT), ("server", SERVER), ("code", CODE))
            )
            + "</defs>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        ]

    def text(self, x: float, y: float, content: str, *, size: int = 13, color: str = INK, anchor: str = "start",
             mono: bool = False, weight: str = "normal") -> None:
        family = FONT if mono else SANS
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-family="{family}" font-size="{size}" fill="{color}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(content)}</text>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, *, color: str = MUTED, dash: bool = False,
             width: float = 1.0) -> None:
        pattern = ' stroke-dasharray="5 4"' if dash else ""
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
            f'stroke-width="{width}"{pattern}/>'
        )

    def arrow(self, x1: float, y1: float, x2: float, y2: float, *, marker: str = "ink", color: str = INK,
              dash: bool = False) -> None:
        pattern = ' stroke-dasharray="6 4"' if dash else ""
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" stroke-width="1.4"'
            f'{pattern} marker-end="url(#arrow-{marker})"/>'
        )

    def box(self, x: float, y: float, width: float, height: float, *, fill: str, stroke: str = "none",
            radius: int = 6) -> None:
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="{radius}" '
            f'fill="{fill}" stroke="{stroke}"/>'
        )

    def render(self) -> str:
        return "\n".join([*self.parts, "</svg>", ""])


# ---- the tool run ------------------------------------------------------------------------------


def record_tool_run() -> list[tuple[str, list[str]]]:
    """(what happened, callbacks fired) for a run with one tool call, in order."""
    steps: list[tuple[str, list[str]]] = []

    class Recorder(runstream.EventHandler):
        def on_event(self, event: runstream.AssistantStreamEvent) -> None:
            steps.append((event.event, []))

    def recorder(name: str) -> object:
        def callback(self: object, *arguments: object) -> None:
            steps[-1][1].append(name)

        return callback

    for name in dir(runstream.EventHandler):
        if name.startswith("on_") and name != "on_event":
            setattr(Recorder, name, recorder(name))

    def get_weather(city: str) -> str:
        steps.append((f"tool get_weather(city={city!r})", []))
        return "18 °C, cloudy"

    scenario = (
        Scenario(assistant_id="asst_1", seed=4, created_at=1_767_225_600)
        .tool_calls([ToolCallSpec("get_weather", '{"city": "Paris"}')])
        .message("It is 18 °C and cloudy in Paris.")
    )
    with FakeAssistantsServer([scenario]) as server, runstream.Client(base_url=server.base_url, api_key="k") as client:
        thread = client.create_thread()
        steps.append(("request POST /threads/{thread_id}/runs  (stream: true)", []))
        client.run_tools(thread.id, assistant_id="asst_1", tools={"get_weather": get_weather},
                         handler=Recorder()).until_done()
    # The submission request sits between the tool call and the continuation's events.
    submit_at = next(i for i, (what, _) in enumerate(steps) if what.startswith("tool ")) + 1
    steps.insert(submit_at, ("request POST …/runs/{run_id}/submit_tool_outputs  (stream: true)", []))
    return steps


def collapse(steps: Iterable[tuple[str, list[str]]]) -> list[tuple[str, int, list[str]]]:
    """Runs of the same event become one row (``× count``); their callbacks are united."""
    rows: list[tuple[str, int, list[str]]] = []
    for what, callbacks in steps:
        if rows and rows[-1][0] == what and what.endswith(".delta"):
            name, count, seen = rows[-1]
            rows[-1] = (name, count + 1, seen + [c for c in callbacks if c not in seen])
        else:
            rows.append((what, 1, list(callbacks)))
    return rows


def tool_run_svg() -> str:
    rows = collapse(record_tool_run())
    code_x, lib_x, server_x = 120, 510, 880
    top, step = 78, 30
    height = top + step * len(rows) + 24
    svg = Svg(1020, height, "Sequence of a run with one tool call: events, callbacks, submission, continuation")
    for x, label, color in ((code_x, "your code (handler, tools)", CODE), (lib_x, "runstream (stream, tool loop)", ACCENT),
                            (server_x, "server", SERVER)):
        svg.box(x - 115, 14, 230, 32, fill="#f6f8fa", stroke=color)
        svg.text(x, 35, label, size=13, anchor="middle", weight="600", color=color)
        svg.line(x, 46, x, height - 16, dash=True)
    y = top
    for what, count, callbacks in rows:
        if what.startswith("request "):
            svg.arrow(lib_x, y, server_x - 4, y, marker="accent", color=ACCENT)
            svg.text((lib_x + server_x) / 2, y - 6, what.removeprefix("request "), size=11, anchor="middle",
                     mono=True, color=ACCENT)
        elif what.startswith("tool "):
            svg.arrow(lib_x, y - 4, code_x + 4, y - 4, marker="code", color=CODE)
            svg.arrow(code_x, y + 6, lib_x - 4, y + 6, marker="code", color=CODE, dash=True)
            svg.text((code_x + lib_x) / 2, y - 9, what.removeprefix("tool ") + " → output", size=11,
                     anchor="middle", mono=True, color=CODE)
        else:
            label = what + (f"  × {count}" if count > 1 else "")
            svg.arrow(server_x, y, lib_x + 4, y, marker="server", color=SERVER)
            svg.text((lib_x + server_x) / 2, y - 6, label, size=11, anchor="middle", mono=True, color=SERVER)
            if callbacks:
                svg.arrow(lib_x, y, code_x + 4, y, marker="ink", color=INK)
                text = ", ".join(callbacks)
                svg.text((code_x + lib_x) / 2, y - 6, text, size=10.5 if len(text) > 48 else 11, anchor="middle",
                         mono=True)
            if what == "done" and y < top + step * (len(rows) - 1):
                svg.line(code_x - 110, y + step / 2, server_x + 130, y + step / 2, color="#d0d7de")
                svg.text(server_x + 10, y + step / 2 + 14, "continuation stream", size=11, color=MUTED)
        y += step
    svg.text(server_x + 10, top - 14, "first stream", size=11, color=MUTED)
    return svg.render()


# ---- the merge rules -----------------------------------------------------------------------------


Row = tuple[str, str, str, str, str]  # event, merge key, what it carries, rule, snapshot after


def merge_rows() -> list[Row]:
    """The events of a short message, as an `Accumulator` merges them."""
    scenario = Scenario(thread_id="thread_1", seed=8, created_at=1_767_225_600, fragment_size=6).message(
        "It is 18 °C [1].", annotations=[{"text": "[1]", "file_id": "file_w"}]
    )
    accumulator = runstream.Accumulator()
    rows: list[Row] = []
    for name, data in scenario.segments()[0]:
        event = runstream.decode_event(name, data)
        accumulator.feed(event)
        if not name.startswith("thread.message"):
            continue
        message = accumulator.messages[-1]
        text = message.content[0].text if message.content else None  # type: ignore[union-attr]
        snapshot = f'"{text.value}"' if text is not None else "(no content yet)"
        if text is not None and text.annotations:
            snapshot += f" + {len(text.annotations)} annotation"
        if name == "thread.message.delta":
            part = event.data.delta.content[0]  # type: ignore[union-attr]
            key = f"(msg, {part.index})"
            carried = f'text.value "{part.text.value or ""}"'  # type: ignore[union-attr]
            rule = "append"
            if part.text.annotations:  # type: ignore[union-attr]
                carried += f" + annotations[{part.text.annotations[0].index}]"  # type: ignore[union-attr]
                rule = "append + set"
        elif name == "thread.message.created":
            key, carried, rule = "msg", "the message, no content", "create"
        elif name == "thread.message.completed":
            key, carried, rule = "msg", "the server's final message", "replace"
        else:
            key, carried, rule = "msg", f"status {message.status!r}", "set"
        rows.append((name, key, carried, rule, snapshot))
    return rows


def tool_call_rows() -> list[Row]:
    """The step events of two parallel function calls whose fragments interleave, and the
    step's completion in the continuation stream."""
    calls = [ToolCallSpec("get_weather", '{"city":"Paris"}', output="18 °C"),
             ToolCallSpec("get_time", '{"city":"Tokyo"}', output="21:05")]
    scenario = Scenario(thread_id="thread_1", seed=8, created_at=1_767_225_600, fragment_size=7).tool_calls(
        calls, interleave="round_robin").message("Done.")
    accumulator = runstream.Accumulator()
    rows: list[Row] = []
    segments = scenario.segments()
    for index, segment in enumerate(segments[:2]):
        for name, data in segment:
            event = runstream.decode_event(name, data)
            accumulator.feed(event)
            if not name.startswith("thread.run.step") or name == "thread.run.step.in_progress":
                continue
            if index == 1 and name != "thread.run.step.completed":
                continue
            step = accumulator.run_steps[0]
            current = step.step_details.tool_calls  # type: ignore[union-attr]
            snapshot = "  ".join(f"[{n}] '{call.function.arguments}'" for n, call in enumerate(current))
            if name == "thread.run.step.delta":
                delta = event.data.delta.step_details.tool_calls[0]  # type: ignore[union-attr]
                key = f"(step, {delta.index})"
                if delta.function.name:
                    carried, rule = f"id, type, name {delta.function.name}", "set"
                else:
                    carried, rule = f"function.arguments '{delta.function.arguments}'", "append"
            elif name == "thread.run.step.created":
                key, carried, rule, snapshot = "step", "the step, no calls yet", "create", "(no calls yet)"
            else:
                outputs = ", ".join(f"'{call.function.output}'" for call in current)
                key, carried, rule = "step", f"final step, outputs {outputs}", "replace"
            rows.append((name, key, carried, rule, snapshot))
            if index == 1:
                return rows
    return rows


def merge_rules_svg() -> str:
    sections = [("A message: the text grows by appending; the completed message replaces the snapshot", merge_rows()),
                ("Two parallel function calls: fragments interleave, each lands under its key (step id, index)",
                 tool_call_rows())]
    width, step = 1100, 30
    height = 30 + sum(64 + step * len(rows) for _, rows in sections)
    svg = Svg(width, height, "Merge rules: how deltas build snapshots, by key, and final objects replace them")
    columns = ((16, "event on the wire"), (240, "key"), (318, "what it carries"), (640, "rule"),
               (760, "snapshot after it"))
    colors = {"append": ACCENT, "append + set": ACCENT, "replace": SERVER, "set": CODE, "create": INK}
    y = 22.0
    for title, rows in sections:
        svg.text(12, y + 6, title, size=14, weight="600")
        y += 30
        for x, heading in columns:
            svg.text(x, y, heading, size=12, weight="600", color=MUTED)
        svg.line(12, y + 8, width - 12, y + 8, color="#d0d7de")
        y += 28
        for number, (name, key, carried, rule, snapshot) in enumerate(rows):
            if number % 2 == 0:
                svg.box(8, y - 19, width - 16, step, fill="#f6f8fa", radius=4)
            svg.text(16, y, name, size=11.5, mono=True, color=SERVER)
            svg.text(240, y, key, size=11.5, mono=True, color=MUTED)
            svg.text(318, y, carried, size=11.5, mono=True)
            color = colors.get(rule, INK)
            svg.box(636, y - 15, 104, 21, fill="#ffffff", stroke=color, radius=10)
            svg.text(688, y, rule, size=11.5, anchor="middle", color=color, weight="600")
            svg.text(760, y, snapshot, size=11.5, mono=True)
            y += step
        y += 6
    return svg.render()


# ---- the demo's terminal -------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def screen_of(output: str, width: int = 100) -> list[str]:
    """The lines a terminal shows after printing ``output`` (carriage returns overwrite)."""
    lines: list[str] = [""]
    column = 0
    for piece in re.split(r"(\r\n|\n|\r)", _ANSI.sub("", output)):
        if piece in ("\r\n", "\n"):
            lines.append("")
            column = 0
        elif piece == "\r":
            column = 0
        else:
            line = lines[-1]
            line = line[:column] + piece + line[column + len(piece):]
            lines[-1] = line
            column += len(piece)
    return [line.rstrip()[:width] for line in lines]


def run_demo() -> str:
    """The bytes ``runstream demo`` writes to a terminal (a pseudo-terminal here)."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "runstream", "demo"], stdin=follower, stdout=follower,
                               stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: the demo ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait()
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def terminal_svg(lines: list[str], title: str) -> str:
    char, line_height, pad = 7.8, 18, 16
    columns = max((len(line) for line in lines), default=40)
    width = int(max(columns, 60) * char + 2 * pad)
    height = int(len(lines) * line_height + 2 * pad + 30)
    svg = Svg(width, height, title)
    svg.box(0, 0, width, height, fill="#0d1117", radius=10)
    for index, color in enumerate(("#ff5f56", "#ffbd2e", "#27c93f")):
        svg.parts.append(f'<circle cx="{18 + index * 18}" cy="16" r="5.5" fill="{color}"/>')
    svg.text(width / 2, 20, "runstream demo", size=12, anchor="middle", color="#8b949e")
    y = 30 + pad + 4
    for line in lines:
        color = "#e6edf3"
        if line.startswith("[run"):
            color = "#79c0ff"
        elif line.lstrip().startswith(("tool call", "->")):
            color = "#7ee787"
        elif line.startswith("summary") or line.startswith("fake Assistants"):
            color = "#d2a8ff"
        svg.parts.append(
            f'<text x="{pad}" y="{y}" font-family="{FONT}" font-size="13" fill="{color}" '
            f'xml:space="preserve">{escape(line)}</text>'
        )
        y += line_height
    return svg.render()


def demo_svg() -> str:
    lines = screen_of(run_demo())
    while lines and not lines[-1]:
        lines.pop()
    return terminal_svg(lines, "The terminal after runstream demo: the run's status changes, tool calls and the answer")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIGURES, help="where to write the SVG files")
    parser.add_argument("--skip-demo", action="store_true", help="do not run the demo (its figure changes each run)")
    arguments = parser.parse_args(argv)
    arguments.out.mkdir(parents=True, exist_ok=True)
    figures = {"tool-run.svg": tool_run_svg, "merge-rules.svg": merge_rules_svg}
    if not arguments.skip_demo:
        figures["demo.svg"] = demo_svg
    for name, draw in figures.items():
        (arguments.out / name).write_text(draw(), encoding="utf-8")
        print(f"wrote {arguments.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
