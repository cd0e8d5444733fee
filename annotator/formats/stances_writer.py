"""A stance data set: ``{split}.jsonl`` (one record per stance) and ``{split}.semeval.csv``.

```
{"article_id": "01J...", "stance_id": "01J...", "split": "train", "annotator": "ann",
 "holder": {"entity_id": "01J...", "name": "Kim Ji-woo", "label": "PER", "kb_id": null},
 "target": {"type": "entity", "entity_id": "01J...", "name": "Lee Min-ho", "label": "PER",
            "kb_id": null},
 "polarity": "against", "confidence": 0.8, "note": "", "unsure": false,
 "evidence": [{"start": 60, "end": 89, "text": "“We will not accept the plan,”",
               "quote_id": "01J..."}]}
```

A topic target is ``{"type": "topic", "name": "남북 대화"}``. Polarities are the schema's names
as annotated: ``none`` (no position) stays apart from ``neutral``. Evidence offsets are code
points into the article text, half-open.

The CSV is SemEval-2016 Task 6 style (comma-separated, UTF-8, header ``ID,Target,Tweet,Stance``):
``ID`` is the stance id, ``Target`` the target entity's name or the topic, ``Tweet`` the
evidence texts joined by `` … `` (each run of whitespace, line breaks too, as one space) and
``Stance`` one of ``FAVOR``, ``AGAINST``, ``NONE``. SemEval has no neutral label, only NONE
("none of the above"), so ``neutral`` is written as ``NONE`` like ``none``: the two merge in the
CSV (not in the JSONL), and each neutral one is counted in ``report.dropped`` as changed.
Stances of other polarities, or without evidence (no text), are left out of the CSV and
counted; the holder has no column there (it is in the JSONL).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from annotator.domain.annotations import Entity, Stance
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport
from annotator.formats.label_studio_writer import SplitFiles

SEMEVAL_COLUMNS = ("ID", "Target", "Tweet", "Stance")
SEMEVAL_LABELS = {"favor": "FAVOR", "against": "AGAINST", "none": "NONE", "neutral": "NONE"}
EVIDENCE_JOINER = " … "


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
) -> None:
    """``{split}.jsonl`` and ``{split}.semeval.csv`` for every split."""
    if "stances" not in options.layers:
        report.notes.append("stances: the stances layer was not chosen; nothing written")
        return
    header = csv_row(SEMEVAL_COLUMNS)
    written = 0
    with (
        SplitFiles(out_dir, ".jsonl", report) as records,
        SplitFiles(out_dir, ".semeval.csv", report, header=header) as table,
    ):
        for document in documents:
            report.documents[document.split] += 1
            for record in stance_records(document):
                records.write(document.split, orjson.dumps(record) + b"\n")
                written += 1
                report.count(document.split, "stances", record["polarity"])
                row = semeval_row(record, report)
                if row is not None:
                    table.write(document.split, csv_row(row))
    if written:
        report.notes.append(
            "stances: the SemEval CSV has no holder column (holders are in the JSONL); "
            f"its Tweet is the evidence texts joined by {EVIDENCE_JOINER.strip()!r}"
        )


def csv_row(values: Iterable[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def _entity(entity: Entity) -> dict[str, Any]:
    return {
        "entity_id": entity.id,
        "name": entity.name,
        "label": entity.label,
        "kb_id": entity.kb_id,
    }


def stance_records(document: ExportDocument) -> list[dict[str, Any]]:
    """The records of one document's stances, in the set's order."""
    entities = {e.id: e for e in document.annotation_set.entities}
    return [_record(document, stance, entities) for stance in document.annotation_set.stances]


def _record(
    document: ExportDocument, stance: Stance, entities: dict[str, Entity]
) -> dict[str, Any]:
    text = document.article.text
    if stance.target_entity_id is not None:
        target = {"type": "entity", **_entity(entities[stance.target_entity_id])}
    else:
        target = {"type": "topic", "name": stance.target_topic}
    return {
        "article_id": document.article.id,
        "stance_id": stance.id,
        "split": document.split,
        "annotator": document.annotator,
        "holder": _entity(entities[stance.holder_id]),
        "target": target,
        "polarity": stance.polarity,
        "confidence": stance.confidence,
        "note": stance.note,
        "unsure": stance.unsure,
        "evidence": [
            {"start": e.start, "end": e.end, "text": text[e.start : e.end], "quote_id": e.quote_id}
            for e in stance.evidence
        ],
    }


def semeval_row(record: dict[str, Any], report: ExportReport) -> list[str] | None:
    """The SemEval row of a stance record, or None (counted in the report) if it has none."""
    polarity = record["polarity"]
    label = SEMEVAL_LABELS.get(polarity)
    if label is None:
        report.drop(f"semeval: polarity {polarity!r} has no SemEval label; left out of the CSV")
        return None
    if not record["evidence"]:
        report.drop("semeval: stance without evidence has no text; left out of the CSV")
        return None
    if polarity == "neutral":
        report.drop("semeval: neutral written as NONE (SemEval has no neutral label)")
    tweet = EVIDENCE_JOINER.join(" ".join(e["text"].split()) for e in record["evidence"])
    return [record["stance_id"], record["target"]["name"], tweet, label]
