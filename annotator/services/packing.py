"""Working apart, merging back: one annotator's articles packed into a project file of their
own, and their work merged into the project again, idempotently and without overwriting.

A pack is a project file with the same project id and schema history, the annotator, their
assigned articles, their own sets, the review comments on them (with their authors' names) and
their suggestion decisions, and a marker (``project`` key ``pack``) saying whose pack of which
project it is, made when, with each packed set's ``updated_at`` and content hash at that time.
Which articles: the person's assigned ones; every article when asked (``--all``) or when the
project assigns none at all; a project that assigns articles to others but none to this person
is refused (giving them everything would undo the assignments).

What comes back: the sets of everyone who labelled in the pack (people are matched by id, then
by name; a new name is added), new review comments and resolutions, suggestion decisions, and
labels the schema lacks (``merge_schemas``; labels the merged schema still cannot take refuse
the whole file). Articles imported into a pack are not added unless asked (``add_articles``);
their sets are reported as skipped. Gold sets are never taken from a pack.

Merging compares three versions of each set: the pack's, the project's, and the base (the
hash at pack time, or what the last merge of the same pack brought in). A side that still
equals the base did not change, so the other side wins; when both changed, the project's set
is kept and the conflict reported (unless the caller prefers one side). Merging the same file
twice changes nothing the second time: every set is then "unchanged" and nothing is written,
not even an audit row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from annotator.domain.annotations import (
    AnnotationSet,
    Annotator,
    DocumentLabel,
    Entity,
    Layer,
    Mention,
    Quote,
    ReviewComment,
    SetKind,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.base import utc_now
from annotator.domain.errors import AnnotatorError, NotFoundError, explain
from annotator.domain.ids import new_id
from annotator.domain.schema import Schema, merge_schemas
from annotator.storage.annotation_sets import AnyItem
from annotator.storage.database import ProjectOpenError
from annotator.storage.packs import (
    SuggestionDecision,
    add_suggestion_decisions,
    merged_hashes,
    read_marker,
    record_merge,
    record_pack_sent,
    suggestion_decisions,
    write_pack,
)
from annotator.storage.project import Project
from annotator.storage.rows import dump_time

#: The marker format this version writes; a pack with a higher one is refused.
PACK_FORMAT = 1


class PackError(AnnotatorError):
    """A pack cannot be made, or a file cannot be merged; the message says why."""


# -- content identity ------------------------------------------------------------------------------


def _fields(model: BaseModel) -> dict[str, Any]:
    """A model's fields as they are (nested models go through orjson's ``default`` again).

    Read from ``__dict__``: items loaded from a project are built without pydantic's
    validation and dumping them costs more than the rest of a merge's planning."""
    return model.__dict__


