"""Entity propagation, the suggestion engine, remembered decisions and accepting suggestions."""

from __future__ import annotations

import json

import pytest

from annotator.domain.annotations import Entity, Layer, Mention, Quote
from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError
from annotator.resources import resource
from annotator.services.propagation import EntityLexicon, learnable
from annotator.services.suggestions import (
    Suggestion,
    SuggestionEngine,
    SuggestionKind,
    parse_kinds,
    plan_acceptance,
)
from annotator.storage.project import Project
from annotator.storage.suggestions import Decision, DecisionRecord, GazetteerEntry


def spans(text: str, lexicon: EntityLexicon, **kwargs) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.label) for m in lexicon.match(text, **kwargs)]


def lexicon_of(*pairs: tuple[str, str]) -> EntityLexicon:
    lexicon = EntityLexicon()
    for surface, label in pairs:
        lexicon.learn(surface, label)
    return lexicon


def test_word_boundaries() -> None:
    lexicon = lexicon_of(("Lie", "PER"))
    text = "Lie said the Lies believe Lie's party; Liechtenstein and Lie."
    assert [m.start for m in lexicon.match(text)] == [0, 26, 57]


def test_case_rules() -> None:
    lexicon = lexicon_of(("Apple", "ORG"), ("the ministry", "ORG"))
    text = "Apple sells apple juice. The ministry and the ministry, not THE MINISTRY."
    assert spans(text, lexicon) == [
        ("Apple", "ORG"),
        ("The ministry", "ORG"),  # a lower-case form at a sentence start
        ("the ministry", "ORG"),
    ]


def test_longest_match_first() -> None:
    lexicon = lexicon_of(("England", "GPE"), ("Bank of England", "ORG"), ("Bank", "ORG"))
    text = "The Bank of England is in England, not the Bank."
    assert spans(text, lexicon) == [
        ("Bank of England", "ORG"),
        ("England", "GPE"),
        ("Bank", "ORG"),
    ]


def test_never_inside_or_over_an_existing_mention() -> None:
    lexicon = lexicon_of(("Bergen", "GPE"), ("Oslo", "GPE"))
    text = "The Bergen Institute met in Bergen and Oslo."
    institute = (4, 20)  # "Bergen Institute", labelled ORG already
    oslo = (text.index("Oslo"), text.index("Oslo") + 4)  # already labelled
    assert spans(text, lexicon, occupied=[institute, oslo]) == [("Bergen", "GPE")]


def test_pronouns_and_single_letters_are_not_learned() -> None:
    assert not learnable("he") and not learnable("She") and not learnable("A")
    assert not learnable(" padded ") and not learnable("1990") and learnable("U.S.")
    lexicon = lexicon_of(("he", "PER"), ("They", "ORG"))
    assert len(lexicon) == 0


def test_majority_label_and_unlearning() -> None:
    lexicon = lexicon_of(("Jordan", "PER"), ("Jordan", "GPE"), ("Jordan", "GPE"))
    [match] = lexicon.match("Jordan said so.")
    assert match.label == "GPE" and match.confidence < 0.9 and match.seen == 3
    lexicon.unlearn("Jordan", "GPE", 1)
    assert lexicon.match("Jordan said so.") == []  # PER once, GPE once: too unsure to offer
    lexicon.unlearn("Jordan", "GPE", 1)
    assert lexicon.match("Jordan said so.")[0].label == "PER"
    lexicon.unlearn("Jordan", "PER")
    assert lexicon.match("Jordan said so.") == []


def test_gazetteer_phrases_match_with_their_source() -> None:
    lexicon = EntityLexicon()
    lexicon.set_gazetteer([GazetteerEntry("ORG", "Coastal Alliance")])
    [match] = lexicon.match("The Coastal Alliance voted.")
    assert (match.label, match.source) == ("ORG", "gazetteer")


@pytest.fixture
def sample_project(project: Project) -> Project:
    for line in resource("samples", "articles.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        project.articles.add(
            Article.create(record["text"], title=record["title"], external_id=record["external_id"])
        )
    return project


def label(project: Project, annotator: str, article: Article, *names: tuple[str, str]) -> None:
    person = project.annotators.get_or_create(annotator)
    info = project.sets.get_or_create(article.id, person.id)
    for surface, entity_label in names:
        start = article.text.index(surface)
        project.sets.add(
            info.id, Mention(start=start, end=start + len(surface), label=entity_label)
        )


