"""`annotator assign`, `pack` and `merge` as a project lead scripts them."""

from __future__ import annotations

from pathlib import Path

from annotator.domain.annotations import Mention
from annotator.services.annotation import ArticleSession
from annotator.storage.project import Project
from tests.unit.test_cli import SAMPLES, ok, run


def label_first_article(path: Path, name: str, start: int, end: int) -> None:
    """Label in a project file as the window does (one session per article)."""
    with Project.open(path) as project:
        person = project.annotators.by_name(name)
        assert person is not None
        first = project.assignments.articles_of(person.id)[0]
        ArticleSession(project, project.articles.get(first), person).add(
            Mention(start=start, end=end, label="PER")
        )


def test_assign_pack_merge_merge_again_and_conflicts(tmp_path: Path) -> None:
    ok("init", "p.annotator", cwd=tmp_path)
    ok("import", "p.annotator", str(SAMPLES), cwd=tmp_path)
    printed = ok(
        "assign",
        "p.annotator",
        "--annotators",
        "alice,bob,carol",
        "--per-article",
        "2",
        cwd=tmp_path,
    )
    assert "Assigned 12 article(s) over 6 article(s) (alice +4, bob +4, carol +4)" in printed
    listing = ok("assign", "p.annotator", "--list", cwd=tmp_path)
    assert "by number of annotators: 0 annotator(s): 0, 2 annotator(s): 6" in listing
    mine = ok("assign", "p.annotator", "--list", "--annotators", "alice", cwd=tmp_path)
    assert mine.count("  alice  todo") == 4

    printed = ok("pack", "p.annotator", "--annotator", "alice", "--out", "alice.pack", cwd=tmp_path)
    assert "Packed 4 article(s) (assigned) and 0 set(s) of alice into alice.pack." in printed
    label_first_article(tmp_path / "alice.pack", "alice", 0, 4)

    printed = ok("merge", "p.annotator", "alice.pack", cwd=tmp_path)
    assert "alice.pack: 1 set(s) of alice: 1 added, 0 unchanged" in printed
    printed = ok("merge", "p.annotator", "alice.pack", cwd=tmp_path)
    assert "alice.pack: 1 set(s) of alice: 1 unchanged" in printed

    # Both sides change alice's set: reported, exit 1, the project's version stays.
    label_first_article(tmp_path / "alice.pack", "alice", 5, 9)
    label_first_article(tmp_path / "p.annotator", "alice", 10, 14)
    result = run("merge", "p.annotator", "alice.pack", cwd=tmp_path)
    assert result.returncode == 1
    assert "conflict: alice on" in result.stdout
    assert ") changed in both since the pack; kept the project's" in result.stdout
    assert "mentions: 1 only in the project, 1 only in the pack" in result.stdout
    assert "Rerun with --prefer theirs" in result.stdout
    dry = run("merge", "p.annotator", "alice.pack", "--prefer", "theirs", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and "1 theirs" in dry.stdout and "nothing was written" in dry.stdout
    assert run("merge", "p.annotator", "alice.pack", cwd=tmp_path).returncode == 1
    printed = ok("merge", "p.annotator", "alice.pack", "--prefer", "theirs", cwd=tmp_path)
    assert "1 theirs" in printed
    assert "1 unchanged" in ok("merge", "p.annotator", "alice.pack", cwd=tmp_path)


def test_merge_refuses_other_projects_and_broken_files_by_name(tmp_path: Path) -> None:
    for name in ("p", "q"):
        ok("init", f"{name}.annotator", cwd=tmp_path)
        ok("import", f"{name}.annotator", str(SAMPLES), cwd=tmp_path)
        ok("assign", f"{name}.annotator", "--annotators", "alice", cwd=tmp_path)
    ok("pack", "q.annotator", "--annotator", "alice", "--out", "q-alice.pack", cwd=tmp_path)
    ok("pack", "p.annotator", "--annotator", "alice", "--out", "p-alice.pack", cwd=tmp_path)
    data = (tmp_path / "p-alice.pack").read_bytes()
    (tmp_path / "cut.pack").write_bytes(data[: len(data) // 3])
    (tmp_path / "notes.pack").write_text("not a project\n", "utf-8")

    result = run(
        "merge",
        "p.annotator",
        "q-alice.pack",
        "cut.pack",
        "notes.pack",
        "p-alice.pack",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "q-alice.pack: a pack of project 'q'" in result.stderr
    assert "not of 'p'" in result.stderr and "nothing merged" in result.stderr
    assert "cut.pack: the project file is truncated" in result.stderr
    assert "notes.pack: not an Annotator project" in result.stderr
    # The good file among them is merged all the same.
    assert "p-alice.pack: 0 set(s) of alice: 0 unchanged" in result.stdout


def test_pack_and_assign_mistakes_are_one_sentence(tmp_path: Path) -> None:
    ok("init", "p.annotator", cwd=tmp_path)
    ok("import", "p.annotator", str(SAMPLES), cwd=tmp_path)
    ok("assign", "p.annotator", "--annotators", "alice", "--articles", "1-2", cwd=tmp_path)
    result = run("pack", "p.annotator", "--annotator", "zoe", "--out", "z.pack", cwd=tmp_path)
    assert result.returncode == 1
    assert "no annotator named 'zoe' in p.annotator (known: alice)" in result.stderr
    result = run("assign", "p.annotator", "--annotators", "a,b", "--per-article", "3", cwd=tmp_path)
    assert result.returncode == 1
    assert "needs at least 3 annotators; 2 given" in result.stderr
    result = run("assign", "p.annotator", "--annotators", "a", "--articles", "9", cwd=tmp_path)
    assert "no article with the id, external id or number '9'" in result.stderr
    result = run("merge", "p.annotator", "x.pack", "--prefer", "mine", cwd=tmp_path)
    assert result.returncode == 1 and "--prefer takes theirs or ours" in result.stderr
    assert not (tmp_path / "z.pack").exists()
