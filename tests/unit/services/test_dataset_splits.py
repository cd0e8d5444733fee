"""Dataset splits: deterministic for a seed, shares respected, no group in two splits."""

from __future__ import annotations

from collections import Counter

import pytest

from annotator.domain.errors import AnnotatorError
from annotator.services.exporting import assign_splits, parse_layers, parse_splits
from annotator.storage.articles import ArticleSummary

SPLITS = (("train", 0.8), ("dev", 0.1), ("test", 0.1))


def summaries(n: int, outlets: int = 7) -> list[ArticleSummary]:
    return [
        ArticleSummary(
            id=f"a{i:04d}",
            position=i,
            title="",
            source=f"outlet-{i % outlets}",
            published=f"2026-{1 + i % 12:02d}-03",
            external_id=None,
            text_length=100,
            display_title="",
        )
        for i in range(n)
    ]


def test_same_seed_same_split_other_seed_other_split() -> None:
    items = summaries(500)
    first = assign_splits(items, SPLITS, seed=1)
    assert first == assign_splits(items, SPLITS, seed=1)
    assert first != assign_splits(items, SPLITS, seed=2)


def test_shares_are_respected_by_article() -> None:
    counts = Counter(assign_splits(summaries(1000), SPLITS).values())
    assert counts == {"train": 800, "dev": 100, "test": 100}


@pytest.mark.parametrize("split_by", ["source", "date"])
def test_grouped_splits_never_share_a_group(split_by: str) -> None:
    items = summaries(1200, outlets=40)
    assignment = assign_splits(items, SPLITS, split_by=split_by, seed=5)
    key = (lambda s: s.source) if split_by == "source" else (lambda s: s.published[:7])
    seen: dict[str, set[str]] = {}
    for item in items:
        seen.setdefault(key(item), set()).add(assignment[item.id])
    assert all(len(splits) == 1 for splits in seen.values())
    counts = Counter(assignment.values())
    assert set(counts) == {"train", "dev", "test"}
    assert 0.6 < counts["train"] / len(items) < 0.95


def test_parse_splits_and_layers() -> None:
    assert parse_splits("train=0.8,dev=0.1,test=0.1") == SPLITS
    assert parse_splits(None) == (("all", 1.0),)
    for bad in ("train=0.8,dev=0.1", "train=0.5,train=0.5", "Train=1", "train", "../x=1"):
        with pytest.raises(AnnotatorError, match="--split"):
            parse_splits(bad)
    assert parse_layers("entities, quotes") == frozenset({"entities", "quotes"})
    with pytest.raises(AnnotatorError, match="--layers takes some of"):
        parse_layers("entities,relations")
