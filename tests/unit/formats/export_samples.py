"""Sample documents, round-trip helpers and span checkers for the annotation-tool writers.

``sample_document()`` is one Korean/English news article with emoji (🇰🇷 😀 👩‍💻), nested
(``서울`` in ``서울디지털재단``) and crossing (``Ji-woo of 서울디지털재단`` over ``Kim Ji-woo``)
mentions, a coreference cluster (``Kim Ji-woo`` … ``Kim`` … ``She``), three quotes (with speaker
and cue; one without speaker), three stances (entity target with two evidence spans and a note
and a confidence; topic target with a space in its name; polarity ``none``) and a document
label. ``second_document()`` is a small English one in another split.

``summary()`` says what a set holds without ids, so an original and its re-import compare equal;
the ``check_*`` functions read written files and check that every span slices its own text.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

from annotator.domain.annotations import (
    AnnotationSet,
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.offsets import Utf16Index
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from annotator.services.foreign import LabelPolicy
from annotator.services.importing import import_paths
from annotator.storage.project import Project

TEXT = (
    "Seoul 🇰🇷 — Kim Ji-woo of 서울디지털재단 met Lee Min-ho on Monday 😀.\n"
    "“We will not accept the plan,” Kim said. 👩‍💻 She added that 남북 대화 must resume.\n"
    "Lee said the talks were useful."
)
TOPIC = "남북 대화"
SECOND_TEXT = "Moon Jae-in said the summit was useful.\nHe praised 🇰🇷 diplomacy."


def find(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the ``nth`` occurrence of ``part`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


class Builder:
    """One article's set, built by quoting its text rather than counting offsets."""

    def __init__(self, text: str, **article: Any) -> None:
        self.article = Article.create(text, **article)
        self.mentions: list[Mention] = []
        self.entities: list[Entity] = []
        self.quotes: list[Quote] = []
        self.stances: list[Stance] = []
        self.labels: list[DocumentLabel] = []

    def span(self, part: str, nth: int = 0) -> tuple[int, int]:
        return find(self.article.text, part, nth)

    def entity(self, name: str, label: str, **fields: Any) -> Entity:
        entity = Entity(name=name, label=label, **fields)
        self.entities.append(entity)
        return entity

    def mention(
        self, part: str, label: str, entity: Entity | None = None, nth: int = 0, **fields: Any
    ) -> Mention:
        start, end = self.span(part, nth)
        mention = Mention(
            start=start,
            end=end,
            label=label,
            entity_id=None if entity is None else entity.id,
            **fields,
        )
        self.mentions.append(mention)
        return mention

    def quote(
        self,
        part: str,
        quote_type: str,
        speaker: Mention | None = None,
        cue: tuple[str, int] | None = None,
        **fields: Any,
    ) -> Quote:
        start, end = self.span(part)
        cue_start, cue_end = self.span(*cue) if cue else (None, None)
        quote = Quote(
            start=start,
            end=end,
            quote_type=quote_type,
            speaker_id=None if speaker is None else speaker.id,
            cue_start=cue_start,
            cue_end=cue_end,
            **fields,
        )
        self.quotes.append(quote)
        return quote

    def evidence(self, part: str | Quote) -> Evidence:
        if isinstance(part, Quote):
            return Evidence(start=part.start, end=part.end, quote_id=part.id)
        start, end = self.span(part)
        return Evidence(start=start, end=end)

    def document(self, split: str = "train", annotator: str = "ann") -> ExportDocument:
        annotation_set = AnnotationSet(
            article_id=self.article.id,
            annotator_id="a1",
            text_sha256=self.article.sha256,
            mentions=self.mentions,
            entities=self.entities,
            quotes=self.quotes,
            stances=self.stances,
            document_labels=self.labels,
        )
        assert annotation_set.problems_against(self.article) == []
        return ExportDocument(self.article, annotation_set, annotator, split)


