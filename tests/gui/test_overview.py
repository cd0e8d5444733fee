"""Project → Overview: the numbers equal ``annotator stats --json``, and each lists its articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from typer.testing import CliRunner

from annotator.cli import app
from annotator.domain.annotations import Mention, SetStatus
from annotator.gui.main_window import QtMainWindow
from annotator.services import stats
from annotator.storage.project import Project


def backdate(project: Project, set_id: str, day: str) -> None:
    """Move a set's 'marked done' audit rows to ``day`` (noon UTC), as if done then."""
    with project.database.transaction() as conn:
        conn.execute(
            "UPDATE audit_log SET at = ? WHERE target_id = ? AND action = 'status'",
            (f"{day}T12:00:00.000+00:00", set_id),
        )


@pytest.fixture
def progress(project: Project) -> dict[str, list[str]]:
    """Three annotators over the demo articles: done on two days, in progress, rework, unsure."""
    articles = [a.id for a in project.articles.iter_all()]
    texts = {a.id: a.text for a in project.articles.iter_all()}
    plan = {
        "alice": [SetStatus.DONE, SetStatus.DONE, SetStatus.DONE, SetStatus.IN_PROGRESS],
        "bob": [SetStatus.DONE, SetStatus.IN_PROGRESS, SetStatus.NEEDS_REWORK],
        "carol": [SetStatus.DONE, SetStatus.DONE],
    }
    days = ["2026-11-02", "2026-11-02", "2026-11-03"]
    for name, statuses in plan.items():
        who = project.annotators.get_or_create(name)
        for n, status in enumerate(statuses):
            article = articles[n]
            set_id = project.sets.get_or_create(article, who.id).id
            words = [w for w in texts[article].split() if w.isalpha()][:3]
            for k, word in enumerate(words):
                start = texts[article].index(word)
                project.sets.add(
                    set_id,
                    Mention(
                        start=start,
                        end=start + len(word),
                        label=("PER", "ORG", "GPE")[k],
                        unsure=(name == "bob" or (k == 0 and n == 1)),
                    ),
                )
            project.sets.set_status(set_id, status, actor=name)
            if status is SetStatus.DONE:
                backdate(project, set_id, days[n % len(days)])
    return {"articles": articles}


def cli_stats(path: Path) -> dict:
    result = CliRunner().invoke(app, ["stats", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_dashboard_numbers_equal_the_command_line(
    qtbot, project: Project, progress, make_window
) -> None:
    window: QtMainWindow = make_window("alice")
    window.actions_by_name["Overview"].trigger()
    overview = window.project_setup.overview
    qtbot.waitExposed(overview)
    expected = cli_stats(project.path)

    shown = {
        status: int(button.text().split("\n")[0])
        for status, button in overview.status_buttons.items()
    }
    assert shown == expected["articles_by_status"]
    assert sum(shown.values()) == expected["articles"] == 7
    assert shown["done"] == 1 and shown["todo"] == 3  # the first article: done by all three
    assert int(overview.unsure_button.text().split("\n")[0]) == expected["unsure_total"] == 11

    table = overview.annotators
    for row, entry in enumerate(expected["annotators"]):
        assert table.item(row, 0).text() == entry["name"]
        cells = [int(table.item(row, c).text()) for c in range(1, table.columnCount())]
        assert cells == [entry["sets"][str(s)] for s in SetStatus]

    done = overview.done_chart
    assert done.categories == ["2026-11-02", "2026-11-03"]
    per_day = {
        name: dict(zip(done.categories, values, strict=True)) for name, values in done.series
    }
    assert {name: {day: n for day, n in days.items() if n} for name, days in per_day.items()} == {
        name: days for name, days in expected["done_per_day"].items() if days
    }
    assert expected["done_per_day"]["alice"] == {"2026-11-02": 2, "2026-11-03": 1}

    labels = overview.labels_chart
    assert (
        dict(zip(labels.categories, labels.series[0][1], strict=True))
        == expected["labels"]["mentions"]
    )
    unsure = [
        (
            overview.unsure.item(r, 0).data(Qt.ItemDataRole.UserRole),
            int(overview.unsure.item(r, 1).text()),
        )
        for r in range(overview.unsure.rowCount())
    ]
    assert unsure == [(e["article_id"], e["unsure"]) for e in expected["unsure_by_article"]]
    # Every annotator's days add up to their done and approved sets.
    for entry in expected["annotators"]:
        total = sum(expected["done_per_day"][entry["name"]].values())
        assert total == entry["sets"]["done"] + entry["sets"]["approved"]
    overview.close()


def test_each_number_lists_its_articles_and_opens_one(
    qtbot, project: Project, progress, make_window
) -> None:
    window = make_window("alice")
    overview = window.project_setup.show_overview()
    qtbot.waitExposed(overview)
    overview.status_buttons["in_progress"].click()
    listed = overview.listed()
    assert listed == stats.articles_with_status(project, "in_progress")
    assert f"{len(listed)} article(s)" in overview.list_title.text()
    assert int(overview.status_buttons["in_progress"].text().split("\n")[0]) == len(listed)

    # A cell of the annotator table: bob's articles that need rework.
    column = list(SetStatus).index(SetStatus.NEEDS_REWORK) + 1
    row = [overview.annotators.item(r, 0).text() for r in range(3)].index("bob")
    overview.annotators.cellClicked.emit(row, column)
    assert overview.listed() == [progress["articles"][2]]

    # A bar of the labels chart, clicked with the mouse.
    chart = overview.labels_chart
    per = chart.categories.index("PER")
    view = chart.getPlotItem().getViewBox()
    scene_point = view.mapViewToScene(QPointF(per, 0.5))
    point = chart.mapFromScene(scene_point)
    QTest.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: "PER" in overview.list_title.text())
    assert overview.listed() == sorted(stats.articles_with_label(project, "mentions", "PER"))

    # A bar of the done-per-day chart: carol on 2026-11-02.
    done = overview.done_chart
    names = [name for name, _values in done.series]
    done.bar_clicked.emit(done.categories.index("2026-11-02"), names.index("carol"))
    assert overview.listed() == stats.articles_done_on(project, "carol", "2026-11-02")

    # Choosing an article opens it in the main window.
    target = progress["articles"][1]
    overview._list("pick", [target])
    item = overview.articles.item(0)
    overview.articles.itemDoubleClicked.emit(item)
    assert window.session is not None and window.session.service.article.id == target
    overview.close()


def test_the_stats_json_keeps_its_keys_and_adds_progress(project: Project, progress) -> None:
    data = stats.project_stats(project)
    for key in (
        "project",
        "path",
        "articles",
        "annotators",
        "status",
        "gold_sets",
        "labels",
        "gold_labels",
        "totals",
    ):
        assert key in data
    assert data["status"]["done"] == 6  # sets, as before: 3 + 1 + 2
    assert data["articles_by_status"]["needs_rework"] == 1
    assert data["unsure_by_article"][0]["unsure"] >= data["unsure_by_article"][-1]["unsure"]


def test_a_project_with_nothing_labelled_yet_opens_its_overview(
    qtbot, project: Project, make_window
) -> None:
    window: QtMainWindow = make_window("alice")
    window.actions_by_name["Overview"].trigger()
    overview = window.project_setup.overview
    qtbot.waitExposed(overview)
    assert overview.isVisible()
    assert int(overview.unsure_button.text().split("\n")[0]) == 0
