"""Shared machinery of the importer fuzz tests and of ``tests/bench/bench_fuzz.py``.

A :class:`Sandbox` is a folder laid out so that a file escaping the import is seen::

    root/
      outside/sentinel.txt     must stay as it is
      work/                    the hostile input files (emptied before each case)
      tmp/                     tempfile's folder during a case (zip extraction); must end empty
      project.annotator        the target project

:meth:`Sandbox.check` imports one case with ``import_paths`` (and runs ``preview`` on it) and
returns a :class:`Verdict`; a case *fails* when anything other than our own errors escapes,
when a failed file's message does not name the file, when a failed import changed the project,
when the import reported a count the project does not show, or when a file appeared or changed
outside ``work/`` and the project.

The samples below are small valid files of every importer; the strategies mutate them
(truncation, byte edits, hostile tokens, other encodings, JSON values swapped for hostile ones).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import time
import traceback
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from annotator.domain.annotations import (
    AnnotationSet,
    Annotator,
    Entity,
    Evidence,
    Mention,
    Quote,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.errors import AnnotatorError
from annotator.domain.offsets import Utf16Index
from annotator.domain.schema import default_schema
from annotator.formats import native_jsonl
from annotator.services.foreign import LabelPolicy
from annotator.services.importing import import_paths, preview
from annotator.storage.project import Project

#: The fuzz tests' settings: reproducible (derandomized), bounded per case (a deadline far above
#: the ~1 ms a case takes, so only a hang trips it), no example database in the work tree.
#: ``ANNOTATOR_FUZZ_EXAMPLES`` raises the number of cases per importer for a longer run.
settings.register_profile(
    "annotator-fuzz",
    max_examples=int(os.environ.get("ANNOTATOR_FUZZ_EXAMPLES", "120")),
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
FUZZ = settings.get_profile("annotator-fuzz")

# -- samples ----------------------------------------------------------------------------------

TEXT = (
    "Putin 🇷🇺 said, “It is our business to decide.”\r\n"
    "The Pentagon's Sabrina Singh disagreed 😀.\r\n"
    "Cafe\u0301 owners in Seoul 서울 agreed."
)


def _at(needle: str, nth: int = 0, text: str = TEXT) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _json_line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n"


ARTICLE_BODY = (
    "Moscow and Pyongyang deepened their ties this week, officials said on Friday.\r\n\r\n"
    "“It is our business to decide,” President Vladimir Putin told reporters 🇷🇺.\r\n"
    "A spokesperson for the U.S. Defense Department said the deployment was a concern.\r\n"
    "Cafe\u0301 owners in Seoul 서울 said they were watching the news closely.\r\n"
)

TXT_SAMPLE = (
    "Text Size\r\nTroops arrive in Russia\r\n\r\n" + ARTICLE_BODY + "© 2026 Ledger"
).encode()

HTML_SAMPLE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
    "<title>Troops arrive in Russia</title>"
    "<meta name='author' content='Jane Roe'><meta property='og:site_name' content='Ledger'>"
    '<script type=\'application/ld+json\'>{"@type": "NewsArticle", "headline": '
    '"Troops arrive in Russia", "datePublished": "2026-01-02"}</script></head>'
    "<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
    "<h1>Troops arrive in Russia</h1>"
    + "".join(f"<p>{line}</p>" for line in ARTICLE_BODY.split("\r\n") if line)
    + "<p>Officials in Kyiv said the move would change little on the front.</p>"
    "</article><footer>© 2026 Ledger. All rights reserved.</footer></body></html>"
).encode()

JSONL_SAMPLE = _json_line(
    {"text": ARTICLE_BODY, "title": "Troops", "id": "a1", "date": "2026-01-02", "tags": ["x"]}
) + _json_line({"content": TEXT, "headline": "Seoul", "authors": ["A", "B"], "n": 3})

JSON_SAMPLE = json.dumps(
    [{"text": ARTICLE_BODY, "title": "Troops", "url": "https://example.org/1"}, {"body": TEXT}],
    ensure_ascii=False,
).encode()


def _csv_sample() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "text", "date"])
    writer.writerow(["a1", "Troops", ARTICLE_BODY, "2026-01-02"])
    writer.writerow(["a2", "Seoul, again", TEXT, ""])
    return out.getvalue().encode("utf-8")


CSV_SAMPLE = _csv_sample()


def _native_sample() -> bytes:
    article = Article.create(TEXT, title="Seoul", external_id="n1", meta={"k": [1, 2]})
    text = article.text
    annotator = Annotator(name="alice")
    put = Mention(start=0, end=5, label="PER")
    singh_start = text.index("Sabrina Singh")
    singh = Mention(start=singh_start, end=singh_start + 13, label="PER")
    putin = Entity(name="Putin", label="PER")
    pentagon = Entity(name="Sabrina Singh", label="PER")
    put = put.model_copy(update={"entity_id": putin.id})
    singh = singh.model_copy(update={"entity_id": pentagon.id})
    q_start = text.index("“")
    q_end = text.index("”") + 1
    quote = Quote(start=q_start, end=q_end, speaker_id=put.id, cue_start=9, cue_end=13)
    stance = Stance(
        holder_id=pentagon.id,
        target_entity_id=putin.id,
        polarity="against",
        evidence=[Evidence(start=singh_start, end=singh_start + 13)],
    )
    annotation_set = AnnotationSet(
        article_id=article.id,
        annotator_id=annotator.id,
        text_sha256=article.sha256,
        mentions=[put, singh],
        entities=[putin, pentagon],
        quotes=[quote],
        stances=[stance],
    )
    out = io.BytesIO()
    native_jsonl.write(
        out,
        schema=default_schema(),
        annotators=[annotator],
        records=[(article, [annotation_set])],
    )
    return out.getvalue()


NATIVE_SAMPLE = _native_sample()


def _region(rid: str, needle: str, label: str, nth: int = 0, utf16: bool = False) -> dict[str, Any]:
    start, end = _at(needle, nth)
    if utf16:
        start, end = Utf16Index(TEXT).span_to_utf16(start, end)
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": needle, "labels": [label]},
    }


LABEL_STUDIO_SAMPLE = json.dumps(
    [
        {
            "id": 41,
            "data": {"text": TEXT, "title": "Seoul"},
            "meta": {"annotator": "bob"},
            "annotations": [
                {
                    "id": 7,
                    "completed_by": {"email": "ann@example.org"},
                    "was_cancelled": False,
                    "result": [
                        _region("p1", "Putin", "PER"),
                        _region("q1", "“It is our business to decide.”", "QUOTE"),
                        _region("c1", "said", "CUE", utf16=True),
                        _region("s1", "Sabrina Singh", "PER", utf16=True),
                        {
                            "from_id": "q1",
                            "to_id": "p1",
                            "type": "relation",
                            "direction": "right",
                            "labels": ["speaker"],
                        },
                        {
                            "from_id": "c1",
                            "to_id": "q1",
                            "type": "relation",
                            "direction": "left",
                            "labels": ["cue"],
                        },
                        {
                            "id": "ch",
                            "from_name": "genre",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["news"]},
                        },
                        {
                            "id": "p1",
                            "from_name": "note",
                            "to_name": "text",
                            "type": "textarea",
                            "value": {"start": 0, "end": 5, "text": ["a note"]},
                        },
                        {"id": "r9", "type": "rating", "value": {"rating": 3}},
                    ],
                },
                {"id": 8, "was_cancelled": True, "result": []},
            ],
            "predictions": [{"result": []}],
        },
        {"id": 42, "data": {"text": "Just text."}, "annotations": []},
    ],
    ensure_ascii=False,
).encode()


def _doccano_sample() -> bytes:
    index = Utf16Index(TEXT)
    putin = index.span_to_utf16(*_at("Putin"))
    singh = index.span_to_utf16(*_at("Sabrina Singh"))
    quote = index.span_to_utf16(*_at("“It is our business to decide.”"))
    seoul = index.span_to_utf16(*_at("Seoul"))
    first = {
        "id": 3,
        "text": TEXT,
        "entities": [
            {"id": 1, "start_offset": putin[0], "end_offset": putin[1], "label": "PER"},
            {"id": 2, "start_offset": quote[0], "end_offset": quote[1], "label": "QUOTE"},
            {"id": 4, "start_offset": singh[0], "end_offset": singh[1], "label": "PER"},
        ],
        "relations": [{"id": 9, "from_id": 2, "to_id": 1, "type": "speaker"}],
        "cats": [],
        "user": "carol",
    }
    second = {"id": 4, "text": TEXT, "label": [[seoul[0], seoul[1], "GPE"]], "user": "dan"}
    return _json_line(first) + _json_line(second)


DOCCANO_SAMPLE = _doccano_sample()


def _prodigy_sample() -> bytes:
    text = "Putin said it is our business 😀. Singh disagreed."
    words = ["Putin", "said", "it", "is", "our", "business", "😀", ".", "Singh", "disagreed", "."]
    tokens, position = [], 0
    for n, word in enumerate(words):
        start = text.index(word, position)
        tokens.append({"text": word, "start": start, "end": start + len(word), "id": n})
        position = start + len(word)
    singh = _at("Singh", text=text)
    record = {
        "text": text,
        "tokens": tokens,
        "spans": [
            {"start": 0, "end": 5, "token_start": 0, "token_end": 0, "label": "PER"},
            {"start": 6, "end": 10, "token_start": 1, "token_end": 1, "label": "CUE"},
            {"start": singh[0], "end": singh[1], "text": "Singh", "label": "PER"},
            {"start": 11, "end": 33, "label": "QUOTE", "text": text[11:33]},
        ],
        "relations": [
            {
                "head": 2,
                "child": 0,
                "label": "speaker",
                "head_span": {"start": 11, "end": 33, "label": "QUOTE"},
                "child_span": {"start": 0, "end": 5},
            },
        ],
        "answer": "accept",
        "_annotator_id": "news-erin",
        "_input_hash": 12345,
        "meta": {"doc_id": "p1"},
    }
    rejected = {"text": "Nothing here.", "spans": [], "answer": "reject"}
    return _json_line(record) + _json_line(rejected)


PRODIGY_SAMPLE = _prodigy_sample()

BRAT_TEXT = TEXT.replace("\r\n", "\n")


def _brat_sample() -> bytes:
    def t(ann_id: str, label: str, needle: str, nth: int = 0) -> str:
        start, end = _at(needle, nth, BRAT_TEXT)
        return f"{ann_id}\t{label} {start} {end}\t{needle}"

    q_start, q_end = _at("“It is our business to decide.”", text=BRAT_TEXT)
    lines = [
        t("T1", "PER", "Putin"),
        t("T2", "CUE", "said"),
        f"T3\tQUOTE {q_start} {q_start + 6};{q_start + 7} {q_end}\t“It is our business to decide.”",
        t("T4", "PER", "Sabrina Singh"),
        t("T5", "STANCE", "disagreed"),
        "R1\tspeaker Arg1:T3 Arg2:T1",
        "R2\tcue Arg1:T3 Arg2:T2",
        "E1\tSTANCE:T5 holder:T4 target:T1",
        "A1\tpolarity E1 against",
        "N1\tReference T1 Wikidata:Q7747\tPutin",
        "#1\tAnnotatorNotes T1\tthe president",
        "*\tEquiv T1 T4",
    ]
    return ("\n".join(lines) + "\n").encode()


BRAT_ANN_SAMPLE = _brat_sample()


def _spacy_sample() -> bytes | None:
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:  # pragma: no cover - spaCy is a dev dependency
        return None
    nlp = spacy.blank("xx")
    doc = nlp.make_doc("Putin said Singh disagreed in Seoul 서울 😀.")
    doc.ents = [doc.char_span(0, 5, label="PER"), doc.char_span(11, 16, label="PER")]
    doc.spans["quotes"] = [doc.char_span(6, 10, label="CUE")]
    doc.cats = {"news": 0.9}
    other = nlp.make_doc("Second document.")
    return bytes(DocBin(docs=[doc, other]).to_bytes())


SPACY_SAMPLE = _spacy_sample()


def zip_bytes(members: list[tuple[str | zipfile.ZipInfo, bytes]], *, level: int = 6) -> bytes:
    out = io.BytesIO()
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive,
    ):
        warnings.simplefilter("ignore")  # duplicate names are made on purpose
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


ZIP_SAMPLE = zip_bytes(
    [
        ("articles/story.txt", TXT_SAMPLE),
        ("articles/more.jsonl", JSONL_SAMPLE),
        ("tasks/export.json", LABEL_STUDIO_SAMPLE),
    ]
)


@dataclass(frozen=True)
class Importer:
    """One importer as the user reaches it: a file name (and format) and a valid sample."""

    name: str
    filename: str
    sample: bytes
    fmt: str = "auto"
    #: Other files of the case (brat's .txt beside the fuzzed .ann).
    companions: tuple[tuple[str, bytes], ...] = ()
    #: JSON formats: how the sample splits into JSON documents ("lines" or "whole").
    json: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


IMPORTERS: dict[str, Importer] = {
    importer.name: importer
    for importer in [
        Importer("txt", "story.txt", TXT_SAMPLE),
        Importer("txt-trim", "story.txt", TXT_SAMPLE, options={"trim_boilerplate": True}),
        Importer("html", "page.html", HTML_SAMPLE),
        Importer("jsonl", "articles.jsonl", JSONL_SAMPLE, fmt="jsonl", json="lines"),
        Importer("json", "articles.json", JSON_SAMPLE, fmt="json", json="whole"),
        Importer("csv", "articles.csv", CSV_SAMPLE),
        Importer("native", "project.jsonl", NATIVE_SAMPLE, fmt="native", json="lines"),
        Importer(
            "label-studio",
            "export.json",
            LABEL_STUDIO_SAMPLE,
            fmt="label-studio",
            json="whole",
            options={"labels": LabelPolicy(add_unknown=True)},
        ),
        Importer("doccano", "doccano.jsonl", DOCCANO_SAMPLE, fmt="doccano", json="lines"),
        Importer("prodigy", "prodigy.jsonl", PRODIGY_SAMPLE, fmt="prodigy", json="lines"),
        Importer("brat", "doc.ann", BRAT_ANN_SAMPLE, companions=(("doc.txt", BRAT_TEXT.encode()),)),
        Importer(
            "brat-txt", "doc.txt", BRAT_TEXT.encode(), companions=(("doc.ann", BRAT_ANN_SAMPLE),)
        ),
        Importer("auto-jsonl", "any.jsonl", DOCCANO_SAMPLE, json="lines"),
        Importer("zip", "bundle.zip", ZIP_SAMPLE),
    ]
}
if SPACY_SAMPLE is not None:
    IMPORTERS["spacy"] = Importer(
        "spacy",
        "corpus.spacy",
        SPACY_SAMPLE,
        options={"labels": LabelPolicy(mapping={"cats": "genre"})},
    )


# -- hostile values and mutations --------------------------------------------------------------

HOSTILE_TOKENS = [
    b"\x00",
    b"\xff",
    b"\xc3",  # a truncated UTF-8 sequence
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\r",
    b"\r\n",
    b"\t",
    b"\n\n\n",
    b'"',
    b"\\",
    b"\\u0000",
    b"\\ud83d",
    b"\\udc00\\ud800",
    b"1e400",
    b"-1e400",
    b"1" * 400,
    b"9" * 5000,
    b"-1",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"NaN",
    b"Infinity",
    b"[" * 100_000,
    b"{" * 2000,
    b'{"a":' * 300,
    b"]}",
    b"<!ENTITY x 'y'>",
    b"&x;",
    b"\xf0\x9f\x98\x80",  # an emoji
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"\xcc\x81",  # a combining accent
]

HUGE_INTS = [10**4000, 2**64, 2**63, -(2**63) - 1, 10**400, -(10**30)]


def hostile_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([0, 1, -1, 2**31, 2**53 + 1, *HUGE_INTS]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.sampled_from(["", " ", "\x00", "\ud800", "😀", "\r\n", "PER", "QUOTE", "speaker"]),
    )


def hostile_json() -> st.SearchStrategy[Any]:
    return st.recursive(
        hostile_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(
                st.sampled_from(["text", "start", "end", "label", "id", "spans", "value", "x"])
                | st.text(max_size=8),
                children,
                max_size=4,
            ),
        ),
        max_leaves=12,
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any, action: str) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if not rest and action == "delete":
        del copy[head]
    elif not rest and action == "duplicate" and isinstance(copy, list):
        copy.insert(head, copy[head])
    else:
        copy[head] = _replace(value[head], rest, new, action)
    return copy


def _dumps(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except ValueError:  # integers beyond int-to-str limits: write them digit by digit
        return json.dumps(value, ensure_ascii=True, default=str).encode()


@st.composite
def json_mutation(draw: st.DrawFn, sample: bytes, layout: str) -> bytes:
    """The sample with one JSON node replaced by, or made into, something hostile."""
    if layout == "lines":
        documents = [json.loads(line) for line in sample.splitlines() if line.strip()]
    else:
        documents = [json.loads(sample)]
    which = draw(st.integers(0, len(documents) - 1))
    paths = list(_paths(documents[which]))
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate"]))
    if not path:
        action = "replace"
    new = draw(hostile_json()) if action == "replace" else None
    with suppress(KeyError, IndexError, TypeError):
        documents[which] = _replace(documents[which], path, new, action)
    parts = [_huge_safe_dumps(d) for d in documents]
    if layout == "lines":
        return b"\n".join(parts) + b"\n"
    return parts[0]


def _huge_safe_dumps(value: Any) -> bytes:
    try:
        return _dumps(value)
    except (ValueError, TypeError):
        return b'"unserialisable"'


@st.composite
def byte_edits(draw: st.DrawFn, sample: bytes) -> bytes:
    """A few byte-level edits: overwrite, insert a hostile token, delete a run, repeat a run."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            data.extend(draw(st.sampled_from(HOSTILE_TOKENS)))
            continue
        position = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["set", "insert", "delete", "repeat", "token", "digits"]))
        if kind == "set":
            data[position] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        elif kind == "repeat":
            chunk = data[position : position + draw(st.integers(1, 40))]
            data[position:position] = chunk * draw(st.integers(1, 50))
        elif kind == "token":
            data[position:position] = draw(st.sampled_from(HOSTILE_TOKENS))
        else:  # change a number: grow it, negate it, or make it huge
            while position < len(data) and not chr(data[position]).isdigit():
                position += 1
            data[position:position] = draw(st.sampled_from([b"-", b"9999999", b"0", b"1" * 30]))
    return bytes(data)


ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "cp1252", "latin-1"]