def sample_document(split: str = "train", annotator: str = "ann") -> ExportDocument:
    b = Builder(TEXT, title="Seoul 🇰🇷 talks", language="ko", external_id="seoul-1")
    kim = b.entity("Kim Ji-woo", "PER")
    lee = b.entity("Lee Min-ho", "PER")
    b.mention("Seoul", "GPE")
    b.mention("🇰🇷", "GPE")
    b.mention("Kim Ji-woo", "PER", kim)
    b.mention("Ji-woo of 서울디지털재단", "MISC", unsure=True)  # crosses "Kim Ji-woo"
    b.mention("서울디지털재단", "ORG", note="Seoul Digital Foundation")
    b.mention("서울", "GPE")  # nested in 서울디지털재단
    b.mention("Lee Min-ho", "PER", lee)
    kim_said = b.mention("Kim", "PER", kim, nth=1)
    she = b.mention("She", "PER", kim)
    b.mention("Lee", "PER", lee, nth=1)
    plan = b.quote(
        "“We will not accept the plan,”",
        "direct",
        speaker=kim_said,
        cue=("said", 0),
        note="curly quotes kept",
    )
    resume = b.quote("that 남북 대화 must resume", "indirect", speaker=she, cue=("added", 0))
    b.quote("the talks were useful", "indirect", cue=("said", 1))
    b.stances.append(
        Stance(
            holder_id=kim.id,
            target_entity_id=lee.id,
            polarity="against",
            evidence=[b.evidence(plan), b.evidence("She added that 남북 대화 must resume.")],
            confidence=0.8,
            note="strong wording",
        )
    )
    b.stances.append(
        Stance(
            holder_id=kim.id, target_topic=TOPIC, polarity="neutral", evidence=[b.evidence(resume)]
        )
    )
    b.stances.append(
        Stance(
            holder_id=lee.id,
            target_topic=TOPIC,
            polarity="none",
            evidence=[b.evidence("Lee said the talks were useful.")],
        )
    )
    b.labels.append(DocumentLabel(question="genre", values=["news"]))
    return b.document(split, annotator)


def second_document(split: str = "dev", annotator: str = "ann") -> ExportDocument:
    b = Builder(SECOND_TEXT, title="Moon", language="en")
    moon = b.entity("Moon Jae-in", "PER")
    speaker = b.mention("Moon Jae-in", "PER", moon)
    b.mention("He", "PER", moon)
    b.mention("🇰🇷", "GPE")
    b.quote("the summit was useful", "indirect", speaker=speaker, cue=("said", 0))
    return b.document(split, annotator)


def samples() -> list[ExportDocument]:
    return [sample_document(), second_document()]


# -- exporting and importing back ----------------------------------------------------------------


def export(
    writer: ModuleType,
    documents: Iterable[ExportDocument],
    out: Path,
    options: ExportOptions | None = None,
) -> ExportReport:
    report = ExportReport(format=writer.__name__.rsplit(".", 1)[-1], out=out)
    out.mkdir(parents=True, exist_ok=True)
    writer.write(iter(documents), out, options or ExportOptions(), report)
    for path in report.files:
        assert path.is_file() and out.resolve() in path.parents
        assert b"\r" not in path.read_bytes()
    return report


def import_back(
    project: Project, path: Path, fmt: str, mapping: dict[str, str] | None = None
) -> tuple[dict[str, AnnotationSet], dict[str, Article]]:
    """Sets and articles imported from ``path`` into ``project``, by article text sha256."""
    report = import_paths(
        project, [path], fmt=fmt, annotator="x", labels=LabelPolicy(mapping=mapping or {})
    )
    assert not report.failed, [f.error for f in report.failed]
    annotator = project.annotators.by_name("x")
    assert annotator is not None
    sets: dict[str, AnnotationSet] = {}
    articles: dict[str, Article] = {}
    for article_id in project.articles.ids():
        article = project.articles.get(article_id)
        info = project.sets.find(article_id, annotator.id)
        if info is not None:
            sets[article.sha256] = project.sets.load(info.id)
            articles[article.sha256] = article
    return sets, articles


def summary(annotation_set: AnnotationSet, text: str, *, notes: bool = True) -> dict[str, Any]:
    """What a set says, without ids: spans, labels, links by the spans they point to."""
    mentions = {m.id: m for m in annotation_set.mentions}
    clusters = {
        e.id: tuple(sorted((m.start, m.end) for m in mentions.values() if m.entity_id == e.id))
        for e in annotation_set.entities
    }

    def note(value: str) -> str:
        return value if notes else ""

    def speaker(mention_id: str | None) -> tuple[int, int] | tuple[()]:
        mention = mentions.get(mention_id or "")
        return () if mention is None else (mention.start, mention.end)

    return {
        "mentions": sorted(
            (m.start, m.end, m.label, text[m.start : m.end], note(m.note))
            for m in mentions.values()
        ),
        "entities": sorted((e.name, e.label, clusters[e.id]) for e in annotation_set.entities),
        "quotes": sorted(
            (q.start, q.end, q.quote_type, speaker(q.speaker_id), q.cue or (), note(q.note))
            for q in annotation_set.quotes
        ),
        "stances": sorted(
            (
                clusters[s.holder_id],
                clusters.get(s.target_entity_id or "", ()),
                s.target_topic or "",
                s.polarity,
                tuple((e.start, e.end, e.quote_id is not None) for e in s.evidence),
                note(s.note),
            )
            for s in annotation_set.stances
        ),
        "labels": sorted((d.question, tuple(d.values)) for d in annotation_set.document_labels),
    }


