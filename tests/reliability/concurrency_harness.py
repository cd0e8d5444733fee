"""Two processes, one project: an annotator and a reviewer write at the same time; then every
write each side reported is checked against the file, and nothing else is there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from scripted_session import State, apply, stored_state
from two_sides import ANNOTATOR, REVIEWER

from annotator.domain.schema import default_schema
from annotator.services.demo import demo_articles_file
from annotator.services.importing import import_paths
from annotator.storage.project import Project

SCRIPT = Path(__file__).with_name("two_sides.py")


@dataclass
class Side:
    role: str
    items: list[tuple[str, dict]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    transactions: int = 0
    waited: int = 0
    retries: int = 0
    longest_wait: float = 0.0
    returncode: int | None = None

    @property
    def writes(self) -> int:
        return len(self.items) + len(self.comments) + len(self.statuses)


def make_project(path: Path) -> None:
    with Project.create(path, schema=default_schema()) as project:
        import_paths(project, [demo_articles_file()])


def run_sides(path: Path, *, seconds: float, seed: int = 5, pause: float = 0.004) -> list[Side]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPT.parent), env.get("PYTHONPATH")]))
    start_at = time.time() + 2.5  # both interpreters are up by then
    # Output to files, not pipes: a full pipe would stall a side while the other is read.
    logs = {role: path.with_name(f"{path.name}.{role}.log") for role in ("annotator", "reviewer")}
    processes = {}
    for n, role in enumerate(("annotator", "reviewer")):
        with logs[role].open("w") as log:
            processes[role] = subprocess.Popen(
                [
                    sys.executable,
                    str(SCRIPT),
                    role,
                    str(path),
                    str(seconds),
                    str(seed + n),
                    str(start_at),
                    str(pause),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
            )
    sides = []
    for role, process in processes.items():
        process.wait(timeout=seconds + 120)
        stdout = stderr = logs[role].read_text()
        side = Side(role, returncode=process.returncode)
        for line in stdout.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "DONE":
                what, _, detail = rest.partition(" ")
                if what == "item":
                    set_id, action = detail.split(" ", 1)
                    side.items.append((set_id, json.loads(action)))
                elif what == "comment":
                    side.comments.append(detail)
                else:
                    set_id, status = detail.split()
                    side.statuses.append((set_id, status))
            elif kind == "STATS":
                transactions, waited, retries, longest = rest.split()
                side.transactions, side.waited = int(transactions), int(waited)
                side.retries, side.longest_wait = int(retries), float(longest)
            elif kind == "ERROR":
                side.errors.append(rest)
        if process.returncode != 0 and not side.errors:
            side.errors.append(stderr.strip()[-2000:])
        sides.append(side)
    return sides


def _empty(status: str = "todo") -> State:
    return {
        "status": status,
        "mention": {},
        "entity": {},
        "quote": {},
        "stance": {},
        "document_label": {},
    }


def check(path: Path, sides: list[Side]) -> dict[str, int]:
    """Everything reported is in the file, and the file holds nothing unreported."""
    annotator, reviewer = sides
    with Project.open(path) as project:
        conn = project.database.conn
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        for side in sides:
            models: dict[str, State] = {}
            for set_id, action in side.items:
                models[set_id] = apply(models.get(set_id, _empty()), action)
            for set_id, model in models.items():
                stored = stored_state(project, set_id)
                if side is annotator:  # the reviewer sets these statuses too
                    stored["status"] = model["status"] = "-"
                assert stored == model, f"{side.role}: set {set_id} differs from its reports"
        comment_ids = {r[0] for r in conn.execute("SELECT id FROM review_comments")}
        assert comment_ids == set(reviewer.comments)
        people = {name: project.annotators.by_name(name) for name in (ANNOTATOR, REVIEWER)}
        audit = {
            side.role: conn.execute(
                "SELECT COUNT(*) FROM audit_log WHERE action <> 'create' AND actor IN (?, ?)",
                (people[name].name, people[name].id),
            ).fetchone()[0]
            for side, name in ((annotator, ANNOTATOR), (reviewer, REVIEWER))
        }
    for side in sides:
        assert audit[side.role] == side.writes, (side.role, audit[side.role], side.writes)
    return audit
