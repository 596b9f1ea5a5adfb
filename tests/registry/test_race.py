"""Two promotions of one model at once, from two processes against one SQLite store.

The workers (race_worker.py) hold their ledger write at file barriers, so the race is not left
to luck: both read the same ledger head and choose the same sequence number. At most one may
win, ledger and aliases must agree afterwards, and every loser must say it changed nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from risk_models.registry import ledger_problems, promote, read_ledger
from risk_models.registry.versions import current_aliases
from tests.registry.conftest import MODEL, Store

WORKER = Path(__file__).with_name("race_worker.py")


def _race(store: Store, tmp_path: Path, scenario: str) -> dict[str, dict]:
    sync = tmp_path / "sync"
    sync.mkdir()
    procs = {
        role: subprocess.Popen(
            [sys.executable, str(WORKER), store.uri, MODEL, version, role, scenario, str(sync)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role, version in (("first", "2"), ("second", "5"))
    }
    results = {}
    for role, proc in procs.items():
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        results[role] = json.loads(out.strip().splitlines()[-1])
    return results


def _agree(store: Store) -> None:
    entries = read_ledger(store.client, MODEL)
    assert ledger_problems(entries, current_aliases(store.client, MODEL)) == []


def test_the_later_writer_loses_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    promote(store.client, MODEL, version="1")
    results = _race(store, tmp_path, "one_loser")
    first, second = results["first"], results["second"]
    assert first["ok"] is True and first["seq"] == 7
    assert second["ok"] is False and second["error"] == "ConcurrentPromotionError"
    assert second["message"].startswith(
        "promote of 'credit-student' champion -> v5: lost a race with ledger entry 000007 "
        "(promote champion -> v2 by first at "
    )
    assert "nothing was changed" in second["message"]
    aliases = current_aliases(store.client, MODEL)
    assert aliases["champion"] == "2" and aliases["previous-champion"] == "1"
    entries = read_ledger(store.client, MODEL)
    assert [(e.seq, e.to_version, e.status) for e in entries[-2:]] == [
        (6, "1", "done"),
        (7, "2", "done"),
    ]
    assert entries[-1].actor == "first" and len({e.seq for e in entries}) == len(entries)
    _agree(store)


@pytest.mark.slow
def test_writers_that_both_wrote_never_both_win(store: Store, tmp_path: Path) -> None:
    """Both append before either re-reads: whoever re-reads first sees the other and backs out
    (deleting its entry, so the other may then pass); never do both move the aliases."""
    promote(store.client, MODEL, version="1")
    before = read_ledger(store.client, MODEL)
    results = _race(store, tmp_path, "both_write")
    winners = [r for r in results.values() if r["ok"]]
    losers = [r for r in results.values() if not r["ok"]]
    assert len(winners) <= 1 and losers
    for r in losers:
        assert r["error"] == "ConcurrentPromotionError"
        assert "lost a race with ledger entry 000007" in r["message"]
    entries = read_ledger(store.client, MODEL)
    champion = current_aliases(store.client, MODEL)["champion"]
    if winners:
        assert champion == winners[0]["version"] and entries[-1].actor == winners[0]["role"]
        assert len(entries) == len(before) + 1
    else:
        assert champion == "1" and entries == before
    _agree(store)
