"""Importing articles: text and JSONL, normalisation, duplicates, bad input that imports nothing."""

import json
from pathlib import Path

import pytest

from annotator.domain.offsets import text_sha256
from annotator.formats.article_records import FieldMapping
from annotator.services.importing import import_paths
from annotator.storage.project import Project


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def test_text_file_is_normalised_and_titled(project: Project, tmp_path: Path) -> None:
    raw = "Troops arrive in Vilnius\r\n\r\nThe minister said 🇳🇴 “yes”.\r\nCafe\u0301 closed.\r\n"
    (tmp_path / "story.txt").write_bytes(raw.encode("utf-8"))
    report = import_paths(project, [tmp_path / "story.txt"])
    assert report.imported == 1 and not report.failed
    article = next(project.articles.iter_all())
    assert article.title == "Troops arrive in Vilnius"
    assert article.text == "The minister said 🇳🇴 “yes”.\nCafé closed.\n"
    assert "\r" not in article.text
    assert article.sha256 == text_sha256(article.text)
    assert article.external_id == "story"


def test_folder_of_text_files(project: Project, tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"a{n}.txt").write_text(f"Headline number {n}\nBody {n}.", "utf-8")
    (tmp_path / "notes.md").write_text("ignored", "utf-8")
    report = import_paths(project, [tmp_path])
    assert report.imported == 3
    assert [s.title for s in project.articles.summaries()] == [
        "Headline number 0",
        "Headline number 1",
        "Headline number 2",
    ]
    # What an export groups splits by: the summaries' id, source and date, in that order.
    assert project.articles.keys() == [
        (s.id, s.source, s.published) for s in project.articles.summaries()
    ]


def test_jsonl_fields_and_metadata(project: Project, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "text": "Body one.",
                "title": "One",
                "url": "https://example.org/1",
                "date": "2026-01-02",
                "source": "Ledger",
                "id": "x1",
                "section": "world",
            },
        ],
    )
    import_paths(project, [path])
    article = next(project.articles.iter_all())
    assert (article.title, article.url, article.published, article.source, article.external_id) == (
        "One",
        "https://example.org/1",
        "2026-01-02",
        "Ledger",
        "x1",
    )
    assert article.meta == {"section": "world"}


def test_custom_field_mapping(project: Project, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"body_text": "Story.", "headline_en": "H"}])
    mapping = FieldMapping().with_overrides(text="body_text", title="headline_en")
    report = import_paths(project, [path], mapping=mapping)
    assert report.imported == 1
    assert next(project.articles.iter_all()).title == "H"


def test_malformed_line_imports_nothing_and_names_the_line(project: Project, tmp_path: Path):
    path = tmp_path / "ten.jsonl"
    lines = [json.dumps({"text": f"Article {n}."}) for n in range(1, 11)]
    lines[6] = '{"text": "Article 7." '  # line 7: broken JSON
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = import_paths(project, [path])
    assert report.imported == 0
    assert len(report.failed) == 1
    error = report.failed[0].error
    assert error is not None and error.startswith(f"{path}:7: invalid JSON")
    assert project.articles.count() == 0


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"title": "no text"}, "no text field"),
        ({"text": "   "}, "the text field is empty"),
        ({"text": 42}, "must be a string"),
    ],
)
def test_bad_record_is_reported_with_its_line(project: Project, tmp_path: Path, record, reason):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "Fine."}, record])
    report = import_paths(project, [path])
    assert report.failed[0].error == f"{path}:2: {reason}" or reason in report.failed[0].error
    assert f"{path}:2:" in report.failed[0].error
    assert project.articles.count() == 0


def test_non_object_line_and_empty_file(project: Project, tmp_path: Path) -> None:
    listing = tmp_path / "list.jsonl"
    listing.write_text('["a", "b"]\n', "utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", "utf-8")
    report = import_paths(project, [listing, empty])
    assert "list.jsonl:1: expected a JSON object" in report.failed[0].error
    assert report.failed[1].error.endswith("empty.jsonl: the file is empty")


def test_invalid_utf8_text_file(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Headline here\nCaf\xe9 au lait".encode("latin-1"))
    report = import_paths(project, [path])
    assert "not UTF-8 text (invalid byte at offset" in report.failed[0].error
    assert project.articles.count() == 0


def test_duplicates_are_skipped_and_reimport_adds_nothing(project: Project, tmp_path: Path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"text": "Same\nstory.", "id": "a"},
            {"text": "Same\r\nstory.", "id": "b"},
            {"text": "Other story.", "id": "c"},
        ],
    )
    first = import_paths(project, [path])
    assert first.imported == 2
    assert first.files[0].duplicates == ["b"]  # CRLF normalises to the same text
    second = import_paths(project, [path])
    assert second.imported == 0 and second.duplicates == 3
    assert project.articles.count() == 2
