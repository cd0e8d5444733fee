"""The schema repository: the label schema, versioned in the project."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from annotator.domain.base import utc_now
from annotator.domain.errors import InvalidDataError, NotFoundError
from annotator.domain.schema import Schema
from annotator.storage.audit import record
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_json, dump_time, load_json, load_time


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
        self.labels = LabelStore(database)

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

    def latest_version(self) -> int:
        (version,) = self._conn.execute(
            "SELECT COALESCE(MAX(version), 0) FROM schema_versions"
        ).fetchone()
        return int(version)

    def history(self) -> list[SchemaVersion]:
        rows = self._conn.execute(
            "SELECT version, schema_json, note, created_at FROM schema_versions ORDER BY version"
        )
        return [
            SchemaVersion(v, Schema.from_json(s, source=f"schema version {v}"), n, load_time(c))
            for v, s, n, c in rows
        ]


# -- labels in use ------------------------------------------------------------------------------


class LabelKind(StrEnum):
    """The kinds of schema label that annotation items refer to by name."""

    ENTITY_TYPE = "entity type"
    QUOTE_TYPE = "quote type"
    POLARITY = "polarity"
    TOPIC = "topic"
    QUESTION = "document question"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class LabelRef:
    """One label of the schema; a choice also names its question."""

    kind: LabelKind
    name: str
    question: str | None = None

    def __str__(self) -> str:
        if self.kind is LabelKind.CHOICE:
            return f"choice {self.name!r} of {self.question}"
        return f"{self.kind} {self.name}"


#: Where each kind of label is stored: (table, column). A choice lives inside the JSON list
#: ``document_labels.values`` of its question.
USED_IN: dict[LabelKind, tuple[tuple[str, str], ...]] = {
    LabelKind.ENTITY_TYPE: (("mentions", "label"), ("entities", "label")),
    LabelKind.QUOTE_TYPE: (("quotes", "quote_type"),),
    LabelKind.POLARITY: (("stances", "polarity"),),
    LabelKind.TOPIC: (("stances", "target_topic"),),
    LabelKind.QUESTION: (("document_labels", "question"),),
    LabelKind.CHOICE: (("document_labels", "values"),),
}

#: Insertion order that satisfies the foreign keys when rows come back.
_RESTORE_ORDER = ("entities", "mentions", "quotes", "stances", "stance_evidence", "document_labels")

_ITEM_NAMES = {
    "mentions": "mention",
    "entities": "entity",
    "quotes": "quote",
    "stances": "stance",
    "stance_evidence": "evidence span",
    "document_labels": "document label",
}


def describe_counts(counts: dict[str, int]) -> str:
    """``{"mentions": 12, "entities": 1}`` -> ``12 mentions and 1 entity``."""
    parts = []
    for table, n in counts.items():
        if n:
            name = _ITEM_NAMES.get(table, table)
            plural = "entities" if name == "entity" else f"{name}s"
            parts.append(f"{n} {name if n == 1 else plural}")
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True, slots=True)
class LabelUsage:
    """Where one label is used: items per table, and the sets and articles that hold them."""

    counts: dict[str, int]
    set_ids: tuple[str, ...]
    article_ids: tuple[str, ...]
    gold_sets: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        if not self.total:
            return "not used by any label"
        articles = len(self.article_ids)
        text = f"{describe_counts(self.counts)} in {articles} article{'s' * (articles != 1)}"
        if self.gold_sets:
            text += f" ({self.gold_sets} of them in gold sets)"
        return text


@dataclass(frozen=True, slots=True)
class DataChange:
    """What one label operation did to the annotations, precisely enough to take it back.

    ``updated``: (table, id, column, before, after); ``cleared``: references set to NULL,
    (table, id, column, before); ``deleted``: whole rows per table, as they were.
    """

    updated: tuple[tuple[str, str, str, Any, Any], ...] = ()
    cleared: tuple[tuple[str, str, str, Any], ...] = ()
    deleted: tuple[tuple[str, dict[str, Any]], ...] = ()
    set_ids: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for table, _id, _column, _before, _after in self.updated:
            out[table] = out.get(table, 0) + 1
        for table, _row in self.deleted:
            out[table] = out.get(table, 0) + 1
        return out

    @property
    def empty(self) -> bool:
        return not (self.updated or self.cleared or self.deleted)


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What ``restore_labels`` put back, and what it could not (with the reason)."""

    restored: int
    not_restored: tuple[str, ...]
    set_ids: tuple[str, ...]


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