def assert_round_trip(
    originals: Iterable[ExportDocument],
    imported: dict[str, AnnotationSet],
    *,
    notes: bool = True,
    adjust: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Each original equals its re-import; ``adjust`` changes the expected summaries in place."""
    originals = list(originals)
    assert len(imported) == len(originals)
    for document in originals:
        text = document.article.text
        expected = summary(document.annotation_set, text, notes=notes)
        if adjust is not None:
            adjust(expected)
        assert summary(imported[document.article.sha256], text, notes=notes) == expected


# -- every span slices its own text ---------------------------------------------------------------


def check_label_studio(path: Path) -> int:
    """Every region's value.text is text[start:end]; returns how many were checked."""
    checked = 0
    for task in orjson.loads(path.read_bytes()):
        text = task["data"]["text"]
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                value = result.get("value", {})
                if "start" in value:
                    assert text[value["start"] : value["end"]] == value["text"], result
                    checked += 1
    return checked


def check_brat(folder: Path) -> int:
    """Every T line's text is its fragments of the .txt joined by one space."""
    checked = 0
    for ann in sorted(folder.rglob("*.ann")):
        text = ann.with_suffix(".txt").read_bytes().decode("utf-8")
        for line in ann.read_bytes().decode("utf-8").split("\n"):
            if not line.startswith("T"):
                continue
            _, head, quoted = line.split("\t", 2)
            offsets = head.split(" ", 1)[1]
            pieces = [tuple(map(int, part.split())) for part in offsets.split(";")]
            assert " ".join(text[s:e] for s, e in pieces) == quoted, line
            checked += 1
    return checked


def utf16_slice(text: str, start: int, end: int) -> str:
    """``text[start:end]`` counted in UTF-16 code units, done the slow, obvious way."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def check_doccano(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Article id -> (label, text) of each entity, its UTF-16 offsets read two ways."""
    found: dict[str, list[tuple[str, str]]] = {}
    for line in path.read_bytes().splitlines():
        record = orjson.loads(line)
        text = record["text"]
        index = Utf16Index(text)
        spans = found.setdefault(record["id"], [])
        for entity in record["entities"]:
            start, end = entity["start_offset"], entity["end_offset"]
            cp_start, cp_end = index.span_from_utf16(start, end)
            assert text[cp_start:cp_end] == utf16_slice(text, start, end)
            spans.append((entity["label"], text[cp_start:cp_end]))
        ids = {e["id"] for e in record["entities"]}
        assert all({r["from_id"], r["to_id"]} <= ids for r in record["relations"])
    return found


def check_prodigy(path: Path) -> int:
    """Spans, tokens and relation ends slice their own text; token ranges cover each span."""
    checked = 0
    for line in path.read_bytes().splitlines():
        record = orjson.loads(line)
        text = record["text"]
        tokens = record.get("tokens", [])
        for token in tokens:
            assert text[token["start"] : token["end"]] == token["text"]
        for span in record["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
            if "token_start" in span:
                first, last = tokens[span["token_start"]], tokens[span["token_end"]]
                assert (first["start"], last["end"]) == (span["start"], span["end"])
            checked += 1
        spans = {(s["start"], s["end"], s["label"]) for s in record["spans"]}
        for relation in record.get("relations", []):
            for end, token in (("head_span", "head"), ("child_span", "child")):
                span = relation[end]
                assert (span["start"], span["end"], span["label"]) in spans
                assert relation[token] == span["token_end"]
    return checked


def check_quotes(path: Path, texts: dict[str, str]) -> list[dict[str, Any]]:
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    for record in records:
        text = texts[record["article_id"]]
        paragraph = record["paragraph"]
        assert text[paragraph["start"] : paragraph["end"]] == paragraph["text"]
        content = record["content"]
        local = paragraph["text"][
            content["start"] - paragraph["start"] : content["end"] - paragraph["start"]
        ]
        assert local == content["text"]
        for part in (content, record["speaker"], record["cue"]):
            if part is not None:
                assert text[part["start"] : part["end"]] == part["text"]
    return records


def check_stances(path: Path, texts: dict[str, str]) -> list[dict[str, Any]]:
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    for record in records:
        text = texts[record["article_id"]]
        for evidence in record["evidence"]:
            assert text[evidence["start"] : evidence["end"]] == evidence["text"]
    return records


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))
