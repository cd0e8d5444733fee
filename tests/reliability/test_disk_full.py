"""A disk that fills up during a session: each refused action leaves file and session as they
were, and once space is freed the session goes on (see ``disk_full.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from disk_full import run_disk_full


@pytest.mark.timeout(120)
def test_a_full_disk_refuses_actions_and_loses_nothing(tmp_path: Path) -> None:
    stats = run_disk_full(tmp_path / "full.annotator", rounds=6, actions=60, seed=7)
    assert stats.rounds == 6
    assert stats.refused > 0 and stats.done > 0, stats.summary()
    assert stats.after_freeing == 30
