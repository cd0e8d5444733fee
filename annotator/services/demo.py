"""The demo project: the bundled sample articles in a project in the user's data folder."""

from __future__ import annotations

from pathlib import Path

from annotator.domain.schema import default_schema
from annotator.resources import resource
from annotator.services.importing import import_paths
from annotator.storage.project import Project

DEMO_FILE = "demo.annotator"


def demo_articles_file() -> Path:
    return Path(str(resource("samples", "articles.jsonl")))


def ensure_demo_project(folder: Path) -> Path:
    """Create the demo project in ``folder`` unless it is already there; return its path."""
    path = folder / DEMO_FILE
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{DEMO_FILE}.partial"
    for leftover in folder.glob(f".{DEMO_FILE}.partial*"):
        leftover.unlink()
    with Project.create(partial, schema=default_schema(), name="Annotator demo") as project:
        report = import_paths(project, [demo_articles_file()])
        if report.failed:
            raise RuntimeError(report.failed[0].error)
    partial.rename(path)
    return path
