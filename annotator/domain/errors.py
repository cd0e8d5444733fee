"""Errors a user can act on, and turning pydantic's errors into sentences."""

from __future__ import annotations

from pydantic import ValidationError


class AnnotatorError(Exception):
    """An error whose message is one clear sentence for the user (no traceback needed)."""


class InvalidDataError(AnnotatorError):
    """Data that breaks an invariant: a span outside its text, a dangling reference, ..."""


class NotFoundError(AnnotatorError):
    """A record that does not exist in the project."""


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def explain(error: ValidationError, *, source: str | None = None) -> str:
    """One line per problem: where it is and what was expected."""
    lines = []
    for item in error.errors(include_url=False):
        where = _location(tuple(item["loc"]))
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    prefix = f"{source}: " if source else ""
    return prefix + "; ".join(lines)
