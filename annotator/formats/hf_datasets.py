"""Export to a Hugging Face ``datasets`` folder: Parquet files plus a dataset card.

::

    out_dir/
      README.md                              YAML: configs (data files) + dataset_info (features)
      labels.json                            {"ner_tags": [...], "entity_labels": [...]}
      token_classification/{split}.parquet   id, tokens, ner_tags
      spans/{split}.parquet                  id, annotator, text, entities, clusters, quotes,
                                             stances

``datasets.load_dataset(str(out_dir), "token_classification")`` (or ``"spans"``) returns the
splits with their ``ClassLabel`` names (also kept in each Parquet file's ``huggingface`` schema
metadata, so ``load_dataset("parquet", ...)`` restores them too).

* ``token_classification``: one row per sentence (id ``{article_id}-s{n}``), tokens and tags as in
  the CoNLL export (``conll.tagged_documents``: same tokeniser, sentence rule, ``tag_layer``,
  ``scheme``, overlap and alignment rules). ``ner_tags`` is a list of ``ClassLabel`` with names
  ``label_names(labels, scheme)``: ``O``, then ``B-X``, ``I-X`` (and ``E-X``, ``S-X`` for BIOES)
  per label in the order given.
* ``spans``: one row per article with exact character offsets, nothing aligned or dropped:
  ``entities`` = mentions (``start``, ``end``, ``label`` as ClassLabel of the entity labels,
  ``id``, ``entity_id``), ``clusters`` = entities (``id``, ``name``, ``label``, ``kb_id``),
  ``quotes`` (``start``, ``end``, ``type``, speaker and cue offsets or null, ``speaker_id``),
  ``stances`` (``holder`` and ``target`` ids, ``target_kind`` ``entity`` or ``topic`` - then
  ``target`` is the topic -, ``polarity``, ``evidence`` list of ``start``/``end``). Layers left
  out of ``options.layers`` are empty lists.

The label lists must be fixed before the first row is written: pass them (``labels`` for the tag
layer, ``entity_labels`` for the mentions, normally the schema's); a missing one is collected in a
first pass over the documents, which are then held in memory. An item whose label is not in its
list is dropped and reported. Split names become Hugging Face split names with ``-`` -> ``_``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.domain.annotations import AnnotationSet, Mention
from annotator.domain.errors import AnnotatorError
from annotator.formats.conll import Sentence, check_tagging, layer_spans, tagged_documents
from annotator.formats.export_types import ExportDocument, ExportOptions, ExportReport, safe_path
from annotator.formats.spacy_docbin_writer import (
    BlankPipelines,
    check_align,
    check_split,
    optional_import,
)

FORMAT = "Hugging Face datasets"
EXTRA = "hf"
BATCH_ROWS = 1000
TOKEN_CONFIG = "token_classification"
SPANS_CONFIG = "spans"
Row = dict[str, Any]


def label_names(labels: Sequence[str], scheme: str = "iob2") -> list[str]:
    """``ClassLabel`` names of the tags: ``O``, then per label ``B-``, ``I-`` (``E-``, ``S-``)."""
    prefixes = ("B", "I", "E", "S") if scheme == "bioes" else ("B", "I")
    names = ["O"]
    for label in dict.fromkeys(labels):
        names += [f"{prefix}-{label}" for prefix in prefixes]
    return names


def _hf() -> Any:
    return optional_import("datasets", FORMAT, EXTRA)


def token_features(tag_names: list[str]) -> Any:
    hf = _hf()
    return hf.Features(
        {
            "id": hf.Value("string"),
            "tokens": hf.Sequence(hf.Value("string")),
            "ner_tags": hf.Sequence(hf.ClassLabel(names=tag_names)),
        }
    )


def span_features(entity_labels: list[str]) -> Any:
    hf = _hf()
    text, int32 = hf.Value("string"), hf.Value("int32")
    entity_label = hf.ClassLabel(names=entity_labels)
    quote = {"start": int32, "end": int32, "type": text, "speaker_id": text}
    for name in ("speaker_start", "speaker_end", "cue_start", "cue_end"):
        quote[name] = int32
    stance = {"holder": text, "target": text, "target_kind": text, "polarity": text}
    return hf.Features(
        {
            "id": text,
            "annotator": text,
            "text": text,
            "entities": [
                {"start": int32, "end": int32, "label": entity_label, "id": text, "entity_id": text}
            ],
            "clusters": [{"id": text, "name": text, "label": entity_label, "kb_id": text}],
            "quotes": [quote],
            "stances": [{**stance, "evidence": [{"start": int32, "end": int32}]}],
        }
    )


class _ParquetSink:
    """One Parquet file written in batches of ``BATCH_ROWS`` rows."""

    def __init__(self, path: Path, features: Any) -> None:
        self._pa = optional_import("pyarrow", FORMAT, EXTRA)
        parquet = optional_import("pyarrow.parquet", FORMAT, EXTRA)
        self._schema = features.arrow_schema
        self._writer = parquet.ParquetWriter(str(path), self._schema)
        self._rows: list[Row] = []
        self.count = 0

    def add(self, row: Row) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= BATCH_ROWS:
            self._flush()

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def _flush(self) -> None:
        if self._rows:
            batch = self._pa.RecordBatch.from_pylist(self._rows, schema=self._schema)
            self._writer.write_batch(batch)
            self._rows = []


class _Sinks:
    """The open Parquet file of each (config, split), created on first use."""

    def __init__(self, out_dir: Path, features: dict[str, Any], report: ExportReport) -> None:
        self._out_dir = out_dir
        self._features = features
        self._report = report
        self._splits: dict[str, str] = {}
        self.sinks: dict[tuple[str, str], _ParquetSink] = {}

    def add(self, config: str, split: str, row: Row) -> None:
        key = (config, self.hf_split(split))
        if key not in self.sinks:
            folder = safe_path(self._out_dir, config)
            folder.mkdir(exist_ok=True)
            path = safe_path(self._out_dir, config, f"{key[1]}.parquet")
            self.sinks[key] = _ParquetSink(path, self._features[config])
            self._report.add_file(path)
        self.sinks[key].add(row)

    def hf_split(self, split: str) -> str:
        """``split`` as a Hugging Face split name (``\\w+``): ``-`` becomes ``_``."""
        name = check_split(split).replace("-", "_")
        if name not in self._splits:
            self._splits[name] = split
            if name != split:
                self._report.notes.append(f"split {split!r} is called {name!r} in the dataset")
        elif self._splits[name] != split:
            raise AnnotatorError(
                f"splits {self._splits[name]!r} and {split!r} both become {name!r}"
            )
        return name

    def close(self) -> None:
        for sink in self.sinks.values():
            sink.close()


@dataclass(frozen=True)
class _Labels:
    tags: list[str]
    entities: list[str]

    def entity_index(self, label: str, report: ExportReport) -> int | None:
        if label in self.entities:
            return self.entities.index(label)
        report.drop(f"entity label {label!r} is not among the exported labels (dropped)")
        return None


def _tag_ids(tags: list[str], index: dict[str, int], report: ExportReport) -> list[int]:
    """Tag ids; the tags of a label missing from the label list become ``O`` (reported)."""
    ids: list[int] = []
    for tag in tags:
        if tag not in index:
            if tag.startswith(("B-", "S-")):
                report.drop(f"{tag[2:]!r} span: label not among the exported labels (dropped)")
            tag = "O"
        ids.append(index[tag])
    return ids


def _token_rows(
    document: ExportDocument, sentences: list[Sentence], index: dict[str, int], report: ExportReport
) -> list[Row]:
    return [
        {
            "id": f"{document.article.id}-s{n}",
            "tokens": [token for token, _ in sentence],
            "ner_tags": _tag_ids([tag for _, tag in sentence], index, report),
        }
        for n, sentence in enumerate(sentences)
    ]


def _entity_rows(annotation_set: AnnotationSet, labels: _Labels, report: ExportReport) -> Row:
    mentions: list[Row] = []
    for m in annotation_set.mentions:
        label = labels.entity_index(m.label, report)
        if label is not None:
            mentions.append(
                {
                    "start": m.start,
                    "end": m.end,
                    "label": label,
                    "id": m.id,
                    "entity_id": m.entity_id,
                }
            )
    clusters: list[Row] = []
    for e in annotation_set.entities:
        label = labels.entity_index(e.label, report)
        if label is not None:
            clusters.append({"id": e.id, "name": e.name, "label": label, "kb_id": e.kb_id})
    return {"entities": mentions, "clusters": clusters}


def _quote_rows(annotation_set: AnnotationSet) -> list[Row]:
    mentions: dict[str, Mention] = {m.id: m for m in annotation_set.mentions}
    rows: list[Row] = []
    for q in annotation_set.quotes:
        speaker = mentions.get(q.speaker_id or "")
        rows.append(
            {
                "start": q.start,
                "end": q.end,
                "type": q.quote_type,
                "speaker_id": q.speaker_id,
                "speaker_start": None if speaker is None else speaker.start,
                "speaker_end": None if speaker is None else speaker.end,
                "cue_start": q.cue_start,
                "cue_end": q.cue_end,
            }
        )
    return rows


def _stance_rows(annotation_set: AnnotationSet) -> list[Row]:
    return [
        {
            "holder": s.holder_id,
            "target": s.target_entity_id if s.target_entity_id is not None else s.target_topic,
            "target_kind": "entity" if s.target_entity_id is not None else "topic",
            "polarity": s.polarity,
            "evidence": [{"start": e.start, "end": e.end} for e in s.evidence],
        }
        for s in annotation_set.stances
    ]


def span_row(
    document: ExportDocument, layers: frozenset[str], labels: _Labels, report: ExportReport
) -> Row:
    """The ``spans`` row of one document: exact character offsets and links."""
    annotation_set = document.annotation_set
    row: Row = {
        "id": document.article.id,
        "annotator": document.annotator,
        "text": document.article.text,
        "entities": [],
        "clusters": [],
        "quotes": [],
        "stances": [],
    }
    if "entities" in layers:
        row |= _entity_rows(annotation_set, labels, report)
    if "quotes" in layers:
        row["quotes"] = _quote_rows(annotation_set)
    if "stances" in layers:
        row["stances"] = _stance_rows(annotation_set)
    _count(document.split, row, labels, report)
    return row


def _count(split: str, row: Row, labels: _Labels, report: ExportReport) -> None:
    """Counted as layers ``spans/entities``, ``spans/quotes``...; token tags by ``tag_layer``."""
    for mention in row["entities"]:
        report.count(split, f"{SPANS_CONFIG}/entities", labels.entities[mention["label"]])
    for quote in row["quotes"]:
        report.count(split, f"{SPANS_CONFIG}/quotes", quote["type"])
    for stance in row["stances"]:
        report.count(split, f"{SPANS_CONFIG}/stances", stance["polarity"])


def collect_labels(documents: Iterable[ExportDocument], tag_layer: str) -> tuple[list[str], ...]:
    """(tag layer labels, entity labels) used in ``documents``, each sorted."""
    tags: set[str] = set()
    entities: set[str] = set()
    for document in documents:
        annotation_set = document.annotation_set
        tags |= {label for _, _, label in layer_spans(annotation_set, tag_layer)}
        entities |= {m.label for m in annotation_set.mentions}
        entities |= {e.label for e in annotation_set.entities}
    return sorted(tags), sorted(entities)


def _resolve_labels(
    documents: Iterable[ExportDocument],
    options: ExportOptions,
    labels: Sequence[str] | None,
    entity_labels: Sequence[str] | None,
) -> tuple[Iterable[ExportDocument], _Labels]:
    if entity_labels is None and labels is not None and options.tag_layer == "entities":
        entity_labels = labels
    if labels is None or entity_labels is None:
        documents = list(documents)
        found_tags, found_entities = collect_labels(documents, options.tag_layer)
        labels = found_tags if labels is None else labels
        entity_labels = found_entities if entity_labels is None else entity_labels
    tags = label_names(labels, options.scheme)
    return documents, _Labels(tags, list(dict.fromkeys(entity_labels)))


def _card_data(sinks: _Sinks, features: dict[str, Any]) -> str:
    hub = optional_import("huggingface_hub", FORMAT, EXTRA)
    info = optional_import("datasets.info", FORMAT, EXTRA)
    splits = optional_import("datasets.splits", FORMAT, EXTRA)
    metadata = optional_import("datasets.utils.metadata", FORMAT, EXTRA)
    card = hub.DatasetCardData()
    infos: dict[str, Any] = {}
    configs: dict[str, Any] = {}
    for config, config_features in features.items():
        counts = {split: sink.count for (c, split), sink in sinks.sinks.items() if c == config}
        split_infos = [{"name": name, "num_examples": n} for name, n in counts.items()]
        infos[config] = info.DatasetInfo(
            features=config_features, splits=splits.SplitDict.from_split_dict(split_infos)
        )
        files = [{"split": name, "path": f"{config}/{name}.parquet"} for name in counts]
        if files:  # an export without documents has no data files
            configs[config] = {"data_files": files}
    if TOKEN_CONFIG in configs:
        configs[TOKEN_CONFIG]["default"] = True
    info.DatasetInfosDict(infos).to_dataset_card_data(card)
    metadata.MetadataConfigs(configs).to_dataset_card_data(card)
    return str(card.to_yaml())


def _write_card(
    out_dir: Path, sinks: _Sinks, features: dict[str, Any], report: ExportReport
) -> None:
    body = (
        "# Annotator export\n\n"
        f"Configurations `{TOKEN_CONFIG}` (one row per sentence, `ner_tags` as ClassLabel) and "
        f"`{SPANS_CONFIG}` (one row per article, character offsets in Python code points, "
        "half-open).\n\n"
        f'```python\nload_dataset("path/to/this/folder", "{TOKEN_CONFIG}")\n```\n'
    )
    path = safe_path(out_dir, "README.md")
    path.write_text(f"---\n{_card_data(sinks, features)}\n---\n\n{body}", encoding="utf-8")
    report.add_file(path)


def _write_labels(out_dir: Path, labels: _Labels, report: ExportReport) -> None:
    path = safe_path(out_dir, "labels.json")
    data = {"ner_tags": labels.tags, "entity_labels": labels.entities}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    report.add_file(path)


def write(
    documents: Iterable[ExportDocument],
    out_dir: Path,
    options: ExportOptions,
    report: ExportReport,
    *,
    labels: Sequence[str] | None = None,
    entity_labels: Sequence[str] | None = None,
) -> None:
    """Write both configurations into ``out_dir``.

    ``labels``: the tag layer's labels (schema entity labels, quote types, or ``["CUE"]``);
    ``entity_labels``: the mention labels of ``spans`` (defaults to ``labels`` when the tag layer
    is ``entities``). Either missing is collected from the documents in a first pass.
    """
    check_align(options)
    check_tagging(options)
    _hf()  # fail before any work when datasets is missing
    documents, resolved = _resolve_labels(documents, options, labels, entity_labels)
    features = {
        TOKEN_CONFIG: token_features(resolved.tags),
        SPANS_CONFIG: span_features(resolved.entities),
    }
    pipelines = BlankPipelines(FORMAT, options.lang, report)
    out_dir.mkdir(parents=True, exist_ok=True)
    sinks = _Sinks(out_dir, features, report)
    index = {name: i for i, name in enumerate(resolved.tags)}
    try:
        tagged = tagged_documents(documents, pipelines, options, report, "token tags")
        for document, sentences in tagged:
            for row in _token_rows(document, sentences, index, report):
                sinks.add(TOKEN_CONFIG, document.split, row)
            sinks.add(
                SPANS_CONFIG, document.split, span_row(document, options.layers, resolved, report)
            )
            report.documents[document.split] += 1
    finally:
        sinks.close()
    _write_labels(out_dir, resolved, report)
    _write_card(out_dir, sinks, features, report)
