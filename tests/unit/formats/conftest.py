"""Sample export documents shared by the writer tests (spaCy DocBin, CoNLL, Hugging Face).

Three articles:

* ``putin`` (train, en, CRLF in the raw text): a quote with speaker and cue, a stance with two
  evidence spans, a nested mention (``Korea`` inside ``Bank of Korea``);
* ``seoul`` (dev, ko: spaCy needs mecab for a blank Korean pipeline, so it falls back to ``xx``):
  emoji 🇰🇷 😀 👩‍💻, Korean text, a nested mention (``Seoul`` inside ``🇰🇷 Seoul``) and a
  quote without speaker;
* ``merkel`` (train, en): a mention crossing two others (``Merkel met Emmanuel``).

Overlaps that ``doc.ents`` or one tag sequence cannot hold are resolved greedily, longest first
(ties: earliest): ``Bank of Korea`` beats ``Korea``, ``🇰🇷 Seoul`` beats ``Seoul``, and the
3-token ``Merkel met Emmanuel`` beats both ``Angela Merkel`` and ``Emmanuel Macron``.
``EXPECTED_ENTS`` and ``EXPECTED_OVERLAPS`` spell this out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from annotator.domain.annotations import (
    AnnotationSet,
    Entity,
    Evidence,
    Mention,
    Quote,
    Stance,
)
from annotator.domain.article import Article
from annotator.formats.export_types import ExportDocument

PUTIN_RAW = 'Putin said, "It is our business to decide."\r\nThe Bank of Korea disagreed.'
SEOUL_RAW = "🇰🇷 Seoul 😀 said Kim: “다시 시작한다.”\nMoon agreed 👩‍💻."
MERKEL_RAW = "Angela Merkel met Emmanuel Macron in Berlin."

#: article id -> texts of doc.ents (also the entities a single tag sequence keeps), in order.
EXPECTED_ENTS = {
    "putin": [("Putin", "PER"), ("Bank of Korea", "ORG")],
    "seoul": [("🇰🇷 Seoul", "LOC"), ("Kim", "PER"), ("Moon", "PER")],
    "merkel": [("Merkel met Emmanuel", "MISC"), ("Berlin", "LOC")],
}
#: article id -> mentions that overlap a kept one (text, label).
EXPECTED_OVERLAPS = {
    "putin": [("Korea", "LOC")],
    "seoul": [("Seoul", "LOC")],
    "merkel": [("Angela Merkel", "PER"), ("Emmanuel Macron", "PER")],
}
LABELS = ["PER", "ORG", "LOC", "MISC"]


def find(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the ``nth`` occurrence of ``part`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


@dataclass
class Builder:
    """Builds one article's annotation set by quoting the text, not by counting offsets."""

    article: Article
    mentions: list[Mention] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    stances: list[Stance] = field(default_factory=list)

    def mention(self, part: str, label: str, entity: Entity | None = None) -> Mention:
        start, end = find(self.article.text, part)
        made = Mention(
            start=start, end=end, label=label, entity_id=None if entity is None else entity.id
        )
        self.mentions.append(made)
        return made

    def entity(self, name: str, label: str, kb_id: str | None = None) -> Entity:
        made = Entity(name=name, label=label, kb_id=kb_id)
        self.entities.append(made)
        return made

    def quote(self, part: str, speaker: Mention | None = None, cue: str | None = None) -> Quote:
        start, end = find(self.article.text, part)
        cue_start, cue_end = find(self.article.text, cue) if cue else (None, None)
        made = Quote(
            start=start,
            end=end,
            speaker_id=None if speaker is None else speaker.id,
            cue_start=cue_start,
            cue_end=cue_end,
        )
        self.quotes.append(made)
        return made

    def document(self, split: str, annotator: str = "alice") -> ExportDocument:
        annotation_set = AnnotationSet(
            article_id=self.article.id,
            annotator_id="a1",
            text_sha256=self.article.sha256,
            mentions=self.mentions,
            entities=self.entities,
            quotes=self.quotes,
            stances=self.stances,
        )
        return ExportDocument(self.article, annotation_set, annotator, split)


def putin_document() -> ExportDocument:
    b = Builder(Article.create(PUTIN_RAW, id="putin", title="Putin", language="en"))
    putin = b.entity("Vladimir Putin", "PER", kb_id="Q7747")
    bank = b.entity("Bank of Korea", "ORG")
    speaker = b.mention("Putin", "PER", putin)
    b.mention("Bank of Korea", "ORG", bank)
    b.mention("Korea", "LOC")
    quote = b.quote('"It is our business to decide."', speaker=speaker, cue="said")
    evidence = [
        Evidence(start=find(b.article.text, "It is our business")[0], end=quote.start + 19),
        Evidence(start=quote.start + 20, end=quote.end - 2, quote_id=quote.id),
    ]
    b.stances.append(
        Stance(holder_id=putin.id, target_entity_id=bank.id, polarity="against", evidence=evidence)
    )
    return b.document("train")


def seoul_document() -> ExportDocument:
    b = Builder(Article.create(SEOUL_RAW, id="seoul", title="서울", language="ko"))
    kim = b.entity("Kim", "PER")
    b.mention("🇰🇷 Seoul", "LOC")
    b.mention("Seoul", "LOC")
    b.mention("Kim", "PER", kim)
    b.mention("Moon", "PER")
    b.quote("“다시 시작한다.”", cue="said")
    b.stances.append(
        Stance(
            holder_id=kim.id,
            target_topic="reform",
            polarity="favor",
            evidence=[
                Evidence(start=find(b.article.text, "다시 시작한다")[0], end=b.quotes[0].end - 1)
            ],
        )
    )
    return b.document("dev")


def merkel_document() -> ExportDocument:
    b = Builder(Article.create(MERKEL_RAW, id="merkel", language="en-GB"))
    b.mention("Angela Merkel", "PER")
    b.mention("Emmanuel Macron", "PER")
    b.mention("Merkel met Emmanuel", "MISC")
    b.mention("Berlin", "LOC")
    return b.document("train", annotator="gold")


def sample_documents() -> list[ExportDocument]:
    return [putin_document(), seoul_document(), merkel_document()]


@pytest.fixture
def documents() -> list[ExportDocument]:
    return sample_documents()


def overlap_count() -> int:
    return sum(len(spans) for spans in EXPECTED_OVERLAPS.values())


#: article id -> the language spaCy tokenises it in (Korean falls back to ``xx``).
TOKEN_LANG = {"putin": "en", "seoul": "xx", "merkel": "en"}


def expected_token_ents(document: ExportDocument) -> list[tuple[str, list[str]]]:
    """``(label, token texts)`` of ``EXPECTED_ENTS`` for one document, tokenised by spaCy."""
    spacy = pytest.importorskip("spacy")
    text = document.article.text
    doc = spacy.blank(TOKEN_LANG[document.article.id]).make_doc(text)
    out: list[tuple[str, list[str]]] = []
    for part, label in EXPECTED_ENTS[document.article.id]:
        span = doc.char_span(*find(text, part))
        assert span is not None, f"{part!r} is not on token boundaries"
        out.append((label, [token.text for token in span]))
    return out
