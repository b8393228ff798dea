"""Anomalies: what the accumulator met in a stream that a well-formed stream never holds, and
survived (a delta for an unknown object, an event after the run ended...).

They are recorded, never raised: nothing already received is lost to a stream that says
something odd. `Accumulator.anomalies` lists them; a stream logs each as a warning.
"""

from __future__ import annotations

import msgspec

__all__ = ["Anomaly"]


class Anomaly(msgspec.Struct, frozen=True, gc=False):
    """Something unexpected the accumulator survived, e.g. a delta for an unknown message.

    Attributes:
        kind: a stable identifier, e.g. ``"delta_for_unknown_message"``.
        detail: a readable explanation.
        ordinal: the position of the event in what the accumulator was fed.
    """

    kind: str
    detail: str
    ordinal: int
