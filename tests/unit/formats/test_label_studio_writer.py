"""Label Studio writer: tasks our reader imports back to the same sets, and a labeling config."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import orjson

from annotator.domain.annotations import Evidence, Provenance, Stance
from annotator.formats import label_studio_writer
from annotator.formats.export_types import ExportOptions
from annotator.storage.project import Project
from tests.unit.formats.export_samples import (
    Builder,
    assert_round_trip,
    check_label_studio,
    export,
    import_back,
    samples,
)


def test_round_trip_through_our_reader_is_exact(project: Project, tmp_path: Path) -> None:
    documents = samples()
    report = export(label_studio_writer, documents, tmp_path / "out")

    assert [p.name for p in report.files] == ["train.json", "dev.json", "label_config.xml"]
    assert check_label_studio(tmp_path / "out" / "train.json") == 21 + 5  # regions + choices
    assert check_label_studio(tmp_path / "out" / "dev.json") == 5
    sets, articles = import_back(project, tmp_path / "out", "label-studio")
    assert_round_trip(documents, sets)
    assert dict(report.dropped) == {
        "stance confidence: no place in Label Studio": 1,
        "unsure flag: no place in Label Studio": 1,
    }
    assert report.documents == {"train": 1, "dev": 1}
    assert report.written[("train", "entities", "PER")] == 5
    assert report.written[("train", "stances", "none")] == 1
    assert report.written[("train", "document_labels", "genre")] == 1
    seoul = articles[documents[0].article.sha256]
    assert seoul.title == "Seoul 🇰🇷 talks"


def test_task_shape(tmp_path: Path) -> None:
    gold = replace(samples()[0], annotator="gold", split="test")
    export(label_studio_writer, [gold], tmp_path)

    [task] = orjson.loads((tmp_path / "test.json").read_bytes())
    assert set(task["data"]) == {"text", "title", "article_id"}
    assert task["meta"] == {"annotator": "gold", "split": "test"}
    [annotation] = task["annotations"]
    assert annotation["ground_truth"] is True and annotation["was_cancelled"] is False
    results = annotation["result"]
    regions = {r["id"]: r for r in results if r["type"] == "labels"}
    assert len(regions) == sum(1 for r in results if r["type"] == "labels")
    relations = [r for r in results if r["type"] == "relation"]
    assert all(r["from_id"] in regions and r["to_id"] in regions for r in relations)
    per_region = [r for r in results if r["type"] == "choices" and r["id"] in regions]
    assert sorted((r["from_name"], r["value"]["choices"][0]) for r in per_region) == [
        ("polarity", "against"),
        ("polarity", "neutral"),
        ("polarity", "none"),
        ("topic", "남북 대화"),
        ("topic", "남북 대화"),
    ]
    assert all(regions[r["id"]]["value"]["labels"] == ["STANCE"] for r in per_region)
    document_choices = [r for r in results if r["type"] == "choices" and r["id"] not in regions]
    assert document_choices == [
        {
            "id": "document-genre",
            "from_name": "genre",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["news"]},
        }
    ]


def test_label_config_declares_what_the_tasks_use(tmp_path: Path) -> None:
    export(label_studio_writer, samples(), tmp_path)

    config = ET.fromstring((tmp_path / "label_config.xml").read_text(encoding="utf-8"))
    labels = config.find("Labels")
    assert labels is not None and labels.attrib == {"name": "label", "toName": "text"}
    assert [label.get("value") for label in labels] == [
        "GPE",
        "PER",
        "MISC",
        "ORG",
        "direct",
        "CUE",
        "indirect",
        "EVIDENCE",
        "STANCE",
    ]
    assert labels[1].get("background") == "#ffd6a5"  # PER in the default schema
    text = config.find("Text")
    assert text is not None and text.attrib == {"name": "text", "value": "$text"}
    relations = config.find("Relations")
    assert relations is not None
    assert {r.get("value") for r in relations} == {
        "speaker",
        "cue",
        "coref",
        "holder",
        "target",
        "evidence",
    }
    choices = {c.get("name"): c for c in config.findall("Choices")}
    assert choices["polarity"].get("perRegion") == "true"
    assert [c.get("value") for c in choices["topic"]] == ["남북 대화"]
    assert choices["genre"].get("perRegion") is None
    assert choices["genre"].get("choice") == "single"


def test_what_has_no_place_is_reported(project: Project, tmp_path: Path) -> None:
    b = Builder("Ahn met Park. Park's aide and the union spoke.\nAhn agreed.", language="en")
    ahn = b.entity("Ahn Cheol-soo", "PER", kb_id="Q123", note="check")
    park = b.entity("Park", "PER")
    union = b.entity("the union", "ORG")
    ghost = b.entity("A source", "PER")  # no mention at all
    holder = b.mention("Ahn", "PER", ahn)
    b.mention("Ahn", "PER", ahn, nth=1)
    b.mention("Park", "PER", park)  # one mention, no stance: no link carries the entity
    b.mention("the union", "ORG", union)
    quote = b.quote("Ahn agreed", "indirect", speaker=holder)
    b.stances.append(  # no evidence: anchored on the holder's mention
        Stance(holder_id=ahn.id, target_entity_id=union.id, polarity="favor")
    )
    b.stances.append(  # evidence names a quote but covers fewer characters
        Stance(
            holder_id=union.id,
            target_topic="unions",
            polarity="against",
            evidence=[Evidence(start=quote.start, end=quote.end - 1, quote_id=quote.id)],
            provenance=Provenance(agreed_by=["a", "b"]),
        )
    )
    b.stances.append(Stance(holder_id=ghost.id, target_topic="unions", polarity="none"))
    report = export(label_studio_writer, [b.document()], tmp_path / "out")

    assert dict(report.dropped) == {
        "entity with one mention and no stance: only coreference links carry entities, so "
        "its mention imports without one": 1,
        "entity name or type differs from its longest mention: our import names an entity "
        "after its longest mention": 1,
        "entity knowledge-base id: no place in Label Studio": 1,
        "note on an entity: no place in Label Studio": 1,
        "stance without evidence: anchored on its holder's mention, which imports back as "
        "its evidence": 1,
        "stance evidence: its link to a quote is not kept (quotes not exported, or the "
        "evidence covers other characters than the quote)": 1,
        "gold provenance (who agreed, reviewer overrides): no place in Label Studio": 1,
        "stance: its holder entity has no mention to point to; not written": 1,
        "entity without mentions: nothing in the text to write": 1,
    }
    sets, _ = import_back(project, tmp_path / "out" / "train.json", "label-studio")
    [imported] = sets.values()
    text = b.article.text
    assert sorted(e.name for e in imported.entities) == ["Ahn", "the union"]
    park_mention = next(m for m in imported.mentions if text[m.start : m.end] == "Park")
    assert park_mention.entity_id is None
    no_evidence = next(s for s in imported.stances if s.polarity == "favor")
    assert [(e.start, e.end) for e in no_evidence.evidence] == [(holder.start, holder.end)]
    shorter = next(s for s in imported.stances if s.polarity == "against")
    assert [(e.start, e.end, e.quote_id) for e in shorter.evidence] == [
        (quote.start, quote.end - 1, None)
    ]


def test_layers_not_chosen_are_left_out(tmp_path: Path) -> None:
    options = ExportOptions(layers=frozenset({"quotes"}))
    report = export(label_studio_writer, samples()[:1], tmp_path, options)

    [task] = orjson.loads((tmp_path / "train.json").read_bytes())
    results = task["annotations"][0]["result"]
    labels = sorted(r["value"]["labels"][0] for r in results if r["type"] == "labels")
    # Only the two speakers of the quotes are written of the mentions.
    assert labels == ["CUE", "CUE", "CUE", "PER", "PER", "direct", "indirect", "indirect"]
    assert {r["labels"][0] for r in results if r["type"] == "relation"} == {"speaker", "cue"}
    assert not any(layer == "stances" for _, layer, _ in report.written)
    assert dict(report.dropped) == {}
