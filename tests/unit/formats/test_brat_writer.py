"""brat writer: .txt/.ann pairs our brat reader imports back, and the collection's conf files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from annotator.formats import brat_writer
from annotator.storage.project import Project
from tests.unit.formats.export_samples import (
    TOPIC,
    Builder,
    assert_round_trip,
    check_brat,
    export,
    import_back,
    sample_document,
    samples,
)

UNDERSCORED = TOPIC.replace(" ", "_")


def _brat_topics(expected: dict[str, Any]) -> None:
    """What brat changes: topics lose their spaces, document labels are not written."""
    expected["stances"] = sorted(
        (*stance[:2], stance[2].replace(" ", "_"), *stance[3:]) for stance in expected["stances"]
    )
    expected["labels"] = []


def test_round_trip_through_our_reader(project: Project, tmp_path: Path) -> None:
    documents = samples()
    report = export(brat_writer, documents, tmp_path / "out")

    seoul, moon = (d.article.id for d in documents)
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in report.files) == sorted(
        [
            f"train/{seoul}.txt",
            f"train/{seoul}.ann",
            f"dev/{moon}.txt",
            f"dev/{moon}.ann",
            "annotation.conf",
            "visual.conf",
        ]
    )
    txt = tmp_path / "out" / "train" / f"{seoul}.txt"
    assert txt.read_bytes() == documents[0].article.text.encode("utf-8")
    assert check_brat(tmp_path / "out") == 21 + 5
    sets, _ = import_back(project, tmp_path / "out", "brat")
    assert_round_trip(documents, sets, adjust=_brat_topics)
    assert UNDERSCORED in project.schema.topic_names
    assert dict(report.dropped) == {
        "topic with spaces: brat attribute values cannot hold them; written with '_'": 2,
        "document label: brat has no document-level annotation; not written": 1,
        "stance confidence: no place in brat": 1,
        "unsure flag: no place in brat": 1,
    }


def test_ann_lines(tmp_path: Path) -> None:
    document = sample_document()
    export(brat_writer, [document], tmp_path)

    ann = (tmp_path / "train" / f"{document.article.id}.ann").read_text(encoding="utf-8")
    lines = ann.splitlines()
    assert "T2\tGPE 6 8\t🇰🇷" in lines
    assert "T11\tdirect 61 91\t“We will not accept the plan,”" in lines
    assert "R1\tSpeaker Arg1:T11 Arg2:T8" in lines
    assert "R2\tCue Arg1:T11 Arg2:T12" in lines
    assert "R6\tCoref Arg1:T8 Arg2:T3" in lines  # "Kim" -> "Kim Ji-woo", its first mention
    assert "E1\tSTANCE:T18 Holder:T3 Target:T7 Evidence:T11 Evidence2:T17" in lines
    assert "A1\tPolarity E1 against" in lines
    assert f"A3\tTopic E2 {UNDERSCORED}" in lines
    assert "#3\tAnnotatorNotes E1\tstrong wording" in lines
    assert ann.endswith("\n") and "\r" not in ann


def test_conf_files_declare_what_the_ann_files_use(tmp_path: Path) -> None:
    export(brat_writer, samples(), tmp_path)

    conf = (tmp_path / "annotation.conf").read_text(encoding="utf-8")
    sections = {
        block.split("\n", 1)[0]: block.split("\n")[1:] for block in conf.strip().split("\n\n")
    }
    assert sections["[entities]"] == [
        "GPE",
        "PER",
        "MISC",
        "ORG",
        "direct",
        "CUE",
        "indirect",
        "EVIDENCE",
    ]
    assert sections["[relations]"] == [
        "Speaker\tArg1:direct|indirect, Arg2:PER",
        "Cue\tArg1:direct|indirect, Arg2:CUE",
        "Coref\tArg1:PER, Arg2:PER",
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
    ]
    assert sections["[events]"] == [
        "STANCE\tHolder:PER, Target?:PER, Evidence*:direct|EVIDENCE|indirect"
    ]
    assert sections["[attributes]"] == [
        "Polarity\tArg:STANCE, Value:against|neutral|none",
        f"Topic\tArg:STANCE, Value:{UNDERSCORED}",
    ]
    visual = (tmp_path / "visual.conf").read_text(encoding="utf-8")
    assert "PER\tbgColor:#ffd6a5" in visual.splitlines()
    assert "STANCE\tbgColor:#ff8fab" in visual.splitlines()


def test_spans_across_line_breaks_and_multi_line_notes(project: Project, tmp_path: Path) -> None:
    b = Builder("Oh said: “First line.\nSecond line.”\nThe end.", language="en")
    speaker = b.mention("Oh", "PER", note="first line of a note\nsecond line")
    b.quote("“First line.\nSecond line.”", "direct", speaker=speaker)
    document = b.document()
    report = export(brat_writer, [document], tmp_path / "out")

    ann = (tmp_path / "out" / "train" / f"{document.article.id}.ann").read_text(encoding="utf-8")
    assert "T2\tdirect 9 21;22 35\t“First line. Second line.”" in ann.splitlines()
    assert "#1\tAnnotatorNotes T1\tfirst line of a note" in ann.splitlines()
    assert "#2\tAnnotatorNotes T1\tsecond line" in ann.splitlines()
    assert report.dropped == {
        "span across a line break: written as fragments around the line breaks (our reader "
        "imports one span per fragment)": 1
    }
    assert check_brat(tmp_path / "out") == 2
    sets, _ = import_back(project, tmp_path / "out", "brat")
    [imported] = sets.values()
    assert [m.note for m in imported.mentions] == ["first line of a note\nsecond line"]
    assert sorted((q.start, q.end) for q in imported.quotes) == [(9, 21), (22, 35)]


def test_the_same_article_twice_in_a_split_gets_two_names(tmp_path: Path) -> None:
    first = sample_document(annotator="ann")
    second = replace(first, annotator="Bo Kim")
    report = export(brat_writer, [first, second], tmp_path)

    stem = first.article.id
    assert (tmp_path / "train" / f"{stem}.ann").is_file()
    assert (tmp_path / "train" / f"{stem}__Bo_Kim.ann").is_file()
    assert any("Bo_Kim" in note for note in report.notes)
