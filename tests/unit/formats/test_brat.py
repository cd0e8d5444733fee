"""brat standoff: .txt + .ann, code points into the .txt exactly as stored (CRs included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.formats import brat
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignRelation

EXAMPLE = 'Putin said, "It is our business to decide."'
EXAMPLE_ANN = (
    "T1\tPER 0 5\tPutin\n"
    "T2\tCue 6 10\tsaid\n"
    'T3\tQuote 12 43\t"It is our business to decide."\n'
    "R1\tSpeaker Arg1:T3 Arg2:T1\n"
    "R2\tCueOf Arg1:T3 Arg2:T2\n"
    "T4\tQuoteContent 13 18;23 31\tIt is business\n"
    "A1\tDirect T3\n"
    "#1\tAnnotatorNotes T3\tstance=against\n"
)

# Emoji (a flag is two code points), Korean and CRLF line ends, kept as they are.
CRLF_TEXT = "서울 🇰🇷 발표.\r\nKim 😀 said “다시 시작한다”.\r\nMoon agreed.\r\n"


def write(tmp_path: Path, text: str, ann: str, name: str = "doc") -> Path:
    txt = tmp_path / f"{name}.txt"
    txt.write_bytes(text.encode("utf-8"))
    (tmp_path / f"{name}.ann").write_bytes(ann.encode("utf-8"))
    return txt


def t_line(ann_id: str, label: str, text: str, part: str) -> str:
    start = text.index(part)
    return f"{ann_id}\t{label} {start} {start + len(part)}\t{part}\n"


def test_reference_example(tmp_path: Path) -> None:
    doc = brat.read(write(tmp_path, EXAMPLE, EXAMPLE_ANN))

    assert [(s.id, s.label, EXAMPLE[s.start : s.end]) for s in doc.spans] == [
        ("T1", "PER", "Putin"),
        ("T2", "Cue", "said"),
        ("T3", "Quote", '"It is our business to decide."'),
        ("T4", "QuoteContent", "It is"),
        ("T4#2", "QuoteContent", "business"),
    ]
    assert doc.relations == [
        ForeignRelation("Speaker", "T3", "T1"),
        ForeignRelation("CueOf", "T3", "T2"),
    ]
    quote = doc.spans[2]
    assert quote.attributes == {"Direct": "true"}
    assert quote.note == "stance=against"
    assert doc.warnings == ["line 6: T4 is discontinuous; imported as 2 spans (T4, T4#2)"]
    assert doc.external_id == "doc"
    assert doc.source == str(tmp_path / "doc.ann")


def test_emoji_korean_and_crlf_offsets_count_every_code_point(tmp_path: Path) -> None:
    ann = (
        t_line("T1", "LOC", CRLF_TEXT, "서울")
        + t_line("T2", "PER", CRLF_TEXT, "Kim")
        + t_line("T3", "Cue", CRLF_TEXT, "said")
        + t_line("T4", "Quote", CRLF_TEXT, "“다시 시작한다”")
        + t_line("T5", "PER", CRLF_TEXT, "Moon")
    )
    # .ann files written on Windows end their lines with CRLF too.
    doc = brat.read(write(tmp_path, CRLF_TEXT, ann.replace("\n", "\r\n")))

    assert doc.text == CRLF_TEXT
    assert [CRLF_TEXT[s.start : s.end] for s in doc.spans] == [
        "서울",
        "Kim",
        "said",
        "“다시 시작한다”",
        "Moon",
    ]
    assert (doc.spans[1].start, doc.spans[4].start) == (11, 34)  # both CRs counted


def test_crlf_counted_as_one_character_is_refused_with_a_hint(tmp_path: Path) -> None:
    lf_text = CRLF_TEXT.replace("\r\n", "\n")
    ann = t_line("T1", "PER", lf_text, "Moon")  # offsets of an LF-only copy of the text
    with pytest.raises(FormatError) as caught:
        brat.read(write(tmp_path, CRLF_TEXT, ann))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'doc.ann'}:1: T1: the .ann says 'Moon' but ")
    assert "offsets 32 36 select '\\r\\nMo' in the .txt (48 characters)" in message
    assert "convert the .txt to LF line ends" in message


def test_events_attributes_notes_and_normalizations(tmp_path: Path) -> None:
    text = "🇰🇷 Kim opposed the plan 😀, said Moon."
    ann = (
        t_line("T1", "PER", text, "Kim")
        + t_line("T2", "Topic", text, "the plan")
        + t_line("T5", "StanceCue", text, "opposed")
        + t_line("T6", "Quote", text, "Kim opposed the plan")
        + "E1\tStance:T5 Holder:T1 Target:T2 Evidence:T6\n"
        + "A1\tPolarity E1 against\n"
        + "M1\tConfidence T1 high\n"
        + "N1\tReference T1 Wikidata:Q123\tKim\n"
        + "#1\tAnnotatorNotes E1\tcheck the holder\n"
        + "#2\tAnnotatorNotes T1\tfirst\n"
        + "#3\tAnnotatorNotes T1\tsecond\n"
        + t_line("T7", "PER", text, "Moon")
        + "E2\tAttribution:T7 Content:E1\n"
        + "*\tEquiv T1 T7\n"
    )
    doc = brat.read(write(tmp_path, text, ann))

    spans = {s.id: s for s in doc.spans}
    assert {k: text[s.start : s.end] for k, s in spans.items()} == {
        "T1": "Kim",
        "T2": "the plan",
        "T5": "opposed",
        "T6": "Kim opposed the plan",
        "T7": "Moon",
    }
    assert doc.relations == [
        ForeignRelation("Holder", "T5", "T1"),
        ForeignRelation("Target", "T5", "T2"),
        ForeignRelation("Evidence", "T5", "T6"),
        ForeignRelation("Content", "T7", "T5"),  # the event E1 stands for its trigger T5
    ]
    assert spans["T5"].attributes == {"event": "Stance", "Polarity": "against"}
    assert spans["T5"].note == "check the holder"
    assert spans["T7"].attributes == {"event": "Attribution"}
    assert spans["T1"].attributes == {"Confidence": "high", "kb_id": "Wikidata:Q123"}
    assert spans["T1"].note == "first\nsecond"
    assert doc.warnings == ["line 14: equivalence 'Equiv T1 T7' is not imported"]


def test_attributes_and_relations_reach_every_fragment_and_the_first_id(tmp_path: Path) -> None:
    ann = (
        "T4\tQuoteContent 13 18;23 31\tIt is business\n"
        "T1\tPER 0 5\tPutin\n"
        "R1\tSpeaker Arg2:T1 Arg1:T4\n"
        "A1\tPolarity T4 against\n"
        "A2\tPolarity T4 favor\n"
    )
    doc = brat.read(write(tmp_path, EXAMPLE, ann))
    first, second, _ = doc.spans
    assert first.attributes == second.attributes == {"Polarity": "against; favor"}
    assert doc.relations == [ForeignRelation("Speaker", "T4", "T1")]
    assert "T4 has Polarity 'against' already" in doc.warnings[1]


def test_old_brat_utf16_offsets_are_converted_when_only_they_match(tmp_path: Path) -> None:
    text = "😀 Kim said."
    doc = brat.read(write(tmp_path, text, "T1\tPER 3 6\tKim\n"))
    assert text[doc.spans[0].start : doc.spans[0].end] == "Kim"
    assert (doc.spans[0].start, doc.spans[0].end) == (2, 5)
    assert "UTF-16" in doc.warnings[0]


def test_mismatched_text_names_the_ann_file_its_line_and_both_strings(tmp_path: Path) -> None:
    ann = "T1\tPER 0 5\tPutin\nT2\tCue 6 11\tsaid\n"
    with pytest.raises(FormatError) as caught:
        brat.read(write(tmp_path, EXAMPLE, ann))
    assert str(caught.value) == (
        f"{tmp_path / 'doc.ann'}:2: T2: the .ann says 'said' but offsets 6 11 select 'said,' "
        "in the .txt (43 characters)"
    )
    assert caught.value.line == 2


def test_span_past_the_end_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"doc\.ann:1: T1: .*select nothing \(past the end"):
        brat.read(write(tmp_path, EXAMPLE, "T1\tPER 40 50\tx\n"))


@pytest.mark.parametrize(
    ("ann", "message"),
    [
        ("X1\tFoo T1\n", r":1: unknown line 'X1\\tFoo T1': expected an id"),
        ("T1 PER 0 5 Putin\n", r":1: unknown line 'T1 PER 0 5 Putin'"),
        ("T1\tPER 0 5\n", r":1: T1: expected 'T1<TAB>TYPE START END<TAB>TEXT'"),
        ("T1\tPER 0 x\tPutin\n", r":1: T1: offsets '0 x' are not 'START END' pairs"),
        ("T1\tPER 5 5\t\n", r":1: T1: fragment \[5, 5\) is empty"),
        ("T1\tX 13 18;15 20\tfoo\n", r":1: T1: fragments '13 18;15 20' overlap"),
        ("T1\tPER 0 5\tPutin\nT1\tPER 0 5\tPutin\n", r":2: T1 is already defined on line 1"),
        ("T1\tPER 0 5\tPutin\nR1\tSpeaker Arg1:T1 Arg2:T9\n", r":2: R1: 'T9' is not a text-bound"),
        ("T1\tPER 0 5\tPutin\nR1\tSpeaker Arg1:T1\n", r":2: R1: expected 'R1<TAB>TYPE Arg1"),
        ("T1\tPER 0 5\tPutin\nE1\tStance:T9 Holder:T1\n", r":2: E1: expected .* trigger"),
        ("T1\tPER 0 5\tPutin\nA1\tNeg T1 a b\n", r":2: A1: expected 'A1<TAB>NAME TARGET"),
        ("T1\tPER 0 5\tPutin\nN1\tReference T1 Q1\tx\n", r":2: N1: expected .*DB:ID"),
        ("T1\tPER 0 5\tPutin\n#1\tAnnotatorNotes T8\tx\n", r":2: #1: 'T8' is not a text-bound"),
    ],
)
def test_bad_lines_are_refused_with_their_line(tmp_path: Path, ann: str, message: str) -> None:
    with pytest.raises(FormatError, match=r"doc\.ann" + message):
        brat.read(write(tmp_path, EXAMPLE, ann))


def test_missing_ann_and_empty_txt_are_refused(tmp_path: Path) -> None:
    txt = tmp_path / "lonely.txt"
    txt.write_text("Some text.", encoding="utf-8")
    with pytest.raises(FormatError, match=r"lonely\.ann: missing: brat needs lonely\.ann beside"):
        brat.read(txt)
    empty = write(tmp_path, "", "")
    with pytest.raises(FormatError, match=r"doc\.txt: the text file is empty"):
        brat.read(empty)


def test_empty_ann_gives_a_document_without_annotations(tmp_path: Path) -> None:
    doc = brat.read(write(tmp_path, EXAMPLE, ""))
    assert (doc.text, doc.spans, doc.relations) == (EXAMPLE, [], [])


def test_txt_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    txt = tmp_path / "latin.txt"
    txt.write_bytes(b"first line\nCaf\xe9\n")
    (tmp_path / "latin.ann").write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match=r"latin\.txt:2: not valid UTF-8 \(byte 14"):
        brat.read(txt)


def test_read_folder_reads_pairs_sorted(tmp_path: Path) -> None:
    write(tmp_path, EXAMPLE, EXAMPLE_ANN, name="b")
    write(tmp_path, CRLF_TEXT, t_line("T1", "PER", CRLF_TEXT, "Kim"), name="a")
    (tmp_path / "annotation.conf").write_text("[entities]\nPER\n", encoding="utf-8")
    docs = brat.read_folder(tmp_path)
    assert [d.external_id for d in docs] == ["a", "b"]
    assert docs[0].text[docs[0].spans[0].start : docs[0].spans[0].end] == "Kim"


def test_read_folder_refuses_unpaired_files_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"no brat \.txt/\.ann pairs"):
        brat.read_folder(tmp_path)
    (tmp_path / "orphan.ann").write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match=r"orphan\.ann: no text file orphan\.txt beside it"):
        brat.read_folder(tmp_path)
    (tmp_path / "orphan.ann").unlink()
    (tmp_path / "alone.txt").write_text("x", encoding="utf-8")
    with pytest.raises(FormatError, match=r"alone\.ann: missing"):
        brat.read_folder(tmp_path)
    with pytest.raises(FormatError, match="not a folder"):
        brat.read_folder(tmp_path / "alone.txt")
