"""Label Studio JSON exports: tasks x annotations, code-point offsets checked against value.text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.formats import label_studio
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignRelation

TEXT = "🇰🇷 Seoul 😀 said Kim"
KOREAN_CRLF = "서울디지털재단 발표.\r\n김지우 씨는 “다시 시작한다”고 말했다."


def region(rid: str, text: str, part: str, label: str, *, utf16: bool = False) -> dict[str, Any]:
    """A labels result for the first occurrence of ``part``, as Label Studio writes it."""
    start = text.index(part)
    end = start + len(part)
    if utf16:  # what old Label Studio (JavaScript string offsets) wrote
        start = len(text[:start].encode("utf-16-le")) // 2
        end = len(text[:end].encode("utf-16-le")) // 2
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": part, "labels": [label]},
    }


def write(tmp_path: Path, tasks: Any) -> Path:
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps(tasks, option=orjson.OPT_INDENT_2))
    return path


def task(text: str, results: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "data": {"text": text, "title": "Seoul news"},
        "annotations": [{"id": 1, "completed_by": 3, "result": results}],
        **extra,
    }


def test_reads_spans_relations_choices_and_notes_on_emoji_text(tmp_path: Path) -> None:
    results = [
        region("e1", TEXT, "Seoul", "LOC"),
        region("e2", TEXT, "Kim", "PER"),
        region("c1", TEXT, "said", "CUE"),
        {
            "from_id": "c1",
            "to_id": "e2",
            "type": "relation",
            "direction": "left",
            "labels": ["speaker"],
        },
        {"from_id": "c1", "to_id": "e1", "type": "relation", "direction": "right", "labels": []},
        {
            "id": "s1",
            "from_name": "doc_stance",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["against"]},
        },
        {
            "id": "n1",
            "from_name": "comment",
            "to_name": "text",
            "type": "textarea",
            "value": {"text": ["check the date"]},
        },
        {
            "id": "e2",
            "from_name": "polarity",
            "to_name": "text",
            "type": "choices",
            "value": {"start": 16, "end": 19, "text": "Kim", "choices": ["favor"]},
        },
    ]
    path = write(tmp_path, [task(TEXT, results)])

    [doc] = label_studio.read(path)

    assert doc.text == TEXT
    assert [(s.id, s.label, TEXT[s.start : s.end]) for s in doc.spans] == [
        ("e1", "LOC", "Seoul"),
        ("e2", "PER", "Kim"),
        ("c1", "CUE", "said"),
    ]
    assert doc.spans[1].attributes == {"from_name": "label", "polarity": "favor"}
    assert doc.relations == [
        ForeignRelation("speaker", "e2", "c1"),  # "left": the arrow points from to_id
        ForeignRelation("", "c1", "e1"),
    ]
    assert doc.choices == {"doc_stance": ["against"]}
    assert doc.metadata == {"title": "Seoul news", "annotation_id": 1, "notes": ["check the date"]}
    assert doc.external_id == "7"
    assert doc.annotator == "3"
    assert doc.warnings == []


def test_one_document_per_annotation_with_annotator_names_and_skips_reported(
    tmp_path: Path,
) -> None:
    kim = [region("k", KOREAN_CRLF, "김지우", "PER")]
    tasks = [
        {
            "id": 1,
            "data": {"text": KOREAN_CRLF},
            "annotations": [
                {"id": 10, "completed_by": {"id": 4, "email": "ann@example.org"}, "result": kim},
                {"id": 11, "completed_by": {"id": 5, "username": "bo"}, "result": kim},
                {"id": 12, "completed_by": 6, "was_cancelled": True, "result": []},
            ],
            "predictions": [{"result": kim}, {"result": []}],
        },
        {"id": 2, "data": {"text": "unlabelled"}, "annotations": []},
    ]
    path = write(tmp_path, tasks)

    first, second = label_studio.read(path)

    assert [first.annotator, second.annotator] == ["ann@example.org", "bo"]
    for doc in (first, second):
        [span] = doc.spans
        assert doc.text[span.start : span.end] == "김지우"
        assert (span.start, span.end) == (13, 16)  # the CR counts: offsets are into the raw text
    assert first.warnings == [
        "whole file: skipped 1 cancelled annotation(s): task 1, annotation 12",
        "whole file: 1 task(s) without annotations: task 2",
        "whole file: 2 prediction(s) not imported",
    ]
    assert second.warnings == []


def test_multi_label_region_gives_one_span_per_label(tmp_path: Path) -> None:
    result = region("r", TEXT, "Kim", "PER")
    result["value"]["labels"] = ["PER", "SPEAKER"]
    [doc] = label_studio.read(write(tmp_path, [task(TEXT, [result])]))
    assert [(s.id, s.label, TEXT[s.start : s.end]) for s in doc.spans] == [
        ("r", "PER", "Kim"),
        ("r", "SPEAKER", "Kim"),
    ]


def test_region_meta_text_becomes_the_note(tmp_path: Path) -> None:
    result = region("r", TEXT, "Kim", "PER")
    result["meta"] = {"text": ["unsure", "ask the editor"]}
    [doc] = label_studio.read(write(tmp_path, [task(TEXT, [result])]))
    assert doc.spans[0].note == "unsure\nask the editor"


def test_old_utf16_offsets_are_converted_when_only_they_match(tmp_path: Path) -> None:
    result = region("e2", TEXT, "Kim", "PER", utf16=True)
    assert (result["value"]["start"], result["value"]["end"]) == (19, 22)
    [doc] = label_studio.read(write(tmp_path, [task(TEXT, [result])]))
    [span] = doc.spans
    assert (span.start, span.end) == (16, 19)
    assert TEXT[span.start : span.end] == "Kim"
    assert "UTF-16" in doc.warnings[0]


def test_label_studio_issue_1347_example(tmp_path: Path) -> None:
    text = "💩This is an annotation."
    result = {
        "id": "a",
        "type": "labels",
        "value": {"start": 13, "end": 23, "text": "annotation", "labels": ["X"]},
    }
    [doc] = label_studio.read(write(tmp_path, [task(text, [result])]))
    assert (doc.spans[0].start, doc.spans[0].end) == (12, 22)


def test_mismatched_text_names_file_task_result_and_both_strings(tmp_path: Path) -> None:
    result = region("e2", TEXT, "Kim", "PER")
    result["value"]["start"] -= 1  # " Kim"
    path = write(tmp_path, [task(TEXT, [result])])
    with pytest.raises(FormatError) as caught:
        label_studio.read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: task 7, annotation 1, result 'e2': ")
    assert "value.text is 'Kim' but [15, 19) selects ' Kim'" in message


def test_span_past_the_end_is_refused(tmp_path: Path) -> None:
    result = {
        "id": "x",
        "type": "labels",
        "value": {"start": 16, "end": 40, "text": "Kim", "labels": ["PER"]},
    }
    with pytest.raises(FormatError, match=r"result 'x'.*outside the text"):
        label_studio.read(write(tmp_path, [task(TEXT, [result])]))


def test_span_without_text_inside_a_surrogate_pair_or_outside_is_refused(tmp_path: Path) -> None:
    result = {"id": "x", "type": "labels", "value": {"start": 17, "end": 30, "labels": ["PER"]}}
    with pytest.raises(FormatError, match=r"\[17, 30\) is not a span inside the text of 19"):
        label_studio.read(write(tmp_path, [task(TEXT, [result])]))


def test_span_without_text_is_taken_as_code_points_with_a_warning(tmp_path: Path) -> None:
    result = {"id": "x", "type": "labels", "value": {"start": 16, "end": 19, "labels": ["PER"]}}
    [doc] = label_studio.read(write(tmp_path, [task(TEXT, [result])]))
    assert TEXT[doc.spans[0].start : doc.spans[0].end] == "Kim"
    assert "taken as code points" in doc.warnings[0]


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"data": {"text": "a"}},\n  {"data": \n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"broken\.json:4: invalid JSON") as caught:
        label_studio.read(path)
    assert caught.value.line == 4


def test_empty_file_and_empty_array_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"empty\.json: the file is empty; expected a JSON array"):
        label_studio.read(path)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(FormatError, match="no tasks"):
        label_studio.read(path)


def test_a_file_without_any_annotation_is_refused(tmp_path: Path) -> None:
    tasks = [
        {
            "id": 1,
            "data": {"text": "x"},
            "annotations": [{"id": 2, "completed_by": 1, "was_cancelled": True, "result": []}],
        }
    ]
    with pytest.raises(FormatError, match=r"no annotations to import.*cancelled"):
        label_studio.read(write(tmp_path, tasks))


def test_relation_to_an_unknown_region_is_refused(tmp_path: Path) -> None:
    results = [
        region("e1", TEXT, "Seoul", "LOC"),
        {"from_id": "e1", "to_id": "zz", "type": "relation", "labels": ["x"]},
    ]
    with pytest.raises(FormatError, match=r"result #2: \"to_id\" 'zz' is not a region"):
        label_studio.read(write(tmp_path, [task(TEXT, results)]))


def test_bidirectional_relation_is_kept_with_a_warning(tmp_path: Path) -> None:
    results = [
        region("e1", TEXT, "Seoul", "LOC"),
        region("e2", TEXT, "Kim", "PER"),
        {"from_id": "e2", "to_id": "e1", "type": "relation", "direction": "bi"},
    ]
    [doc] = label_studio.read(write(tmp_path, [task(TEXT, results)]))
    assert doc.relations == [ForeignRelation("", "e2", "e1")]
    assert "bidirectional" in doc.warnings[0]


def test_unknown_result_types_are_named_in_a_warning(tmp_path: Path) -> None:
    results = [{"id": "r", "from_name": "stars", "type": "rating", "value": {"rating": 4}}]
    [doc] = label_studio.read(write(tmp_path, [task(TEXT, results)]))
    assert doc.warnings == [
        "task 7, annotation 1, result 'r': result type 'rating' is not imported"
    ]


def test_text_key_and_single_string_field(tmp_path: Path) -> None:
    body = {
        "id": 1,
        "data": {"body": TEXT, "n": 3},
        "annotations": [{"completed_by": 1, "result": [region("k", TEXT, "Kim", "PER")]}],
    }
    [doc] = label_studio.read(write(tmp_path, [body]))
    assert doc.text == TEXT and doc.metadata == {"n": 3}

    body["data"] = {"body": TEXT, "url": "https://example.org"}
    path = write(tmp_path, [body])
    with pytest.raises(FormatError, match=r"task 1: no data\[\"text\"\].*'body', 'url'"):
        label_studio.read(path)
    [doc] = label_studio.read(path, text_key="body")
    assert doc.metadata == {"url": "https://example.org"}
    with pytest.raises(FormatError, match=r'expected a string under data\["content"\]'):
        label_studio.read(path, text_key="content")


def test_not_an_array_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="expected a JSON array of Label Studio tasks, found int"):
        label_studio.read(write(tmp_path, 3))
