"""The command line as scripts use it: commands, exit codes, and one-sentence errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator import __version__
from annotator.resources import resource

SAMPLES = Path(str(resource("samples", "articles.jsonl")))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(*args: str, cwd: Path) -> str:
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def test_version(tmp_path: Path) -> None:
    assert ok("--version", cwd=tmp_path).strip() == f"annotator {__version__}"


def test_init_import_export_reimport_is_identical(tmp_path: Path) -> None:
    ok("init", "p.annotator", cwd=tmp_path)
    printed = ok("import", "p.annotator", str(SAMPLES), cwd=tmp_path)
    assert "Imported 6 article(s)" in printed
    ok("export", "p.annotator", "--format", "jsonl", "--out", "out.jsonl", cwd=tmp_path)
    ok("init", "q.annotator", cwd=tmp_path)
    ok("import", "q.annotator", "out.jsonl", cwd=tmp_path)
    ok("export", "q.annotator", "--format", "jsonl", "--out", "out2.jsonl", cwd=tmp_path)
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "out2.jsonl").read_bytes()
    stats = json.loads(ok("stats", "q.annotator", "--json", cwd=tmp_path))
    assert stats["articles"] == 6
    assert set(stats["labels"]) == {"mentions", "entities", "quotes", "stances", "document_labels"}
    assert "Articles: 6" in ok("stats", "q.annotator", cwd=tmp_path)


def test_init_with_schema_file(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(
        'name = "tiny"\n[[entity_types]]\nname = "PER"\nhotkey = 1\n', "utf-8"
    )
    assert "1 entity types" in ok("init", "p.annotator", "--schema", "s.toml", cwd=tmp_path)


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ("stats", "missing.annotator"), "missing.annotator: no such project file"),
        ("notes", ("stats", "notes.txt"), "notes.txt: not an Annotator project"),
        ("bad-jsonl", ("import", "p.annotator", "bad.jsonl"), "bad.jsonl:3: invalid JSON"),
        ("p", ("import", "p.annotator", "nowhere.txt"), "nowhere.txt: no such file or folder"),
        ("p", ("export", "p.annotator", "--format", "xml", "--out", "o"), "unknown export format"),
        ("bad-schema", ("init", "x.annotator", "--schema", "s.toml"), "hotkey 1 is used by both"),
    ],
)
def test_user_mistakes_are_one_sentence_on_stderr(tmp_path: Path, setup, args, message) -> None:
    if setup == "notes":
        (tmp_path / "notes.txt").write_text("just notes\n" * 20)
    if setup in ("bad-jsonl", "p"):
        ok("init", "p.annotator", cwd=tmp_path)
    if setup == "bad-jsonl":
        (tmp_path / "bad.jsonl").write_text('{"text": "a"}\n{"text": "b"}\n{"text": \n')
    if setup == "bad-schema":
        (tmp_path / "s.toml").write_text(
            '[[entity_types]]\nname = "PER"\nhotkey = 1\n'
            '[[entity_types]]\nname = "ORG"\nhotkey = 1\n'
        )
    result = run(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("annotator: ")
    if setup == "bad-schema":
        assert not (tmp_path / "x.annotator").exists()


def test_demo_without_window_creates_a_reusable_project(tmp_path: Path) -> None:
    first = ok("demo", "--no-gui", cwd=tmp_path).strip()
    second = ok("demo", "--no-gui", cwd=tmp_path).strip()
    assert first == second and Path(first).exists()
    stats = json.loads(ok("stats", first, "--json", cwd=tmp_path))
    assert stats["articles"] == 6
