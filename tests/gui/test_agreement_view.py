"""The agreement dashboard shows what the agreement service computes, without blocking.

``build_agreement_project`` gives the six sample articles labels by three annotators who
mostly agree (boundaries, speakers, polarities and genres differ now and then); it also makes
the project of the dashboard's screenshot.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from annotator.domain.annotations import (
    AnnotationSet,
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    SetStatus,
    Stance,
)
from annotator.domain.schema import default_schema
from annotator.gui.review.agreement_view import (
    QtAgreementDialog,
    QtAgreementView,
    agreement_color,
)
from annotator.services import agreement
from annotator.services.agreement import ALPHA_DOCUMENT_MEAN, format_value
from annotator.services.demo import demo_articles_file
from annotator.services.importing import import_paths
from annotator.storage.project import Project

NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*")
QUOTE = re.compile(r"\"[^\"]+\"|“[^”]+”")
VERBS = re.compile(r"\b(said|told reporters|told|added|wrote|warned|argued)\b")
ORG_WORDS = ("Ministry", "Council", "Union", "Party", "Agency", "Foundation", "Company", "Port")
SKIP = {"The", "A", "In", "On", "But", "It", "He", "She", "They", "We", "Our", "This", "If"}


def _label(name: str) -> str:
    if any(word in name for word in ORG_WORDS):
        return "ORG"
    return ("PER", "GPE", "PER", "LOC")[sum(map(ord, name)) % 4]


def _annotate(text: str, article_id: str, sha: str, annotator_id: str, noise: float, seed: int):
    rng = random.Random(seed)
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    for match in NAME.finditer(text):
        name = match.group()
        if name in SKIP or len(name) < 3:
            continue
        roll = rng.random()
        if roll < noise * 0.5:
            continue  # missed
        start, end = match.span()
        label = _label(name)
        if roll < noise and " " in name:
            start = text.index(" ", start) + 1  # first name left out
        elif roll < noise * 1.2:
            label = "ORG" if label != "ORG" else "GPE"
        key = name.split()[-1]
        entity = entities.get(key)
        if entity is None:
            entity = entities[key] = Entity(name=name, label=label)
        mentions.append(
            Mention(
                start=start,
                end=end,
                label=label,
                entity_id=entity.id if entity.label == label else None,
            )
        )
    people = [m for m in mentions if m.label == "PER"]
    quotes: list[Quote] = []
    for match in QUOTE.finditer(text):
        if rng.random() < noise * 0.4:
            continue
        start, end = match.span()
        if rng.random() < noise:
            start, end = start + 1, end - 1  # without the quotation marks
        before = [m for m in people if m.end <= match.start()]
        speaker = before[-1] if before else (people[0] if people else None)
        if speaker is not None and rng.random() < noise * 0.6 and len(people) > 1:
            speaker = rng.choice(people)
        cue = None
        for verb in VERBS.finditer(text, max(0, match.start() - 80), match.start()):
            cue = verb.span()
        quotes.append(
            Quote(
                start=start,
                end=end,
                speaker_id=speaker.id if speaker else None,
                cue_start=cue[0] if cue else None,
                cue_end=cue[1] if cue else None,
            )
        )
    stances: list[Stance] = []
    ordered = list(entities.values())
    for n in range(min(3, len(ordered) - 1)):
        polarity = ("favor", "against", "neutral")[n % 3]
        if rng.random() < noise:
            polarity = rng.choice(("favor", "against", "neutral", "none"))
        evidence = [Evidence(start=q.start, end=q.end) for q in quotes[n : n + 1]]
        stances.append(
            Stance(
                holder_id=ordered[n].id,
                target_entity_id=ordered[-1].id,
                polarity=polarity,
                evidence=evidence,
            )
        )
    genre = "news" if rng.random() > noise else rng.choice(("analysis", "opinion"))
    overall = ("favor", "against", "neutral")[seed % 3] if rng.random() > noise else "none"
    used = {m.entity_id for m in mentions} | {s.holder_id for s in stances}
    used |= {s.target_entity_id for s in stances}
    return AnnotationSet(
        article_id=article_id,
        annotator_id=annotator_id,
        text_sha256=sha,
        status=SetStatus.DONE,
        mentions=mentions,
        entities=[e for e in entities.values() if e.id in used],
        quotes=quotes,
        stances=stances,
        document_labels=[
            DocumentLabel(question="genre", values=[genre]),
            DocumentLabel(question="overall_stance", values=[overall]),
        ],
    )


def build_agreement_project(path: Path, annotators=("ana", "ben", "cleo")) -> Path:
    """The sample articles, each labelled by every annotator (noise grows with each one)."""
    with Project.create(path, schema=default_schema(), name="Agreement demo") as project:
        import_paths(project, [demo_articles_file()])
        people = [project.annotators.get_or_create(name) for name in annotators]
        for n, article in enumerate(project.articles.iter_all()):
            for k, person in enumerate(people):
                project.sets.replace(
                    _annotate(
                        article.text, article.id, article.sha256, person.id, 0.12 * k, n * 7 + k
                    )
                )
    return path


@pytest.fixture
def study_path(tmp_path: Path) -> Path:
    return build_agreement_project(tmp_path / "agreement.annotator")


def _wait(qtbot, view: QtAgreementView) -> None:
    qtbot.waitUntil(lambda: view.report is not None and not view.is_running(), timeout=60_000)


def _cells(table, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_numbers_shown_equal_the_service(qtbot, study_path: Path) -> None:
    with Project.open(study_path) as project:
        view = QtAgreementView(project)
        qtbot.addWidget(view)
        view.resize(1280, 800)
        view.show()
        assert view.is_running()  # computing in the background, the widget is already up
        _wait(qtbot, view)
        expected = agreement.compute(project)
    assert view.report is not None
    assert view.report.to_dict() == expected.to_dict()
    assert expected.articles_compared == 6
    assert "6</b> article(s)" in view.summary.text()
    assert "Unitizing α shown: <b>pooled</b>" in view.summary.text()

    # spans: one row per layer and label, the pooled alpha shown
    assert view.span_table.rowCount() == len(expected.spans)
    for r, row in enumerate(expected.spans):
        cells = _cells(view.span_table, r)
        assert cells[:3] == [row.layer, row.label, str(row.spans)]
        assert cells[3:9] == [
            format_value(row.exact_f1), str(row.matched_exact), str(row.unmatched_exact),
            format_value(row.overlap_f1), str(row.matched_overlap), str(row.unmatched_overlap),
        ]  # fmt: skip
        assert cells[9] == format_value(row.alpha_pooled)
        assert cells[10] == str(row.alpha_documents)
    assert view.span_table.horizontalHeaderItem(9).text() == "α_u (pooled)"

    # the structure chain and the nominal values
    for r, step in enumerate(expected.chains):
        assert _cells(view.chain_table, r) == [
            step.chain, step.step, step.metric, format_value(step.value), str(step.matched),
            str(step.unmatched),
        ]  # fmt: skip
    steps = [s.step for s in expected.chains]
    assert "2 speaker on matched quotes (accuracy)" in steps
    assert "2 polarity on matched pairs (accuracy)" in steps
    for r, nominal in enumerate(expected.nominal):
        cells = _cells(view.value_table, r)
        assert cells[1] == nominal.label
        assert cells[4] == format_value(nominal.cohen_kappa)
        assert cells[6] == format_value(nominal.fleiss_kappa)
        assert cells[8] == format_value(nominal.krippendorff_alpha)
        assert cells[9] == (format_value(nominal.ordinal_alpha) if nominal.ordinal_order else "")
    assert {n.label for n in expected.nominal} >= {"genre", "overall_stance", "polarity"}
    polarity_row = expected.nominal_row("stances", "polarity")
    assert polarity_row is not None and polarity_row.ordinal_alpha is not None

    # the chart: one group of bars per label, the same values
    categories, values = view.chart_data()
    assert categories == [f"{r.layer} · {r.label}" for r in expected.spans] + [
        f"{n.layer} · {n.label}" for n in expected.nominal
    ]
    assert view.chart_labels() == categories
    assert values[1][: len(expected.spans)] == [r.overlap_f1 for r in expected.spans]
    assert values[2][len(expected.spans) :] == [n.krippendorff_alpha for n in expected.nominal]

    # the pair matrix: the headline metric first, each cell value (matched / unmatched)
    assert view.pair_metric.currentText() == "entities · (all) · overlap F1"
    cell = next(
        c for c in expected.pairs
        if c.metric == "entities · (all) · overlap F1" and (c.first, c.second) == ("ana", "cleo")
    )  # fmt: skip
    text = f"{format_value(cell.value)}\n({cell.matched} / {cell.unmatched})"
    assert view.pair_text("ana", "cleo") == text
    assert view.pair_text("cleo", "ana") == text
    assert view.pair_text("ben", "ben") == "—"
    item = view.pair_table.item(0, 2)
    assert item.background().color() == agreement_color(cell.value)

    # another metric in the matrix
    metric = "stances: 2 polarity on matched pairs (accuracy)"
    view.pair_metric.setCurrentText(metric)
    polarity = next(
        c for c in expected.pairs if c.metric == metric and (c.first, c.second) == ("ana", "ben")
    )
    assert view.pair_text("ana", "ben").startswith(format_value(polarity.value))


def test_alpha_choice_switches_to_the_per_document_mean(qtbot, study_path: Path) -> None:
    with Project.open(study_path) as project:
        view = QtAgreementView(project)
        qtbot.addWidget(view)
        _wait(qtbot, view)
    assert view.report is not None
    view.alpha_choice.setCurrentIndex(view.alpha_choice.findData(ALPHA_DOCUMENT_MEAN))
    assert view.span_table.horizontalHeaderItem(9).text() == "α_u (per-document mean)"
    for r, row in enumerate(view.report.spans):
        assert view.span_table.item(r, 9).text() == format_value(row.alpha_document_mean)
    assert "per-document mean" in view.summary.text()
    assert "per-document mean" in view.chart_title.text()


def test_refresh_follows_new_labels(qtbot, study_path: Path) -> None:
    with Project.open(study_path) as project:
        view = QtAgreementView(project)
        qtbot.addWidget(view)
        _wait(qtbot, view)
        before = view.report
        assert before is not None
        # ben removes all his mentions of one article
        ben = project.annotators.by_name("ben")
        assert ben is not None
        info = project.sets.for_annotator(ben.id)[0]
        loaded = project.sets.load(info.id)
        project.sets.replace(loaded.model_copy(update={"mentions": [], "quotes": []}))
        with qtbot.waitSignal(view.computed, timeout=60_000):
            view.refresh()
        after = view.report
        assert after is not None and after is not before
        assert after.to_dict() == agreement.compute(project).to_dict()
    row_before = before.span_row("entities", agreement.ALL_LABELS)
    row_after = after.span_row("entities", agreement.ALL_LABELS)
    assert row_before is not None and row_after is not None
    assert row_after.spans < row_before.spans


def test_one_annotator_says_there_is_nothing_to_compare(qtbot, tmp_path: Path) -> None:
    path = build_agreement_project(tmp_path / "alone.annotator", annotators=("ana",))
    with Project.open(path) as project:
        view = QtAgreementView(project)
        qtbot.addWidget(view)
        _wait(qtbot, view)
    assert "Nothing to compare yet" in view.summary.text()
    assert view.span_table.rowCount() == 0
    assert view.pair_table.rowCount() == 0


def test_review_menu_opens_the_dashboard(qtbot, make_window, tmp_path: Path) -> None:
    path = build_agreement_project(tmp_path / "menu.annotator")
    with Project.open(path) as project:
        window = make_window("ana", project)
        action = window.actions_by_name["Agreement dashboard…"]
        assert action.shortcut().toString() == "Ctrl+Shift+A"
        assert action in window._menus["&Review"].actions()
        action.trigger()
        dialog = window.agreement_dialog
        assert isinstance(dialog, QtAgreementDialog)
        assert dialog.isVisible()
        _wait(qtbot, dialog.view)
        assert dialog.view.report is not None
        assert dialog.view.report.articles_compared == 6
        dialog.close()
        QApplication.processEvents()


def test_a_second_refresh_replaces_the_first(qtbot, study_path: Path) -> None:
    with Project.open(study_path) as project:
        view = QtAgreementView(project)
        qtbot.addWidget(view)
        view.refresh()  # the first computation is cancelled and its result ignored
        view.refresh()
        _wait(qtbot, view)
        qtbot.waitUntil(lambda: not view._tasks, timeout=60_000)
        expected = agreement.compute(project)
    assert view.report is not None
    assert view.report.to_dict() == expected.to_dict()
    assert view.error is None
    assert "pooled' treats the compared articles as one continuum" in view.notes.text()


def test_pair_note_names_what_the_counts_are(qtbot, study_path: Path) -> None:
    with Project.open(study_path) as project:
        view = QtAgreementView(project)
        qtbot.addWidget(view)
        _wait(qtbot, view)
    assert "matched / unmatched" in view.pair_note.text()
    view.pair_metric.setCurrentText("documents · overall_stance · Cohen κ")
    assert view.pair_metric.currentText() == "documents · overall_stance · Cohen κ"
    assert "agreeing / disagreeing" in view.pair_note.text()


def test_closing_the_view_while_it_computes_is_safe(qtbot, study_path: Path) -> None:
    import shiboken6
    from PySide6.QtCore import QThreadPool

    with Project.open(study_path) as project:
        view = QtAgreementView(project)
        assert view.is_running()
        shiboken6.delete(view)  # gone at once, its computation still running
        assert not shiboken6.isValid(view)
        assert QThreadPool.globalInstance().waitForDone(60_000)
        qtbot.wait(50)  # the finished signal finds no widget to call: nothing happens
    # a fresh view on the same file still works
    with Project.open(study_path) as project:
        again = QtAgreementView(project)
        qtbot.addWidget(again)
        _wait(qtbot, again)
    assert again.report is not None and again.report.articles_compared == 6
