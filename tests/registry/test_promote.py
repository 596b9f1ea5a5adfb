"""register_version, promote and rollback against a SQLite registry, read back with plain calls."""

from __future__ import annotations

import json

import pytest

from risk_models.errors import RegistryError
from risk_models.evaluation.gate_policy import GateRule
from risk_models.registry import (
    ConcurrentPromotionError,
    PromotionRefused,
    ledger_problems,
    promote,
    read_ledger,
    register_version,
    rollback,
)
from risk_models.registry.versions import current_aliases
from tests.registry.conftest import BETTER, GOOD, MODEL, WORSE, Store, add_version


def _aliases(store: Store) -> dict[str, str]:
    return current_aliases(store.client, MODEL)


def _agree(store: Store) -> None:
    assert ledger_problems(read_ledger(store.client, MODEL), _aliases(store)) == []


def test_registration_tags_and_challenger(store: Store) -> None:
    mv = store.client.get_model_version(MODEL, "5")
    assert json.loads(mv.tags["risk_models.gate_report"])["passed"] is True
    assert mv.tags["risk_models.gates_passed"] == "true"
    assert mv.source.startswith("models:/m-")
    assert _aliases(store) == {"challenger": "5"}
    entries = read_ledger(store.client, MODEL)
    assert [(e.event, e.from_version, e.to_version) for e in entries] == [
        ("register", None, "1"),
        ("register", "1", "2"),
        ("register", "2", "3"),
        ("register", "3", "4"),
        ("register", "4", "5"),
    ]
    assert {e.actor for e in entries} == {"builder"} and {e.status for e in entries} == {"done"}


def test_failing_student_is_never_registered(store: Store) -> None:
    report = {
        "student": "tree",
        "passed": False,
        "checks": [
            {"name": "auc", "value": 0.55, "threshold": 0.6, "comparison": ">=", "passed": False}
        ],
    }
    before = len(store.client.search_model_versions(f"name = '{MODEL}'"))
    with pytest.raises(
        RegistryError, match=r"gate report did not pass \(auc = 0\.55 \(needs >= 0\.6\)\)"
    ):
        register_version(
            store.client, MODEL, "models:/m-0", run_id="r", tags={}, gate_report=report
        )
    assert len(store.client.search_model_versions(f"name = '{MODEL}'")) == before


def test_promote_through_gates_then_refuse_force_and_rollback(store: Store) -> None:
    client = store.client
    first = promote(client, MODEL, version="1", actor="alice")
    assert (first.evidence, first.from_version, first.to_version) == ("no_champion", None, "1")
    assert _aliases(store)["champion"] == "1" and "previous-champion" not in _aliases(store)

    better = promote(client, MODEL, version="2", actor="alice", reason="quarterly refresh")
    assert better.evidence == "paired" and not better.forced
    gate = next(c for c in better.checks if c["name"] == "auc_vs_champion")
    assert gate["passed"] and gate["value"] > 0.01
    assert _aliases(store) == {"challenger": "5", "champion": "2", "previous-champion": "1"}

    n = len(read_ledger(client, MODEL))
    with pytest.raises(
        PromotionRefused,
        match=r"promotion of credit-student v3 refused: 1 gate\(s\) failed: auc_vs_champion = "
        r"-0\.3\d* \(needs >= 0\)",
    ) as info:
        promote(client, MODEL, version="3")
    assert info.value.failures[0]["name"] == "auc_vs_champion"
    assert _aliases(store)["champion"] == "2" and len(read_ledger(client, MODEL)) == n

    with pytest.raises(RegistryError, match=r"--force needs --reason TEXT"):
        promote(client, MODEL, version="3", force=True)
    forced = promote(client, MODEL, version="3", force=True, reason="regulator demo", actor="bob")
    assert forced.forced and forced.event == "force"
    assert _aliases(store) == {"challenger": "5", "champion": "3", "previous-champion": "2"}

    back = rollback(client, MODEL, actor="carol", reason="forced model misbehaves")
    assert (back.from_version, back.to_version) == ("3", "2")
    assert _aliases(store) == {"challenger": "5", "champion": "2", "previous-champion": "3"}

    entries = read_ledger(client, MODEL)[5:]
    assert [(e.event, e.alias, e.from_version, e.to_version, e.forced) for e in entries] == [
        ("promote", "champion", None, "1", False),
        ("promote", "champion", "1", "2", False),
        ("force", "champion", "2", "3", True),
        ("rollback", "champion", "3", "2", False),
    ]
    assert entries[2].reason == "regulator demo" and entries[2].actor == "bob"
    assert entries[2].gates["failed"][0]["name"] == "auc_vs_champion"
    assert entries[2].moves == {"champion": ["2", "3"], "previous-champion": ["1", "2"]}
    assert entries[3].moves == {"champion": ["3", "2"], "previous-champion": ["2", "3"]}
    _agree(store)


