"""doccano JSONL: UTF-16 offsets (as JavaScript counts them) converted to code points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.formats import doccano
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignRelation

TEXT = "🇰🇷 Seoul 😀 said Kim"
KOREAN_CRLF = "서울디지털재단 발표 🚀.\r\n김지우 씨는 “다시 시작한다”고 말했다."


def js_span(text: str, part: str) -> tuple[int, int]:
    """The offsets doccano's browser code gives ``part``: JavaScript String (UTF-16) indices."""
    start = text.index(part)
    before = text[:start].encode("utf-16-le")
    inside = part.encode("utf-16-le")
    return len(before) // 2, (len(before) + len(inside)) // 2


def write(tmp_path: Path, *records: Any, name: str = "doccano.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def test_sequence_labelling_offsets_are_converted_from_utf16(tmp_path: Path) -> None:
    seoul, kim = js_span(TEXT, "Seoul"), js_span(TEXT, "Kim")
    assert (seoul, kim) == ((5, 10), (19, 22))  # code points would be (3, 8) and (16, 19)
    path = write(
        tmp_path,
        {
            "id": 4,
            "text": TEXT,
            "label": [[*seoul, "LOC"], [*kim, "PER"]],
            "Comments": [],
            "user": 2,
        },
    )

    [doc] = doccano.read(path)

    assert [(s.id, s.label, TEXT[s.start : s.end]) for s in doc.spans] == [
        ("s1", "LOC", "Seoul"),
        ("s2", "PER", "Kim"),
    ]
    assert [(s.start, s.end) for s in doc.spans] == [(3, 8), (16, 19)]
    assert doc.spans[1].text == "Kim"
    assert (doc.line, doc.external_id, doc.annotator) == (1, "4", "2")
    assert doc.metadata == {"Comments": []}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", " ", "😀", "🇰🇷", "서울", "\r\n", "e\u0301", "👨🏻\u200d🚒"]),
        min_size=1,
        max_size=12,
    ),
    st.data(),
)
def test_any_javascript_span_comes_back_as_the_same_characters(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[str], data: st.DataObject
) -> None:
    text = "".join(pieces)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    part = text[start:end]
    js_start = len(text[:start].encode("utf-16-le")) // 2
    js_end = js_start + len(part.encode("utf-16-le")) // 2
    path = write(tmp_path_factory.mktemp("p"), {"text": text, "label": [[js_start, js_end, "X"]]})
    [doc] = doccano.read(path)
    assert (doc.spans[0].start, doc.spans[0].end) == (start, end)


def test_doccano_issue_2290_example(tmp_path: Path) -> None:
    text = "👨🏻‍🚒 firemen drive firetrucks"
    assert js_span(text, "firetrucks") == (22, 32)
    [doc] = doccano.read(write(tmp_path, {"text": text, "label": [[22, 32, "VEHICLE"]]}))
    [span] = doc.spans
    assert (span.start, span.end) == (19, 29)
    assert text[span.start : span.end] == "firetrucks"


def test_older_labels_key_korean_and_crlf(tmp_path: Path) -> None:
    parts = ["서울디지털재단", "김지우", "“다시 시작한다”"]
    labels = [[*js_span(KOREAN_CRLF, p), "X"] for p in parts]
    [doc] = doccano.read(write(tmp_path, {"text": KOREAN_CRLF, "labels": labels}))
    assert [KOREAN_CRLF[s.start : s.end] for s in doc.spans] == parts
    assert doc.spans[1].start == 15  # the rocket is one code point (two UTF-16 units); CR counts


def test_relation_extraction_format(tmp_path: Path) -> None:
    text = 'Kim 😀 said, "We start again."'
    entities = [
        {"id": 11, "label": "PER", "start_offset": 0, "end_offset": 3},
        {
            "id": 12,
            "label": "CUE",
            **dict(zip(("start_offset", "end_offset"), js_span(text, "said"), strict=True)),
        },
        {
            "id": 13,
            "label": "QUOTE",
            **dict(
                zip(("start_offset", "end_offset"), js_span(text, '"We start again."'), strict=True)
            ),
        },
    ]
    relations = [
        {"id": 21, "from_id": 13, "to_id": 11, "type": "SPEAKER"},
        {"id": 22, "from_id": 13, "to_id": 12, "type": "CUE"},
    ]
    path = write(
        tmp_path,
        {"id": 1, "text": text, "entities": entities, "relations": relations, "annotator": "alice"},
    )

    [doc] = doccano.read(path)

    assert [(s.id, text[s.start : s.end]) for s in doc.spans] == [
        ("11", "Kim"),
        ("12", "said"),
        ("13", '"We start again."'),
    ]
    assert doc.relations == [
        ForeignRelation("SPEAKER", "13", "11"),
        ForeignRelation("CUE", "13", "12"),
    ]
    assert doc.annotator == "alice"


