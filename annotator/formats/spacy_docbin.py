"""spaCy v3 ``DocBin`` files (``.spacy``): documents with entities, span groups and categories.

Needs spaCy (``pip install 'annotator[spacy]'``), imported only when a file is read, and only a
blank pipeline (``spacy.blank(lang)``): no model is ever loaded or downloaded.

* ``doc.ents`` -> spans with ids ``ent0``, ``ent1``...;
* every span group ``doc.spans[name]`` -> spans with ``attributes["group"] = name`` and ids
  ``name:0``, ``name:1``...; a span that repeats an entity (same offsets and label) is skipped;
* a span's or entity's ``kb_id_`` -> ``attributes["kb_id"]``;
* ``doc.cats`` -> ``choices["cats"]`` = the labels scoring >= 0.5, and all scores in
  ``metadata["cats"]``;
* ``doc.user_data`` (custom ``Doc._`` values) is not imported; a warning counts its entries.

Offsets are ``start_char``/``end_char``: code points into ``doc.text``. ``ForeignDocument.line``
is left empty; ``metadata["index"]`` is the document's position in the file (from 1).
"""

from __future__ import annotations

import gc
import zlib
from pathlib import Path
from typing import Any

from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignDocument, ForeignSpan

INSTALL_HINT = "reading .spacy files needs spaCy: pip install 'annotator[spacy]'"


#: A DocBin is zlib-compressed msgpack; real ones expand 3-10x. More looks like a bomb.
MAX_RATIO = 200
MAX_UNPACKED_BYTES = 2 * 1024**3


def read(path: Path, *, lang: str = "xx") -> list[ForeignDocument]:
    """Every document of a ``.spacy`` file; raises ``FormatError``."""
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:
        raise FormatError(path, INSTALL_HINT) from None
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FormatError(path, f"cannot read the file ({error.strerror})") from None
    if not raw:
        raise FormatError(path, "the file is empty; expected a spaCy DocBin (.spacy)")
    _check_unpacked_size(path, raw)
    try:
        nlp = spacy.blank(lang)
    except ImportError as error:  # an unknown code, or a language needing extra packages
        raise FormatError(path, f"spaCy cannot make a blank {lang!r} pipeline ({error})") from None
    # srsly turns the garbage collector off while it unpacks and does not turn it back on when
    # unpacking fails: restore it whatever happens.
    collecting = gc.isenabled()
    try:
        docs = list(DocBin().from_bytes(raw).get_docs(nlp.vocab))
        if not docs:
            raise FormatError(path, "the DocBin holds no documents")
        return [_document(path, number, doc) for number, doc in enumerate(docs, start=1)]
    except FormatError:
        raise
    except (RecursionError, MemoryError):
        raise FormatError(path, "not a spaCy DocBin (.spacy) file (nested too deeply)") from None
    except Exception as error:  # spaCy and msgpack raise anything on garbage
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise FormatError(path, f"not a spaCy DocBin (.spacy) file ({detail})") from None
    finally:
        if collecting:
            gc.enable()


def _check_unpacked_size(path: Path, raw: bytes) -> None:
    """Refuse a file that decompresses to far more than a DocBin would, before spaCy does."""
    limit = min(MAX_UNPACKED_BYTES, max(len(raw) * MAX_RATIO, 1 << 20))
    inflater = zlib.decompressobj()
    size = 0
    data = raw
    try:
        while data:
            size += len(inflater.decompress(data, 1 << 20))
            if size > limit:
                raise FormatError(
                    path,
                    f"the data expands to more than {limit // 1024**2 or 1} MB "
                    f"({len(raw)} bytes packed; a compression bomb?)",
                )
            data = inflater.unconsumed_tail
    except zlib.error as error:
        raise FormatError(path, f"not a spaCy DocBin (.spacy) file ({error})") from None
    if not inflater.eof:
        raise FormatError(path, "not a spaCy DocBin (.spacy) file (the data is cut short)")
    if inflater.unused_data:
        raise FormatError(
            path,
            f"{len(inflater.unused_data)} bytes after the end of the DocBin data; "
            "not a .spacy file, or two files joined",
        )


def _span(span: Any, span_id: str, group: str | None = None) -> ForeignSpan:
    attributes = {"group": group} if group is not None else {}
    if span.kb_id_:
        attributes["kb_id"] = str(span.kb_id_)
    return ForeignSpan(
        int(span.start_char),
        int(span.end_char),
        str(span.label_),
        id=span_id,
        text=str(span.text),
        attributes=attributes,
    )


def _document(path: Path, number: int, doc: Any) -> ForeignDocument:
    document = ForeignDocument(source=str(path), text=str(doc.text), metadata={"index": number})
    document.spans = [_span(ent, f"ent{i}") for i, ent in enumerate(doc.ents)]
    entities = {(s.start, s.end, s.label) for s in document.spans}
    for group in sorted(doc.spans):
        for i, span in enumerate(doc.spans[group]):
            if (span.start_char, span.end_char, span.label_) not in entities:
                document.spans.append(_span(span, f"{group}:{i}", str(group)))
    if doc.cats:
        scores = {str(label): float(score) for label, score in doc.cats.items()}
        document.metadata["cats"] = scores
        document.choices["cats"] = [label for label, score in scores.items() if score >= 0.5]
    if doc.user_data:
        document.warnings.append(
            f"document {number}: {len(doc.user_data)} user_data entries (custom Doc._ values) "
            "are not imported"
        )
    return document
