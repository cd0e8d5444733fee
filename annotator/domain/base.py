"""The base of every domain model: strict, frozen pydantic models."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def utc_now() -> datetime:
    """Now, in UTC, to the millisecond (what the project file stores)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
