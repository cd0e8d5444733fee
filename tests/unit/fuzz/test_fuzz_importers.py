"""Every importer meets hostile files: only our own clear errors, no hang, nothing written around.

Three sweeps per importer, all through ``import_paths`` (and ``preview``) into a real project in
a watched sandbox (``harness.Sandbox``):

* hypothesis cases (random bytes, truncations, byte edits, other encodings, hostile JSON values,
  format-specific mutations), reproducible (derandomized), with a per-case deadline;
* truncations of the valid sample (spread over every length; every one in the bench);
* the deterministic catalogue (each JSON value swapped for 1e400, 10**10000, 100,000 levels of
  nesting, NUL, lone surrogates...; UTF-16 with and without BOM, invalid UTF-8...).

A longer run: ``python tests/bench/bench_fuzz.py --examples 2000``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from annotator.domain.offsets import Utf16Index, text_sha256
from annotator.domain.schema import default_schema
from annotator.services.importing import import_paths
from annotator.storage.project import Project
from tests.unit.fuzz import harness
from tests.unit.fuzz.harness import IMPORTERS, Sandbox, project_state

#: Cases per importer for the deterministic sweeps in the default run (the bench runs them all).
PREFIX_BUDGET = 120
CATALOGUE_BUDGET = 150
#: HTML goes through trafilatura (~10 ms a page) and a DocBin through a new blank spaCy
#: pipeline (~50 ms): fewer deterministic cases keep the suite short.
SLOW = {"html": 4, "spacy": 6}


def _budget(name: str, budget: int) -> int:
    return budget // SLOW.get(name, 1)


#: Each test is bounded; a hang fails it instead of stalling the suite.
pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def sandbox(tmp_path: Path):
    made = Sandbox(tmp_path / "sandbox")
    yield made
    made.close()


def _report(sandbox: Sandbox) -> str:
    lines = []
    for verdict in sandbox.failures[:5]:
        lines.append(f"{verdict.problems} <- {verdict.data[:200]!r}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_hypothesis_cases(name: str, sandbox: Sandbox) -> None:
    importer = IMPORTERS[name]

    @settings(harness.FUZZ)
    @given(harness.mutations(importer))
    def case(data: bytes) -> None:
        verdict = sandbox.check(importer, data)
        assert verdict.ok, verdict.problems

    case()
    assert sandbox.tried[name] >= harness.FUZZ.max_examples // 2
    assert not sandbox.failures, _report(sandbox)


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_truncated_samples(name: str, sandbox: Sandbox) -> None:
    importer = IMPORTERS[name]
    # The whole sample imports: the sweep starts from a valid file.
    assert sandbox.check(importer, importer.sample).errors == []
    lengths = harness.prefixes(importer.sample, _budget(name, PREFIX_BUDGET))
    for length in lengths:
        sandbox.check(importer, importer.sample[:length])
    assert not sandbox.failures, _report(sandbox)


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_hostile_catalogue(name: str, sandbox: Sandbox) -> None:
    importer = IMPORTERS[name]
    everything = harness.catalogue(importer)
    # Every encoding/NUL/invalid-UTF-8 case, and the format's own cases spread over the rest.
    encodings = list(harness.byte_catalogue(importer.sample))
    cases = encodings + harness.spread(
        everything[len(encodings) :], _budget(name, CATALOGUE_BUDGET)
    )
    for description, data in cases:
        verdict = sandbox.check(importer, data)
        assert verdict.ok, (description, verdict.problems)
    assert len(cases) >= min(len(everything), CATALOGUE_BUDGET // SLOW.get(name, 1))


# -- named cases: what the message says ---------------------------------------------------------


def _import_one(project: Project, path: Path, fmt: str = "auto") -> str | None:
    report = import_paths(project, [path], fmt=fmt)
    (file_report,) = report.files
    return file_report.error


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "p.annotator", schema=default_schema()) as opened:
        yield opened


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [
        ("a.jsonl", "jsonl"),
        ("a.json", "json"),
        ("a.jsonl", "native"),
        ("a.json", "label-studio"),
        ("a.jsonl", "doccano"),
        ("a.jsonl", "prodigy"),
    ],
)
def test_deep_nesting_is_a_clear_error(
    project: Project, tmp_path: Path, filename: str, fmt: str
) -> None:
    path = tmp_path / filename
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    error = _import_one(project, path, fmt)
    assert error is not None and str(path) in error
    assert "JSON" in error or "expected" in error
    assert project.articles.count() == 0


@pytest.mark.parametrize("number", ["1e400", "1" + "0" * 10_000, "-9223372036854775809"])
def test_huge_offsets_in_doccano_are_refused(project: Project, tmp_path: Path, number: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(f'{{"text": "Putin spoke.", "label": [[0, {number}, "PER"]]}}\n', "utf-8")
    error = _import_one(project, path, "doccano")
    assert error is not None and error.startswith(f"{path}:1:")
    assert project.articles.count() == 0


def test_brat_offsets_with_thousands_of_digits(project: Project, tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("Putin spoke.", "utf-8")
    huge = "9" * 5000
    (tmp_path / "doc.ann").write_text(f"T1\tPER 0 5\tPutin\nT2\tPER 0 {huge}\tx\n", "utf-8")
    error = _import_one(project, tmp_path / "doc.txt")
    assert error is not None and f"{tmp_path / 'doc.ann'}:2: T2:" in error
    assert "beyond" in error


def test_brat_reversed_and_negative_offsets(project: Project, tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("Putin spoke.", "utf-8")
    for line, expected in [("T1\tPER 5 0\tPutin", "empty"), ("T1\tPER -1 5\tPutin", "START END")]:
        (tmp_path / "doc.ann").write_text(line + "\n", "utf-8")
        error = _import_one(project, tmp_path / "doc.txt")
        assert error is not None and ":1: T1" in error and expected in error
    assert project.articles.count() == 0


def test_brat_crlf_text_is_refused_not_shifted(project: Project, tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes(b"Hello there.\r\nPutin spoke.")
    # Offsets counted on the LF text (brat's web client): "Putin" is at 13 there, 14 here.
    (tmp_path / "doc.ann").write_text("T1\tPER 13 18\tPutin\n", "utf-8")
    error = _import_one(project, tmp_path / "doc.txt")
    assert error is not None and "CR characters" in error
    assert project.articles.count() == 0


def test_label_studio_utf16_offsets_are_converted(project: Project, tmp_path: Path) -> None:
    text = "😀😀 Putin spoke."
    start, end = Utf16Index(text).span_to_utf16(3, 8)  # UTF-16: 5, 10
    region = {"start": start, "end": end, "text": "Putin", "labels": ["PER"]}
    task = {
        "data": {"text": text},
        "annotations": [{"result": [{"id": "a", "type": "labels", "value": region}]}],
    }
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([task]), "utf-8")
    report = import_paths(project, [path], fmt="label-studio")
    assert not report.failed, report.failed[0].error
    assert any("UTF-16" in w for w in report.files[0].warnings)
    (info,) = project.sets.all_infos()
    (mention,) = project.sets.load(info.id).mentions
    assert (mention.start, mention.end) == (3, 8)


@pytest.mark.parametrize(("start", "end"), [(-3, 2), (8, 3), (5, 5), (0, 2**63)])
def test_label_studio_bad_spans_are_refused(
    project: Project, tmp_path: Path, start: int, end: int
) -> None:
    region = {"start": start, "end": end, "labels": ["PER"]}
    task = {
        "data": {"text": "Putin spoke."},
        "annotations": [{"result": [{"id": "a", "type": "labels", "value": region}]}],
    }
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([task]), "utf-8")
    error = _import_one(project, path, "label-studio")
    assert error is not None and f"[{start}, {end})" in error
    assert project.articles.count() == 0


def test_utf16_text_with_bom_is_read(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes("Troops arrive\r\nPutin said “yes” 😀.".encode("utf-16"))
    assert _import_one(project, path) is None
    (article,) = project.articles.iter_all()
    assert (article.title, article.text) == ("Troops arrive", "Putin said “yes” 😀.")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_refused(project: Project, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes("Troops arrive\nPutin said yes.".encode(encoding))
    error = _import_one(project, path)
    assert error is not None and "NUL" in error and "UTF-16" in error
    assert project.articles.count() == 0


def test_invalid_utf8_names_the_offset(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(b"Troops arrive\nPutin \xff said.")
    error = _import_one(project, path)
    assert error == f"{path}: not UTF-8 text (invalid byte at offset 20); save it as UTF-8"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("a.jsonl", b'{"text": "Putin\\u0000 spoke."}\n'),
        ("a.csv", b'text\n"Putin\x00 spoke."\n'),
        ("d.jsonl", b'{"text": "Putin\\u0000 spoke.", "label": [[0, 5, "PER"]]}\n'),
    ],
)
def test_nul_in_a_text_field_is_refused(
    project: Project, tmp_path: Path, filename: str, content: bytes
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    error = _import_one(project, path)
    assert error is not None and str(path) in error
    assert "NUL" in error or "line contains NUL" in error
    assert project.articles.count() == 0


def test_boilerplate_only_file_is_a_clear_error(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Text Size\nClose\n© 2026 Ledger\n", "utf-8")
    report = import_paths(project, [path], trim_boilerplate=True)
    assert report.files[0].error == (
        f"{path}: nothing is left once the site boilerplate (3 lines) is removed"
    )


def test_many_blank_lines_before_boilerplate_do_not_hang(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(b"Text Size\n" + b"\n" * 1_000_000 + b"Putin spoke today.\nClose\n")
    report = import_paths(project, [path], trim_boilerplate=True)
    assert not report.failed
    assert report.files[0].trimmed == ["Text Size", "Close"]


def test_label_studio_data_field_named_notes(project: Project, tmp_path: Path) -> None:
    result = {"type": "textarea", "value": {"text": ["checked"]}}
    task = {
        "data": {"text": "Putin spoke.", "notes": "from the wire"},
        "annotations": [{"result": [result]}],
    }
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([task]), "utf-8")
    assert _import_one(project, path, "label-studio") is None
    (article,) = project.articles.iter_all()
    assert article.meta["notes"] == ["from the wire", "checked"]


@pytest.mark.parametrize("kind", [["labels"], {"x": 1}, 7])
def test_label_studio_result_type_that_is_not_a_string(
    project: Project, tmp_path: Path, kind: object
) -> None:
    task = {
        "data": {"text": "Putin spoke."},
        "annotations": [{"result": [{"id": "a", "type": kind, "value": {}}]}],
    }
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([task]), "utf-8")
    report = import_paths(project, [path], fmt="label-studio")
    assert not report.failed
    assert any("is not imported" in w for w in report.files[0].warnings)


def test_native_file_reusing_a_set_id_cannot_move_labels(project: Project, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    first.write_bytes(harness.NATIVE_SAMPLE)
    assert _import_one(project, first) is None
    before = project_state(project)
    # The same set id on another article: replacing it would move the labels there.
    header, record = harness.NATIVE_SAMPLE.decode().splitlines()
    data = json.loads(record)
    data["article"] = {**data["article"], "id": "other", "text": "Other text.", "sha256": ""}
    data["article"]["sha256"] = text_sha256("Other text.")
    for annotation_set in data["sets"]:
        annotation_set.update(article_id="other", text_sha256=data["article"]["sha256"])
        annotation_set.update(mentions=[], entities=[], quotes=[], stances=[])
    second = tmp_path / "second.jsonl"
    second.write_text(header + "\n" + json.dumps(data) + "\n", "utf-8")
    error = _import_one(project, second)
    assert error is not None and f"{second}:2:" in error and "reuses an id" in error
    assert project_state(project) == before


@pytest.mark.parametrize("value", ["5", "true", "null", '{"a": 1}'])
def test_native_header_lists_that_are_not_lists(
    project: Project, tmp_path: Path, value: str
) -> None:
    header, record = harness.NATIVE_SAMPLE.decode().splitlines()
    data = json.loads(header)
    data["annotators"] = json.loads(value)
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(data) + "\n" + record + "\n", "utf-8")
    error = _import_one(project, path, "native")
    assert error is not None and error.startswith(f"{path}:1:")


@pytest.mark.parametrize("bomb", sorted(harness.MSGPACK_BOMBS))
def test_docbin_bombs_and_garbage(project: Project, tmp_path: Path, bomb: str) -> None:
    pytest.importorskip("spacy")
    import gc

    path = tmp_path / "corpus.spacy"
    path.write_bytes(harness.MSGPACK_BOMBS[bomb])
    error = _import_one(project, path)
    assert error is not None and error.startswith(f"{path}: ")
    assert "DocBin" in error or "compression bomb" in error
    assert project.articles.count() == 0
    assert gc.isenabled()  # srsly turns it off while unpacking; a failure must not leave it off
