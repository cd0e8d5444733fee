"""The schema repository: the label schema, versioned in the project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from annotator.domain.base import utc_now
from annotator.domain.errors import NotFoundError
from annotator.domain.schema import Schema
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_time, load_time


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    version: int
    schema: Schema
    note: str
    created_at: datetime


class SchemaRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn
        self._cache: tuple[int, Schema] | None = None

    def current(self) -> Schema:
        """The schema in force (the latest version)."""
        row = self._conn.execute(
            "SELECT version, schema_json FROM schema_versions ORDER BY version DESC LIMIT 1"
        ).fetchone()
        if row is None:
            raise NotFoundError(f"{self._database.path}: the project has no label schema")
        version, text = row
        if self._cache is None or self._cache[0] != version:
            self._cache = (version, Schema.from_json(text, source=f"schema version {version}"))
        return self._cache[1]

    def save(self, schema: Schema, *, note: str = "") -> int:
        """Store a new version of the schema; returns its number.

        Validated again here: ``model_copy(update=...)`` skips validation, and a schema with a
        clash must never reach the file.
        """
        schema = Schema.from_dict(schema.model_dump(), source="schema")
        with self._database.transaction() as conn:
            (latest,) = conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM schema_versions"
            ).fetchone()
            conn.execute(
                "INSERT INTO schema_versions (version, schema_json, note, created_at) "
                "VALUES (?, ?, ?, ?)",
                (latest + 1, schema.to_json(), note, dump_time(utc_now())),
            )
        return int(latest) + 1

    def history(self) -> list[SchemaVersion]:
        rows = self._conn.execute(
            "SELECT version, schema_json, note, created_at FROM schema_versions ORDER BY version"
        )
        return [
            SchemaVersion(v, Schema.from_json(s, source=f"schema version {v}"), n, load_time(c))
            for v, s, n, c in rows
        ]
