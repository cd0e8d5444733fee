"""`annotator doctor`: check a project file inside out, read-only, and say what is wrong.

Every check runs on a read-only connection with the defensive settings, so a file that
``open_project`` would refuse (a trigger in it, an older format) can still be examined, and
nothing is ever written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from annotator.domain.errors import AnnotatorError
from annotator.domain.schema import Schema
from annotator.storage.database import (
    APPLICATION_ID,
    ProjectOpenError,
    check_project_file,
    connect_read_only,
)
from annotator.storage.migrations import FILE_FORMAT_VERSION, MIGRATION_SET, migrations

#: Findings kept per check (the count says how many there were in all).
SHOWN_PER_CHECK = 50


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message: str


@dataclass
class CheckResult:
    """One check: its name, what it found (the first ``SHOWN_PER_CHECK``) and how many."""

    name: str
    findings: list[Finding] = field(default_factory=list)
    total: int = 0

    def add(self, severity: Severity, message: str) -> None:
        self.total += 1
        if len(self.findings) < SHOWN_PER_CHECK:
            self.findings.append(Finding(severity, message))

    @property
    def status(self) -> str:
        if any(f.severity is Severity.ERROR for f in self.findings):
            return "error"
        return "warning" if self.findings else "ok"


@dataclass
class DoctorReport:
    path: Path
    file_format: int | None = None
    checks: list[CheckResult] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return all(check.status != "error" for check in self.checks)

    @property
    def errors(self) -> int:
        return sum(c.total for c in self.checks if c.status == "error")

    @property
    def warnings(self) -> int:
        return sum(c.total for c in self.checks if c.status == "warning")

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "file_format": self.file_format,
            "counts": self.counts,
            "checks": [
                {
                    "name": c.name,
                    "status": c.status,
                    "total": c.total,
                    "findings": [
                        {"severity": str(f.severity), "message": f.message} for f in c.findings
                    ],
                }
                for c in self.checks
            ],
        }


def examine(path: Path | str) -> DoctorReport:
    """Run every check on the project file at ``path``; never raises for a bad file."""
    path = Path(path)
    report = DoctorReport(path)
    header = CheckResult("file")
    report.checks.append(header)
    try:
        report.file_format = check_project_file(path)
        conn = connect_read_only(path)
    except ProjectOpenError as error:
        header.add(Severity.ERROR, str(error).removeprefix(f"{path}: "))
        return report
    try:
        for check in _CHECKS:
            result = CheckResult(check.__name__.removeprefix("_check_").replace("_", " "))
            report.checks.append(result)
            try:
                check(conn, result, report)
            except sqlite3.DatabaseError as error:
                result.add(Severity.ERROR, f"the check could not run: {error}")
            except AnnotatorError as error:
                result.add(Severity.ERROR, str(error))
    finally:
        conn.close()
    return report


# -- the checks, in the order they run ----------------------------------------------------------


def _check_format(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    (application_id,) = conn.execute("PRAGMA application_id").fetchone()
    if application_id != APPLICATION_ID:
        result.add(Severity.ERROR, f"application id {application_id:#x} is not Annotator's")
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    report.file_format = int(version)
    if version > FILE_FORMAT_VERSION:
        result.add(
            Severity.ERROR,
            f"file format {version} is newer than this version reads ({FILE_FORMAT_VERSION})",
        )
    db = Database(conn, execute_plugins=False)
    applied = [m.name for m in migrations.applied(db)]
    known = [migration.name for migration in migrations._migrations]
    pending = [name for name in known if name not in applied]
    if pending and version <= FILE_FORMAT_VERSION:
        result.add(
            Severity.WARNING,
            f"file format {version}: the upgrade {', '.join(pending)} runs (after a backup) "
            "when the project is next opened writable",
        )
    unknown = [name for name in applied if name not in known]
    if unknown:
        result.add(
            Severity.WARNING,
            f"migrations this version does not know ({', '.join(unknown)}) in set {MIGRATION_SET}",
        )


def _expected_objects() -> dict[str, tuple[str, str]]:
    """name -> (type, sql) of every object a fresh project of this version has."""
    fresh = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrations.apply(Database(fresh, execute_plugins=False))
        return {
            name: (kind, sql or "")
            for kind, name, sql in fresh.execute("SELECT type, name, sql FROM sqlite_master")
        }
    finally:
        fresh.close()


def _check_structure(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    expected = _expected_objects()
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master"):
        if kind in ("trigger", "view"):
            result.add(Severity.ERROR, f"{kind} {name}: Annotator never creates one; refused")
        elif name not in expected and not name.startswith("sqlite_stat"):
            result.add(Severity.WARNING, f"{kind} {name} is not part of an Annotator project")
        elif kind == "table" and expected[name][1] and (sql or "") != expected[name][1]:
            result.add(Severity.WARNING, f"table {name} is defined differently than Annotator's")


def _check_integrity(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        for (line,) in rows:
            result.add(Severity.ERROR, str(line))


def _check_foreign_keys(
    conn: sqlite3.Connection, result: CheckResult, report: DoctorReport
) -> None:
    groups: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
        groups[(str(table), str(parent))] = groups.get((str(table), str(parent)), 0) + 1
    for (table, parent), n in sorted(groups.items()):
        result.add(Severity.ERROR, f"{n} row(s) of {table} point to missing rows of {parent}")
        result.total += n - 1


def _rows(conn: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    return conn.execute(sql).fetchall()


def _check_articles(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    count = 0
    for article_id, text, length, sha in conn.execute(
        "SELECT id, text, text_length, sha256 FROM articles"
    ):
        count += 1
        if len(text) != length:
            result.add(
                Severity.ERROR,
                f"article {article_id}: stored length {length}, text has {len(text)} characters",
            )
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
            result.add(Severity.ERROR, f"article {article_id}: its text no longer matches its hash")
    report.counts["articles"] = count
    for set_id, article_id in _rows(
        conn,
        "SELECT s.id, s.article_id FROM annotation_sets s JOIN articles a ON a.id = s.article_id "
        "WHERE s.text_sha256 <> a.sha256",
    ):
        result.add(
            Severity.ERROR,
            f"annotation set {set_id} was made on another text of article {article_id}",
        )


_SPAN_SQL = """
SELECT '{what}', t.id, t.set_id, {start}, {end}, a.text_length
FROM {table} t JOIN annotation_sets s ON s.id = t.set_id JOIN articles a ON a.id = s.article_id
WHERE {cond} ({start} < 0 OR {end} <= {start} OR {end} > a.text_length)
"""


def _check_spans(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    queries = [
        _SPAN_SQL.format(what="mention", table="mentions", start="t.start", end='t."end"', cond=""),
        _SPAN_SQL.format(what="quote", table="quotes", start="t.start", end='t."end"', cond=""),
        _SPAN_SQL.format(
            what="cue of quote",
            table="quotes",
            start="t.cue_start",
            end="t.cue_end",
            cond="t.cue_start IS NOT NULL AND",
        ),
        _SPAN_SQL.format(
            what="evidence", table="stance_evidence", start="t.start", end='t."end"', cond=""
        ),
    ]
    for sql in queries:
        for what, item_id, set_id, start, end, length in _rows(conn, sql):
            problem = "is empty" if end <= start else f"lies outside the text (0, {length})"
            result.add(
                Severity.ERROR, f"{what} {item_id} in set {set_id}: [{start}, {end}) {problem}"
            )
    for (quote_id,) in _rows(
        conn, "SELECT id FROM quotes WHERE (cue_start IS NULL) <> (cue_end IS NULL)"
    ):
        result.add(Severity.ERROR, f"quote {quote_id}: its cue has a start or an end, not both")
    counts = {
        table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        for table in ("annotation_sets", "mentions", "entities", "quotes", "stances")
    }
    report.counts.update(counts)


_ORPHANS = [
    (
        "annotation set {0} belongs to missing article {1}",
        "SELECT s.id, s.article_id FROM annotation_sets s "
        "LEFT JOIN articles a ON a.id = s.article_id WHERE a.id IS NULL",
    ),
    (
        "annotation set {0} belongs to missing annotator {1}",
        "SELECT s.id, s.annotator_id FROM annotation_sets s "
        "LEFT JOIN annotators p ON p.id = s.annotator_id WHERE p.id IS NULL",
    ),
    (
        "{2} {0} belongs to missing annotation set {1}",
        "SELECT x.id, x.set_id, x.what FROM ("
        "SELECT id, set_id, 'mention' AS what FROM mentions UNION ALL "
        "SELECT id, set_id, 'entity' FROM entities UNION ALL "
        "SELECT id, set_id, 'quote' FROM quotes UNION ALL "
        "SELECT id, set_id, 'stance' FROM stances UNION ALL "
        "SELECT id, set_id, 'document label' FROM document_labels UNION ALL "
        "SELECT id, set_id, 'review comment' FROM review_comments) x "
        "LEFT JOIN annotation_sets s ON s.id = x.set_id WHERE s.id IS NULL",
    ),
    (
        "mention {0} belongs to entity {1}, which is not in its set",
        "SELECT m.id, m.entity_id FROM mentions m LEFT JOIN entities e "
        "ON e.id = m.entity_id AND e.set_id = m.set_id "
        "WHERE m.entity_id IS NOT NULL AND e.id IS NULL",
    ),
    (
        "quote {0}: speaker {1} is not a mention of its set",
        "SELECT q.id, q.speaker_id FROM quotes q LEFT JOIN mentions m "
        "ON m.id = q.speaker_id AND m.set_id = q.set_id "
        "WHERE q.speaker_id IS NOT NULL AND m.id IS NULL",
    ),
    (
        "stance {0}: holder {1} is not an entity of its set",
        "SELECT t.id, t.holder_id FROM stances t LEFT JOIN entities e "
        "ON e.id = t.holder_id AND e.set_id = t.set_id WHERE e.id IS NULL",
    ),
    (
        "stance {0}: target {1} is not an entity of its set",
        "SELECT t.id, t.target_entity_id FROM stances t LEFT JOIN entities e "
        "ON e.id = t.target_entity_id AND e.set_id = t.set_id "
        "WHERE t.target_entity_id IS NOT NULL AND e.id IS NULL",
    ),
    (
        "evidence {0} belongs to missing stance {1}",
        "SELECT v.id, v.stance_id FROM stance_evidence v LEFT JOIN stances t "
        "ON t.id = v.stance_id AND t.set_id = v.set_id WHERE t.id IS NULL",
    ),
    (
        "evidence {0}: quote {1} is not a quote of its set",
        "SELECT v.id, v.quote_id FROM stance_evidence v LEFT JOIN quotes q "
        "ON q.id = v.quote_id AND q.set_id = v.set_id "
        "WHERE v.quote_id IS NOT NULL AND q.id IS NULL",
    ),
]


def _check_orphans(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    for message, sql in _ORPHANS:
        for row in _rows(conn, sql):
            result.add(Severity.ERROR, message.format(*row))


def _check_ids(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    """Ids are generated once per item; the same id in two layers or sets breaks undo and merge."""
    sql = (
        "SELECT id, group_concat(what || ' in set ' || set_id, '; '), COUNT(*) FROM ("
        "SELECT id, set_id, 'mention' AS what FROM mentions UNION ALL "
        "SELECT id, set_id, 'entity' FROM entities UNION ALL "
        "SELECT id, set_id, 'quote' FROM quotes UNION ALL "
        "SELECT id, set_id, 'stance' FROM stances UNION ALL "
        "SELECT id, set_id, 'evidence' FROM stance_evidence UNION ALL "
        "SELECT id, set_id, 'document label' FROM document_labels) "
        "GROUP BY id HAVING COUNT(*) > 1"
    )
    for item_id, where, n in _rows(conn, sql):
        result.add(Severity.ERROR, f"item id {item_id} is used {n} times: {where}")


def _check_search_index(
    conn: sqlite3.Connection, result: CheckResult, report: DoctorReport
) -> None:
    """The full-text index (external content) must have exactly one entry per article."""
    missing = conn.execute(
        "SELECT COUNT(*) FROM articles a LEFT JOIN articles_fts_docsize d ON d.id = a.rowid "
        "WHERE d.id IS NULL"
    ).fetchone()[0]
    extra = conn.execute(
        "SELECT COUNT(*) FROM articles_fts_docsize d LEFT JOIN articles a ON a.rowid = d.id "
        "WHERE a.rowid IS NULL"
    ).fetchone()[0]
    if missing:
        result.add(
            Severity.ERROR,
            f"the search index is stale: {missing} article(s) are missing from it "
            "(search will not find them)",
        )
    if extra:
        result.add(
            Severity.ERROR,
            f"the search index is stale: {extra} entr(ies) for articles that no longer exist",
        )


def _check_labels(conn: sqlite3.Connection, result: CheckResult, report: DoctorReport) -> None:
    """Labels in use that the current schema does not define (e.g. removed from it by hand)."""
    row = conn.execute(
        "SELECT version, schema_json FROM schema_versions ORDER BY version DESC LIMIT 1"
    ).fetchone()
    if row is None:
        result.add(Severity.ERROR, "the project has no label schema")
        return
    schema = Schema.from_json(row[1], source=f"schema version {row[0]}")
    questions = {q.name: set(q.choices) for q in schema.document_questions}
    usage: list[tuple[str, str, set[str]]] = [
        ("entity type", "SELECT label, COUNT(*) FROM mentions GROUP BY label", set()),
        ("entity type", "SELECT label, COUNT(*) FROM entities GROUP BY label", set()),
        ("quote type", "SELECT quote_type, COUNT(*) FROM quotes GROUP BY quote_type", set()),
        ("polarity", "SELECT polarity, COUNT(*) FROM stances GROUP BY polarity", set()),
        (
            "topic",
            "SELECT target_topic, COUNT(*) FROM stances WHERE target_topic IS NOT NULL "
            "GROUP BY target_topic",
            set(),
        ),
        ("document question", "SELECT question, COUNT(*) FROM document_labels GROUP BY 1", set()),
    ]
    allowed: dict[str, set[str]] = {
        "entity type": set(schema.entity_labels),
        "quote type": set(schema.quote_type_names),
        "polarity": set(schema.polarity_names),
        "topic": set(schema.topic_names),
        "document question": set(questions),
    }
    for label_id, question, values in _rows(
        conn, 'SELECT id, question, "values" FROM document_labels'
    ):
        choices = questions.get(str(question))
        try:
            chosen = json.loads(values)
        except ValueError:
            result.add(Severity.ERROR, f"document label {label_id}: its values are not JSON")
            continue
        if choices is not None:
            for value in chosen if isinstance(chosen, list) else [chosen]:
                if value not in choices:
                    result.add(
                        Severity.WARNING,
                        f"document label {label_id}: {question} = {value!r} is not one of its "
                        "choices",
                    )
    reported: set[tuple[str, str]] = set()
    for what, sql, _ in usage:
        for label, n in _rows(conn, sql):
            if str(label) not in allowed[what] and (what, str(label)) not in reported:
                reported.add((what, str(label)))
                result.add(
                    Severity.WARNING, f"{what} {label!r} is used {n} time(s) but not in the schema"
                )


_CHECKS: list[Callable[[sqlite3.Connection, CheckResult, DoctorReport], None]] = [
    _check_format,
    _check_structure,
    _check_integrity,
    _check_foreign_keys,
    _check_articles,
    _check_spans,
    _check_orphans,
    _check_ids,
    _check_search_index,
    _check_labels,
]

__all__ = ["CheckResult", "DoctorReport", "Finding", "Severity", "examine"]
