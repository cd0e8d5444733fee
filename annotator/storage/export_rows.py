"""Bulk reads for the native export: articles and their sets as JSON-ready dicts.

The native JSONL export writes every article and set exactly as ``model_dump(mode="json")``
would. Building a pydantic object for each of a million mentions costs more than the rest of
that export together, so this reads the rows straight into plain dicts with the same keys in
the same order and the same values (timestamps as ``datetime``: orjson writes them as pydantic
does with ``OPT_UTC_Z``). Items are ordered as ``AnnotationSetRepository.load`` orders them.

Read-only, a few queries per batch of articles; tests keep it equal to ``ArticleRepository.get``
plus ``AnnotationSetRepository.load`` dumped by pydantic (tests/unit/storage/test_export_rows.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from annotator.domain.annotations import Provenance
from annotator.runtime import paused_gc
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import load_json, load_time

Row = dict[str, Any]
#: Ids per ``IN (...)`` list (well below SQLite's limit on bound parameters).
CHUNK = 500
_SPAN_THEN_ID = itemgetter(2, 3, 1)


def _marks(ids: Sequence[str]) -> str:
    return ", ".join("?" * len(ids))


def _provenance(value: str | None) -> Row | None:
    if value is None:
        return None
    return Provenance.model_validate(load_json(value)).model_dump(mode="json")


class ExportRows:
    """Articles in project order with their annotation sets, as dicts, a batch at a time."""

    def __init__(self, database: ProjectDatabase) -> None:
        self._conn = database.conn

    def batches(self, *, batch: int = CHUNK) -> Iterator[list[tuple[Row, list[Row]]]]:
        """``[(article, [set, ...]), ...]`` for up to ``batch`` articles at a time, in project
        order; each article's sets as ``AnnotationSetRepository.for_article`` lists them."""
        for first, last in self.ranges(batch=batch):
            yield self.between(first, last)

    def ranges(self, *, batch: int = CHUNK) -> list[tuple[int, int]]:
        """``(first, last)`` positions of batches of up to ``batch`` articles, in order."""
        batch = max(1, min(batch, CHUNK))
        positions = [r[0] for r in self._conn.execute("SELECT position FROM articles ORDER BY 1")]
        return [
            (positions[start], positions[min(start + batch, len(positions)) - 1])
            for start in range(0, len(positions), batch)
        ]

    def between(self, first: int, last: int) -> list[tuple[Row, list[Row]]]:
        """The articles at positions ``first`` to ``last`` (at most ``CHUNK`` of them) with
        their sets, as ``batches`` gives them."""
        with paused_gc():
            rows = self._conn.execute(
                "SELECT position, id, text, sha256, title, source, author, published, url, "
                "language, external_id, meta, created_at FROM articles "
                "WHERE position BETWEEN ? AND ? ORDER BY position",
                (first, last),
            ).fetchall()
            if len(rows) > CHUNK:
                raise ValueError(f"more than {CHUNK} articles at positions {first} to {last}")
            articles = [
                {
                    "id": r[1],
                    "text": r[2],
                    "sha256": r[3],
                    "title": r[4],
                    "source": r[5],
                    "author": r[6],
                    "published": r[7],
                    "url": r[8],
                    "language": r[9],
                    "external_id": r[10],
                    "meta": load_json(r[11]),
                    "created_at": load_time(r[12]),
                }
                for r in rows
            ]
            sets = self._sets([a["id"] for a in articles]) if articles else {}
        return [(article, sets.get(article["id"], [])) for article in articles]

    def _sets(self, article_ids: list[str]) -> dict[str, list[Row]]:
        conn = self._conn
        by_article: dict[str, list[Row]] = {}
        by_id: dict[str, Row] = {}
        for r in conn.execute(
            "SELECT id, article_id, annotator_id, kind, status, text_sha256, created_at, "
            f"updated_at FROM annotation_sets WHERE article_id IN ({_marks(article_ids)}) "
            "ORDER BY article_id, kind, annotator_id",
            article_ids,
        ):
            row: Row = {
                "id": r[0],
                "article_id": r[1],
                "annotator_id": r[2],
                "kind": r[3],
                "status": r[4],
                "text_sha256": r[5],
                "created_at": load_time(r[6]),
                "updated_at": load_time(r[7]),
                "mentions": [],
                "entities": [],
                "quotes": [],
                "stances": [],
                "document_labels": [],
            }
            by_id[r[0]] = row
            by_article.setdefault(r[1], []).append(row)
        ids = list(by_id)
        for start in range(0, len(ids), CHUNK):
            self._items(ids[start : start + CHUNK], by_id)
        return by_article

    def _items(self, set_ids: list[str], sets: dict[str, Row]) -> None:
        conn = self._conn
        marks = _marks(set_ids)
        # Read in index order (set, start, end); ties (two mentions on one span) go by id: a
        # sort of rows already in order is one pass. One comprehension per set (a million
        # mentions are the bulk of a large export's reading).
        rows = conn.execute(
            'SELECT set_id, id, start, "end", label, entity_id, unsure, note, provenance '
            f'FROM mentions WHERE set_id IN ({marks}) ORDER BY set_id, start, "end"',
            set_ids,
        ).fetchall()
        for set_id, group in groupby(rows, key=itemgetter(0)):
            sets[set_id]["mentions"] = [
                {
                    "id": item_id,
                    "unsure": unsure == 1,
                    "note": note,
                    "provenance": None if provenance is None else _provenance(provenance),
                    "start": start,
                    "end": end,
                    "label": label,
                    "entity_id": entity_id,
                }
                for _s, item_id, start, end, label, entity_id, unsure, note, provenance in sorted(
                    group, key=_SPAN_THEN_ID
                )
            ]
        for r in conn.execute(
            "SELECT set_id, id, name, label, kb_id, unsure, note, provenance "
            f"FROM entities WHERE set_id IN ({marks}) ORDER BY set_id, name, id",
            set_ids,
        ):
            sets[r[0]]["entities"].append(
                {
                    "id": r[1],
                    "unsure": r[5] == 1,
                    "note": r[6],
                    "provenance": _provenance(r[7]),
                    "name": r[2],
                    "label": r[3],
                    "kb_id": r[4],
                }
            )
        for r in conn.execute(
            'SELECT set_id, id, start, "end", quote_type, speaker_id, cue_start, cue_end, '
            f"unsure, note, provenance FROM quotes WHERE set_id IN ({marks}) "
            'ORDER BY set_id, start, "end", id',
            set_ids,
        ):
            sets[r[0]]["quotes"].append(
                {
                    "id": r[1],
                    "unsure": r[8] == 1,
                    "note": r[9],
                    "provenance": _provenance(r[10]),
                    "start": r[2],
                    "end": r[3],
                    "quote_type": r[4],
                    "speaker_id": r[5],
                    "cue_start": r[6],
                    "cue_end": r[7],
                }
            )
        evidence: dict[str, list[Row]] = {}
        for r in conn.execute(
            'SELECT stance_id, id, start, "end", quote_id, unsure, note, provenance '
            f"FROM stance_evidence WHERE set_id IN ({marks}) ORDER BY stance_id, position",
            set_ids,
        ):
            evidence.setdefault(r[0], []).append(
                {
                    "id": r[1],
                    "unsure": r[5] == 1,
                    "note": r[6],
                    "provenance": _provenance(r[7]),
                    "start": r[2],
                    "end": r[3],
                    "quote_id": r[4],
                }
            )
        for r in conn.execute(
            "SELECT set_id, id, holder_id, target_entity_id, target_topic, polarity, "
            f"confidence, unsure, note, provenance FROM stances WHERE set_id IN ({marks}) "
            "ORDER BY set_id, id",
            set_ids,
        ):
            sets[r[0]]["stances"].append(
                {
                    "id": r[1],
                    "unsure": r[7] == 1,
                    "note": r[8],
                    "provenance": _provenance(r[9]),
                    "holder_id": r[2],
                    "target_entity_id": r[3],
                    "target_topic": r[4],
                    "polarity": r[5],
                    "evidence": evidence.get(r[1], []),
                    "confidence": r[6],
                }
            )
        for r in conn.execute(
            'SELECT set_id, id, question, "values", unsure, note, provenance '
            f"FROM document_labels WHERE set_id IN ({marks}) ORDER BY set_id, question",
            set_ids,
        ):
            sets[r[0]]["document_labels"].append(
                {
                    "id": r[1],
                    "unsure": r[4] == 1,
                    "note": r[5],
                    "provenance": _provenance(r[6]),
                    "question": r[2],
                    "values": load_json(r[3]),
                }
            )