def test_propagation_learns_from_every_accepted_mention_in_the_project(
    sample_project: Project,
) -> None:
    articles = list(sample_project.articles.iter_all())
    norway, lyon = articles[0], articles[1]
    label(sample_project, "alice", norway, ("Halvorsen", "PER"), ("Defence Ministry", "ORG"))
    label(sample_project, "bob", lyon, ("Moreau", "PER"), ("Lyon", "GPE"))
    lexicon = EntityLexicon.from_project(sample_project)
    engine = SuggestionEngine(sample_project.schema, lexicon, kinds={SuggestionKind.ENTITIES})
    alice = sample_project.annotators.get_or_create("alice")
    mine = sample_project.sets.load(sample_project.sets.find(norway.id, alice.id).id)  # type: ignore[union-attr]
    found = engine.suggest(norway.text, mentions=mine.mentions)
    texts = [(norway.text[s.start : s.end], s.label, s.source) for s in found]
    # The repeated mentions in the same article; not the ones already labelled.
    assert texts.count(("Halvorsen", "PER", "propagation")) == norway.text.count("Halvorsen") - 1
    assert ("Defence Ministry", "ORG", "propagation") in texts
    # Bob's labels on another article reach this one; Lyon's names reach Lyon's text too.
    other = engine.suggest(lyon.text)
    assert {(lyon.text[s.start : s.end], s.label) for s in other} >= {
        ("Moreau", "PER"),
        ("Lyon", "GPE"),
    }
    # Leaving an annotator out (the CLI's own sets) forgets what they taught.
    without = EntityLexicon.from_project(
        sample_project, exclude_annotator=sample_project.annotators.get_or_create("bob").id
    )
    assert without.label_of("Moreau") is None and without.label_of("Halvorsen") is not None


def test_decisions_are_remembered_and_rejected_suggestions_never_come_back(
    sample_project: Project,
) -> None:
    article = next(iter(sample_project.articles.iter_all()))
    alice = sample_project.annotators.get_or_create("alice")
    engine = SuggestionEngine(sample_project.schema, lexicon_of(("Oslo", "GPE")))
    first = engine.suggest(article.text)
    oslo = next(s for s in first if s.layer is Layer.MENTION)
    quote = next(s for s in first if s.layer is Layer.QUOTE)
    records = [
        DecisionRecord(article.id, alice.id, str(s.layer), s.key, Decision.REJECTED, s.source)
        for s in (oslo, quote)
    ]
    sample_project.suggestions.decide(records, actor="alice")
    rejected = sample_project.suggestions.rejected(article.id, alice.id)
    assert rejected == {("mention", oslo.key), ("quote", quote.key)}
    again = engine.suggest(article.text, rejected=rejected)
    assert oslo not in again and all(s.key != quote.key for s in again)
    assert len(again) == len(first) - 2
    # Another annotator's rejections are theirs alone.
    assert sample_project.suggestions.rejected(article.id, None) == set()
    # Deciding again replaces; forgetting brings the suggestion back.
    sample_project.suggestions.decide(
        [DecisionRecord(article.id, alice.id, "mention", oslo.key, Decision.ACCEPTED)]
    )
    assert sample_project.suggestions.decisions(article.id, alice.id)[("mention", oslo.key)] is (
        Decision.ACCEPTED
    )
    sample_project.suggestions.forget(records)
    assert sample_project.suggestions.decisions(article.id, alice.id) == {}
    actions = [entry.action for entry in sample_project.audit.recent(limit=3)]
    assert actions == ["forget", "decide", "decide"]


def test_existing_quotes_and_mentions_are_not_suggested_again() -> None:
    text = "“We will win,” Anna Berg said. Anna Berg left."
    engine = SuggestionEngine(_schema(), lexicon_of(("Anna Berg", "PER")))
    fresh = engine.suggest(text)
    assert [s.layer for s in fresh] == [Layer.QUOTE, Layer.MENTION, Layer.MENTION]
    quote = Quote(start=0, end=14)
    mention = Mention(start=15, end=24, label="PER")
    rest = engine.suggest(text, mentions=[mention], quotes=[quote])
    assert [(s.layer, text[s.start : s.end]) for s in rest] == [(Layer.MENTION, "Anna Berg")]


