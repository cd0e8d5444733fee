"""Killing the process right after a label was added loses nothing; the binding survives load."""

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from annotator.storage.project import Project


def test_sigkill_after_labelling_loses_nothing(project_path: Path) -> None:
    script = Path(__file__).with_name("kill_session.py")
    needles = ["Ingrid Halvorsen", "Henrik Aasland", "Rasa Vaitkutė"]
    reported = []
    with subprocess.Popen(
        [sys.executable, str(script), str(project_path), *needles],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).parents[2],
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("LABELLED"):
                reported.append(line.split(" ", 1)[1].strip())
            if line.startswith("READY"):
                break
        # Killed the moment the last label was reported: no close, no checkpoint.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert reported == needles
    conn = sqlite3.connect(project_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Project.open(project_path) as project:
        annotator = project.annotators.by_name("crash")
        assert annotator is not None
        (info,) = project.sets.for_annotator(annotator.id)
        saved = project.sets.load(info.id)
        text = project.articles.get(info.article_id).text
        assert sorted(text[m.start : m.end] for m in saved.mentions) == sorted(needles)


def test_void_method_calls_do_not_crash_the_binding() -> None:
    """PySide6 6.12.0 on Python 3.11 aborts after a few thousand calls returning None."""
    code = (
        "from PySide6.QtCore import QPoint\n"
        "p = QPoint()\n"
        "for i in range(200_000):\n"
        "    p.setX(i)\n"
        "print(p.x())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "199999"
