"""The agreement coefficients equal independent implementations on the same data.

Oracles: sklearn's ``cohen_kappa_score``, statsmodels' ``fleiss_kappa``, the ``krippendorff``
package (nominal, missing values), nervaluate for span F1, and DKPro Statistics' test values
for Krippendorff's unitizing alpha (Krippendorff 1995 and 2004 examples).
"""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.services.agreement_metrics import (
    clean_units,
    cohen_kappa,
    expected_disagreement,
    expected_disagreement_grouped,
    f1,
    fleiss_kappa,
    fleiss_kappa_units,
    fleiss_table,
    gaps,
    krippendorff_alpha_nominal,
    krippendorff_alpha_ordinal,
    match_spans,
    nominal_coefficients,
    observed_sum,
    overlaps,
    pairwise_agreement,
    unitizing_alpha,
)

# Document-level stances of ten articles by two annotators.
STANCE_A = ["favor", "favor", "against", "neutral", "against", "favor", "neutral", "against",
            "favor", "against"]  # fmt: skip
STANCE_B = ["favor", "against", "against", "neutral", "against", "favor", "favor", "against",
            "neutral", "against"]  # fmt: skip


# -- Cohen's kappa -------------------------------------------------------------------------------


def test_cohen_kappa_equals_sklearn_on_the_stance_example() -> None:
    assert cohen_kappa(STANCE_A, STANCE_B) == pytest.approx(
        cohen_kappa_score(STANCE_A, STANCE_B), abs=1e-12
    )


def test_cohen_kappa_dkpro_krippendorff1995_digitised_example() -> None:
    # Bertha / Bill, digitised (DKPro Krippendorff1995Test): kappa .385, alpha .329
    bertha = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    bill = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert cohen_kappa(bertha, bill) == pytest.approx(0.385, abs=0.001)
    alpha = krippendorff_alpha_nominal(list(zip(bertha, bill, strict=True)))
    assert alpha == pytest.approx(0.329, abs=0.001)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("abcd")), min_size=1, max_size=40)
)
def test_cohen_kappa_equals_sklearn_on_random_data(pairs: list[tuple[str, str]]) -> None:
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    ours = cohen_kappa(first, second)
    if ours is None:  # no chance correction possible: both raters used one and the same value
        assert len(set(first) | set(second)) == 1
        return
    assert ours == pytest.approx(cohen_kappa_score(first, second), abs=1e-9)


def test_cohen_kappa_needs_the_same_items() -> None:
    with pytest.raises(ValueError, match="same items"):
        cohen_kappa(["a"], ["a", "b"])
    assert cohen_kappa([], []) is None


# -- Fleiss' kappa -------------------------------------------------------------------------------


def test_fleiss_kappa_equals_statsmodels_on_random_tables() -> None:
    rng = random.Random(7)
    for _ in range(60):
        raters = rng.randint(2, 6)
        categories = "abcde"[: rng.randint(2, 5)]
        units = [[rng.choice(categories) for _ in range(raters)] for _ in range(rng.randint(2, 30))]
        table, _ = fleiss_table(units)
        expected = sm_fleiss_kappa(table, method="fleiss")
        if np.isnan(expected):
            assert fleiss_kappa(table) is None
            continue
        assert fleiss_kappa(table) == pytest.approx(expected, abs=1e-9)
        assert fleiss_kappa_units(units) == pytest.approx(expected, abs=1e-9)


def test_fleiss_kappa_three_raters_of_the_reference() -> None:
    third = ["favor", "favor", "against", "favor", "against", "favor", "neutral", "against",
             "favor", "neutral"]  # fmt: skip
    units = list(zip(STANCE_A, STANCE_B, third, strict=True))
    table, _ = fleiss_table(units)
    assert fleiss_kappa_units(units) == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


def test_fleiss_kappa_refuses_ragged_items() -> None:
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa_units([["a", "b"], ["a", "b", "a"]])
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([[2, 0], [1, 2]])


# -- Krippendorff's alpha (nominal, missing values) ----------------------------------------------


def _units(matrix: list[list[float]]) -> list[list[float]]:
    """raters x units (nan = missing) -> each unit's values."""
    columns = np.array(matrix, dtype=float).T
    return [[v for v in column if not np.isnan(v)] for column in columns]


