"""Runs of blank and comment lines skipped in bulk, between events and inside them.

Keep-alive floods (blank lines, bare colons, comment lines, in any line ending) change
nothing, so the SSE decoder skips them a run at a time with patterns matched in C, and a
flood that repeats itself is compared with what was already read instead of being read.
"""

from __future__ import annotations

import re

__all__ = ["comments_end", "end_of_segment", "idle_end", "whole_crlf"]

_CR = 13
_LF = 10
_COLON = 58

# Blank lines and comment lines change nothing between events (a comment is not even part
# of the event it precedes), so runs of them are skipped in bulk, three ways, each in C:
# lines of nothing but colons and line ends (blank-line and bare ``:`` floods) by one
# character class; a few other comment lines by one match of a line pattern; and a long
# run of them a window at a time, by one translation and one search for the start of a
# field line (a line end followed by a byte that is neither a line end nor a colon).
_NEWLINES = re.compile(rb"\n*+")
_BLANKS_AND_COLONS = re.compile(rb"[:\r\n]*+")
_IDLE_LINES = re.compile(rb"(?:[\r\n]++|:[^\r\n]*+(?:\r\n|\r|\n))*+")
_COMMENT_LINES = re.compile(rb"(?::[^\r\n]*+(?:\r\n|\r|\n))*+")
_FIELD_MARKS = bytes(10 if byte in (10, 13) else 58 if byte == 58 else 120 for byte in range(256))
# How far the line pattern goes before the windows take over, and the largest window.
_SHORT_RUN = 512
_WINDOW = 1 << 20
# The line path splits this much at a time, so that a run it skips is never split.
_SEGMENT = 4096


def _line_start_before(buffer: bytes, start: int, end: int) -> int:
    """The start of the line ``end`` falls in (``start`` if no line ends in between)."""
    return max(buffer.rfind(b"\n", start, end), buffer.rfind(b"\r", start, end), start - 1) + 1


def whole_crlf(buffer: bytes, end: int) -> int:
    """``end``, moved past an LF that completes the CR just before it."""
    if buffer[end - 1 : end] == b"\r" and buffer[end : end + 1] == b"\n":
        return end + 1
    return end


def idle_end(buffer: bytes, start: int, limit: int) -> int:
    """Where the blank and comment lines at ``start`` (a line start between events) end:
    at the start of a field line, or of a line of ``limit`` bytes or more (left to the line
    path, which raises for it), or at the end of ``buffer`` (whole lines, CR, LF or CRLF)."""
    size = len(buffer)
    position = start
    while position < size:
        stop = min(size, position + min(limit, _WINDOW))  # a line ending before it is short enough
        short = min(stop, position + _SHORT_RUN)
        end = _NEWLINES.match(buffer, position, short).end()  # type: ignore[union-attr]
        end = _BLANKS_AND_COLONS.match(buffer, end, short).end()  # type: ignore[union-attr]
        if end == short and end < stop:  # a long run: while it repeats itself, by comparisons
            end = _line_start_before(buffer, position, end)
            if end - position >= _SHORT_RUN // 2:
                end = _repeats_end(buffer, position, whole_crlf(buffer, end), stop)
            end = _BLANKS_AND_COLONS.match(buffer, end, stop).end()  # type: ignore[union-attr]
        if end > position and end < size and buffer[end - 1] != _LF and buffer[end - 1] != _CR:
            end = _line_start_before(buffer, position, end)  # it stopped inside a comment's text
        if end > position:
            position = whole_crlf(buffer, end)
            continue
        if buffer[position] != _COLON:
            return position  # a field line
        # Comment lines with text: a few by the line pattern, a long run a window at a time.
        end = _IDLE_LINES.match(buffer, position, min(stop, position + _SHORT_RUN)).end()  # type: ignore[union-attr]
        if end == position:
            return position  # a long comment line: the line path takes it
        read, position = position, whole_crlf(buffer, end)
        if position - read < _SHORT_RUN // 2 or position >= size:
            continue
        # A long run: while it repeats itself, by comparisons; else a window at a time, by
        # one translation (field line starts become "\nx") and one search.
        stop = min(size, position + min(limit, _WINDOW))
        position = _repeats_end(buffer, read, position, stop)
        window_end = size if stop == size else _line_start_before(buffer, position, stop)
        if window_end - position < _SHORT_RUN:
            continue
        first = buffer[position]
        if first != _COLON and first != _LF and first != _CR:
            continue
        found = buffer[position:window_end].translate(_FIELD_MARKS).find(b"\nx")
        if found >= 0:
            return position + found + 1
        position = whole_crlf(buffer, window_end)
    return position


def _repeats_end(buffer: bytes, start: int, end: int, stop: int) -> int:
    """How far the idle lines ``[start, end)`` (whole lines, just read) go on repeating
    themselves before ``stop``: a flood sends the same keep-alive over and over, so its
    period is found once and whole windows of it are compared with what was already read
    (a memory comparison), instead of being read again line by line."""
    tail = buffer[max(start, end - 16) : end]
    previous = buffer.rfind(tail, start, end - 1)
    period = end - len(tail) - previous
    if previous < 0:
        return end
    # The tail ends a line, so its earlier occurrence does too: ``block`` starts a line (were
    # that a CR of a CRLF, its LF would differ from what follows ``end``, a line start), and
    # copies of [block, end) are whole idle lines.
    block = end - period
    low, high = 0, (stop - end) // period  # how many more periods repeat: between low and high
    if buffer[end : end + high * period] == buffer[block : block + high * period]:
        return end + high * period  # the usual case: the whole window
    while low < high - 1:
        middle = (low + high) // 2
        if buffer[end : end + middle * period] == buffer[block : block + middle * period]:
            low = middle
        else:
            high = middle
    return end + low * period


def end_of_segment(buffer: bytes, start: int) -> int:
    """The end of the line that ends at or after ``start + _SEGMENT`` (or of ``buffer``)."""
    stop = start + _SEGMENT
    if stop >= len(buffer):
        return len(buffer)
    lf, cr = buffer.find(b"\n", stop - 1), buffer.find(b"\r", stop - 1)
    end = min(lf, cr) if lf >= 0 and cr >= 0 else max(lf, cr)
    return len(buffer) if end < 0 else whole_crlf(buffer, end + 1)


def comments_end(buffer: bytes, start: int, limit: int) -> int:
    """Where the comment lines at ``start`` (inside an event) end; those shorter than
    ``limit`` only (a longer one is left to the line path, which raises for it)."""
    end = _COMMENT_LINES.match(buffer, start, min(len(buffer), start + limit)).end()  # type: ignore[union-attr]
    return whole_crlf(buffer, end) if end > start else start


