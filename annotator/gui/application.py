"""Starting the Qt application."""

from __future__ import annotations

import sys
from pathlib import Path


def run_application(project: Path | None) -> int:
    # The annotation window arrives with the workspace; until then say where the project is.
    if project is not None:
        print(f"Project: {project}", file=sys.stdout)
    return 0
