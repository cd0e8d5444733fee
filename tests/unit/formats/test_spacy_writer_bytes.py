"""The spaCy writer builds its files without ``DocBin`` (and its span groups without ``Span``
objects): they must hold exactly what ``DocBin(store_user_data=True)`` holds for the same docs."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from annotator.domain.article import Article
from annotator.formats import spacy_docbin_writer as writer
from annotator.formats.export_types import ExportOptions, ExportReport
from tests.unit.formats import export_samples
from tests.unit.formats.conftest import Builder, sample_documents

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402


def documents() -> list:
    text = "Kim Ji-woo met  Lee in Seoul.\n\nThey agreed."
    extra = Builder(Article.create(text, id="extra", language="en"))
    kim = extra.entity("Kim Ji-woo", "PER", kb_id="Q1")
    extra.mention("Kim Ji-woo", "PER", entity=kim)
    extra.mention("i-wo", "PER")  # inside a token: expanded
    extra.mention("met  Lee", "ORG")  # two spaces inside: one whitespace token
    extra.mention("Seoul.", "GPE")  # "Seoul" "." on token boundaries
    # Chinese: spaCy's own ChineseTokenizer (not its Tokenizer class), the Doc-based path.
    chinese = Builder(Article.create("北京市长李明说：“我们不会退让。”", id="zh", language="zh"))
    li = chinese.entity("李明", "PER")
    chinese.mention("李明", "PER", entity=li)
    chinese.mention("北京", "GPE")
    return [
        *sample_documents(),
        *export_samples.samples(),
        extra.document("test"),
        chinese.document("test"),
    ]


@pytest.mark.parametrize(
    "layers",
    [
        frozenset({"entities", "quotes", "stances"}),
        frozenset({"entities"}),
        frozenset({"quotes", "stances"}),
    ],
)
@pytest.mark.parametrize("align", ["expand", "drop"])
@pytest.mark.parametrize("deflate", ["installed", "zlib"])
def test_files_hold_what_docbin_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layers: frozenset, align: str, deflate: str
) -> None:
    if deflate == "zlib":  # as without ISA-L installed
        monkeypatch.setattr(
            writer,
            "deflate_backend",
            lambda: writer.Deflate(zlib.compressobj, zlib.adler32, 3, zlib.Z_DEFAULT_COMPRESSION),
        )
    monkeypatch.setattr(writer, "MERGE_IDS", 2)  # string ids merged in the background too
    options = ExportOptions(layers=layers, align=align)
    report = ExportReport("spacy", tmp_path)
    docs = documents()
    writer.write(iter(docs), tmp_path / "out", options, report)
    pipelines = writer.BlankPipelines("spaCy", options.lang, ExportReport("spacy", tmp_path))
    by_split: dict[str, DocBin] = {}
    for document in docs:
        nlp = pipelines.for_article(document.article)
        doc = writer.build_doc(nlp, document, options, ExportReport("spacy", tmp_path))
        by_split.setdefault(document.split, DocBin(store_user_data=True)).add(doc)
    assert sorted(p.name for p in report.files) == sorted(f"{s}.spacy" for s in by_split)
    for split, docbin in by_split.items():
        ours = zlib.decompress((tmp_path / "out" / f"{split}.spacy").read_bytes())
        assert ours == zlib.decompress(docbin.to_bytes()), split


def test_span_group_bytes_equal_spacys_own(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    text = "Angela Merkel met Emmanuel Macron in Berlin 😀 today."
    doc = nlp.make_doc(text)
    groups = {
        "mentions": [
            writer.TokenSpan(0, 2, "PER", "e1", "Q567"),
            writer.TokenSpan(1, 4, "PER"),
            writer.TokenSpan(6, 8, "GPE", "", ""),
        ],
        "quotes": [],
        "cues": [writer.TokenSpan(2, 3, "CUE", "q1")],
    }
    for name, spans in groups.items():
        doc.spans[name] = [
            spacy.tokens.Span(doc, s.start, s.end, label=s.label, kb_id=s.kb_id, span_id=s.item_id)
            for s in spans
        ]
    starts = [token.idx for token in doc]
    ends = [token.idx + len(token) for token in doc]
    strings = nlp.vocab.strings
    assert writer.span_groups_bytes(groups, starts, ends, strings.add) == doc.spans.to_bytes()
    assert (
        writer.span_groups_bytes({}, starts, ends, strings.add)
        == nlp.make_doc("x").spans.to_bytes()
    )


def test_quick_alignment_agrees_with_align(tmp_path: Path) -> None:
    """The bisect path of ``Aligner`` gives what ``align`` gives, for every span of a text."""
    nlp = spacy.blank("en")
    text = "Kim  said: “Again!”\n He left.  "
    doc = nlp.make_doc(text)
    bounds = ([t.idx for t in doc], [t.idx + len(t) for t in doc], text)
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            slow = ExportReport("spacy", tmp_path)
            quick = ExportReport("spacy", tmp_path)
            want = writer.Aligner(doc, "expand", slow).span((start, end), "X", "mention")
            got = writer.Aligner(doc, "expand", quick, bounds).span((start, end), "X", "mention")
            assert got == want, (start, end, text[start:end])
            assert quick.dropped == slow.dropped
