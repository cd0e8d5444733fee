"""One side of the two-process test: an annotator labelling, or a reviewer writing gold labels,
comments and statuses, on the same project file at the same time.

    python two_sides.py annotator|reviewer PROJECT SECONDS SEED START_AT PAUSE

Prints ``READY``, then one ``DONE`` line per committed write (with what the parent needs to
find it in the file), then ``STATS`` with how long writes waited for the other process. Any
error, "database is locked" included, is printed as ``ERROR`` and fails the parent's test.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from scripted_session import Script, perform

from annotator.domain.annotations import ReviewComment, Role, SetKind, SetStatus
from annotator.services.annotation import ArticleSession
from annotator.storage.project import Project

ANNOTATOR = "anna"
REVIEWER = "rex"


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    role, path, seconds, seed, start_at, pause = sys.argv[1:7]
    rng = random.Random(int(seed))
    project = Project.open(Path(path))
    try:
        if role == "annotator":
            person = project.annotators.get_or_create(ANNOTATOR)
            kind = SetKind.ANNOTATION
        else:
            person = project.annotators.get_or_create(REVIEWER, roles=[Role.REVIEWER])
            kind = SetKind.GOLD
        sessions = [
            ArticleSession(project, project.articles.get(a), person, kind=kind)
            for a in project.articles.ids()
        ]
        scripts = [Script(session, rng) for session in sessions]
        anna = project.annotators.get_or_create(ANNOTATOR)
        say("READY")
        time.sleep(max(0.0, float(start_at) - time.time()))
        deadline = time.monotonic() + float(seconds)
        while time.monotonic() < deadline:
            choice = rng.random()
            if role == "reviewer" and choice < 0.2:
                infos = project.sets.for_annotator(anna.id)
                if infos:
                    info = rng.choice(infos)
                    comment = ReviewComment(
                        set_id=info.id, author_id=person.id, text=f"check {rng.randrange(10**6)}"
                    )
                    project.reviews.add_comment(comment)
                    say(f"DONE comment {comment.id}")
            elif role == "reviewer" and choice < 0.3:
                infos = project.sets.for_annotator(anna.id)
                if infos:
                    info = rng.choice(infos)
                    status = rng.choice([SetStatus.APPROVED, SetStatus.NEEDS_REWORK])
                    project.sets.set_status(info.id, status, actor=person.name)
                    say(f"DONE status {info.id} {status}")
            else:
                script = rng.choice(scripts)
                action = script.next_action()
                perform(script.session, action)
                say(
                    f"DONE item {script.session.set_id} {json.dumps(action, separators=(',', ':'))}"
                )
            time.sleep(rng.uniform(0, float(pause)))
        stats = project.database.lock_stats
        say(f"STATS {stats.transactions} {stats.waited} {stats.retries} {stats.longest_wait:.4f}")
    except BaseException as error:
        say(f"ERROR {type(error).__name__}: {error}")
        raise SystemExit(1) from None
    finally:
        project.close()


if __name__ == "__main__":
    main()
