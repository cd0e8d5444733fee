"""Evaluate the quote finder on the held-out articles in tests/data/eval_quotes/.

Prints precision and recall of quote spans (exact and overlapping), for direct quotes and for
all quotes, and speaker and cue accuracy on the matched quotes; ``--show`` lists every miss.

    python tests/bench/eval_quote_finder.py [--show]
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

from annotator.domain.schema import default_schema
from annotator.services.quote_finder import FoundQuote, QuoteFinder

DATA = Path(__file__).resolve().parents[1] / "data" / "eval_quotes" / "articles.jsonl"
_TITLES = {"dr", "mr", "mrs", "ms", "the"}


@dataclass(frozen=True)
class Gold:
    article: str
    start: int
    end: int
    type: str
    speaker: str
    cue: tuple[int, int] | None


def gold_quotes(record: dict[str, object]) -> list[Gold]:
    """Gold spans found in the text: the quote's nth occurrence, the cue nearest to it."""
    text = str(record["text"])
    out = []
    for item in record["quotes"]:  # type: ignore[attr-defined]
        start = -1
        for _ in range(int(item["nth"]) + 1):
            start = text.index(item["quote"], start + 1)
        end = start + len(item["quote"])
        cue = None
        if item["cue"]:
            spots = [m.start() for m in re.finditer(re.escape(item["cue"]), text)]
            if not spots:
                raise ValueError(f"{record['id']}: cue {item['cue']!r} not in the text")
            best = min(spots, key=lambda s: min(abs(s - start), abs(s - end)))
            cue = (best, best + len(item["cue"]))
        out.append(Gold(str(record["id"]), start, end, item["type"], item["speaker"], cue))
    return out


def load() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def _words(name: str) -> set[str]:
    return {w for w in re.findall(r"\w+", name.lower()) if w not in _TITLES}


def speaker_right(gold: Gold, found: FoundQuote) -> bool:
    return bool(_words(gold.speaker) & _words(found.speaker_name))


def cue_right(gold: Gold, found: FoundQuote) -> bool:
    if gold.cue is None or found.cue is None:
        return gold.cue is None and found.cue is None
    return gold.cue[0] < found.cue[1] and found.cue[0] < gold.cue[1]


def score(
    golds: list[Gold], predictions: list[tuple[str, FoundQuote]], *, exact: bool
) -> tuple[float, float, list[tuple[Gold, FoundQuote]], list[Gold], list[tuple[str, FoundQuote]]]:
    """Precision, recall, matched pairs (one prediction per gold), misses, false alarms."""
    used: set[int] = set()
    pairs: list[tuple[Gold, FoundQuote]] = []
    misses: list[Gold] = []
    for gold in golds:
        best = None
        for n, (article, found) in enumerate(predictions):
            if n in used or article != gold.article:
                continue
            if exact:
                hit = (found.start, found.end) == (gold.start, gold.end)
            else:
                hit = found.start < gold.end and gold.start < found.end
            if hit:
                best = n
                break
        if best is None:
            misses.append(gold)
        else:
            used.add(best)
            pairs.append((gold, predictions[best][1]))
    extra = [p for n, p in enumerate(predictions) if n not in used]
    precision = len(pairs) / len(predictions) if predictions else 0.0
    recall = len(pairs) / len(golds) if golds else 0.0
    return precision, recall, pairs, misses, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    finder = QuoteFinder(default_schema().speech_verbs)
    records = load()
    texts = {str(r["id"]): str(r["text"]) for r in records}
    golds = [g for r in records for g in gold_quotes(r)]
    found = [(str(r["id"]), q) for r in records for q in finder.find(str(r["text"]))]
    print(f"{len(records)} articles, {len(golds)} gold quotes "
          f"({sum(g.type == 'direct' for g in golds)} direct), {len(found)} found")  # fmt: skip
    for title, gold_set, predicted in (
        ("direct quotes", [g for g in golds if g.type == "direct"],
         [p for p in found if p[1].quote_type == "direct"]),
        ("all quotes (direct, mixed, indirect)", golds, found),
    ):  # fmt: skip
        print(f"\n{title}: {len(gold_set)} gold, {len(predicted)} predicted")
        for exact in (True, False):
            p, r, pairs, misses, extra = score(gold_set, predicted, exact=exact)
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            name = "exact  " if exact else "overlap"
            print(f"  {name}  precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")
            if not exact:
                speakers = sum(speaker_right(g, q) for g, q in pairs)
                cues = sum(cue_right(g, q) for g, q in pairs)
                print(
                    f"  on {len(pairs)} matched: speaker right {speakers} "
                    f"({speakers / max(1, len(pairs)):.3f}), cue right {cues} "
                    f"({cues / max(1, len(pairs)):.3f})"
                )
                if args.show:
                    for gold in misses:
                        missed = texts[gold.article][gold.start : gold.end]
                        print(f"    missed {gold.article}: {missed!r}")
                    for article, quote in extra:
                        print(f"    extra  {article}: {texts[article][quote.start : quote.end]!r}")
                    for gold, quote in pairs:
                        if not speaker_right(gold, quote) or not cue_right(gold, quote):
                            text = texts[gold.article]
                            cue = text[quote.cue[0] : quote.cue[1]] if quote.cue else None
                            print(
                                f"    wrong  {gold.article}: "
                                f"{text[gold.start : gold.start + 40]!r} "
                                f"speaker {quote.speaker_name!r} (gold {gold.speaker!r}), "
                                f"cue {cue!r}"
                            )


if __name__ == "__main__":
    main()