@st.composite
def reencoded(draw: st.DrawFn, sample: bytes) -> bytes:
    """The sample saved in another encoding (UTF-16 with and without BOM, ...)."""
    encoding = draw(st.sampled_from(ENCODINGS))
    return sample.decode("utf-8").encode(encoding, "replace")


def mutations(importer: Importer) -> st.SearchStrategy[bytes]:
    """Every kind of hostile variant of one importer's sample."""
    sample = importer.sample
    kinds: list[st.SearchStrategy[bytes]] = [
        st.binary(max_size=600),
        st.integers(0, len(sample)).map(lambda n: sample[:n]),
        byte_edits(sample),
        byte_edits(sample),
    ]
    if importer.name not in ("zip", "spacy"):
        kinds.append(reencoded(sample))
    if importer.json is not None:
        kinds += [json_mutation(sample, importer.json)] * 3
    if importer.name.startswith("brat"):
        kinds += [brat_mutation(importer)] * 3
    if importer.name == "csv":
        kinds.append(csv_mutation())
    if importer.name == "spacy":
        kinds += [docbin_mutation(sample)] * 3
    if importer.name == "zip":
        kinds += [archive_mutation()] * 3
    if importer.name == "html":
        kinds.append(html_mutation())
    return st.one_of(kinds)


