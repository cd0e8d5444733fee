"""Agreement coefficients on plain data: Cohen, Fleiss, Krippendorff (nominal, unitizing), F1.

Everything here works on Python values and numpy arrays and knows nothing of projects; the
definitions follow the project's metrics reference (Krippendorff 2004 for unitizing alpha, as
DKPro Statistics and INCEpTION compute it). A coefficient that is undefined for the data (no
items, or no variation to correct for chance) is ``None``, never a made-up number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Span = tuple[int, int]

# -- coding coefficients (nominal) ---------------------------------------------------------------


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters over the same items (``first[i]`` and ``second[i]``)."""
    if len(first) != len(second):
        raise ValueError(f"two raters need the same items: {len(first)} vs {len(second)} values")
    n = len(first)
    if n == 0:
        return None
    observed = sum(1 for a, b in zip(first, second, strict=True) if a == b) / n
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(count * counts_b.get(value, 0) for value, count in counts_a.items()) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(table: npt.ArrayLike) -> float | None:
    """Fleiss' kappa from an items x categories table of counts (every row the same sum n)."""
    counts = np.asarray(table, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] == 0:
        return None
    raters = counts.sum(axis=1)
    n = float(raters[0])
    if n < 2 or not np.all(raters == n):
        raise ValueError("Fleiss' kappa needs the same number (>= 2) of ratings for every item")
    items = counts.shape[0]
    shares = counts.sum(axis=0) / (items * n)
    per_item = ((counts * counts).sum(axis=1) - n) / (n * (n - 1))
    mean_agreement = float(per_item.mean())
    chance = float((shares * shares).sum())
    if chance >= 1.0:
        return None
    return (mean_agreement - chance) / (1.0 - chance)


