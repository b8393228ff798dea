"""Delta templates: the next delta recognised by its bytes, its one string decoded alone.

Consecutive deltas of one function call (or one text part) are usually the same bytes but
for one string: ``{"id":"step_1", ... "function":{"arguments":"<fragment>"}}]}}}``. Once one
such delta was decoded and merged whole, the bytes before its string (up to the opening
quote) and after it (from the closing quote) are its *template*. A later delta that starts
and ends with exactly those bytes, and whose middle is one valid JSON string, decodes to the
same object with only that string different: the JSON before and after it is the same
text, so it means the same. Its string alone is decoded (with the same decoder, so it is
exactly what a whole decode gives), with no event object. Anything else (other bytes around
it, an escape that ends the string early, invalid UTF-8) is decoded whole, as usual.

A long run of such deltas is recognised at once (`template_strings`): their data, joined by
line feeds (which no data line holds), are checked by two counts in C, each string is cut out
by the same slice and decoded alone, all by ``map``, with no Python code per delta.
"""

from __future__ import annotations

from itertools import repeat
from operator import getitem, itemgetter
from typing import Any

import msgspec

__all__ = ["DECODE_STRING", "learn", "template_strings"]

#: Decodes one JSON string literal, quotes included (errors as the whole decode would give).
DECODE_STRING = msgspec.json.Decoder(str).decode

_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_SPACE = frozenset(b" \t\r\n")


def learn(raw: bytes, key: bytes) -> tuple[bytes, bytes] | None:
    """The template of ``raw``: the bytes up to the opening quote of the string value of
    its first ``key`` member (``b'"arguments":'``), and from its closing quote on; ``None``
    when there is no such string.

    ``raw`` must be JSON whose first ``key`` member is the string to vary: a key's bytes
    cannot occur inside a string, where every quote is escaped.
    """
    start = raw.find(key)
    if start < 0:
        return None
    start += len(key)
    while start < len(raw) and raw[start] in _SPACE:
        start += 1
    if start >= len(raw) or raw[start] != _QUOTE:
        return None
    end = start + 1
    while True:
        end = raw.find(b'"', end)
        if end < 0:
            return None
        escapes = 0
        while raw[end - 1 - escapes] == _BACKSLASH:
            escapes += 1
        if escapes % 2 == 0:  # not itself escaped: the string ends here
            return raw[: start + 1], raw[end:]
        end += 1


_name = itemgetter(0)
_data = itemgetter(1)


def template_strings(pairs: list[Any], start: int, count: int, name: bytes, prefix: bytes, suffix: bytes) -> list[str]:
    """The strings of the longest run of ``(name, data)`` pairs from ``start`` (at most
    ``count``) whose data are each exactly ``prefix``, one JSON string and ``suffix`` (a
    template from `learn`), decoded: what the whole decode of each would give them. Stops
    before the first pair of another name, or with other bytes, or whose string does not
    decode (that one goes the usual way, for its exact result or error).
    """
    window = pairs[start : start + count]
    names = list(map(_name, window))
    if names.count(name) != len(names):
        window = window[: next(index for index, other in enumerate(names) if other != name)]
    if not window or len(suffix) < 2:
        return []
    datas = list(map(_data, window))
    # The data of a `RawRun` are data lines, which hold no line feed: joined by line feeds,
    # every datum starts with the prefix and ends with the suffix exactly when the joined
    # bytes do and each line feed has the suffix before it and the prefix after it. Each
    # count is one search in C (a long needle searched occurrence by occurrence, as split or
    # replace do, costs a setup every time).
    joined = b"\n".join(datas)
    between = len(datas) - 1
    if not (joined.startswith(prefix) and joined.endswith(suffix) and joined.count(b"\n" + prefix) == between
            and joined.count(suffix + b"\n") == between):
        # The run ends within the window: up to the first delta that does not fit.
        for position, data in enumerate(datas):
            if not (type(data) is bytes and data.startswith(prefix) and data.endswith(suffix)):
                del datas[position:]
                break
    # Each string with its quotes: the same slice of every datum, the suffix's length from its end.
    strings: list[str] = []
    try:
        strings.extend(map(DECODE_STRING, map(getitem, datas, repeat(slice(len(prefix) - 1, 1 - len(suffix))))))
    except (msgspec.MsgspecError, RecursionError):
        pass  # stopped at the first that is not one string
    return strings