@st.composite
def brat_mutation(draw: st.DrawFn, importer: Importer) -> bytes:
    """A .ann (or .txt) whose lines are shuffled, dropped, re-numbered, or CRLF."""
    if importer.name == "brat-txt":
        text = BRAT_TEXT
        choice = draw(st.sampled_from(["crlf", "bom", "shorter", "emoji"]))
        if choice == "crlf":
            return text.replace("\n", "\r\n").encode()
        if choice == "bom":
            return b"\xef\xbb\xbf" + text.encode()
        if choice == "shorter":
            return text[: draw(st.integers(0, len(text)))].encode()
        return ("😀" * draw(st.integers(1, 5)) + text).encode()
    lines = BRAT_ANN_SAMPLE.decode().splitlines()
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["offsets", "drop", "dup", "swap", "ref", "field", "crlf"]))
        fields = lines[n].split("\t")
        if action == "offsets" and lines[n].startswith("T"):
            numbers = draw(
                st.lists(
                    st.one_of(
                        st.integers(-5, 400).map(str),
                        st.sampled_from(["9" * 30, "9" * 5000, "0", "-1", "1e3", "٣", "²"]),
                    ),
                    min_size=1,
                    max_size=5,
                )
            )
            separator = draw(st.sampled_from([" ", ";", " ;", "  "]))
            label = fields[1].split(" ")[0]
            fields[1] = label + " " + separator.join(numbers)
            lines[n] = "\t".join(fields)
        elif action == "drop":
            del lines[n]
            if not lines:
                lines.append("")
        elif action == "dup":
            lines.insert(n, lines[n])
        elif action == "swap":
            m = draw(st.integers(0, len(lines) - 1))
            lines[n], lines[m] = lines[m], lines[n]
        elif action == "ref":
            ref = draw(st.sampled_from(["T9", "E1", "R1", "A1", "T3", "", ":", "T1:T2"]))
            lines[n] = lines[n].replace("T1", ref, 1)
        elif action == "field":
            index = draw(st.integers(0, len(fields)))
            fields.insert(index, draw(st.text(max_size=10)))
            lines[n] = "\t".join(fields)
        else:
            return ("\r\n".join(lines) + "\r\n").encode("utf-8", "surrogatepass")
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


