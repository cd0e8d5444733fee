"""The agreement dashboard: per layer and label, per structure step and per annotator pair.

Every number comes from ``services.agreement.compute``, the report ``annotator agreement``
prints, computed in a pool thread on its own connection so the window never waits. pyqtgraph
is imported when the first dashboard is built, not when the window starts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.background import QtTask, start
from annotator.services.agreement import (
    ALPHA_DOCUMENT_MEAN,
    ALPHA_POOLED,
    AgreementReport,
    SpanRow,
    compute,
    format_value,
)
from annotator.storage.project import Project

if TYPE_CHECKING:
    pass

#: exact F1, overlap F1, alpha: colour-blind-safe (Okabe-Ito) and readable on light bases.
SERIES = (("exact F1", "#56b4e9"), ("overlap F1", "#0072b2"), ("α", "#e69f00"))
SPAN_COLUMNS = (
    "Layer", "Label", "Spans", "Exact F1", "Matched", "Unmatched", "Overlap F1", "Matched",
    "Unmatched", "α_u", "α_u articles", "Nested left out",
)  # fmt: skip
VALUE_COLUMNS = (
    "Layer", "Item", "Items", "% agree", "Cohen κ", "Pairs", "Fleiss κ", "Items × raters",
    "Krippendorff α", "Ordinal α",
)  # fmt: skip
CHAIN_COLUMNS = ("Chain", "Step", "Metric", "Value", "Matched", "Unmatched")


def agreement_color(value: float | None) -> QColor:
    """Red (0 or below) through yellow to green (1), light enough for dark text."""
    if value is None or math.isnan(value):
        return QColor("#e0e0e0")
    share = min(1.0, max(0.0, value))
    return QColor.fromHsvF(share * 0.33, 0.45, 0.97)


def _item(text: str, *, number: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


def _table(columns: tuple[str, ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(False)
    return table


class QtAgreementView(QWidget):
    """Agreement of a project's annotators; ``refresh()`` recomputes in the background."""

    computed = Signal()
    failed = Signal(str)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agreementView")
        self._path = project.path
        self.report: AgreementReport | None = None
        self.chart_values_shown = False
        self._redraw_pending = False
        self.error: str | None = None
        self._task: QtTask | None = None
        self._tasks: set[QtTask] = set()  # cancelled ones too, held until they end
        self._build()
        self.refresh()

    # -- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        import pyqtgraph as pg  # type: ignore[import-untyped]

        layout = QVBoxLayout(self)
        self.summary = QLabel("Computing agreement…", self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Unitizing α:", self))
        self.alpha_choice = QComboBox(self)
        self.alpha_choice.addItem("pooled", ALPHA_POOLED)
        self.alpha_choice.addItem("per-document mean", ALPHA_DOCUMENT_MEAN)
        self.alpha_choice.setToolTip(
            "Pooled: all compared articles as one long text. Per-document mean: each article's "
            "alpha, averaged over the articles where the label occurs (as INCEpTION does)."
        )
        self.alpha_choice.currentIndexChanged.connect(self._on_alpha_choice_changed)
        bar.addWidget(self.alpha_choice)
        bar.addStretch(1)
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m articles")
        self.progress.hide()
        layout.addWidget(self.progress)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.tabs = QTabWidget(splitter)
        self.span_table = _table(SPAN_COLUMNS, self.tabs)
        self.chain_table = _table(CHAIN_COLUMNS, self.tabs)
        self.value_table = _table(VALUE_COLUMNS, self.tabs)
        self.tabs.addTab(self.span_table, "Spans")
        self.tabs.addTab(self.chain_table, "Quotes && stances chain")
        self.tabs.addTab(self.value_table, "Values (κ, α)")
        self.notes = QLabel("", self)
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        lower = self.lower_splitter = QSplitter(Qt.Orientation.Horizontal, splitter)
        chart_box = QWidget(lower)
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_title = QLabel("Agreement per label", chart_box)
        self.chart_title.setWordWrap(True)
        chart_layout.addWidget(self.chart_title)
        palette = self.palette()
        self._text_color = palette.color(QPalette.ColorRole.Text)
        self.chart = pg.PlotWidget(chart_box, background=palette.color(QPalette.ColorRole.Base))
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.hideButtons()
        self.chart.setMinimumHeight(220)
        for name in ("left", "bottom"):
            axis = self.chart.getAxis(name)
            axis.setPen(pg.mkPen(self._text_color))
            axis.setTextPen(pg.mkPen(self._text_color))
        chart_layout.addWidget(self.chart)
        self.chart_legend = QLabel(
            "  ".join(f'<span style="color:{color}">■</span> {name}' for name, color in SERIES),
            chart_box,
        )
        chart_layout.addWidget(self.chart_legend)

        pair_box = QWidget(lower)
        pair_layout = QVBoxLayout(pair_box)
        pair_layout.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Annotator pairs:", pair_box))
        self.pair_metric = QComboBox(pair_box)
        self.pair_metric.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.pair_metric.setMinimumContentsLength(24)
        self.pair_metric.currentIndexChanged.connect(self._show_pairs)
        pick.addWidget(self.pair_metric, 1)
        pair_layout.addLayout(pick)
        self.pair_table = QTableWidget(0, 0, pair_box)
        self.pair_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.pair_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.pair_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        pair_layout.addWidget(self.pair_table)
        self.pair_note = QLabel(
            "Cells: value (matched / unmatched) over the articles both labelled; "
            "colour from red (0 or below) through yellow (0.5) to green (1).",
            pair_box,
        )
        self.pair_note.setWordWrap(True)
        pair_layout.addWidget(self.pair_note)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([720, 480])
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 480])
        layout.addWidget(splitter, 1)
        layout.addWidget(self.notes)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Narrow (as a tab of the reviewer's side panel): chart above the pair matrix.
        wide = event.size().width() >= 1000
        self.lower_splitter.setOrientation(
            Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        )
        super().resizeEvent(event)
        if self.report is not None and not self._redraw_pending:
            # after the layouts have given the chart its new size
            self._redraw_pending = True
            QTimer.singleShot(0, self._redraw_chart)

    def _redraw_chart(self) -> None:
        self._redraw_pending = False
        if self.report is not None:
            self._draw_chart()

    # -- computing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Compute again in the background (a computation still running is cancelled)."""
        if self._task is not None:
            self._task.cancel()
        path = self._path

        def work(progress: Callable[[int], None], cancelled: Callable[[], bool]) -> Any:
            with Project.open(path, read_only=True) as project:
                return compute(project, progress=progress, cancelled=cancelled)

        with Project.open(path, read_only=True) as project:
            total = project.articles.count()
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)
        self.progress.show()
        self.summary.setText("Computing agreement…")
        self.refresh_button.setEnabled(False)
        task = QtTask(work)
        # Bound methods, not lambdas: Qt drops the connections when this widget is deleted
        # while a computation still runs (a lambda would call into a deleted widget).
        task.signals.progressed.connect(self._on_task_progressed)
        task.signals.finished.connect(self._on_task_finished)
        task.signals.failed.connect(self._on_task_failed)
        self._task = task
        self._tasks.add(task)
        start(task)

    def is_running(self) -> bool:
        return self._task is not None

    def _from_current_task(self) -> bool:
        """Whether the signal being handled comes from the latest computation; a finished
        or failed one is let go either way."""
        sender = self.sender()
        current = self._task is not None and sender is self._task.signals
        return current

    def _forget_sender(self) -> None:
        sender = self.sender()
        self._tasks = {t for t in self._tasks if t.signals is not sender}

    def _on_task_progressed(self, n: int) -> None:
        if self._from_current_task():
            self.progress.setValue(self.progress.value() + n)

    def _on_task_finished(self, report: AgreementReport) -> None:
        current = self._from_current_task()
        self._forget_sender()
        if not current:
            return
        self._task = None
        self.progress.hide()
        self.refresh_button.setEnabled(True)
        self.error = None
        self.show_report(report)
        self.computed.emit()

    def _on_task_failed(self, message: str) -> None:
        current = self._from_current_task()
        self._forget_sender()
        if not current:
            return
        self._task = None
        self.progress.hide()
        self.refresh_button.setEnabled(True)
        self.error = message
        self.summary.setText(f"⚠ Agreement could not be computed: {message}")
        self.failed.emit(message)

    # -- showing ---------------------------------------------------------------------------------

    def alpha_shown(self) -> str:
        return str(self.alpha_choice.currentData())

    def shown_alpha(self, row: SpanRow) -> float | None:
        if self.alpha_shown() == ALPHA_DOCUMENT_MEAN:
            return row.alpha_document_mean
        return row.alpha_pooled

    def show_report(self, report: AgreementReport) -> None:
        self.report = report
        if report.articles_compared == 0:
            self.summary.setText(
                "Nothing to compare yet: " + (report.notes[0] if report.notes else "")
            )
        else:
            people = html.escape(", ".join(report.annotators))
            self.summary.setText(
                f"<b>{report.articles_compared}</b> article(s) labelled by two or more of "
                f"{people} ({report.sets_compared} sets); {report.articles_single} article(s) "
                f"with fewer than two annotators' labels left out. Unitizing α shown: "
                f"<b>{self.alpha_shown()}</b>."
            )
        self.notes.setText("\n".join(f"ℹ {note}" for note in report.notes))
        self._fill_spans()
        self._fill_chains()
        self._fill_values()
        self._draw_chart()
        current = self.pair_metric.currentText()
        self.pair_metric.blockSignals(True)
        self.pair_metric.clear()
        metrics = report.pair_metrics()
        self.pair_metric.addItems(metrics)
        preferred = current if current in metrics else _headline(metrics)
        if preferred:
            self.pair_metric.setCurrentText(preferred)
        self.pair_metric.blockSignals(False)
        self._show_pairs()

    def _on_alpha_choice_changed(self) -> None:
        if self.report is not None:
            self.show_report(self.report)

    def _fill_spans(self) -> None:
        assert self.report is not None
        rows = self.report.spans
        table = self.span_table
        header = f"α_u ({self.alpha_shown()})"
        table.setHorizontalHeaderItem(9, QTableWidgetItem(header))
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            alpha = self.shown_alpha(row)
            cells = [
                _item(row.layer),
                _item(row.label),
                _item(str(row.spans), number=True),
                _item(format_value(row.exact_f1), number=True),
                _item(str(row.matched_exact), number=True, tip="span pairs with equal bounds"),
                _item(str(row.unmatched_exact), number=True, tip="spans without a partner"),
                _item(format_value(row.overlap_f1), number=True),
                _item(str(row.matched_overlap), number=True, tip="overlapping span pairs"),
                _item(str(row.unmatched_overlap), number=True, tip="spans without a partner"),
                _item(format_value(alpha), number=True),
                _item(str(row.alpha_documents), number=True),
                _item(str(row.overlapping_dropped), number=True),
            ]
            for column, value in ((3, row.exact_f1), (6, row.overlap_f1), (9, alpha)):
                cells[column].setBackground(QBrush(agreement_color(value)))
                cells[column].setForeground(QBrush(QColor("#111111")))
            for column, cell in enumerate(cells):
                table.setItem(r, column, cell)

    def _fill_chains(self) -> None:
        assert self.report is not None
        table = self.chain_table
        table.setRowCount(len(self.report.chains))
        for r, step in enumerate(self.report.chains):
            value = _item(format_value(step.value), number=True, tip=step.note)
            value.setBackground(QBrush(agreement_color(step.value)))
            value.setForeground(QBrush(QColor("#111111")))
            for column, cell in enumerate(
                (
                    _item(step.chain),
                    _item(step.step),
                    _item(step.metric),
                    value,
                    _item(str(step.matched), number=True),
                    _item(str(step.unmatched), number=True),
                )
            ):
                table.setItem(r, column, cell)

    def _fill_values(self) -> None:
        assert self.report is not None
        table = self.value_table
        table.setRowCount(len(self.report.nominal))
        for r, row in enumerate(self.report.nominal):
            cells = [
                _item(row.layer),
                _item(row.label),
                _item(str(row.items), number=True),
                _item(format_value(row.percent_agreement), number=True),
                _item(format_value(row.cohen_kappa), number=True, tip="mean over pairs"),
                _item(str(row.cohen_pairs), number=True),
                _item(format_value(row.fleiss_kappa), number=True),
                _item(f"{row.fleiss_items} × {row.fleiss_raters}", number=True),
                _item(format_value(row.krippendorff_alpha), number=True),
                _item(
                    format_value(row.ordinal_alpha) if row.ordinal_order else "",
                    number=True,
                    tip=f"ordinal: {row.ordinal_order}; none counts as missing"
                    if row.ordinal_order
                    else "not an ordered scale",
                ),
            ]
            columns = [(4, row.cohen_kappa), (6, row.fleiss_kappa), (8, row.krippendorff_alpha)]
            if row.ordinal_order:
                columns.append((9, row.ordinal_alpha))
            for column, value in columns:
                cells[column].setBackground(QBrush(agreement_color(value)))
                cells[column].setForeground(QBrush(QColor("#111111")))
            for column, cell in enumerate(cells):
                table.setItem(r, column, cell)

    def chart_data(self) -> tuple[list[str], list[list[float | None]]]:
        """Categories (layer · label) and per series (exact F1, overlap F1, α) their values."""
        assert self.report is not None
        categories: list[str] = []
        values: list[list[float | None]] = [[], [], []]
        for row in self.report.spans:
            categories.append(f"{row.layer} · {row.label}")
            for series, value in zip(
                values, (row.exact_f1, row.overlap_f1, self.shown_alpha(row)), strict=True
            ):
                series.append(value)
        for nominal in self.report.nominal:
            categories.append(f"{nominal.layer} · {nominal.label}")
            values[0].append(None)
            values[1].append(None)
            values[2].append(nominal.krippendorff_alpha)
        return categories, values

    def _draw_chart(self) -> None:
        """Horizontal bars, one band per label (top to bottom in table order), three bars per
        band; label names stay readable on the left axis however many there are."""
        import pyqtgraph as pg

        chart = self.chart
        chart.clear()
        categories, values = self.chart_data()
        if not categories:
            return
        band = 0.8 / len(SERIES)
        low = 0.0
        # Values beside the bars only when there is room for them (the table has them all).
        self.chart_values_shown = self.chart.height() / len(categories) >= 24
        font = self.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        for n, ((_name, color), series) in enumerate(zip(SERIES, values, strict=True)):
            placed = [(i, v) for i, v in enumerate(series) if v is not None]
            if not placed:
                continue
            ys = [-i + 0.4 - band * (n + 0.5) for i, _ in placed]
            heights = [v for _, v in placed]
            bars = pg.BarGraphItem(
                x0=[min(0.0, v) for v in heights],
                width=[abs(v) for v in heights],
                y=ys,
                height=band * 0.9,
                brush=pg.mkBrush(color),
                pen=pg.mkPen(QColor(color).darker(140)),
            )
            chart.addItem(bars)
            low = min([low, *heights])
            for y, value in zip(ys, heights, strict=True):
                if not self.chart_values_shown:
                    break
                text = pg.TextItem(f"{value:.2f}", color=self._text_color, anchor=(0.0, 0.5))
                text.setFont(font)
                text.setPos(max(0.0, value) + 0.01, y)
                chart.addItem(text)
        for i in range(len(categories)):
            if all(series[i] is None for series in values):
                text = pg.TextItem("undefined (no variation or no items)", color=self._text_color)
                text.setAnchor((0.0, 0.5))
                text.setFont(font)
                text.setPos(0.01, -i)
                chart.addItem(text)
        chart.getAxis("left").setTicks([[(-i, c) for i, c in enumerate(categories)], []])
        chart.getAxis("bottom").setLabel("agreement (1 = perfect)")
        chart.setYRange(-len(categories) + 0.45, 0.55, padding=0)
        chart.setXRange(min(0.0, low) - 0.02, 1.2, padding=0)
        chart.addItem(pg.InfiniteLine(pos=0.0, angle=90, pen=pg.mkPen(self._text_color)))
        self.chart_title.setText(
            f"Agreement per label (α: unitizing, {self.alpha_shown()}, for spans; "
            "Krippendorff's nominal α for values)"
        )

    def chart_labels(self) -> list[str]:
        """The label names on the chart's axis, top to bottom."""
        ticks = self.chart.getAxis("left")._tickLevels
        return [] if not ticks else [text for _, text in ticks[0]]

    def _show_pairs(self) -> None:
        table = self.pair_table
        report = self.report
        metric = self.pair_metric.currentText()
        if report is None or not metric:
            table.setRowCount(0)
            table.setColumnCount(0)
            return
        names = report.annotators
        cells = {(c.first, c.second): c for c in report.pairs if c.metric == metric}
        counts = (
            "agreeing / disagreeing"
            if "κ" in metric or "accuracy" in metric
            else "matched / unmatched"
        )
        self.pair_note.setText(
            f"Cells: value ({counts}) over the articles both labelled; colour from red "
            "(0 or below) through yellow (0.5) to green (1)."
        )
        table.setRowCount(len(names))
        table.setColumnCount(len(names))
        table.setHorizontalHeaderLabels(names)
        table.setVerticalHeaderLabels(names)
        for r, first in enumerate(names):
            for c, second in enumerate(names):
                cell = cells.get((first, second)) or cells.get((second, first))
                if first == second:
                    item = _item("—")
                    item.setBackground(QBrush(self.palette().color(QPalette.ColorRole.Window)))
                elif cell is None:
                    item = _item("no shared articles")
                    item.setBackground(QBrush(agreement_color(None)))
                else:
                    item = _item(
                        f"{format_value(cell.value)}\n({cell.matched} / {cell.unmatched})",
                        tip=f"{metric}: {first} vs {second} over {cell.documents} article(s)",
                    )
                    item.setBackground(QBrush(agreement_color(cell.value)))
                    item.setForeground(QBrush(QColor("#111111")))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                table.setItem(r, c, item)

    def pair_text(self, first: str, second: str) -> str:
        """What the pair matrix shows for two annotators (for tests and screen readers)."""
        assert self.report is not None
        names = self.report.annotators
        item = self.pair_table.item(names.index(first), names.index(second))
        return "" if item is None else item.text()


def _headline(metrics: list[str]) -> str:
    for wanted in ("entities · (all) · overlap F1", "overlap F1"):
        for metric in metrics:
            if wanted in metric:
                return metric
    return metrics[0] if metrics else ""


class QtAgreementDialog(QDialog):
    """The dashboard in its own window (Review → Agreement dashboard…)."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Agreement — {project.name}")
        self.setObjectName("agreementDialog")
        layout = QVBoxLayout(self)
        self.view = QtAgreementView(project, self)
        layout.addWidget(self.view)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(1280, 860)
