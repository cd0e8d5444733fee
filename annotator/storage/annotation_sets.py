"""The annotation-set repository: one annotator's (or gold) labels on one article.

Every public write is one transaction that also touches the set's ``updated_at`` and writes an
audit row, so a crash loses at most the action in flight. Spans are checked against the
article's length and references (speaker, cluster, holder, target, evidence quote) against the
same set before anything is written.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from annotator.domain.annotations import (
    AnnotationSet,
    DocumentLabel,
    Entity,
    Evidence,
    Item,
    Layer,
    Mention,
    Provenance,
    Quote,
    SetKind,
    SetStatus,
    Stance,
)
from annotator.domain.base import utc_now
from annotator.domain.errors import InvalidDataError, NotFoundError
from annotator.domain.ids import new_id
from annotator.domain.offsets import OffsetError, check_span
from annotator.runtime import paused_gc
from annotator.storage.audit import record
from annotator.storage.database import ProjectDatabase
from annotator.storage.rows import dump_json, dump_time, load_json, load_time

AnyItem = Mention | Entity | Quote | Stance | DocumentLabel


@dataclass(frozen=True, slots=True)
class SetInfo:
    """An annotation set without its items."""

    id: str
    article_id: str
    annotator_id: str
    kind: SetKind
    status: SetStatus
    text_sha256: str
    created_at: datetime
    updated_at: datetime


_SET_COLUMNS = "id, article_id, annotator_id, kind, status, text_sha256, created_at, updated_at"


def _info(row: tuple[Any, ...]) -> SetInfo:
    id_, article, annotator, kind, status, sha, created, updated = row
    return SetInfo(
        id_,
        article,
        annotator,
        SetKind(kind),
        SetStatus(status),
        sha,
        load_time(created),
        load_time(updated),
    )


def _common(item: Item) -> tuple[int, str, str | None]:
    provenance = None if item.provenance is None else dump_json(item.provenance.model_dump())
    return int(item.unsure), item.note, provenance


def _provenance(value: str | None) -> Provenance | None:
    return None if value is None else Provenance.model_validate(load_json(value))


_LAYER_OF: dict[type, Layer] = {
    Mention: Layer.MENTION,
    Entity: Layer.ENTITY,
    Quote: Layer.QUOTE,
    Stance: Layer.STANCE,
    DocumentLabel: Layer.DOCUMENT_LABEL,
}
_TABLE_OF = {
    Layer.MENTION: "mentions",
    Layer.ENTITY: "entities",
    Layer.QUOTE: "quotes",
    Layer.STANCE: "stances",
    Layer.DOCUMENT_LABEL: "document_labels",
}


_MENTION_FIELDS = frozenset(Mention.model_fields)


def _trusted_mention(values: dict[str, Any]) -> Mention:
    """A Mention from a row of our own table, without pydantic's per-object overhead.

    Equivalent to ``Mention.model_construct`` with every field given, at a fraction of the
    cost; used only where the values come from the project file's checked columns.
    """
    mention = Mention.__new__(Mention)
    object.__setattr__(mention, "__dict__", values)
    object.__setattr__(mention, "__pydantic_fields_set__", set(_MENTION_FIELDS))
    object.__setattr__(mention, "__pydantic_extra__", None)
    object.__setattr__(mention, "__pydantic_private__", None)
    return mention


_Model = TypeVar("_Model", bound=BaseModel)


def _trusted(cls: type[_Model], **values: Any) -> _Model:
    """A ``cls`` from rows of our own tables, without pydantic's validation (as
    ``_trusted_mention``): every field must be given; ``__dict__`` keeps the field order."""
    made = cls.__new__(cls)
    object.__setattr__(made, "__dict__", {name: values[name] for name in cls.model_fields})
    object.__setattr__(made, "__pydantic_fields_set__", set(cls.model_fields))
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made


def layer_of(item: AnyItem) -> Layer:
    return _LAYER_OF[type(item)]


class AnnotationSetRepository:
    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self._conn = database.conn

    # -- sets ------------------------------------------------------------------------------------

    def info(self, set_id: str) -> SetInfo:
        row = self._conn.execute(
            f"SELECT {_SET_COLUMNS} FROM annotation_sets WHERE id = ?", (set_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no annotation set with id {set_id}")
        return _info(row)

    def find(
        self, article_id: str, annotator_id: str, kind: SetKind = SetKind.ANNOTATION
    ) -> SetInfo | None:
        row = self._conn.execute(
            f"SELECT {_SET_COLUMNS} FROM annotation_sets "
            "WHERE article_id = ? AND annotator_id = ? AND kind = ?",
            (article_id, annotator_id, str(kind)),
        ).fetchone()
        return None if row is None else _info(row)

    def get_or_create(
        self,
        article_id: str,
        annotator_id: str,
        kind: SetKind = SetKind.ANNOTATION,
        *,
        actor: str | None = None,
    ) -> SetInfo:
        existing = self.find(article_id, annotator_id, kind)
        if existing is not None:
            return existing
        with self._database.transaction() as conn:
            row = conn.execute("SELECT sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no article with id {article_id}")
            now = dump_time(utc_now())
            set_id = new_id()
            try:
                conn.execute(
                    f"INSERT INTO annotation_sets ({_SET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (set_id, article_id, annotator_id, str(kind), "todo", row[0], now, now),
                )
            except sqlite3.IntegrityError as error:
                raise InvalidDataError(f"cannot create annotation set: {error}") from None
            self._audit(conn, actor, "create", "annotation_set", set_id, {"article": article_id})
        return self.info(set_id)

    def for_article(self, article_id: str) -> list[SetInfo]:
        rows = self._conn.execute(
            f"SELECT {_SET_COLUMNS} FROM annotation_sets WHERE article_id = ? "
            "ORDER BY kind, annotator_id",
            (article_id,),
        )
        return [_info(r) for r in rows]

    def for_annotator(self, annotator_id: str) -> list[SetInfo]:
        rows = self._conn.execute(
            f"SELECT {_SET_COLUMNS} FROM annotation_sets WHERE annotator_id = ? AND kind = ?",
            (annotator_id, str(SetKind.ANNOTATION)),
        )
        return [_info(r) for r in rows]

    def all_infos(self) -> list[SetInfo]:
        return [_info(r) for r in self._conn.execute(f"SELECT {_SET_COLUMNS} FROM annotation_sets")]

    def set_status(self, set_id: str, status: SetStatus, *, actor: str | None = None) -> SetInfo:
        with self._database.transaction() as conn:
            before = self.info(set_id)
            conn.execute(
                "UPDATE annotation_sets SET status = ?, updated_at = ? WHERE id = ?",
                (str(status), dump_time(utc_now()), set_id),
            )
            self._audit(
                conn,
                actor,
                "status",
                "annotation_set",
                set_id,
                {"from": str(before.status), "to": str(status)},
            )
        return self.info(set_id)

    def load(self, set_id: str) -> AnnotationSet:
        """The whole set with all its items, each layer ordered by position in the text."""
        return next(self.load_many([set_id]))

    def infos_for_articles(self, article_ids: Sequence[str]) -> dict[str, list[SetInfo]]:
        """article id -> its sets as ``for_article`` lists them (same order); a query per
        ``BULK_BATCH`` articles. Articles without a set are left out."""
        out: dict[str, list[SetInfo]] = {}
        for chunk in _chunks(article_ids):
            rows = self._conn.execute(
                f"SELECT {_SET_COLUMNS} FROM annotation_sets "
                f"WHERE article_id IN ({_marks(chunk)}) ORDER BY article_id, kind, annotator_id",
                chunk,
            )
            for row in rows:
                out.setdefault(row[1], []).append(_info(row))
        return out

    def load_many(
        self, set_ids: Sequence[str], *, infos: Mapping[str, SetInfo] | None = None
    ) -> Iterator[AnnotationSet]:
        """The sets of ``set_ids`` in that order, each equal to what ``load`` returns.

        For exports: one query per table for every ``BULK_BATCH`` sets instead of ten queries
        per set (none for the sets' own rows when ``infos`` has them already), and no pydantic
        validation: every item and set is built from the project's own rows as
        ``_trusted_mention`` builds mentions, the tables' CHECK and FOREIGN KEY constraints
        holding what validation checks; only an item id used in two layers, which ``load``
        refuses, is not looked for. Only one batch is held at a time. An unknown id raises
        ``NotFoundError``.
        """
        for chunk in _chunks(set_ids):
            with paused_gc():
                loaded = self._load_batch(chunk, infos or {})
            for set_id in chunk:
                yield loaded[set_id]

    def _load_batch(
        self, set_ids: list[str], known: Mapping[str, SetInfo]
    ) -> dict[str, AnnotationSet]:
        conn = self._conn
        unique = list(dict.fromkeys(set_ids))
        marks = _marks(unique)
        infos = {set_id: known[set_id] for set_id in unique if set_id in known}
        if len(infos) < len(unique):
            infos |= {
                row[0]: _info(row)
                for row in conn.execute(
                    f"SELECT {_SET_COLUMNS} FROM annotation_sets WHERE id IN ({marks})", unique
                )
            }
        for set_id in unique:
            if set_id not in infos:
                raise NotFoundError(f"no annotation set with id {set_id}")
        mentions: dict[str, list[Mention]] = {}
        new, set_attribute, fields = Mention.__new__, object.__setattr__, _MENTION_FIELDS
        current: list[Mention] = []
        current_set: str | None = None
        last = (-1, -1)
        tied: set[str] = set()  # sets with two mentions on one span: sorted by id below
        # In index order (set, start, end); ORDER BY id as well would sort every row again.
        for r in conn.execute(
            'SELECT set_id, id, start, "end", label, entity_id, unsure, note, provenance '
            f'FROM mentions WHERE set_id IN ({marks}) ORDER BY set_id, start, "end"',
            unique,
        ):
            if r[0] != current_set:
                current_set = r[0]
                current = mentions[current_set] = []
                last = (-1, -1)
            elif (r[2], r[3]) == last:
                tied.add(str(current_set))
            last = (r[2], r[3])
            mention = new(Mention)  # as _trusted_mention, inline (tens of thousands)
            set_attribute(
                mention,
                "__dict__",
                {
                    "id": r[1],
                    "unsure": bool(r[6]),
                    "note": r[7],
                    "provenance": None if r[8] is None else _provenance(r[8]),
                    "start": r[2],
                    "end": r[3],
                    "label": r[4],
                    "entity_id": r[5],
                },
            )
            set_attribute(mention, "__pydantic_fields_set__", set(fields))
            set_attribute(mention, "__pydantic_extra__", None)
            set_attribute(mention, "__pydantic_private__", None)
            current.append(mention)
        for set_id in tied:  # as load orders them: start, end, id
            mentions[set_id].sort(key=lambda m: (m.start, m.end, m.id))
        entities: dict[str, list[Entity]] = {}
        for r in conn.execute(
            "SELECT set_id, id, name, label, kb_id, unsure, note, provenance "
            f"FROM entities WHERE set_id IN ({marks}) ORDER BY set_id, name, id",
            unique,
        ):
            entities.setdefault(r[0], []).append(
                _trusted(
                    Entity,
                    id=r[1],
                    name=r[2],
                    label=r[3],
                    kb_id=r[4],
                    unsure=bool(r[5]),
                    note=r[6],
                    provenance=_provenance(r[7]),
                )
            )
        quotes: dict[str, list[Quote]] = {}
        for r in conn.execute(
            'SELECT set_id, id, start, "end", quote_type, speaker_id, cue_start, cue_end, '
            f"unsure, note, provenance FROM quotes WHERE set_id IN ({marks}) "
            'ORDER BY set_id, start, "end", id',
            unique,
        ):
            quotes.setdefault(r[0], []).append(
                _trusted(
                    Quote,
                    id=r[1],
                    start=r[2],
                    end=r[3],
                    quote_type=r[4],
                    speaker_id=r[5],
                    cue_start=r[6],
                    cue_end=r[7],
                    unsure=bool(r[8]),
                    note=r[9],
                    provenance=_provenance(r[10]),
                )
            )
        stance_rows = conn.execute(
            "SELECT set_id, id, holder_id, target_entity_id, target_topic, polarity, "
            f"confidence, unsure, note, provenance FROM stances WHERE set_id IN ({marks}) "
            "ORDER BY set_id, id",
            unique,
        ).fetchall()
        # Evidence by stance id (indexed; evidence rows share their stance's set).
        evidence: dict[str, list[Evidence]] = {}
        for chunk in _chunks([r[1] for r in stance_rows]):
            for r in conn.execute(
                'SELECT stance_id, id, start, "end", quote_id, unsure, note, provenance '
                f"FROM stance_evidence WHERE stance_id IN ({_marks(chunk)}) "
                "ORDER BY stance_id, position",
                chunk,
            ):
                evidence.setdefault(r[0], []).append(
                    _trusted(
                        Evidence,
                        id=r[1],
                        start=r[2],
                        end=r[3],
                        quote_id=r[4],
                        unsure=bool(r[5]),
                        note=r[6],
                        provenance=_provenance(r[7]),
                    )
                )
        stances: dict[str, list[Stance]] = {}
        for r in stance_rows:
            stances.setdefault(r[0], []).append(
                _trusted(
                    Stance,
                    id=r[1],
                    holder_id=r[2],
                    target_entity_id=r[3],
                    target_topic=r[4],
                    polarity=r[5],
                    confidence=r[6],
                    unsure=bool(r[7]),
                    note=r[8],
                    provenance=_provenance(r[9]),
                    evidence=evidence.get(r[1], []),
                )
            )
        labels: dict[str, list[DocumentLabel]] = {}
        for r in conn.execute(
            'SELECT set_id, id, question, "values", unsure, note, provenance '
            f"FROM document_labels WHERE set_id IN ({marks}) ORDER BY set_id, question",
            unique,
        ):
            labels.setdefault(r[0], []).append(
                _trusted(
                    DocumentLabel,
                    id=r[1],
                    question=r[2],
                    values=load_json(r[3]),
                    unsure=bool(r[4]),
                    note=r[5],
                    provenance=_provenance(r[6]),
                )
            )
        return {
            set_id: _trusted(
                AnnotationSet,
                id=info.id,
                article_id=info.article_id,
                annotator_id=info.annotator_id,
                kind=info.kind,
                status=info.status,
                text_sha256=info.text_sha256,
                created_at=info.created_at,
                updated_at=info.updated_at,
                mentions=mentions.get(set_id, []),
                entities=entities.get(set_id, []),
                quotes=quotes.get(set_id, []),
                stances=stances.get(set_id, []),
                document_labels=labels.get(set_id, []),
            )
            for set_id, info in infos.items()
        }

    def replace(self, annotation_set: AnnotationSet, *, actor: str | None = None) -> None:
        """Store a whole set, replacing what the project held under its id (import, merge, gold)."""
        with self._database.transaction() as conn:
            row = conn.execute(
                "SELECT sha256, text_length FROM articles WHERE id = ?",
                (annotation_set.article_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no article with id {annotation_set.article_id}")
            if row[0] != annotation_set.text_sha256:
                raise InvalidDataError(
                    f"annotation set {annotation_set.id} was made on another text of article "
                    f"{annotation_set.article_id}"
                )
            for what, start, end in annotation_set.spans():
                try:
                    check_span(row[1], start, end)
                except OffsetError as error:
                    raise InvalidDataError(f"{what}: {error}") from None
            conn.execute("DELETE FROM annotation_sets WHERE id = ?", (annotation_set.id,))
            s = annotation_set
            try:
                conn.execute(
                    f"INSERT INTO annotation_sets ({_SET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        s.id,
                        s.article_id,
                        s.annotator_id,
                        str(s.kind),
                        str(s.status),
                        s.text_sha256,
                        dump_time(s.created_at),
                        dump_time(s.updated_at),
                    ),
                )
                for entity in s.entities:
                    self._insert(conn, s.id, entity)
                for mention in s.mentions:
                    self._insert(conn, s.id, mention)
                for quote in s.quotes:
                    self._insert(conn, s.id, quote)
                for stance in s.stances:
                    self._insert(conn, s.id, stance)
                for label in s.document_labels:
                    self._insert(conn, s.id, label)
            except sqlite3.IntegrityError as error:
                raise InvalidDataError(f"annotation set {s.id} cannot be stored: {error}") from None
            self._audit(
                conn,
                actor,
                "replace",
                "annotation_set",
                s.id,
                {"article": s.article_id, "items": s.count()},
            )

    # -- items -----------------------------------------------------------------------------------

    def add(self, set_id: str, item: AnyItem, *, actor: str | None = None) -> None:
        """Add one item (mention, entity, quote, stance with evidence, document label)."""
        layer = layer_of(item)
        with self._database.transaction() as conn:
            self._check(conn, set_id, item)
            try:
                self._insert(conn, set_id, item)
            except sqlite3.IntegrityError as error:
                raise InvalidDataError(f"{layer} {item.id} cannot be added: {error}") from None
            self._touch(conn, set_id)
            self._audit(conn, actor, "add", str(layer), item.id, {"set": set_id})

    def update(self, set_id: str, item: AnyItem, *, actor: str | None = None) -> None:
        """Replace one stored item by id with a changed version of it."""
        layer = layer_of(item)
        with self._database.transaction() as conn:
            self._require(conn, set_id, layer, item.id)
            self._check(conn, set_id, item)
            table = _TABLE_OF[layer]
            if layer is Layer.STANCE:
                conn.execute("DELETE FROM stance_evidence WHERE stance_id = ?", (item.id,))
            values = self._row(item)
            columns = list(values)
            conn.execute(
                f"UPDATE {table} SET {', '.join(f'{_q(c)} = ?' for c in columns)} WHERE id = ?",
                [*values.values(), item.id],
            )
            if isinstance(item, Stance):
                self._insert_evidence(conn, set_id, item)
            self._touch(conn, set_id)
            self._audit(conn, actor, "update", str(layer), item.id, {"set": set_id})

    def remove(self, set_id: str, layer: Layer, item_id: str, *, actor: str | None = None) -> None:
        """Remove one item. Links to it that may be empty (speaker, cluster, evidence quote)
        are cleared; a stance whose holder or target it is blocks the removal."""
        with self._database.transaction() as conn:
            self._require(conn, set_id, layer, item_id)
            if layer is Layer.MENTION:
                conn.execute("UPDATE quotes SET speaker_id = NULL WHERE speaker_id = ?", (item_id,))
            elif layer is Layer.ENTITY:
                (n,) = conn.execute(
                    "SELECT COUNT(*) FROM stances WHERE holder_id = ? OR target_entity_id = ?",
                    (item_id, item_id),
                ).fetchone()
                if n:
                    raise InvalidDataError(
                        f"entity {item_id} is the holder or target of {n} stance(s); "
                        "remove those first"
                    )
                conn.execute("UPDATE mentions SET entity_id = NULL WHERE entity_id = ?", (item_id,))
            elif layer is Layer.QUOTE:
                conn.execute(
                    "UPDATE stance_evidence SET quote_id = NULL WHERE quote_id = ?", (item_id,)
                )
            elif layer is Layer.STANCE:
                conn.execute("DELETE FROM stance_evidence WHERE stance_id = ?", (item_id,))
            conn.execute(f"DELETE FROM {_TABLE_OF[layer]} WHERE id = ?", (item_id,))
            self._touch(conn, set_id)
            self._audit(conn, actor, "remove", str(layer), item_id, {"set": set_id})

    def set_entity(
        self,
        set_id: str,
        mention_ids: Iterable[str],
        entity_id: str | None,
        *,
        actor: str | None = None,
    ) -> None:
        """Link mentions into an entity cluster (or unlink them with None) in one step."""
        ids = list(mention_ids)
        with self._database.transaction() as conn:
            if entity_id is not None:
                self._require(conn, set_id, Layer.ENTITY, entity_id)
            for mention_id in ids:
                self._require(conn, set_id, Layer.MENTION, mention_id)
                conn.execute(
                    "UPDATE mentions SET entity_id = ? WHERE id = ?", (entity_id, mention_id)
                )
            self._touch(conn, set_id)
            self._audit(conn, actor, "link", "mention", entity_id, {"set": set_id, "mentions": ids})

    # -- statistics ------------------------------------------------------------------------------

    def label_counts(self, *, kind: SetKind | None = None) -> dict[str, dict[str, int]]:
        """Counts per layer and label over the project (or one kind of set)."""
        where, params = ("", ()) if kind is None else (" WHERE s.kind = ?", (str(kind),))
        queries = {
            "mentions": "SELECT m.label, COUNT(*) FROM mentions m "
            "JOIN annotation_sets s ON s.id = m.set_id{w} GROUP BY m.label",
            "entities": "SELECT e.label, COUNT(*) FROM entities e "
            "JOIN annotation_sets s ON s.id = e.set_id{w} GROUP BY e.label",
            "quotes": "SELECT q.quote_type, COUNT(*) FROM quotes q "
            "JOIN annotation_sets s ON s.id = q.set_id{w} GROUP BY q.quote_type",
            "stances": "SELECT t.polarity, COUNT(*) FROM stances t "
            "JOIN annotation_sets s ON s.id = t.set_id{w} GROUP BY t.polarity",
            "document_labels": "SELECT d.question, COUNT(*) FROM document_labels d "
            "JOIN annotation_sets s ON s.id = d.set_id{w} GROUP BY d.question",
        }
        return {
            layer: {str(k): int(v) for k, v in self._conn.execute(sql.format(w=where), params)}
            for layer, sql in queries.items()
        }

    def counts_by_set(self) -> dict[str, Counter[tuple[str, str]]]:
        """set id -> (layer, label) -> count, for every set, in one query per layer."""
        queries = {
            "entities": "SELECT set_id, label, COUNT(*) FROM mentions GROUP BY set_id, label",
            "quotes": "SELECT set_id, quote_type, COUNT(*) FROM quotes GROUP BY set_id, quote_type",
            "stances": "SELECT set_id, polarity, COUNT(*) FROM stances GROUP BY set_id, polarity",
        }
        counts: dict[str, Counter[tuple[str, str]]] = {}
        for layer, sql in queries.items():
            for set_id, label, n in self._conn.execute(sql):
                counts.setdefault(set_id, Counter())[(layer, str(label))] += int(n)
        return counts

    def status_counts(self) -> dict[str, int]:
        rows = self._conn.execute(
            "SELECT status, COUNT(*) FROM annotation_sets WHERE kind = 'annotation' GROUP BY status"
        )
        return {str(s): int(n) for s, n in rows}

    # -- internals -------------------------------------------------------------------------------

    def _require(self, conn: sqlite3.Connection, set_id: str, layer: Layer, item_id: str) -> None:
        row = conn.execute(
            f"SELECT 1 FROM {_TABLE_OF[layer]} WHERE id = ? AND set_id = ?", (item_id, set_id)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no {layer} {item_id} in annotation set {set_id}")

    def _check(self, conn: sqlite3.Connection, set_id: str, item: AnyItem) -> None:
        row = conn.execute(
            "SELECT a.text_length FROM annotation_sets s JOIN articles a ON a.id = s.article_id "
            "WHERE s.id = ?",
            (set_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no annotation set with id {set_id}")
        length = int(row[0])
        spans: list[tuple[str, int, int]] = []
        refs: list[tuple[Layer, str, str]] = []
        if isinstance(item, Mention):
            spans.append(("mention", item.start, item.end))
            if item.entity_id is not None:
                refs.append((Layer.ENTITY, item.entity_id, "entity"))
        elif isinstance(item, Quote):
            spans.append(("quote", item.start, item.end))
            if item.cue is not None:
                spans.append(("cue", *item.cue))
            if item.speaker_id is not None:
                refs.append((Layer.MENTION, item.speaker_id, "speaker"))
        elif isinstance(item, Stance):
            refs.append((Layer.ENTITY, item.holder_id, "holder"))
            if item.target_entity_id is not None:
                refs.append((Layer.ENTITY, item.target_entity_id, "target"))
            for evidence in item.evidence:
                spans.append(("evidence", evidence.start, evidence.end))
                if evidence.quote_id is not None:
                    refs.append((Layer.QUOTE, evidence.quote_id, "evidence quote"))
        for what, start, end in spans:
            try:
                check_span(length, start, end)
            except OffsetError as error:
                raise InvalidDataError(f"{what}: {error}") from None
        for layer, ref_id, what in refs:
            found = conn.execute(
                f"SELECT 1 FROM {_TABLE_OF[layer]} WHERE id = ? AND set_id = ?", (ref_id, set_id)
            ).fetchone()
            if found is None:
                raise InvalidDataError(f"{what} {ref_id} is not a {layer} of this annotation set")

    @staticmethod
    def _row(item: AnyItem) -> dict[str, Any]:
        unsure, note, provenance = _common(item)
        common = {"unsure": unsure, "note": note, "provenance": provenance}
        if isinstance(item, Mention):
            return {
                "start": item.start,
                "end": item.end,
                "label": item.label,
                "entity_id": item.entity_id,
                **common,
            }
        if isinstance(item, Entity):
            return {"name": item.name, "label": item.label, "kb_id": item.kb_id, **common}
        if isinstance(item, Quote):
            return {
                "start": item.start,
                "end": item.end,
                "quote_type": item.quote_type,
                "speaker_id": item.speaker_id,
                "cue_start": item.cue_start,
                "cue_end": item.cue_end,
                **common,
            }
        if isinstance(item, Stance):
            return {
                "holder_id": item.holder_id,
                "target_entity_id": item.target_entity_id,
                "target_topic": item.target_topic,
                "polarity": item.polarity,
                "confidence": item.confidence,
                **common,
            }
        return {"question": item.question, "values": dump_json(item.values), **common}

    def _insert(self, conn: sqlite3.Connection, set_id: str, item: AnyItem) -> None:
        values = {"id": item.id, "set_id": set_id, **self._row(item)}
        table = _TABLE_OF[layer_of(item)]
        conn.execute(
            f"INSERT INTO {table} ({', '.join(map(_q, values))}) "
            f"VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        if isinstance(item, Stance):
            self._insert_evidence(conn, set_id, item)

    @staticmethod
    def _insert_evidence(conn: sqlite3.Connection, set_id: str, stance: Stance) -> None:
        for position, evidence in enumerate(stance.evidence):
            unsure, note, provenance = _common(evidence)
            conn.execute(
                'INSERT INTO stance_evidence (id, set_id, stance_id, position, start, "end", '
                "quote_id, unsure, note, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    evidence.id,
                    set_id,
                    stance.id,
                    position,
                    evidence.start,
                    evidence.end,
                    evidence.quote_id,
                    unsure,
                    note,
                    provenance,
                ),
            )

    @staticmethod
    def _touch(conn: sqlite3.Connection, set_id: str) -> None:
        conn.execute(
            "UPDATE annotation_sets SET updated_at = ?, "
            "status = CASE status WHEN 'todo' THEN 'in_progress' ELSE status END WHERE id = ?",
            (dump_time(utc_now()), set_id),
        )

    @staticmethod
    def _audit(
        conn: sqlite3.Connection,
        actor: str | None,
        action: str,
        target_type: str,
        target_id: str | None,
        detail: dict[str, Any],
    ) -> None:
        record(
            conn,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail,
        )

    # -- progress figures (overview) -------------------------------------------------------------

    def marked_done_at(self) -> dict[str, datetime]:
        """set id -> when it was last marked done, for every set now done or approved, from
        the audit trail's status rows. A set that never had such a row (stored done by an
        import) counts from its ``updated_at``."""
        rows = self._conn.execute(
            "SELECT s.id, s.updated_at, "
            "(SELECT MAX(a.at) FROM audit_log a WHERE a.target_type = 'annotation_set' "
            "AND a.target_id = s.id AND a.action = 'status' "
            "AND json_extract(a.detail, '$.to') = 'done') "
            "FROM annotation_sets s WHERE s.status IN ('done', 'approved')"
        )
        return {set_id: load_time(done or updated) for set_id, updated, done in rows}

    def unsure_counts(self, *, kind: SetKind = SetKind.ANNOTATION) -> dict[str, int]:
        """article id -> items flagged unsure in its sets of ``kind`` (evidence included)."""
        out: dict[str, int] = {}
        for table in (*_TABLE_OF.values(), "stance_evidence"):
            rows = self._conn.execute(
                f"SELECT s.article_id, COUNT(*) FROM {table} t "
                "JOIN annotation_sets s ON s.id = t.set_id "
                "WHERE t.unsure = 1 AND s.kind = ? GROUP BY s.article_id",
                (str(kind),),
            )
            for article_id, n in rows:
                out[article_id] = out.get(article_id, 0) + int(n)
        return out

    def articles_with_label(
        self, layer: str, label: str, *, kind: SetKind = SetKind.ANNOTATION
    ) -> list[str]:
        """Articles with at least one item of ``label`` in ``layer`` (a key of
        ``label_counts``: mentions, entities, quotes, stances, document_labels)."""
        column = {
            "mentions": "label",
            "entities": "label",
            "quotes": "quote_type",
            "stances": "polarity",
            "document_labels": "question",
        }[layer]
        rows = self._conn.execute(
            f"SELECT DISTINCT s.article_id FROM {layer} t JOIN annotation_sets s "
            f"ON s.id = t.set_id WHERE t.{column} = ? AND s.kind = ? ORDER BY s.article_id",
            (label, str(kind)),
        )
        return [r[0] for r in rows]


def _q(column: str) -> str:
    return f'"{column}"'


#: Ids per ``IN (...)`` query of the bulk reads (well below SQLite's variable limit).
BULK_BATCH = 500


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), BULK_BATCH):
        yield list(ids[start : start + BULK_BATCH])


def _marks(ids: Sequence[str]) -> str:
    return ", ".join("?" * len(ids))
