"""The report's data, rebuilt from MLflow alone."""

from __future__ import annotations

import json
import re

import pytest

from risk_models.errors import RiskModelsError, TrackingError
from risk_models.reports import build_audit_report
from tests.reports.fake_run import HOSTILE, MODEL_NAME, FakeRun

SECTIONS = {
    "format",
    "version",
    "meta",
    "purpose",
    "data",
    "lineage",
    "teachers",
    "students",
    "evaluation",
    "versions",
    "consistency",
    "limitations",
}


def _client(run: FakeRun):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=run.uri, registry_uri=run.uri)


def test_report_has_every_section_and_is_strict_json(report_dict: dict) -> None:
    assert set(report_dict) == SECTIONS
    json.dumps(report_dict, allow_nan=False)
    assert report_dict["format"] == "risk_models.audit_report"


def test_numbers_equal_summary_json(report_dict: dict, fake_run: FakeRun) -> None:
    consistency = report_dict["consistency"]
    assert consistency["mismatches"] == []
    assert consistency["checked"] == 3 * 7  # teacher + 2 students x 7 metrics
    gam = report_dict["students"]["gam"]
    assert gam["test"] == fake_run.summary["students"]["gam"]["test"]
    assert report_dict["evaluation"] == fake_run.evaluation.to_dict()


def test_lineage_links_datasets_teachers_soft_labels_students_and_versions(report_dict) -> None:
    graph = report_dict["lineage"]
    kinds = {n["id"]: n["kind"] for n in graph["nodes"]}
    assert sorted(k for k in kinds.values() if k == "dataset") == ["dataset"] * 3
    by_kind = {}
    for a, b in graph["edges"]:
        by_kind.setdefault((kinds[a], kinds[b]), 0)
        by_kind[(kinds[a], kinds[b])] += 1
    assert by_kind == {
        ("dataset", "teacher"): 2,  # train and valid -> the member
        ("teacher", "ensemble"): 1,
        ("ensemble", "soft_labels"): 1,
        ("soft_labels", "student"): 2,
        ("student", "version"): 2,
    }
    versions = [n["label"] for n in graph["nodes"] if n["kind"] == "version"]
    assert versions == [f"{MODEL_NAME} v1", f"{MODEL_NAME} v2"]


def test_students_carry_gates_compression_reasons_and_versions(report_dict) -> None:
    gam, tree = report_dict["students"]["gam"], report_dict["students"]["tree"]
    assert gam["gates"]["passed"] is True and tree["gates"]["passed"] is False
    assert gam["version"] == "1" and gam["registered_model"] == MODEL_NAME
    assert gam["aliases"] == ["challenger"] and tree["aliases"] == []
    assert gam["compression"]["compression_ratio"] == 40.0
    assert gam["reason_examples"][0]["reason_1"] == f"RC-{HOSTILE}"
    assert len(gam["reason_examples"]) == 5
    assert report_dict["teachers"]["members"][0]["name"] == "gam_teacher"


def test_limitations_state_this_runs_weaknesses(report_dict) -> None:
    notes = report_dict["limitations"]
    assert any(n.startswith("The split is random") for n in notes)
    assert (
        "Student 'tree' fails its gate(s) ['auc_gap', 'logit_correlation']; it must not be "
        "promoted." in notes
    )
    assert not any("gam' fails" in n for n in notes)


def test_unknown_run_and_missing_artifacts_are_named(fake_run: FakeRun) -> None:
    client = _client(fake_run)
    with pytest.raises(TrackingError, match=re.escape("run 'nope' not found at tracking URI")):
        build_audit_report("nope", client=client)
    exp = client.get_run(fake_run.run_id).info.experiment_id
    bare = client.create_run(exp).info.run_id
    client.log_dict(bare, {"name": "x"}, "config.json")
    with pytest.raises(
        TrackingError,
        match=re.escape(
            f"run {bare}: artifact(s) ['summary.json', 'evaluation/evaluation.json'] not found"
        ),
    ) as err:
        build_audit_report(bare, client=client)
    assert isinstance(err.value, RiskModelsError) and isinstance(err.value, RuntimeError)
