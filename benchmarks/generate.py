"""Deterministic generator of run streams shaped like the real Assistants service's.

One generated stream is one HTTP response body (one *segment*) of a run:

1. ``thread.run.created`` / ``thread.run.queued`` / ``thread.run.in_progress`` with complete
   run objects (every field of the schema plus ``tool_resources``, as the service sends).
2. Optionally a ``file_search`` step: the step delta carries the call with
   ``file_search: {ranking_options, results: []}``; the results (with content) arrive only
   in ``thread.run.step.completed``.
3. Optionally a ``code_interpreter`` step: a first fragment with ``input: ""`` and
   ``outputs: []``, input fragments, then a ``logs`` output and an ``image`` output as deltas
   at their output index, then ``thread.run.step.completed``.
4. Optionally an assistant message in a ``message_creation`` step: the first text delta
   carries ``annotations: []``, each later delta a word or two (some with ``\\n\\n``, some
   non-ASCII, escaped ``\\uXXXX`` like the service does), then ``thread.message.completed``
   and ``thread.run.step.completed``.
5. Optionally a step of parallel function calls: each call's first fragment carries ``id``,
   ``type``, the complete ``name``, ``arguments: ""`` and ``output: null``; the later
   fragments carry ``index``, ``type`` and a few characters of the arguments (escape
   sequences may be split across fragments). The run then goes to ``requires_action``
   (its ``required_action`` lists every call with its complete arguments) and ``done``.
   Without function calls the run completes (``thread.run.completed`` with usage, ``done``).

Everything is derived from a seed, so the same spec always gives the same bytes.

Command line (writes one stream to a file, prints its summary)::

    python benchmarks/generate.py out.sse --calls 3 --fragments 2000 --text-deltas 2000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import string
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GeneratedStream", "StreamSpec", "generate", "scaled_spec", "standard_spec", "w5_spec"]

_ID_ALPHABET = string.ascii_letters + string.digits
_CREATED_AT = 1732400000

# Words for text deltas and argument contents: mostly ASCII, a few with characters the
# service escapes as \uXXXX, punctuation, and quotes / backslashes that need JSON escapes.
_WORDS = (
    "the of and to in is that for it as with was on be by at this are from or have an "
    "they which one you were all we can her has there been if more when will would who "
    "so no weather city forecast temperature humidity wind north south east west report "
    "data value result table column row index request response stream event delta run "
    "step message tool call function argument output file search code interpreter "
    "Paris Tokyo Zürich São Kraków naïve café 18°C ≈ — “quoted” 東京 🌧"
).split()
_PUNCTUATION = (",", ".", ";", ":", "!", "?")


def _dumps(obj: Any) -> bytes:
    # Compact and ASCII-only (non-ASCII as \uXXXX), as the service encodes its events.
    return json.dumps(obj, separators=(",", ":")).encode("ascii")


def _jstr(text: str) -> bytes:
    return json.dumps(text).encode("ascii")


@dataclass(frozen=True)
class StreamSpec:
    """What one generated stream holds.

    Attributes:
        parallel_calls: function calls in the tool step (0: no function step; the run
            then completes instead of requiring action).
        fragments_per_call: argument fragments per call, after the call's first fragment.
        fragment_size: characters per argument fragment (and per code input fragment).
        text_deltas: text deltas of the assistant message (0: no message).
        words_per_delta: the most words per text delta (each delta has 1..this many).
        code_interpreter_fragments: input fragments of a code_interpreter call (0: none).
        code_interpreter_outputs: outputs of that call, alternating logs and image.
        file_search_results: results of a file_search call (0: no file_search step).
        interleave: ``"sequential"`` streams the calls one after the other, as the service
            does; ``"round_robin"`` sends one fragment of each call in turn.
        seed: seed of every id and every character.
        thread_id: the thread (generated from the seed when ``None``).
        tool_names: how many distinct functions the calls use, in turn (0: one per call;
            every run object lists each function among its tools, as the service does).
    """

    parallel_calls: int = 3
    fragments_per_call: int = 2000
    fragment_size: int = 4
    text_deltas: int = 2000
    words_per_delta: int = 2
    code_interpreter_fragments: int = 0
    code_interpreter_outputs: int = 0
    file_search_results: int = 0
    interleave: str = "sequential"
    seed: int = 0
    thread_id: str | None = None
    tool_names: int = 0

    def replace(self, **changes: Any) -> StreamSpec:
        return dataclasses.replace(self, **changes)


@dataclass
class GeneratedStream:
    """A generated stream and what a correct consumer must build from it."""

    spec: StreamSpec
    body: bytes
    events: int
    event_names: Counter = field(default_factory=Counter)
    thread_id: str = ""
    assistant_id: str = ""
    run_id: str = ""
    final_status: str = ""
    #: The complete arguments of each function call, in index order.
    arguments: list[str] = field(default_factory=list)
    #: The names of the function calls, in index order.
    function_names: list[str] = field(default_factory=list)
    #: The complete text of the assistant message ("" without a message).
    text: str = ""
    #: The complete code_interpreter input and its logs outputs.
    code_input: str = ""
    code_logs: list[str] = field(default_factory=list)
    file_search_result_ids: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.body)

    @property
    def argument_chars(self) -> int:
        return sum(len(a) for a in self.arguments)

    def chunks(self, chunk_size: int = 65536) -> list[bytes]:
        body = self.body
        return [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]


class _Builder:
    def __init__(self, spec: StreamSpec) -> None:
        self.spec = spec
        self.random = random.Random(spec.seed)
        self.parts: list[bytes] = []
        self.names: Counter = Counter()
        self.clock = _CREATED_AT

    def new_id(self, prefix: str) -> str:
        return prefix + "".join(self.random.choices(_ID_ALPHABET, k=24))

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def emit(self, name: str, data: bytes) -> None:
        self.parts.append(b"event: " + name.encode() + b"\ndata: " + data + b"\n\n")
        self.names[name] += 1

    def words(self, count: int) -> str:
        choice = self.random.choice
        out = []
        for _ in range(count):
            word = choice(_WORDS)
            roll = self.random.random()
            if roll < 0.08:
                word += choice(_PUNCTUATION)
            elif roll < 0.10:
                word += ".\n\n"
            out.append(word)
        return " ".join(out)

    def text_of_length(self, length: int, newline_every: int = 12) -> str:
        """Free text of exactly ``length`` characters (with newlines and quotes)."""
        pieces: list[str] = []
        size = 0
        n = 0
        while size < length:
            word = self.random.choice(_WORDS)
            n += 1
            if n % newline_every == 0:
                word += "\n"
            elif n % 17 == 0:
                word = '"' + word + '"'
            elif n % 29 == 0:
                word += "\\"
            pieces.append(word)
            size += len(word) + 1
        return " ".join(pieces)[:length]


def _arguments_document(builder: _Builder, index: int, length: int) -> str:
    """A JSON arguments document of exactly ``length`` characters (at least a few dozen).

    Its ``content`` string holds newlines, quotes and backslashes, so the arguments carry
    JSON escapes (``\\n``, ``\\"``, ``\\\\``) that fixed-size fragments split in two.
    """
    head = json.dumps({"path": f"src/module_{index}.py", "mode": "overwrite", "content": ""})
    head = head[:-2]  # up to and including the opening quote of content: ... "content": "
    tail = '"}'
    room = length - len(head) - len(tail)
    if room < 0:
        # Too short for the document: a bare JSON string of the right length.
        raw = builder.text_of_length(max(0, length - 2)).replace("\\", " ").replace('"', " ")
        return ('"' + raw.replace("\n", " ") + '"')[:length] if length >= 2 else "0" * length
    raw = builder.text_of_length(room * 2)
    encoded = json.dumps(raw)[1:-1]  # escaped contents, no quotes
    encoded = encoded[:room]
    # Do not end inside an escape sequence: strip a dangling backslash run of odd length
    # or a cut \uXXXX, then pad with spaces.
    while True:
        cut = encoded.rfind("\\")
        if cut < 0:
            break
        run = len(encoded[:cut + 1]) - len(encoded[:cut + 1].rstrip("\\"))
        rest = encoded[cut + 1 :]
        if rest == "" and run % 2 == 1:
            encoded = encoded[:cut]
            continue
        if rest.startswith("u") and len(rest) < 5 and run % 2 == 1:
            encoded = encoded[:cut]
            continue
        break
    encoded += " " * (room - len(encoded))
    document = head + encoded + tail
    assert len(document) == length, (len(document), length)
    json.loads(document)
    return document


def _split(text: str, size: int, count: int) -> list[str]:
    pieces = [text[i * size : (i + 1) * size] for i in range(count)]
    return pieces


def generate(spec: StreamSpec) -> GeneratedStream:
    """Render one stream for ``spec``."""
    b = _Builder(spec)
    thread_id = spec.thread_id or b.new_id("thread_")
    assistant_id = b.new_id("asst_")
    run_id = b.new_id("run_")
    created = _CREATED_AT
    out = GeneratedStream(spec=spec, body=b"", events=0, thread_id=thread_id,
                          assistant_id=assistant_id, run_id=run_id)

    distinct = spec.tool_names or spec.parallel_calls
    call_names = [f"tool_{i % distinct}" for i in range(spec.parallel_calls)]
    tools: list[dict[str, Any]] = []
    if spec.code_interpreter_fragments:
        tools.append({"type": "code_interpreter"})
    if spec.file_search_results:
        tools.append({"type": "file_search", "file_search": {
            "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.0}}})
    for name in dict.fromkeys(call_names):
        tools.append({"type": "function", "function": {
            "name": name, "description": f"Benchmark tool {name}",
            "parameters": {"type": "object", "properties": {
                "path": {"type": "string"}, "mode": {"type": "string"},
                "content": {"type": "string"}}, "required": ["path", "content"]},
            "strict": False}})

    run: dict[str, Any] = {
        "id": run_id, "object": "thread.run", "created_at": created,
        "assistant_id": assistant_id, "thread_id": thread_id, "status": "queued",
        "started_at": None, "expires_at": created + 600, "cancelled_at": None,
        "failed_at": None, "completed_at": None, "required_action": None,
        "last_error": None, "model": "gpt-4o",
        "instructions": "You are a helpful assistant. Use the tools when they help.",
        "tools": tools, "tool_resources": {"code_interpreter": {"file_ids": []}},
        "metadata": {}, "temperature": 1.0, "top_p": 1.0,
        "max_completion_tokens": None, "max_prompt_tokens": None,
        "truncation_strategy": {"type": "auto", "last_messages": None},
        "incomplete_details": None, "usage": None, "response_format": "auto",
        "tool_choice": "auto", "parallel_tool_calls": True,
    }
    b.emit("thread.run.created", _dumps(run))
    b.emit("thread.run.queued", _dumps(run))
    run["status"] = "in_progress"
    run["started_at"] = b.tick()
    b.emit("thread.run.in_progress", _dumps(run))

    def new_step(kind: str, details: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": b.new_id("step_"), "object": "thread.run.step", "created_at": b.tick(),
            "run_id": run_id, "assistant_id": assistant_id, "thread_id": thread_id,
            "type": kind, "status": "in_progress", "cancelled_at": None,
            "completed_at": None, "expires_at": created + 600, "failed_at": None,
            "last_error": None, "step_details": details, "usage": None,
            "metadata": {},
        }

    def open_step(step: dict[str, Any]) -> None:
        b.emit("thread.run.step.created", _dumps(step))
        b.emit("thread.run.step.in_progress", _dumps(step))

    def complete_step(step: dict[str, Any], details: dict[str, Any], tokens: int) -> None:
        step = dict(step, status="completed", completed_at=b.tick(), step_details=details,
                    usage={"prompt_tokens": 100 + tokens, "completion_tokens": tokens,
                           "total_tokens": 200 + 2 * tokens})
        b.emit("thread.run.step.completed", _dumps(step))

    def step_delta_prefix(step_id: str) -> bytes:
        return (b'{"id":' + _jstr(step_id) + b',"object":"thread.run.step.delta",'
                b'"delta":{"step_details":{"type":"tool_calls","tool_calls":[')

    # ---- file_search -----------------------------------------------------------------
    if spec.file_search_results:
        call_id = b.new_id("call_")
        step = new_step("tool_calls", {"type": "tool_calls", "tool_calls": []})
        open_step(step)
        ranking = {"ranker": "default_2024_08_21", "score_threshold": 0.0}
        first = {"index": 0, "id": call_id, "type": "file_search",
                 "file_search": {"ranking_options": ranking, "results": []}}
        b.emit("thread.run.step.delta", step_delta_prefix(step["id"]) + _dumps(first) + b"]}}}")
        results = []
        for i in range(spec.file_search_results):
            file_id = b.new_id("file-")
            out.file_search_result_ids.append(file_id)
            results.append({
                "file_id": file_id, "file_name": f"document_{i}.pdf",
                "score": round(0.95 - i * 0.9 / max(1, spec.file_search_results), 4),
                "content": [{"type": "text", "text": b.text_of_length(600)}],
            })
        details = {"type": "tool_calls", "tool_calls": [{
            "id": call_id, "type": "file_search",
            "file_search": {"ranking_options": ranking, "results": results}}]}
        complete_step(step, details, 20)

    # ---- code_interpreter --------------------------------------------------------------
    if spec.code_interpreter_fragments:
        call_id = b.new_id("call_")
        step = new_step("tool_calls", {"type": "tool_calls", "tool_calls": []})
        open_step(step)
        prefix = step_delta_prefix(step["id"])
        first = {"index": 0, "id": call_id, "type": "code_interpreter",
                 "code_interpreter": {"input": "", "outputs": []}}
        b.emit("thread.run.step.delta", prefix + _dumps(first) + b"]}}}")
        size = spec.fragment_size
        code = b.text_of_length(spec.code_interpreter_fragments * size, newline_every=6)
        out.code_input = code
        head = prefix + b'{"index":0,"type":"code_interpreter","code_interpreter":{"input":'
        for piece in _split(code, size, spec.code_interpreter_fragments):
            b.emit("thread.run.step.delta", head + _jstr(piece) + b"}}]}}}")
        outputs: list[dict[str, Any]] = []
        for i in range(spec.code_interpreter_outputs):
            if i % 2 == 0:
                logs = b.text_of_length(200)
                out.code_logs.append(logs)
                output = {"type": "logs", "logs": logs}
            else:
                output = {"type": "image", "image": {"file_id": b.new_id("file-")}}
            outputs.append(output)
            delta = {"index": 0, "type": "code_interpreter",
                     "code_interpreter": {"outputs": [dict(output, index=i)]}}
            b.emit("thread.run.step.delta", prefix + _dumps(delta) + b"]}}}")
        details = {"type": "tool_calls", "tool_calls": [{
            "id": call_id, "type": "code_interpreter",
            "code_interpreter": {"input": code, "outputs": outputs}}]}
        complete_step(step, details, spec.code_interpreter_fragments)

    # ---- message -----------------------------------------------------------------------
    if spec.text_deltas:
        message_id = b.new_id("msg_")
        step = new_step("message_creation", {"type": "message_creation",
                                             "message_creation": {"message_id": message_id}})
        open_step(step)
        message: dict[str, Any] = {
            "id": message_id, "object": "thread.message", "created_at": b.tick(),
            "assistant_id": assistant_id, "thread_id": thread_id, "run_id": run_id,
            "status": "in_progress", "incomplete_details": None, "incomplete_at": None,
            "completed_at": None, "role": "assistant", "content": [], "attachments": [],
            "metadata": {},
        }
        b.emit("thread.message.created", _dumps(message))
        b.emit("thread.message.in_progress", _dumps(message))
        prefix = (b'{"id":' + _jstr(message_id) + b',"object":"thread.message.delta",'
                  b'"delta":{"content":[{"index":0,"type":"text","text":{"value":')
        pieces = []
        for i in range(spec.text_deltas):
            piece = b.words(b.random.randint(1, max(1, spec.words_per_delta)))
            piece = piece if i == 0 else " " + piece
            pieces.append(piece)
            if i == 0:
                b.emit("thread.message.delta", prefix + _jstr(piece) + b',"annotations":[]}}]}}')
            else:
                b.emit("thread.message.delta", prefix + _jstr(piece) + b"}}]}}")
        text = "".join(pieces)
        out.text = text
        message.update(status="completed", completed_at=b.tick(), content=[
            {"type": "text", "text": {"value": text, "annotations": []}}])
        b.emit("thread.message.completed", _dumps(message))
        complete_step(step, step["step_details"], spec.text_deltas)

    # ---- parallel function calls -------------------------------------------------------
    if spec.parallel_calls:
        step = new_step("tool_calls", {"type": "tool_calls", "tool_calls": []})
        open_step(step)
        prefix = step_delta_prefix(step["id"])
        size = spec.fragment_size
        calls = []
        fragment_lists = []
        for i, name in enumerate(call_names):
            arguments = _arguments_document(b, i, spec.fragments_per_call * size)
            call_id = b.new_id("call_")
            calls.append({"id": call_id, "type": "function",
                          "function": {"name": name, "arguments": arguments}})
            out.arguments.append(arguments)
            out.function_names.append(name)
            fragment_lists.append(_split(arguments, size, spec.fragments_per_call))

        def first_fragment(i: int) -> None:
            first = {"index": i, "id": calls[i]["id"], "type": "function",
                     "function": {"name": call_names[i], "arguments": "", "output": None}}
            b.emit("thread.run.step.delta", prefix + _dumps(first) + b"]}}}")

        heads = [prefix + b'{"index":' + str(i).encode() + b',"type":"function","function":{"arguments":'
                 for i in range(len(calls))]
        if spec.interleave == "round_robin":
            for i in range(len(calls)):
                first_fragment(i)
            for k in range(spec.fragments_per_call):
                for i in range(len(calls)):
                    b.emit("thread.run.step.delta", heads[i] + _jstr(fragment_lists[i][k]) + b"}}]}}}")
        elif spec.interleave == "sequential":
            for i in range(len(calls)):
                first_fragment(i)
                head = heads[i]
                for piece in fragment_lists[i]:
                    b.emit("thread.run.step.delta", head + _jstr(piece) + b"}}]}}}")
        else:
            raise ValueError(f"unknown interleave {spec.interleave!r}")
        run["status"] = "requires_action"
        run["required_action"] = {"type": "submit_tool_outputs",
                                  "submit_tool_outputs": {"tool_calls": calls}}
        b.emit("thread.run.requires_action", _dumps(run))
        out.final_status = "requires_action"
    else:
        run.update(status="completed", completed_at=b.tick(),
                   usage={"prompt_tokens": 500, "completion_tokens": 100, "total_tokens": 600})
        b.emit("thread.run.completed", _dumps(run))
        out.final_status = "completed"
    b.emit("done", b"[DONE]")

    out.body = b"".join(b.parts)
    out.events = sum(b.names.values())
    out.event_names = b.names
    return out


def standard_spec(**changes: Any) -> StreamSpec:
    """W1's mix: 3 parallel calls x 2000 fragments x 4 characters, 2000 text deltas, a small
    code_interpreter call (20 input fragments, 2 outputs) and a file_search call (5 results):
    about 8,000 events."""
    base = StreamSpec(parallel_calls=3, fragments_per_call=2000, fragment_size=4,
                      text_deltas=2000, code_interpreter_fragments=20,
                      code_interpreter_outputs=2, file_search_results=5)
    return base.replace(**changes)


def scaled_spec(events: int, **changes: Any) -> StreamSpec:
    """W1's shape scaled to about ``events`` events: three quarters argument fragments of
    3 calls, one quarter text deltas."""
    quarter = max(1, (events - 40) // 4)
    return standard_spec(fragments_per_call=quarter, text_deltas=quarter, **changes)


def w5_spec(index: int, events: int) -> StreamSpec:
    """W5's small stream number ``index`` (its own thread and seed), about ``events`` events."""
    return scaled_spec(events, seed=1000 + index, thread_id=f"thread_bench_{index}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="file to write the SSE body to ('-' for stdout)")
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--fragments", type=int, default=2000)
    parser.add_argument("--fragment-size", type=int, default=4)
    parser.add_argument("--text-deltas", type=int, default=2000)
    parser.add_argument("--code-fragments", type=int, default=20)
    parser.add_argument("--code-outputs", type=int, default=2)
    parser.add_argument("--file-search-results", type=int, default=5)
    parser.add_argument("--interleave", choices=("sequential", "round_robin"), default="sequential")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    spec = StreamSpec(
        parallel_calls=args.calls, fragments_per_call=args.fragments,
        fragment_size=args.fragment_size, text_deltas=args.text_deltas,
        code_interpreter_fragments=args.code_fragments,
        code_interpreter_outputs=args.code_outputs,
        file_search_results=args.file_search_results, interleave=args.interleave,
        seed=args.seed,
    )
    stream = generate(spec)
    if args.output == "-":
        sys.stdout.buffer.write(stream.body)
    else:
        with open(args.output, "wb") as file:
            file.write(stream.body)
        print(f"{stream.events} events, {stream.size} bytes, "
              f"{stream.argument_chars} argument characters -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