def fleiss_kappa_units(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa from each item's values (every item the same number n >= 2 of values),
    without building the items x categories table (speaker ids make thousands of columns)."""
    totals: Counter[Hashable] = Counter()
    agreement = 0.0
    items = 0
    n = 0
    for values in units:
        if items == 0:
            n = len(values)
            if n < 2:
                raise ValueError("Fleiss' kappa needs at least two ratings per item")
        elif len(values) != n:
            raise ValueError("Fleiss' kappa needs the same number of ratings for every item")
        counts = Counter(values)
        totals.update(counts)
        agreement += (sum(c * c for c in counts.values()) - n) / (n * (n - 1))
        items += 1
    if items == 0:
        return None
    chance = sum((c / (items * n)) ** 2 for c in totals.values())
    if chance >= 1.0:
        return None
    return (agreement / items - chance) / (1.0 - chance)


def fleiss_table(
    units: Iterable[Sequence[Hashable]],
) -> tuple[npt.NDArray[np.int64], list[Hashable]]:
    """Items x categories counts from each item's values (categories in first-seen order)."""
    rows = [Counter(values) for values in units]
    categories: list[Hashable] = list(dict.fromkeys(v for row in rows for v in row))
    column = {value: i for i, value in enumerate(categories)}
    table = np.zeros((len(rows), len(categories)), dtype=np.int64)
    for i, row in enumerate(rows):
        for value, count in row.items():
            table[i, column[value]] = count
    return table, categories


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha (nominal) with missing data: each unit lists the values it got.

    Units with fewer than two values are not pairable and count for nothing, as in
    Krippendorff's coincidence matrix.
    """
    totals: Counter[Hashable] = Counter()
    disagreement = 0.0
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        totals.update(counts)
        disagreement += (m * m - sum(c * c for c in counts.values())) / (m - 1)
    n = sum(totals.values())
    if n < 2:
        return None
    expected = (n * n - sum(c * c for c in totals.values())) / (n * (n - 1))
    if expected <= 0.0:
        return None
    return 1.0 - (disagreement / n) / expected


def krippendorff_alpha_ordinal(
    units: Iterable[Sequence[Hashable]], order: Sequence[Hashable]
) -> float | None:
    """Krippendorff's alpha with the ordinal metric over ``order`` (missing data allowed).

    Values outside ``order`` count as missing (``none`` is not a point between against and
    favor). The distance of two ranks c <= k is (sum of the marginals from c to k minus half
    of theirs)^2, so against-favor costs more than against-neutral.
    """
    rank = {value: i for i, value in enumerate(order)}
    size = len(order)
    coincidences = np.zeros((size, size), dtype=np.float64)
    for values in units:
        ranks = [rank[v] for v in values if v in rank]
        m = len(ranks)
        if m < 2:
            continue
        counts = np.bincount(ranks, minlength=size).astype(np.float64)
        coincidences += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    marginals = coincidences.sum(axis=1)
    n = float(marginals.sum())
    if n < 2:
        return None
    cumulative = np.concatenate(([0.0], np.cumsum(marginals)))
    low = np.minimum.outer(np.arange(size), np.arange(size))
    high = np.maximum.outer(np.arange(size), np.arange(size))
    between = cumulative[high + 1] - cumulative[low]
    delta = (between - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2
    observed = float((coincidences * delta).sum())
    expected = float((np.outer(marginals, marginals) * delta).sum())
    if expected <= 0.0:
        return None
    return 1.0 - (n - 1.0) * observed / expected


@dataclass(frozen=True, slots=True)
class NominalCoefficients:
    """Percent agreement, Krippendorff's alpha and Fleiss' kappa of one set of items."""

    items: int
    values: int
    categories: int
    percent_agreement: float | None
    krippendorff_alpha: float | None
    fleiss_kappa: float | None
    fleiss_items: int
    fleiss_raters: int


def nominal_coefficients(units: Iterable[Sequence[Hashable]]) -> NominalCoefficients:
    """``pairwise_agreement``, ``krippendorff_alpha_nominal`` and ``fleiss_kappa_units`` (over
    the items with the most common number of values, the larger on a tie) in one pass: the
    same numbers, counting each item's values once."""
    rated: list[tuple[int, dict[Hashable, int]]] = []
    totals: dict[Hashable, int] = {}
    sizes: Counter[int] = Counter()
    disagreement = 0.0
    agree = pairs = 0
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counts: dict[Hashable, int] = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        for value, count in counts.items():
            totals[value] = totals.get(value, 0) + count
        squares = sum(c * c for c in counts.values())
        disagreement += (m * m - squares) / (m - 1)
        agree += squares - m
        pairs += m * (m - 1)
        sizes[m] += 1
        rated.append((squares, counts))
    n = sum(totals.values())
    alpha = None
    if n >= 2:
        expected = (n * n - sum(c * c for c in totals.values())) / (n * (n - 1))
        if expected > 0.0:
            alpha = 1.0 - (disagreement / n) / expected
    raters = max(sizes, key=lambda k: (sizes[k], k)) if sizes else 0
    kappa = None
    fleiss_items = sizes.get(raters, 0)
    if fleiss_items:
        chosen: dict[Hashable, int] = {}
        mean_agreement = 0.0
        for squares, counts in rated:
            if sum(counts.values()) != raters:
                continue
            mean_agreement += (squares - raters) / (raters * (raters - 1))
            for value, count in counts.items():
                chosen[value] = chosen.get(value, 0) + count
        mean_agreement /= fleiss_items
        chance = sum((c / (fleiss_items * raters)) ** 2 for c in chosen.values())
        if chance < 1.0:
            kappa = (mean_agreement - chance) / (1.0 - chance)
    return NominalCoefficients(
        items=len(rated),
        values=n,
        categories=len(totals),
        percent_agreement=agree / pairs if pairs else None,
        krippendorff_alpha=alpha,
        fleiss_kappa=kappa,
        fleiss_items=fleiss_items,
        fleiss_raters=raters,
    )


def pairwise_agreement(units: Iterable[Sequence[Hashable]]) -> tuple[float | None, int]:
    """Share of agreeing ordered value pairs within units, and how many units had >= 2 values."""
    agree = pairs = used = 0
    for values in units:
        m = len(values)
        if m < 2:
            continue
        used += 1
        agree += sum(c * (c - 1) for c in Counter(values).values())
        pairs += m * (m - 1)
    return (agree / pairs if pairs else None), used


# -- span matching and F1 ------------------------------------------------------------------------


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def iou(a: Span, b: Span) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


@dataclass(frozen=True, slots=True)
class SpanMatching:
    """A one-to-one matching of two annotators' spans of one label.

    ``pairs`` are (index in first, index in second); ``exact`` of them have identical
    boundaries, the others overlap.
    """

    pairs: tuple[tuple[int, int], ...]
    exact: int

    @property
    def overlap(self) -> int:
        return len(self.pairs)


def match_spans(first: Sequence[Span], second: Sequence[Span]) -> SpanMatching:
    """Identical spans pair first; the rest get a maximum one-to-one matching among
    overlapping spans (most pairs, trying the partner with the larger overlap first).

    Pairing identical spans first keeps the obvious correspondences; a plain greedy pass
    would depend on the order of the spans.
    """
    if first == second:
        return SpanMatching(tuple((i, i) for i in range(len(first))), len(first))
    by_span: dict[Span, list[int]] = {}
    for j, span in enumerate(second):
        waiting = by_span.get(span)
        if waiting is None:
            by_span[span] = [j]
        else:
            waiting.append(j)
    pairs: list[tuple[int, int]] = []
    rest_first: list[int] = []
    for i, span in enumerate(first):
        waiting = by_span.get(span)
        if waiting:
            pairs.append((i, waiting.pop(0)))
        else:
            rest_first.append(i)
    exact = len(pairs)
    if rest_first and exact < len(second):
        rest_second = [j for indices in by_span.values() for j in indices]
        pairs.extend(_max_overlap_matching(first, second, rest_first, rest_second))
    return SpanMatching(tuple(pairs), exact)


def _max_overlap_matching(
    first: Sequence[Span], second: Sequence[Span], rest_first: list[int], rest_second: list[int]
) -> list[tuple[int, int]]:
    others = sorted((*second[j], j) for j in rest_second)
    edges: dict[int, list[int]] = {}
    used: dict[int, int] = {}
    simple = True  # every span overlaps at most one span of the other side
    for i in rest_first:
        a_start, a_end = first[i]
        candidates: list[tuple[float, int]] = []
        for b_start, b_end, j in others:
            if b_start >= a_end:
                break
            if b_end > a_start:
                inter = min(a_end, b_end) - max(a_start, b_start)
                candidates.append((-inter / (max(a_end, b_end) - min(a_start, b_start)), j))
        if candidates:
            if len(candidates) > 1:
                simple = False
                candidates.sort()
            j = candidates[0][1]
            if j in used:
                simple = False
            used[j] = i
            edges[i] = [j for _, j in candidates]
    if simple:
        return sorted((i, j) for j, i in used.items())
    owner: dict[int, int] = {}  # second index -> first index (Kuhn's augmenting paths)

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in sorted(edges, key=lambda i: first[i]):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def f1(matched: int, first: int, second: int) -> float | None:
    """Symmetric F1 = 2 matched / (first + second); undefined when both have nothing."""
    total = first + second
    return None if total == 0 else 2.0 * matched / total


# -- Krippendorff's unitizing alpha ---------------------------------------------------------------


def clean_units(spans: Iterable[Span]) -> tuple[list[Span], int]:
    """One rater's units of one category, sorted and without overlaps (the unitizing alpha
    does not allow them): of overlapping units the earliest, then longest, is kept, as
    INCEpTION does. Returns the units kept and how many were left out."""
    given = list(spans)
    end = -1
    for start, stop in given:  # already sorted and apart (as the repository loads them)?
        if start < end:
            break
        end = stop
    else:
        return given, 0
    distinct = set(given)
    kept: list[Span] = []
    dropped = len(given) - len(distinct)
    end = -1
    for start, stop in sorted(distinct, key=lambda s: (s[0], -s[1])):
        if start < end:
            dropped += 1
            continue
        kept.append((start, stop))
        end = stop
    return kept, dropped


def observed_sum(first: Sequence[Span], second: Sequence[Span]) -> float:
    """Sum of squared distances between two raters' aligned segments (Krippendorff 2004).

    Overlapping units count (b1-b2)^2 + (e1-e2)^2; a unit that overlaps no unit of the other
    rater lies inside one of the other's gaps and counts its squared length. Both lists
    must be sorted and free of overlaps (``clean_units``).
    """
    if first == second:
        return 0.0
    total = 0
    missed_first = missed_second = 0
    hit_first = hit_second = False
    i = j = 0
    n1, n2 = len(first), len(second)
    while i < n1 and j < n2:
        b1, e1 = first[i]
        b2, e2 = second[j]
        if e1 <= b2:
            if not hit_first:
                missed_first += (e1 - b1) ** 2
            i += 1
            hit_first = False
        elif e2 <= b1:
            if not hit_second:
                missed_second += (e2 - b2) ** 2
            j += 1
            hit_second = False
        else:
            total += (b1 - b2) ** 2 + (e1 - e2) ** 2
            hit_first = hit_second = True
            if e1 <= e2:
                i += 1
                hit_first = False
            if e2 <= e1:
                j += 1
                hit_second = False
    if i < n1:
        if not hit_first:
            missed_first += (first[i][1] - first[i][0]) ** 2
        missed_first += sum((e - b) ** 2 for b, e in first[i + 1 :])
    if j < n2:
        if not hit_second:
            missed_second += (second[j][1] - second[j][0]) ** 2
        missed_second += sum((e - b) ** 2 for b, e in second[j + 1 :])
    return float(total + missed_first + missed_second)


def gaps(units: Sequence[Span], begin: int, length: int) -> list[int]:
    """The lengths of the stretches of the continuum ``[begin, begin+length)`` no unit covers."""
    out: list[int] = []
    position = begin
    for start, stop in units:
        if start > position:
            out.append(start - position)
        if stop > position:
            position = stop
    if begin + length > position:
        out.append(begin + length - position)
    return out


def expected_disagreement(
    unit_lengths: npt.ArrayLike, gap_lengths: npt.ArrayLike, length: int, positions: int
) -> float:
    """D_e of one category (Krippendorff 2004: 254) from all raters' unit and gap lengths.

    ``length`` is the continuum's length L and ``positions`` the number of rater positions
    (R * L for R raters over the whole continuum).
    """
    units = np.asarray(unit_lengths, dtype=np.float64)
    if units.size == 0 or length <= 0:
        return 0.0
    gap_array = np.sort(np.asarray(gap_lengths, dtype=np.float64))
    count = units.size
    within = (count - 1) * float(np.sum(2 * units**3 - 3 * units**2 + units)) / 3.0
    # sum over gaps g >= l of (g - l + 1), for every unit length l, from sorted gaps
    suffix = np.concatenate((np.cumsum(gap_array[::-1])[::-1], [0.0]))
    first_ge = np.searchsorted(gap_array, units, side="left")
    n_ge = gap_array.size - first_ge
    fits = suffix[first_ge] - (units - 1.0) * n_ge
    across = float(np.sum(units**2 * fits))
    denominator = float(positions) * (positions - 1) - float(np.sum(units * (units - 1)))
    if denominator <= 0:
        return 0.0
    return (2.0 / length) * (within + across) / denominator


def expected_disagreement_grouped(
    unit_group: npt.ArrayLike,
    unit_lengths: npt.ArrayLike,
    gap_group: npt.ArrayLike,
    gap_lengths: npt.ArrayLike,
    lengths: npt.ArrayLike,
    positions: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """``expected_disagreement`` of many continua at once (one per group index), vectorised:
    the same numbers as calling it per group, for a corpus of articles in one pass."""
    group_lengths = np.asarray(lengths, dtype=np.float64)
    groups = group_lengths.size
    ug = np.asarray(unit_group, dtype=np.int64)
    ul = np.asarray(unit_lengths, dtype=np.float64)
    gg = np.asarray(gap_group, dtype=np.int64)
    gl = np.asarray(gap_lengths, dtype=np.float64)
    counts = np.bincount(ug, minlength=groups).astype(np.float64)
    cubic = np.bincount(ug, weights=2 * ul**3 - 3 * ul**2 + ul, minlength=groups)
    within = (counts - 1) * cubic / 3.0
    order = np.lexsort((gl, gg))
    gg, gl = gg[order], gl[order]
    suffix = np.concatenate((np.cumsum(gl[::-1])[::-1], [0.0]))
    group_end = np.searchsorted(gg, np.arange(groups), side="right")
    scale = float(gl.max()) + 2.0 if gl.size else 2.0
    keys = gg * scale + gl
    first_ge = np.searchsorted(keys, ug * scale + ul, side="left")
    end = group_end[ug]
    fits = (suffix[first_ge] - suffix[end]) - (ul - 1.0) * (end - first_ge)
    across = np.bincount(ug, weights=ul**2 * fits, minlength=groups)
    places = np.asarray(positions, dtype=np.float64)
    squares = np.bincount(ug, weights=ul * (ul - 1), minlength=groups)
    denominator = places * (places - 1) - squares
    out = np.zeros(groups, dtype=np.float64)
    ok = (denominator > 0) & (counts > 0) & (group_lengths > 0)
    out[ok] = (2.0 / group_lengths[ok]) * (within[ok] + across[ok]) / denominator[ok]
    return out


@dataclass(frozen=True, slots=True)
class UnitizingResult:
    """Unitizing alpha per category and overall (DKPro: 1 - mean D_o / mean D_e)."""

    observed: dict[str, float]
    expected: dict[str, float]
    dropped: int

    def category_alpha(self, category: str) -> float | None:
        return alpha_from(self.observed[category], self.expected[category])

    @property
    def alpha(self) -> float | None:
        if not self.observed:
            return None
        return alpha_from(
            float(np.mean(list(self.observed.values()))),
            float(np.mean(list(self.expected.values()))),
        )


def alpha_from(observed: float, expected: float) -> float | None:
    return None if expected <= 0.0 else 1.0 - observed / expected


def unitizing_alpha(
    units: Iterable[tuple[int, str, int, int]], *, raters: int, begin: int, length: int
) -> UnitizingResult:
    """Krippendorff's unitizing alpha of one continuum ``[begin, begin+length)``.

    ``units`` are (rater index, category, start, end); every rater in ``range(raters)``
    looked at the whole continuum (a rater without units of a category has one long gap).
    """
    if raters < 2:
        raise ValueError("unitizing alpha needs at least two raters")
    by_category: dict[str, dict[int, list[Span]]] = {}
    for rater, category, start, end in units:
        if not 0 <= rater < raters:
            raise ValueError(f"rater {rater} is outside 0..{raters - 1}")
        by_category.setdefault(category, {}).setdefault(rater, []).append((start, end))
    observed: dict[str, float] = {}
    expected: dict[str, float] = {}
    dropped = 0
    for category, per_rater in by_category.items():
        cleaned: list[list[Span]] = []
        for rater in range(raters):
            kept, lost = clean_units(per_rater.get(rater, []))
            cleaned.append(kept)
            dropped += lost
        total = 0.0
        for r1 in range(raters):
            for r2 in range(r1 + 1, raters):
                total += observed_sum(cleaned[r1], cleaned[r2])
        observed[category] = 2.0 * total / (raters * (raters - 1) * length * length)
        lengths = [e - b for kept in cleaned for b, e in kept]
        gap_lengths = [g for kept in cleaned for g in gaps(kept, begin, length)]
        expected[category] = expected_disagreement(lengths, gap_lengths, length, raters * length)
    return UnitizingResult(observed, expected, dropped)


def mean_or_none(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
