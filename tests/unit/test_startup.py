"""Start-up stays light: the command line and the window import no heavy packages."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "spacy", "pyqtgraph", "datasets", "sklearn")


def _imported_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    )
    loaded = set(done.stdout.split())
    return [name for name in HEAVY if name in loaded]


def test_the_command_line_starts_without_heavy_packages() -> None:
    # sqlite-utils would import pandas and numpy when installed; they are not needed to start.
    assert _imported_after("import annotator.cli") == []


def test_the_window_module_starts_without_heavy_packages() -> None:
    assert _imported_after("import annotator.gui.main_window") == []


def test_pandas_and_numpy_stay_importable_after_the_lean_start() -> None:
    code = (
        "import annotator.storage.project, sqlite_utils.db as d, numpy, pandas; "
        "print(d.pd is None, d.np is None, numpy.__name__, pandas.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "numpy", "pandas"]
