"""doccano JSONL for a sequence-labelling project with relations: ``{split}.jsonl``.

```
{"id": "01J...", "text": "...", "title": "...", "annotator": "ann",
 "entities": [{"id": 1, "start_offset": 0, "end_offset": 10, "label": "PER"}, ...],
 "relations": [{"id": 9, "from_id": 5, "to_id": 3, "type": "SPEAKER"}, ...],
 "cats": ["news"]}
```

Offsets are UTF-16 code units, as doccano counts them (``Utf16Index``). Spans follow the shared
plan (``label_studio_writer.plan_document``): mentions by entity type, quotes by quote type,
``CUE`` spans; relations ``SPEAKER``, ``CUE`` and ``COREF`` (each further mention of an entity
to its first mention). ``annotator`` is the key our reader takes the annotator from.

doccano cannot hold, and ``report.dropped`` counts:

* stances: an entity has no attributes, so a stance's polarity (and topic) has no place;
* notes, unsure flags, confidence;
* document labels of more than one question: ``cats`` holds the answers to the first question
  met in the export (our reader imports them as question ``category``: import with
  ``--map category=QUESTION``; a report note says which).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from annotator.domain.offsets import Utf16Index
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from annotator.formats.label_studio_writer import (
    Capacity,
    Plan,
    SplitFiles,
    first_question,
    plan_document,
)

DOCCANO = Capacity("doccano", attributes=False, notes=False)


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """One JSON object per document in ``{split}.jsonl``."""
    question: str | None = None
    with SplitFiles(out_dir, ".jsonl", report) as files:
        for document in documents:
            plan = plan_document(document, options, report, DOCCANO)
            values, question = first_question(plan, question, report, 'doccano\'s "cats"')
            record = _record(document, plan, values)
            files.write(document.split, orjson.dumps(record) + b"\n")
            report.documents[document.split] += 1
    if question is not None:
        report.notes.append(
            f'doccano: "cats" hold the answers to the document question {question!r}; our '
            f"import reads them as 'category': import with --map category={question}"
        )


def _record(document: ExportDocument, plan: Plan, cats: list[str]) -> dict[str, Any]:
    index = Utf16Index(plan.text)
    numbers: dict[str, int] = {}
    entities = []
    for span in plan.document.spans:
        numbers[span.id or ""] = len(numbers) + 1
        start, end = index.span_to_utf16(span.start, span.end)
        entities.append(
            {
                "id": numbers[span.id or ""],
                "start_offset": start,
                "end_offset": end,
                "label": span.label,
            }
        )
    relations = [
        {
            "id": len(numbers) + n,
            "from_id": numbers[relation.head],
            "to_id": numbers[relation.tail],
            "type": relation.label.upper(),
        }
        for n, relation in enumerate(plan.document.relations, start=1)
    ]
    record: dict[str, Any] = {
        "id": document.article.id,
        "text": plan.text,
        "title": document.article.title,
        "annotator": document.annotator,
        "entities": entities,
        "relations": relations,
    }
    if cats:
        record["cats"] = cats
    return record
