"""Entity propagation: a string-matching recommender that learns surface forms from the project.

Every accepted mention teaches its surface form and label; a project gazetteer adds phrases of
its own. Matching is word-boundary aware, longest match first, never overlapping a mention the
annotator already has (of any label: a same-label overlap is already labelled, another label
must not be covered), and follows case rules: a form written with capitals matches only as
written ("Apple" is not "apple"); a form seen only in lower case also matches with a capital
first letter (sentence start). Pronouns and one-letter forms are never propagated.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from annotator.storage.project import Project
from annotator.storage.suggestions import GazetteerEntry


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string (easier to read and edit than a list)."""
    return frozenset(text.split())


_TOKEN = re.compile(r"\w+", re.UNICODE)
_FIRST_TOKEN = re.compile(r"^\w+", re.UNICODE)
#: Forms that refer by context, not by name: propagating them would label every "he".
NOT_PROPAGATED = _words(
    """i me my mine we us our ours you your yours he him his she her hers it its they them their
    theirs this that these those who whom which what there here the a an one someone anyone
    everyone nobody somebody everybody himself herself itself themselves"""
)
MAX_FORM_LENGTH = 120
#: A form annotators gave different labels, none of them more than half the time, is not
#: offered (it is ambiguous: "Jordan" the person and the country).
MIN_LABEL_SHARE = 0.5

SOURCE_PROPAGATION = "propagation"
SOURCE_GAZETTEER = "gazetteer"


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """One occurrence of a learned form in a text."""

    start: int
    end: int
    label: str
    source: str  # SOURCE_PROPAGATION or SOURCE_GAZETTEER
    confidence: float
    surface: str
    seen: int  # how many accepted mentions (or gazetteer lines) taught it


