"""A quote-attribution data set: ``{split}.jsonl``, one record per quote.

```
{"article_id": "01J...", "quote_id": "01J...", "split": "train", "annotator": "ann",
 "quote_type": "direct",
 "content": {"start": 60, "end": 89, "text": "“We will not accept the plan,”"},
 "speaker": {"start": 90, "end": 93, "text": "Kim", "label": "PER", "mention_id": "01J...",
             "entity_id": "01J...", "entity_name": "Kim Ji-woo", "entity_label": "PER",
             "entity_kb_id": null},
 "cue": {"start": 94, "end": 98, "text": "said"},
 "paragraph": {"start": 60, "end": 140, "text": "“We will not accept the plan,” Kim said. ..."},
 "note": "", "unsure": false}
```

Offsets are code points into the article text (LF, NFC), half-open; ``paragraph`` is the line(s)
of the text holding the quote (between line breaks), with its own offsets, so a model that reads
only the paragraph re-bases a span with ``start - paragraph.start``. The speaker and cue may lie
outside that paragraph. A quote without a speaker is kept with ``"speaker": null`` and counted
in the report notes; one without a cue has ``"cue": null``. The entity fields are null when the
speaker mention belongs to no entity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from annotator.domain.annotations import Entity, Mention, Quote
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from annotator.formats.label_studio_writer import SplitFiles


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """One JSON object per quote in ``{split}.jsonl``."""
    if "quotes" not in options.layers:
        report.notes.append("quotes: the quotes layer was not chosen; nothing written")
        return
    speakerless: Counter[str] = Counter()
    uncued: Counter[str] = Counter()
    with SplitFiles(out_dir, ".jsonl", report) as files:
        for document in documents:
            report.documents[document.split] += 1
            for record in quote_records(document):
                files.write(document.split, orjson.dumps(record) + b"\n")
                report.count(document.split, "quotes", record["quote_type"])
                speakerless[document.split] += record["speaker"] is None
                uncued[document.split] += record["cue"] is None
    for split, n in sorted(speakerless.items()):
        if n:
            report.notes.append(f"quotes: {n} quote(s) in {split} have no speaker (null)")
    for split, n in sorted(uncued.items()):
        if n:
            report.notes.append(f"quotes: {n} quote(s) in {split} have no cue (null)")


def paragraph(text: str, start: int, end: int) -> dict[str, Any]:
    """The line(s) of ``text`` that hold ``[start, end)``, with their offsets."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    last = len(text) if last < 0 else last
    return {"start": first, "end": last, "text": text[first:last]}


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def _speaker(text: str, mention: Mention, entities: dict[str, Entity]) -> dict[str, Any]:
    entity = entities.get(mention.entity_id or "")
    return {
        **_span(text, mention.start, mention.end),
        "label": mention.label,
        "mention_id": mention.id,
        "entity_id": entity.id if entity else None,
        "entity_name": entity.name if entity else None,
        "entity_label": entity.label if entity else None,
        "entity_kb_id": entity.kb_id if entity else None,
    }


def quote_records(document: ExportDocument) -> list[dict[str, Any]]:
    """The records of one document's quotes, in text order."""
    text = document.article.text
    annotation_set = document.annotation_set
    mentions = {m.id: m for m in annotation_set.mentions}
    entities = {e.id: e for e in annotation_set.entities}
    quotes = sorted(annotation_set.quotes, key=lambda q: (q.start, q.end))
    return [_record(document, text, quote, mentions, entities) for quote in quotes]


def _record(
    document: ExportDocument,
    text: str,
    quote: Quote,
    mentions: dict[str, Mention],
    entities: dict[str, Entity],
) -> dict[str, Any]:
    speaker = mentions.get(quote.speaker_id or "")
    return {
        "article_id": document.article.id,
        "quote_id": quote.id,
        "split": document.split,
        "annotator": document.annotator,
        "quote_type": quote.quote_type,
        "content": _span(text, quote.start, quote.end),
        "speaker": None if speaker is None else _speaker(text, speaker, entities),
        "cue": None if quote.cue is None else _span(text, *quote.cue),
        "paragraph": paragraph(text, quote.start, quote.end),
        "note": quote.note,
        "unsure": quote.unsure,
    }
