"""Each step's ``log`` function against a temporary SQLite store, on results computed once."""

from __future__ import annotations

import pytest

from risk_models.config import MlflowConfig, parse_pipeline_config
from risk_models.pipeline import STEPS, run_steps
from risk_models.steps.base import LogContext, Reporter
from risk_models.tracking.runs import configure_mlflow, start_run
from tests.steps.conftest import tiny_raw


@pytest.fixture(scope="module")
def logged_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("steplog")
    cfg = parse_pipeline_config(tiny_raw())
    mcfg = MlflowConfig(
        tracking_uri=f"sqlite:///{tmp / 'm.db'}", experiment="steps", artifact_location=str(tmp)
    )
    client, exp_id = configure_mlflow(mcfg)
    parent = start_run(client, exp_id, "run.tiny")
    ctx = LogContext(client, exp_id, parent, tmp / "out", cfg.config_hash())
    state, logged = run_steps(cfg, STEPS, Reporter(), ctx)
    return cfg, client, parent, state, logged


def test_every_step_logs_one_child_run_named_after_it(logged_run) -> None:
    _, client, parent, _, logged = logged_run
    assert list(logged) == [
        "data",
        "teachers",
        "soft_labels",
        "students",
        "evaluation",
        "gates",
        "register",
    ]
    assert logged["evaluation"].run_id == parent  # evaluation.json sits on the parent run
    paths = [f.path for f in client.list_artifacts(parent, "evaluation")]
    assert paths == ["evaluation/evaluation.json"]
    for name in ("data", "teachers", "soft_labels", "gates"):
        run = client.get_run(logged[name].run_id)
        assert run.info.run_name == name
        assert run.data.tags["mlflow.parentRunId"] == parent
        assert run.info.status == "FINISHED"
    for student, run_id in logged["students"].children.items():
        assert client.get_run(run_id).info.run_name == f"students.{student}"


def test_data_log_records_each_split_with_the_computed_digest(logged_run) -> None:
    _, client, _, state, logged = logged_run
    run = client.get_run(logged["data"].run_id)
    assert {d.dataset.name for d in run.inputs.dataset_inputs} == {"train", "valid", "test"}
    for name, digest in state.data.digests.items():
        assert run.data.tags[f"risk_models.digest.{name}"] == digest
        assert logged["data"].info["splits"][name]["content_digest"] == digest


def test_teacher_members_are_children_of_the_teachers_run(logged_run) -> None:
    _, client, _, state, logged = logged_run
    t = logged["teachers"]
    assert set(t.children) == {"xgb", "lgbm"}
    for name, run_id in t.children.items():
        run = client.get_run(run_id)
        assert run.data.tags["mlflow.parentRunId"] == t.run_id
        assert run.data.metrics["test.auc"] == state.teachers.metrics[name]["auc"]
    ens = client.get_run(t.run_id).data.metrics
    assert ens["test.ensemble.auc"] == state.teachers.metrics["ensemble"]["auc"]


def test_only_chosen_passing_students_become_versions_with_lineage(logged_run) -> None:
    cfg, client, parent, state, logged = logged_run
    teachers = logged["teachers"]
    versions = logged["register"].info["versions"]
    assert tuple(versions) == state.register.chosen
    for name, version in versions.items():
        mv = client.get_model_version(cfg.registry.model_name, version)
        assert mv.tags["risk_models.student"] == name
        assert mv.tags["risk_models.parent_run_id"] == parent
        assert mv.tags["risk_models.teacher_run_id.ensemble"] == teachers.run_id
        assert mv.tags["risk_models.digest.train"] == state.data.digests["train"]
        assert "risk_models.digest.transfer_set" in mv.tags
        assert mv.tags["risk_models.gates_passed"] == "true"
    registered = client.search_model_versions(f"name = '{cfg.registry.model_name}'")
    assert len(registered) == len(versions)
    for name, fit in state.students.by_name().items():
        run = client.get_run(logged["students"].children[name])
        assert run.data.metrics["test.auc"] == fit.metrics["auc"]
        assert run.data.metrics["valid.auc"] == fit.valid_metrics["auc"]
        passed = state.gates.by_student()[name].passed
        assert run.data.tags["risk_models.gates_passed"] == str(passed).lower()
        paths = {f.path for f in client.list_artifacts(run.info.run_id, "explain")}
        assert "explain/reasons_sample.csv" in paths