def test_ledger_reads_with_plain_mlflow_calls(store: Store) -> None:
    import mlflow

    promote(store.client, MODEL, version="1", actor="alice")
    plain = mlflow.MlflowClient(store.uri, store.uri).get_registered_model(MODEL)
    keys = sorted(k for k in plain.tags if k.startswith("risk_models.ledger."))
    assert len(keys) == 6 and keys[-1].startswith("risk_models.ledger.000006.")
    last = json.loads(plain.tags[keys[-1]])
    assert last["event"] == "promote" and last["to"] == "1" and last["actor"] == "alice"
    assert last["time"].endswith("Z") and last["status"] == "done"
    assert plain.aliases["champion"] == 1


def test_logged_metrics_evidence_when_test_digests_match(store: Store) -> None:
    promote(store.client, MODEL, version="1")
    result = promote(store.client, MODEL, version="5")
    assert result.evidence == "logged_metrics"
    assert "same test rows (digest digest-a)" in result.evidence_detail


def test_unavailable_evidence_refuses_unless_forced(store: Store) -> None:
    promote(store.client, MODEL, version="1")
    with pytest.raises(
        PromotionRefused,
        match=r"auc_vs_champion = not evaluated \(needs >= 0\) \(champion comparison: candidate "
        r"run \w+ logged no evaluation/test_scores\.parquet; test digests differ \(candidate "
        r"digest-b, champion digest-a\)\)",
    ):
        promote(store.client, MODEL, version="4")
    result = promote(store.client, MODEL, version="4", force=True, reason="new data source")
    assert result.forced and result.evidence == "unavailable"


def test_test_rows_of_another_model_are_not_evidence(store: Store) -> None:
    promote(store.client, MODEL, version="1")
    v = add_version(store, BETTER, student="mixup", digest="digest-c", logged_logits_of=WORSE)
    with pytest.raises(
        PromotionRefused,
        match=r"champion comparison: the candidate's table does not reproduce its logged test "
        r"logits \(max diff \d.*\): the test rows belong to another model; test digests differ",
    ):
        promote(store.client, MODEL, version=v)


def test_policy_argument_and_candidate_tag(store: Store) -> None:
    promote(store.client, MODEL, version="2")
    lenient = [GateRule("auc_vs_champion", ">=", -0.5)]
    assert promote(store.client, MODEL, version="3", policy=lenient).to_version == "3"
    store.client.set_model_version_tag(
        MODEL, "1", "risk_models.champion_gates", json.dumps({"ks_vs_champion": {"min": -1.0}})
    )
    result = promote(store.client, MODEL, version="1")
    assert [c["name"] for c in result.checks] == ["auc", "ks_vs_champion"]


def test_version_without_gate_report_is_refused(store: Store) -> None:
    uri = add_version(store, GOOD, student="manual", register=False)
    mv = store.client.create_model_version(MODEL, source=uri)
    with pytest.raises(
        PromotionRefused, match=r"gate_report = not evaluated .*not registered through the gates"
    ):
        promote(store.client, MODEL, version=mv.version)


def test_refusals_name_what_is_wrong(store: Store) -> None:
    with pytest.raises(RegistryError, match=r"has no 'previous-champion' alias"):
        rollback(store.client, MODEL)
    with pytest.raises(RegistryError, match=r"has no version 99"):
        promote(store.client, MODEL, version="99")
    with pytest.raises(RegistryError, match=r"has no alias 'staging'"):
        promote(store.client, MODEL, alias="staging")
    with pytest.raises(RegistryError, match=r"registered model 'nope' not found at 'sqlite:"):
        promote(store.client, "nope")
    promote(store.client, MODEL)  # the challenger, v5
    with pytest.raises(RegistryError, match=r"credit-student v5 is already 'champion'"):
        promote(store.client, MODEL, version="5")


def _pending(store: Store, time: str, to_version: str) -> None:
    """A ``pending`` ledger entry at sequence 6, as a writer that is (or was) mid-move leaves."""
    from risk_models.registry.ledger import LedgerEntry

    entry = LedgerEntry(
        seq=6,
        token="abcdef012345",
        time=time,
        actor="someone",
        event="promote",
        alias="champion",
        from_version=None,
        to_version=to_version,
        moves={"champion": [None, to_version]},
    )
    store.client.set_registered_model_tag(MODEL, entry.key, entry.to_tag_value())


def test_a_move_in_progress_blocks_another(store: Store) -> None:
    from risk_models.registry.ledger import utc_now

    _pending(store, utc_now(), "3")
    with pytest.raises(
        ConcurrentPromotionError,
        match=r"promote of 'credit-student' champion -> v1: another move is in progress "
        r"\(ledger entry 000006 \(promote champion -> v3 by someone at .*, pending\)\); nothing "
        r"was changed",
    ):
        promote(store.client, MODEL, version="1")
    assert "champion" not in _aliases(store)


def test_a_stale_pending_move_is_resolved_first(store: Store) -> None:
    _pending(store, "2020-01-01T00:00:00.000Z", "2")
    result = promote(store.client, MODEL, version="1")
    statuses = {e.seq: e.status for e in read_ledger(store.client, MODEL)}
    assert statuses[6] == "aborted" and result.entry.seq == 7
    _agree(store)
