"""Help → About: version, licence, and where the project, the data and the settings live."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator import APP_NAME, __version__
from annotator.resources import resource
from annotator.settings import config_dir, data_dir

#: The freedesktop application id: the .desktop file, icon and AppStream names on Linux.
DESKTOP_ID = "io.github.annotator.Annotator"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
DESCRIPTION = "Entities, quotes and stances in news articles."


def application_icon() -> QIcon:
    """The app's icon in every rendered size (the window icon, the About dialog)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = Path(str(resource("icons", f"annotator-{size}.png")))
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon


def licence() -> str:
    """The licence the installed distribution declares (MIT)."""
    try:
        meta = metadata("annotator")
    except PackageNotFoundError:
        return "MIT"
    declared = meta.get_all("License-Expression") or meta.get_all("License") or ["MIT"]
    return str(declared[0])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _folder_link(folder: Path, shown: Path) -> str:
    """``shown`` as a link that opens ``folder`` in the file manager."""
    url = QUrl.fromLocalFile(str(folder)).toString()
    return f'<a href="{_escape(url)}">{_escape(str(shown))}</a>'


class QtAboutDialog(QDialog):
    """Name, version, licence, the open project's file, the data and the settings folders.

    ``fields`` holds the plain values shown (for tests and for "Copy details").
    """

    def __init__(self, project_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        icon = application_icon()
        self.setWindowIcon(icon)
        project = str(project_path.resolve()) if project_path is not None else "no project open"
        self.fields: dict[str, str] = {
            "Version": __version__,
            "Licence": licence(),
            "Project file": project,
            "Data folder": str(data_dir()),
            "Settings folder": str(config_dir()),
        }

        picture = QLabel(self)
        picture.setObjectName("aboutIcon")
        picture.setPixmap(icon.pixmap(QSize(96, 96)))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)

        title = QLabel(f"<b>{APP_NAME} {_escape(__version__)}</b>", self)
        title.setObjectName("aboutTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        title.setFont(font)
        summary = QLabel(DESCRIPTION, self)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.value_labels: dict[str, QLabel] = {}
        links = {
            "Data folder": _folder_link(data_dir(), data_dir()),
            "Settings folder": _folder_link(config_dir(), config_dir()),
        }
        if project_path is not None:
            resolved = project_path.resolve()
            links["Project file"] = _folder_link(resolved.parent, resolved)
        for name, value in self.fields.items():
            label = QLabel(links.get(name) or _escape(value), self)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            label.setOpenExternalLinks(True)
            label.setToolTip(value)
            form.addRow(f"{name}:", label)
            self.value_labels[name] = label

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("&Copy details", self)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        self.copy_button = copy

        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(summary)
        text.addSpacing(8)
        text.addLayout(form)
        top = QHBoxLayout()
        top.addWidget(picture)
        top.addSpacing(12)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def details(self) -> str:
        """The fields as plain text, one per line (what "Copy details" puts on the clipboard)."""
        lines = [f"{APP_NAME} {__version__}"]
        lines += [f"{name}: {value}" for name, value in self.fields.items() if name != "Version"]
        return "\n".join(lines)

    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.details())
