"""The suggestion repository: remembered accept/reject decisions and the project gazetteer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from annotator.domain.base import utc_now
from annotator.domain.errors import InvalidDataError
from annotator.domain.ids import new_id
from annotator.storage.audit import record
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_json, dump_time, load_json

#: The key of the project gazetteer in the ``project`` settings table.
GAZETTEER_KEY = "suggestions.gazetteer"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One remembered decision on a suggestion (``key`` is the suggestion's stable key)."""

    article_id: str
    annotator_id: str | None
    layer: str
    key: str
    decision: Decision
    source: str = ""


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One phrase of the project gazetteer and the entity label it gets."""

    label: str
    phrase: str


class SuggestionRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn

    # -- decisions -------------------------------------------------------------------------------

    def decide(self, records: Sequence[DecisionRecord], *, actor: str | None = None) -> None:
        """Remember decisions (one transaction); a later decision on the same key replaces one."""
        if not records:
            return
        now = dump_time(utc_now())
        with self._database.transaction() as conn:
            for r in records:
                # NULL annotators are distinct to UNIQUE, so replace those by hand.
                conn.execute(
                    "DELETE FROM suggestion_decisions WHERE article_id = ? "
                    "AND annotator_id IS ? AND layer = ? AND key = ?",
                    (r.article_id, r.annotator_id, r.layer, r.key),
                )
                conn.execute(
                    "INSERT INTO suggestion_decisions (id, article_id, annotator_id, layer, key, "
                    "decision, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        new_id(),
                        r.article_id,
                        r.annotator_id,
                        r.layer,
                        r.key,
                        str(r.decision),
                        r.source,
                        now,
                    ),
                )
            record(
                conn,
                actor=actor,
                action="decide",
                target_type="suggestion",
                target_id=records[0].article_id,
                detail={
                    "decisions": [
                        {"layer": r.layer, "key": r.key, "decision": str(r.decision)}
                        for r in records
                    ]
                },
            )

    def forget(self, records: Sequence[DecisionRecord], *, actor: str | None = None) -> None:
        """Drop remembered decisions (the undo of ``decide``): those suggestions may return."""
        if not records:
            return
        with self._database.transaction() as conn:
            for r in records:
                conn.execute(
                    "DELETE FROM suggestion_decisions WHERE article_id = ? "
                    "AND annotator_id IS ? AND layer = ? AND key = ?",
                    (r.article_id, r.annotator_id, r.layer, r.key),
                )
            record(
                conn,
                actor=actor,
                action="forget",
                target_type="suggestion",
                target_id=records[0].article_id,
                detail={"decisions": [{"layer": r.layer, "key": r.key} for r in records]},
            )

    def decisions(
        self, article_id: str, annotator_id: str | None
    ) -> dict[tuple[str, str], Decision]:
        """(layer, key) -> decision of one annotator (or of nobody, with None) on one article."""
        rows = self._conn.execute(
            "SELECT layer, key, decision FROM suggestion_decisions "
            "WHERE article_id = ? AND annotator_id IS ?",
            (article_id, annotator_id),
        )
        return {(str(r[0]), str(r[1])): Decision(r[2]) for r in rows}

    def rejected(self, article_id: str, annotator_id: str | None) -> set[tuple[str, str]]:
        return {
            key
            for key, decision in self.decisions(article_id, annotator_id).items()
            if decision is Decision.REJECTED
        }

    def counts(self) -> dict[tuple[str, str], int]:
        """(source, decision) -> how many, over the project (acceptance rate per recommender)."""
        rows = self._conn.execute(
            "SELECT source, decision, COUNT(*) FROM suggestion_decisions GROUP BY source, decision"
        )
        return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}

    # -- gazetteer -------------------------------------------------------------------------------

    def gazetteer(self) -> list[GazetteerEntry]:
        row = self._conn.execute("SELECT value FROM project WHERE key = ?", (GAZETTEER_KEY,))
        found = row.fetchone()
        if found is None:
            return []
        data = load_json(str(found[0]))
        if not isinstance(data, list):
            raise InvalidDataError(f"the project's gazetteer is damaged ({GAZETTEER_KEY})")
        return [GazetteerEntry(str(label), str(phrase)) for label, phrase in data]

    def add_gazetteer(
        self, entries: Iterable[GazetteerEntry], *, source: str = "", actor: str | None = None
    ) -> int:
        """Add phrases to the project gazetteer (a phrase's new label replaces its old one);
        returns how many entries are new or changed."""
        current = {entry.phrase: entry.label for entry in self.gazetteer()}
        changed = 0
        for entry in entries:
            if current.get(entry.phrase) != entry.label:
                current[entry.phrase] = entry.label
                changed += 1
        self._store_gazetteer(
            current, action="import", detail={"file": source, "added": changed}, actor=actor
        )
        return changed

    def clear_gazetteer(self, *, actor: str | None = None) -> None:
        self._store_gazetteer({}, action="clear", detail={}, actor=actor)

    def _store_gazetteer(
        self,
        entries: dict[str, str],
        *,
        action: str,
        detail: dict[str, object],
        actor: str | None = None,
    ) -> None:
        value = dump_json([[label, phrase] for phrase, label in sorted(entries.items())])
        with self._database.transaction() as conn:
            conn.execute(
                "INSERT INTO project (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (GAZETTEER_KEY, value),
            )
            record(
                conn,
                actor=actor,
                action=action,
                target_type="gazetteer",
                target_id=None,
                detail={**detail, "entries": len(entries)},
            )
