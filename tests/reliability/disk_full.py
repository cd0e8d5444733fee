"""A full disk in the middle of a scripted annotation session, again and again.

Each round opens the project, lets the file grow by only a few pages (SQLite's own page limit:
a real SQLITE_FULL, as a full disk gives) and runs scripted actions through ``ArticleSession``
as the window does. Every action either succeeds (and the model, ``scripted_session.apply``,
follows it) or fails with ``ProjectWriteError``; after a failure the file and the session's
in-memory labels must both still equal the model. Then space is "freed", the session must go on
working, and at the end of the round the file passes ``integrity_check`` and holds exactly the
model. ``test_disk_full.py`` runs a few rounds; ``tests/bench/bench_disk_full.py`` many.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from kill_harness import ANNOTATOR, make_project
from scripted_session import Script, State, apply, dump, perform, stored_state

from annotator.services.annotation import ArticleSession
from annotator.storage.database import ProjectWriteError
from annotator.storage.project import Project


@dataclass
class DiskFullStats:
    rounds: int = 0
    done: int = 0
    refused: int = 0
    after_freeing: int = 0

    def summary(self) -> str:
        return (
            f"{self.rounds} rounds: {self.done} actions done, {self.refused} refused by the "
            f"full disk (file and session unchanged each time), {self.after_freeing} done after "
            "space was freed"
        )


def session_state(session: ArticleSession) -> State:
    """What the session holds in memory, in the model's shape."""
    held = session.snapshot()
    return {
        "status": str(held.status),
        "mention": {m.id: dump(m) for m in held.mentions},
        "entity": {e.id: dump(e) for e in held.entities},
        "quote": {q.id: dump(q) for q in held.quotes},
        "stance": {s.id: dump(s) for s in held.stances},
        "document_label": {d.id: dump(d) for d in held.document_labels},
    }


def run_disk_full(
    path: Path, *, rounds: int, actions: int, seed: int = 1, stats: DiskFullStats | None = None
) -> DiskFullStats:
    """``rounds`` rounds of ``actions`` actions each against a disk that fills up."""
    stats = stats or DiskFullStats()
    rng = random.Random(seed)
    if not path.exists():
        make_project(path)
    for _round in range(rounds):
        with Project.open(path) as project:
            person = project.annotators.get_or_create(ANNOTATOR)
            sessions = [
                ArticleSession(project, project.articles.get(article_id), person)
                for article_id in project.articles.ids()
            ]
            model = {s.set_id: stored_state(project, s.set_id) for s in sessions}
            scripts = [Script(s, rng) for s in sessions]
            conn = project.database.conn
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + rng.randint(0, 2)}")
            for _n in range(actions):
                script = rng.choice(scripts)
                session = script.session
                action = script.next_action()
                try:
                    perform(session, action)
                except ProjectWriteError as error:
                    assert "full" in str(error) or "disk" in str(error), error
                    stats.refused += 1
                    assert stored_state(project, session.set_id) == model[session.set_id]
                    assert session_state(session) == model[session.set_id]
                    continue
                stats.done += 1
                model[session.set_id] = apply(model[session.set_id], action)
            conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
            for _n in range(5):
                script = rng.choice(scripts)
                action = script.next_action()
                perform(script.session, action)
                stats.after_freeing += 1
                model[script.session.set_id] = apply(model[script.session.set_id], action)
            for session in sessions:
                assert stored_state(project, session.set_id) == model[session.set_id]
                assert session_state(session) == model[session.set_id]
            assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stats.rounds += 1
    return stats
