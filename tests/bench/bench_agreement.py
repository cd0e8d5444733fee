"""Benchmark agreement over a generated project: N articles x 3 annotators x 50 mentions each,
plus quotes (speaker, cue) and stances (holder, topic, evidence) that mostly agree.

``compute`` runs end to end from the project file (opening, loading every set, all layers)
several times; median and range of wall time (the target: <= 2 s) and of CPU time (steadier on
a shared machine) are printed.

    python tests/bench/bench_agreement.py [--articles 1000] [--mentions 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from annotator.domain.annotations import (
    AnnotationSet,
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.runtime import paused_gc
from annotator.services import agreement
from annotator.storage.project import Project

SENTENCE = (
    "minister said the army would send troops north while critics argued that the plan "
    "lacked support from parliament and the unions warned of strikes across the region"
)
WORDS = SENTENCE.split()
LABELS = ("PER", "ORG", "GPE")
TOPIC = "Troop deployment"


def make_text(rng: random.Random, words: int) -> str:
    lines, line = [], []
    for n in range(words):
        line.append(rng.choice(WORDS).capitalize() if n % 9 == 0 else rng.choice(WORDS))
        if len(line) == 40:
            lines.append(" ".join(line) + ".")
            line = []
    lines.append(" ".join(line) + ".")
    return "\n".join(lines)


def word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, ch in enumerate(text + " "):
        if ch.isalpha():
            start = i if start is None else start
        elif start is not None:
            spans.append((start, i))
            start = None
    return spans


def annotate(
    rng: random.Random, article: Article, annotator_id: str, base: list, mentions: int
) -> AnnotationSet:
    spans = word_spans(article.text)
    entities = [Entity(name=f"Entity {k}", label=LABELS[k % 3]) for k in range(5)]
    items: list[Mention] = []
    for n, (start, end, label) in enumerate(base[:mentions]):
        roll = rng.random()
        if roll < 0.08:  # missed; another word labelled instead
            start, end = spans[rng.randrange(len(spans))]
        elif roll < 0.16:  # boundary differs: two words
            end = next((e for s, e in spans if s > end), end)
        elif roll < 0.2:
            label = LABELS[(LABELS.index(label) + 1) % 3]
        entity = entities[n % 5]
        items.append(
            Mention(
                start=start,
                end=end,
                label=label,
                entity_id=entity.id if entity.label == label else None,
            )
        )
    quotes, stances = [], []
    for q in range(3):
        speaker = items[q * 7]
        start, end = spans[60 + q * 40][0], spans[75 + q * 40][1]
        if rng.random() < 0.15:
            end = spans[72 + q * 40][1]
        cue = spans[59 + q * 40]
        quotes.append(
            Quote(start=start, end=end, speaker_id=speaker.id, cue_start=cue[0], cue_end=cue[1])
        )
    for h in range(2):
        polarity = ("favor", "against")[h] if rng.random() < 0.85 else "neutral"
        stances.append(
            Stance(
                holder_id=entities[h].id,
                target_topic=TOPIC,
                polarity=polarity,
                evidence=[Evidence(start=quotes[h].start, end=quotes[h].end)],
            )
        )
    genre = "news" if rng.random() < 0.8 else "analysis"
    return AnnotationSet(
        article_id=article.id,
        annotator_id=annotator_id,
        text_sha256=article.sha256,
        status=SetStatus.DONE,
        mentions=items,
        entities=entities,
        quotes=quotes,
        stances=stances,
        document_labels=[DocumentLabel(question="genre", values=[genre])],
    )


def build(path: Path, articles: int, mentions: int) -> None:
    rng = random.Random(6)
    schema = default_schema()
    schema = schema.model_copy(update={"topics": [*schema.topics, _topic()]})
    with Project.create(path, schema=schema) as project:
        made = [Article.create(make_text(rng, 400), title=f"A{n}") for n in range(articles)]
        project.articles.add_many(made)
        people = [project.annotators.get_or_create(name) for name in ("ana", "ben", "cleo")]
        with paused_gc(), project.database.transaction():
            for article in made:
                spans = word_spans(article.text)
                chosen = sorted(rng.sample(range(len(spans)), mentions))
                base = [(*spans[i], LABELS[i % 3]) for i in chosen]
                for person in people:
                    project.sets.replace(annotate(rng, article, person.id, base, mentions))


def _topic():  # type: ignore[no-untyped-def]
    from annotator.domain.schema import Topic

    return Topic(name=TOPIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--mentions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.annotator"
        started = time.perf_counter()
        build(path, args.articles, args.mentions)
        print(
            f"built {args.articles} articles x 3 annotators x {args.mentions} mentions "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        times, cpu = [], []
        report = None
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            with Project.open(path, read_only=True) as project:
                report = agreement.compute(project)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        assert report is not None
        entities = report.span_row("entities", agreement.ALL_LABELS)
        assert entities is not None
        print(
            f"agreement compute (open + load + all layers), {args.runs} runs: "
            f"median {statistics.median(times):.3f} s, "
            f"range {min(times):.3f}-{max(times):.3f} s; CPU time median "
            f"{statistics.median(cpu):.3f} s, range {min(cpu):.3f}-{max(cpu):.3f} s "
            f"({report.articles_compared} articles, {report.sets_compared} sets; "
            f"entities overlap F1 {entities.overlap_f1:.3f}, "
            f"alpha_u pooled {entities.alpha_pooled:.3f})"
        )


if __name__ == "__main__":
    main()
