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
"""

from __future__ import annotations

import msgspec

__all__ = ["DECODE_STRING", "learn"]

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
