"""The live commands of ``runstream``: ``demo``, ``serve`` and ``record``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any, TextIO

from .._api.client import Client
from .._core.events import DoneEvent
from .._models.message import TextDelta
from .._models.run import Run
from .._models.run_step import ToolCall, ToolCallDelta
from .._streaming.handlers import EventHandler
from ..errors import RunstreamError
from .common import EXIT_OK, CommandError, non_negative_seconds, printable, split_streams

__all__ = ["DemoPrinter", "demo_weather", "register_commands"]

_WEATHER = {
    "paris": {"temperature_c": 18, "sky": "cloudy"},
    "tokyo": {"temperature_c": 22, "sky": "clear"},
    "lima": {"temperature_c": 16, "sky": "foggy"},
}


def demo_weather(city: str) -> dict[str, Any]:
    """The demo's tool: the (made-up) current weather of a city."""
    return {"city": city, **_WEATHER.get(city.lower(), {"temperature_c": 20, "sky": "unknown"})}


class DemoPrinter(EventHandler):
    """Prints a run live: tool arguments and text as they arrive, status changes, and a
    status line with the event rate."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.events = 0
        self.started = time.monotonic()
        self.tty = out.isatty()
        self.calls: dict[int, ToolCall] = {}

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def on_event(self, event: Any) -> None:
        # The run's events: the done marker that ends each stream is not one of them (else
        # the last status line, written before the final done, would be one short).
        if type(event) is not DoneEvent:
            self.events += 1

    def on_run_status(self, run: Run, previous_status: str | None) -> None:
        elapsed = time.monotonic() - self.started
        rate = self.events / elapsed if elapsed > 0 else 0.0
        self._write(f"\n[run {run.status}]  {self.events} events, {rate:,.0f} events/s\n")

    def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        # Parallel calls stream interleaved: show them side by side on one live line.
        self.calls[getattr(delta, "index", 0)] = snapshot
        if self.tty:
            live = "  |  ".join(_describe_call(call) for _, call in sorted(self.calls.items()))
            self._write("\r  " + live[-110:])

    def on_tool_call_done(self, tool_call: ToolCall) -> None:
        if self.tty and self.calls:
            self._write("\r" + " " * 114 + "\r")
        self.calls.clear()
        self._write(f"  tool call {_describe_call(tool_call)}\n")

    def on_requires_action(self, run: Run, tool_calls: list[Any]) -> None:
        self._write(f"  the run waits for {len(tool_calls)} tool output(s)\n")

    def showing_results(self, name: str, tool: Callable[..., Any]) -> Callable[..., Any]:
        """``tool``, printing each call and its result as the tool loop makes it (the tool
        runs once: the loop's call is the one shown)."""

        def call(**arguments: Any) -> Any:
            result = tool(**arguments)
            self._write(f"  -> {name}({json.dumps(arguments)}) = {json.dumps(result)}\n")
            return result

        return call

    def on_text_created(self, text: Any) -> None:
        self._write("  assistant: ")

    def on_text_delta(self, delta: TextDelta, snapshot: Any) -> None:
        if isinstance(delta.value, str):
            self._write(delta.value)


def _describe_call(call: Any) -> str:
    function = getattr(call, "function", None)
    if function is None:
        return str(getattr(call, "type", "tool call"))
    return f"{function.name}({function.arguments})"


def _demo_scenario() -> Any:
    from ..testing import Scenario, ToolCallSpec

    cities = ("Paris", "Tokyo")
    calls = [ToolCallSpec("get_weather", json.dumps({"city": city})) for city in cities]
    reports = [demo_weather(city) for city in cities]
    text = (
        "Here is the weather you asked for:\n\n"
        + "\n".join(f"- {r['city']}: {r['temperature_c']} °C, {r['sky']}" for r in reports)
        + "\n\nPack a light jacket for Paris."
    )
    return (
        Scenario(thread_id="thread_demo", assistant_id="asst_demo", fragment_size=3, seed=7)
        .tool_calls(calls, interleave="round_robin")
        .message(text, fragment_size=6)
        .complete()
    )


def _command_demo(arguments: argparse.Namespace) -> int:
    from ..testing import FakeAssistantsServer

    out = sys.stdout
    scenario = _demo_scenario()
    with FakeAssistantsServer([scenario], api_key="sk-demo", chunk_size=96, chunk_delay=arguments.delay) as server:
        out.write(f"fake Assistants server on {server.base_url}; creating a run on thread_demo\n")
        printer = DemoPrinter(out)
        with Client(base_url=server.base_url, api_key="sk-demo") as client:
            tools = {"get_weather": printer.showing_results("get_weather", demo_weather)}
            loop = client.run_tools("thread_demo", assistant_id="asst_demo", tools=tools, handler=printer)
            run = loop.final_run()
            accumulator = loop.accumulator
    elapsed = time.monotonic() - printer.started
    out.write("\nsummary\n")
    out.write(
        f"  run {run.id}: {run.status} in {elapsed:.2f} s, {printer.events} events "
        f"({printer.events / elapsed:,.0f} events/s), {loop.rounds} tool round(s)\n"
    )
    for step in accumulator.run_steps:
        details = step.step_details
        calls = getattr(details, "tool_calls", None)
        detail = f"{len(calls)} tool calls" if calls is not None else "message"
        out.write(f"  step {step.id}: {step.type} {step.status} ({detail})\n")
    usage = accumulator.usage
    if usage is not None:
        out.write(f"  usage: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion = {usage.total_tokens} tokens\n")
    out.write(f"  discrepancies between deltas and final objects: {len(accumulator.discrepancies)}\n")
    if run.status != "completed":
        raise CommandError(f"the demo run ended {run.status!r}")
    return EXIT_OK


def _command_serve(arguments: argparse.Namespace) -> int:
    from ..testing import FakeAssistantsServer
    from . import dialects

    paths = [Path(name) for name in arguments.files]
    _check_servable(paths)
    dialect, _ = dialects.read_inputs(arguments.files, CommandError)
    if dialect != dialects.RUN:
        return _serve_dialect(arguments, dialect)
    scenarios = _scenarios(paths, arguments.repeat)
    scenario = scenarios[0]
    with FakeAssistantsServer(scenarios, api_key=arguments.api_key, chunk_size=arguments.chunk_size,
                              chunk_delay=arguments.delay) as server:
        times = "once" if arguments.repeat == 1 else f"{arguments.repeat} times"
        sys.stdout.write(
            f"serving {len(arguments.files)} recorded stream(s) of run {scenario.run_id} on {server.base_url}\n"
            f"  POST {server.base_url}/threads/{scenario.thread_id}/runs with any assistant_id ({times}); "
            "Ctrl-C stops\n"
        )
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def _check_servable(paths: list[Path]) -> None:
    """Raise `CommandError` for a file that cannot be served: standard input (read once, it
    cannot be served again), a missing file, a directory, no server-sent events."""
    for path in paths:
        if str(path) == "-":
            raise CommandError("serve reads its files for every run it serves: save standard input to a file first")
        if path.is_dir():
            raise CommandError(f"{path} is a directory, not a recorded stream")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
        split_streams(data, str(path))  # says when there is no server-sent event at all


def _scenarios(paths: list[Path], repeat: int) -> list[Any]:
    """The recorded run of ``paths``, once per time it is to be served.

    Raises:
        CommandError: a file cannot be served, or holds no run.
    """
    from ..testing import RecordedScenario

    _check_servable(paths)
    try:
        return [RecordedScenario(paths) for _ in range(repeat)]
    except (ValueError, RunstreamError) as error:
        raise CommandError(f"{', '.join(map(str, paths))}: {printable(str(error))}") from None


def _pairs(items: list[str], separator: str, option: str) -> dict[str, str]:
    """``NAME<separator>VALUE`` arguments as a dict; a malformed one is a one-line error."""
    pairs = {}
    for item in items:
        name, found, value = item.partition(separator)
        if not found or not name.strip():
            raise CommandError(f"{option} {printable(item)!r}: expected NAME{separator}VALUE")
        pairs[name.strip()] = value.strip()
    return pairs


def _positive_count(text: str) -> int:
    if not (text.isdigit() and text.isascii()) or not 0 < int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count from 1 to 1000000")
    return int(text)


def _serve_dialect(arguments: argparse.Namespace, dialect: str) -> int:
    """Serve Responses API or Chat Completions recordings (each POST to the endpoint gets the
    next file of its dialect), or files of several dialects (`MIXED`), each on its own
    endpoint; run-stream files among them are served as one recorded run."""
    from ..testing import FakeAssistantsServer
    from . import dialects

    per_file = dialects.file_dialects(arguments.files, {}, CommandError) if dialect == dialects.MIXED else (
        [dialect] * len(arguments.files))
    run_files = [Path(name) for name, which in zip(arguments.files, per_file) if which == dialects.RUN]
    scenarios = _scenarios(run_files, arguments.repeat) if run_files else None
    endpoints = {dialects.RESPONSES: "responses", dialects.CHAT: "chat/completions"}
    with FakeAssistantsServer(scenarios or (), api_key=arguments.api_key, chunk_size=arguments.chunk_size,
                              chunk_delay=arguments.delay) as server:
        served: dict[str, int] = {}
        for name, which in zip(arguments.files, per_file):
            if which != dialects.RUN:
                served[endpoints[which]] = served.get(endpoints[which], 0) + 1
        for _ in range(arguments.repeat):  # the files in order, then again
            for name, which in zip(arguments.files, per_file):
                if which != dialects.RUN:
                    server.add_dialect(Path(name), endpoints[which])
        times = "" if arguments.repeat == 1 else f", all of them {arguments.repeat} times"
        for endpoint, count in served.items():
            sys.stdout.write(
                f"serving {count} recorded {endpoint} stream(s) on {server.base_url}\n"
                f"  POST {server.base_url}/{endpoint} gets the next one{times}; Ctrl-C stops\n"
            )
        if scenarios:
            scenario = scenarios[0]
            sys.stdout.write(
                f"serving {len(run_files)} recorded stream(s) of run {scenario.run_id} on {server.base_url}\n"
                f"  POST {server.base_url}/threads/{scenario.thread_id}/runs with any assistant_id; Ctrl-C stops\n"
            )
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def _command_record(arguments: argparse.Namespace) -> int:
    headers = _pairs(arguments.header, ":", "--header")
    query = _pairs(arguments.query, "=", "--query")
    # Before the run is created: a recording that cannot be written must not cost a run.
    try:
        arguments.out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot write {arguments.out}: {error.strerror or error}") from None
    if arguments.out.is_dir():
        raise CommandError(f"cannot write {arguments.out}: it is a directory")
    with Client(base_url=arguments.base_url, api_key=arguments.api_key, api_key_header=arguments.api_key_header,
                default_headers=headers, default_query=query) as client:
        params = {"agent_id": arguments.agent} if arguments.agent else {}
        stream = client.stream_run(arguments.thread, assistant_id=arguments.assistant, record_to=arguments.out, **params)
        with stream:
            run = stream.final_run()
    sys.stdout.write(f"recorded run {run.id} ({run.status}) to {arguments.out}\n")
    if run.status == "requires_action":
        sys.stdout.write("  the run waits for tool outputs: submit them to record the continuation\n")
    return EXIT_OK


def register_commands(commands: Any) -> None:
    """Add the demo, serve and record commands to the parser's ``commands``."""
    demo = commands.add_parser(
        "demo",
        help="run a tool-calling run against a local fake server and show the stream live",
        description="Offline: starts the fake Assistants server on 127.0.0.1, creates a run whose "
        "assistant calls a get_weather tool, answers it with a bundled Python function, and shows "
        "the stream live, then a summary of the final run.",
    )
    demo.add_argument("--delay", type=non_negative_seconds, default=0.004,
                      help="seconds between streamed chunks (default 0.004)")
    demo.set_defaults(handler=_command_demo)

    serve = commands.add_parser(
        "serve",
        help="serve recorded .sse files from a fake Assistants server, for testing other clients",
        description="Serve a recorded run (its stream files in order) on 127.0.0.1 until Ctrl-C. "
        "Responses API or Chat Completions recordings are detected and served on POST .../responses "
        "or POST .../chat/completions, one file per request, in order.",
    )
    serve.add_argument("files", nargs="+", metavar="FILE", help="the run's .sse files, first stream first")
    serve.add_argument("--api-key", default=None, help="the only API key to accept (default: any)")
    serve.add_argument("--chunk-size", type=_positive_count, default=None, help="bytes per write")
    serve.add_argument("--delay", type=non_negative_seconds, default=0.0, help="seconds between writes")
    serve.add_argument("--repeat", type=_positive_count, default=1, metavar="N",
                       help="serve the recorded run N times, to N run creations on its thread (default 1: "
                       "use it to replay a recording more than once, e.g. for a client's retries or several tests)")
    serve.set_defaults(handler=_command_serve)

    record = commands.add_parser(
        "record",
        help="create a run on a live service and record its stream to a .sse file",
        description="Create a streaming run and write the raw stream to FILE (plus FILE.timing for "
        "replay with the original pacing). The API key is read from --api-key or $OPENAI_API_KEY and "
        "is never written to the recording.",
    )
    record.add_argument("base_url", metavar="URL", help="the API root, e.g. https://host/v1")
    record.add_argument("--thread", required=True, help="the thread to run on")
    record.add_argument("--assistant", help="the assistant id")
    record.add_argument("--agent", help="the agent id (Azure AI Agents' dialect)")
    record.add_argument("--out", required=True, type=Path, metavar="FILE", help="the .sse file to write")
    record.add_argument("--api-key", default=None)
    record.add_argument("--api-key-header", default="Authorization", help='"Authorization" (Bearer) or e.g. "api-key"')
    record.add_argument("--header", action="append", default=[], metavar="NAME:VALUE", help="an extra header")
    record.add_argument("--query", action="append", default=[], metavar="NAME=VALUE", help="e.g. api-version=2025-05-01")
    record.set_defaults(handler=_command_record)

