"""Quote-attribution and stance data sets: records, paragraphs, and the SemEval CSV."""

from __future__ import annotations

from pathlib import Path

from annotator.domain.annotations import Evidence, Stance
from annotator.formats import quotes_writer, stances_writer
from annotator.formats.export_types import ExportOptions
from tests.unit.formats.export_samples import (
    TOPIC,
    Builder,
    check_quotes,
    check_stances,
    export,
    read_csv,
    sample_document,
    samples,
)


def test_quote_records(tmp_path: Path) -> None:
    documents = samples()
    report = export(quotes_writer, documents, tmp_path)

    texts = {d.article.id: d.article.text for d in documents}
    assert [p.name for p in report.files] == ["train.jsonl", "dev.jsonl"]
    records = check_quotes(tmp_path / "train.jsonl", texts)
    assert len(records) == 3
    assert len(check_quotes(tmp_path / "dev.jsonl", texts)) == 1
    direct = records[0]
    assert direct["quote_type"] == "direct"
    assert direct["content"]["text"] == "“We will not accept the plan,”"
    assert direct["cue"]["text"] == "said"
    assert direct["speaker"]["text"] == "Kim"
    assert direct["speaker"]["entity_name"] == "Kim Ji-woo"  # the canonical name
    assert direct["speaker"]["entity_label"] == "PER"
    assert direct["note"] == "curly quotes kept"
    assert direct["paragraph"]["text"].startswith("“We will not")
    assert (direct["annotator"], direct["split"]) == ("ann", "train")
    speakerless = records[2]
    assert speakerless["speaker"] is None
    assert speakerless["paragraph"]["text"] == "Lee said the talks were useful."
    assert report.notes == ["quotes: 1 quote(s) in train have no speaker (null)"]
    assert dict(report.dropped) == {}
    assert report.written[("train", "quotes", "indirect")] == 2


def test_paragraph_spans_the_lines_a_quote_crosses() -> None:
    text = "One.\nShe said “two\nthree” then.\nFour."
    start = text.index("“")
    end = text.index("”") + 1
    found = quotes_writer.paragraph(text, start, end)
    assert found == {"start": 5, "end": 31, "text": "She said “two\nthree” then."}
    assert quotes_writer.paragraph(text, 0, 4) == {"start": 0, "end": 4, "text": "One."}
    assert quotes_writer.paragraph(text, 33, 37)["text"] == "Four."


def test_stance_records_keep_none_apart_from_neutral(tmp_path: Path) -> None:
    document = sample_document()
    report = export(stances_writer, [document], tmp_path)

    assert [p.name for p in report.files] == ["train.jsonl", "train.semeval.csv"]
    records = check_stances(tmp_path / "train.jsonl", {document.article.id: document.article.text})
    assert [r["polarity"] for r in records] == ["against", "neutral", "none"]
    against = records[0]
    assert against["holder"]["name"] == "Kim Ji-woo"
    assert against["target"]["type"] == "entity"
    assert against["target"]["name"] == "Lee Min-ho"
    assert against["confidence"] == 0.8
    assert against["note"] == "strong wording"
    assert [e["text"] for e in against["evidence"]] == [
        "“We will not accept the plan,”",
        "She added that 남북 대화 must resume.",
    ]
    assert against["evidence"][0]["quote_id"] == document.annotation_set.quotes[0].id
    assert against["evidence"][1]["quote_id"] is None
    assert records[1]["target"] == {"type": "topic", "name": TOPIC}
    assert report.written[("train", "stances", "none")] == 1


def test_semeval_csv(tmp_path: Path) -> None:
    document = sample_document()
    report = export(stances_writer, [document], tmp_path)

    rows = read_csv(tmp_path / "train.semeval.csv")
    ids = [s.id for s in document.annotation_set.stances]
    assert rows == [
        {
            "ID": ids[0],
            "Target": "Lee Min-ho",
            "Tweet": "“We will not accept the plan,” … She added that 남북 대화 must resume.",
            "Stance": "AGAINST",
        },
        {"ID": ids[1], "Target": TOPIC, "Tweet": "that 남북 대화 must resume", "Stance": "NONE"},
        {
            "ID": ids[2],
            "Target": TOPIC,
            "Tweet": "Lee said the talks were useful.",
            "Stance": "NONE",
        },
    ]
    assert dict(report.dropped) == {
        "semeval: neutral written as NONE (SemEval has no neutral label)": 1
    }
    assert any("no holder column" in note for note in report.notes)


def test_semeval_leaves_out_what_it_cannot_hold(tmp_path: Path) -> None:
    b = Builder("Han backs the reform.\nShe said so twice.", language="en")
    han = b.entity("Han", "PER")
    b.mention("Han", "PER", han)
    b.stances.append(Stance(holder_id=han.id, target_topic="reform", polarity="favor"))
    b.stances.append(
        Stance(
            holder_id=han.id,
            target_topic="reform",
            polarity="mostly_favor",  # a project polarity beyond the default four
            evidence=[Evidence(start=0, end=21)],
        )
    )
    b.stances.append(
        Stance(
            holder_id=han.id,
            target_topic="reform",
            polarity="favor",
            evidence=[Evidence(start=0, end=21), Evidence(start=22, end=40)],
        )
    )
    report = export(stances_writer, [b.document(split="dev")], tmp_path)

    rows = read_csv(tmp_path / "dev.semeval.csv")
    assert [(r["Tweet"], r["Stance"]) for r in rows] == [
        ("Han backs the reform. … She said so twice.", "FAVOR")
    ]
    assert dict(report.dropped) == {
        "semeval: stance without evidence has no text; left out of the CSV": 1,
        "semeval: polarity 'mostly_favor' has no SemEval label; left out of the CSV": 1,
    }
    assert report.written[("dev", "stances", "favor")] == 2  # both are in the JSONL


def test_layers_not_chosen_write_nothing(tmp_path: Path) -> None:
    options = ExportOptions(layers=frozenset({"entities"}))
    quotes = export(quotes_writer, samples(), tmp_path / "q", options)
    stances = export(stances_writer, samples(), tmp_path / "s", options)

    assert quotes.files == [] and stances.files == []
    assert quotes.notes == ["quotes: the quotes layer was not chosen; nothing written"]
    assert stances.notes == ["stances: the stances layer was not chosen; nothing written"]
