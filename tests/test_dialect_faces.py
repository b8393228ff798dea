"""The public faces of the Responses API and Chat Completions dialects: ``runstream.responses``
and ``runstream.chat`` export sorted, documented names the API reference names."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

import pytest

import runstream
import runstream.chat
import runstream.responses

FACES = (runstream.chat, runstream.responses)
REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


@pytest.mark.parametrize("face", FACES, ids=lambda face: face.__name__)
def test_all_is_sorted_complete_and_documented(face: types.ModuleType) -> None:
    public = {
        name
        for name, value in vars(face).items()
        if not name.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__.startswith("runstream")
    }
    assert face.__all__ == sorted(face.__all__)
    assert set(face.__all__) >= public
    reference = REFERENCE.read_text(encoding="utf-8")
    assert [name for name in face.__all__ if not re.search(rf"\b{name}\b", reference)] == []
    for name in face.__all__:
        value = getattr(face, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name
            assert not value.__module__.startswith("runstream._") or hasattr(value, "__struct_fields__"), name


def test_the_streams_are_at_the_top_level_too() -> None:
    assert runstream.ChatCompletionStream is runstream.chat.ChatCompletionStream
    assert runstream.ResponseStream is runstream.responses.ResponseStream
