"""Label the first demo article as "Maren" so screenshots show every layer. Not a test."""

from __future__ import annotations

import sys

from annotator.domain.annotations import Entity, Evidence, Mention, Quote, Stance
from annotator.domain.schema import Topic
from annotator.services.annotation import ArticleSession
from annotator.storage.project import Project


def span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def main(path: str) -> None:
    with Project.open(path) as project:
        schema = project.schema
        topic = "Norwegian troop deployment to Lithuania"
        if topic not in schema.topic_names:
            project.schemas.save(schema.model_copy(update={"topics": [Topic(name=topic)]}))
        annotator = project.annotators.get_or_create("Maren")
        article = next(a for a in project.articles.iter_all() if a.title.startswith("Norway"))
        session = ArticleSession(project, article, annotator)
        if session.mentions:
            return
        text = article.text
        entities: dict[str, Entity] = {}

        def mention(needle: str, label: str, entity: str | None = None, nth: int = 0) -> Mention:
            if entity and entity not in entities:
                entities[entity] = Entity(name=entity, label=label)
                session.add(entities[entity])
            start, end = span(text, needle, nth)
            item = Mention(
                start=start, end=end, label=label, entity_id=entities[entity].id if entity else None
            )
            session.add(item)
            return item

        mention("OSLO", "GPE")
        mention("Norway", "GPE", "Norway")
        mention("Lithuania", "GPE", "Lithuania")
        mention("Defence Ministry", "ORG", "Norwegian Defence Ministry")
        halvorsen = mention("Ingrid Halvorsen", "PER", "Ingrid Halvorsen")
        mention("Defence Ministry", "ORG", "Norwegian Defence Ministry", nth=1)
        mention("Oslo", "GPE")
        mention("4th Mechanised Battalion", "ORG")
        mention("Bardufoss", "GPE")
        mention("Kaunas", "GPE")
        aasland = mention("Henrik Aasland", "PER", "Henrik Aasland")
        mention("Aasland", "PER", "Henrik Aasland", nth=1)
        mention("Operation Steadfast Birch", "EVENT")
        vaitkute = mention("Rasa Vaitkutė", "PER", "Rasa Vaitkutė")
        mention("Vilnius-based Centre for Regional Security Studies", "ORG")
        mention("Vilnius", "GPE")
        lie = mention("Torbjørn Lie", "PER", "Torbjørn Lie")
        mention("Coastal Alliance", "ORG")

        def quote(needle: str, speaker: Mention, cue: str, kind: str = "direct") -> Quote:
            """``cue`` may carry context: the cue is its part before a "|"."""
            start, end = span(text, needle)
            cue_start, _ = span(text, cue.replace("|", ""))
            cue_end = cue_start + cue.index("|") if "|" in cue else cue_start + len(cue)
            item = Quote(
                start=start,
                end=end,
                quote_type=kind,
                speaker_id=speaker.id,
                cue_start=cue_start,
                cue_end=cue_end,
            )
            session.add(item)
            return item

        halvorsen_quote = quote(
            '"This deployment is defensive in nature and limited in time. Our soldiers will '
            'train alongside partners, and they will not patrol any border."',
            halvorsen,
            "told reporters",
        )
        quote(
            "the government had consulted allies for months before reaching the decision",
            aasland,
            "said| that",
            "indirect",
        )
        vaitkute_quote = quote(
            '"We asked for help, and our friends answered,"', vaitkute, "said| Rasa"
        )
        lie_quote = quote(
            '"We are being asked to write a blank cheque for a mission with no exit date,"',
            lie,
            "said|.",
        )
        for holder, polarity, evidence in (
            (halvorsen, "favor", halvorsen_quote),
            (vaitkute, "favor", vaitkute_quote),
            (lie, "against", lie_quote),
        ):
            session.add(
                Stance(
                    holder_id=holder.entity_id or "",
                    target_topic=topic,
                    polarity=polarity,
                    evidence=[
                        Evidence(start=evidence.start, end=evidence.end, quote_id=evidence.id)
                    ],
                )
            )


def label_seoul(project: Project, annotator_name: str) -> None:
    """The Korean-and-emoji article: spans after emoji must land on the right characters."""
    annotator = project.annotators.get_or_create(annotator_name)
    article = next(a for a in project.articles.iter_all() if a.title.startswith("Seoul"))
    session = ArticleSession(project, article, annotator)
    if session.mentions:
        return
    text = article.text
    kim = Entity(name="Kim Soon-ja", label="PER")
    session.add(kim)
    first = Mention(**_span(text, "Kim Soon-ja", 0), label="PER", entity_id=kim.id)
    session.add(first)
    speaker = Mention(**_span(text, "Kim Soon-ja", 1), label="PER", entity_id=kim.id)
    session.add(speaker)
    session.add(Mention(**_span(text, "Kim", 2), label="PER", entity_id=kim.id))
    session.add(Mention(**_span(text, "별빛코딩재단"), label="ORG"))
    session.add(Mention(**_span(text, "Mapo", 1), label="GPE"))
    session.add(Mention(**_span(text, "Han River Dispatch"), label="ORG"))
    cue = _span(text, "told")
    session.add(
        Quote(
            **_span(text, "“처음에는 무서웠는데, 지금은 재미있어요,”"),
            quote_type="direct",
            speaker_id=speaker.id,
            cue_start=cue["start"],
            cue_end=cue["end"],
        )
    )


def _span(text: str, needle: str, nth: int = 0) -> dict[str, int]:
    start, end = span(text, needle, nth)
    return {"start": start, "end": end}


if __name__ == "__main__":
    main(sys.argv[1])
    with Project.open(sys.argv[1]) as opened:
        label_seoul(opened, "Maren")
