"""Ledger entries: tag encoding, parsing, and the agreement check against aliases."""

from __future__ import annotations

import json

import pytest

from risk_models.errors import RegistryError
from risk_models.registry.ledger import (
    LedgerEntry,
    aliases_by_ledger,
    ledger_problems,
    parse_ledger,
)


def _entry(seq: int, frm: str | None, to: str, **kw: object) -> LedgerEntry:
    fields: dict[str, object] = {
        "seq": seq,
        "token": f"{seq:012x}",
        "time": "2026-01-02T03:04:05.678Z",
        "actor": "alice",
        "event": "promote",
        "alias": "champion",
        "from_version": frm,
        "to_version": to,
        "moves": {"champion": [frm, to]},
        "status": "done",
    }
    fields.update(kw)
    return LedgerEntry(**fields)  # type: ignore[arg-type]


def test_tag_round_trip_is_compact_json_under_a_sorted_key() -> None:
    e = _entry(12, "1", "2", gates={"passed": True, "n_checks": 3, "failed": []}, reason="why")
    assert e.key == "risk_models.ledger.000012.00000000000c"
    value = e.to_tag_value()
    assert " " not in value.replace("why", "")
    d = json.loads(value)
    assert (d["from"], d["to"], d["forced"], d["reason"]) == ("1", "2", False, "why")
    assert LedgerEntry.from_tag(e.key, value, model_name="m") == e


def test_entries_sort_by_sequence() -> None:
    entries = [_entry(s, None, str(s)) for s in (10, 2, 1)]
    tags = {e.key: e.to_tag_value() for e in entries} | {"other.tag": "x"}
    assert [e.seq for e in parse_ledger(tags, "m")] == [1, 2, 10]


def test_a_malformed_tag_names_itself() -> None:
    with pytest.raises(
        RegistryError,
        match=r"registered model 'm': ledger tag 'risk_models.ledger.000001.ab' is malformed "
        r"\('moves'\); it was not written by riskdistill",
    ):
        parse_ledger({"risk_models.ledger.000001.ab": json.dumps({"time": "t"})}, "m")
    with pytest.raises(RegistryError, match=r"key does not match"):
        parse_ledger({"risk_models.ledger.1": "{}"}, "m")


def test_agreement_follows_done_entries_only() -> None:
    done = [
        _entry(1, None, "1"),
        _entry(2, "1", "2", moves={"champion": ["1", "2"], "previous-champion": [None, "1"]}),
        _entry(3, "2", "3", status="aborted"),
    ]
    assert aliases_by_ledger(done) == {"champion": "2", "previous-champion": "1"}
    assert ledger_problems(done, {"champion": "2", "previous-champion": "1", "x": "9"}) == []
    assert ledger_problems(done, {"champion": "3"}) == [
        "alias 'champion' is at v3 but the ledger's last move put it at v2",
        "alias 'previous-champion' is at (unset) but the ledger's last move put it at v1",
    ]


def test_duplicates_and_pending_entries_are_problems() -> None:
    entries = [_entry(1, None, "1"), _entry(1, None, "2", token="ffffffffffff", status="pending")]
    assert ledger_problems(entries, {"champion": "1"}) == [
        "ledger sequence 000001 is held by 2 entries",
        "ledger entry 000001 (promote by alice) is still pending",
    ]
    with pytest.raises(ValueError, match=r"ledger status must be one of"):
        entries[0].with_status("maybe")