@st.composite
def csv_mutation(draw: st.DrawFn) -> bytes:
    header = draw(
        st.lists(st.sampled_from(["text", "title", "id", "", "text", "body", "x\x00"]), max_size=4)
    )
    rows = draw(st.lists(st.lists(st.text(max_size=20), max_size=5), max_size=4))
    out = io.StringIO()
    writer = csv.writer(out, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


@st.composite
def docbin_mutation(draw: st.DrawFn, sample: bytes) -> bytes:
    """A DocBin whose msgpack fields are swapped for hostile values, or a bomb."""
    import srsly

    message = srsly.msgpack_loads(zlib.decompress(sample))
    kind = draw(st.sampled_from(["field", "field", "drop", "bomb", "raw"]))
    if kind == "bomb":
        return draw(st.sampled_from(sorted(MSGPACK_BOMBS.values())))
    key = draw(st.sampled_from(sorted(message)))
    if kind == "drop":
        del message[key]
    elif kind == "raw":
        message[key] = draw(st.binary(max_size=64))
    else:
        message[key] = draw(
            st.one_of(
                st.integers(-(2**63), 2**64 - 1),
                st.text(max_size=10),
                st.binary(max_size=40),
                st.lists(st.integers(-1, 2**40), max_size=5),
                st.lists(st.binary(max_size=16), max_size=3),
                st.dictionaries(st.text(max_size=5), st.integers(-(2**63), 2**64 - 1), max_size=3),
            )
        )
    return zlib.compress(srsly.msgpack_dumps(message))


def _msgpack_bombs() -> dict[str, bytes]:
    zeros = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    compressed = b"".join(zeros.compress(chunk) for _ in range(512)) + zeros.flush()
    return {
        # 512 MB of zeros in ~0.5 MB: the decompression must stop early.
        "zlib bomb": compressed,
        # an array header claiming 4 billion items, then nothing
        "array header": zlib.compress(b"\xdd\xff\xff\xff\xff"),
        # a map claiming 4 billion pairs
        "map header": zlib.compress(b"\xdf\xff\xff\xff\xff"),
        # bytes claiming 4 GB
        "bin header": zlib.compress(b"\x81\xa5attrs\xc6\xff\xff\xff\xff"),
        # 100,000 nested arrays
        "deep": zlib.compress(b"\x91" * 100_000 + b"\x00"),
        # a valid message of the wrong shape
        "wrong shape": zlib.compress(b"\x93\x01\x02\x03"),
        "no attrs": zlib.compress(b"\x81\xa5attrs\x90"),
    }


MSGPACK_BOMBS = _msgpack_bombs()


@st.composite
def archive_mutation(draw: st.DrawFn) -> bytes:
    """Archives with hostile member names, duplicates, nesting, and compression ratios."""
    names = st.sampled_from(
        [
            "../escape.txt",
            "a/../../escape.txt",
            "/abs-escape.txt",
            "..\\escape.txt",
            "C:\\escape.txt",
            "./",
            "dir/",
            "a.txt",
            "a.txt/b.txt",
            "deep/" * 40 + "x.txt",
            "x" * 300 + ".txt",
            "nested.zip",
            "notes.md",
            "data.jsonl",
            "\u202eevil.txt",
        ]
    )
    members: list[tuple[str | zipfile.ZipInfo, bytes]] = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(names)
        content = draw(
            st.sampled_from(
                [TXT_SAMPLE, JSONL_SAMPLE, b"", b"Headline here\nBody.", bytes(300_000), ZIP_SAMPLE]
            )
        )
        if draw(st.booleans()) and name != "./":
            info = zipfile.ZipInfo(name)
            mode = draw(st.sampled_from([0o120777, 0o100644, 0o020644, 0o010644, 0o040755]))
            info.external_attr = mode << 16
            members.append((info, content))
        else:
            members.append((name, content))
    return zip_bytes(members)


@st.composite
def html_mutation(draw: st.DrawFn) -> bytes:
    """Pages with entity declarations, external entities, deep nesting and odd encodings."""
    body = ARTICLE_BODY.replace("\r\n", " ")
    head = draw(
        st.sampled_from(
            [
                XML_BOMB_PROLOGUE,
                XXE_PROLOGUE,
                b'<?xml version="1.0" encoding="utf-16"?>',
                b'<meta charset="x-unknown">',
                b"",
            ]
        )
    )
    nest = draw(st.sampled_from([0, 10, 5000]))
    ld = draw(
        st.sampled_from(
            [b"", b'<script type="application/ld+json">' + b"[" * 50_000 + b"</script>"]
        )
    )
    reference = draw(st.sampled_from([b"&lol9;", b"&xxe;", b"&amp;", b"&#0;", b"&#x110000;", b""]))
    page = (
        head
        + b"<html><head>"
        + ld
        + b"</head><body>"
        + b"<div>" * nest
        + b"<article><p>"
        + body.encode()
        + reference
        + b"</p><p>"
        + body.encode()
        + b"</p></article>"
        + b"</div>" * nest
        + b"</body></html>"
    )
    return page


XML_BOMB_PROLOGUE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE html [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'.encode()
        for n in range(1, 10)
    )
    + b"]>\n"
)


