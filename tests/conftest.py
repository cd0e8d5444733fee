"""Shared test setup: Qt runs offscreen and the app's folders point into the test's tmp dir."""

import os

# Without a display Qt aborts the process (exit 134) before pytest can print a summary.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_app_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path_factory.mktemp("appdirs")
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("ANNOTATOR_CONFIG_DIR", str(root / "config"))
