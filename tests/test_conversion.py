"""`runstream._models.conversion.convert` is ``msgspec.convert``: the same result and the same
error message for any JSON value and any annotation of the models."""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runstream._models.conversion import convert
from runstream._responses.models import Response, ResponseOutputItem, ResponseTool
from runstream._models.message import ContentPart
from runstream._models.run_step import StepDetails, ToolCall

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["type", "id", "text", "value", "index", "x"]) | st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)

ANNOTATIONS: list[Any] = [
    int,
    int | None,
    Union[int, float, None],  # noqa: UP007
    str,
    list[int],
    list[str] | None,
    dict[str, Any],
    dict[str, int],
    Literal["a", "b"],
    list[ResponseOutputItem],
    list[ResponseTool],
    list[ContentPart],
    list[ToolCall],
    StepDetails,
    Response,
]

# Values the union members accept, so the paths past the first level are reached too.
shaped = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "function_call", "text", "function", "tool_calls", "nope"])},
    optional={"id": json_values, "text": json_values, "content": json_values, "index": json_values,
              "arguments": json_values, "function": json_values, "tool_calls": json_values},
)


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return "value", msgspec.to_builtins(call())
    except msgspec.ValidationError as error:
        return "error", str(error)


values = json_values | shaped | st.lists(shaped, max_size=3)


@settings(max_examples=10, deadline=None)  # the slow copy below draws 300
@given(annotation=st.sampled_from(ANNOTATIONS), value=values)
def test_convert_is_msgspec_convert(annotation: Any, value: Any) -> None:
    assert outcome(lambda: convert(value, annotation)) == outcome(lambda: msgspec.convert(value, annotation))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(annotation=st.sampled_from(ANNOTATIONS), value=values)
def test_convert_is_msgspec_convert_thoroughly(annotation: Any, value: Any) -> None:
    assert outcome(lambda: convert(value, annotation)) == outcome(lambda: msgspec.convert(value, annotation))


def test_an_error_at_the_root_has_no_path_and_a_nested_one_its_own() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"^Expected `int \| null`, got `str`$"):
        convert("x", int | None)
    with pytest.raises(msgspec.ValidationError, match=r"^Expected `int`, got `str` - at `\$\[1\]`$"):
        convert([1, "x"], list[int])
