"""Builders and hypothesis strategies for accumulator tests.

The builders return plain JSON-shaped dicts like the real service sends (every field of the
spec's full objects, §D of the wire-format reference; delta fragments shaped as in
§C/§F), and `event` turns one into a typed event through the public decoder.

`run_plans` draws a whole run: parallel tool calls and several messages, each object's
fragments split at random points (JSON escape sequences included), sparse indexes, and a
random interleaving of the objects' event sequences. A `Plan` keeps, for each delta event,
which object it belongs to, so tests can drop or corrupt one.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import strategies as st

import runstream

RUN_ID = "run_1"
THREAD_ID = "thread_1"
ASSISTANT_ID = "asst_1"
CREATED_AT = 1732400000

# Fields only an authoritative (terminal) object carries, per object kind.
STEP_FINAL_ONLY = ("status", "usage", "completed_at", "failed_at", "cancelled_at", "expired_at", "last_error")
MESSAGE_FINAL_ONLY = ("status", "completed_at", "incomplete_at", "incomplete_details")


def event(name: str, data: dict[str, Any]) -> Any:
    """A typed event, decoded from JSON exactly as a stream would deliver it."""
    return runstream.decode_event(name, json.dumps(data))


# ---- full objects ----------------------------------------------------------------------


def run_obj(status: str = "queued", *, run_id: str = RUN_ID, **overrides: Any) -> dict[str, Any]:
    run = {
        "id": run_id,
        "object": "thread.run",
        "created_at": CREATED_AT,
        "assistant_id": ASSISTANT_ID,
        "thread_id": THREAD_ID,
        "status": status,
        "started_at": None if status == "queued" else CREATED_AT + 1,
        "expires_at": CREATED_AT + 600,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": CREATED_AT + 9 if status == "completed" else None,
        "required_action": None,
        "last_error": None,
        "model": "gpt-4o",
        "instructions": "You are a test.",
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}, "strict": False}}],
        "tool_resources": {"code_interpreter": {"file_ids": []}},
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
        "max_completion_tokens": None,
        "max_prompt_tokens": None,
        "truncation_strategy": {"type": "auto", "last_messages": None},
        "incomplete_details": None,
        "usage": None,
        "response_format": "auto",
        "tool_choice": "auto",
        "parallel_tool_calls": True,
    }
    run.update(overrides)
    return run


def requires_action_run(calls: list[tuple[str, str, str]], **overrides: Any) -> dict[str, Any]:
    """A ``requires_action`` run waiting on function calls given as (id, name, arguments)."""
    tool_calls = [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        for call_id, name, arguments in calls
    ]
    action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": tool_calls}}
    return run_obj("requires_action", required_action=action, **overrides)


def usage(prompt: int = 10, completion: int = 5) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def step_obj(
    step_id: str,
    *,
    status: str = "in_progress",
    tool_calls: list[dict[str, Any]] | None = None,
    message_id: str | None = None,
    step_usage: dict[str, int] | None = None,
    run_id: str = RUN_ID,
) -> dict[str, Any]:
    """A run step; a message_creation step when ``message_id`` is given."""
    if message_id is not None:
        step_type = "message_creation"
        details = {"type": step_type, "message_creation": {"message_id": message_id}}
    else:
        step_type, details = "tool_calls", {"type": "tool_calls", "tool_calls": tool_calls or []}
    final = status != "in_progress"
    return {
        "id": step_id,
        "object": "thread.run.step",
        "created_at": CREATED_AT + 2,
        "run_id": run_id,
        "assistant_id": ASSISTANT_ID,
        "thread_id": THREAD_ID,
        "type": step_type,
        "status": status,
        "cancelled_at": CREATED_AT + 8 if status == "cancelled" else None,
        "completed_at": CREATED_AT + 8 if status == "completed" else None,
        "expired_at": CREATED_AT + 8 if status == "expired" else None,
        "expires_at": CREATED_AT + 600,
        "failed_at": CREATED_AT + 8 if status == "failed" else None,
        "last_error": {"code": "server_error", "message": "boom"} if status == "failed" else None,
        "metadata": {},
        "step_details": details,
        "usage": (step_usage or usage()) if final else None,
    }


def function_call(call_id: str, name: str, arguments: str, output: str | None = None) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments, "output": output}}


def code_call(call_id: str, code: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": call_id, "type": "code_interpreter", "code_interpreter": {"input": code, "outputs": outputs}}


def logs_output(logs: str) -> dict[str, Any]:
    return {"type": "logs", "logs": logs}


def image_output(file_id: str) -> dict[str, Any]:
    return {"type": "image", "image": {"file_id": file_id}}


RANKING = {"ranker": "default_2024_08_21", "score_threshold": 0.0}


def file_search_call(call_id: str, results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    search = {"ranking_options": RANKING, "results": results or []}
    return {"id": call_id, "type": "file_search", "file_search": search}


def search_result(file_id: str, text: str = "found") -> dict[str, Any]:
    content = [{"type": "text", "text": text}]
    return {"file_id": file_id, "file_name": f"{file_id}.md", "score": 0.5, "content": content}


def message_obj(
    message_id: str, *, status: str = "in_progress", content: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "id": message_id,
        "object": "thread.message",
        "created_at": CREATED_AT + 3,
        "assistant_id": ASSISTANT_ID,
        "thread_id": THREAD_ID,
        "run_id": RUN_ID,
        "status": status,
        "incomplete_details": {"reason": "max_tokens"} if status == "incomplete" else None,
        "incomplete_at": CREATED_AT + 7 if status == "incomplete" else None,
        "completed_at": CREATED_AT + 7 if status == "completed" else None,
        "role": "assistant",
        "content": content or [],
        "attachments": [],
        "metadata": {},
    }


def text_part(value: str, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value, "annotations": annotations or []}}


def citation(text: str, file_id: str, start: int, end: int) -> dict[str, Any]:
    """A full file_citation annotation (no ``index``, no ``quote``: §F)."""
    cited = {"file_id": file_id}
    return {"type": "file_citation", "text": text, "file_citation": cited, "start_index": start, "end_index": end}


def file_path_annotation(text: str, file_id: str, start: int, end: int) -> dict[str, Any]:
    path = {"file_id": file_id}
    return {"type": "file_path", "text": text, "file_path": path, "start_index": start, "end_index": end}


def refusal_part(refusal: str) -> dict[str, Any]:
    return {"type": "refusal", "refusal": refusal}


def image_file_part(file_id: str, detail: str = "auto") -> dict[str, Any]:
    return {"type": "image_file", "image_file": {"file_id": file_id, "detail": detail}}


def image_url_part(url: str, detail: str = "auto") -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url, "detail": detail}}


# ---- deltas ----------------------------------------------------------------------------


def step_delta(step_id: str, *tool_calls: dict[str, Any]) -> dict[str, Any]:
    details = {"type": "tool_calls", "tool_calls": list(tool_calls)}
    return {"id": step_id, "object": "thread.run.step.delta", "delta": {"step_details": details}}


def function_start(index: int, call_id: str, name: str) -> dict[str, Any]:
    """The first fragment of a function call (§F): id, type, whole name, empty arguments."""
    function = {"name": name, "arguments": "", "output": None}
    return {"index": index, "id": call_id, "type": "function", "function": function}


def function_piece(index: int, arguments: str) -> dict[str, Any]:
    return {"index": index, "type": "function", "function": {"arguments": arguments}}


def code_start(index: int, call_id: str) -> dict[str, Any]:
    code = {"input": "", "outputs": []}
    return {"index": index, "id": call_id, "type": "code_interpreter", "code_interpreter": code}


def code_piece(index: int, code: str | None = None, outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if code is not None:
        body["input"] = code
    if outputs is not None:
        body["outputs"] = outputs
    return {"index": index, "type": "code_interpreter", "code_interpreter": body}


def logs_piece(index: int, logs: str) -> dict[str, Any]:
    return {"index": index, "type": "logs", "logs": logs}


def image_piece(index: int, file_id: str) -> dict[str, Any]:
    return {"index": index, "type": "image", "image": {"file_id": file_id}}


def file_search_start(index: int, call_id: str) -> dict[str, Any]:
    search = {"ranking_options": RANKING, "results": []}
    return {"index": index, "id": call_id, "type": "file_search", "file_search": search}


def message_delta(message_id: str, *content: dict[str, Any], role: str | None = None) -> dict[str, Any]:
    delta: dict[str, Any] = {"content": list(content)}
    if role is not None:
        delta["role"] = role
    return {"id": message_id, "object": "thread.message.delta", "delta": delta}


def text_piece(
    index: int, value: str | None = None, annotations: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    text: dict[str, Any] = {}
    if value is not None:
        text["value"] = value
    if annotations is not None:
        text["annotations"] = annotations
    return {"index": index, "type": "text", "text": text}


def delta_annotation(index: int, annotation: dict[str, Any]) -> dict[str, Any]:
    """A full annotation as a delta sends it: with its ``index``, and ``quote: ""`` on a
    citation (§F)."""
    fragment = json.loads(json.dumps(annotation))
    fragment["index"] = index
    if fragment["type"] == "file_citation":
        fragment["file_citation"]["quote"] = ""
    return fragment


def refusal_piece(index: int, refusal: str) -> dict[str, Any]:
    return {"index": index, "type": "refusal", "refusal": refusal}


def image_file_piece(index: int, file_id: str, detail: str = "auto") -> dict[str, Any]:
    return {"index": index, "type": "image_file", "image_file": {"file_id": file_id, "detail": detail}}


def image_url_piece(index: int, url: str, detail: str = "auto") -> dict[str, Any]:
    return {"index": index, "type": "image_url", "image_url": {"url": url, "detail": detail}}


# ---- comparison helpers ----------------------------------------------------------------


def builtins(obj: Any) -> Any:
    import msgspec

    return msgspec.to_builtins(obj)


def strip_final_only(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` (wire shape) without the fields only the authoritative object carries, and
    without the delta annotations' benign extras (``quote``)."""
    obj = json.loads(json.dumps(obj))
    for key in STEP_FINAL_ONLY if kind == "step" else MESSAGE_FINAL_ONLY:
        obj.pop(key, None)
    if kind == "step":
        for call in (obj.get("step_details") or {}).get("tool_calls") or []:
            if call.get("type") == "function":
                call["function"].pop("output", None)
            if call.get("type") == "file_search":
                call["file_search"].pop("results", None)
    else:
        for part in obj.get("content") or []:
            for annotation in (part.get("text") or {}).get("annotations") or []:
                (annotation.get("file_citation") or {}).pop("quote", None)
    return obj