def test_accepting_a_quote_with_a_pronoun_speaker_makes_a_cluster() -> None:
    text = "Anna Berg spoke.\n“We will win,” she said. “And soon,” she added."
    engine = SuggestionEngine(_schema(), EntityLexicon(), kinds={SuggestionKind.QUOTES})
    quotes = [s for s in engine.suggest(text) if s.layer is Layer.QUOTE]
    assert [q.speaker_name for q in quotes] == ["Anna Berg", "Anna Berg"]
    plan = plan_acceptance(quotes, text=text, mentions=[], entities=[], quotes=[])
    kinds = [type(item).__name__ for item in plan.adds]
    assert kinds == ["Entity", "Mention", "Mention", "Mention", "Quote", "Quote"]
    entity = plan.adds[0]
    assert isinstance(entity, Entity) and entity.name == "Anna Berg"
    mentions = [m for m in plan.adds if isinstance(m, Mention)]
    assert sorted(text[m.start : m.end] for m in mentions) == ["Anna Berg", "she", "she"]
    assert all(m.entity_id == entity.id for m in mentions)
    made = [q for q in plan.adds if isinstance(q, Quote)]
    assert all(q.speaker_id in {m.id for m in mentions} for q in made)
    assert made[0].provenance is not None and "quotes" in made[0].provenance.reason


def test_accepting_reuses_stored_mentions_and_links_them() -> None:
    text = "Anna Berg spoke.\n“We will win,” she said."
    stored = Mention(start=0, end=9, label="PER")
    engine = SuggestionEngine(_schema(), EntityLexicon(), kinds={SuggestionKind.QUOTES})
    [quote] = engine.suggest(text, mentions=[stored])
    plan = plan_acceptance([quote], text=text, mentions=[stored], entities=[], quotes=[])
    [(before, after)] = plan.links
    assert before == stored and after.entity_id is not None and after.id == stored.id
    assert not any(isinstance(m, Mention) and m.start == 0 for m in plan.adds)


def test_a_labelled_name_around_the_speaker_is_reused() -> None:
    text = "Colonel Ingrid Halvorsen told reporters: “We stay.”"
    stored = Mention(start=0, end=24, label="PER")  # the annotator included the title
    engine = SuggestionEngine(_schema(), EntityLexicon(), kinds={SuggestionKind.QUOTES})
    [quote] = engine.suggest(text, mentions=[stored])
    assert quote.speaker == (8, 24)  # the finder's speaker leaves the title out
    plan = plan_acceptance([quote], text=text, mentions=[stored], entities=[], quotes=[])
    [made] = plan.adds
    assert isinstance(made, Quote) and made.speaker_id == stored.id


def test_split_quotes_accepted_together_share_one_speaker_mention() -> None:
    text = "“We tried,” Mark Hale said, “and we will try again.”"
    engine = SuggestionEngine(_schema(), EntityLexicon())
    quotes = engine.suggest(text)
    plan = plan_acceptance(quotes, text=text, mentions=[], entities=[], quotes=[])
    mentions = [m for m in plan.adds if isinstance(m, Mention)]
    assert [text[m.start : m.end] for m in mentions] == ["Mark Hale"]
    assert {q.speaker_id for q in plan.adds if isinstance(q, Quote)} == {mentions[0].id}


def test_suggestion_keys_and_kinds() -> None:
    mention = Suggestion(Layer.MENTION, 3, 9, "PER", "propagation", 0.9)
    quote = Suggestion(Layer.QUOTE, 3, 9, "direct", "quotes", 0.9)
    assert mention.key == "3-9:PER" and quote.key == "3-9"
    assert mention.kind == (Layer.MENTION, "PER")
    assert parse_kinds("entities") == {SuggestionKind.ENTITIES}
    assert parse_kinds(None) == {SuggestionKind.ENTITIES, SuggestionKind.QUOTES}
    with pytest.raises(InvalidDataError, match="unknown suggestion kind 'stances'"):
        parse_kinds("entities,stances")


def _schema():
    from annotator.domain.schema import default_schema

    return default_schema()
