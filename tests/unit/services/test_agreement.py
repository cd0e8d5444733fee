"""Agreement over a real project: three annotators' sets stored through the repositories.

The numbers are worked out by hand in the comments, and the nominal coefficients are checked
against sklearn, statsmodels and the krippendorff package on the values the report used.
"""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.domain.annotations import (
    AnnotationSet,
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    SetKind,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.schema import Topic
from annotator.services import agreement
from annotator.services.agreement_metrics import fleiss_table, unitizing_alpha
from annotator.storage.project import Project

TEXT = (
    'Putin said, "It is our business to decide." Peskov told reporters, "We will not '
    'comment." Kyiv condemned the deployment.'
)
TEXT3 = "President Vladimir Putin met Kim Jong Un in Pyongyang."
TOPIC = "Troop deployment"


def span(text: str, piece: str, start: int = 0) -> tuple[int, int]:
    begin = text.index(piece, start)
    return begin, begin + len(piece)


PUTIN = span(TEXT, "Putin")
PESKOV = span(TEXT, "Peskov")
KYIV = span(TEXT, "Kyiv")
Q1 = span(TEXT, '"It is our business to decide."')
Q1_INNER = (Q1[0] + 1, Q1[1] - 1)
Q2 = span(TEXT, '"We will not comment."')
SAID = span(TEXT, "said")
TOLD = span(TEXT, "told")
TOLD_REPORTERS = span(TEXT, "told reporters")
EVIDENCE = span(TEXT, "Kyiv condemned the deployment.")


def _set(article: Article, annotator_id: str, **items) -> AnnotationSet:
    return AnnotationSet(
        article_id=article.id,
        annotator_id=annotator_id,
        text_sha256=article.sha256,
        status=SetStatus.DONE,
        **items,
    )


def _article_one(article: Article, ids: dict[str, str]) -> list[AnnotationSet]:
    sets = []
    # ana: everything
    putin_e, peskov_e, kyiv_e = (
        Entity(name="Vladimir Putin", label="PER"),
        Entity(name="Peskov", label="PER"),
        Entity(name="Kyiv", label="GPE"),
    )
    putin = Mention(start=PUTIN[0], end=PUTIN[1], label="PER", entity_id=putin_e.id)
    peskov = Mention(start=PESKOV[0], end=PESKOV[1], label="PER", entity_id=peskov_e.id)
    kyiv = Mention(start=KYIV[0], end=KYIV[1], label="GPE", entity_id=kyiv_e.id)
    sets.append(
        _set(
            article,
            ids["ana"],
            entities=[putin_e, peskov_e, kyiv_e],
            mentions=[putin, peskov, kyiv],
            quotes=[
                Quote(
                    start=Q1[0], end=Q1[1], speaker_id=putin.id, cue_start=SAID[0], cue_end=SAID[1]
                ),
                Quote(
                    start=Q2[0], end=Q2[1], speaker_id=peskov.id, cue_start=TOLD[0], cue_end=TOLD[1]
                ),
            ],
            stances=[
                Stance(
                    holder_id=kyiv_e.id,
                    target_topic=TOPIC,
                    polarity="against",
                    evidence=[Evidence(start=EVIDENCE[0], end=EVIDENCE[1])],
                ),
            ],
            document_labels=[DocumentLabel(question="genre", values=["news"])],
        )
    )
    # ben: other entity ids and names; quote 1 without its marks; quote 2 given to Putin
    putin_e, peskov_e, kyiv_e = (
        Entity(name="Putin", label="PER"),
        Entity(name="Dmitry Peskov", label="PER"),
        Entity(name="Ukraine's capital", label="GPE"),
    )
    putin = Mention(start=PUTIN[0], end=PUTIN[1], label="PER", entity_id=putin_e.id)
    peskov = Mention(start=PESKOV[0], end=PESKOV[1], label="PER", entity_id=peskov_e.id)
    kyiv = Mention(start=KYIV[0], end=KYIV[1], label="GPE", entity_id=kyiv_e.id)
    sets.append(
        _set(
            article,
            ids["ben"],
            entities=[putin_e, peskov_e, kyiv_e],
            mentions=[putin, peskov, kyiv],
            quotes=[
                Quote(
                    start=Q1_INNER[0],
                    end=Q1_INNER[1],
                    speaker_id=putin.id,
                    cue_start=SAID[0],
                    cue_end=SAID[1],
                ),
                Quote(
                    start=Q2[0],
                    end=Q2[1],
                    speaker_id=putin.id,
                    cue_start=TOLD_REPORTERS[0],
                    cue_end=TOLD_REPORTERS[1],
                ),
            ],
            stances=[
                Stance(
                    holder_id=kyiv_e.id,
                    target_topic=TOPIC,
                    polarity="against",
                    evidence=[Evidence(start=EVIDENCE[0], end=EVIDENCE[1])],
                ),
            ],
            document_labels=[DocumentLabel(question="genre", values=["news"])],
        )
    )
    # cleo: Peskov as ORG, no Kyiv mention (an entity named Kyiv), misses quote 2, favor
    putin_e, kyiv_e = Entity(name="Putin", label="PER"), Entity(name="kyiv", label="GPE")
    putin = Mention(start=PUTIN[0], end=PUTIN[1], label="PER", entity_id=putin_e.id)
    peskov = Mention(start=PESKOV[0], end=PESKOV[1], label="ORG")
    sets.append(
        _set(
            article,
            ids["cleo"],
            entities=[putin_e, kyiv_e],
            mentions=[putin, peskov],
            quotes=[
                Quote(
                    start=Q1[0], end=Q1[1], speaker_id=putin.id, cue_start=SAID[0], cue_end=SAID[1]
                ),
            ],
            stances=[
                Stance(
                    holder_id=kyiv_e.id,
                    target_topic=TOPIC,
                    polarity="favor",
                    evidence=[Evidence(start=EVIDENCE[0], end=EVIDENCE[1])],
                ),
            ],
            document_labels=[DocumentLabel(question="genre", values=["analysis"])],
        )
    )
    return sets


@pytest.fixture
def study(project: Project) -> Project:
    schema = project.schema
    project.schemas.save(
        schema.model_copy(update={"topics": [*schema.topics, Topic(name=TOPIC)]}), note="topic"
    )
    ids = {n: project.annotators.get_or_create(n).id for n in ("ana", "ben", "cleo")}
    one = Article.create(TEXT, title="One")
    two = Article.create("Only ana read this one. Putin spoke.", title="Two")
    three = Article.create(TEXT3, title="Three")
    four = Article.create("Nobody started this. Putin.", title="Four")
    for article in (one, two, three, four):
        project.articles.add(article)
    for annotation_set in _article_one(one, ids):
        project.sets.replace(annotation_set)
    project.sets.replace(_set(two, ids["ana"], mentions=[Mention(start=29, end=34, label="PER")]))
    # article three: ana has a nested PER mention; ben has Kim Jong Un
    president = span(TEXT3, "President Vladimir Putin")
    vladimir = span(TEXT3, "Vladimir Putin")
    kim = span(TEXT3, "Kim Jong Un")
    project.sets.replace(
        _set(
            three,
            ids["ana"],
            mentions=[
                Mention(start=president[0], end=president[1], label="PER"),
                Mention(start=vladimir[0], end=vladimir[1], label="PER"),
            ],
            document_labels=[DocumentLabel(question="genre", values=["news"])],
        )
    )
    project.sets.replace(
        _set(
            three,
            ids["ben"],
            mentions=[
                Mention(start=vladimir[0], end=vladimir[1], label="PER"),
                Mention(start=kim[0], end=kim[1], label="PER"),
            ],
            document_labels=[DocumentLabel(question="genre", values=["interview"])],
        )
    )
    # a gold set and untouched "todo" sets are never compared
    project.sets.replace(
        _set(three, ids["cleo"], kind=SetKind.GOLD, mentions=[Mention(start=0, end=9, label="PER")])
    )
    for name in ("ana", "ben"):
        project.sets.get_or_create(four.id, ids[name])
    project.sets.get_or_create(three.id, ids["cleo"])
    return project


def test_articles_compared_and_left_out(study: Project) -> None:
    report = agreement.compute(study)
    assert report.articles_compared == 2  # one (three people) and three (ana, ben)
    assert report.articles_single == 2  # two (ana only) and four (nothing started)
    assert report.sets_compared == 5
    assert report.annotators == ["ana", "ben", "cleo"]


def test_mention_f1_per_label_with_counts(study: Project) -> None:
    report = agreement.compute(study, layers="entities")
    per = report.span_row("entities", "PER")
    assert per is not None
    # article one: ana-ben 2 of 2+2, ana-cleo 1 of 2+1, ben-cleo 1 of 2+1 (Peskov is ORG for
    # cleo); article three: ana-ben 1 of 2+2 (President... does not overlap Kim Jong Un).
    assert per.matched_exact == 5
    assert per.exact_f1 == pytest.approx(10 / 14)
    assert per.unmatched_exact == 4
    assert per.overlap_f1 == pytest.approx(10 / 14)
    assert per.overlapping_dropped == 1  # ana's nested "Vladimir Putin" for alpha
    assert per.spans == 9
    cells = {
        (c.first, c.second): c for c in report.pairs if c.metric == "entities · PER · exact F1"
    }
    assert cells[("ana", "ben")].value == pytest.approx(6 / 8)
    assert cells[("ana", "ben")].documents == 2
    assert cells[("ana", "cleo")].value == pytest.approx(2 / 3)
    everything = report.span_row("entities", agreement.ALL_LABELS)
    assert everything is not None
    # ORG: only cleo (1 span, 2 pairs with nobody): 0 matched; GPE: ana-ben 1 of 1+1,
    # ana-cleo 0 of 1+0, ben-cleo 0 of 1+0.
    assert everything.matched_exact == 5 + 1
    assert everything.exact_f1 == pytest.approx(12 / (14 + 2 + 4))


def test_unitizing_alpha_pooled_and_per_document(study: Project) -> None:
    report = agreement.compute(study, layers="entities", annotators="ana,cleo")
    assert report.articles_compared == 1
    per = report.span_row("entities", "PER")
    assert per is not None
    direct = unitizing_alpha(
        [(0, "PER", *PUTIN), (0, "PER", *PESKOV), (1, "PER", *PUTIN)],
        raters=2,
        begin=0,
        length=len(TEXT),
    )
    assert per.alpha_pooled == pytest.approx(direct.category_alpha("PER"))
    assert per.alpha_document_mean == pytest.approx(per.alpha_pooled)
    assert per.alpha_documents == 1

    both = agreement.compute(study, layers="entities", annotators=["ana", "ben"])
    per = both.span_row("entities", "PER")
    assert per is not None and per.alpha_documents == 2
    one = unitizing_alpha(
        [(0, "PER", *PUTIN), (0, "PER", *PESKOV), (1, "PER", *PUTIN), (1, "PER", *PESKOV)],
        raters=2,
        begin=0,
        length=len(TEXT),
    ).category_alpha("PER")
    president, kim = span(TEXT3, "President Vladimir Putin"), span(TEXT3, "Kim Jong Un")
    vladimir = span(TEXT3, "Vladimir Putin")
    three = unitizing_alpha(
        [(0, "PER", *president), (1, "PER", *vladimir), (1, "PER", *kim)],
        raters=2,
        begin=0,
        length=len(TEXT3),
    ).category_alpha("PER")
    assert one == pytest.approx(1.0)
    assert per.alpha_document_mean == pytest.approx((one + three) / 2)
    # pooled: one continuum of both articles, not the mean of the two
    pooled = unitizing_alpha(
        [(0, "PER", *PUTIN), (0, "PER", *PESKOV), (1, "PER", *PUTIN), (1, "PER", *PESKOV)]
        + [
            (r, "PER", s + len(TEXT), e + len(TEXT))
            for r, _, s, e in [(0, "PER", *president), (1, "PER", *vladimir), (1, "PER", *kim)]
        ],
        raters=2,
        begin=0,
        length=len(TEXT) + len(TEXT3),
    )
    # concatenating merges the gap at the seam, which pooling keeps apart: close, not equal
    assert per.alpha_pooled == pytest.approx(pooled.category_alpha("PER"), abs=0.02)
    assert per.alpha_pooled != pytest.approx(per.alpha_document_mean)


def test_pooled_alpha_is_alpha_of_the_articles_end_to_end(project: Project) -> None:
    # Every annotator has a unit at each article's end, so no gap crosses the seam and the
    # pooled alpha equals the alpha of the concatenated text exactly.
    first, second = "Putin met Kim", "Lee saw the minister Moon"
    articles = [Article.create(first, title="a"), Article.create(second, title="b")]
    ann = {n: project.annotators.get_or_create(n).id for n in ("ana", "ben", "cleo")}
    spans = {
        ("ana", 0): [(0, 5), (10, 13)],
        ("ben", 0): [(0, 5), (9, 13)],
        ("cleo", 0): [(10, 13)],
        ("ana", 1): [(0, 3), (21, 25)],
        ("ben", 1): [(0, 3), (12, 25)],
        ("cleo", 1): [(0, 3), (21, 25)],
    }
    for article in articles:
        project.articles.add(article)
    for (name, index), pieces in spans.items():
        mentions = [Mention(start=s, end=e, label="PER") for s, e in pieces]
        project.sets.replace(_set(articles[index], ann[name], mentions=mentions))
    report = agreement.compute(project, layers="entities")
    per = report.span_row("entities", "PER")
    assert per is not None
    raters = {"ana": 0, "ben": 1, "cleo": 2}
    units = [
        (raters[name], "PER", s + index * len(first), e + index * len(first))
        for (name, index), pieces in spans.items()
        for s, e in pieces
    ]
    whole = unitizing_alpha(units, raters=3, begin=0, length=len(first) + len(second))
    assert per.alpha_pooled == pytest.approx(whole.category_alpha("PER"), abs=1e-12)
    assert per.alpha_documents == 2


def test_quote_chain_detection_speaker_cue(study: Project) -> None:
    report = agreement.compute(study, layers="quotes")
    quotes = report.span_row("quotes", "quote")
    assert quotes is not None
    # ana-ben: both quotes (one exact), ana-cleo: quote 1 exact, ben-cleo: quote 1 overlaps
    assert (quotes.matched_overlap, quotes.matched_exact) == (4, 2)
    assert quotes.overlap_f1 == pytest.approx(8 / 10)
    assert quotes.exact_f1 == pytest.approx(4 / 10)
    steps = {step.step: step for step in report.chains if step.chain == "quotes"}
    detection = steps["1 quote detection (overlap F1)"]
    assert (detection.value, detection.matched, detection.unmatched) == (pytest.approx(0.8), 4, 2)
    speaker = steps["2 speaker on matched quotes (accuracy)"]
    # Putin's entity differs in id and name between annotators but shares the mention:
    # agreed on quote 1 by every pair; ben gives quote 2 to Putin, ana to Peskov.
    assert (speaker.value, speaker.matched, speaker.unmatched) == (pytest.approx(0.75), 3, 1)
    cue_exact = steps["3 cue on matched quotes (exact F1)"]
    cue_overlap = steps["3 cue on matched quotes (overlap F1)"]
    assert cue_exact.value == pytest.approx(6 / 8)  # "told" vs "told reporters"
    assert cue_overlap.value == pytest.approx(1.0)
    cue_row = report.span_row("quotes", "cue")
    assert cue_row is not None and cue_row.spans == 5
    speaker_row = report.nominal_row("quotes", "speaker")
    assert speaker_row is not None
    assert speaker_row.items == 2  # quote 1 (three speakers), quote 2 (two)
    assert speaker_row.percent_agreement == pytest.approx((6 + 0) / (6 + 2))


def test_stance_chain_matches_holders_across_entity_ids(study: Project) -> None:
    report = agreement.compute(study, layers="stances")
    steps = {step.step: step for step in report.chains if step.chain == "stances"}
    detection = steps["1 holder+target pair detection (F1)"]
    # ben's Kyiv is linked through the mention, cleo's through the name "kyiv"
    assert (detection.value, detection.matched, detection.unmatched) == (1.0, 3, 0)
    polarity = steps["2 polarity on matched pairs (accuracy)"]
    assert (polarity.value, polarity.matched, polarity.unmatched) == (pytest.approx(1 / 3), 1, 2)
    assert steps["3 evidence on matched pairs (exact F1)"].value == 1.0
    row = report.nominal_row("stances", "polarity")
    assert row is not None
    table, _ = fleiss_table([["against", "against", "favor"]])
    assert row.fleiss_kappa == pytest.approx(sm_fleiss_kappa(table))
    assert (row.fleiss_items, row.fleiss_raters) == (1, 3)
    # ordinal alpha needs variation across items: one item only gives none
    assert row.ordinal_order == "against < neutral < favor"


def test_document_labels_against_the_oracles(study: Project) -> None:
    report = agreement.compute(study, layers="documents")
    row = report.nominal_row("documents", "genre")
    assert row is not None
    # article one: news, news, analysis; article three: news, interview (cleo missing)
    data = [[0, 0], [0, 2], [1, np.nan]]  # raters x articles; news 0, analysis 1, interview 2
    oracle = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert row.krippendorff_alpha == pytest.approx(oracle)
    assert row.items == 2 and row.values == 5
    cell = next(
        c for c in report.pairs if c.metric == "documents · genre · Cohen κ" and c.second == "ben"
    )
    assert cell.first == "ana"
    assert cell.value == pytest.approx(cohen_kappa_score(["news", "news"], ["news", "interview"]))
    assert (cell.matched, cell.unmatched) == (1, 1)
    # Fleiss: the most common number of raters is a tie (3 and 2): the larger wins
    table, _ = fleiss_table([["news", "news", "analysis"]])
    assert row.fleiss_kappa == pytest.approx(sm_fleiss_kappa(table))
    assert (row.fleiss_items, row.fleiss_left_out) == (1, 1)
    assert row.ordinal_order == "" and row.ordinal_alpha is None  # genre is not a scale


def test_layer_filter_and_json(study: Project) -> None:
    report = agreement.compute(study, layers=["documents"])
    assert report.spans == [] and report.chains == []
    data = json.loads(json.dumps(report.to_dict()))
    assert data["layers"] == ["documents"]
    assert data["nominal"][0]["label"] == "genre"
    assert "alpha_pooled" in data["definitions"]
    full = agreement.compute(study).to_dict()
    assert {row["layer"] for row in full["spans"]} == {"entities", "quotes", "stances"}
    assert full["alpha_shown"] == agreement.ALPHA_POOLED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layers": "entities,relations"}, "unknown layer 'relations'"),
        ({"annotators": "ana,zed"}, "unknown annotator 'zed'"),
        ({"annotators": "ana"}, "at least two annotators"),
        ({"annotators": "ana,ana"}, "at least two annotators"),
    ],
)
def test_bad_requests_are_refused(study: Project, kwargs, message: str) -> None:
    with pytest.raises(agreement.AgreementError, match=message):
        agreement.compute(study, **kwargs)


def test_no_overlap_gives_a_note_not_numbers(project: Project) -> None:
    article = Article.create("Putin spoke.", title="x")
    project.articles.add(article)
    ana = project.annotators.get_or_create("ana")
    project.annotators.get_or_create("ben")
    project.sets.replace(_set(article, ana.id, mentions=[Mention(start=0, end=5, label="PER")]))
    report = agreement.compute(project)
    assert report.articles_compared == 0
    assert report.spans == [] and report.pairs == []
    assert "No article was labelled by two or more" in report.notes[0]


def test_progress_and_cancel(study: Project) -> None:
    seen: list[int] = []
    agreement.compute(study, progress=seen.append)
    assert sum(seen) == study.articles.count() == 4
    with pytest.raises(agreement.AgreementError, match="cancelled"):
        agreement.compute(study, cancelled=lambda: True)
