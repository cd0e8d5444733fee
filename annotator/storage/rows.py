"""Conversions between stored rows and domain values (timestamps, JSON, booleans)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson


def dump_time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def load_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def dump_json(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def load_json(value: str | None) -> Any:
    return None if value is None else orjson.loads(value)
