"""Annotation items, annotation sets, and their checks against the text and the schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from annotator.domain.annotations import (
    AnnotationSet,
    Annotator,
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    Role,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.offsets import text_sha256
from annotator.domain.schema import Schema


def span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def full_set(article: Article) -> dict[str, Any]:
    """Keyword arguments of a correct set using every layer; tests break one thing each."""
    text = article.text
    putin = Mention(id="m-putin", label="PER", entity_id="e-putin", **_se(text, "Putin"))
    eu = Mention(id="m-eu", label="ORG", entity_id="e-eu", **_se(text, "EU"))
    brussels = Mention(id="m-brussels", label="GPE", **_se(text, "Brussels"))
    quote_start, quote_end = span(text, '"We will not retreat."')
    cue_start, cue_end = span(text, "said")
    quote = Quote(
        id="q-1",
        start=quote_start,
        end=quote_end,
        quote_type="direct",
        speaker_id="m-putin",
        cue_start=cue_start,
        cue_end=cue_end,
    )
    stance = Stance(
        id="s-1",
        holder_id="e-eu",
        target_entity_id="e-putin",
        polarity="against",
        evidence=[
            Evidence(id="ev-1", start=quote_start, end=quote_end, quote_id="q-1"),
            Evidence(id="ev-2", **_se(text, "The EU condemned the move")),
        ],
        confidence=0.9,
    )
    topic_stance = Stance(id="s-2", holder_id="e-putin", target_topic="sanctions", polarity="none")
    return {
        "article_id": article.id,
        "annotator_id": "ann-1",
        "text_sha256": article.sha256,
        "mentions": [putin, eu, brussels],
        "entities": [
            Entity(id="e-putin", name="Vladimir Putin", label="PER"),
            Entity(id="e-eu", name="European Union", label="ORG"),
        ],
        "quotes": [quote],
        "stances": [stance, topic_stance],
        "document_labels": [DocumentLabel(id="d-1", question="genre", values=["news"])],
    }


def _se(text: str, part: str) -> dict[str, int]:
    start, end = span(text, part)
    return {"start": start, "end": end}


def with_changes(article: Article, **changes: Any) -> AnnotationSet:
    return AnnotationSet(**{**full_set(article), **changes})


# -- items ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5)])
def test_mention_with_end_not_after_start_is_refused(start: int, end: int) -> None:
    with pytest.raises(ValidationError, match=re.escape(f"span [{start}, {end}) is empty")):
        Mention(start=start, end=end, label="PER")


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (0, 0)])
def test_mention_with_negative_or_zero_bounds_is_refused(start: int, end: int) -> None:
    with pytest.raises(ValidationError):
        Mention(start=start, end=end, label="PER")


def test_mention_needs_a_label() -> None:
    with pytest.raises(ValidationError, match="label"):
        Mention(start=0, end=1, label="")


def test_items_get_distinct_ids() -> None:
    first, second = Mention(start=0, end=1, label="PER"), Mention(start=0, end=1, label="PER")
    assert first.id != second.id
    assert len(first.id) == 26


def test_quote_with_only_cue_start_is_refused() -> None:
    with pytest.raises(ValidationError, match="a cue needs both cue_start and cue_end"):
        Quote(start=0, end=10, cue_start=12)


def test_quote_with_only_cue_end_is_refused() -> None:
    with pytest.raises(ValidationError, match="a cue needs both cue_start and cue_end"):
        Quote(start=0, end=10, cue_end=15)


def test_quote_with_reversed_cue_is_refused() -> None:
    with pytest.raises(ValidationError, match=re.escape("cue span [15, 12) is empty or reversed")):
        Quote(start=0, end=10, cue_start=15, cue_end=12)


def test_quote_cue_property() -> None:
    assert Quote(start=0, end=10, cue_start=12, cue_end=16).cue == (12, 16)
    assert Quote(start=0, end=10).cue is None
    assert Quote(start=0, end=10).quote_type == "direct"


def test_stance_with_entity_target_or_topic_target_is_accepted() -> None:
    on_entity = Stance(holder_id="e1", target_entity_id="e2", polarity="favor")
    on_topic = Stance(holder_id="e1", target_topic="sanctions", polarity="favor")
    assert on_entity.target_topic is None
    assert on_topic.target_entity_id is None


def test_stance_without_target_is_refused() -> None:
    with pytest.raises(ValidationError, match="exactly one target"):
        Stance(holder_id="e1", polarity="favor")


def test_stance_with_both_targets_is_refused() -> None:
    with pytest.raises(ValidationError, match="exactly one target"):
        Stance(holder_id="e1", target_entity_id="e2", target_topic="war", polarity="favor")


@pytest.mark.parametrize("confidence", [-0.1, 1.5])
def test_stance_confidence_outside_0_1_is_refused(confidence: float) -> None:
    with pytest.raises(ValidationError, match="confidence"):
        Stance(holder_id="e1", target_topic="t", polarity="favor", confidence=confidence)


def test_document_label_needs_a_value() -> None:
    with pytest.raises(ValidationError, match="values"):
        DocumentLabel(question="genre", values=[])


# -- annotators -------------------------------------------------------------------------------


def test_annotator_defaults() -> None:
    annotator = Annotator(name="Ana Kim")
    assert annotator.roles == [Role.ANNOTATOR]
    assert annotator.name == "Ana Kim"


@pytest.mark.parametrize("name", [" Ana", "Ana ", "\tAna", "Ana\n", "   "])
def test_annotator_name_must_not_be_blank_or_padded(name: str) -> None:
    with pytest.raises(ValidationError, match="must not be blank or padded"):
        Annotator(name=name)


def test_annotator_name_must_not_be_empty() -> None:
    with pytest.raises(ValidationError, match="name"):
        Annotator(name="")


# -- annotation sets: references --------------------------------------------------------------


def test_full_set_is_consistent(news_article: Article, news_schema: Schema) -> None:
    annotation_set = AnnotationSet(**full_set(news_article))
    assert annotation_set.reference_problems() == []
    assert annotation_set.problems_against(news_article, news_schema) == []
    assert annotation_set.problems_against(news_article) == []


def test_full_set_lists_all_spans_and_items(news_article: Article) -> None:
    annotation_set = AnnotationSet(**full_set(news_article))
    whats = [what for what, _, _ in annotation_set.spans()]
    assert whats == [
        "mention m-putin",
        "mention m-eu",
        "mention m-brussels",
        "quote q-1",
        "cue of quote q-1",
        "evidence ev-1",
        "evidence ev-2",
    ]
    ids = {item.id for item in annotation_set.all_items()}
    assert {"m-putin", "e-eu", "q-1", "s-1", "s-2", "ev-1", "ev-2", "d-1"} <= ids
    cue = next(
        (start, end) for what, start, end in annotation_set.spans() if what.startswith("cue")
    )
    assert news_article.text[slice(*cue)] == "said"


def test_full_set_round_trips_through_json(news_article: Article) -> None:
    annotation_set = AnnotationSet(**full_set(news_article))
    assert AnnotationSet.model_validate_json(annotation_set.model_dump_json()) == annotation_set


def test_quote_speaker_must_be_a_mention_of_the_set(news_article: Article) -> None:
    quote = full_set(news_article)["quotes"][0].model_copy(update={"speaker_id": "e-putin"})
    with pytest.raises(
        ValidationError, match="quote q-1: speaker e-putin is not a mention of this article"
    ):
        with_changes(news_article, quotes=[quote])


def test_mention_must_point_to_a_known_entity(news_article: Article) -> None:
    mentions = full_set(news_article)["mentions"]
    mentions[2] = mentions[2].model_copy(update={"entity_id": "e-ghost"})
    with pytest.raises(
        ValidationError, match="mention m-brussels belongs to unknown entity e-ghost"
    ):
        with_changes(news_article, mentions=mentions)


def test_stance_holder_must_be_an_entity(news_article: Article) -> None:
    stance = Stance(id="s-9", holder_id="m-putin", target_topic="sanctions", polarity="favor")
    with pytest.raises(ValidationError, match="stance s-9: holder m-putin is not an entity"):
        with_changes(news_article, stances=[stance])


def test_stance_target_entity_must_be_an_entity(news_article: Article) -> None:
    stance = Stance(id="s-9", holder_id="e-eu", target_entity_id="e-ghost", polarity="favor")
    with pytest.raises(ValidationError, match="stance s-9: target e-ghost is not an entity"):
        with_changes(news_article, stances=[stance])


def test_evidence_quote_must_exist(news_article: Article) -> None:
    stance = Stance(
        id="s-9",
        holder_id="e-eu",
        target_topic="sanctions",
        polarity="favor",
        evidence=[Evidence(id="ev-9", start=0, end=5, quote_id="q-ghost")],
    )
    with pytest.raises(ValidationError, match="stance s-9: evidence quote q-ghost is unknown"):
        with_changes(news_article, stances=[stance])


def test_duplicate_item_ids_are_refused(news_article: Article) -> None:
    entities = full_set(news_article)["entities"]
    entities.append(Entity(id="m-eu", name="Clash", label="ORG"))
    with pytest.raises(ValidationError, match="item id m-eu is used twice"):
        with_changes(news_article, entities=entities)


def test_evidence_id_clashing_with_a_mention_id_is_refused(news_article: Article) -> None:
    stance = Stance(
        id="s-9",
        holder_id="e-eu",
        target_topic="sanctions",
        polarity="favor",
        evidence=[Evidence(id="m-putin", start=0, end=5)],
    )
    with pytest.raises(ValidationError, match="item id m-putin is used twice"):
        with_changes(news_article, stances=[stance])


def test_question_answered_twice_is_refused(news_article: Article) -> None:
    labels = [
        DocumentLabel(id="d-1", question="genre", values=["news"]),
        DocumentLabel(id="d-2", question="genre", values=["opinion"]),
    ]
    with pytest.raises(ValidationError, match="document question 'genre' is answered twice"):
        with_changes(news_article, document_labels=labels)


def test_every_reference_problem_is_reported(news_article: Article) -> None:
    mentions = full_set(news_article)["mentions"]
    mentions[2] = mentions[2].model_copy(update={"entity_id": "e-ghost"})
    stance = Stance(id="s-9", holder_id="e-nobody", target_topic="x", polarity="favor")
    with pytest.raises(ValidationError) as info:
        with_changes(news_article, mentions=mentions, stances=[stance])
    message = str(info.value)
    assert "unknown entity e-ghost" in message
    assert "holder e-nobody is not an entity" in message


# -- annotation sets: against the article and the schema ---------------------------------------


def test_span_past_the_end_of_the_text(news_article: Article, news_schema: Schema) -> None:
    length = len(news_article.text)
    mentions = [Mention(id="m-x", start=length - 2, end=length + 3, label="PER")]
    annotation_set = with_changes(news_article, mentions=mentions, quotes=[], stances=[])
    problems = annotation_set.problems_against(news_article, news_schema)
    assert problems == [
        f"mention m-x: span [{length - 2}, {length + 3}) is not a non-empty span "
        f"inside a text of {length} characters"
    ]


def test_cue_and_evidence_past_the_end_are_reported(news_article: Article) -> None:
    length = len(news_article.text)
    quote = Quote(id="q-x", start=0, end=5, cue_start=length, cue_end=length + 1)
    stance = Stance(
        id="s-x",
        holder_id="e-eu",
        target_topic="sanctions",
        polarity="favor",
        evidence=[Evidence(id="ev-x", start=length + 1, end=length + 9)],
    )
    annotation_set = with_changes(news_article, quotes=[quote], stances=[stance])
    problems = annotation_set.problems_against(news_article)
    assert len(problems) == 2
    assert problems[0].startswith("cue of quote q-x: span")
    assert problems[1].startswith("evidence ev-x: span")


def test_wrong_text_hash_is_reported(news_article: Article, news_schema: Schema) -> None:
    annotation_set = with_changes(news_article, text_sha256=text_sha256("an older version"))
    assert annotation_set.problems_against(news_article, news_schema) == [
        "set was made on a different version of the article text"
    ]


def test_wrong_article_is_reported(news_article: Article) -> None:
    other = Article.create(news_article.text)
    problems = AnnotationSet(**full_set(news_article)).problems_against(other)
    assert problems == [f"set is for article {news_article.id}, not {other.id}"]


def test_labels_not_in_schema_are_reported(news_article: Article, news_schema: Schema) -> None:
    data = full_set(news_article)
    data["mentions"][2] = data["mentions"][2].model_copy(update={"label": "WEAPON"})
    data["entities"][1] = data["entities"][1].model_copy(update={"label": "CLUB"})
    data["quotes"][0] = data["quotes"][0].model_copy(update={"quote_type": "rhetorical"})
    data["stances"][0] = data["stances"][0].model_copy(update={"polarity": "loves"})
    data["stances"][1] = data["stances"][1].model_copy(update={"target_topic": "climate"})
    problems = AnnotationSet(**data).problems_against(news_article, news_schema)
    assert problems == [
        "mention m-brussels: label 'WEAPON' is not in the schema",
        "entity e-eu: label 'CLUB' is not in the schema",
        "quote q-1: type 'rhetorical' is not in the schema",
        "stance s-1: polarity 'loves' is not in the schema",
        "stance s-2: topic 'climate' is not in the schema",
    ]
    # Without a schema only the text is checked.
    assert AnnotationSet(**data).problems_against(news_article) == []


def test_document_label_value_not_among_choices(news_article: Article, news_schema: Schema) -> None:
    labels = [DocumentLabel(id="d-1", question="genre", values=["gossip"])]
    annotation_set = with_changes(news_article, document_labels=labels)
    assert annotation_set.problems_against(news_article, news_schema) == [
        "genre: 'gossip' is not one of its choices"
    ]


def test_document_label_for_unknown_question(news_article: Article, news_schema: Schema) -> None:
    labels = [DocumentLabel(id="d-1", question="mood", values=["happy"])]
    annotation_set = with_changes(news_article, document_labels=labels)
    assert annotation_set.problems_against(news_article, news_schema) == [
        "document question 'mood' is not in the schema"
    ]


def test_single_answer_question_with_two_values(news_article: Article, news_schema: Schema) -> None:
    labels = [DocumentLabel(id="d-1", question="genre", values=["news", "analysis"])]
    annotation_set = with_changes(news_article, document_labels=labels)
    assert annotation_set.problems_against(news_article, news_schema) == [
        "genre: takes one answer, got 2"
    ]


def test_set_needs_a_valid_text_hash(news_article: Article) -> None:
    with pytest.raises(ValidationError, match="text_sha256"):
        with_changes(news_article, text_sha256="not-a-hash")
