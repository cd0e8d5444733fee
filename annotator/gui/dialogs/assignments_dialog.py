"""Review → Assignments…: who annotates which articles, round robin, and each person's progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.annotations import Annotator, Role, SetStatus
from annotator.domain.errors import AnnotatorError, InvalidDataError
from annotator.services import assigning
from annotator.storage.project import Project

if TYPE_CHECKING:
    from annotator.gui.main_window import QtMainWindow

SHORTCUT = "Ctrl+Shift+M"
ERROR_STYLE = "color: #c62828;"
OK_STYLE = "color: #2e7d32;"
_STATUS_COLUMNS = (
    (SetStatus.TODO, "To do"),
    (SetStatus.IN_PROGRESS, "In progress"),
    (SetStatus.DONE, "Done"),
    (SetStatus.APPROVED, "Approved"),
    (SetStatus.NEEDS_REWORK, "Rework"),
)
_HEADERS = ["Annotator", "Roles", "Assigned", *(t for _, t in _STATUS_COLUMNS), "Elsewhere"]


class Scope(StrEnum):
    """Which articles an assignment or unassignment covers."""

    ALL = "all"
    UNASSIGNED = "unassigned"
    RANGE = "range"
    SELECTED = "selected"
    SHOWN = "shown"


class Access(StrEnum):
    """What the person at the window may do here."""

    REVIEWER = "reviewer"
    NO_REVIEWER = "no_reviewer"
    """Nobody has the reviewer role yet: anyone may, after saying so once."""
    NOT_REVIEWER = "not_reviewer"
    READ_ONLY_FILE = "read_only_file"


def access_for(project: Project, person: Annotator) -> Access:
    if project.read_only:
        return Access.READ_ONLY_FILE
    if Role.REVIEWER in person.roles:
        return Access.REVIEWER
    if any(Role.REVIEWER in a.roles for a in project.annotators.list()):
        return Access.NOT_REVIEWER
    return Access.NO_REVIEWER


@dataclass(frozen=True)
class AssignmentPlan:
    """What Apply would write: nothing of it is written yet."""

    annotators: list[Annotator]
    article_ids: list[str] | None
    """None: every article (the service is then called without a list)."""
    articles: int
    added: list[tuple[str, str]]
    kept: int
    per_person_now: dict[str, int]
    coverage_after: dict[int, int]
    """Number of assignees -> chosen articles with that many, once applied."""


def plan_assignment(
    project: Project,
    names: Sequence[str],
    per_article: int | None,
    article_ids: Sequence[str] | None,
) -> AssignmentPlan:
    """The pairs ``assigning.assign_articles`` would add for the same arguments, unwritten."""
    people = assigning.resolve_annotators(project, names, create=False)
    chosen = list(article_ids) if article_ids is not None else project.articles.ids()
    added, kept = assigning.plan_pairs(project, people, chosen, per_article)
    existing = project.assignments.by_article()
    after = {art: len(existing.get(art, ())) for art in chosen}
    for art, _ in added:
        after[art] += 1
    counts = project.assignments.counts()
    return AssignmentPlan(
        annotators=people,
        article_ids=None if article_ids is None else list(article_ids),
        articles=len(chosen),
        added=added,
        kept=kept,
        per_person_now={a.id: counts.get(a.id, 0) for a in people},
        coverage_after=dict(sorted(Counter(after.values()).items())),
    )


def coverage_text(coverage: dict[int, int]) -> str:
    """``{0: 2, 2: 4}`` -> "2 assigned to nobody, 4 with 2 annotators each"."""
    parts = [
        f"{count} assigned to nobody" if n == 0 else f"{count} with {n} annotator(s) each"
        for n, count in sorted(coverage.items())
        if count
    ]
    return ", ".join(parts) or "none"


class QtAssignmentsDialog(QDialog):
    """The team's assignments and progress; round robin with a preview; unassign."""

    def __init__(
        self,
        project: Project,
        person: Annotator,
        *,
        selected_ids: Sequence[str] = (),
        shown_ids: Sequence[str] = (),
        on_changed: Callable[[], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assignmentsDialog")
        self.setWindowTitle("Assignments")
        self.project = project
        self.person = person
        self.access = access_for(project, person)
        self.confirmed = self.access is Access.REVIEWER
        self.selected_ids = list(selected_ids)
        self.shown_ids = list(shown_ids)
        self.on_changed = on_changed
        self.plan: AssignmentPlan | None = None
        self.changes = 0

        self.access_note = QLabel(self)
        self.access_note.setObjectName("assignmentsAccess")
        self.access_note.setWordWrap(True)
        self.coverage_label = QLabel(self)
        self.coverage_label.setObjectName("assignmentsCoverage")
        self.coverage_label.setWordWrap(True)

        self.table = QTableWidget(0, len(_HEADERS), self)
        self.table.setObjectName("assignmentsTable")
        self.table.setHorizontalHeaderLabels(_HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip(
            "Status of each person's own set on the articles assigned to them. "
            "'Elsewhere': their sets on articles no longer assigned to them."
        )
        self.table.itemChanged.connect(self._on_table_item_changed)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("newAnnotatorName")
        self.name_edit.setPlaceholderText("New annotator's name")
        self.add_button = QPushButton("&Add annotator", self)
        self.add_button.setObjectName("addAnnotator")
        self.add_button.clicked.connect(self.add_annotator)
        self.name_edit.returnPressed.connect(self.add_annotator)
        add_row = QHBoxLayout()
        add_row.addWidget(self.name_edit, 1)
        add_row.addWidget(self.add_button)

        # -- the form: how many per article, which articles ------------------------------------
        self.round_robin_radio = QRadioButton("Each article by", self)
        self.round_robin_radio.setChecked(True)
        self.every_radio = QRadioButton("Every checked annotator gets every chosen article", self)
        self.k_spin = QSpinBox(self)
        self.k_spin.setObjectName("perArticle")
        self.k_spin.setRange(1, 99)
        self.k_spin.setValue(min(2, max(1, len(self._annotators_with_role()))))
        how = QButtonGroup(self)
        how.addButton(self.round_robin_radio)
        how.addButton(self.every_radio)
        k_row = QHBoxLayout()
        k_row.addWidget(self.round_robin_radio)
        k_row.addWidget(self.k_spin)
        k_row.addWidget(QLabel("of the checked annotators (round robin, balanced)", self), 1)

        self.scope_radios: dict[Scope, QRadioButton] = {}
        self.scope_group = QButtonGroup(self)
        texts = {
            Scope.ALL: "All articles",
            Scope.UNASSIGNED: "Articles assigned to nobody",
            Scope.RANGE: "Numbers, ranges or ids:",
            Scope.SELECTED: f"Selected in the article list ({len(self.selected_ids)})",
            Scope.SHOWN: f"Shown in the article list ({len(self.shown_ids)})",
        }
        for scope, text in texts.items():
            radio = QRadioButton(text, self)
            radio.setObjectName(f"scope_{scope}")
            self.scope_radios[scope] = radio
            self.scope_group.addButton(radio)
        self.scope_radios[Scope.ALL].setChecked(True)
        self.scope_radios[Scope.SELECTED].setEnabled(bool(self.selected_ids))
        self.scope_radios[Scope.SHOWN].setEnabled(bool(self.shown_ids))
        self.range_edit = QLineEdit(self)
        self.range_edit.setObjectName("articleRange")
        self.range_edit.setPlaceholderText("e.g. 1-50, 61, or article ids (list order, from 1)")
        self.range_edit.textEdited.connect(
            lambda _t: self.scope_radios[Scope.RANGE].setChecked(True)
        )
        scope_grid = QGridLayout()
        scope_grid.addWidget(self.scope_radios[Scope.ALL], 0, 0)
        scope_grid.addWidget(self.scope_radios[Scope.UNASSIGNED], 0, 1)
        scope_grid.addWidget(self.scope_radios[Scope.SELECTED], 1, 0)
        scope_grid.addWidget(self.scope_radios[Scope.SHOWN], 1, 1)
        scope_grid.addWidget(self.scope_radios[Scope.RANGE], 2, 0)
        scope_grid.addWidget(self.range_edit, 2, 1)

        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("assignmentsPreview")
        self.preview_label.setWordWrap(True)
        self.preview_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_table = QTableWidget(0, 4, self)
        self.preview_table.setObjectName("assignmentsPreviewTable")
        self.preview_table.setHorizontalHeaderLabels(
            ["Annotator", "Assigned now", "New", "Assigned after"]
        )
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.verticalHeader().setVisible(False)
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.preview_table.setMaximumHeight(150)

        self.apply_button = QPushButton("A&pply assignments", self)
        self.apply_button.setObjectName("applyAssignments")
        self.apply_button.clicked.connect(self.apply)
        self.unassign_button = QPushButton("&Unassign…", self)
        self.unassign_button.setObjectName("unassign")
        self.unassign_button.setToolTip(
            "Take the chosen articles back from the checked annotators. Their labels stay."
        )
        self.unassign_button.clicked.connect(self.unassign)
        keep_note = QLabel("Unassigning keeps the labels already made.", self)
        keep_note.setStyleSheet("color: palette(mid);")
        actions = QHBoxLayout()
        actions.addWidget(keep_note)
        actions.addStretch(1)
        actions.addWidget(self.unassign_button)
        actions.addWidget(self.apply_button)

        self.form = QGroupBox("Assign or unassign the checked annotators", self)
        form_layout = QVBoxLayout(self.form)
        form_layout.addLayout(k_row)
        form_layout.addWidget(self.every_radio)
        form_layout.addWidget(QLabel("Which articles:", self))
        form_layout.addLayout(scope_grid)
        form_layout.addWidget(self.preview_label)
        form_layout.addWidget(self.preview_table)
        form_layout.addLayout(actions)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.access_note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.coverage_label)
        layout.addLayout(add_row)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

        for radio in (self.round_robin_radio, self.every_radio, *self.scope_radios.values()):
            radio.toggled.connect(lambda _on: self.refresh_preview())
        self.k_spin.valueChanged.connect(lambda _v: self.refresh_preview())
        self.range_edit.textChanged.connect(lambda _t: self.refresh_preview())
        self._apply_access()
        self.load()
        self.resize(860, 720)

    # -- reading ---------------------------------------------------------------------------------

    def _annotators_with_role(self) -> list[Annotator]:
        return [a for a in self.project.annotators.list() if Role.ANNOTATOR in a.roles]

    @property
    def editable(self) -> bool:
        return self.access in (Access.REVIEWER, Access.NO_REVIEWER)

    def _apply_access(self) -> None:
        notes = {
            Access.REVIEWER: "",
            Access.NO_REVIEWER: (
                "Nobody in this project has the reviewer role yet, so anyone may change "
                f"assignments; you will be asked to confirm once, and changes are recorded under "
                f"{self.person.name}."
            ),
            Access.NOT_REVIEWER: (
                f"Read-only: only reviewers change assignments, and {self.person.name} is not "
                "one in this project."
            ),
            Access.READ_ONLY_FILE: "Read-only: the project file is open read-only.",
        }
        self.access_note.setText(notes[self.access])
        self.access_note.setVisible(bool(notes[self.access]))
        if self.access is not Access.NO_REVIEWER:
            self.access_note.setStyleSheet("" if self.editable else "font-weight: bold;")
        for widget in (self.name_edit, self.add_button, self.form):
            widget.setEnabled(self.editable)

    def load(self) -> None:
        """Read the overview again and fill the table; keeps which people are checked."""
        previous = self.checked_names() if self.table.rowCount() else None
        overview = assigning.assignment_overview(self.project)
        self.table.blockSignals(True)
        self.table.setRowCount(len(overview.annotators))
        for row, progress in enumerate(overview.annotators):
            person = progress.annotator
            name = QTableWidgetItem(person.name)
            name.setData(Qt.ItemDataRole.UserRole, person.name)
            if not self.editable:
                name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            else:
                wanted = (
                    person.name in previous
                    if previous is not None
                    else Role.ANNOTATOR in person.roles
                )
                name.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
            values = [
                ", ".join(str(r) for r in person.roles),
                str(progress.assigned),
                *(str(progress.status.get(s, 0)) for s, _ in _STATUS_COLUMNS),
                str(progress.unassigned_sets),
            ]
            self.table.setItem(row, 0, name)
            for column, value in enumerate(values, start=1):
                cell = QTableWidgetItem(value)
                if column >= 2:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, cell)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, max(self.table.columnWidth(0), 160))
        self.coverage_label.setText(
            f"{overview.articles} article(s): {coverage_text(overview.coverage)}."
        )
        self.refresh_preview()

    def checked_names(self) -> list[str]:
        names = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                names.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return names

    def set_checked(self, names: Sequence[str]) -> None:
        wanted = set(names)
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None:
                name = str(item.data(Qt.ItemDataRole.UserRole))
                on = Qt.CheckState.Checked if name in wanted else Qt.CheckState.Unchecked
                item.setCheckState(on)

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0:
            self.refresh_preview()

    def scope(self) -> Scope:
        return next(s for s, radio in self.scope_radios.items() if radio.isChecked())

    def chosen_articles(self) -> list[str] | None:
        """The article ids the form names (None: all); raises with a message when unusable."""
        scope = self.scope()
        if scope is Scope.ALL:
            return None
        if scope is Scope.UNASSIGNED:
            taken = self.project.assignments.by_article()
            ids = [a for a in self.project.articles.ids() if a not in taken]
            if not ids:
                raise InvalidDataError("every article is assigned to someone already")
            return ids
        if scope is Scope.SELECTED:
            ids = list(self.selected_ids)
        elif scope is Scope.SHOWN:
            ids = list(self.shown_ids)
        else:
            specs = [s for s in self.range_edit.text().split(",") if s.strip()]
            if not specs:
                raise InvalidDataError("type article numbers or ranges, such as 1-50, 61")
            return assigning.resolve_articles(self.project, specs)
        if not ids:
            raise InvalidDataError("no article is selected in the article list")
        return ids

    def per_article(self) -> int | None:
        return self.k_spin.value() if self.round_robin_radio.isChecked() else None

    # -- preview ---------------------------------------------------------------------------------

    def refresh_preview(self) -> AssignmentPlan | None:
        """Plan with the form as it is, show it, and enable Apply if it would add something."""
        self.plan = None
        self.preview_table.setRowCount(0)
        if not self.editable:
            self.preview_label.setText("")
            self.apply_button.setEnabled(False)
            self.unassign_button.setEnabled(False)
            return None
        self.unassign_button.setEnabled(bool(self.checked_names()))
        try:
            names = self.checked_names()
            if not names:
                raise InvalidDataError("check the annotators to assign in the table above")
            plan = plan_assignment(self.project, names, self.per_article(), self.chosen_articles())
        except AnnotatorError as error:
            self._show_message(f"Nothing to apply: {error}.", ok=False)
            self.apply_button.setEnabled(False)
            return None
        self.plan = plan
        new = Counter(a for _, a in plan.added)
        self.preview_table.setRowCount(len(plan.annotators))
        for row, person in enumerate(plan.annotators):
            now = plan.per_person_now[person.id]
            values = (person.name, str(now), f"+{new[person.id]}", str(now + new[person.id]))
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.preview_table.setItem(row, column, cell)
        text = (
            f"Preview (nothing written yet): {len(plan.added)} new assignment(s) over "
            f"{plan.articles} article(s); {plan.kept} there already stay. "
            f"Afterwards, of these articles: {coverage_text(plan.coverage_after)}."
        )
        self._show_message(text, ok=True)
        self.apply_button.setEnabled(bool(plan.added))
        return plan

    def _show_message(self, text: str, *, ok: bool) -> None:
        self.preview_label.setText(text)
        self.preview_label.setStyleSheet("" if ok else ERROR_STYLE)

    # -- writing ---------------------------------------------------------------------------------

    def _may_write(self) -> bool:
        if not self.editable:
            return False
        if self.confirmed:
            return True
        answer = QMessageBox.question(
            self,
            "Assignments",
            "Nobody in this project has the reviewer role yet.\n"
            f"Change assignments as {self.person.name}? (Once someone is a reviewer, only "
            "reviewers can.)",
        )
        self.confirmed = answer == QMessageBox.StandardButton.Yes
        return self.confirmed

    def add_annotator(self) -> Annotator | None:
        name = self.name_edit.text().strip()
        if not name:
            self._show_message("Type the new annotator's name first.", ok=False)
            return None
        if "," in name or len(name) > 100:
            self._show_message(
                f"Not added: {name!r} — a name has no commas and at most 100 characters.",
                ok=False,
            )
            return None
        known = {a.name.casefold(): a.name for a in self.project.annotators.list()}
        if name.casefold() in known:
            self._show_message(f"Not added: {known[name.casefold()]} is there already.", ok=False)
            return None
        if not self._may_write():
            return None
        try:
            [person] = assigning.resolve_annotators(
                self.project, [name], create=True, actor=self.person.name
            )
        except AnnotatorError as error:
            self._show_message(f"Not added: {error}.", ok=False)
            return None
        self.name_edit.clear()
        checked = [*self.checked_names(), person.name]
        self.load()
        self.set_checked(checked)
        self._changed()
        return person

    def apply(self) -> assigning.AssignmentReport | None:
        plan = self.refresh_preview()
        if plan is None or not plan.added or not self._may_write():
            return None
        try:
            report = assigning.assign_articles(
                self.project,
                annotators=[a.name for a in plan.annotators],
                per_article=self.per_article(),
                articles=plan.article_ids,
                actor=self.person.name,
            )
        except AnnotatorError as error:
            self._show_message(f"Not applied: {error}.", ok=False)
            return None
        self.load()
        shares = ", ".join(f"{name} +{n}" for name, n in report.new_per_annotator.items())
        self._show_message(
            f"Applied: {len(report.added)} new assignment(s) ({shares}); "
            f"{report.kept} were there already.",
            ok=True,
        )
        self._changed()
        return report

    def unassign_pairs(self) -> list[tuple[str, str, str]]:
        """(article id, annotator id, name) that Unassign would remove with the form as it is."""
        people = assigning.resolve_annotators(self.project, self.checked_names(), create=False)
        articles = self.chosen_articles()
        chosen = None if articles is None else set(articles)
        return [
            (article_id, person.id, person.name)
            for person in people
            for article_id in self.project.assignments.articles_of(person.id)
            if chosen is None or article_id in chosen
        ]

    def unassign(self) -> int:
        """Take the chosen articles back from the checked annotators, after asking."""
        if not self.editable:
            return 0
        try:
            if self.scope() is Scope.UNASSIGNED:
                raise InvalidDataError("articles assigned to nobody have nothing to take back")
            if not self.checked_names():
                raise InvalidDataError("check the annotators to take articles from")
            pairs = self.unassign_pairs()
            articles = self.chosen_articles()
        except AnnotatorError as error:
            self._show_message(f"Nothing unassigned: {error}.", ok=False)
            return 0
        if not pairs:
            self._show_message(
                "Nothing unassigned: the checked annotators hold none of these articles.", ok=False
            )
            return 0
        per_person = Counter(name for _, _, name in pairs)
        shares = ", ".join(f"{name} {n}" for name, n in per_person.items())
        answer = QMessageBox.question(
            self,
            "Unassign",
            f"Take back {len(pairs)} assignment(s) ({shares})?\n\n"
            "Labels already made on those articles stay in the project; they are no longer "
            "in that person's list.",
        )
        if answer != QMessageBox.StandardButton.Yes or not self._may_write():
            return 0
        try:
            removed = assigning.unassign_articles(
                self.project,
                annotators=list(per_person),
                articles=articles,
                actor=self.person.name,
            )
        except AnnotatorError as error:
            self._show_message(f"Not unassigned: {error}.", ok=False)
            return 0
        self.load()
        self._show_message(
            f"Unassigned {len(removed)} assignment(s) ({shares}); their labels stay.", ok=True
        )
        self._changed()
        return len(removed)

    def _changed(self) -> None:
        self.changes += 1
        if self.on_changed is not None:
            self.on_changed()


