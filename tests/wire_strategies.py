"""Hypothesis strategies for plain JSON shaped like the spec's wire objects (§C, §D of
the wire-format reference): every field the model encodes is present, so a decoded object
must encode back to exactly the generated JSON. Enums that may grow also draw unknown values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=10)
text = st.text(max_size=12)
ints = st.integers(0, 2**40)
unit = st.floats(0, 1)
new_word = st.from_regex(r"new_[a-z]{1,6}", fullmatch=True)  # values a newer server may send


def null(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def obj(
    required: dict[str, Any], optional: dict[str, Any] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    fixed = {
        key: value if isinstance(value, st.SearchStrategy) else st.just(value)
        for key, value in required.items()
    }
    return st.fixed_dictionaries(fixed, optional=optional or {})


def grows(*known: str) -> st.SearchStrategy[str]:
    return st.sampled_from(known) | new_word


json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ids, inner, max_size=3),
    max_leaves=6,
)
json_object = st.dictionaries(ids, json_value, max_size=3)
metadata = null(st.dictionaries(ids, text, max_size=3))
usage = null(obj({"completion_tokens": ints, "prompt_tokens": ints, "total_tokens": ints}))
ranking_options = obj({"ranker": grows("auto", "default_2024_08_21"), "score_threshold": unit})
last_error = null(
    obj(
        {
            "code": null(
                grows("server_error", "rate_limit_exceeded", "invalid_prompt", "tool_user_error")
            ),
            "message": text,
        }
    )
)

run_tool = st.one_of(
    obj({"type": "code_interpreter"}),
    obj(
        {"type": "file_search"},
        {
            "file_search": obj(
                {}, {"max_num_results": st.integers(1, 50), "ranking_options": ranking_options}
            )
        },
    ),
    obj(
        {
            "type": "function",
            "function": obj(
                {"name": ids},
                {"description": text, "parameters": json_object, "strict": null(st.booleans())},
            ),
        }
    ),
)
required_action = obj(
    {
        "type": "submit_tool_outputs",
        "submit_tool_outputs": obj(
            {
                "tool_calls": st.lists(
                    obj(
                        {
                            "id": ids,
                            "type": "function",
                            "function": obj({"name": ids, "arguments": text}),
                        }
                    ),
                    max_size=3,
                )
            }
        ),
    }
)
tool_choice = st.sampled_from(["none", "auto", "required"]) | obj(
    {"type": st.sampled_from(["function", "code_interpreter", "file_search"])},
    {"function": obj({"name": ids})},
)
response_format = st.one_of(
    st.just("auto"),
    obj({"type": st.sampled_from(["text", "json_object"])}),
    obj(
        {
            "type": "json_schema",
            "json_schema": obj(
                {"name": ids},
                {"description": text, "schema": json_object, "strict": null(st.booleans())},
            ),
        }
    ),
)
run_json = obj(
    {
        "id": ids,
        "object": "thread.run",
        "created_at": ints,
        "thread_id": ids,
        "assistant_id": ids,
        "status": grows(
            "queued",
            "in_progress",
            "requires_action",
            "cancelling",
            "cancelled",
            "failed",
            "completed",
            "incomplete",
            "expired",
        ),
        "required_action": null(required_action),
        "last_error": last_error,
        "expires_at": null(ints),
        "started_at": null(ints),
        "cancelled_at": null(ints),
        "failed_at": null(ints),
        "completed_at": null(ints),
        "incomplete_details": null(
            obj({"reason": grows("max_completion_tokens", "max_prompt_tokens")})
        ),
        "model": text,
        "instructions": text,
        "tools": st.lists(run_tool, max_size=4),
        "metadata": metadata,
        "usage": usage,
        "temperature": null(st.floats(0, 2)),
        "top_p": null(unit),
        "max_prompt_tokens": null(st.integers(256, 10**6)),
        "max_completion_tokens": null(st.integers(256, 10**6)),
        "truncation_strategy": null(
            obj(
                {
                    "type": st.sampled_from(["auto", "last_messages"]),
                    "last_messages": null(st.integers(1, 100)),
                }
            )
        ),
        "tool_choice": null(tool_choice),
        "parallel_tool_calls": st.booleans(),
        "response_format": null(response_format),
    },
    {
        "tool_resources": null(
            obj({}, {"code_interpreter": obj({"file_ids": st.lists(ids, max_size=2)})})
        )
    },
)

ci_output = obj({"type": "logs", "logs": text}) | obj(
    {"type": "image", "image": obj({"file_id": ids})}
)
file_search_result = obj(
    {"file_id": ids, "file_name": text, "score": unit},
    {"content": st.lists(obj({"type": "text", "text": text}), max_size=2)},
)
tool_call = st.one_of(
    obj(
        {
            "id": ids,
            "type": "code_interpreter",
            "code_interpreter": obj({"input": text, "outputs": st.lists(ci_output, max_size=3)}),
        }
    ),
    obj(
        {
            "id": ids,
            "type": "file_search",
            "file_search": obj(
                {},
                {
                    "ranking_options": ranking_options,
                    "results": st.lists(file_search_result, max_size=2),
                },
            ),
        }
    ),
    obj(
        {
            "id": ids,
            "type": "function",
            "function": obj({"name": ids, "arguments": text, "output": null(text)}),
        }
    ),
)
step_details = obj(
    {"type": "message_creation", "message_creation": obj({"message_id": ids})}
) | obj({"type": "tool_calls", "tool_calls": st.lists(tool_call, max_size=3)})
run_step_json = st.builds(
    lambda step, details: {**step, "step_details": details, "type": details["type"]},
    obj(
        {
            "id": ids,
            "object": "thread.run.step",
            "created_at": ints,
            "assistant_id": ids,
            "thread_id": ids,
            "run_id": ids,
            "status": grows("in_progress", "cancelled", "failed", "completed", "expired"),
            "last_error": last_error,
            "expired_at": null(ints),
            "cancelled_at": null(ints),
            "failed_at": null(ints),
            "completed_at": null(ints),
            "metadata": metadata,
            "usage": usage,
        },
        {"expires_at": null(ints)},
    ),
    step_details,
)

span = {"text": text, "start_index": ints, "end_index": ints}
annotation = obj({"type": "file_citation", "file_citation": obj({"file_id": ids}), **span}) | obj(
    {"type": "file_path", "file_path": obj({"file_id": ids}), **span}
)
detail = {"detail": st.sampled_from(["auto", "low", "high"])}
content_part = st.one_of(
    obj(
        {
            "type": "text",
            "text": obj({"value": text, "annotations": st.lists(annotation, max_size=3)}),
        }
    ),
    obj({"type": "image_file", "image_file": obj({"file_id": ids}, detail)}),
    obj(
        {
            "type": "image_url",
            "image_url": obj({"url": ids.map("https://example.com/{}".format)}, detail),
        }
    ),
    obj({"type": "refusal", "refusal": text}),
)
attachment = obj(
    {},
    {
        "file_id": ids,
        "tools": st.lists(obj({"type": grows("code_interpreter", "file_search")}), max_size=2),
    },
)
message_json = obj(
    {
        "id": ids,
        "object": "thread.message",
        "created_at": ints,
        "thread_id": ids,
        "status": grows("in_progress", "incomplete", "completed"),
        "incomplete_details": null(
            obj(
                {
                    "reason": grows(
                        "content_filter", "max_tokens", "run_cancelled", "run_expired", "run_failed"
                    )
                }
            )
        ),
        "completed_at": null(ints),
        "incomplete_at": null(ints),
        "role": st.sampled_from(["user", "assistant"]),
        "content": st.lists(content_part, max_size=4),
        "assistant_id": null(ids),
        "run_id": null(ids),
        "attachments": null(st.lists(attachment, max_size=2)),
        "metadata": metadata,
    }
)
thread_json = obj(
    {
        "id": ids,
        "object": "thread",
        "created_at": ints,
        "metadata": metadata,
        "tool_resources": null(
            obj(
                {},
                {
                    "code_interpreter": obj({"file_ids": st.lists(ids, max_size=3)}),
                    "file_search": obj({"vector_store_ids": st.lists(ids, max_size=1)}),
                },
            )
        ),
    }
)
error_json = obj({"code": null(text), "message": text, "param": null(text), "type": text})

# Deltas: every member but `index` and `type` may be absent.
index = {"index": st.integers(0, 50)}
span_delta = {"text": text, "start_index": ints, "end_index": ints}
annotation_delta = obj(
    {**index, "type": "file_citation"},
    {"file_citation": obj({}, {"file_id": ids, "quote": text}), **span_delta},
) | obj({**index, "type": "file_path"}, {"file_path": obj({}, {"file_id": ids}), **span_delta})
content_delta = st.one_of(
    obj(
        {**index, "type": "text"},
        {"text": obj({}, {"value": text, "annotations": st.lists(annotation_delta, max_size=2)})},
    ),
    obj({**index, "type": "image_file"}, {"image_file": obj({}, {"file_id": ids, **detail})}),
    obj({**index, "type": "image_url"}, {"image_url": obj({}, {"url": ids, **detail})}),
    obj({**index, "type": "refusal"}, {"refusal": text}),
)
message_delta_json = obj(
    {
        "id": ids,
        "object": "thread.message.delta",
        "delta": obj(
            {},
            {
                "role": st.sampled_from(["user", "assistant"]),
                "content": st.lists(content_delta, max_size=3),
            },
        ),
    }
)
output_delta = obj({**index, "type": "logs"}, {"logs": text}) | obj(
    {**index, "type": "image"}, {"image": obj({}, {"file_id": ids})}
)
tool_call_delta = st.one_of(
    obj(
        {**index, "type": "code_interpreter"},
        {
            "id": ids,
            "code_interpreter": obj(
                {}, {"input": text, "outputs": st.lists(output_delta, max_size=2)}
            ),
        },
    ),
    obj(
        {**index, "type": "file_search"},
        {
            "id": ids,
            "file_search": obj(
                {},
                {
                    "ranking_options": ranking_options,
                    "results": st.lists(file_search_result, max_size=1),
                },
            ),
        },
    ),
    obj(
        {**index, "type": "function"},
        {"id": ids, "function": obj({}, {"name": ids, "arguments": text, "output": null(text)})},
    ),
)
step_details_delta = obj(
    {"type": "message_creation"}, {"message_creation": obj({}, {"message_id": ids})}
) | obj({"type": "tool_calls"}, {"tool_calls": st.lists(tool_call_delta, max_size=3)})
run_step_delta_json = obj(
    {
        "id": ids,
        "object": "thread.run.step.delta",
        "delta": obj({}, {"step_details": step_details_delta}),
    }
)