def test_categories_from_cats_category_and_a_label_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"text": TEXT, "label": ["against"]},
        {"text": TEXT, "entities": [[*js_span(TEXT, "Kim"), "PER"]], "cats": ["favor"]},
        {"text": TEXT, "category": "neutral"},
    )
    first, second, third = doccano.read(path)
    assert first.choices == {"category": ["against"]} and first.spans == []
    assert second.choices == {"category": ["favor"]}
    assert TEXT[second.spans[0].start : second.spans[0].end] == "Kim"
    assert third.choices == {"category": ["neutral"]}
    assert [d.line for d in (first, second, third)] == [1, 2, 3]


def test_blank_lines_and_bom_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + orjson.dumps({"text": "a b", "label": []})
        + b"\r\n\n"
        + orjson.dumps({"text": "c", "label": [[0, 1, "X"]]})
        + b"\n"
    )
    first, second = doccano.read(path)
    assert (first.line, second.line) == (1, 3)


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"text": "a", "label": []}\n\n{"text": "b", "label": [[0, 1, "X"]\n', encoding="utf-8"
    )
    with pytest.raises(FormatError, match=r"bad\.jsonl:3: invalid JSON \(") as caught:
        doccano.read(path)
    assert caught.value.line == 3


def test_offset_past_the_end_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, {"text": "x"}, {"text": TEXT, "label": [[19, 23, "PER"]]})
    with pytest.raises(
        FormatError,
        match=r"doccano\.jsonl:2: \"label\" item 1 \[19, 23\): "
        r"UTF-16 offset 23 is outside a text of 22 code units",
    ):
        doccano.read(path)


def test_offset_inside_a_surrogate_pair_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, {"text": TEXT, "label": [[12, 18, "X"]]})  # 12 splits 😀 (11..13)
    with pytest.raises(
        FormatError,
        match=r"doccano\.jsonl:1: .*\[12, 18\): UTF-16 offset 12 "
        r"falls inside a surrogate pair",
    ):
        doccano.read(path)


def test_bad_records_are_refused_with_their_line(tmp_path: Path) -> None:
    cases: list[tuple[Any, str]] = [
        ([1, 2], "expected a JSON object, found list"),
        ({"label": []}, 'expected a string "text" field'),
        ({"text": ""}, 'the "text" field is empty'),
        (
            {"text": "ab", "label": [[0, 1]]},
            r'"label" item 1: expected \[start, end, label\], found \[0, 1\]',
        ),
        (
            {"text": "ab", "label": [[1, 1, "X"]]},
            r'"label" item 1: \[1, 1\) is not a non-empty span',
        ),
        (
            {"text": "ab", "label": [["0", 1, "X"]]},
            r'"label" item 1: expected an integer offset, found \'0\'',
        ),
        (
            {"text": "ab", "entities": [{"id": 1, "start_offset": 0, "end_offset": 1}]},
            "entity 1: expected a string label",
        ),
        (
            {
                "text": "ab",
                "entities": [{"id": 1, "label": "X", "start_offset": 0, "end_offset": 1}],
                "relations": [{"from_id": 1, "to_id": 9, "type": "R"}],
            },
            'relation 1: "to_id" 9 is not an entity id',
        ),
        ({"text": "ab", "cats": [1]}, '"cats" must be a list of category names'),
    ]
    for record, message in cases:
        path = write(tmp_path, {"text": "fine"}, record)
        with pytest.raises(FormatError, match=r"doccano\.jsonl:2: " + message):
            doccano.read(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n \n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"empty\.jsonl: the file is empty"):
        doccano.read(path)


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"nope\.jsonl: cannot read the file"):
        doccano.read(tmp_path / "nope.jsonl")