def xxe_prologue(target: str) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE html [\n'
        + f' <!ENTITY xxe SYSTEM "file://{target}">\n'.encode()
        + b' <!ENTITY remote SYSTEM "http://127.0.0.1:9/x">\n'
        + b"]>\n"
    )


XXE_PROLOGUE = xxe_prologue("/etc/hostname")


# -- a deterministic catalogue of hostile variants ---------------------------------------------

#: Raw JSON text put in place of a value: what ``json.dumps`` cannot or would not write.
RAW_VALUES: list[tuple[str, bytes]] = [
    ("1e400", b"1e400"),
    ("-1e400", b"-1e400"),
    ("10**10000", b"1" + b"0" * 10_000),
    ("2**64", b"18446744073709551616"),
    ("-2**63-1", b"-9223372036854775809"),
    ("-1", b"-1"),
    ("1.5", b"1.5"),
    ("true", b"true"),
    ("null", b"null"),
    ("empty string", b'""'),
    ("blank string", b'" \\n "'.replace(b"\\\\", b"\\")),
    ("10,000 characters", b'"' + b"a" * 10_000 + b'"'),
    ("control characters", b'"\\u0001\\u001f"'.replace(b"\\\\", b"\\")),
    ("NUL string", b'"a\\u0000b"'.replace(b"\\\\", b"\\")),
    ("lone surrogate", b'"\\ud800"'.replace(b"\\\\", b"\\")),
    ("[]", b"[]"),
    ("{}", b"{}"),
    ("100,000 levels deep", b"[" * 100_000 + b"]" * 100_000),
    # deep enough for JSON readers (1024), too deep for the project's JSON writer (~254)
    ("254 levels deep", b"[" * 254 + b"]" * 254),
    ("NaN", b"NaN"),
    ("huge offset", b"9007199254740993"),
]
_MARKER = "\u2063hostile\u2063"


