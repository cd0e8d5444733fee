"""Project → Overview: progress, labels and doubts at a glance; every number lists its articles.

Charts are drawn with pyqtgraph: pure Python (about 1 MB, numpy it needs anyway), it paints with
Qt's own QPainter, so the charts take the window's palette and fonts, and its context menu exports
PNG/SVG. QtCharts would need PySide6-Addons (over 100 MB with WebEngine's siblings), which
PySide6-Essentials, our Qt dependency, leaves out.

Every figure comes from ``services.stats.project_stats``, the same dict ``annotator stats --json``
prints, so the dashboard and the command line cannot disagree.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg  # type: ignore[import-untyped]
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.annotations import SetStatus
from annotator.services import stats
from annotator.storage.project import Project

#: Short names for the annotator table's columns.
COLUMN_NAMES = {
    "todo": "todo",
    "in_progress": "in progress",
    "needs_rework": "rework",
    "done": "done",
    "approved": "approved",
}
STATUS_NAMES = {
    "todo": "not started",
    "in_progress": "in progress",
    "needs_rework": "needs rework",
    "done": "done",
    "approved": "approved",
}
STATUS_COLORS = {
    "todo": "#9e9e9e",
    "needs_rework": "#e67e22",
    "in_progress": "#3498db",
    "done": "#27ae60",
    "approved": "#16a085",
}
#: One colour per annotator in the done-per-day chart (readable on light and dark bases).
SERIES_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948")
LAYER_TITLES = {
    "mentions": "Mentions per entity type",
    "entities": "Entities per type",
    "quotes": "Quotes per type",
    "stances": "Stances per polarity",
    "document_labels": "Document answers per question",
}


class QtBarChart(pg.PlotWidget):  # type: ignore[misc]
    """Bars by category, one bar per series side by side; a click on a bar emits its place."""

    bar_clicked = Signal(int, int)  # category index, series index

    def __init__(self, parent: QWidget | None = None) -> None:
        palette = parent.palette() if parent is not None else QPalette()
        super().__init__(parent, background=palette.color(QPalette.ColorRole.Base))
        self.setMenuEnabled(True)  # right-click: Export… (PNG, SVG, CSV)
        self._text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setPen(pg.mkPen(self._text))
            axis.setTextPen(pg.mkPen(self._text))
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.categories: list[str] = []
        self.series: list[tuple[str, list[float]]] = []
        self._width = 0.8
        self._legend: pg.LegendItem | None = None
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)

    def set_bars(
        self,
        categories: list[str],
        series: list[tuple[str, list[float], list[str]]],
        *,
        labels: bool = True,
        tick_labels: list[str] | None = None,
    ) -> None:
        """``series``: (name, one value per category, one colour per category)."""
        self.clear()
        if self._legend is not None:
            self._legend.scene().removeItem(self._legend)
            self._legend = None
        self.categories = categories
        self.series = [(name, values) for name, values, _c in series]
        count = max(1, len(series))
        self._width = 0.8 / count
        top = 0.0
        if len(series) > 1:
            self._legend = self.addLegend(
                offset=(40, 2), labelTextColor=self._text, colCount=len(series)
            )
        if not categories:  # (pyqtgraph's bars fail on empty lists) nothing to draw yet
            empty = pg.TextItem("nothing yet", color=self._text, anchor=(0.5, 0.5))
            empty.setPos(0, 0.5)
            self.addItem(empty)
            self.setXRange(-1, 1)
            self.setYRange(0, 1)
            return
        for n, (name, values, colors) in enumerate(series):
            xs = [i - 0.4 + self._width * (n + 0.5) for i in range(len(categories))]
            bars = pg.BarGraphItem(
                x=xs,
                height=values,
                width=self._width * 0.92,
                brushes=[pg.mkBrush(c) for c in colors],
                pens=[
                    pg.mkPen(QColor(c).darker(140)) if v else pg.mkPen(None)
                    for c, v in zip(colors, values, strict=True)
                ],
                brush=pg.mkBrush(colors[0] if colors else "#888888"),  # the legend's sample
                name=name,
            )
            self.addItem(bars)  # with a name, the legend lists it
            top = max([top, *values])
            if labels and len(categories) * count <= 48:
                for x, value in zip(xs, values, strict=True):
                    if value:
                        text = pg.TextItem(str(int(value)), color=self._text, anchor=(0.5, 1.0))
                        text.setPos(x, value)
                        self.addItem(text)
        ticks = tick_labels or categories
        step = max(1, len(ticks) // 14)
        self.getAxis("bottom").setTicks(
            [[(i, t) for i, t in enumerate(ticks) if i % step == 0], []]
        )
        self.setXRange(-0.6, max(0, len(categories) - 1) + 0.6, padding=0)
        headroom = 1.32 if self._legend is not None else 1.15
        self.setYRange(0, max(1.0, top * headroom), padding=0)

    def bar_at(self, point: QPointF) -> tuple[int, int] | None:
        """The (category, series) of the bar at a point in view coordinates."""
        category = round(point.x())
        if not 0 <= category < len(self.categories) or not self.series:
            return None
        series = int((point.x() - (category - 0.4)) // self._width)
        if not 0 <= series < len(self.series):
            return None
        return category, series

    def _on_scene_clicked(self, event: Any) -> None:
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        found = self.bar_at(view.mapSceneToView(event.scenePos()))
        if found is not None:
            self.bar_clicked.emit(*found)


class QtOverviewDialog(QDialog):
    """The project's dashboard. ``article_chosen`` asks the window to open an article."""

    article_chosen = Signal(str)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.setWindowTitle(f"Overview — {project.name}")
        self.setObjectName("overviewDialog")
        self.resize(1280, 800)
        self.data: dict[str, Any] = {}
        self._titles: dict[str, str] = {}

        # Articles by status: one button per figure.
        self.status_buttons: dict[str, QPushButton] = {}
        status_row = QHBoxLayout()
        self.total_label = QLabel(self)
        self.total_label.setObjectName("overviewTotal")
        status_row.addWidget(self.total_label)
        for status in stats.ARTICLE_STATUS_ORDER:
            button = QPushButton(self)
            button.setObjectName(f"articles_{status}")
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"List the articles that are {STATUS_NAMES[status]}")
            button.setStyleSheet(
                f"QPushButton {{ border-left: 6px solid {STATUS_COLORS[status]}; "
                "padding: 4px 14px; text-align: left; }"
            )
            button.clicked.connect(lambda _c=False, s=str(status): self.show_status(s))
            status_row.addWidget(button)
            self.status_buttons[str(status)] = button
        self.unsure_button = QPushButton(self)
        self.unsure_button.setObjectName("unsureTotal")
        self.unsure_button.setFlat(True)
        self.unsure_button.setStyleSheet(
            "QPushButton { border-left: 6px solid #c0392b; padding: 4px 14px; text-align: left; }"
        )
        self.unsure_button.clicked.connect(self.show_unsure)
        status_row.addWidget(self.unsure_button)
        status_row.addStretch(1)
        refresh = QPushButton("&Refresh", self)
        refresh.setObjectName("overviewRefresh")
        refresh.clicked.connect(self.refresh)
        status_row.addWidget(refresh)

        # Per annotator: sets by status (each cell clickable), done per day.
        self.annotators = QTableWidget(0, 1 + len(SetStatus), self)
        self.annotators.setObjectName("annotatorTable")
        self.annotators.setHorizontalHeaderLabels(
            ["Annotator", *(COLUMN_NAMES[str(s)] for s in SetStatus)]
        )
        self.annotators.verticalHeader().hide()
        self.annotators.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.annotators.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.annotators.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.annotators.cellClicked.connect(self._on_annotators_cell_clicked)
        self.done_chart = QtBarChart(self)
        self.done_chart.setObjectName("donePerDayChart")
        self.done_chart.setLabel("left", "sets marked done")
        self.done_chart.bar_clicked.connect(self._on_done_chart_bar_clicked)
        progress = QGroupBox("Per annotator: annotation sets by status, and done per day", self)
        progress_layout = QVBoxLayout(progress)
        progress_layout.addWidget(self.annotators)
        progress_layout.addWidget(self.done_chart, 1)

        # Labels per type.
        self.layer_choice = QComboBox(self)
        self.layer_choice.setObjectName("labelLayer")
        for layer, title in LAYER_TITLES.items():
            self.layer_choice.addItem(title, layer)
        self.layer_choice.currentIndexChanged.connect(lambda _i: self._draw_labels())
        self.labels_chart = QtBarChart(self)
        self.labels_chart.setObjectName("labelsChart")
        self.labels_chart.bar_clicked.connect(self._on_labels_chart_bar_clicked)
        labels = QGroupBox("Labels per type (annotators' sets)", self)
        labels_layout = QVBoxLayout(labels)
        labels_layout.addWidget(self.layer_choice)
        labels_layout.addWidget(self.labels_chart, 1)

        # Most unsure flags.
        self.unsure = QTableWidget(0, 2, self)
        self.unsure.setObjectName("unsureTable")
        self.unsure.setHorizontalHeaderLabels(["Article", "Unsure"])
        self.unsure.verticalHeader().hide()
        self.unsure.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.unsure.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.unsure.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.unsure.cellClicked.connect(self._on_unsure_cell_clicked)
        self.unsure.cellDoubleClicked.connect(self._on_unsure_cell_double_clicked)
        unsure_box = QGroupBox("Articles with the most unsure flags", self)
        QVBoxLayout(unsure_box).addWidget(self.unsure)

        # The articles behind the figure last clicked.
        self.list_title = QLabel("Click a number to list its articles.", self)
        self.list_title.setObjectName("articlesBehindTitle")
        self.list_title.setWordWrap(True)
        self.articles = QListWidget(self)
        self.articles.setObjectName("articlesBehind")
        self.articles.itemActivated.connect(self._on_articles_item_activated)
        self.articles.itemDoubleClicked.connect(self._on_articles_item_activated)
        open_button = QPushButton("&Open in the window", self)
        open_button.setObjectName("openArticle")
        open_button.clicked.connect(self.open_selected)
        behind = QGroupBox("Articles", self)
        behind_layout = QVBoxLayout(behind)
        behind_layout.addWidget(self.list_title)
        behind_layout.addWidget(self.articles, 1)
        behind_layout.addWidget(open_button)

        middle = QWidget(self)
        grid = QGridLayout(middle)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(progress, 0, 0, 2, 1)
        grid.addWidget(labels, 0, 1)
        grid.addWidget(unsure_box, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(middle)
        splitter.addWidget(behind)
        splitter.setSizes([960, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(status_row)
        layout.addWidget(splitter, 1)

    # -- figures --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every figure again (the same dict ``annotator stats --json`` prints)."""
        self.data = stats.project_stats(self.project)
        self._titles = {s.id: s.display_title for s in self.project.articles.summaries()}
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.5)
        self.total_label.setText(f"<b style='font-size:15pt'>{self.data['articles']}</b> articles")
        for status, button in self.status_buttons.items():
            n = self.data["articles_by_status"][status]
            button.setText(f"{n}\n{STATUS_NAMES[status]}")
            button.setFont(big if n else self.font())
        self.unsure_button.setText(f"{self.data['unsure_total']}\nunsure flags")
        self.unsure_button.setFont(big if self.data["unsure_total"] else self.font())
        rows = self.data["annotators"]
        self.annotators.setRowCount(len(rows))
        for row, entry in enumerate(rows):
            self.annotators.setItem(row, 0, QTableWidgetItem(entry["name"]))
            for column, status in enumerate(SetStatus, start=1):
                cell = QTableWidgetItem(str(entry["sets"][str(status)]))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                cell.setToolTip(f"List {entry['name']}'s articles that are {STATUS_NAMES[status]}")
                self.annotators.setItem(row, column, cell)
        shown_rows = max(1, min(len(rows), 8))
        height = (
            self.annotators.horizontalHeader().sizeHint().height()
            + self.annotators.verticalHeader().defaultSectionSize() * shown_rows
            + 2 * self.annotators.frameWidth()
            + 2
        )
        self.annotators.setFixedHeight(height)
        self._draw_done()
        self._draw_labels()
        top = self.data["unsure_by_article"]
        self.unsure.setRowCount(len(top))
        for row, entry in enumerate(top):
            title = QTableWidgetItem(entry["title"])
            title.setData(Qt.ItemDataRole.UserRole, entry["article_id"])
            title.setToolTip("Click: list it · double-click: open it")
            count = QTableWidgetItem(str(entry["unsure"]))
            count.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.unsure.setItem(row, 0, title)
            self.unsure.setItem(row, 1, count)

    def _days(self) -> list[str]:
        return sorted({day for days in self.data["done_per_day"].values() for day in days})

    def _draw_done(self) -> None:
        days = self._days()
        per = self.data["done_per_day"]
        names = [name for name in per if per[name]]
        series = [
            (
                name,
                [float(per[name].get(day, 0)) for day in days],
                [SERIES_COLORS[n % len(SERIES_COLORS)]] * len(days),
            )
            for n, name in enumerate(names)
        ]
        self.done_chart.set_bars(days, series, tick_labels=[d[5:] for d in days], labels=False)
        self._done_names = names

    def _draw_labels(self) -> None:
        layer = self.layer_choice.currentData() or "mentions"
        counts: dict[str, int] = self.data.get("labels", {}).get(layer, {})
        schema = self.project.schema
        order = {
            "mentions": schema.entity_labels,
            "entities": schema.entity_labels,
            "quotes": schema.quote_type_names,
            "stances": schema.polarity_names,
            "document_labels": [q.name for q in schema.document_questions],
        }[layer]
        names = [n for n in order if n in counts] + sorted(n for n in counts if n not in order)
        colors = {t.name: t.color for t in schema.entity_types}
        default = "#8fa8c8"
        values = [float(counts[n]) for n in names]
        fills = [
            colors.get(n, default) if layer in ("mentions", "entities") else default for n in names
        ]
        self.labels_chart.set_bars(names, [(LAYER_TITLES[layer], values, fills)])
        self.labels_chart.setLabel("left", layer.replace("_", " "))

    # -- the articles behind a figure -------------------------------------------------------------

    def _list(self, title: str, article_ids: list[str]) -> None:
        self.list_title.setText(f"<b>{title}</b>: {len(article_ids)} article(s)")
        self.articles.clear()
        for article_id in article_ids:
            item = QListWidgetItem(self._titles.get(article_id, article_id))
            item.setData(Qt.ItemDataRole.UserRole, article_id)
            self.articles.addItem(item)
        if article_ids:
            self.articles.setCurrentRow(0)

    def listed(self) -> list[str]:
        return [
            str(self.articles.item(r).data(Qt.ItemDataRole.UserRole))
            for r in range(self.articles.count())
        ]

    def show_status(self, status: str) -> None:
        self._list(
            f"Articles {STATUS_NAMES[status]}", stats.articles_with_status(self.project, status)
        )

    def show_unsure(self) -> None:
        self._list("Articles with unsure flags", stats.articles_with_unsure(self.project))

    def _on_annotators_cell_clicked(self, row: int, column: int) -> None:
        head = self.annotators.item(row, 0)
        if head is None:
            return
        name = head.text()
        if column == 0:
            self._list(f"{name}'s articles", stats.articles_of_annotator(self.project, name))
            return
        status = str(list(SetStatus)[column - 1])
        self._list(
            f"{name}: {STATUS_NAMES[status]}",
            stats.articles_of_annotator(self.project, name, status),
        )

    def _on_done_chart_bar_clicked(self, category: int, series: int) -> None:
        day = self._days()[category]
        name = self._done_names[series]
        self._list(f"{name}: done on {day}", stats.articles_done_on(self.project, name, day))

    def _on_labels_chart_bar_clicked(self, category: int, _series: int) -> None:
        layer = self.layer_choice.currentData() or "mentions"
        label = self.labels_chart.categories[category]
        self._list(
            f"{LAYER_TITLES[layer]}: {label}",
            stats.articles_with_label(self.project, layer, label),
        )

    def _on_unsure_cell_clicked(self, row: int, _column: int) -> None:
        item = self.unsure.item(row, 0)
        if item is not None:
            self._list("Unsure flags", [str(item.data(Qt.ItemDataRole.UserRole))])

    def _on_unsure_cell_double_clicked(self, row: int, _column: int) -> None:
        item = self.unsure.item(row, 0)
        if item is not None:
            self.article_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _on_articles_item_activated(self, item: QListWidgetItem) -> None:
        self.article_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def open_selected(self) -> None:
        item = self.articles.currentItem()
        if item is not None:
            self.article_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))