def learnable(surface: str) -> bool:
    """Whether a mention's text can be propagated (not a pronoun, not one letter, one line)."""
    form = surface.strip()
    if form != surface or len(form) < 2 or len(form) > MAX_FORM_LENGTH or "\n" in form:
        return False
    if form.lower() in NOT_PROPAGATED:
        return False
    return bool(_FIRST_TOKEN.match(form)) and any(ch.isalpha() for ch in form)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class EntityLexicon:
    """Surface forms with the labels annotators gave them, and the gazetteer's phrases."""

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, int]] = defaultdict(dict)
        self._gazetteer: dict[str, str] = {}
        self._index: dict[str, list[str]] | None = None

    # -- learning --------------------------------------------------------------------------------

    def learn(self, surface: str, label: str, count: int = 1) -> None:
        if not learnable(surface):
            return
        labels = self._counts[surface]
        labels[label] = labels.get(label, 0) + count
        self._index = None

    def unlearn(self, surface: str, label: str, count: int = 1) -> None:
        labels = self._counts.get(surface)
        if not labels or label not in labels:
            return
        labels[label] -= count
        if labels[label] <= 0:
            del labels[label]
        if not labels:
            del self._counts[surface]
        self._index = None

    def set_gazetteer(self, entries: Iterable[GazetteerEntry]) -> None:
        self._gazetteer = {e.phrase: e.label for e in entries if learnable(e.phrase)}
        self._index = None

    def __len__(self) -> int:
        return len(self._counts) + len(self._gazetteer)

    def label_of(self, surface: str) -> tuple[str, float, int] | None:
        """The label a form gets, how sure (share of its mentions), how often it was seen."""
        labels = self._counts.get(surface)
        if labels:
            total = sum(labels.values())
            label, count = max(labels.items(), key=lambda item: (item[1], item[0]))
            return label, count / total, total
        if surface in self._gazetteer:
            return self._gazetteer[surface], 1.0, 1
        return None

    @classmethod
    def from_project(
        cls,
        project: Project,
        *,
        exclude_annotator: str | None = None,
        labels: Iterable[str] | None = None,
    ) -> EntityLexicon:
        """Learn from every mention in the project (all annotators and gold), and load the
        project gazetteer. ``exclude_annotator`` leaves one annotator's own sets out."""
        lexicon = cls()
        allowed = set(labels) if labels is not None else None
        conn = project.database.conn
        sql = (
            'SELECT s.article_id, m.start, m."end", m.label FROM mentions m '
            "JOIN annotation_sets s ON s.id = m.set_id"
        )
        params: tuple[str, ...] = ()
        if exclude_annotator is not None:
            sql += " WHERE s.annotator_id != ?"
            params = (exclude_annotator,)
        by_article: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for article_id, start, end, label in conn.execute(sql, params):
            if allowed is None or label in allowed:
                by_article[article_id].append((start, end, label))
        counts: dict[tuple[str, str], int] = defaultdict(int)
        # One read of each text, sliced in Python: SQLite's substr walks UTF-8 from the start.
        ids = list(by_article)
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for article_id, text in conn.execute(
                f"SELECT id, text FROM articles WHERE id IN ({marks})", chunk
            ):
                for start, end, label in by_article[article_id]:
                    counts[(text[start:end], label)] += 1
        for (surface, label), count in counts.items():
            lexicon.learn(surface, label, count)
        gazetteer = project.suggestions.gazetteer()
        lexicon.set_gazetteer(e for e in gazetteer if allowed is None or e.label in allowed)
        return lexicon

    # -- matching --------------------------------------------------------------------------------

    def _build_index(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for surface in {*self._counts, *self._gazetteer}:
            first = _FIRST_TOKEN.match(surface)
            if first is not None:
                index[first.group().lower()].append(surface)
        for forms in index.values():
            forms.sort(key=lambda form: (-len(form), form))
        return dict(index)

    def match(self, text: str, *, occupied: Sequence[tuple[int, int]] = ()) -> list[EntityMatch]:
        """Every occurrence of a known form, leftmost-longest, outside ``occupied`` spans."""
        if self._index is None:
            self._index = self._build_index()
        index = self._index
        if not index:
            return []
        taken = sorted(occupied)
        starts = [s for s, _ in taken]
        longest = max((e - s for s, e in taken), default=0)
        out: list[EntityMatch] = []
        resume = 0
        length = len(text)
        for token in _TOKEN.finditer(text):
            position = token.start()
            if position < resume:
                continue
            forms = index.get(token.group().lower())
            if forms is None:
                continue
            for form in forms:
                end = position + len(form)
                if end > length or not _matches(text, position, form):
                    continue
                if _is_word_char(form[-1]) and end < length and _is_word_char(text[end]):
                    continue
                if _overlaps(taken, starts, longest, position, end):
                    continue
                decided = self.label_of(form)
                if decided is None:
                    continue
                label, share, seen = decided
                if share <= MIN_LABEL_SHARE:
                    continue
                gazetteer = form not in self._counts
                base = 0.8 if gazetteer else (0.9 if seen >= 2 else 0.75)
                if form.islower():
                    base -= 0.15  # common words labelled as names are the riskiest
                out.append(
                    EntityMatch(
                        position,
                        end,
                        label,
                        SOURCE_GAZETTEER if gazetteer else SOURCE_PROPAGATION,
                        round(base * share, 3),
                        form,
                        seen,
                    )
                )
                resume = end
                break
        return out


def _matches(text: str, position: int, form: str) -> bool:
    if text.startswith(form, position):
        return True
    if not form.islower():
        return False  # written with capitals: only as written
    piece = text[position : position + len(form)]
    return piece == form[0].upper() + form[1:]


def _overlaps(
    taken: list[tuple[int, int]], starts: list[int], longest: int, start: int, end: int
) -> bool:
    first = bisect_left(starts, start - longest)
    for other_start, other_end in taken[first:]:
        if other_start >= end:
            return False
        if other_end > start:
            return True
    return False