# ---- strategies ------------------------------------------------------------------------

# Text with the characters that make escapes and multi-byte sequences: quotes, backslashes,
# newlines, non-ASCII and astral characters.
tricky_text = st.text(
    st.sampled_from('ab z"\\\n\t/é€😀中') | st.characters(codec="utf-8", exclude_categories=("Cs",)),
    max_size=12,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def json_arguments(draw: Any) -> str:
    """A function's arguments: a JSON object, ASCII-escaped (``\\uXXXX``) or not."""
    value = draw(st.dictionaries(tricky_text, json_values, min_size=1, max_size=4))
    return json.dumps(value, ensure_ascii=draw(st.booleans()))


@st.composite
def split(draw: Any, text: str, min_pieces: int = 1) -> list[str]:
    """``text`` cut into non-empty pieces at random points (any point: an escape sequence
    such as ``\\n`` or ``\\u00e9`` may be cut in two)."""
    if len(text) < min_pieces:
        return [text] if text else []
    cuts = draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=min(6, len(text) - 1)))
    if len(text) > 1 and len(cuts) + 1 < min_pieces:
        cuts |= set(range(1, min_pieces))
    bounds = [0, *sorted(cut for cut in cuts if 0 < cut < len(text)), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


@st.composite
def sparse_indexes(draw: Any, count: int) -> list[int]:
    """``count`` distinct increasing wire indexes, dense or with gaps."""
    if draw(st.booleans()):
        return list(range(count))
    return sorted(draw(st.sets(st.integers(0, 40), min_size=count, max_size=count)))


@st.composite
def interleave(draw: Any, sequences: list[list[Any]]) -> list[Any]:
    """A random merge of ``sequences`` that keeps each one's own order."""
    queues = [list(sequence) for sequence in sequences if sequence]
    merged = []
    while queues:
        queue = queues[draw(st.integers(0, len(queues) - 1))]
        merged.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return merged


# ---- whole runs ------------------------------------------------------------------------


@dataclasses.dataclass
class Item:
    """One event of a plan: its name, data, and the step or message it belongs to."""

    name: str
    data: dict[str, Any]
    owner: str | None = None

    @property
    def is_delta(self) -> bool:
        return self.name.endswith(".delta")

    def typed(self) -> Any:
        return event(self.name, self.data)


@dataclasses.dataclass
class Plan:
    items: list[Item]
    # The authoritative final object of each step and message, by id.
    finals: dict[str, dict[str, Any]]
    kinds: dict[str, str]  # id -> "step" | "message"
    # Wire indexes used: tool calls per step, parts per message, and nested ones.
    tool_indexes: dict[str, list[int]]
    part_indexes: dict[str, list[int]]
    part_types: dict[tuple[str, int], str]
    output_indexes: dict[tuple[str, int], list[int]]
    annotation_indexes: dict[tuple[str, int], list[int]]

    def events(self) -> list[Any]:
        return [item.typed() for item in self.items]


@st.composite
def _grouped(draw: Any, owner: str, name: str, fragments: list[dict[str, Any]], wrap: Any) -> list[Item]:
    """Fragments in order, grouped into delta events of 1-3 consecutive fragments."""
    items = []
    position = 0
    while position < len(fragments):
        size = draw(st.integers(1, 3))
        items.append(Item(name, wrap(owner, *fragments[position : position + size]), owner))
        position += size
    return items


@st.composite
def _tool_call(draw: Any, step_id: str, index: int, plan: Plan) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(fragments, authoritative object) of one tool call at wire ``index``."""
    call_id = f"call_{step_id}_{index}"
    kind = draw(st.sampled_from(["function", "function", "code_interpreter", "file_search"]))
    if kind == "function":
        name = draw(st.sampled_from(["get_weather", "lookup", "f"]))
        arguments = draw(json_arguments())
        pieces = draw(split(arguments))
        output = draw(st.none() | tricky_text)
        fragments = [function_start(index, call_id, name), *(function_piece(index, piece) for piece in pieces)]
        return fragments, function_call(call_id, name, arguments, output)
    if kind == "file_search":
        results = draw(st.lists(st.sampled_from(["file_a", "file_b"]).map(search_result), max_size=2))
        return [file_search_start(index, call_id)], file_search_call(call_id, results)
    code = draw(tricky_text.filter(bool))
    fragments = [code_start(index, call_id), *(code_piece(index, piece) for piece in draw(split(code)))]
    output_indexes = draw(sparse_indexes(draw(st.integers(0, 2))))
    outputs = []
    for output_index in output_indexes:
        if draw(st.booleans()):
            logs = draw(tricky_text.filter(bool))
            pieces = draw(split(logs))
            fragments += [code_piece(index, outputs=[logs_piece(output_index, piece)]) for piece in pieces]
            outputs.append(logs_output(logs))
        else:
            file_id = f"file_img_{output_index}"
            fragments.append(code_piece(index, outputs=[image_piece(output_index, file_id)]))
            outputs.append(image_output(file_id))
    plan.output_indexes[(step_id, index)] = output_indexes
    return fragments, code_call(call_id, code, outputs)


message_text = st.lists(tricky_text | st.just("\n\n") | st.just("naïve café 😀"), min_size=1, max_size=4).map(
    "".join
).filter(bool)


@st.composite
def _part(draw: Any, message_id: str, index: int, plan: Plan) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(fragments, authoritative part) of one content part at wire ``index``."""
    kind = draw(st.sampled_from(["text", "text", "refusal", "image_file", "image_url"]))
    plan.part_types[(message_id, index)] = kind
    if kind == "image_file":
        detail = draw(st.sampled_from(["auto", "low", "high"]))
        return [image_file_piece(index, f"file_{index}", detail)], image_file_part(f"file_{index}", detail)
    if kind == "image_url":
        url = f"https://example.com/{index}.png"
        return [image_url_piece(index, url)], image_url_part(url)
    if kind == "refusal":
        refusal = draw(message_text)
        return [refusal_piece(index, piece) for piece in draw(split(refusal))], refusal_part(refusal)
    value = draw(message_text)
    pieces = draw(split(value))
    fragments = [text_piece(index, pieces[0], annotations=[])]
    fragments += [text_piece(index, piece) for piece in pieces[1:]]
    annotation_indexes = draw(sparse_indexes(draw(st.integers(0, 2))))
    annotations = []
    for annotation_index in annotation_indexes:
        make = draw(st.sampled_from([citation, file_path_annotation]))
        marker = f"【{annotation_index}†source】"
        annotation = make(marker, f"file_{annotation_index}", annotation_index, annotation_index + 5)
        annotations.append(annotation)
        # An annotation arrives as a complete object, somewhere after the first fragment.
        at = draw(st.integers(1, len(fragments)))
        fragments.insert(at, text_piece(index, annotations=[delta_annotation(annotation_index, annotation)]))
    plan.annotation_indexes[(message_id, index)] = annotation_indexes
    return fragments, text_part(value, annotations)


@st.composite
def run_plans(draw: Any, max_steps: int = 2, max_calls: int = 3, max_messages: int = 2, max_parts: int = 3) -> Plan:
    """A whole run: parallel tool calls in tool_calls steps and several messages (each with
    its message_creation step), every object's events interleaved at random with the
    others', each object's final object after its deltas; then ``thread.run.completed``."""
    plan = Plan([], {}, {}, {}, {}, {}, {}, {})
    sequences = []
    paused = False
    for step_number in range(draw(st.integers(0, max_steps))):
        step_id = f"step_tools{step_number}"
        indexes = draw(sparse_indexes(draw(st.integers(1, max_calls))))
        per_call = [draw(_tool_call(step_id, index, plan)) for index in indexes]
        fragments = draw(interleave([call_fragments for call_fragments, _ in per_call]))
        # A run that waits for function outputs after the step's deltas (the end of one
        # stream), the step completing later (in the continuation): at most once per run.
        functions = [(c["id"], c["function"]["name"], c["function"]["arguments"]) for _, c in per_call
                     if c["type"] == "function"]
        pause = []
        if functions and not paused and draw(st.booleans()):
            paused, status = True, "completed"
            pause = [Item("thread.run.requires_action", requires_action_run(functions))]
        else:
            status = draw(st.sampled_from(["completed", "completed", "failed", "cancelled", "expired"]))
        final = step_obj(step_id, status=status, tool_calls=[call for _, call in per_call])
        plan.finals[step_id], plan.kinds[step_id], plan.tool_indexes[step_id] = final, "step", indexes
        sequences.append([
            Item("thread.run.step.created", step_obj(step_id), step_id),
            Item("thread.run.step.in_progress", step_obj(step_id), step_id),
            *draw(_grouped(step_id, "thread.run.step.delta", fragments, step_delta)),
            *pause,
            Item(f"thread.run.step.{final['status']}", final, step_id),
        ])
    for message_number in range(draw(st.integers(0 if sequences else 1, max_messages))):
        message_id, step_id = f"msg_{message_number}", f"step_msg{message_number}"
        indexes = draw(sparse_indexes(draw(st.integers(1, max_parts))))
        per_part = [draw(_part(message_id, index, plan)) for index in indexes]
        fragments = draw(interleave([part_fragments for part_fragments, _ in per_part]))
        status = draw(st.sampled_from(["completed", "completed", "incomplete"]))
        final = message_obj(message_id, status=status, content=[part for _, part in per_part])
        plan.finals[message_id], plan.kinds[message_id], plan.part_indexes[message_id] = final, "message", indexes
        step_final = step_obj(step_id, status="completed", message_id=message_id)
        plan.finals[step_id], plan.kinds[step_id], plan.tool_indexes[step_id] = step_final, "step", []
        sequences.append([
            Item("thread.run.step.created", step_obj(step_id, message_id=message_id), step_id),
            Item("thread.message.created", message_obj(message_id), message_id),
            Item("thread.message.in_progress", message_obj(message_id), message_id),
            *draw(_grouped(message_id, "thread.message.delta", fragments, message_delta)),
            Item(f"thread.message.{status}", final, message_id),
            Item("thread.run.step.completed", step_final, step_id),
        ])
    plan.items = [
        Item("thread.run.created", run_obj("queued")),
        Item("thread.run.queued", run_obj("queued")),
        Item("thread.run.in_progress", run_obj("in_progress")),
        *draw(interleave(sequences)),
        Item("thread.run.completed", run_obj("completed", usage=usage(100, 42))),
        Item("done", {}),
    ]
    return plan


CORRUPTIBLE = ("arguments", "name", "id", "input", "logs", "file_id", "value", "refusal", "url", "text")


def corruptible_strings(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of the string leaves of a delta whose change the final object would show."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in CORRUPTIBLE and isinstance(value, str) and path:
                found.append((*path, key))
            elif isinstance(value, (dict, list)):
                found += corruptible_strings(value, (*path, key))
    elif isinstance(data, list):
        for position, value in enumerate(data):
            found += corruptible_strings(value, (*path, position))
    return found


def corrupted(data: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    """A copy of ``data`` with the string at ``path`` changed."""
    data = json.loads(json.dumps(data))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] += "#"
    return data
