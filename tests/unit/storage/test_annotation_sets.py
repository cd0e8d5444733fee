"""The annotation-set repository: every layer stored and read back, references and spans checked."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.domain.annotations import (
    DocumentLabel,
    Entity,
    Evidence,
    Layer,
    Mention,
    Quote,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.errors import InvalidDataError, NotFoundError
from annotator.domain.offsets import Utf16Index
from annotator.domain.schema import Topic
from annotator.storage.project import Project


@pytest.fixture
def set_id(project: Project, emoji_article: Article) -> str:
    alice = project.annotators.get_or_create("alice")
    return project.sets.get_or_create(emoji_article.id, alice.id).id


def find(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def span(text: str, needle: str) -> dict[str, int]:
    start, end = find(text, needle)
    return {"start": start, "end": end}


def test_every_layer_round_trips(project: Project, emoji_article: Article, set_id: str) -> None:
    text = emoji_article.text
    schema = project.schema
    project.schemas.save(schema.model_copy(update={"topics": [Topic(name="restart")]}))
    kim = Entity(name="Kim Ji-woo", label="PER")
    project.sets.add(set_id, kim)
    speaker = Mention(**span(text, "Kim Ji-woo"), label="PER", entity_id=kim.id)
    project.sets.add(set_id, speaker)
    org = Mention(**span(text, "서울디지털재단"), label="ORG")
    project.sets.add(set_id, org)
    q_start, q_end = find(text, "“We start again.”")
    c_start, c_end = find(text, "said")
    quote = Quote(start=q_start, end=q_end, speaker_id=speaker.id, cue_start=c_start, cue_end=c_end)
    project.sets.add(set_id, quote)
    stance = Stance(
        holder_id=kim.id,
        target_topic="restart",
        polarity="favor",
        evidence=[
            Evidence(start=q_start, end=q_end, quote_id=quote.id),
            Evidence(**span(text, "owners agreed")),
        ],
    )
    project.sets.add(set_id, stance)
    project.sets.add(set_id, DocumentLabel(question="genre", values=["news"]))

    loaded = project.sets.load(set_id)
    assert loaded.status is SetStatus.IN_PROGRESS
    assert [text[m.start : m.end] for m in loaded.mentions] == ["서울디지털재단", "Kim Ji-woo"]
    assert loaded.quotes == [quote]
    assert loaded.stances == [stance]
    assert [text[e.start : e.end] for e in loaded.stances[0].evidence] == [
        "“We start again.”",
        "owners agreed",
    ]
    assert loaded.entities == [kim]
    assert loaded.document_labels[0].values == ["news"]
    assert loaded.problems_against(emoji_article, project.schema) == []


def test_span_past_the_end_is_refused(project: Project, emoji_article: Article, set_id: str):
    end = len(emoji_article.text)
    with pytest.raises(InvalidDataError, match="inside a text of"):
        project.sets.add(set_id, Mention(start=end - 2, end=end + 1, label="PER"))
    assert project.sets.load(set_id).mentions == []


def test_speaker_from_another_set_is_refused(
    project: Project, emoji_article: Article, set_id: str
) -> None:
    bob = project.annotators.get_or_create("bob")
    other = project.sets.get_or_create(emoji_article.id, bob.id).id
    foreign = Mention(start=0, end=5, label="GPE")
    project.sets.add(other, foreign)
    with pytest.raises(InvalidDataError, match=r"speaker .* is not a mention of this"):
        project.sets.add(set_id, Quote(start=10, end=20, speaker_id=foreign.id))


def test_removing_a_speaker_mention_clears_the_quote_speaker(project: Project, set_id: str):
    mention = Mention(start=0, end=5, label="GPE")
    project.sets.add(set_id, mention)
    quote = Quote(start=10, end=20, speaker_id=mention.id)
    project.sets.add(set_id, quote)
    project.sets.remove(set_id, Layer.MENTION, mention.id)
    assert project.sets.load(set_id).quotes[0].speaker_id is None


def test_entity_holding_a_stance_cannot_be_removed(project: Project, set_id: str) -> None:
    entity = Entity(name="Seoul", label="GPE")
    project.sets.add(set_id, entity)
    project.sets.add(set_id, Stance(holder_id=entity.id, target_topic="t", polarity="none"))
    with pytest.raises(InvalidDataError, match="holder or target of 1 stance"):
        project.sets.remove(set_id, Layer.ENTITY, entity.id)
    assert project.sets.load(set_id).entities == [entity]


def test_update_and_link_and_status(project: Project, set_id: str) -> None:
    mention = Mention(start=0, end=5, label="ORG")
    project.sets.add(set_id, mention)
    project.sets.update(set_id, mention.model_copy(update={"label": "GPE"}))
    entity = Entity(name="Seoul", label="GPE")
    project.sets.add(set_id, entity)
    project.sets.set_entity(set_id, [mention.id], entity.id)
    loaded = project.sets.load(set_id)
    assert loaded.mentions[0].label == "GPE"
    assert loaded.mentions[0].entity_id == entity.id
    project.sets.set_status(set_id, SetStatus.DONE, actor="alice")
    assert project.sets.info(set_id).status is SetStatus.DONE
    actions = [e.action for e in project.audit.recent()]
    assert actions[:3] == ["status", "link", "add"]


def test_unknown_item_is_not_found(project: Project, set_id: str) -> None:
    with pytest.raises(NotFoundError):
        project.sets.remove(set_id, Layer.QUOTE, "nope")


def test_failed_write_leaves_nothing_behind(project: Project, set_id: str) -> None:
    entity = Entity(name="Seoul", label="GPE")
    bad = Stance(holder_id=entity.id, target_topic="t", polarity="favor")  # holder not stored
    with pytest.raises(InvalidDataError, match="holder"):
        project.sets.add(set_id, bad)
    assert project.sets.load(set_id).stances == []
    assert project.database.conn.in_transaction is False


_ALPHABET = st.sampled_from(
    [
        *"abc XYZ.,\n",
        "😀",
        "🇰🇷",
        "👩\u200d💻",
        "é",
        "e\u0301",
        "서",
        "울",
        "北",
        "ש",
        "\u00a0",
        "\r\n",
        "\r",
        "\u2029",
        "🚀",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(_ALPHABET, min_size=2, max_size=60), data=st.data())
def test_utf16_selection_is_stored_as_the_same_code_points(project: Project, pieces, data) -> None:
    """A selection made in UTF-16 units (what Qt reports) comes back as the same characters."""
    article = Article.create("x" + "".join(pieces))
    if project.articles.find_by_sha256(article.sha256) is None:
        project.articles.add(article)
    else:
        article = project.articles.get(project.articles.find_by_sha256(article.sha256))
    text = article.text
    annotator = project.annotators.get_or_create("prop")
    set_id = project.sets.get_or_create(article.id, annotator.id).id
    index = Utf16Index(text)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    u_start, u_end = index.span_to_utf16(start, end)
    # What Qt would show as selected: the UTF-16 code units of the same range.
    selected_utf16 = text.encode("utf-16-le")[u_start * 2 : u_end * 2].decode("utf-16-le")
    mention = Mention(start=index.from_utf16(u_start), end=index.from_utf16(u_end), label="PER")
    project.sets.add(set_id, mention)
    stored = next(m for m in project.sets.load(set_id).mentions if m.id == mention.id)
    assert text[stored.start : stored.end] == selected_utf16
    assert (stored.start, stored.end) == (start, end)
