"""Fill a demo project with four annotators' work over nine days, for the overview screenshot.

Adds short articles written for this purpose, labels them as four annotators would (with some
items flagged unsure), marks sets done and dates those "marked done" audit rows over the past
days. Not a test. Usage: prepare_overview_demo.py PROJECT
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta

from annotator.domain.annotations import Mention, Quote, SetStatus
from annotator.domain.article import Article
from annotator.storage.project import Project

PEOPLE = ["Anna Berg", "Tomas Kral", "Lina Ozols", "Pavel Novak", "Sofia Reyes", "Jan Dvorak"]
ORGS = ["the Port Authority", "the Coastal Alliance", "the Transport Ministry", "Baltic Rail"]
PLACES = ["Riga", "Tartu", "Gdansk", "Klaipeda", "Vilnius", "Tallinn"]
EVENTS = ["the Harbour Summit", "the spring strike", "the budget vote"]

PER_GUIDELINE = """Mark **named persons** and the words that refer to them:

- full names: *Ingrid Halvorsen*
- a title with the name, as one span: *Colonel Ingrid Halvorsen*
- pronouns that refer to a **quoted** person: *she*, *he*

Do **not** mark a job title alone (*the minister*) unless it stands for one quoted person.
"""

TEMPLATE = (
    "{place} — {person} of {org} said on Monday that {event} would go ahead.\n"
    "“We have waited long enough,” {person} told reporters in {place}.\n"
    "{other} of {org2} disagreed, warning that {place2} could not carry the costs."
)


def _articles(rng: random.Random, count: int) -> list[tuple[Article, list[tuple[str, str]]]]:
    out = []
    for n in range(count):
        values = {
            "place": rng.choice(PLACES),
            "person": rng.choice(PEOPLE),
            "org": rng.choice(ORGS),
            "event": rng.choice(EVENTS),
            "other": rng.choice(PEOPLE),
            "org2": rng.choice(ORGS),
            "place2": rng.choice(PLACES),
        }
        text = TEMPLATE.format(**values)
        names = [
            (values["place"], "GPE"),
            (values["person"], "PER"),
            (values["org"].removeprefix("the "), "ORG"),
            (values["event"].removeprefix("the "), "EVENT"),
            (values["other"], "PER"),
            (values["org2"].removeprefix("the "), "ORG"),
            (values["place2"], "GPE"),
        ]
        title = f"{values['person']} on {values['event'].removeprefix('the ')} ({n + 1})"
        out.append((Article.create(text, title=title, source="Baltic Wire"), names))
    return out


def main(path: str) -> None:
    rng = random.Random(7)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with Project.open(path) as project:
        schema = project.schema
        types = [
            t.model_copy(update={"guideline": PER_GUIDELINE}) if t.name == "PER" else t
            for t in schema.entity_types
        ]
        project.schemas.save(
            schema.model_copy(update={"entity_types": types}), note="entity type PER: guideline"
        )
        made = _articles(rng, 22)
        for article, _names in made:
            project.articles.add(article)
        work = {
            "Maren": (0.9, 0.05),
            "Jonas": (0.6, 0.12),
            "Aiko": (0.75, 0.02),
            "Tomás": (0.35, 0.2),
        }
        for name, (share, doubt) in work.items():
            annotator = project.annotators.get_or_create(name)
            for article, names in made:
                roll = rng.random()
                if roll > share + 0.15:
                    continue
                set_id = project.sets.get_or_create(article.id, annotator.id, actor=name).id
                used: set[tuple[int, int]] = set()
                for needle, label in names:
                    start = article.text.find(needle)
                    if start < 0 or (start, start + len(needle)) in used:
                        continue
                    used.add((start, start + len(needle)))
                    if rng.random() < 0.1:
                        label = rng.choice(["ORG", "GPE", "LOC"])  # annotators disagree
                    project.sets.add(
                        set_id,
                        Mention(
                            start=start,
                            end=start + len(needle),
                            label=label,
                            unsure=rng.random() < doubt,
                        ),
                        actor=name,
                    )
                quote_start = article.text.index("“")
                quote_end = article.text.index("”") + 1
                project.sets.add(
                    set_id,
                    Quote(
                        start=quote_start,
                        end=quote_end,
                        quote_type="direct",
                        unsure=rng.random() < doubt,
                    ),
                    actor=name,
                )
                if roll <= share:
                    project.sets.set_status(set_id, SetStatus.DONE, actor=name)
                    day = today - timedelta(days=rng.randint(0, 8))
                    with project.database.transaction() as conn:
                        conn.execute(
                            "UPDATE audit_log SET at = ? WHERE target_id = ? AND action = 'status'",
                            (day.isoformat(timespec="milliseconds"), set_id),
                        )
                elif rng.random() < 0.3:
                    project.sets.set_status(set_id, SetStatus.NEEDS_REWORK, actor="Maren")


if __name__ == "__main__":
    main(sys.argv[1])