class QtAssignmentsController:
    """The Review menu entry and what it opens."""

    def __init__(self, window: QtMainWindow) -> None:
        self.window = window
        self.dialog: QtAssignmentsDialog | None = None
        action = QAction("Assign&ments…", window)
        action.setShortcut(QKeySequence(SHORTCUT))
        action.setToolTip("Who annotates which articles; round robin; each person's progress")
        action.triggered.connect(lambda _checked=False: self.show())
        window._menus["&Review"].addAction(action)
        window.actions_by_name["Assignments…"] = action
        self.action = action

    def _list_ids(self) -> tuple[list[str], list[str]]:
        """Article ids selected in the window's list, and those it shows (after its filter)."""
        table = self.window.article_table
        model = table.model()
        shown = [
            str(model.index(r, 0).data(Qt.ItemDataRole.UserRole)) for r in range(model.rowCount())
        ]
        selection = table.selectionModel()
        rows = sorted({i.row() for i in selection.selectedIndexes()}) if selection else []
        selected = [str(model.index(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows]
        return selected, shown

    def show(self) -> QtAssignmentsDialog:
        window = self.window
        selected, shown = self._list_ids()
        dialog = QtAssignmentsDialog(
            window.project,
            window.annotator,
            selected_ids=selected,
            shown_ids=shown,
            on_changed=window.reload_articles,
            parent=window,
        )
        self.dialog = dialog
        window._run_dialog(dialog)
        self.dialog = None
        if dialog.changes:
            window.statusBar().showMessage(
                "Assignments changed; the article list is updated.", 6000
            )
        return dialog


def install_assignments(window: QtMainWindow) -> QtAssignmentsController:
    """Add Review → Assignments… (Ctrl+Shift+M)."""
    return QtAssignmentsController(window)


__all__ = [
    "Access",
    "AssignmentPlan",
    "QtAssignmentsController",
    "QtAssignmentsDialog",
    "Scope",
    "access_for",
    "install_assignments",
    "plan_assignment",
]
