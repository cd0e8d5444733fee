"""Where the application keeps its data and settings (the platform's standard folders)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field

from annotator import APP_NAME


def data_dir() -> Path:
    """The user data folder; ``ANNOTATOR_DATA_DIR`` overrides it (tests, portable installs)."""
    override = os.environ.get("ANNOTATOR_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    override = os.environ.get("ANNOTATOR_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


class Preferences(BaseModel):
    """The user's preferences, saved as JSON in the config folder (never pickled)."""

    model_config = ConfigDict(extra="ignore")

    annotator_name: str | None = None
    snap_to_words: bool = True
    font_point_size: int = Field(default=12, ge=6, le=48)
    last_project: str | None = None
    #: Rolling backups (services/backup.py): on open and every N minutes of work, keep K.
    backups_enabled: bool = True
    backup_interval_minutes: int = Field(default=10, ge=1, le=24 * 60)
    backup_keep: int = Field(default=10, ge=1, le=1000)

    @classmethod
    def load(cls, path: Path | None = None) -> Preferences:
        path = path or preferences_path()
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            return cls()  # missing or unreadable: start from the defaults

    def save(self, path: Path | None = None) -> None:
        path = path or preferences_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        os.replace(temporary, path)


def preferences_path() -> Path:
    return config_dir() / "preferences.json"
