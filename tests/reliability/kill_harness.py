"""The crash harness: run scripted sessions in a child process, SIGKILL it at random moments,
and check after each kill that the project opens, is intact, and holds every reported action.

Used by ``test_kill_session.py`` (fifty kills) and ``tests/bench/bench_kill.py`` (as many as
asked for).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripted_session import State, apply, stored_state

from annotator.domain.article import Article
from annotator.domain.schema import default_schema
from annotator.services.annotation import ArticleSession
from annotator.services.demo import demo_articles_file
from annotator.services.importing import import_paths
from annotator.storage.project import Project

ANNOTATOR = "crash"
SCRIPT = Path(__file__).with_name("scripted_session.py")


@dataclass
class KillStats:
    runs: int = 0
    kills: int = 0
    actions_done: int = 0
    in_flight_committed: int = 0
    in_flight_lost: int = 0
    items_checked: int = 0
    seconds: float = 0.0
    run_actions: list[int] = field(default_factory=list)

    def summary(self) -> str:
        runs = sorted(self.run_actions) or [0]
        return (
            f"{self.kills} kills survived in {self.runs} runs, "
            f"{self.actions_done} reported actions verified "
            f"({self.items_checked} stored items compared), in-flight action committed "
            f"{self.in_flight_committed}× / rolled back {self.in_flight_lost}×, actions per run "
            f"median {runs[len(runs) // 2]} (range {runs[0]}–{runs[-1]}), {self.seconds:.1f} s"
        )


def make_project(path: Path, extra_text: str | None = None) -> dict[str, State]:
    """A project with the sample articles and the crash annotator's (empty) sets."""
    with Project.create(path, schema=default_schema()) as project:
        import_paths(project, [demo_articles_file()])
        if extra_text:
            project.articles.add(Article.create(extra_text, title="Unicode"))
        person = project.annotators.get_or_create(ANNOTATOR)
        model = {}
        for article_id in project.articles.ids():
            session = ArticleSession(project, project.articles.get(article_id), person)
            model[session.set_id] = stored_state(project, session.set_id)
    return model


class Zygote:
    """The child-process server (``scripted_session.zygote``): one fork per session."""

    def __init__(self) -> None:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(SCRIPT.parent), os.environ.get("PYTHONPATH")])
            ),
        )
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            env=env,
            text=True,
            bufsize=1,
            cwd=Path(__file__).parents[2],
        )

    def request(self, **request: Any) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write("RUN " + json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.readline()
        assert line.startswith("PID "), line
        return int(line.split()[1])

    def readline(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the session server ended unexpectedly")
        return line.rstrip("\n")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@dataclass
class Round:
    """What one child reported before it died."""

    begun: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    done: int = 0
    killed: bool = False
    error: str | None = None


def run_round(zygote: Zygote, path: Path, *, seed: int, actions: int, delay: float) -> Round:
    """One child: start it, let it work for ``delay`` seconds after it is ready, SIGKILL it."""
    pid = zygote.request(project=str(path), annotator=ANNOTATOR, seed=seed, actions=actions)
    result = Round()
    ready = False
    while not ready:
        line = zygote.readline()
        if line == "READY":
            ready = True
        elif line.startswith(("ERROR", "EXIT")):
            raise AssertionError(f"the session failed before it was ready: {line}")
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):  # it finished its actions first
        os.kill(pid, signal.SIGKILL)
    while True:
        line = zygote.readline()
        kind, _, rest = line.partition(" ")
        if kind == "BEGIN":
            n, set_id, action = rest.split(" ", 2)
            assert int(n) == len(result.begun), line
            result.begun.append((set_id, json.loads(action)))
        elif kind == "DONE":
            assert int(rest) == len(result.begun) - 1 == result.done, line
            result.done += 1
        elif kind == "ERROR":
            result.error = rest
        elif kind == "EXIT":
            status = int(rest.split()[1])
            result.killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            return result


def verify(
    path: Path, model: dict[str, State], result: Round, stats: KillStats
) -> dict[str, State]:
    """The project opens, is intact, and holds every DONE action (and all or nothing of the one
    in flight). Returns the model for the next round (what the file now holds)."""
    expected = {set_id: state for set_id, state in model.items()}
    for set_id, action in result.begun[: result.done]:
        expected[set_id] = apply(expected[set_id], action)
    candidate = dict(expected)
    in_flight = result.begun[result.done :]
    assert len(in_flight) <= 1, in_flight
    for set_id, action in in_flight:
        candidate[set_id] = apply(candidate[set_id], action)
    with Project.open(path) as project:
        conn = project.database.conn
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {set_id: stored_state(project, set_id) for set_id in model}
    if stored == expected:
        stats.in_flight_lost += bool(in_flight)
    elif in_flight and stored == candidate:
        stats.in_flight_committed += 1
    else:
        raise AssertionError(_difference(stored, expected, result))
    stats.items_checked += sum(
        len(state[layer]) for state in stored.values() for layer in state if layer != "status"
    )
    return stored


def _difference(stored: dict[str, State], expected: dict[str, State], result: Round) -> str:
    lines = [f"the file differs from the {result.done} reported action(s):"]
    for set_id, state in expected.items():
        for layer, items in state.items():
            have = stored[set_id][layer]
            if have == items:
                continue
            if layer == "status":
                lines.append(f"  set {set_id}: status {have}, expected {items}")
                continue
            for item_id in sorted(set(items) | set(have)):
                if items.get(item_id) != have.get(item_id):
                    lines.append(
                        f"  {layer} {item_id}: stored {have.get(item_id)}, "
                        f"expected {items.get(item_id)}"
                    )
    return "\n".join(lines[:40])


def run_kills(
    path: Path,
    *,
    kills: int,
    min_actions: int = 0,
    seed: int = 8,
    actions_per_run: int = 2_000,
    max_delay: float = 0.08,
    report=None,
) -> KillStats:
    """Rounds of run → SIGKILL at a random moment → verify, resuming from the same file, until
    ``kills`` kills and ``min_actions`` reported actions were verified."""
    model = make_project(
        path, extra_text="Seoul 🇰🇷 — 서울 posted 👩‍💻.\nKim said, “We start again.”\n"
    )
    rng = random.Random(seed)
    stats = KillStats()
    started = time.monotonic()
    zygote = Zygote()
    try:
        while stats.kills < kills or stats.actions_done < min_actions:
            result = run_round(
                zygote,
                path,
                seed=rng.randrange(2**32),
                actions=actions_per_run,
                # Enough kills but too few actions (a slow disk): longer runs from now on.
                delay=rng.uniform(0, max_delay if stats.kills < kills else max(max_delay, 0.5)),
            )
            assert result.error is None, result.error
            stats.runs += 1
            stats.kills += result.killed
            stats.actions_done += result.done
            stats.run_actions.append(result.done)
            model = verify(path, model, result, stats)
            if report is not None:
                report(stats)
    finally:
        zygote.close()
    stats.seconds = time.monotonic() - started
    return stats
