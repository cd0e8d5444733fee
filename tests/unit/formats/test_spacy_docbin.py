"""spaCy DocBin (.spacy): entities, span groups and categories, with a blank pipeline only."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path
from typing import Any

import pytest

from annotator.formats import spacy_docbin
from annotator.formats.errors import FormatError

spacy = pytest.importorskip("spacy")
from spacy.tokens import Doc, DocBin  # noqa: E402

TEXT = "🇰🇷 Seoul 😀 said Kim: “다시 시작한다.”\r\nMoon agreed."


def char_span(doc: Doc, part: str, label: str, kb_id: str = "") -> Any:
    start = doc.text.index(part)
    made = doc.char_span(start, start + len(part), label=label, kb_id=kb_id)
    assert made is not None, f"{part!r} is not on token boundaries"
    return made


def write_docbin(path: Path, docs: list[Doc], *, user_data: bool = False) -> Path:
    """What ``spacy train`` corpora and Prodigy's ``data-to-spacy`` write."""
    DocBin(docs=docs, store_user_data=user_data).to_disk(path)
    return path


def make_doc(text: str = TEXT) -> Doc:
    doc: Doc = spacy.blank("xx").make_doc(text)
    return doc


def test_reads_entities_span_groups_and_cats(tmp_path: Path) -> None:
    doc = make_doc()
    kim = char_span(doc, "Kim", "PER", kb_id="Q1")
    doc.ents = [char_span(doc, "Seoul", "LOC"), kim, char_span(doc, "Moon", "PER")]
    doc.spans["quote"] = [char_span(doc, "“다시 시작한다.”", "QUOTE")]
    doc.spans["sc"] = [
        char_span(doc, "Kim", "PER"),
        char_span(doc, "Kim", "SPEAKER"),
        char_span(doc, "said", "CUE"),
    ]
    doc.cats = {"AGAINST": 0.9, "FAVOR": 0.1, "NEUTRAL": 0.5}
    path = write_docbin(tmp_path / "train.spacy", [doc, make_doc("Plain text.")])

    first, second = spacy_docbin.read(path)

    assert first.text == TEXT
    assert [(s.id, s.label, TEXT[s.start : s.end], s.attributes) for s in first.spans] == [
        ("ent0", "LOC", "Seoul", {}),
        ("ent1", "PER", "Kim", {"kb_id": "Q1"}),
        ("ent2", "PER", "Moon", {}),
        ("quote:0", "QUOTE", "“다시 시작한다.”", {"group": "quote"}),
        # sc:0 repeats the entity Kim/PER and is skipped
        ("sc:1", "SPEAKER", "Kim", {"group": "sc"}),
        ("sc:2", "CUE", "said", {"group": "sc"}),
    ]
    assert first.spans[1].start == 16  # code points: the flag counts two, the emoji one
    assert first.spans[2].start == TEXT.index("Moon")  # the CR is kept
    assert first.choices == {"cats": ["AGAINST", "NEUTRAL"]}
    assert first.metadata == {"index": 1, "cats": {"AGAINST": 0.9, "FAVOR": 0.1, "NEUTRAL": 0.5}}
    assert (second.text, second.spans, second.choices) == ("Plain text.", [], {})
    assert second.metadata == {"index": 2}


def test_user_data_is_not_imported_but_counted(tmp_path: Path) -> None:
    doc = make_doc()
    doc.user_data["quotes"] = [[12, 43]]
    path = write_docbin(tmp_path / "user.spacy", [doc], user_data=True)
    [read] = spacy_docbin.read(path)
    assert read.warnings == [
        "document 1: 1 user_data entries (custom Doc._ values) are not imported"
    ]


def test_a_language_code_picks_the_blank_pipeline(tmp_path: Path) -> None:
    path = write_docbin(tmp_path / "ko.spacy", [make_doc("김지우 씨는 말했다.")])
    [doc] = spacy_docbin.read(path, lang="en")
    assert doc.text == "김지우 씨는 말했다."
    with pytest.raises(FormatError, match=r"ko\.spacy: spaCy cannot make a blank 'zz' pipeline"):
        spacy_docbin.read(path, lang="zz")


def test_empty_garbage_and_missing_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.spacy"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match=r"bad\.spacy: the file is empty"):
        spacy_docbin.read(path)
    path.write_bytes(b"this is not msgpack")
    with pytest.raises(FormatError, match=r"bad\.spacy: not a spaCy DocBin \(\.spacy\) file"):
        spacy_docbin.read(path)
    with pytest.raises(FormatError, match=r"gone\.spacy: cannot read the file"):
        spacy_docbin.read(tmp_path / "gone.spacy")


def test_an_empty_docbin_is_refused(tmp_path: Path) -> None:
    path = write_docbin(tmp_path / "none.spacy", [])
    with pytest.raises(FormatError, match="holds no documents"):
        spacy_docbin.read(path)


def test_without_spacy_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_spacy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spacy)
    monkeypatch.delitem(sys.modules, "spacy.tokens", raising=False)
    with pytest.raises(FormatError) as caught:
        spacy_docbin.read(tmp_path / "any.spacy")
    assert str(caught.value) == (
        f"{tmp_path / 'any.spacy'}: reading .spacy files needs spaCy: "
        "pip install 'annotator[spacy]'"
    )