class LabelStore:
    """Finds and changes the annotation items that use a schema label, across all sets.

    Methods that write run inside the caller's transaction (``ProjectDatabase.transaction``
    nests as a savepoint), so a schema service can change labels and save the schema as one
    step.
    """

    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn

    # -- reading -------------------------------------------------------------------------------

    def _where(self, ref: LabelRef, alias: str, column: str) -> tuple[str, tuple[Any, ...]]:
        if ref.kind is LabelKind.CHOICE:
            return (
                f'{alias}.question = ? AND EXISTS (SELECT 1 FROM json_each({alias}."values") '
                "WHERE json_each.value = ?)",
                (ref.question, ref.name),
            )
        return f'{alias}."{column}" = ?', (ref.name,)

    def usage(self, ref: LabelRef) -> LabelUsage:
        counts: dict[str, int] = {}
        sets: dict[str, tuple[str, str]] = {}
        for table, column in USED_IN[ref.kind]:
            where, params = self._where(ref, "t", column)
            rows = self._conn.execute(
                f"SELECT t.set_id, s.article_id, s.kind, COUNT(*) FROM {table} t "
                f"JOIN annotation_sets s ON s.id = t.set_id WHERE {where} GROUP BY t.set_id",
                params,
            )
            counts[table] = 0
            for set_id, article_id, kind, n in rows:
                counts[table] += int(n)
                sets[set_id] = (article_id, kind)
        return LabelUsage(
            counts=counts,
            set_ids=tuple(sorted(sets)),
            article_ids=tuple(sorted({a for a, _k in sets.values()})),
            gold_sets=sum(1 for _a, k in sets.values() if k == "gold"),
        )

    def names_in_use(self, kind: LabelKind) -> dict[str, int]:
        """Every name of ``kind`` used by some item, with its count (choices as
        ``question/choice``)."""
        out: dict[str, int] = {}
        if kind is LabelKind.CHOICE:
            rows = self._conn.execute(
                "SELECT d.question, j.value, COUNT(*) "
                'FROM document_labels d, json_each(d."values") j GROUP BY d.question, j.value'
            )
            return {f"{q}/{v}": int(n) for q, v, n in rows}
        for table, column in USED_IN[kind]:
            for name, n in self._conn.execute(
                f'SELECT "{column}", COUNT(*) FROM {table} WHERE "{column}" IS NOT NULL '
                f'GROUP BY "{column}"'
            ):
                out[str(name)] = out.get(str(name), 0) + int(n)
        return out

    # -- writing -------------------------------------------------------------------------------

    def relabel(self, ref: LabelRef, new_name: str) -> DataChange:
        """Every item using ``ref`` uses ``new_name`` instead (a rename or a merge)."""
        updated: list[tuple[str, str, str, Any, Any]] = []
        sets: set[str] = set()
        with self._database.transaction() as conn:
            if ref.kind is LabelKind.QUESTION:
                (both,) = conn.execute(
                    "SELECT COUNT(*) FROM document_labels a JOIN document_labels b "
                    "ON a.set_id = b.set_id WHERE a.question = ? AND b.question = ?",
                    (ref.name, new_name),
                ).fetchone()
                if both:
                    raise InvalidDataError(
                        f"{both} annotation set(s) answer both {ref.name} and {new_name}; "
                        "questions cannot be merged"
                    )
            for table, column in USED_IN[ref.kind]:
                where, params = self._where(ref, "t", column)
                rows = conn.execute(
                    f'SELECT t.id, t.set_id, t."{column}" FROM {table} t WHERE {where}', params
                ).fetchall()
                for item_id, set_id, before in rows:
                    after: Any = new_name
                    if ref.kind is LabelKind.CHOICE:
                        values = [new_name if v == ref.name else v for v in load_json(before)]
                        after = dump_json(list(dict.fromkeys(values)))
                    conn.execute(
                        f'UPDATE {table} SET "{column}" = ? WHERE id = ?', (after, item_id)
                    )
                    updated.append((table, item_id, column, before, after))
                    sets.add(set_id)
            self._touch(conn, sets)
        return DataChange(updated=tuple(updated), set_ids=tuple(sorted(sets)))

    def delete_labelled(self, ref: LabelRef) -> DataChange:
        """Delete every item that uses ``ref``, and what cannot stand without them.

        An entity type takes its mentions and entities with it; mentions of other types lose
        their link to such an entity, quotes lose such a speaker, and stances held by or aimed
        at such an entity go too. A quote type takes its quotes (evidence keeps its span and
        loses the link); a polarity or topic its stances; a question its answers. A deleted
        choice leaves the other choices of an answer; an answer left empty is deleted.
        """
        updated: list[tuple[str, str, str, Any, Any]] = []
        cleared: list[tuple[str, str, str, Any]] = []
        deleted: list[tuple[str, dict[str, Any]]] = []
        sets: set[str] = set()

        with self._database.transaction() as conn:

            def take(table: str, where: str, params: tuple[Any, ...]) -> None:
                rows = _rows(conn, f"SELECT * FROM {table} WHERE {where}", params)
                for row in rows:
                    deleted.append((table, row))
                    sets.add(row["set_id"])
                if rows:
                    conn.execute(f"DELETE FROM {table} WHERE {where}", params)

            def clear(table: str, column: str, where: str, params: tuple[Any, ...]) -> None:
                rows = conn.execute(
                    f'SELECT id, set_id, "{column}" FROM {table} WHERE {where}', params
                ).fetchall()
                for item_id, set_id, before in rows:
                    cleared.append((table, item_id, column, before))
                    sets.add(set_id)
                if rows:
                    conn.execute(f'UPDATE {table} SET "{column}" = NULL WHERE {where}', params)

            def take_stances(where: str, params: tuple[Any, ...]) -> None:
                take(
                    "stance_evidence",
                    f"stance_id IN (SELECT id FROM stances WHERE {where})",
                    params,
                )
                take("stances", where, params)

            name = (ref.name,)
            if ref.kind is LabelKind.ENTITY_TYPE:
                doomed = "(SELECT id FROM entities WHERE label = ?)"
                take_stances(f"holder_id IN {doomed} OR target_entity_id IN {doomed}", name * 2)
                clear("mentions", "entity_id", f"label <> ? AND entity_id IN {doomed}", name * 2)
                clear(
                    "quotes",
                    "speaker_id",
                    "speaker_id IN (SELECT id FROM mentions WHERE label = ?)",
                    name,
                )
                take("mentions", "label = ?", name)
                take("entities", "label = ?", name)
            elif ref.kind is LabelKind.QUOTE_TYPE:
                clear(
                    "stance_evidence",
                    "quote_id",
                    "quote_id IN (SELECT id FROM quotes WHERE quote_type = ?)",
                    name,
                )
                take("quotes", "quote_type = ?", name)
            elif ref.kind is LabelKind.POLARITY:
                take_stances("polarity = ?", name)
            elif ref.kind is LabelKind.TOPIC:
                take_stances("target_topic = ?", name)
            elif ref.kind is LabelKind.QUESTION:
                take("document_labels", "question = ?", name)
            else:
                where, params = self._where(ref, "document_labels", "values")
                rows = conn.execute(
                    f'SELECT id, set_id, "values" FROM document_labels WHERE {where}', params
                ).fetchall()
                for item_id, set_id, before in rows:
                    left = [v for v in load_json(before) if v != ref.name]
                    if left:
                        after = dump_json(left)
                        conn.execute(
                            'UPDATE document_labels SET "values" = ? WHERE id = ?', (after, item_id)
                        )
                        updated.append(("document_labels", item_id, "values", before, after))
                        sets.add(set_id)
                    else:
                        take("document_labels", "id = ?", (item_id,))
            self._touch(conn, sets)
        return DataChange(
            updated=tuple(updated),
            cleared=tuple(cleared),
            deleted=tuple(deleted),
            set_ids=tuple(sorted(sets)),
        )

    def restore(self, change: DataChange) -> RestoreReport:
        """Take back ``change``: deleted rows return, cleared links come back where they are
        still empty, and updated values go back where they are still as the change left them
        (a later edit of the same item wins). Rows that can no longer be stored (their set or
        a row they need was deleted since) are reported, not forced."""
        restored = 0
        problems: list[str] = []
        sets: set[str] = set()
        with self._database.transaction() as conn:
            by_table: dict[str, list[dict[str, Any]]] = {}
            for table, row in change.deleted:
                by_table.setdefault(table, []).append(row)
            for table in _RESTORE_ORDER:
                for row in by_table.get(table, []):
                    columns = list(row)
                    conn.execute("SAVEPOINT restore_row")
                    try:
                        conn.execute(
                            f"INSERT INTO {table} ({', '.join(f'{_q(c)}' for c in columns)}) "
                            f"VALUES ({', '.join('?' * len(columns))})",
                            [row[c] for c in columns],
                        )
                    except sqlite3.IntegrityError as error:
                        conn.execute("ROLLBACK TO SAVEPOINT restore_row")
                        problems.append(f"{_ITEM_NAMES[table]} {row['id']}: {error}")
                    else:
                        restored += 1
                        sets.add(row["set_id"])
                    conn.execute("RELEASE SAVEPOINT restore_row")
            for table, item_id, column, before in change.cleared:
                conn.execute("SAVEPOINT restore_row")
                try:
                    cursor = conn.execute(
                        f'UPDATE {table} SET "{column}" = ? WHERE id = ? AND "{column}" IS NULL',
                        (before, item_id),
                    )
                except sqlite3.IntegrityError as error:
                    conn.execute("ROLLBACK TO SAVEPOINT restore_row")
                    problems.append(f"link {column} of {_ITEM_NAMES[table]} {item_id}: {error}")
                else:
                    restored += cursor.rowcount
                conn.execute("RELEASE SAVEPOINT restore_row")
            for table, item_id, column, before, after in change.updated:
                cursor = conn.execute(
                    f'UPDATE {table} SET "{column}" = ? WHERE id = ? AND "{column}" = ?',
                    (before, item_id, after),
                )
                restored += cursor.rowcount
            sets.update(change.set_ids)
            self._touch(conn, sets)
        return RestoreReport(restored, tuple(problems), tuple(sorted(sets)))

    @staticmethod
    def _touch(conn: sqlite3.Connection, set_ids: set[str]) -> None:
        """The sets changed (``updated_at``), without moving their status."""
        now = dump_time(utc_now())
        conn.executemany(
            "UPDATE annotation_sets SET updated_at = ? WHERE id = ?",
            [(now, set_id) for set_id in sorted(set_ids)],
        )

    def audit(
        self, *, actor: str | None, action: str, version: int, detail: dict[str, Any]
    ) -> None:
        with self._database.transaction() as conn:
            record(
                conn,
                actor=actor,
                action=action,
                target_type="schema",
                target_id=str(version),
                detail=detail,
            )


def _q(column: str) -> str:
    return f'"{column}"'