def _with_raw(document: Any, path: tuple[Any, ...], raw: bytes) -> bytes:
    marked = _replace(document, path, _MARKER, "replace")
    return _dumps(marked).replace(json.dumps(_MARKER, ensure_ascii=False).encode(), raw, 1)


def json_catalogue(sample: bytes, layout: str) -> Iterator[tuple[str, bytes]]:
    """Every value of every JSON document of the sample swapped for each raw value, and deleted."""
    if layout == "lines":
        documents = [json.loads(line) for line in sample.splitlines() if line.strip()]
    else:
        documents = [json.loads(sample)]
    for which, document in enumerate(documents):
        for path in _paths(document):
            where = f"document {which + 1} at {'/'.join(map(str, path)) or 'top'}"
            variants = [(f"{where} = {name}", raw) for name, raw in RAW_VALUES]
            for description, raw in variants:
                changed = _with_raw(document, path, raw)
                yield description, _join(documents, which, changed, layout)
            if path:
                deleted = _dumps(_replace(document, path, None, "delete"))
                yield f"{where} deleted", _join(documents, which, deleted, layout)


def _join(documents: list[Any], which: int, changed: bytes, layout: str) -> bytes:
    parts = [changed if n == which else _dumps(d) for n, d in enumerate(documents)]
    return b"\n".join(parts) + b"\n" if layout == "lines" else parts[0]


BRAT_OFFSETS = [
    "-1 5",
    "5 3",
    "0 0",
    "0 99999999999",
    "9" * 5000 + " " + "9" * 5001,
    "1e3 5",
    "\u0663 \u0665",  # Arabic-Indic digits: str.isdigit() says yes
    "0 5;3 8",
    "0 5;;6 8",
    "0  5",
    "0 5 7",
    "",
]


def brat_catalogue() -> Iterator[tuple[str, bytes]]:
    lines = BRAT_ANN_SAMPLE.decode().splitlines()
    for n, line in enumerate(lines):
        if line.startswith("T"):
            ann_id, head, quoted = line.split("\t")
            label = head.split(" ")[0]
            for offsets in BRAT_OFFSETS:
                changed = [*lines[:n], f"{ann_id}\t{label} {offsets}\t{quoted}", *lines[n + 1 :]]
                yield f"line {n + 1} offsets {offsets[:20]!r}", _ann(changed)
        yield f"line {n + 1} repeated", _ann([*lines[: n + 1], *lines[n:]])
        yield f"line {n + 1} dropped", _ann([*lines[:n], *lines[n + 1 :]])
        yield (
            f"line {n + 1} without tabs",
            _ann([*lines[:n], line.replace("\t", " "), *lines[n + 1 :]]),
        )
    yield "CRLF line ends", ("\r\n".join(lines) + "\r\n").encode()
    yield (
        "overlapping spans",
        _ann(
            [
                *lines,
                "T9\tPER 0 9\tPutin \U0001f1f7\U0001f1fa ",
                "T10\tORG 3 12\t" + BRAT_TEXT[3:12],
            ]
        ),
    )
    yield "dangling reference", _ann([*lines, "R9\tspeaker Arg1:T77 Arg2:T1"])
    yield "event without trigger", _ann([*lines, "E9\tSTANCE holder:T4"])


