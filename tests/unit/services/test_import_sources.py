"""Importing article sources: HTML, CSV, JSON arrays, zips, boilerplate, bad and huge files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from annotator.formats.article_records import FieldMapping
from annotator.services.importing import collect_files, import_paths
from annotator.storage.project import Project

PAGE = """<!doctype html><html lang="en"><head>
<title>Norway to send troops | Northern Ledger</title>
<meta name="author" content="Maren Solberg">
<meta property="og:site_name" content="Northern Ledger">
<meta property="og:title" content="Norway to send 800 troops to Lithuania">
<meta name="date" content="2026-03-12">
<link rel="canonical" href="https://example.org/norway-troops">
<script>window.tracking = {"a": 1};</script></head>
<body><header>
<nav><a href="/">Home</a> | <a href="/world">World</a> | Skip to content</nav></header>
<div class="share"><button>Share on Facebook</button><button>Share on X</button></div>
<article><h1>Norway to send 800 troops to Lithuania</h1>
<p>OSLO — Norway will send 800 soldiers to a multinational training mission in Lithuania this
spring, the Defence Ministry announced on Wednesday, a decision welcomed by allied officials.</p>
<p>Colonel Ingrid Halvorsen told reporters in Oslo: “This deployment is defensive in nature and
limited in time. Our soldiers will train alongside partners.” 🇳🇴</p>
<p>Critics said the mission had no exit date, according to Torbjørn Lie of the Coastal Alliance,
who warned that the cost would rise.</p></article>
<aside>Join us on social!</aside>
<footer>© 2026 Northern Ledger. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>"""


def test_html_page_keeps_the_article_and_drops_the_furniture(project: Project, tmp_path: Path):
    (tmp_path / "norway.html").write_text(PAGE, "utf-8")
    report = import_paths(project, [tmp_path / "norway.html"])
    assert not report.failed, report.failed[0].error
    article = next(project.articles.iter_all())
    assert "Norway" in article.title
    assert article.author == "Maren Solberg"
    assert article.source == "Northern Ledger"
    assert article.published == "2026-03-12"
    assert "Colonel Ingrid Halvorsen told reporters" in article.text
    assert "🇳🇴" in article.text
    for furniture in ("Share on", "Skip to content", "All rights reserved", "tracking", "Home"):
        assert furniture not in article.text
    paragraphs = article.text.split("\n")
    assert len(paragraphs) == 3 and paragraphs[0].startswith("OSLO")


def test_html_that_is_not_an_article_is_refused(project: Project, tmp_path: Path) -> None:
    menu = "<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav></body></html>"
    (tmp_path / "menu.html").write_text(menu, "utf-8")
    report = import_paths(project, [tmp_path / "menu.html"])
    assert "menu.html: no article found in this page" in report.failed[0].error
    assert project.articles.count() == 0


def test_csv_with_mapping_and_a_bad_row(project: Project, tmp_path: Path) -> None:
    good = tmp_path / "news.csv"
    good.write_text(
        "headline,body,outlet,pubdate\r\n"
        '"Troops, again","Line one.\r\nLine two 😀.",Ledger,2026-01-02\r\n'
        'Second,"Other story.",Wire,2026-01-03\r\n',
        "utf-8",
    )
    mapping = FieldMapping().with_overrides(
        text="body", title="headline", source="outlet", published="pubdate"
    )
    report = import_paths(project, [good], mapping=mapping)
    assert report.imported == 2, report.failed
    first = next(project.articles.iter_all())
    assert (first.title, first.text, first.source, first.published) == (
        "Troops, again",
        "Line one.\nLine two 😀.",
        "Ledger",
        "2026-01-02",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("title,text\nA,first\nB,\n", "utf-8")
    report = import_paths(project, [bad])
    assert report.failed[0].error.startswith(f"{bad}:3: ")
    assert "no text field" in report.failed[0].error or "empty" in report.failed[0].error


def test_json_array_of_records(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"text": "One.", "title": "1"}, {"text": "Two.", "title": "2"}]))
    assert import_paths(project, [path]).imported == 2
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps([{"text": "One."}, {"title": "no text"}]))
    assert "b.json: record 2: no text field" in import_paths(project, [bad]).failed[0].error


def test_zip_of_articles(project: Project, tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("2026/a.txt", "Headline A here\nStory A.")
        zipped.writestr("2026/b.txt", "Headline B here\nStory B.")
        zipped.writestr("notes/readme.md", "ignored")
    report = import_paths(project, [archive])
    assert report.imported == 2 and not report.failed
    assert {s.title for s in project.articles.summaries()} == {"Headline A here", "Headline B here"}


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt"])
def test_zip_with_paths_outside_is_refused_and_writes_nothing(project, tmp_path, name) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("fine.txt", "Headline fine\nStory.")
        zipped.writestr(name, "Headline evil\nStory.")
    report = import_paths(project, [archive])
    assert "points outside the folder" in report.failed[0].error
    assert project.articles.count() == 0
    assert not (tmp_path.parent / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_zip_bomb_is_refused(project: Project, tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("big.txt", "A" * 50_000_000)
    report = import_paths(project, [archive])
    assert "zip bomb" in report.failed[0].error
    assert project.articles.count() == 0


def test_two_gigabyte_files_get_a_clear_message(project: Project, tmp_path: Path) -> None:
    for name in ("huge.txt", "huge.jsonl"):
        with (tmp_path / name).open("wb") as handle:
            handle.truncate(2 * 1024**3)  # sparse: costs no disk
    report = import_paths(project, [tmp_path / "huge.txt", tmp_path / "huge.jsonl"])
    errors = [f.error for f in report.failed]
    assert "too large to read at once (2.0 GB" in errors[0]
    assert (
        errors[1]
        == f"{tmp_path / 'huge.jsonl'}:1: line is longer than 64 MB; not a JSON Lines file?"
    )
    assert project.articles.count() == 0


@pytest.mark.parametrize(
    "name", ["empty.txt", "empty.jsonl", "empty.csv", "empty.json", "empty.html"]
)
def test_empty_files_are_refused(project: Project, tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    report = import_paths(project, [tmp_path / name])
    assert report.failed and "empty" in report.failed[0].error


def test_boilerplate_trimming_only_when_asked_and_reported(project: Project, tmp_path: Path):
    scraped = (
        "Skip to content\nText Size\nA - A +\nClose\nTroops arrive in Vilnius\n"
        "The first soldiers landed on Monday.\nJoin us on social!\n"
        "© 2026 Northern Ledger. All rights reserved.\nTop\n"
    )
    (tmp_path / "kept.txt").write_text(scraped, "utf-8")
    kept = import_paths(project, [tmp_path / "kept.txt"])
    assert kept.files[0].trimmed == []
    kept_article = next(project.articles.iter_all())
    assert "Text Size" in kept_article.text and "All rights reserved" in kept_article.text
    (tmp_path / "trimmed.txt").write_text(scraped.replace("Monday", "Tuesday"), "utf-8")
    trimmed = import_paths(project, [tmp_path / "trimmed.txt"], trim_boilerplate=True)
    assert trimmed.files[0].trimmed == [
        "Skip to content",
        "Text Size",
        "A - A +",
        "Close",
        "Join us on social!",
        "© 2026 Northern Ledger. All rights reserved.",
        "Top",
    ]
    article = project.articles.get(project.articles.ids()[-1])
    assert article.title == "Troops arrive in Vilnius"
    assert article.text == "The first soldiers landed on Tuesday."


def test_formats_are_recognised(tmp_path: Path) -> None:
    (tmp_path / "native.jsonl").write_text('{"format": "annotator-jsonl", "version": 1}\n')
    (tmp_path / "doccano.jsonl").write_text('{"text": "a", "label": [[0, 1, "PER"]]}\n')
    (tmp_path / "prodigy.jsonl").write_text('{"text": "a", "spans": [], "answer": "accept"}\n')
    (tmp_path / "articles.jsonl").write_text('{"text": "a"}\n')
    (tmp_path / "ls.json").write_text('[{"data": {"text": "a"}, "annotations": []}]')
    (tmp_path / "doc.txt").write_text("a")
    (tmp_path / "doc.ann").write_text("")
    (tmp_path / "page.htm").write_text("<p>a</p>")
    kinds = {p.name: k for p, k in collect_files([tmp_path])}
    assert kinds == {
        "native.jsonl": "native",
        "doccano.jsonl": "doccano",
        "prodigy.jsonl": "prodigy",
        "articles.jsonl": "jsonl",
        "ls.json": "label-studio",
        "doc.txt": "brat",
        "page.htm": "html",
    }
