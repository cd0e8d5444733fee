"""A scripted annotation session through the services the window uses, and a model of its effect.

The crash harness (``test_kill_session``, ``tests/bench/bench_kill.py``) and the two-process
harness (``test_two_processes``, ``tests/bench/bench_concurrency.py``) run it in child
processes. Every action goes through ``ArticleSession`` exactly as ``gui/session.py`` calls it
(one transaction per action), and is announced before it starts (``BEGIN``) and reported when
it returned (``DONE``), each line flushed. ``apply`` is an independent model of what an action
does to the stored set, so the parent can say what the file must contain after a kill.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.domain.annotations import (
    DocumentLabel,
    Entity,
    Evidence,
    Layer,
    Mention,
    Quote,
    SetStatus,
    Stance,
)
from annotator.services.annotation import ArticleSession
from annotator.storage.annotation_sets import AnyItem
from annotator.storage.project import Project

State = dict[str, Any]
_MODELS: dict[str, type[AnyItem]] = {
    "mention": Mention,
    "entity": Entity,
    "quote": Quote,
    "stance": Stance,
    "document_label": DocumentLabel,
}


def dump(item: AnyItem) -> dict[str, Any]:
    return item.model_dump(mode="json")


def stored_state(project: Project, set_id: str) -> State:
    """What the file holds for one set, in the model's shape."""
    loaded = project.sets.load(set_id)
    return {
        "status": str(loaded.status),
        "mention": {m.id: dump(m) for m in loaded.mentions},
        "entity": {e.id: dump(e) for e in loaded.entities},
        "quote": {q.id: dump(q) for q in loaded.quotes},
        "stance": {s.id: dump(s) for s in loaded.stances},
        "document_label": {d.id: dump(d) for d in loaded.document_labels},
    }


def apply(state: State, action: dict[str, Any]) -> State:
    """The model: the set after ``action``, computed without the repository."""
    new: State = {k: (dict(v) if isinstance(v, dict) else v) for k, v in state.items()}
    op = action["op"]
    if op == "status":
        new["status"] = action["status"]
        return new
    if op in ("add", "update"):
        item = action["item"]
        new[action["layer"]][item["id"]] = item
    elif op == "remove":
        layer, item_id = action["layer"], action["id"]
        del new[layer][item_id]
        if layer == "mention":
            for quote_id, quote in list(new["quote"].items()):
                if quote["speaker_id"] == item_id:
                    new["quote"][quote_id] = {**quote, "speaker_id": None}
        elif layer == "entity":
            for mention_id, mention in list(new["mention"].items()):
                if mention["entity_id"] == item_id:
                    new["mention"][mention_id] = {**mention, "entity_id": None}
        elif layer == "quote":
            for stance_id, stance in list(new["stance"].items()):
                evidence = [
                    {**e, "quote_id": None} if e["quote_id"] == item_id else e
                    for e in stance["evidence"]
                ]
                new["stance"][stance_id] = {**stance, "evidence": evidence}
    elif op == "link":
        for mention_id in action["ids"]:
            new["mention"][mention_id] = {
                **new["mention"][mention_id],
                "entity_id": action["entity"],
            }
    else:  # pragma: no cover - the script makes no other actions
        raise ValueError(op)
    if new["status"] == "todo":  # every item write starts the set
        new["status"] = "in_progress"
    return new


def perform(session: ArticleSession, action: dict[str, Any]) -> None:
    """Do ``action`` through the service, as the window's commands do."""
    op = action["op"]
    if op == "add":
        session.add(_MODELS[action["layer"]].model_validate(action["item"]))
    elif op == "update":
        session.update(_MODELS[action["layer"]].model_validate(action["item"]))
    elif op == "remove":
        session.remove(Layer(action["layer"]), action["id"])
    elif op == "link":
        session.link(action["ids"], action["entity"])
    elif op == "status":
        session.set_status(SetStatus(action["status"]))
    else:  # pragma: no cover
        raise ValueError(op)