def _ann(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def docbin_catalogue(sample: bytes) -> Iterator[tuple[str, bytes]]:
    import srsly

    yield from MSGPACK_BOMBS.items()
    message = srsly.msgpack_loads(zlib.decompress(sample))
    values: list[tuple[str, Any]] = [
        ("None", None),
        ("-1", -1),
        ("2**64-1", 2**64 - 1),
        ("text", "x"),
        ("odd bytes", b"\x01\x02\x03"),
        ("empty list", []),
        ("list of huge", [2**63, -1]),
        ("map", {"a": 1}),
    ]
    for key in sorted(message):
        for name, value in values:
            changed = {**message, key: value}
            yield f"{key} = {name}", zlib.compress(srsly.msgpack_dumps(changed))
        yield (
            f"{key} deleted",
            zlib.compress(srsly.msgpack_dumps({k: v for k, v in message.items() if k != key})),
        )
    yield "not zlib", sample[2:]
    yield "zlib of garbage", zlib.compress(bytes(range(256)) * 4)


def byte_catalogue(sample: bytes) -> Iterator[tuple[str, bytes]]:
    """Encodings, NUL bytes and invalid UTF-8 at the start, middle and end, blank files."""
    text = sample.decode("utf-8", "replace")
    for encoding in ("utf-16-le", "utf-16-be", "utf-32"):
        yield f"{encoding} without BOM", text.encode(encoding)
    yield "utf-16 with BOM", text.encode("utf-16")
    yield "utf-16-be with BOM", b"\xfe\xff" + text.encode("utf-16-be")
    yield "utf-8 with BOM", b"\xef\xbb\xbf" + sample
    yield "latin-1", text.encode("latin-1", "replace")
    middle = len(sample) // 2
    for name, token in [
        ("NUL", b"\x00"),
        ("0xFF", b"\xff"),
        ("a cut UTF-8 sequence", b"\xe2\x80"),
        ("an encoded surrogate", b"\xed\xa0\x80"),
        ("an overlong encoding", b"\xc0\xaf"),
    ]:
        yield f"{name} at the start", token + sample
        yield f"{name} in the middle", sample[:middle] + token + sample[middle:]
        yield f"{name} at the end", sample + token
    yield "empty", b""
    yield "blank", b" \n\t\r\n"
    yield "a BOM only", b"\xef\xbb\xbf"
    yield "100,000 blank lines first", b"\n" * 100_000 + sample
    yield "CR line ends", sample.replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    yield "a 1 MB line", sample + b"x" * (1 << 20)


def catalogue(importer: Importer) -> list[tuple[str, bytes]]:
    """The deterministic hostile variants of one importer's sample."""
    cases = list(byte_catalogue(importer.sample))
    if importer.json is not None:
        cases += json_catalogue(importer.sample, importer.json)
    if importer.name == "brat":
        cases += brat_catalogue()
    if importer.name == "spacy":
        cases += docbin_catalogue(importer.sample)
    return cases


def spread(cases: list[Any], budget: int | None) -> list[Any]:
    """At most ``budget`` cases, evenly spread over the list (all of them when None)."""
    if budget is None or len(cases) <= budget:
        return cases
    step = len(cases) / budget
    return [cases[int(n * step)] for n in range(budget)]


def prefixes(sample: bytes, budget: int | None) -> list[int]:
    """Prefix lengths to cut the sample at: every one, or ``budget`` spread evenly."""
    return spread(list(range(len(sample) + 1)), budget)


# -- the sandbox -------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What one case did; ``problems`` empty means it behaved."""

    importer: str
    data: bytes
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    imported: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def project_state(project: Project) -> dict[str, tuple[int, str]]:
    """Per table: row count and a hash of every row, to see that nothing changed."""
    conn = project.database.conn
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    state = {}
    for table in tables:
        digest = hashlib.sha256()
        count = 0
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            count += 1
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
        state[table] = (count, digest.hexdigest())
    return state


class Sandbox:
    """A project and a work folder inside ``root``, watched for anything written around them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "work"
        self.tmp = root / "tmp"
        self.outside = root / "outside"
        for folder in (self.work, self.tmp, self.outside):
            folder.mkdir(parents=True, exist_ok=True)
        (self.outside / "sentinel.txt").write_text("do not touch", "utf-8")
        self.project_path = root / "project.annotator"
        self.project = Project.create(self.project_path, schema=default_schema())
        self.tried: dict[str, int] = {}
        self.failures: list[Verdict] = []

    #: A fresh project once this many articles are in: hashing the state stays cheap.
    RENEW_AFTER = 150

    def close(self) -> None:
        self.project.close()

    def _renew_if_full(self) -> None:
        if self.project.articles.count() < self.RENEW_AFTER:
            return
        self.project.close()
        for path in self.root.glob(self.project_path.name + "*"):
            path.unlink()
        self.project = Project.create(self.project_path, schema=default_schema())

    def _watched(self) -> dict[str, tuple[int, int]]:
        seen = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            here = Path(dirpath)
            if here == self.root:
                dirnames[:] = [d for d in dirnames if d != "work"]
            for name in filenames + dirnames:
                path = here / name
                if here == self.root and self.project_path.name in name:
                    continue
                info = path.lstat()
                # A folder's own times change whenever the temp folder is used: ignore them.
                is_folder = name in dirnames
                seen[str(path.relative_to(self.root))] = (
                    (0, 0) if is_folder else (info.st_size, info.st_mtime_ns)
                )
        return seen

    @contextmanager
    def _temp_folder(self) -> Iterator[None]:
        """tempfile's folder is the sandbox's, and so is the working folder (in ``outside``)."""
        saved, cwd = tempfile.tempdir, Path.cwd()
        tempfile.tempdir = str(self.tmp)
        os.chdir(self.outside)
        try:
            yield
        finally:
            tempfile.tempdir = saved
            os.chdir(cwd)

    def _lay_out(self, importer: Importer, data: bytes) -> Path:
        for child in self.work.iterdir():
            if child.is_dir():
                _remove_tree(child)
            else:
                child.unlink()
        target = self.work / importer.filename
        target.write_bytes(data)
        for name, content in importer.companions:
            (self.work / name).write_bytes(content)
        return target

    def check(self, importer: Importer, data: bytes) -> Verdict:
        """Import ``data`` as ``importer`` would meet it; record what went wrong."""
        verdict = Verdict(importer.name, data)
        self.tried[importer.name] = self.tried.get(importer.name, 0) + 1
        self._renew_if_full()
        target = self._lay_out(importer, data)
        entry = target if importer.name != "brat" else self.work / "doc.txt"
        before_files = self._watched()
        before = project_state(self.project)
        articles_before = self.project.articles.count()
        started = time.perf_counter()
        with self._temp_folder():
            try:
                report = import_paths(self.project, [entry], fmt=importer.fmt, **importer.options)
            except AnnotatorError as error:
                verdict.errors.append(str(error))
                report = None
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt):
                    raise
                verdict.problems.append(f"import raised {_describe(error)}")
                report = None
            try:
                preview([entry], fmt=importer.fmt)
            except AnnotatorError:
                pass
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt):
                    raise
                verdict.problems.append(f"preview raised {_describe(error)}")
        verdict.seconds = time.perf_counter() - started
        if report is not None:
            self._judge(verdict, report, before, articles_before)
        leftovers = list(self.tmp.iterdir())
        if leftovers:
            verdict.problems.append(f"left behind in the temp folder: {leftovers[:3]}")
            for child in leftovers:
                _remove_tree(child) if child.is_dir() else child.unlink()
        after_files = self._watched()
        if after_files != before_files:
            changed = sorted(set(after_files.items()) ^ set(before_files.items()))
            verdict.problems.append(f"files written outside the target: {changed[:3]}")
            _restore(self.root, before_files)
        if not verdict.ok:
            self.failures.append(verdict)
        return verdict

    def _judge(
        self,
        verdict: Verdict,
        report: Any,
        before: dict[str, tuple[int, str]],
        articles_before: int,
    ) -> None:
        failed = report.failed
        for file_report in failed:
            message = file_report.error or ""
            verdict.errors.append(message)
            if not message.strip():
                verdict.problems.append(f"{file_report.path}: empty error message")
            elif file_report.error != "cancelled" and Path(file_report.path).stem not in message:
                verdict.problems.append(f"error does not name the file: {message[:300]!r}")
            if "Traceback" in message or "object at 0x" in message:
                verdict.problems.append(f"error is not a clear sentence: {message[:300]!r}")
        succeeded = [f for f in report.files if f.error is None]
        if not succeeded and project_state(self.project) != before:
            verdict.problems.append("a failed import changed the project")
        grown = self.project.articles.count() - articles_before
        if grown != report.imported:
            verdict.problems.append(
                f"report says {report.imported} articles imported, the project gained {grown}"
            )
        verdict.imported = report.imported
        if report.imported > 0:
            texts = self.project.database.conn.execute(
                "SELECT text FROM articles ORDER BY position DESC LIMIT ?", (report.imported,)
            )
            if any("\x00" in text for (text,) in texts):
                verdict.problems.append("an imported article text holds a NUL character")


def _describe(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/annotator/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(error).__name__} at {where}: {str(error)[:200]}"


def _remove_tree(path: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(path, topdown=False):
        for name in filenames:
            Path(dirpath, name).unlink()
        for name in dirnames:
            target = Path(dirpath, name)
            target.unlink() if target.is_symlink() else target.rmdir()
    path.rmdir()


def _restore(root: Path, before: dict[str, tuple[int, int]]) -> None:
    """Remove what a faulty import wrote around the sandbox, so later cases start clean."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        here = Path(dirpath)
        if "work" in here.relative_to(root).parts[:1]:
            continue
        for name in filenames + dirnames:
            path = here / name
            relative = str(path.relative_to(root))
            if here == root and (name == "work" or "project.annotator" in name):
                continue
            if relative not in before:
                if path.is_dir() and not path.is_symlink():
                    _remove_tree(path)
                else:
                    path.unlink()


__all__ = [
    "IMPORTERS",
    "MSGPACK_BOMBS",
    "Importer",
    "Sandbox",
    "Verdict",
    "mutations",
    "project_state",
    "zip_bytes",
]
