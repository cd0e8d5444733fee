"""Hostile .zip archives: escapes, links, duplicates, bombs, damage. Nothing lands outside.

Each case goes through ``import_paths`` in a watched sandbox (``harness.Sandbox``): its temp
folder (where archives are unpacked) must end empty, nothing may appear beside it, and a refused
archive leaves the project as it was.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from annotator.formats import archive
from tests.unit.fuzz.harness import (
    TXT_SAMPLE,
    ZIP_SAMPLE,
    Importer,
    Sandbox,
    project_state,
    zip_bytes,
)

STORY = b"Troops arrive in Russia\nPutin said it was their business.\n"


#: Each test is bounded; a hang fails it instead of stalling the suite.
pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def sandbox(tmp_path: Path):
    made = Sandbox(tmp_path / "sandbox")
    yield made
    made.close()


def refused(sandbox: Sandbox, data: bytes, *expected: str) -> str:
    """Import ``data`` as bundle.zip; it must fail as a whole, with every expected phrase."""
    before = project_state(sandbox.project)
    verdict = sandbox.check(Importer("zip", "bundle.zip", data), data)
    assert verdict.ok, verdict.problems
    (error,) = verdict.errors
    assert error.startswith(str(sandbox.work / "bundle.zip")), error
    for phrase in expected:
        assert phrase in error, error
    assert project_state(sandbox.project) == before
    return error


def linked(name: str, mode: int, data: bytes = b"/etc/passwd") -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info, data


@pytest.mark.parametrize(
    "name",
    [
        "../escape.txt",
        "a/../../escape.txt",
        "/abs-escape.txt",
        "..\\escape.txt",
        "a\\..\\..\\escape.txt",
        "C:\\Windows\\escape.txt",
        "c:escape.txt",
    ],
)
def test_members_outside_the_folder_are_refused(sandbox: Sandbox, name: str) -> None:
    data = zip_bytes([("ok.txt", STORY), (name, STORY)])
    refused(sandbox, data, repr(name), "points outside the folder")


def test_absolute_member_under_the_sandbox_is_refused(sandbox: Sandbox) -> None:
    target = sandbox.root / "outside" / "planted.txt"
    refused(sandbox, zip_bytes([(str(target), STORY)]), "points outside the folder")
    assert not target.exists()


@pytest.mark.parametrize(
    ("mode", "what"),
    [(0o120777, "symlink"), (0o020644, "char device"), (0o010644, "fifo"), (0o140755, "socket")],
)
def test_links_and_special_files_are_refused(sandbox: Sandbox, mode: int, what: str) -> None:
    data = zip_bytes([("ok.txt", STORY), linked("evil.txt", mode)])
    refused(sandbox, data, "'evil.txt'", "link or special file")


@pytest.mark.parametrize(
    "names",
    [
        ("a.txt", "a.txt"),
        ("dir/a.txt", "dir//a.txt"),
        ("dir/a.txt", "dir/./a.txt"),
        ("dir/a.txt", "dir\\a.txt"),
        ("Story.txt", "story.txt"),
    ],
)
def test_duplicate_names_are_refused(sandbox: Sandbox, names: tuple[str, str]) -> None:
    first, second = names
    data = zip_bytes([(first, STORY), (second, STORY + b"Another line.\n")])
    refused(sandbox, data, "twice", "overwrite")


def test_a_name_that_is_both_file_and_folder_is_refused(sandbox: Sandbox) -> None:
    data = zip_bytes([("a.txt", STORY), ("a.txt/b.txt", STORY)])
    refused(sandbox, data, "'a.txt'", "both a file and a folder")


def test_overlong_names_are_refused(sandbox: Sandbox) -> None:
    refused(sandbox, zip_bytes([("x" * 300 + ".txt", STORY)]), "longer than 255 bytes")


def test_high_compression_ratio_is_a_bomb(sandbox: Sandbox) -> None:
    data = zip_bytes([("zeros.txt", bytes(50 * 1024 * 1024))], level=9)
    assert len(data) < 100_000
    refused(sandbox, data, "'zeros.txt'", "zip bomb")


def test_too_many_members(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 50)
    data = zip_bytes([(f"a{n}.txt", b"Headline %d\nBody." % n) for n in range(51)])
    refused(sandbox, data, "51 files in the archive; at most 50")


def test_too_many_bytes_in_total(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 100)
    refused(sandbox, zip_bytes([("a.txt", STORY), ("b.txt", STORY)]), "uncompressed")


def _patch_sizes(data: bytes, size: int) -> bytes:
    """Make the headers claim ``size`` bytes uncompressed (a lying archive)."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    out[local + 22 : local + 26] = struct.pack("<I", size)
    central = out.index(b"PK\x01\x02")
    out[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(out)


def test_member_larger_than_declared(sandbox: Sandbox) -> None:
    data = _patch_sizes(zip_bytes([("a.txt", STORY * 10)]), 10)
    refused(sandbox, data, "'a.txt'", "cannot be unpacked")


def test_damaged_member_data(sandbox: Sandbox) -> None:
    data = bytearray(zip_bytes([("a.txt", STORY * 20)]))
    start = data.index(b"a.txt") + len("a.txt") + 5
    data[start : start + 8] = b"\xff" * 8
    refused(sandbox, bytes(data), "'a.txt'", "cannot be unpacked")


def test_encrypted_member_is_refused(sandbox: Sandbox) -> None:
    data = bytearray(zip_bytes([("a.txt", STORY)]))
    for header, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(header) + flags_at
        data[at] |= 0x1
    refused(sandbox, bytes(data), "'a.txt'", "encrypted")


@pytest.mark.parametrize("cut", [0, 10, 30, len(ZIP_SAMPLE) // 2, len(ZIP_SAMPLE) - 5])
def test_truncated_archive(sandbox: Sandbox, cut: int) -> None:
    data = ZIP_SAMPLE[:cut]
    before = project_state(sandbox.project)
    verdict = sandbox.check(Importer("zip", "bundle.zip", data), data)
    assert verdict.ok, verdict.problems
    assert verdict.errors
    assert project_state(sandbox.project) == before


def test_nested_archive_is_reported_not_unpacked(sandbox: Sandbox) -> None:
    inner = zip_bytes([("deep.zip", ZIP_SAMPLE), ("inner.txt", STORY)])
    data = zip_bytes([("story.txt", TXT_SAMPLE), ("inner.zip", inner)])
    verdict = sandbox.check(Importer("zip", "bundle.zip", data), data)
    assert verdict.ok, verdict.problems
    (error,) = verdict.errors
    assert error == (
        f"{sandbox.work / 'bundle.zip' / 'inner.zip'}: an archive inside an archive is not "
        "imported; unpack it and import its files"
    )
    assert verdict.imported == 1  # story.txt, and nothing from inside inner.zip
    assert sandbox.project.articles.count() == 1


def test_archive_with_nothing_to_import(sandbox: Sandbox) -> None:
    data = zip_bytes([("notes.md", b"# notes"), ("folder/", b"")])
    error = refused(sandbox, data, "no file in the archive can be imported (1 files")
    assert ".jsonl" in error


def test_members_are_imported_with_their_archive_path(sandbox: Sandbox) -> None:
    data = zip_bytes([("in/story.txt", TXT_SAMPLE), ("in/bad.jsonl", b"{oops\n")])
    verdict = sandbox.check(Importer("zip", "bundle.zip", data), data)
    assert verdict.ok, verdict.problems
    (error,) = verdict.errors
    assert error.startswith(f"{sandbox.work / 'bundle.zip' / 'in' / 'bad.jsonl'}:1: invalid JSON")
    assert verdict.imported == 1


def test_good_archive_imports_everything(sandbox: Sandbox) -> None:
    verdict = sandbox.check(Importer("zip", "bundle.zip", ZIP_SAMPLE), ZIP_SAMPLE)
    assert verdict.ok and verdict.errors == [], (verdict.problems, verdict.errors)
    # story.txt and two JSONL records; the Label Studio task's text is the second record's,
    # so it adds its annotation set to that article.
    assert verdict.imported == 3
    assert len(sandbox.project.sets.all_infos()) == 1