class Script:
    """Chooses the next action from the session's current labels, like a busy annotator."""

    def __init__(self, session: ArticleSession, rng: random.Random) -> None:
        self.session = session
        self.rng = rng
        self.schema = session.schema

    def _span(self, longest: int = 25) -> tuple[int, int]:
        length = len(self.session.text)
        start = self.rng.randrange(0, length - 1)
        return start, min(length, start + self.rng.randint(1, longest))

    def next_action(self) -> dict[str, Any]:
        s, rng = self.session, self.rng
        choice = rng.random()
        if choice < 0.30 or not s.mentions:
            start, end = self._span()
            label = rng.choice(self.schema.entity_labels)
            return {
                "op": "add",
                "layer": "mention",
                "item": dump(Mention(start=start, end=end, label=label)),
            }
        if choice < 0.38:
            mention = rng.choice(list(s.mentions.values()))
            name = s.span_text(mention.start, mention.end).strip() or "entity"
            return {
                "op": "add",
                "layer": "entity",
                "item": dump(Entity(name=name, label=mention.label)),
            }
        if choice < 0.46 and s.entities:
            ids = rng.sample(sorted(s.mentions), k=min(len(s.mentions), rng.randint(1, 3)))
            entity = rng.choice([None, *sorted(s.entities)])
            return {"op": "link", "ids": ids, "entity": entity}
        if choice < 0.56:
            start, end = self._span(200)
            speaker = rng.choice([None, *sorted(s.mentions)])
            cue = self._span(8) if rng.random() < 0.7 else None
            quote = Quote(
                start=start,
                end=end,
                quote_type=rng.choice(self.schema.quote_type_names),
                speaker_id=speaker,
                cue_start=cue[0] if cue else None,
                cue_end=cue[1] if cue else None,
            )
            return {"op": "add", "layer": "quote", "item": dump(quote)}
        if choice < 0.62 and s.entities:
            holder = rng.choice(sorted(s.entities))
            quote_id = rng.choice([None, *sorted(s.quotes)])
            if quote_id is not None:
                q = s.quotes[quote_id]
                evidence = [Evidence(start=q.start, end=q.end, quote_id=quote_id)]
            else:
                evidence = [Evidence(start=a, end=b) for a, b in (self._span(60),)]
            topic_target = rng.random() < 0.5 or len(s.entities) < 2
            stance = Stance(
                holder_id=holder,
                target_entity_id=None
                if topic_target
                else rng.choice([e for e in sorted(s.entities) if e != holder]),
                target_topic="North Korean troop deployment to Russia" if topic_target else None,
                polarity=rng.choice(self.schema.polarity_names),
                evidence=evidence,
                confidence=round(rng.random(), 3),
            )
            return {"op": "add", "layer": "stance", "item": dump(stance)}
        if choice < 0.66:
            question = rng.choice(self.schema.document_questions)
            existing = s.label_for_question(question.name)
            value = [rng.choice(question.choices)]
            if existing is None:
                label = DocumentLabel(question=question.name, values=value)
                return {"op": "add", "layer": "document_label", "item": dump(label)}
            changed = existing.model_copy(update={"values": value})
            return {"op": "update", "layer": "document_label", "item": dump(changed)}
        if choice < 0.80:
            layer = rng.choice([name for name in ("mention", "quote") if getattr(s, name + "s")])
            store = s.mentions if layer == "mention" else s.quotes
            item = store[rng.choice(sorted(store))]
            update: dict[str, Any] = {
                "unsure": not item.unsure,
                "note": f"note {rng.randrange(999)}",
            }
            if isinstance(item, Mention):
                update["label"] = rng.choice(self.schema.entity_labels)
            else:
                update["quote_type"] = rng.choice(self.schema.quote_type_names)
            return {"op": "update", "layer": layer, "item": dump(item.model_copy(update=update))}
        if choice < 0.95:
            held = {s_.holder_id for s_ in s.stances.values()} | {
                s_.target_entity_id for s_ in s.stances.values()
            }
            options = [("mention", i) for i in s.mentions] + [("quote", i) for i in s.quotes]
            options += [("stance", i) for i in s.stances]
            options += [("entity", i) for i in s.entities if i not in held]
            layer, item_id = rng.choice(sorted(options))
            return {"op": "remove", "layer": layer, "id": item_id}
        status = rng.choice([SetStatus.IN_PROGRESS, SetStatus.DONE])
        return {"op": "status", "status": str(status)}


def run_session(
    project_path: Path,
    annotator: str,
    *,
    seed: int,
    actions: int,
    write: Callable[[str], None],
) -> None:
    """Open the project and do ``actions`` scripted actions, reporting each (BEGIN, DONE)."""
    rng = random.Random(seed)
    project = Project.open(project_path)
    person = project.annotators.get_or_create(annotator)
    sessions = [
        ArticleSession(project, project.articles.get(article_id), person)
        for article_id in project.articles.ids()
    ]
    scripts = [Script(session, rng) for session in sessions]
    write("READY")
    for n in range(actions):
        script = rng.choice(scripts)
        action = script.next_action()
        write(f"BEGIN {n} {script.session.set_id} {json.dumps(action, separators=(',', ':'))}")
        perform(script.session, action)
        write(f"DONE {n}")
    project.close()


def _write_line(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))


def zygote() -> None:
    """Serve ``RUN <json>`` lines from stdin: fork a child that runs one session.

    Forking from this process (which has imported everything) makes a killable child in a few
    milliseconds instead of a fresh interpreter's half second, so the suite can kill fifty.
    """
    for line in sys.stdin:
        if not line.startswith("RUN "):
            continue
        request = json.loads(line[4:])
        go_read, go_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: wait until the parent has announced our pid
            os.close(go_write)
            os.read(go_read, 1)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                run_session(
                    Path(request["project"]),
                    request["annotator"],
                    seed=request["seed"],
                    actions=request["actions"],
                    write=_write_line,
                )
            except BaseException as error:  # reported to the parent, which fails the test
                _write_line(f"ERROR {type(error).__name__}: {error}")
                code = 1
            os._exit(code)
        os.close(go_read)
        _write_line(f"PID {pid}")
        os.write(go_write, b"x")
        os.close(go_write)
        _, status = os.waitpid(pid, 0)
        _write_line(f"EXIT {pid} {status}")


if __name__ == "__main__":
    zygote()