def test_alpha_krippendorffs_canonical_example_with_missing_data() -> None:
    nan = np.nan
    data = [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
    assert krippendorff_alpha_nominal(_units(data)) == pytest.approx(0.691358, abs=1e-6)
    oracle = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha_nominal(_units(data)) == pytest.approx(oracle, abs=1e-12)


def test_alpha_equals_the_krippendorff_package_on_random_data_with_missing_values() -> None:
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(80):
        raters, items = rng.integers(2, 6), rng.integers(3, 40)
        data = rng.integers(0, rng.integers(2, 6), size=(raters, items)).astype(float)
        data[rng.random(data.shape) < 0.3] = np.nan
        units = _units(data.tolist())
        pairable = [u for u in units if len(u) >= 2]
        if len({v for u in pairable for v in u}) < 2:
            assert krippendorff_alpha_nominal(units) is None
            continue
        oracle = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert krippendorff_alpha_nominal(units) == pytest.approx(oracle, abs=1e-9)
        checked += 1
    assert checked > 60


def test_alpha_on_string_categories_equals_numeric_coding() -> None:
    codes = {"favor": 0, "against": 1, "neutral": 2}
    data = [[codes[v] for v in STANCE_A], [codes[v] for v in STANCE_B]]
    oracle = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    ours = krippendorff_alpha_nominal(list(zip(STANCE_A, STANCE_B, strict=True)))
    assert ours == pytest.approx(oracle, abs=1e-12)


def test_pairwise_agreement_counts_only_pairable_units() -> None:
    share, used = pairwise_agreement([["a", "a"], ["a", "b"], ["c"], ["a", "a", "b"]])
    # agreeing ordered pairs: 2 + 0 + 2 = 4 of 2 + 2 + 6 = 10
    assert used == 3
    assert share == pytest.approx(0.4)


# -- span F1 -------------------------------------------------------------------------------------

# The running example of the reference: 'Putin said, "It is our business to decide."'
ANN1 = [("PER", 0, 5), ("QUOTE", 12, 43), ("CUE", 6, 10)]
ANN2 = [("PER", 0, 5), ("QUOTE", 13, 42), ("CUE", 6, 10)]


def _label_f1(first: list[tuple[str, int, int]], second: list[tuple[str, int, int]]):
    exact = overlap = 0
    for label in {lbl for lbl, _, _ in first + second}:
        matching = match_spans(
            [(s, e) for lbl, s, e in first if lbl == label],
            [(s, e) for lbl, s, e in second if lbl == label],
        )
        exact += matching.exact
        overlap += matching.overlap
    return f1(exact, len(first), len(second)), f1(overlap, len(first), len(second))


def _nervaluate(first: list[tuple[str, int, int]], second: list[tuple[str, int, int]]):
    # nervaluate's end is inclusive: pass end - 1 for half-open offsets.
    true = [[{"label": lbl, "start": s, "end": e - 1} for lbl, s, e in first]]
    pred = [[{"label": lbl, "start": s, "end": e - 1} for lbl, s, e in second]]
    tags = sorted({lbl for lbl, _, _ in first + second})
    result = Evaluator(true, pred, tags=tags).evaluate()["overall"]
    return result["strict"].f1, result["ent_type"].f1


def test_span_f1_running_example_hand_computed_and_nervaluate() -> None:
    exact, overlap = _label_f1(ANN1, ANN2)
    assert exact == pytest.approx(2 / 3)
    assert overlap == pytest.approx(1.0)
    assert (exact, overlap) == pytest.approx(_nervaluate(ANN1, ANN2))


def test_span_f1_equals_nervaluate_on_random_one_to_one_data() -> None:
    rng = random.Random(3)
    for _ in range(100):
        base = []
        position = 0
        for _ in range(rng.randint(1, 12)):
            position += rng.randint(12, 30)
            base.append((rng.choice(("PER", "ORG")), position, position + rng.randint(3, 9)))

        def variant(spans):
            out = []
            for label, start, end in spans:
                roll = rng.random()
                if roll < 0.15:
                    continue  # missed
                if roll < 0.35:
                    start, end = start + rng.randint(-2, 2), end + rng.randint(-2, 2)
                out.append((label, start, max(end, start + 1)))
            return out

        first, second = variant(base), variant(base)
        if not first or not second:
            continue
        assert _label_f1(first, second) == pytest.approx(_nervaluate(first, second))


def test_matching_is_one_to_one_and_prefers_identical_spans() -> None:
    # b0 is identical to a0; a1 overlaps only b0 and b1 overlaps a0 and a1: a1 gets b1.
    matching = match_spans([(0, 10), (8, 20)], [(0, 10), (9, 15)])
    assert matching.exact == 1
    assert sorted(matching.pairs) == [(0, 0), (1, 1)]
    # one long span against two short ones: only one pair
    matching = match_spans([(0, 20)], [(0, 5), (10, 20)])
    assert matching.overlap == 1 and matching.exact == 0
    assert matching.pairs == ((0, 1),)  # the larger overlap


def test_matching_finds_the_most_pairs() -> None:
    # a0 overlaps b0 and b1 (more with b0), a1 overlaps only b0: the best is a0-b1, a1-b0.
    matching = match_spans([(0, 10), (8, 12)], [(2, 11), (0, 3)])
    assert matching.overlap == 2
    assert sorted(matching.pairs) == [(0, 1), (1, 0)]


def test_f1_undefined_without_spans() -> None:
    assert f1(0, 0, 0) is None
    assert f1(0, 3, 0) == 0.0


# -- Krippendorff's unitizing alpha --------------------------------------------------------------


def _krippendorff2004():
    # DKPro Krippendorff2004Test.createExample: continuum [150, 450), two raters.
    units = [
        (0, "c", 225, 295), (0, "c", 370, 400),
        (1, "c", 220, 300), (1, "c", 355, 375), (1, "c", 400, 420),
        (0, "k", 180, 240), (0, "k", 300, 350), (1, "k", 180, 240), (1, "k", 300, 350),
    ]  # fmt: skip
    return unitizing_alpha(units, raters=2, begin=150, length=300)


def test_unitizing_alpha_krippendorff2004_dkpro_values() -> None:
    result = _krippendorff2004()
    assert result.observed["c"] == pytest.approx(0.0144, abs=0.0001)
    assert result.expected["c"] == pytest.approx(0.0532, abs=0.0001)
    assert result.category_alpha("c") == pytest.approx(0.7286, abs=0.0001)
    assert result.observed["k"] == pytest.approx(0.0, abs=0.0001)
    assert result.expected["k"] == pytest.approx(0.0490, abs=0.0001)
    assert result.category_alpha("k") == pytest.approx(1.0, abs=0.0001)
    assert result.alpha == pytest.approx(0.8591, abs=0.0005)


def test_unitizing_distance_fixtures_of_dkpro() -> None:
    # testDistanceMetric2: overlapping units 50 and 850; a unit inside a gap 400.
    assert observed_sum([(225, 295)], [(220, 300)]) == 50
    assert observed_sum([(370, 400)], [(355, 375)]) == 850
    assert observed_sum([], [(400, 420)]) == 400


def _krippendorff1995(stretch: float):
    example = {
        "A": [(0, 2, 8), (0, 14, 6), (1, 4, 4), (1, 15, 2)],
        "B": [(0, 0, 18), (1, 0, 2), (1, 2, 1), (1, 3, 1), (1, 4, 1), (1, 5, 1), (1, 6, 3),
              (1, 9, 1)],
        "C": [(0, 2, 6), (0, 10, 2), (0, 14, 4), (0, 20, 2), (1, 0, 2), (1, 4, 4), (1, 10, 4),
              (1, 16, 2), (1, 20, 2)],
        "D": [(0, 0, 2), (0, 2, 8), (0, 10, 4), (0, 14, 6), (0, 20, 4), (1, 0, 4), (1, 4, 4),
              (1, 8, 7), (1, 15, 2), (1, 17, 7)],
    }  # fmt: skip
    units = [
        (rater, category, int(begin * stretch), int(begin * stretch) + int(length * stretch))
        for category, rows in example.items()
        for rater, begin, length in rows
    ]
    return unitizing_alpha(units, raters=2, begin=0, length=int(24 * stretch))


def test_unitizing_alpha_krippendorff1995_dkpro_values() -> None:
    result = _krippendorff1995(1)
    for category, value in {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}.items():
        assert result.observed[category] == pytest.approx(value, abs=0.00001)
    result = _krippendorff1995(1200000 / 24)
    for category, value in {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}.items():
        assert result.expected[category] == pytest.approx(value, abs=0.005)
    for category, value in {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}.items():
        assert result.category_alpha(category) == pytest.approx(value, abs=0.02)


def test_unitizing_alpha_perfect_agreement_and_the_running_example() -> None:
    same = [(r, "PER", 0, 5) for r in range(3)]
    assert unitizing_alpha(same, raters=3, begin=0, length=43).alpha == pytest.approx(1.0)
    # quote boundaries differ by one character on each side: 0.9962 in the reference
    units = [(0, "QUOTE", 12, 43), (1, "QUOTE", 13, 42)]
    result = unitizing_alpha(units, raters=2, begin=0, length=43)
    assert result.category_alpha("QUOTE") == pytest.approx(0.9962, abs=0.0001)


def test_unitizing_refuses_bad_raters() -> None:
    with pytest.raises(ValueError, match="two raters"):
        unitizing_alpha([], raters=1, begin=0, length=10)
    with pytest.raises(ValueError, match="outside"):
        unitizing_alpha([(2, "c", 0, 1)], raters=2, begin=0, length=10)


def test_clean_units_keeps_earliest_longest_and_counts_the_rest() -> None:
    kept, dropped = clean_units([(5, 9), (0, 3), (0, 4), (2, 6), (5, 9)])
    assert kept == [(0, 4), (5, 9)]
    assert dropped == 3  # (0, 3) and (2, 6) overlap, one (5, 9) is a duplicate


def test_observed_sum_equals_the_pairwise_definition_on_random_units() -> None:
    rng = random.Random(5)
    for _ in range(500):
        first, _ = clean_units(
            (s, s + rng.randint(1, 8)) for s in rng.sample(range(60), rng.randint(0, 10))
        )
        second, _ = clean_units(
            (s, s + rng.randint(1, 8)) for s in rng.sample(range(60), rng.randint(0, 10))
        )
        expected = 0
        for a in first:
            partners = [b for b in second if overlaps(a, b)]
            expected += sum((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for b in partners)
            expected += 0 if partners else (a[1] - a[0]) ** 2
        expected += sum(
            (b[1] - b[0]) ** 2 for b in second if not any(overlaps(a, b) for a in first)
        )
        assert observed_sum(first, second) == expected


def test_grouped_expected_disagreement_equals_one_by_one() -> None:
    rng = random.Random(9)
    for _ in range(100):
        unit_group, unit_lengths, gap_group, gap_lengths, sizes, places, one_by_one = (
            [], [], [], [], [], [], []
        )  # fmt: skip
        for group in range(rng.randint(1, 6)):
            size, raters = rng.randint(20, 80), rng.randint(2, 4)
            units, spaces = [], []
            for _ in range(raters):
                kept, _ = clean_units(
                    (s, min(size, s + rng.randint(1, 9)))
                    for s in rng.sample(range(size - 1), rng.randint(0, 6))
                )
                units += [e - s for s, e in kept]
                spaces += gaps(kept, 0, size)
            unit_group += [group] * len(units)
            unit_lengths += units
            gap_group += [group] * len(spaces)
            gap_lengths += spaces
            sizes.append(size)
            places.append(size * raters)
            one_by_one.append(expected_disagreement(units, spaces, size, size * raters))
        grouped = expected_disagreement_grouped(
            unit_group, unit_lengths, gap_group, gap_lengths, sizes, places
        )
        assert grouped == pytest.approx(one_by_one, rel=1e-9, abs=1e-15)


def test_nominal_coefficients_in_one_pass_equal_the_separate_functions() -> None:
    rng = random.Random(21)
    for _ in range(200):
        units = [
            [rng.choice("abc") for _ in range(rng.choice((1, 2, 2, 3, 3, 3)))]
            for _ in range(rng.randint(0, 25))
        ]
        found = nominal_coefficients(units)
        rated = [u for u in units if len(u) >= 2]
        share, items = pairwise_agreement(units)
        assert (found.items, found.percent_agreement) == (items, share)
        alpha = krippendorff_alpha_nominal(units)
        assert found.krippendorff_alpha == (None if alpha is None else pytest.approx(alpha))
        sizes = [len(u) for u in rated]
        if not sizes:
            assert found.fleiss_kappa is None and found.fleiss_items == 0
            continue
        raters = max(set(sizes), key=lambda n: (sizes.count(n), n))
        complete = [u for u in rated if len(u) == raters]
        kappa = fleiss_kappa_units(complete)
        assert (found.fleiss_raters, found.fleiss_items) == (raters, len(complete))
        assert found.fleiss_kappa == (None if kappa is None else pytest.approx(kappa))
        assert found.values == sum(sizes)


def test_ordinal_alpha_equals_the_krippendorff_package_with_a_value_domain() -> None:
    order = ["against", "neutral", "favor"]
    rng = random.Random(4)
    checked = 0
    for _ in range(80):
        raters, items = rng.randint(2, 4), rng.randint(3, 25)
        data = [[rng.choice([*order, "none", None]) for _ in range(items)] for _ in range(raters)]
        numeric = [[order.index(v) if v in order else np.nan for v in row] for row in data]
        units = [[row[i] for row in data if row[i] is not None] for i in range(items)]
        ours = krippendorff_alpha_ordinal(units, order)
        pairable = [[v for v in u if v in order] for u in units]
        if len({v for u in pairable if len(u) >= 2 for v in u}) < 2:
            assert ours is None
            continue
        oracle = krippendorff.alpha(
            reliability_data=numeric, level_of_measurement="ordinal", value_domain=[0, 1, 2]
        )
        assert ours == pytest.approx(oracle, abs=1e-9)
        checked += 1
    assert checked > 50


def test_ordinal_alpha_punishes_favor_against_more_than_favor_neutral() -> None:
    order = ["against", "neutral", "favor"]
    base = [["favor", "favor"], ["against", "against"], ["neutral", "neutral"]] * 3
    near = krippendorff_alpha_ordinal([*base, ["favor", "neutral"]], order)
    far = krippendorff_alpha_ordinal([*base, ["favor", "against"]], order)
    assert near is not None and far is not None and far < near
    # nominal alpha cannot tell the two apart
    assert krippendorff_alpha_nominal([*base, ["favor", "neutral"]]) == pytest.approx(
        krippendorff_alpha_nominal([*base, ["favor", "against"]])
    )
