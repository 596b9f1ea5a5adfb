"""lineage(): the chain a pipeline run leaves (built here run by run, as the steps log it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from risk_models.errors import RegistryError
from risk_models.registry import lineage, promote, register_version, render_lineage
from tests.registry.conftest import (
    GOOD,
    MODEL,
    Store,
    add_version,
    book_rows,
    open_store,
    passing_report,
)


def _pipeline_version(store: Store) -> dict[str, Any]:
    """Runs ``run.tiny`` > data / teachers > teachers.xgb / soft_labels / students.gam, and v1."""
    import mlflow

    from risk_models.tracking.mlflow_model import log_student_model
    from risk_models.tracking.runs import (
        end_run,
        log_frame_input,
        log_metrics,
        log_params,
        start_run,
    )

    c, exp = store.client, store.experiment_id
    X, y = book_rows(0)
    frame = X.assign(default_12m=y)
    parent = start_run(c, exp, "run.tiny", tags={"risk_models.config_hash": "cfg0123456789"})
    data = start_run(c, exp, "data", parent_run_id=parent)
    digests = {}
    for name, part in (("train", frame[:300]), ("valid", frame[300:450]), ("test", frame[450:])):
        info = log_frame_input(
            c, data, part, name=name, context=name, source="synthetic:credit", targets="default_12m"
        )
        digests[name] = info["content_digest"]
    ensemble = start_run(c, exp, "teachers", parent_run_id=parent)
    log_metrics(c, ensemble, "test.ensemble", {"auc": 0.83})
    member = start_run(c, exp, "teachers.xgb", parent_run_id=ensemble)
    log_params(c, member, {"kind": "xgboost"})
    log_metrics(c, member, "test", {"auc": 0.82})
    soft = start_run(c, exp, "soft_labels", parent_run_id=parent)
    transfer = log_frame_input(
        c, soft, X[:200], name="transfer_set", context="transfer_set", source="munge", targets=None
    )
    digests["transfer_set"] = transfer["content_digest"]
    student = start_run(c, exp, "students.gam", parent_run_id=parent)
    log_params(c, student, {"kind": "gam", "n_estimators": 80})
    log_metrics(c, student, "test", {"auc": 0.81})
    with mlflow.start_run(run_id=student):
        model = log_student_model(GOOD, name="model", input_example=X)
    for run in (data, member, ensemble, soft, student, parent):
        end_run(c, run)
    tags = {
        "risk_models.student": "gam",
        "risk_models.student_kind": "gam",
        "risk_models.parent_run_id": parent,
        "risk_models.soft_labels_run_id": soft,
        "risk_models.config_hash": "cfg0123456789",
        "risk_models.teacher_run_id.xgb": member,
        "risk_models.teacher_run_id.ensemble": ensemble,
        **{f"risk_models.digest.{k}": v for k, v in digests.items()},
    }
    version = register_version(
        c,
        MODEL,
        model.model_uri,
        run_id=student,
        tags=tags,
        gate_report=passing_report("gam"),
        actor="pipeline",
    )
    promote(c, MODEL, version=version, actor="alice")
    return {"version": version, "parent": parent, "member": member, "student": student, **digests}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, Any]]:
    import mlflow

    root = tmp_path_factory.mktemp("lineage")
    before = mlflow.get_tracking_uri()
    store = open_store(root, root / "lineage.db")
    try:
        facts = _pipeline_version(store)
        facts["bare"] = add_version(store, GOOD, student="bare")
    finally:
        mlflow.set_tracking_uri(before)
    return store, facts


def test_the_chain_from_datasets_to_aliases(chain: tuple[Store, dict[str, Any]]) -> None:
    store, facts = chain
    lin = lineage(store.client, f"models:/{MODEL}@champion")
    assert (lin.version, lin.student_kind, lin.config_hash) == ("1", "gam", "cfg0123456789")
    by_name = {d.name: d for d in lin.datasets}
    assert sorted(by_name) == ["test", "train", "transfer_set", "valid"]
    assert (by_name["train"].rows, by_name["test"].rows, by_name["transfer_set"].rows) == (
        300,
        150,
        200,
    )
    assert (
        by_name["train"].digest == facts["train"] and by_name["transfer_set"].run == "soft_labels"
    )
    assert [(t.name, t.params["kind"], t.metrics["test.auc"]) for t in lin.teachers] == [
        ("teachers.xgb", "xgboost", 0.82)
    ]
    assert lin.ensemble is not None and lin.ensemble.metrics["test.ensemble.auc"] == 0.83
    assert lin.student is not None and lin.student.run_id == facts["student"]
    assert lin.student.params["n_estimators"] == "80"
    assert lin.parent is not None and lin.parent.run_id == facts["parent"]
    assert lin.aliases == ("champion",) and lin.model_aliases["challenger"] == "2"
    assert [(e.event, e.alias, e.to_version) for e in lin.ledger] == [
        ("register", "challenger", "1"),
        ("promote", "champion", "1"),
        ("register", "challenger", "2"),
    ]
    assert lin.missing == ()
    doc = json.loads(json.dumps(lin.to_dict()))
    assert doc["ledger"][1]["actor"] == "alice" and doc["datasets"][0]["rows"] == 300
    assert lineage(store.client, f"models:/{MODEL}/1") == lin.__class__(
        **{**lin.__dict__, "uri": f"models:/{MODEL}/1"}
    )


def test_renderings(chain: tuple[Store, dict[str, Any]]) -> None:
    store, facts = chain
    lin = lineage(store.client, f"models:/{MODEL}@champion")
    text = render_lineage(lin)
    assert text.startswith(
        f"models:/{MODEL}@champion = {MODEL} v1 (gam, gates passed, config cfg012345678)"
    )
    assert f"  train          digest {facts['train']}  300 rows     (data run)" in text
    assert "  xgb            run " in text and "test.auc 0.8200" in text
    assert "aliases now      champion   (model: challenger=v2, champion=v1)" in text
    assert " promote  champion v- -> v1 by alice" in text
    dot = render_lineage(lin, "dot")
    member, student = facts["member"], facts["student"]
    assert dot.startswith("digraph lineage {") and f"ds_data_train -> run_{member};" in dot
    assert f"run_{student} -> version_1;" in dot and "version_1 -> alias_champion;" in dot
    assert f'run_{student} [label="student gam\\ngam"];' in dot
    mermaid = render_lineage(lin, "mermaid")
    assert mermaid.startswith("flowchart LR") and f"ds_data_test --> run_{student}" in mermaid
    assert 'version_1["credit-student v1"]' in mermaid
    with pytest.raises(ValueError, match=r"unknown lineage format 'svg'"):
        render_lineage(lin, "svg")


def test_a_version_without_lineage_tags_says_what_is_missing(
    chain: tuple[Store, dict[str, Any]],
) -> None:
    store, facts = chain
    lin = lineage(store.client, f"models:/{MODEL}/{facts['bare']}")
    assert lin.datasets == () and lin.teachers == () and lin.student is not None
    assert lin.missing == ("no risk_models.parent_run_id tag: datasets cannot be traced",)
    assert "missing          no risk_models.parent_run_id tag" in render_lineage(lin)


@pytest.mark.parametrize("uri", ["models:/credit-student", "runs:/abc/model", "models:/a/b/c"])
def test_a_malformed_uri_is_refused(uri: str, tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"expected models:/NAME@ALIAS or models:/NAME/VERSION"):
        lineage(None, uri)
