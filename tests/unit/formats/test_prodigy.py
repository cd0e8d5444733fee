"""Prodigy JSONL: accepted tasks, code-point spans, relations resolved through head/child spans."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.formats import prodigy
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignRelation

TEXT = "🇰🇷 Seoul 😀 said Kim: “다시 시작한다.”"


def tokens(text: str) -> list[dict[str, Any]]:
    """Whitespace/punctuation tokens the way Prodigy stores them (code-point offsets)."""
    found = list(re.finditer(r"\w+|[^\w\s]", text))
    return [
        {
            "text": m.group(),
            "start": m.start(),
            "end": m.end(),
            "id": i,
            "ws": m.end() < len(text) and text[m.end()] == " ",
        }
        for i, m in enumerate(found)
    ]


def span(text: str, part: str, label: str, *, with_text: bool = False) -> dict[str, Any]:
    start = text.index(part)
    end = start + len(part)
    toks = tokens(text)
    first = next(t["id"] for t in toks if t["start"] == start)
    last = next(t["id"] for t in toks if t["end"] == end)
    made = {"start": start, "end": end, "token_start": first, "token_end": last, "label": label}
    if with_text:
        made["text"] = part
    return made


def record(**extra: Any) -> dict[str, Any]:
    quote = span(TEXT, "“다시 시작한다.”", "QUOTE")
    kim = span(TEXT, "Kim", "PER")
    cue = span(TEXT, "said", "CUE", with_text=True)
    return {
        "text": TEXT,
        "tokens": tokens(TEXT),
        "spans": [kim, cue, quote, span(TEXT, "Seoul", "LOC")],
        "relations": [
            {
                "head": quote["token_end"],
                "child": kim["token_start"],
                "label": "SPEAKER",
                "head_span": quote,
                "child_span": kim,
            },
            {
                "head": quote["token_end"],
                "child": cue["token_start"],
                "label": "CUE",
                "head_span": quote,
                "child_span": cue,
            },
        ],
        "answer": "accept",
        "_input_hash": 123,
        "_task_hash": -456,
        "_annotator_id": "news-alice",
        "_session_id": "news-alice",
        "_view_id": "relations",
        "meta": {"doc_id": "d1", "source": "wire"},
        **extra,
    }


def write(tmp_path: Path, *records: Any) -> Path:
    path = tmp_path / "prodigy.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def test_reads_spans_and_resolves_relations(tmp_path: Path) -> None:
    [doc] = prodigy.read(write(tmp_path, record()))

    assert [(s.id, s.label, TEXT[s.start : s.end]) for s in doc.spans] == [
        ("s0", "PER", "Kim"),
        ("s1", "CUE", "said"),
        ("s2", "QUOTE", "“다시 시작한다.”"),
        ("s3", "LOC", "Seoul"),
    ]
    assert (doc.spans[0].start, doc.spans[0].end) == (16, 19)  # code points: the flag is two
    assert doc.relations == [
        ForeignRelation("SPEAKER", "s2", "s0"),
        ForeignRelation("CUE", "s2", "s1"),
    ]
    assert (doc.annotator, doc.external_id, doc.line) == ("news-alice", "d1", 1)
    assert doc.metadata == {
        "doc_id": "d1",
        "source": "wire",
        "_input_hash": 123,
        "_task_hash": -456,
        "_view_id": "relations",
    }
    assert doc.warnings == []


def test_formats_reference_example(tmp_path: Path) -> None:
    text = 'Putin said, "It is our business to decide."'
    quote = {"start": 12, "end": 43, "token_start": 3, "token_end": 11, "label": "QUOTE"}
    per = {"start": 0, "end": 5, "token_start": 0, "token_end": 0, "label": "PER"}
    line = {
        "text": text,
        "spans": [per, quote],
        "answer": "accept",
        "relations": [
            {"head": 11, "child": 0, "label": "SPEAKER", "head_span": quote, "child_span": per}
        ],
    }
    [doc] = prodigy.read(write(tmp_path, line))
    assert [text[s.start : s.end] for s in doc.spans] == ["Putin", text[12:]]
    assert doc.relations == [ForeignRelation("SPEAKER", "s1", "s0")]


def test_crlf_text_keeps_its_offsets(tmp_path: Path) -> None:
    text = "서울 발표.\r\n김지우 said 😀 so."
    line = {
        "text": text,
        "tokens": tokens(text),
        "spans": [span(text, "김지우", "PER"), span(text, "so", "X", with_text=True)],
    }
    [doc] = prodigy.read(write(tmp_path, line))
    assert [text[s.start : s.end] for s in doc.spans] == ["김지우", "so"]
    assert doc.spans[0].start == 8


def test_rejected_and_ignored_records_are_skipped_and_reported(tmp_path: Path) -> None:
    bad_span = {"start": 0, "end": 99, "label": "X"}  # not checked: the record was rejected
    path = write(
        tmp_path,
        record(answer="reject", spans=[bad_span], relations=[]),
        record(),
        record(answer="ignore"),
        {"text": "no answer field", "spans": [{"start": 0, "end": 2, "label": "X"}]},
        record(answer="reject"),
    )

    first, second = prodigy.read(path)

    assert (first.line, second.line) == (2, 4)
    assert first.warnings == [
        "whole file: skipped 2 rejected record(s) (lines 1, 5)",
        "whole file: skipped 1 ignored record(s) (line 3)",
    ]
    assert second.warnings == []


def test_a_file_of_rejects_only_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"no accepted Prodigy records.*rejected record\(s\)"):
        prodigy.read(write(tmp_path, record(answer="reject")))


def test_textcat_label_and_choice_answers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"text": TEXT, "label": "AGAINST", "answer": "accept"},
        {"text": TEXT, "options": [{"id": "favor"}], "accept": ["favor"]},
    )
    first, second = prodigy.read(path)
    assert first.choices == {"label": ["AGAINST"]}
    assert second.choices == {"accept": ["favor"]}


def test_span_text_mismatch_is_refused_with_both_strings(tmp_path: Path) -> None:
    cue = span(TEXT, "said", "CUE", with_text=True)
    cue["start"] += 1
    with pytest.raises(FormatError) as caught:
        prodigy.read(write(tmp_path, {"text": TEXT, "spans": [cue]}))
    assert str(caught.value).endswith(
        "prodigy.jsonl:1: span 0 (s0): \"text\" is 'said' but [12, 15) selects 'aid'"
    )


def test_utf16_offsets_are_converted_only_when_the_text_matches(tmp_path: Path) -> None:
    line = {"text": TEXT, "spans": [{"start": 19, "end": 22, "label": "PER", "text": "Kim"}]}
    [doc] = prodigy.read(write(tmp_path, line))
    assert TEXT[doc.spans[0].start : doc.spans[0].end] == "Kim"
    assert "UTF-16" in doc.warnings[0]


def test_span_that_disagrees_with_its_tokens_is_refused(tmp_path: Path) -> None:
    kim = span(TEXT, "Kim", "PER")
    kim["end"] += 1
    with pytest.raises(
        FormatError,
        match=r"prodigy\.jsonl:1: span 0 \(s0\): \[16, 20\) selects "
        r"'Kim:' but its tokens 5\.\.5 cover 'Kim'",
    ):
        prodigy.read(write(tmp_path, {"text": TEXT, "tokens": tokens(TEXT), "spans": [kim]}))


def test_span_past_the_end_is_refused(tmp_path: Path) -> None:
    line = {"text": "short", "spans": [{"start": 2, "end": 9, "label": "X"}]}
    with pytest.raises(
        FormatError,
        match=r"prodigy\.jsonl:2: span 0 \(s0\): \[2, 9\) is not a "
        r"non-empty span inside the text of 5 characters",
    ):
        prodigy.read(write(tmp_path, {"text": "ok"}, line))


def test_relation_to_a_span_that_is_not_there_is_refused(tmp_path: Path) -> None:
    broken = record()
    broken["relations"][1]["child_span"] = {"start": 3, "end": 8, "label": "GPE"}
    with pytest.raises(
        FormatError,
        match=r"prodigy\.jsonl:1: relation 2: child_span \[3, 8\) "
        r"'Seoul' label 'GPE' is not one of the record's spans",
    ):
        prodigy.read(write(tmp_path, broken))


def test_relation_without_spans_is_refused(tmp_path: Path) -> None:
    broken = record()
    del broken["relations"][0]["head_span"]
    with pytest.raises(FormatError, match=r":1: relation 1: no \"head_span\""):
        prodigy.read(write(tmp_path, broken))


def test_same_offsets_are_told_apart_by_label(tmp_path: Path) -> None:
    kim, spk = span(TEXT, "Kim", "PER"), span(TEXT, "Kim", "SPEAKER")
    cue = span(TEXT, "said", "CUE")
    line = {
        "text": TEXT,
        "spans": [kim, spk, cue],
        "relations": [{"label": "R", "head_span": cue, "child_span": spk}],
    }
    [doc] = prodigy.read(write(tmp_path, line))
    assert doc.relations == [ForeignRelation("R", "s2", "s1")]


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(orjson.dumps(record()) + b'\n{"text": "x",}\n')
    with pytest.raises(FormatError, match=r"bad\.jsonl:2: invalid JSON"):
        prodigy.read(path)


def test_bad_answer_and_missing_text_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r":1: \"answer\" must be one of accept, reject, ignore"):
        prodigy.read(write(tmp_path, record(answer="maybe")))
    with pytest.raises(FormatError, match=r":1: expected a non-empty string \"text\" field"):
        prodigy.read(write(tmp_path, {"image": "x.png", "answer": "accept"}))


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match=r"empty\.jsonl: no accepted .*the file is empty"):
        prodigy.read(path)
