"""Gazetteer files: checked line by line, refused whole on any bad line, then matched."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.errors import InvalidDataError
from annotator.domain.schema import default_schema
from annotator.services.gazetteer import import_gazetteer, parse_gazetteer
from annotator.services.propagation import EntityLexicon
from annotator.storage.project import Project
from annotator.storage.suggestions import GazetteerEntry

SCHEMA = default_schema()


def test_parse_skips_comments_blanks_and_repeats() -> None:
    text = "# people\nPER\tRasa Vaitkutė\n\nORG\tCoastal Alliance \r\nPER\tRasa Vaitkutė\n"
    assert parse_gazetteer(text, schema=SCHEMA) == [
        GazetteerEntry("PER", "Rasa Vaitkutė"),
        GazetteerEntry("ORG", "Coastal Alliance"),
    ]


def test_phrases_are_normalised_like_article_text() -> None:
    [entry] = parse_gazetteer("PER\tCafe\u0301 Owner", schema=SCHEMA)
    assert entry.phrase == "Café Owner"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PER Rasa Vaitkutė", "g.tsv:1: expected LABEL<TAB>PHRASE, found no tab"),
        ("PERSON\tRasa", "g.tsv:1: label 'PERSON' is not in the schema (labels: EVENT, GPE,"),
        ("PER\t", "g.tsv:1: the phrase is empty"),
        ("PER\tRasa\tVaitkutė", "g.tsv:1: expected one tab, found more"),
        ("PER\the", "g.tsv:1: 'he' cannot be matched"),
        ("PER\tJordan\n\nGPE\tJordan", "g.tsv:3: 'Jordan' is GPE here but PER on line 1"),
    ],
)
def test_bad_lines_are_named(text: str, message: str) -> None:
    with pytest.raises(InvalidDataError) as error:
        parse_gazetteer(text, schema=SCHEMA, source="g.tsv")
    assert message in str(error.value)
    assert "nothing was imported" in str(error.value)


def test_every_bad_line_is_listed_up_to_ten() -> None:
    text = "\n".join(f"BAD\tname {n}" for n in range(15))
    with pytest.raises(InvalidDataError) as error:
        parse_gazetteer(text, schema=SCHEMA, source="g.tsv")
    message = str(error.value)
    assert "g.tsv:1:" in message and "g.tsv:10:" in message and "g.tsv:11:" not in message
    assert "and 5 more problem(s)" in message


def test_import_into_the_project_then_match(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "names.tsv"
    path.write_text("PER\tRasa Vaitkutė\nORG\tCoastal Alliance\nORG\tCoastal Alliance\n", "utf-8")
    report = import_gazetteer(project, path, actor="alice")
    assert (report.read, report.changed, report.duplicates, report.total) == (2, 2, 1, 2)
    # Importing again changes nothing; a new label for a phrase replaces the old one.
    assert import_gazetteer(project, path).changed == 0
    path.write_text("GPE\tCoastal Alliance\n", "utf-8")
    assert import_gazetteer(project, path).changed == 1
    assert GazetteerEntry("GPE", "Coastal Alliance") in project.suggestions.gazetteer()
    assert project.audit.recent(limit=1)[0].target_type == "gazetteer"
    lexicon = EntityLexicon.from_project(project)
    text = "Rasa Vaitkutė met the Coastal Alliance."
    found = [(text[m.start : m.end], m.label, m.source) for m in lexicon.match(text)]
    assert found == [
        ("Rasa Vaitkutė", "PER", "gazetteer"),
        ("Coastal Alliance", "GPE", "gazetteer"),
    ]


def test_a_bad_file_leaves_the_gazetteer_unchanged(project: Project, tmp_path: Path) -> None:
    good = tmp_path / "good.tsv"
    good.write_text("PER\tRasa Vaitkutė\n", "utf-8")
    import_gazetteer(project, good)
    bad = tmp_path / "bad.tsv"
    bad.write_text("ORG\tCoastal Alliance\nXYZ\tOslo\n", "utf-8")
    with pytest.raises(InvalidDataError, match=r"bad\.tsv:2: label 'XYZ'"):
        import_gazetteer(project, bad)
    assert project.suggestions.gazetteer() == [GazetteerEntry("PER", "Rasa Vaitkutė")]


def test_unreadable_files(project: Project, tmp_path: Path) -> None:
    latin = tmp_path / "latin.tsv"
    latin.write_bytes("PER\tVaitkut\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidDataError, match=r"latin\.tsv:1: not UTF-8 text \(byte 11\)"):
        import_gazetteer(project, latin)
    with pytest.raises(InvalidDataError, match="no such gazetteer file"):
        import_gazetteer(project, tmp_path / "missing.tsv")
    assert project.suggestions.gazetteer() == []
