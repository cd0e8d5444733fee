"""Identifiers made in the domain: sortable, unique, stable across merges (ULID form)."""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two base-32 digits per lookup: 13 lookups make the 26 characters of a ULID.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


def new_id() -> str:
    """A new 26-character ULID: 48 bits of milliseconds, then 80 random bits.

    Ids sort by creation time as plain strings, so exports list items in the order made.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in range(120, -1, -10)])
