"""Three annotators label the Norway demo article (and two the Lyon one) with realistic
disagreements, and "Rita" is made a reviewer, so the reviewer window has something to show.
Not a test.

    annotator demo --no-gui                      # prints the demo project's path
    python tests/screenshots/prepare_review_demo.py PROJECT
    annotator gui PROJECT                        # as Rita; Review > Reviewer mode (Ctrl+Shift+R)
"""

from __future__ import annotations

import sys

from annotator.domain.annotations import (
    Annotator,
    DocumentLabel,
    Entity,
    Evidence,
    Mention,
    Quote,
    Role,
    SetStatus,
    Stance,
)
from annotator.domain.article import Article
from annotator.domain.schema import Topic
from annotator.services.annotation import ArticleSession
from annotator.storage.project import Project

TOPIC = "Norwegian troop deployment to Lithuania"


def span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


class _Labeller:
    def __init__(self, project: Project, article: Article, name: str) -> None:
        self.session = ArticleSession(project, article, project.annotators.get_or_create(name))
        self.text = article.text
        self.entities: dict[str, Entity] = {}

    def mention(
        self,
        needle: str,
        label: str,
        entity: str | None = None,
        nth: int = 0,
        **extra: object,
    ) -> Mention:
        entity_id = None
        if entity is not None:
            if entity not in self.entities:
                self.entities[entity] = Entity(name=entity, label=label)
                self.session.add(self.entities[entity])
            entity_id = self.entities[entity].id
        start, end = span(self.text, needle, nth)
        item = Mention(start=start, end=end, label=label, entity_id=entity_id, **extra)  # type: ignore[arg-type]
        self.session.add(item)
        return item

    def quote(
        self, needle: str, speaker: Mention, cue: str, kind: str = "direct", cue_nth: int = 0
    ) -> Quote:
        start, end = span(self.text, needle)
        cue_start, cue_end = span(self.text, cue, cue_nth)
        item = Quote(
            start=start,
            end=end,
            quote_type=kind,
            speaker_id=speaker.id,
            cue_start=cue_start,
            cue_end=cue_end,
        )
        self.session.add(item)
        return item

    def stance(self, holder: str, polarity: str, *evidence: str | Quote, **extra: object) -> None:
        items = []
        for part in evidence:
            if isinstance(part, Quote):
                items.append(Evidence(start=part.start, end=part.end, quote_id=part.id))
            else:
                start, end = span(self.text, part)
                items.append(Evidence(start=start, end=end))
        self.session.add(
            Stance(
                holder_id=self.entities[holder].id,
                target_topic=TOPIC,
                polarity=polarity,
                evidence=items,
                **extra,  # type: ignore[arg-type]
            )
        )


