"""runstream's logger: the standard library's ``logging``, under the name ``"runstream"``.

DEBUG tells what happens (each request's method, path and status; each stream's start and
end with its event count; re-sync polls; tool-loop rounds). WARNING tells what should not
have happened (anomalies of a stream). No record carries a key, a token or a header; request
bodies and tool arguments never appear above DEBUG.
"""

from __future__ import annotations

import logging

__all__ = ["logger"]

#: The library's logger; configure it like any other (``logging.getLogger("runstream")``).
logger = logging.getLogger("runstream")
# A library leaves output to the application: without this, Python's last-resort handler
# would print WARNING records to stderr of programs that never configured logging.
logger.addHandler(logging.NullHandler())
