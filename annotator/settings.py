"""Where the application keeps its data and settings (the platform's standard folders)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

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
