"""Inter-annotator agreement over a project: spans, quotes, stances and document labels.

Only annotation sets are compared (never gold), and only on articles that at least two of the
chosen annotators labelled. Every number comes with the counts it rests on. The structure is
followed: quotes are matched first, then their speakers and cues are compared on the matched
quotes only; stances are matched on holder + target, then polarity and evidence are compared
on the matched pairs. Entity ids differ between annotators, so holders, targets and speakers
are compared through *referents*: entities of different annotators are the same referent when
they have matching mentions (same label, identical or overlapping by at least half) or the same
name and label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from annotator.domain.annotations import AnnotationSet, Mention, SetKind, SetStatus
from annotator.domain.errors import AnnotatorError
from annotator.runtime import paused_gc
from annotator.services.agreement_metrics import (
    SpanMatching,
    alpha_from,
    clean_units,
    cohen_kappa,
    expected_disagreement,
    expected_disagreement_grouped,
    f1,
    gaps,
    iou,
    krippendorff_alpha_ordinal,
    match_spans,
    mean_or_none,
    nominal_coefficients,
    observed_sum,
    overlaps,
)
from annotator.storage.annotation_sets import SetInfo
from annotator.storage.project import Project

LAYERS = ("entities", "quotes", "stances", "documents")
NO_SPEAKER = "(no speaker)"
STANCE_ORDER = ("against", "neutral", "favor")
ALPHA_POOLED = "pooled"
ALPHA_DOCUMENT_MEAN = "per-document mean"
ALL_LABELS = "(all)"


class AgreementError(AnnotatorError):
    """Agreement cannot be computed as asked (unknown layer or annotator, too few people)."""


# -- the report ----------------------------------------------------------------------------------


@dataclass(slots=True)
class SpanRow:
    """Span agreement of one layer and label, over all annotator pairs of all compared articles.

    F1 is micro-averaged over pairs (summed matches over summed spans); ``matched_*`` count
    matched span pairs and ``unmatched_*`` the spans of either side left without a partner.
    ``alpha_pooled`` treats the compared articles as one continuum; ``alpha_document_mean``
    is the mean of the per-article alphas over the ``alpha_documents`` articles where the label
    occurs. ``overlapping_dropped`` counts a rater's own overlapping units of the label that
    unitizing alpha cannot take (nested mentions); F1 uses them all.
    """

    layer: str
    label: str
    spans: int
    exact_f1: float | None
    matched_exact: int
    unmatched_exact: int
    overlap_f1: float | None
    matched_overlap: int
    unmatched_overlap: int
    alpha_pooled: float | None
    alpha_document_mean: float | None
    alpha_documents: int
    overlapping_dropped: int


@dataclass(slots=True)
class NominalRow:
    """Agreement on a nominal value of matched items (document answer, polarity, speaker …).

    ``items`` is the number of items with at least two values. Cohen's kappa is the mean over
    annotator pairs of the pairwise kappa; Fleiss' kappa uses the ``fleiss_items`` items that
    have ``fleiss_raters`` values (the most common number), leaving ``fleiss_left_out`` out;
    Krippendorff's alpha takes every item with two or more values (missing data allowed).
    For stance values, ``ordinal_alpha`` is Krippendorff's alpha with the ordinal metric over
    ``ordinal_order`` (against < neutral < favor; ``none`` counted as missing), where
    favor-against costs more than favor-neutral.
    """

    layer: str
    label: str
    items: int
    values: int
    percent_agreement: float | None
    cohen_kappa: float | None
    cohen_pairs: int
    fleiss_kappa: float | None
    fleiss_items: int
    fleiss_raters: int
    fleiss_left_out: int
    krippendorff_alpha: float | None
    categories: int
    ordinal_alpha: float | None = None
    ordinal_order: str = ""


@dataclass(slots=True)
class ChainStep:
    """One step of a structure-aware chain (quote detection → speaker → cue, or stance pair
    detection → polarity → evidence), summed over annotator pairs."""

    chain: str
    step: str
    metric: str
    value: float | None
    matched: int
    unmatched: int
    note: str = ""


@dataclass(slots=True)
class PairCell:
    """One metric for one pair of annotators, over the articles both labelled."""

    metric: str
    first: str
    second: str
    value: float | None
    matched: int
    unmatched: int
    documents: int


@dataclass(slots=True)
class AgreementReport:
    project: str
    layers: list[str]
    annotators: list[str]
    articles_compared: int
    articles_single: int
    sets_compared: int
    alpha_shown: str = ALPHA_POOLED
    spans: list[SpanRow] = field(default_factory=list)
    nominal: list[NominalRow] = field(default_factory=list)
    chains: list[ChainStep] = field(default_factory=list)
    pairs: list[PairCell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["definitions"] = {
            "exact_f1": "2 x spans with identical label and boundaries / all spans, over pairs",
            "overlap_f1": "as exact_f1, one-to-one matching of overlapping spans of one label",
            "alpha_pooled": "Krippendorff's unitizing alpha, compared articles as one continuum",
            "alpha_document_mean": "mean of per-article unitizing alphas (INCEpTION's way)",
            "cohen_kappa": "mean over annotator pairs of Cohen's kappa on the items both rated",
            "fleiss_kappa": "Fleiss' kappa over items with fleiss_raters values",
            "krippendorff_alpha": "Krippendorff's alpha, nominal, missing values allowed",
            "ordinal_alpha": "Krippendorff's alpha, ordinal over ordinal_order, none = missing",
        }
        return data

    def pair_metrics(self) -> list[str]:
        return list(dict.fromkeys(cell.metric for cell in self.pairs))

    def span_row(self, layer: str, label: str) -> SpanRow | None:
        return next((r for r in self.spans if r.layer == layer and r.label == label), None)

    def nominal_row(self, layer: str, label: str) -> NominalRow | None:
        return next((r for r in self.nominal if r.layer == layer and r.label == label), None)


# -- accumulators --------------------------------------------------------------------------------


@dataclass(slots=True)
class _PairCounts:
    matched: int = 0
    first: int = 0
    second: int = 0
    documents: int = 0


@dataclass(slots=True)
class _SpanAccumulator:
    """Counts and unitizing sums of one (layer, label)."""

    spans: int = 0
    exact: dict[tuple[str, str], _PairCounts] = field(default_factory=dict)
    overlap: dict[tuple[str, str], _PairCounts] = field(default_factory=dict)
    weighted_observed: float = 0.0
    unit_documents: list[int] = field(default_factory=list)
    unit_lengths: list[int] = field(default_factory=list)
    gap_documents: list[int] = field(default_factory=list)
    gap_lengths: list[int] = field(default_factory=list)
    observed_by_document: dict[int, float] = field(default_factory=dict)
    document_alphas: list[float] = field(default_factory=list)
    dropped: int = 0


@dataclass(slots=True)
class _NominalAccumulator:
    units: list[dict[str, Hashable]] = field(default_factory=list)
    pair_values: dict[tuple[str, str], tuple[list[Hashable], list[Hashable]]] = field(
        default_factory=dict
    )


@dataclass(slots=True)
class _Continuum:
    length: int = 0
    positions: int = 0


class _Referents:
    """Union-find over one article's entities (and entity-less mentions) of all annotators."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        parent = self.parent
        up = parent.setdefault(node, node)
        while up != node:  # path halving
            grand = parent[up]
            parent[node] = grand
            node, up = grand, parent[grand]
        return node

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _mention_node(entity_id: str | None, mention_id: str) -> str:
    """A mention stands for its entity; one without an entity for itself (ids never clash)."""
    return entity_id if entity_id is not None else mention_id