def content_hash(annotation_set: AnnotationSet | None) -> str:
    """A hash of what a person labelled on an article: the status and every item with its id.

    Set id and timestamps are left out, so the same work stored under another set id (or
    touched without a change) hashes the same. No set at all hashes as an empty "to do" set.
    """
    if annotation_set is None:
        payload: dict[str, Any] = {"status": str(SetStatus.TODO)}
        payload |= {layer: [] for layer in _LAYERS}
    else:
        payload = {"status": str(annotation_set.status)}
        for layer in _LAYERS:
            items: list[BaseModel] = getattr(annotation_set, layer)
            payload[layer] = sorted(items, key=lambda item: item.id)
    data = orjson.dumps(payload, default=_fields, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()


_LAYERS = ("mentions", "entities", "quotes", "stances", "document_labels")
EMPTY_HASH = content_hash(None)


# -- packing ---------------------------------------------------------------------------------------


class PackedSet(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    article: str
    updated_at: str
    hash: str


class PackMarker(BaseModel):
    """What a pack says about itself."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: int
    pack_id: str
    project_id: str
    project_name: str
    annotator_id: str
    annotator: str
    packed_at: datetime
    packed_by: str | None = None
    source: str = ""
    scope: str = "assigned"
    articles: list[str]
    sets: dict[str, PackedSet]


@dataclass(frozen=True)
class PackReport:
    path: Path
    pack_id: str
    annotator: str
    scope: str
    """``assigned`` (the annotator's assigned articles) or ``all`` (every article)."""
    articles: int
    sets: int
    comments: int


def pack_articles(
    project: Project, annotator: Annotator, *, all_articles: bool
) -> tuple[str, list[str]]:
    """Which articles a pack for ``annotator`` holds, and why: (scope, article ids).

    Their assigned articles; every article when asked, or when the project assigns none at
    all. A project that assigns articles to others but none to this person is refused rather
    than giving them everything.
    """
    if all_articles:
        return "all", project.articles.ids()
    assigned = project.assignments.articles_of(annotator.id)
    if assigned:
        return "assigned", assigned
    if project.assignments.has_any():
        raise PackError(
            f"{annotator.name} has no assigned articles (others do); assign some with "
            f"`annotator assign {project.path.name} --annotators {annotator.name} ...` "
            "or pack every article with --all"
        )
    return "all", project.articles.ids()


def pack_for_annotator(
    project: Project,
    *,
    annotator: str,
    out: Path,
    all_articles: bool = False,
    actor: str | None = None,
) -> PackReport:
    """Write ``out``, the pack of ``annotator``'s part of ``project`` (see the module text)."""
    if read_marker(project.database) is not None:
        raise PackError(
            f"{project.path}: is itself an annotator pack; make packs from the main project"
        )
    person = project.annotators.by_name(annotator)
    if person is None:
        known = ", ".join(a.name for a in project.annotators.list()) or "none yet"
        raise PackError(
            f"no annotator named {annotator!r} in {project.path.name} (known: {known}); "
            "add people with `annotator assign`"
        )
    scope, article_ids = pack_articles(project, person, all_articles=all_articles)
    if not article_ids:
        raise PackError(f"{project.path}: the project has no articles to pack")
    if out.exists():
        raise PackError(f"{out}: already exists; choose a new file name")
    if out.resolve() == project.path.resolve():
        raise PackError(f"{out}: is the project itself; choose a new file name")
    chosen = set(article_ids)
    infos = [i for i in project.sets.for_annotator(person.id) if i.article_id in chosen]
    packed: dict[str, dict[str, str]] = {}
    for annotation_set in project.sets.load_many(
        [i.id for i in infos], infos={i.id: i for i in infos}
    ):
        packed[annotation_set.id] = {
            "article": annotation_set.article_id,
            "updated_at": dump_time(annotation_set.updated_at),
            "hash": content_hash(annotation_set),
        }
    pack_id = new_id()
    marker: dict[str, Any] = {
        "format": PACK_FORMAT,
        "pack_id": pack_id,
        "project_id": project.project_id,
        "project_name": project.name,
        "annotator_id": person.id,
        "annotator": person.name,
        "packed_at": dump_time(utc_now()),
        "packed_by": actor,
        "source": str(project.path),
        "scope": scope,
        "articles": article_ids,
        "sets": packed,
    }
    counts = write_pack(
        project.database,
        out,
        annotator_id=person.id,
        article_ids=article_ids,
        marker=marker,
        actor=actor,
    )
    if not project.read_only:
        record_pack_sent(
            project.database,
            actor=actor,
            annotator_id=person.id,
            detail={
                "pack": pack_id,
                "file": str(out),
                "articles": counts.articles,
                "sets": counts.sets,
            },
        )
    return PackReport(
        path=out,
        pack_id=pack_id,
        annotator=person.name,
        scope=scope,
        articles=counts.articles,
        sets=counts.sets,
        comments=counts.comments,
    )


# -- merging ---------------------------------------------------------------------------------------


class Outcome(StrEnum):
    ADDED = "added"
    """New in the project."""
    UPDATED = "updated"
    """Changed in the pack only: the pack's version replaced the project's."""
    UNCHANGED = "unchanged"
    """The project already holds exactly this."""
    KEPT = "kept"
    """Changed in the project only (the pack's is what was packed): the project's stays."""
    CONFLICT = "conflict"
    """Changed on both sides: the project's stays; reported."""
    THEIRS = "theirs"
    """Changed on both sides: the pack's taken, as asked (--prefer theirs)."""
    OURS = "ours"
    """Changed on both sides: the project's kept, as asked (--prefer ours)."""
    SKIPPED = "skipped"
    """Not merged; ``reason`` says why."""


WRITING = (Outcome.ADDED, Outcome.UPDATED, Outcome.THEIRS)


class Prefer(StrEnum):
    THEIRS = "theirs"
    OURS = "ours"


@dataclass(frozen=True)
class SetMerge:
    """What happened (or, in a dry run, would happen) to one set of a pack."""

    outcome: Outcome
    pack_set_id: str
    project_set_id: str | None
    article_id: str
    article_title: str
    annotator: str
    differences: tuple[str, ...] = ()
    """How the project's and the pack's versions differ (conflicts, and what a merge changed)."""
    reason: str = ""


@dataclass
class FileMerge:
    path: Path
    pack_id: str = ""
    annotator: str = ""
    packed_at: datetime | None = None
    error: str | None = None
    """Why the file was refused as a whole; nothing of it was merged."""
    schema_added: list[str] = field(default_factory=list)
    annotators_added: list[str] = field(default_factory=list)
    articles_added: list[str] = field(default_factory=list)
    sets: list[SetMerge] = field(default_factory=list)
    comments_added: int = 0
    comments_resolved: int = 0
    decisions_added: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for s in self.sets if s.outcome is outcome)

    @property
    def conflicts(self) -> list[SetMerge]:
        return [s for s in self.sets if s.outcome is Outcome.CONFLICT]

    @property
    def skipped(self) -> list[SetMerge]:
        return [s for s in self.sets if s.outcome is Outcome.SKIPPED]

    def summary(self) -> str:
        if self.error:
            return f"refused: {self.error}"
        parts = [f"{self.count(o)} {o}" for o in Outcome if self.count(o) or o is Outcome.UNCHANGED]
        text = f"{len(self.sets)} set(s) of {self.annotator}: " + ", ".join(parts)
        extra = []
        if self.schema_added:
            extra.append("schema: added " + ", ".join(self.schema_added))
        if self.annotators_added:
            extra.append("annotators added: " + ", ".join(self.annotators_added))
        if self.articles_added:
            extra.append(f"{len(self.articles_added)} article(s) added")
        if self.comments_added or self.comments_resolved:
            extra.append(
                f"{self.comments_added} comment(s) added, {self.comments_resolved} resolved"
            )
        if self.decisions_added:
            extra.append(f"{self.decisions_added} suggestion decision(s) added")
        return text + ("; " + "; ".join(extra) if extra else "")


@dataclass
class MergeReport:
    files: list[FileMerge]
    dry_run: bool = False

    @property
    def conflicts(self) -> list[tuple[FileMerge, SetMerge]]:
        return [(f, s) for f in self.files for s in f.conflicts]

    @property
    def refused(self) -> list[FileMerge]:
        return [f for f in self.files if f.error]

    @property
    def ok(self) -> bool:
        """Everything merged: no file refused, no conflict left open, nothing skipped."""
        return not self.refused and not self.conflicts and not any(f.skipped for f in self.files)


@dataclass
class _SetPlan:
    merge: SetMerge
    theirs: AnnotationSet | None = None  # mapped to project ids (set id = project's, if any)
    ours: AnnotationSet | None = None
    hash: str = ""
    base: str = ""


@dataclass
class _FilePlan:
    report: FileMerge
    marker: PackMarker
    schema: Schema | None = None
    annotators: list[Annotator] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    sets: list[_SetPlan] = field(default_factory=list)
    comments: list[ReviewComment] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    decisions: list[SuggestionDecision] = field(default_factory=list)
    assign: list[tuple[str, str]] = field(default_factory=list)


def merge_packs(
    project: Project,
    paths: Sequence[Path],
    *,
    prefer: Prefer | str | None = None,
    add_articles: bool = False,
    dry_run: bool = False,
    actor: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> MergeReport:
    """Merge each pack file into ``project``, one transaction per file (see the module text).

    A file is refused as a whole (reported, nothing merged from it) when it is not a project
    file, is damaged, is not a pack, belongs to another project, or holds labels the
    project's schema cannot take even with the pack's additions. ``dry_run`` plans and reports
    without writing.
    """
    choice = Prefer(prefer) if prefer else None
    if read_marker(project.database) is not None:
        raise PackError(f"{project.path}: is an annotator pack; merge into the main project")
    files: list[FileMerge] = []
    for path in paths:
        files.append(
            merge_pack(
                project,
                path,
                prefer=choice,
                add_articles=add_articles,
                dry_run=dry_run,
                actor=actor,
            )
        )
        if progress is not None:
            progress(1)
    return MergeReport(files=files, dry_run=dry_run)


def merge_pack(
    project: Project,
    path: Path,
    *,
    prefer: Prefer | None = None,
    add_articles: bool = False,
    dry_run: bool = False,
    actor: str | None = None,
) -> FileMerge:
    path = Path(path)
    try:
        pack = Project.open(path, read_only=True)
    except ProjectOpenError as error:
        return FileMerge(path=path, error=str(error))
    try:
        plan = _plan(project, pack, path, prefer=prefer, add_articles=add_articles)
    except sqlite3.DatabaseError as error:
        return FileMerge(path=path, error=f"{path}: the file is damaged ({error})")
    except AnnotatorError as error:
        text = str(error)
        return FileMerge(path=path, error=text if str(path) in text else f"{path}: {text}")
    finally:
        pack.close()
    if plan.report.error is None and not dry_run:
        _apply(project, plan, path, actor=actor)
    return plan.report


def pack_owner(project: Project) -> str | None:
    """The name of the annotator a pack was made for, or None for a project that is not a pack."""
    raw = read_marker(project.database)
    if raw is None:
        return None
    owner = raw.get("annotator")
    return owner if isinstance(owner, str) and owner.strip() else None


def _marker(pack: Project, path: Path) -> PackMarker:
    integrity = [str(r[0]) for r in pack.database.conn.execute("PRAGMA quick_check(5)")]
    if integrity != ["ok"]:
        raise PackError(f"{path}: the file is damaged ({'; '.join(integrity)})")
    raw = read_marker(pack.database)
    if raw is None:
        raise PackError(
            f"{path}: a project file, but not an annotator pack; make packs with `annotator pack`"
        )
    try:
        marker = PackMarker.model_validate(raw)
    except ValidationError as error:
        raise PackError(explain(error, source=f"{path}: pack marker")) from None
    if marker.format > PACK_FORMAT:
        raise PackError(
            f"{path}: made by a newer version of Annotator (pack format {marker.format}); "
            "update Annotator to merge it"
        )
    return marker


def _plan(
    project: Project, pack: Project, path: Path, *, prefer: Prefer | None, add_articles: bool
) -> _FilePlan:
    marker = _marker(pack, path)
    report = FileMerge(
        path=path, pack_id=marker.pack_id, annotator=marker.annotator, packed_at=marker.packed_at
    )
    plan = _FilePlan(report=report, marker=marker)
    if pack.project_id != project.project_id or marker.project_id != project.project_id:
        raise PackError(
            f"{path}: a pack of project {marker.project_name!r} (id {pack.project_id}), not of "
            f"{project.name!r} (id {project.project_id}); nothing merged"
        )
    schema, added = merge_schemas(project.schema, pack.schema)
    if added:
        plan.schema = schema
        report.schema_added = added
    people = _map_annotators(project, pack, plan)
    articles = _map_articles(project, pack, plan, add_articles=add_articles)
    infos = pack.sets.all_infos()
    problems: list[str] = []
    pending: list[tuple[SetMerge, AnnotationSet, Article]] = []
    bases = merged_hashes(project.database, marker.pack_id)
    for theirs in pack.sets.load_many([i.id for i in infos], infos={i.id: i for i in infos}):
        person = people[theirs.annotator_id]
        article = articles.get(theirs.article_id)
        title = article.display_title if article else theirs.article_id
        merge = SetMerge(
            outcome=Outcome.SKIPPED,
            pack_set_id=theirs.id,
            project_set_id=None,
            article_id=article.id if article else theirs.article_id,
            article_title=title,
            annotator=person.name,
        )
        if theirs.kind is not SetKind.ANNOTATION:
            reason = "gold is adjudicated in the project's reviewer window, not merged from packs"
            report.sets.append(_with(merge, reason=reason))
            continue
        if article is None:
            reason = (
                f"its article ({_pack_title(pack, theirs.article_id)}) is not in the project; "
                "merge with --add-articles to add it"
            )
            report.sets.append(_with(merge, reason=reason))
            continue
        mapped = theirs.model_copy(update={"article_id": article.id, "annotator_id": person.id})
        problems += [
            f"set of {person.name} on {title!r}: {p}"
            for p in mapped.problems_against(article, schema)
        ]
        pending.append((merge, mapped, article))
    # The project's versions of these sets, read in batches.
    infos_here = {
        (i.article_id, i.annotator_id): i
        for found in project.sets.infos_for_articles(
            list(dict.fromkeys(a.id for _, _, a in pending))
        ).values()
        for i in found
        if i.kind is SetKind.ANNOTATION
    }
    wanted = [
        infos_here[key]
        for key in dict.fromkeys((m.article_id, m.annotator_id) for _, m, _ in pending)
        if key in infos_here
    ]
    loaded = {
        s.id: s
        for s in project.sets.load_many([i.id for i in wanted], infos={i.id: i for i in wanted})
    }
    for merge, mapped, article in pending:
        info = infos_here.get((mapped.article_id, mapped.annotator_id))
        ours = None if info is None else loaded[info.id]
        plan.sets.append(_plan_set(project, plan, merge, mapped, ours, bases, article, prefer))
    if problems:
        shown = "; ".join(problems[:10]) + (
            f"; … {len(problems) - 10} more" if len(problems) > 10 else ""
        )
        raise PackError(f"{path}: labels the project cannot take ({shown}); nothing merged")
    report.sets.extend(p.merge for p in plan.sets)
    _plan_comments(project, pack, plan, people)
    plan.decisions = [
        SuggestionDecision(
            d.id,
            articles[d.article_id].id if d.article_id in articles else d.article_id,
            people[d.annotator_id].id if d.annotator_id in people else d.annotator_id,
            d.layer,
            d.key,
            d.decision,
            d.source,
            d.created_at,
        )
        for d in suggestion_decisions(pack.database, list(people))
        if d.article_id in articles
    ]
    return plan


def _with(merge: SetMerge, **changes: Any) -> SetMerge:
    return dataclasses.replace(merge, **changes)


def _pack_title(pack: Project, article_id: str) -> str:
    try:
        return repr(pack.articles.get(article_id).display_title)
    except NotFoundError:
        return article_id


def _map_annotators(project: Project, pack: Project, plan: _FilePlan) -> dict[str, Annotator]:
    """Pack annotator id -> the project's annotator: by id, then by name; new people are
    added (someone who opened the pack under another name)."""
    out: dict[str, Annotator] = {}
    for person in pack.annotators.list():
        try:
            out[person.id] = project.annotators.get(person.id)
            continue
        except NotFoundError:
            pass
        same_name = project.annotators.by_name(person.name)
        if same_name is not None:
            out[person.id] = same_name
        else:
            out[person.id] = person
            plan.annotators.append(person)
            plan.report.annotators_added.append(person.name)
    return out


def _map_articles(
    project: Project, pack: Project, plan: _FilePlan, *, add_articles: bool
) -> dict[str, Article]:
    """Pack article id -> the project's article (same id, or the same text under another
    id). A pack article that is new to the project is added only with ``add_articles``; one
    whose id the project holds with another text makes the file refused."""
    out: dict[str, Article] = {}
    for article in pack.articles.iter_all():
        if article.sha256 != _sha(article.text):
            raise PackError(f"article {article.id}: its text does not match its hash")
        existing = project.articles.find_by_sha256(article.sha256)
        if existing is not None:
            out[article.id] = project.articles.get(existing)
            continue
        try:
            project.articles.text_length(article.id)
        except NotFoundError:
            pass
        else:
            raise PackError(
                f"article {article.id} ({article.display_title!r}) has another text in the "
                "project than in the pack; texts never change once annotated"
            )
        if add_articles:
            out[article.id] = article
            plan.articles.append(article)
            plan.report.articles_added.append(article.display_title)
    return out


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plan_set(
    project: Project,
    plan: _FilePlan,
    merge: SetMerge,
    theirs: AnnotationSet,
    ours: AnnotationSet | None,
    bases: dict[str, str],
    article: Article,
    prefer: Prefer | None,
) -> _SetPlan:
    """Compare the pack's set, the project's (``ours``) and the base; decide the outcome."""
    if ours is None:
        try:
            other = project.sets.info(theirs.id)
        except NotFoundError:
            other = None
        if other is not None:
            raise PackError(
                f"set {theirs.id} is another set in the project (article {other.article_id}); "
                "the pack is not consistent with this project"
            )
    else:
        theirs = theirs.model_copy(update={"id": ours.id})
    mine = content_hash(theirs)
    current = content_hash(ours)
    packed = plan.marker.sets.get(merge.pack_set_id)
    base = bases.get(ours.id if ours else "", packed.hash if packed else EMPTY_HASH)
    if mine == current:
        outcome = Outcome.UNCHANGED
    elif mine == base:
        outcome = Outcome.KEPT
    elif current == base:
        outcome = Outcome.ADDED if ours is None else Outcome.UPDATED
    elif prefer is Prefer.THEIRS:
        outcome = Outcome.THEIRS
    elif prefer is Prefer.OURS:
        outcome = Outcome.OURS
    else:
        outcome = Outcome.CONFLICT
    differences: tuple[str, ...] = ()
    if outcome not in (Outcome.UNCHANGED, Outcome.ADDED):
        differences = tuple(describe_differences(ours, theirs, article.text))
    result = _with(
        merge,
        outcome=outcome,
        project_set_id=ours.id if ours else (theirs.id if outcome in WRITING else None),
        differences=differences,
    )
    return _SetPlan(merge=result, theirs=theirs, ours=ours, hash=mine, base=base)


def _plan_comments(
    project: Project, pack: Project, plan: _FilePlan, people: dict[str, Annotator]
) -> None:
    """Comments written in the pack come over; one resolved there is resolved here."""
    target: dict[str, str] = {}
    for set_plan in plan.sets:
        if set_plan.merge.project_set_id is not None:
            target[set_plan.merge.pack_set_id] = set_plan.merge.project_set_id
    for pack_set_id, project_set_id in target.items():
        known = {c.id: c for c in project.reviews.comments(project_set_id)}
        for comment in pack.reviews.comments(pack_set_id):
            here = known.get(comment.id)
            if here is None:
                author = people.get(comment.author_id)
                plan.comments.append(
                    comment.model_copy(
                        update={
                            "set_id": project_set_id,
                            "author_id": author.id if author else comment.author_id,
                        }
                    )
                )
            elif comment.resolved and not here.resolved:
                plan.resolve.append(comment.id)
    plan.report.comments_added = len(plan.comments)
    plan.report.comments_resolved = len(plan.resolve)


def _apply(project: Project, plan: _FilePlan, path: Path, *, actor: str | None) -> None:
    """Write a file's plan in one transaction."""
    report = plan.report
    with project.database.transaction():
        if plan.schema is not None:
            project.schemas.save(plan.schema, note=f"labels added by merging {path.name}")
        for person in plan.annotators:
            project.annotators.add(person)
        if plan.articles:
            project.articles.add_many(plan.articles)
            for set_plan in plan.sets:
                if set_plan.theirs is not None and any(
                    a.id == set_plan.theirs.article_id for a in plan.articles
                ):
                    plan.assign.append((set_plan.theirs.article_id, set_plan.theirs.annotator_id))
            project.assignments.assign(plan.assign, actor=actor)
        for set_plan in plan.sets:
            if set_plan.merge.outcome not in WRITING or set_plan.theirs is None:
                continue
            theirs = set_plan.theirs
            if set_plan.ours is None:
                project.sets.replace(theirs, actor=actor)
            else:
                _apply_changes(project, set_plan.ours, theirs, actor=actor)
            record_merge(
                project.database,
                actor=actor,
                set_id=theirs.id,
                detail={
                    "pack": plan.marker.pack_id,
                    "file": path.name,
                    "outcome": str(set_plan.merge.outcome),
                    "hash": set_plan.hash,
                    "base": set_plan.base,
                    "pack_set": set_plan.merge.pack_set_id,
                    "annotator": report.annotator,
                },
            )
        for comment in plan.comments:
            project.reviews.add_comment(comment)
        for comment_id in plan.resolve:
            project.reviews.set_resolved(comment_id, True)
        report.decisions_added = add_suggestion_decisions(
            project.database, plan.decisions, actor=actor
        )


def _apply_changes(
    project: Project, ours: AnnotationSet, theirs: AnnotationSet, *, actor: str | None
) -> None:
    """Turn the project's set into the pack's item by item, through the repository (each
    change audited; the set row, its id and its review comments stay). Order keeps every
    reference valid on the way: stances and answers that go are removed first, then items
    are added or changed from entities to stances, then the rest that goes is removed."""
    set_id = ours.id
    sets = project.sets
    old, new = _by_id(ours), _by_id(theirs)

    def gone(layer: Layer) -> list[str]:
        return [i for i in old[layer] if i not in new[layer]]

    for layer in (Layer.STANCE, Layer.DOCUMENT_LABEL):
        for item_id in gone(layer):
            sets.remove(set_id, layer, item_id, actor=actor)
    for layer in (Layer.ENTITY, Layer.MENTION, Layer.QUOTE, Layer.STANCE, Layer.DOCUMENT_LABEL):
        for item_id, item in new[layer].items():
            before = old[layer].get(item_id)
            if before is None:
                sets.add(set_id, item, actor=actor)
            elif before.model_dump() != item.model_dump():
                sets.update(set_id, item, actor=actor)
    for layer in (Layer.QUOTE, Layer.MENTION, Layer.ENTITY):
        for item_id in gone(layer):
            sets.remove(set_id, layer, item_id, actor=actor)
    if sets.info(set_id).status is not theirs.status:
        sets.set_status(set_id, theirs.status, actor=actor)


def _by_id(annotation_set: AnnotationSet) -> dict[Layer, dict[str, AnyItem]]:
    return {
        Layer.MENTION: {m.id: m for m in annotation_set.mentions},
        Layer.ENTITY: {e.id: e for e in annotation_set.entities},
        Layer.QUOTE: {q.id: q for q in annotation_set.quotes},
        Layer.STANCE: {s.id: s for s in annotation_set.stances},
        Layer.DOCUMENT_LABEL: {d.id: d for d in annotation_set.document_labels},
    }


# -- describing differences ------------------------------------------------------------------------

_LAYER_NAMES = {
    Layer.MENTION: "mention",
    Layer.ENTITY: "entity",
    Layer.QUOTE: "quote",
    Layer.STANCE: "stance",
    Layer.DOCUMENT_LABEL: "answer",
}
#: Examples listed per set; the counts cover the rest.
_EXAMPLES = 6


def describe_differences(ours: AnnotationSet | None, theirs: AnnotationSet, text: str) -> list[str]:
    """How the project's version of a set (``ours``) and the pack's differ, in sentences."""
    lines: list[str] = []
    our_status = ours.status if ours is not None else SetStatus.TODO
    if our_status is not theirs.status:
        lines.append(f"status: project {our_status}, pack {theirs.status}")
    old = _by_id(ours) if ours is not None else {layer: {} for layer in Layer}
    new = _by_id(theirs)
    names = {e.id: e.name for e in [*(ours.entities if ours else []), *theirs.entities]}
    examples: list[str] = []
    for layer in Layer:
        only_ours = [i for i in old[layer] if i not in new[layer]]
        only_theirs = [i for i in new[layer] if i not in old[layer]]
        changed = [
            i
            for i in new[layer]
            if i in old[layer] and old[layer][i].model_dump() != new[layer][i].model_dump()
        ]
        if not (only_ours or only_theirs or changed):
            continue
        counts = []
        if only_ours:
            counts.append(f"{len(only_ours)} only in the project")
        if only_theirs:
            counts.append(f"{len(only_theirs)} only in the pack")
        if changed:
            counts.append(f"{len(changed)} changed")
        lines.append(f"{_LAYER_NAMES[layer]}s: " + ", ".join(counts))
        for item_id in only_ours:
            examples.append(f"  only in the project: {_describe(old[layer][item_id], text, names)}")
        for item_id in only_theirs:
            examples.append(f"  only in the pack: {_describe(new[layer][item_id], text, names)}")
        for item_id in changed:
            before, after = old[layer][item_id].model_dump(), new[layer][item_id].model_dump()
            fields = [k for k in after if k != "id" and before.get(k) != after[k]]
            changes = ", ".join(f"{k} {before.get(k)!r} → {after[k]!r}" for k in fields[:3])
            examples.append(f"  changed: {_describe(new[layer][item_id], text, names)}: {changes}")
    lines += examples[:_EXAMPLES]
    if len(examples) > _EXAMPLES:
        lines.append(f"  … {len(examples) - _EXAMPLES} more")
    return lines


def _describe(item: AnyItem, text: str, names: dict[str, str]) -> str:
    def clip(start: int, end: int) -> str:
        span = " ".join(text[start:end].split())
        return repr(span if len(span) <= 40 else span[:39] + "…")

    if isinstance(item, Mention):
        return f"mention {item.label} {clip(item.start, item.end)} [{item.start}, {item.end})"
    if isinstance(item, Entity):
        return f"entity {item.label} {item.name!r}"
    if isinstance(item, Quote):
        return f"quote {item.quote_type} {clip(item.start, item.end)} [{item.start}, {item.end})"
    if isinstance(item, Stance):
        target = item.target_topic or names.get(item.target_entity_id or "", "?")
        return f"stance {names.get(item.holder_id, '?')} → {target}: {item.polarity}"
    assert isinstance(item, DocumentLabel)
    return f"answer to {item.question!r}: {', '.join(item.values)}"


__all__ = [
    "EMPTY_HASH",
    "PACK_FORMAT",
    "FileMerge",
    "MergeReport",
    "Outcome",
    "PackError",
    "PackMarker",
    "PackReport",
    "Prefer",
    "SetMerge",
    "content_hash",
    "describe_differences",
    "merge_pack",
    "merge_packs",
    "pack_articles",
    "pack_for_annotator",
]
