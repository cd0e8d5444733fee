"""Composition root of the desktop application: open the project, build the window, run."""

from __future__ import annotations

from pathlib import Path


def run(project: Path | None) -> int:
    """Start the window on ``project``; returns the process exit code."""
    from annotator.gui.application import run_application

    return run_application(project)