# -- the computation -----------------------------------------------------------------------------


def parse_layers(value: str | Sequence[str] | None) -> list[str]:
    """Layers from ``entities,quotes`` (or a list); all when empty. Unknown names are refused."""
    if value is None:
        return list(LAYERS)
    names = value.split(",") if isinstance(value, str) else list(value)
    chosen = [n.strip().lower() for n in names if n.strip()]
    unknown = [n for n in chosen if n not in LAYERS]
    if unknown:
        raise AgreementError(
            f"unknown layer {', '.join(map(repr, unknown))}: choose from {', '.join(LAYERS)}"
        )
    return [layer for layer in LAYERS if layer in chosen] or list(LAYERS)


def compute(
    project: Project,
    *,
    layers: str | Sequence[str] | None = None,
    annotators: str | Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> AgreementReport:
    """Agreement of the project's annotators (or the named ones) on the chosen layers.

    ``progress`` gets the number of articles done since the last call (all the project's
    articles in the end). Raises ``AgreementError`` for an unknown layer or annotator name or
    fewer than two names; when no article has two annotators' labels, the report says so in
    its first note and has no numbers.
    """
    chosen_layers = parse_layers(layers)
    people = {a.id: a.name for a in project.annotators.list()}
    if isinstance(annotators, str):
        wanted = [n.strip() for n in annotators.split(",") if n.strip()]
    else:
        wanted = list(annotators or [])
    if wanted:
        by_name = {name: id_ for id_, name in people.items()}
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            known = ", ".join(sorted(by_name)) or "none"
            raise AgreementError(
                f"unknown annotator {', '.join(map(repr, unknown))} (annotators: {known})"
            )
        if len(set(wanted)) < 2:
            raise AgreementError("agreement needs at least two annotators; name two or more")
        allowed = {by_name[n] for n in wanted}
    else:
        allowed = set(people)

    by_article: dict[str, list[SetInfo]] = {}
    for info in project.sets.all_infos():
        if info.kind is SetKind.ANNOTATION and info.annotator_id in allowed:
            by_article.setdefault(info.article_id, []).append(info)
    candidates = {a: infos for a, infos in by_article.items() if len(infos) >= 2}
    order = sorted(candidates)
    infos = {info.id: info for a in order for info in candidates[a]}

    if progress is not None:  # articles without two sets need no work
        progress(project.articles.count() - len(order))
    state = _State(chosen_layers, people)
    articles_single = sum(1 for infos_ in by_article.values() if len(infos_) == 1)
    with paused_gc():  # tens of thousands of small tuples, none in cycles
        _add_articles(project, state, order, candidates, infos, people, progress, cancelled)
    compared_sets = state.sets
    articles_single += state.single

    report = AgreementReport(
        project=project.name,
        layers=chosen_layers,
        annotators=sorted({people.get(a, a) for a in state.seen_annotators}),
        articles_compared=state.articles,
        articles_single=articles_single,
        sets_compared=compared_sets,
    )
    if state.articles == 0:
        who = "the chosen annotators" if wanted else "the project's annotators"
        report.notes.append(
            f"No article was labelled by two or more of {who}: nothing to compare "
            f"({articles_single} article(s) have one annotator's labels)."
        )
        return report
    state.finish(report)
    return report


def _add_articles(
    project: Project,
    state: _State,
    order: list[str],
    candidates: dict[str, list[SetInfo]],
    infos: dict[str, SetInfo],
    people: dict[str, str],
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    loaded = project.sets.load_many([i.id for a in order for i in candidates[a]], infos=infos)
    for article_id in order:
        sets = [next(loaded) for _ in candidates[article_id]]
        # An untouched set (still "todo", nothing in it) is work not started, not a "no labels".
        sets = [s for s in sets if s.status is not SetStatus.TODO or s.count() or s.entities]
        if len(sets) < 2:
            state.single += 1
        else:
            sets.sort(key=lambda s: people.get(s.annotator_id, s.annotator_id))
            state.add_article(sets, project.articles.text_length(article_id))
            state.sets += len(sets)
        if progress is not None:
            progress(1)
        if cancelled is not None and cancelled():
            raise AgreementError("agreement computation was cancelled")


class _State:
    """What the articles add up to, per layer and label and per annotator pair."""

    def __init__(self, layers: list[str], people: dict[str, str]) -> None:
        self.layers = layers
        self.people = people
        self.articles = 0
        self.sets = 0
        self.single = 0
        self.seen_annotators: set[str] = set()
        self.spans: dict[tuple[str, str], _SpanAccumulator] = {}
        self.nominal: dict[tuple[str, str], _NominalAccumulator] = {}
        self.continuum = _Continuum()
        self.chain: dict[tuple[str, str], _PairCounts] = {}
        self.chain_pairs: dict[tuple[str, tuple[str, str]], _PairCounts] = {}
        self.pair_documents: Counter[tuple[str, str]] = Counter()
        # (length, raters) of every compared article, and per (layer, label) the articles
        # where the label occurs: the others add one gap of the whole article per rater.
        self.documents: list[tuple[int, int]] = []
        self.document_parts: dict[tuple[str, int], list[tuple[float, float]]] = {}

    # -- per article -----------------------------------------------------------------------------

    def add_article(self, sets: list[AnnotationSet], length: int) -> None:
        self.articles += 1
        names = [self.people.get(s.annotator_id, s.annotator_id) for s in sets]
        self.seen_annotators.update(s.annotator_id for s in sets)
        raters = len(sets)
        self.continuum.length += length
        self.continuum.positions += raters * length
        self.documents.append((length, raters))
        pairs = list(combinations(range(raters), 2))
        for a, b in pairs:
            self.pair_documents[(names[a], names[b])] += 1
        weight = 2.0 / (raters * (raters - 1))
        needs_referents = "quotes" in self.layers or "stances" in self.layers

        # Mentions by label: F1 and unitizing alpha (entities layer), and referents.
        mentions_by_label: dict[str, list[list[Mention]]] = {}
        for index, s in enumerate(sets):
            mine: dict[str, list[Mention]] = {}
            for m in s.mentions:
                bucket = mine.get(m.label)
                if bucket is None:
                    bucket = mine[m.label] = []
                bucket.append(m)
            for label, bucket in mine.items():
                mentions_by_label.setdefault(label, [[] for _ in sets])[index] = bucket
        referents = _Referents() if needs_referents else None
        if "entities" in self.layers or referents is not None:
            for label, per_rater in mentions_by_label.items():
                matchings = self._span_label(
                    "entities",
                    label,
                    [[(m.start, m.end) for m in mine] for mine in per_rater],
                    names,
                    pairs,
                    length,
                    weight,
                    record="entities" in self.layers,
                )
                if referents is not None:
                    _link_mentions(referents, per_rater, matchings)
        if referents is not None:
            _link_names(referents, sets)

        if "quotes" in self.layers:
            assert referents is not None
            self._quotes(sets, names, pairs, length, weight, referents)
        if "stances" in self.layers:
            assert referents is not None
            self._stances(sets, names, pairs, length, weight, referents)
        if "documents" in self.layers:
            self._documents(sets, names, pairs)

    def _span_label(
        self,
        layer: str,
        label: str,
        per_rater: list[list[tuple[int, int]]],
        names: list[str],
        pairs: list[tuple[int, int]],
        length: int,
        weight: float,
        *,
        record: bool = True,
    ) -> dict[tuple[int, int], SpanMatching]:
        matchings = {(a, b): match_spans(per_rater[a], per_rater[b]) for a, b in pairs}
        if not record:
            return matchings
        acc = self.spans.setdefault((layer, label), _SpanAccumulator())
        acc.spans += sum(len(spans) for spans in per_rater)
        for (a, b), matching in matchings.items():
            key = (names[a], names[b])
            for counts, matched in ((acc.exact, matching.exact), (acc.overlap, matching.overlap)):
                pair = counts.setdefault(key, _PairCounts())
                pair.matched += matched
                pair.first += len(per_rater[a])
                pair.second += len(per_rater[b])
                pair.documents += 1
        cleaned: list[list[tuple[int, int]]] = []
        for spans in per_rater:
            kept, lost = clean_units(spans)
            cleaned.append(kept)
            acc.dropped += lost
        observed = sum(observed_sum(cleaned[a], cleaned[b]) for a, b in pairs)
        acc.weighted_observed += weight * observed
        document = len(self.documents) - 1
        acc.observed_by_document[document] = weight * observed / (length * length)
        for kept in cleaned:
            acc.unit_lengths.extend(e - b for b, e in kept)
            spaces = gaps(kept, 0, length)
            acc.gap_lengths.extend(spaces)
            acc.unit_documents.extend([document] * len(kept))
            acc.gap_documents.extend([document] * len(spaces))
        return matchings

    def _count_chain(
        self,
        chain: str,
        step: str,
        names: list[str],
        a: int,
        b: int,
        matched: int,
        first: int,
        second: int,
    ) -> None:
        for counts in (
            self.chain.setdefault((chain, step), _PairCounts()),
            self.chain_pairs.setdefault((f"{chain}: {step}", (names[a], names[b])), _PairCounts()),
        ):
            counts.matched += matched
            counts.first += first
            counts.second += second
            counts.documents += 1

    def _nominal(self, layer: str, label: str) -> _NominalAccumulator:
        return self.nominal.setdefault((layer, label), _NominalAccumulator())

    def _pair_value(
        self,
        acc: _NominalAccumulator,
        names: list[str],
        a: int,
        b: int,
        va: Hashable,
        vb: Hashable,
    ) -> None:
        first, second = acc.pair_values.setdefault((names[a], names[b]), ([], []))
        first.append(va)
        second.append(vb)

    def _quotes(
        self,
        sets: list[AnnotationSet],
        names: list[str],
        pairs: list[tuple[int, int]],
        length: int,
        weight: float,
        referents: _Referents,
    ) -> None:
        quotes = [sorted(s.quotes, key=lambda q: (q.start, q.end)) for s in sets]
        spans = [[(q.start, q.end) for q in qs] for qs in quotes]
        matchings = self._span_label("quotes", "quote", spans, names, pairs, length, weight)
        cues = [[q.cue for q in qs if q.cue is not None] for qs in quotes]
        self._span_label("quotes", "cue", cues, names, pairs, length, weight)
        mention_node: list[dict[str, str]] = []
        for s, mine in zip(sets, quotes, strict=True):
            speakers = {q.speaker_id for q in mine}
            mention_node.append(
                {m.id: _mention_node(m.entity_id, m.id) for m in s.mentions if m.id in speakers}
            )

        def speaker(index: int, quote_index: int) -> Hashable:
            speaker_id = quotes[index][quote_index].speaker_id
            if speaker_id is None or speaker_id not in mention_node[index]:
                return NO_SPEAKER
            return referents.find(mention_node[index][speaker_id])

        speaker_acc = self._nominal("quotes", "speaker")
        type_acc = self._nominal("quotes", "quote type")
        for (a, b), matching in matchings.items():
            n_a, n_b = len(quotes[a]), len(quotes[b])
            self._count_chain(
                "quotes", "1 quote detection (overlap F1)", names, a, b, matching.overlap, n_a, n_b
            )
            agree = cue_exact = cue_overlap = cues_a = cues_b = 0
            for i, j in matching.pairs:
                sa, sb = speaker(a, i), speaker(b, j)
                agree += sa == sb
                self._pair_value(speaker_acc, names, a, b, sa, sb)
                self._pair_value(
                    type_acc, names, a, b, quotes[a][i].quote_type, quotes[b][j].quote_type
                )
                ca, cb = quotes[a][i].cue, quotes[b][j].cue
                cues_a += ca is not None
                cues_b += cb is not None
                if ca is not None and cb is not None:
                    cue_exact += ca == cb
                    cue_overlap += overlaps(ca, cb)
            matched = matching.overlap
            self._count_chain(
                "quotes",
                "2 speaker on matched quotes (accuracy)",
                names,
                a,
                b,
                agree,
                matched,
                matched,
            )
            self._count_chain(
                "quotes",
                "3 cue on matched quotes (exact F1)",
                names,
                a,
                b,
                cue_exact,
                cues_a,
                cues_b,
            )
            self._count_chain(
                "quotes",
                "3 cue on matched quotes (overlap F1)",
                names,
                a,
                b,
                cue_overlap,
                cues_a,
                cues_b,
            )
        # Items for the multi-rater coefficients: quotes aligned across all annotators.
        for group in _align_groups(spans):
            speaker_acc.units.append({names[r]: speaker(r, i) for r, i in group.items()})
            type_acc.units.append({names[r]: quotes[r][i].quote_type for r, i in group.items()})

    def _stances(
        self,
        sets: list[AnnotationSet],
        names: list[str],
        pairs: list[tuple[int, int]],
        length: int,
        weight: float,
        referents: _Referents,
    ) -> None:
        keyed: list[dict[Hashable, Any]] = []
        for s in sets:
            seen: Counter[Hashable] = Counter()
            mine: dict[Hashable, Any] = {}
            for stance in s.stances:
                target: Hashable = (
                    ("topic", stance.target_topic)
                    if stance.target_topic is not None
                    else ("entity", referents.find(str(stance.target_entity_id)))
                )
                base = (referents.find(stance.holder_id), target)
                mine[(base, seen[base])] = stance
                seen[base] += 1
            keyed.append(mine)
        evidence = [
            sorted({(e.start, e.end) for st in s.stances for e in st.evidence}) for s in sets
        ]
        self._span_label("stances", "evidence", evidence, names, pairs, length, weight)
        polarity = self._nominal("stances", "polarity")
        for a, b in pairs:
            common = keyed[a].keys() & keyed[b].keys()
            n_a, n_b = len(keyed[a]), len(keyed[b])
            self._count_chain(
                "stances", "1 holder+target pair detection (F1)", names, a, b, len(common), n_a, n_b
            )
            agree = ev_exact = ev_overlap = ev_a = ev_b = 0
            for key in common:
                sa, sb = keyed[a][key], keyed[b][key]
                agree += sa.polarity == sb.polarity
                self._pair_value(polarity, names, a, b, sa.polarity, sb.polarity)
                spans_a = [(e.start, e.end) for e in sa.evidence]
                spans_b = [(e.start, e.end) for e in sb.evidence]
                matching = match_spans(spans_a, spans_b)
                ev_exact += matching.exact
                ev_overlap += matching.overlap
                ev_a += len(spans_a)
                ev_b += len(spans_b)
            self._count_chain(
                "stances",
                "2 polarity on matched pairs (accuracy)",
                names,
                a,
                b,
                agree,
                len(common),
                len(common),
            )
            self._count_chain(
                "stances",
                "3 evidence on matched pairs (exact F1)",
                names,
                a,
                b,
                ev_exact,
                ev_a,
                ev_b,
            )
            self._count_chain(
                "stances",
                "3 evidence on matched pairs (overlap F1)",
                names,
                a,
                b,
                ev_overlap,
                ev_a,
                ev_b,
            )
        for key in dict.fromkeys(k for mine in keyed for k in mine):
            polarity.units.append(
                {names[r]: keyed[r][key].polarity for r in range(len(sets)) if key in keyed[r]}
            )

    def _documents(
        self, sets: list[AnnotationSet], names: list[str], pairs: list[tuple[int, int]]
    ) -> None:
        answers = [
            {d.question: "|".join(sorted(d.values)) for d in s.document_labels} for s in sets
        ]
        for question in dict.fromkeys(q for mine in answers for q in mine):
            acc = self._nominal("documents", question)
            acc.units.append(
                {names[r]: answers[r][question] for r in range(len(sets)) if question in answers[r]}
            )
            for a, b in pairs:
                if question in answers[a] and question in answers[b]:
                    self._pair_value(acc, names, a, b, answers[a][question], answers[b][question])

    # -- totals ----------------------------------------------------------------------------------

    def finish(self, report: AgreementReport) -> None:
        for layer in ("entities", "quotes", "stances"):
            self._finish_spans(report, layer)

        for (layer, label), nominal in self.nominal.items():
            report.nominal.append(self._nominal_row(layer, label, nominal))
            for (first, second), (va, vb) in sorted(nominal.pair_values.items()):
                report.pairs.append(
                    PairCell(
                        metric=f"{layer} · {label} · Cohen κ",
                        first=first,
                        second=second,
                        value=cohen_kappa(va, vb),
                        matched=sum(1 for x, y in zip(va, vb, strict=True) if x == y),
                        unmatched=sum(1 for x, y in zip(va, vb, strict=True) if x != y),
                        documents=self.pair_documents[(first, second)],
                    )
                )
        order = {layer: i for i, layer in enumerate(LAYERS)}
        report.nominal.sort(key=lambda r: (order[r.layer], r.label))

        for (chain, step), counts in sorted(self.chain.items()):
            report.chains.append(_chain_step(chain, step, counts))
        for (metric, (first, second)), counts in sorted(self.chain_pairs.items()):
            cell = _pair_cell(metric, first, second, counts, accuracy=True)
            cell.documents = self.pair_documents[(first, second)]
            report.pairs.append(cell)
        dropped = sum(r.overlapping_dropped for r in report.spans if r.label != ALL_LABELS)
        if dropped:
            report.notes.append(
                f"{dropped} span(s) overlap another span of the same annotator and label "
                "(nested mentions): unitizing alpha leaves them out (earliest, longest kept); "
                "F1 counts them."
            )
        report.notes.append(
            "Unitizing alpha: 'pooled' treats the compared articles as one continuum, "
            "'per-document mean' averages each article's alpha (articles where the label "
            "occurs)."
        )

    def _unitizing(self, layer: str, label: str) -> tuple[float, float]:
        """Pooled D_o and D_e of a label, and its per-article alphas into the accumulator.

        Pooled: the compared articles end to end as one continuum (gaps stop at article
        ends); an article's pairs are weighted 2 / (R (R - 1)) by its own number of raters R,
        which is the plain formula when every article has R raters.
        """
        acc = self.spans[(layer, label)]
        length, positions = self.continuum.length, self.continuum.positions
        sizes = np.array([n for n, _ in self.documents], dtype=np.float64)
        raters = np.array([r for _, r in self.documents], dtype=np.float64)
        per_document = expected_disagreement_grouped(
            acc.unit_documents,
            acc.unit_lengths,
            acc.gap_documents,
            acc.gap_lengths,
            sizes,
            sizes * raters,
        )
        acc.document_alphas = []
        for document, d_o in acc.observed_by_document.items():
            d_e = float(per_document[document])
            self.document_parts.setdefault((layer, document), []).append((d_o, d_e))
            alpha = alpha_from(d_o, d_e)
            if alpha is not None:
                acc.document_alphas.append(alpha)
        occurs = set(acc.observed_by_document)
        whole = [n for i, (n, r) in enumerate(self.documents) if i not in occurs for _ in range(r)]
        d_o = acc.weighted_observed / (length * length)
        d_e = expected_disagreement(acc.unit_lengths, acc.gap_lengths + whole, length, positions)
        return d_o, d_e

    def _finish_spans(self, report: AgreementReport, layer: str) -> None:
        labels = sorted(
            (lbl for (lyr, lbl) in self.spans if lyr == layer and lbl != ALL_LABELS),
            key=lambda lbl: (layer == "quotes" and lbl != "quote", lbl),
        )
        if not labels:
            return
        parts = {label: self._unitizing(layer, label) for label in labels}
        rows: list[tuple[SpanRow, _SpanAccumulator]] = []
        for label in labels:
            acc = self.spans[(layer, label)]
            rows.append((self._span_row(layer, label, acc, alpha_from(*parts[label])), acc))
        if layer == "entities" and len(labels) > 1:
            total = _SpanAccumulator()
            for label in labels:
                acc = self.spans[(layer, label)]
                total.spans += acc.spans
                total.dropped += acc.dropped
                for target, source in ((total.exact, acc.exact), (total.overlap, acc.overlap)):
                    for key, counts in source.items():
                        merged = target.setdefault(key, _PairCounts())
                        merged.matched += counts.matched
                        merged.first += counts.first
                        merged.second += counts.second
            for (part_layer, _), document_parts in self.document_parts.items():
                if part_layer != layer:
                    continue
                # the article's alpha over its labels: 1 - mean D_o / mean D_e (as DKPro)
                alpha = alpha_from(
                    sum(p[0] for p in document_parts) / len(document_parts),
                    sum(p[1] for p in document_parts) / len(document_parts),
                )
                if alpha is not None:
                    total.document_alphas.append(alpha)
            overall = alpha_from(
                sum(p[0] for p in parts.values()) / len(parts),
                sum(p[1] for p in parts.values()) / len(parts),
            )
            rows.insert(0, (self._span_row(layer, ALL_LABELS, total, overall), total))
        for row, acc in rows:
            report.spans.append(row)
            for kind, by_pair in (("exact F1", acc.exact), ("overlap F1", acc.overlap)):
                metric = f"{layer} · {row.label} · {kind}"
                for (first, second), pair in sorted(by_pair.items()):
                    cell = _pair_cell(metric, first, second, pair)
                    cell.documents = self.pair_documents[(first, second)]
                    report.pairs.append(cell)

    @staticmethod
    def _span_row(layer: str, label: str, acc: _SpanAccumulator, pooled: float | None) -> SpanRow:
        exact = _sum_pairs(acc.exact)
        overlap = _sum_pairs(acc.overlap)
        return SpanRow(
            layer=layer,
            label=label,
            spans=acc.spans,
            exact_f1=f1(exact.matched, exact.first, exact.second),
            matched_exact=exact.matched,
            unmatched_exact=exact.first + exact.second - 2 * exact.matched,
            overlap_f1=f1(overlap.matched, overlap.first, overlap.second),
            matched_overlap=overlap.matched,
            unmatched_overlap=overlap.first + overlap.second - 2 * overlap.matched,
            alpha_pooled=pooled,
            alpha_document_mean=mean_or_none(acc.document_alphas),
            alpha_documents=len(acc.document_alphas),
            overlapping_dropped=acc.dropped,
        )

    @staticmethod
    def _nominal_row(layer: str, label: str, acc: _NominalAccumulator) -> NominalRow:
        units = [list(unit.values()) for unit in acc.units]
        found = nominal_coefficients(units)
        seen = {v for unit in units for v in unit}
        ordinal = seen <= {*STANCE_ORDER, "none"} and len(seen & set(STANCE_ORDER)) >= 2
        kappas = [cohen_kappa(va, vb) for va, vb in acc.pair_values.values()]
        return NominalRow(
            layer=layer,
            label=label,
            items=found.items,
            values=found.values,
            percent_agreement=found.percent_agreement,
            cohen_kappa=mean_or_none(kappas),
            cohen_pairs=sum(1 for k in kappas if k is not None),
            fleiss_kappa=found.fleiss_kappa,
            fleiss_items=found.fleiss_items,
            fleiss_raters=found.fleiss_raters,
            fleiss_left_out=found.items - found.fleiss_items,
            krippendorff_alpha=found.krippendorff_alpha,
            categories=found.categories,
            ordinal_alpha=krippendorff_alpha_ordinal(units, STANCE_ORDER) if ordinal else None,
            ordinal_order=" < ".join(STANCE_ORDER) if ordinal else "",
        )


def _sum_pairs(counts: dict[tuple[str, str], _PairCounts]) -> _PairCounts:
    total = _PairCounts()
    for pair in counts.values():
        total.matched += pair.matched
        total.first += pair.first
        total.second += pair.second
        total.documents += pair.documents
    return total


def _pair_cell(
    metric: str, first: str, second: str, counts: _PairCounts, *, accuracy: bool = False
) -> PairCell:
    if accuracy and "accuracy" in metric:
        value = counts.matched / counts.first if counts.first else None
        unmatched = counts.first - counts.matched
    else:
        value = f1(counts.matched, counts.first, counts.second)
        unmatched = counts.first + counts.second - 2 * counts.matched
    return PairCell(metric, first, second, value, counts.matched, unmatched, counts.documents)


def _chain_step(chain: str, step: str, counts: _PairCounts) -> ChainStep:
    if "accuracy" in step:
        value = counts.matched / counts.first if counts.first else None
        return ChainStep(
            chain,
            step,
            "accuracy",
            value,
            counts.matched,
            counts.first - counts.matched,
            note="agreeing / matched items",
        )
    return ChainStep(
        chain,
        step,
        "F1",
        f1(counts.matched, counts.first, counts.second),
        counts.matched,
        counts.first + counts.second - 2 * counts.matched,
        note="matched pairs / items left without a partner",
    )


def _link_mentions(
    referents: _Referents,
    per_rater: list[list[Mention]],
    matchings: dict[tuple[int, int], SpanMatching],
) -> None:
    """Join the referents of matched mentions that are the same span or overlap by half."""
    nodes = [[m.entity_id or m.id for m in mine] for mine in per_rater]
    find, parent = referents.find, referents.parent
    for (a, b), matching in matchings.items():
        mine, theirs = per_rater[a], per_rater[b]
        nodes_a, nodes_b = nodes[a], nodes[b]
        for i, j in matching.pairs:
            ma, mb = mine[i], theirs[j]
            if (ma.start != mb.start or ma.end != mb.end) and iou(
                (ma.start, ma.end), (mb.start, mb.end)
            ) < 0.5:
                continue
            root_a, root_b = find(nodes_a[i]), find(nodes_b[j])
            if root_a != root_b:
                if root_a < root_b:
                    parent[root_b] = root_a
                else:
                    parent[root_a] = root_b


def _link_names(referents: _Referents, sets: list[AnnotationSet]) -> None:
    """Entities with the same name and label are one referent, whoever made them."""
    first_of: dict[tuple[str, str], str] = {}
    for s in sets:
        for entity in s.entities:
            key = (" ".join(entity.name.casefold().split()), entity.label)
            if key in first_of:
                referents.union(first_of[key], entity.id)
            else:
                first_of[key] = entity.id
                referents.find(entity.id)


def _align_groups(spans: list[list[tuple[int, int]]]) -> list[dict[int, int]]:
    """Items across all raters: each rater's spans joined to the groups so far (matched
    against each group's first span), the unmatched starting groups of their own."""
    groups: list[dict[int, int]] = []
    anchors: list[tuple[int, int]] = []
    for rater, mine in enumerate(spans):
        matching = match_spans(anchors, mine)
        taken = set()
        for g, i in matching.pairs:
            groups[g][rater] = i
            taken.add(i)
        for i, span in enumerate(mine):
            if i not in taken:
                groups.append({rater: i})
                anchors.append(span)
    return groups


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_value(value: float | None) -> str:
    """A coefficient with three decimals, or an em dash when it is undefined."""
    return _fmt(value)