def label_norway(project: Project, article: Article, name: str, variant: str) -> None:
    """``variant`` a, b or c; b disagrees most (boundaries, speakers, cues), c flags doubts."""
    w = _Labeller(project, article, name)
    if w.session.mentions:
        return
    w.mention("OSLO", "GPE")
    w.mention("Norway", "GPE", "Norway")
    w.mention("Lithuania", "GPE", "Lithuania")
    w.mention("Defence Ministry", "ORG", "Norwegian Defence Ministry")
    if variant == "b":
        halvorsen = w.mention("Colonel Ingrid Halvorsen", "PER", "Ingrid Halvorsen")
    else:
        halvorsen = w.mention("Ingrid Halvorsen", "PER", "Ingrid Halvorsen")
    w.mention("Oslo", "GPE")
    if variant == "c":
        w.mention("4th Mechanised Battalion", "MISC", unsure=True, note="a unit: ORG or MISC?")
    else:
        w.mention("4th Mechanised Battalion", "ORG")
    w.mention("Bardufoss", "GPE")
    w.mention("Kaunas", "GPE")
    aasland = w.mention("Henrik Aasland", "PER", "Henrik Aasland")
    w.mention("Aasland", "PER", "Henrik Aasland", nth=1)
    if variant == "a":
        w.mention("Operation Steadfast Birch", "EVENT")
    elif variant == "b":
        w.mention("Operation Steadfast Birch", "MISC")
    vaitkute = w.mention("Rasa Vaitkutė", "PER", "Rasa Vaitkutė")
    if variant == "a":
        w.mention("Vilnius-based Centre for Regional Security Studies", "ORG")
    else:
        w.mention("Centre for Regional Security Studies", "ORG")
    lie = w.mention("Torbjørn Lie", "PER", "Torbjørn Lie")
    w.mention("Coastal Alliance", "ORG", "Coastal Alliance")
    lie_said = w.mention("Lie", "PER", "Torbjørn Lie", nth=2)
    w.mention("Sigrid Moen", "PER", "Sigrid Moen")

    halvorsen_quote = w.quote(
        '"This deployment is defensive in nature and limited in time. Our soldiers will '
        'train alongside partners, and they will not patrol any border."',
        halvorsen,
        "told" if variant == "b" else "told reporters",
    )
    aasland_span = "the government had consulted allies for months before reaching the decision"
    if variant == "b":
        aasland_span += (
            " and that parliament would receive a full cost breakdown before the end of March"
        )
    w.quote(aasland_span, aasland, "said", "indirect")
    vaitkute_quote = w.quote(
        '"We asked for help, and our friends answered,"', vaitkute, "said", cue_nth=1
    )
    lie_quote = w.quote(
        '"We are being asked to write a blank cheque for a mission with no exit date,"',
        lie if variant == "b" else lie_said,
        "said",
        cue_nth=3,
    )
    w.stance("Ingrid Halvorsen", "favor", halvorsen_quote)
    if variant == "c":
        w.stance(
            "Rasa Vaitkutė",
            "neutral",
            vaitkute_quote,
            unsure=True,
            note="welcomes it, but speaks as an analyst",
        )
    else:
        w.stance("Rasa Vaitkutė", "favor", vaitkute_quote)
    if variant == "b":
        w.stance(
            "Torbjørn Lie",
            "against",
            lie_quote,
            "warned that the mission had been approved without a clear end date",
        )
    else:
        w.stance("Torbjørn Lie", "against", lie_quote)
    w.session.add(DocumentLabel(question="genre", values=["news"]))
    w.session.add(
        DocumentLabel(question="overall_stance", values=["favor" if variant == "b" else "neutral"])
    )
    w.session.set_status(SetStatus.DONE)


def label_lyon(project: Project, article: Article, name: str, variant: str) -> None:
    """A calmer article: two annotators who differ on one boundary only."""
    w = _Labeller(project, article, name)
    if w.session.mentions:
        return
    w.mention("LYON", "GPE")
    w.mention("Lyon", "GPE", nth=1)
    w.mention("Lyon Métropole Mobilités", "ORG")
    moreau = w.mention("Julien Moreau", "PER", "Julien Moreau")
    w.mention("Moreau", "PER", "Julien Moreau", nth=1)
    if variant == "a":
        w.mention("Élise Fournier", "PER", "Élise Fournier")
    else:
        w.mention("Mayor Élise Fournier", "PER", "Élise Fournier")
    w.quote(
        "“Households are already stretched by rent and food prices, and a fare increase would "
        "hit the people who have no other way to get to work,”",
        moreau,
        "said",
    )
    w.session.set_status(SetStatus.DONE)


def main(path: str) -> None:
    with Project.open(path) as project:
        schema = project.schema
        if TOPIC not in schema.topic_names:
            project.schemas.save(
                schema.model_copy(update={"topics": [*schema.topics, Topic(name=TOPIC)]})
            )
        if project.annotators.by_name("Rita") is None:
            project.annotators.add(Annotator(name="Rita", roles=[Role.ANNOTATOR, Role.REVIEWER]))
        articles = list(project.articles.iter_all())
        norway = next(a for a in articles if a.title.startswith("Norway"))
        for name, variant in (("Maren", "a"), ("Jonas", "b"), ("Priya", "c")):
            label_norway(project, norway, name, variant)
        lyon = next((a for a in articles if a.title.startswith("Lyon")), None)
        if lyon is not None:
            for name, variant in (("Maren", "a"), ("Jonas", "b")):
                label_lyon(project, lyon, name, variant)


if __name__ == "__main__":
    main(sys.argv[1])
