"""End to end on synthetic data against a real (temporary, SQLite) MLflow store."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from risk_models.config import MlflowConfig, parse_pipeline_config
from risk_models.pipeline import run_pipeline

REPO = Path(__file__).resolve().parents[1]
FAST_TEACHER = {"n_estimators": 300, "learning_rate": 0.1, "early_stopping_rounds": 30}


def small_config(n_rows: int = 4000) -> dict:
    raw = yaml.safe_load((REPO / "pipelines" / "credit.yaml").read_text())
    raw["data"]["synthetic"]["n_rows"] = n_rows
    lgbm = next(t for t in raw["teachers"] if t["name"] == "lgbm")
    lgbm["params"].update(FAST_TEACHER)
    xgb = {"name": "xgb", "kind": "xgboost", "seed": 0, "params": dict(FAST_TEACHER)}
    raw["teachers"] = [lgbm, xgb]
    raw["ensemble"]["cv_folds"] = 3
    raw["distill"]["n_folds"] = 2
    raw["distill"]["transfer"]["n_rows"] = 1000
    raw["students"][0]["params"].update({"n_estimators": 500, "learning_rate": 0.2})
    raw["registry"]["model_name"] = "test-credit-student"
    return raw


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    cfg = parse_pipeline_config(small_config())
    mcfg = MlflowConfig(
        tracking_uri=uri, experiment="e2e", artifact_location=str(tmp / "artifacts")
    )
    messages: list[tuple[str, str]] = []
    result = run_pipeline(cfg, mcfg, tmp / "out", progress=lambda s, m: messages.append((s, m)))
    return result, uri, cfg, messages, tmp


@pytest.mark.slow
def test_summary_holds_metrics_fidelity_and_model(finished_run) -> None:
    result, _, cfg, messages, _tmp = finished_run
    summary = json.loads(result.summary_path.read_text())
    assert summary == result.summary
    assert summary["config_hash"] == cfg.config_hash()
    for name in ("xgb", "lgbm", "ensemble", "ensemble_uncalibrated"):
        assert 0.6 < summary["teachers"][name]["auc"] <= 1.0
    gam = summary["students"]["gam"]
    assert 0.6 < gam["test"]["auc"] <= 1.0
    assert {"auc_gap", "logit_correlation", "agreement"} <= set(gam["fidelity"])
    registered = {n: st["version"] for n, st in summary["students"].items() if st["version"]}
    assert list(registered.values()) == ["1"]  # best_passing: one version, the best on valid
    (best,) = registered
    passing = [n for n, st in summary["students"].items() if st["gates"]["passed"]]
    assert best == max(passing, key=lambda n: summary["students"][n]["valid"]["auc"])
    for name, st in summary["students"].items():
        if name != best:
            assert st["version"] is None and st["registered_model"] is None
            assert st["not_registered_because"].startswith(("failed gates", "passed, not chosen"))
            assert st["model_uri"].startswith("models:/")
    assert gam["table_vs_trainer_max_abs_diff"] <= 1e-6
    assert Path(gam["model_file"]).is_file()
    assert [s for s, _ in messages][:2] == ["data", "data"]
    assert {s for s, _ in messages} == {
        "data",
        "teachers",
        "soft_labels",
        "students",
        "evaluation",
        "gates",
        "register",
        "report",
    }


@pytest.mark.slow
def test_mlflow_has_parent_child_runs_with_lineage(finished_run) -> None:
    import mlflow

    result, uri, cfg, _, _ = finished_run
    client = mlflow.MlflowClient(tracking_uri=uri)
    parent = client.get_run(result.run_id)
    assert parent.data.tags["risk_models.config_hash"] == cfg.config_hash()
    assert "risk_models.git_commit" in parent.data.tags
    assert parent.data.tags["risk_models.version.xgboost"] != "not installed"
    children = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{result.run_id}'"
    )
    names = {r.info.run_name for r in children}
    students = {f"students.{s['name']}" for s in small_config()["students"]}
    assert names == {"data", "teachers", "soft_labels", "gates"} | students
    teachers_run = next(r for r in children if r.info.run_name == "teachers")
    members = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{teachers_run.info.run_id}'"
    )
    assert {r.info.run_name for r in members} == {"teachers.xgb", "teachers.lgbm"}
    for r in members:
        assert r.data.metrics["test.auc"] > 0.6
        assert r.data.tags["risk_models.device"] == "cpu"
        assert client.list_artifacts(r.info.run_id)
    data_run = next(r for r in children if r.info.run_name == "data")
    inputs = {d.dataset.name: d.dataset for d in data_run.inputs.dataset_inputs}
    assert set(inputs) == {"train", "valid", "test"}
    summary = result.summary
    for name, ds in inputs.items():
        assert ds.digest == summary["data"]["splits"][name]["mlflow_digest"]
        assert (
            data_run.data.tags[f"risk_models.digest.{name}"]
            == (summary["data"]["splits"][name]["content_digest"])
        )
    soft_run = next(r for r in children if r.info.run_name == "soft_labels")
    names = sorted(d.dataset.name for d in soft_run.inputs.dataset_inputs)
    assert names == ["soft_labels", "transfer_set"]


@pytest.mark.slow
def test_registered_version_traces_to_teachers_and_scores_like_the_table(finished_run) -> None:
    import mlflow

    from risk_models.data import make_credit_book
    from risk_models.students.shape_table import ShapeTable

    result, uri, cfg, _, _ = finished_run
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    mv = client.get_model_version(cfg.registry.model_name, "1")
    best = mv.tags["risk_models.student"]
    assert result.summary["students"][best]["version"] == "1"
    assert (
        str(client.get_model_version_by_alias(cfg.registry.model_name, "challenger").version) == "1"
    )
    teacher_ids = result.summary["mlflow"]["teacher_run_ids"]
    for name, run_id in teacher_ids.items():
        assert mv.tags[f"risk_models.teacher_run_id.{name}"] == run_id
        assert client.get_run(run_id).info.status == "FINISHED"
    assert mv.tags["risk_models.parent_run_id"] == result.run_id
    assert (
        mv.tags["risk_models.digest.train"]
        == (result.summary["data"]["splits"]["train"]["content_digest"])
    )
    assert mv.tags["risk_models.gates_passed"] in ("true", "false")

    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(f"models:/{cfg.registry.model_name}/1")
    frame = make_credit_book(n_rows=200, seed=99).frame
    features = list(model.metadata.get_input_schema().input_names())
    got = model.predict(frame[features])  # raw integer columns pass the signature as they are
    table = ShapeTable.load(result.summary["students"][best]["model_file"])
    assert isinstance(got, pd.DataFrame) and len(got) == len(frame)
    np.testing.assert_allclose(
        got["probability"].to_numpy(), table.predict_proba(frame)[:, 1], rtol=0, atol=1e-12
    )


@pytest.mark.slow
def test_torch_member_transfer_set_and_calibration_are_traced(tmp_path) -> None:
    import mlflow

    raw = small_config(n_rows=2500)
    raw["teachers"].append(
        {
            "name": "mlp",
            "kind": "torch_mlp",
            "seed": 2,
            "params": {"hidden_sizes": [32], "max_epochs": 5, "patience": 2},
        }
    )
    raw["ensemble"]["cv_folds"] = 0  # members fitted once; soft labels by out-of-fold refits
    raw["distill"]["transfer"] = {"n_rows": 800, "seed": 4}
    raw["distill"]["alpha"] = 0.2
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    cfg = parse_pipeline_config(raw)
    mcfg = MlflowConfig(tracking_uri=uri, experiment="e2e-transfer")
    result = run_pipeline(cfg, mcfg, tmp_path / "out")
    s = result.summary
    assert {"xgb", "lgbm", "mlp", "ensemble", "ensemble_uncalibrated"} <= set(s["teachers"])
    assert s["students"]["gam"]["n_transfer_rows"] == 800
    assert (tmp_path / "out" / "teachers" / "mlp" / "state_dict.pt").is_file()
    client = mlflow.MlflowClient(tracking_uri=uri)
    soft_run = client.get_run(
        client.get_model_version(cfg.registry.model_name, "1").tags[
            "risk_models.soft_labels_run_id"
        ]
    )
    names = sorted(d.dataset.name for d in soft_run.inputs.dataset_inputs)
    assert names == ["soft_labels", "transfer_set"]
    assert soft_run.data.params["alpha"] == "0.2"
    teachers_run = client.get_run(s["mlflow"]["teacher_run_ids"]["ensemble"])
    artifacts = {a.path for a in client.list_artifacts(teachers_run.info.run_id)}
    assert {"reliability_calibrated.json", "reliability_uncalibrated.json"} <= artifacts
    assert "test.ensemble_uncalibrated.ece" in teachers_run.data.metrics


@pytest.mark.slow
def test_student_run_logs_reason_codes_and_compression(finished_run) -> None:
    import mlflow

    result, uri, _, _, tmp = finished_run
    summary = json.loads(result.summary_path.read_text())
    gam = summary["students"]["gam"]
    assert gam["compression_ratio"] > 1
    assert gam["compression_ratio"] == pytest.approx(
        gam["teacher_size_bytes"] / gam["student_size_bytes"]
    )
    assert gam["student_n_cells"] == gam["n_cells"]
    assert gam["teacher_seconds_per_1k_rows"] > 0 and gam["latency_rows"] > 0
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(gam["run_id"])
    assert run.data.metrics["compression.compression_ratio"] == pytest.approx(
        gam["compression_ratio"]
    )
    explain = {a.path for a in client.list_artifacts(gam["run_id"], "explain")}
    assert {"explain/reasons_sample.csv", "explain/reason_catalogue.csv"} <= explain
    local = client.download_artifacts(gam["run_id"], "explain/reasons_sample.csv", str(tmp))
    sample = pd.read_csv(local)
    assert len(sample) == 200
    assert {"probability", "logit", "reason_1", "reason_4_points"} <= set(sample)


def test_until_stops_after_the_named_step(tmp_path) -> None:
    import mlflow

    from tests.steps.conftest import tiny_raw

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    cfg = parse_pipeline_config(tiny_raw())
    mcfg = MlflowConfig(tracking_uri=uri, experiment="until", artifact_location=str(tmp_path))
    result = run_pipeline(cfg, mcfg, tmp_path / "out", until="teachers")
    summary = json.loads(result.summary_path.read_text())
    assert summary["until"] == "teachers"
    assert set(summary["teachers"]) == {"xgb", "lgbm", "ensemble", "ensemble_uncalibrated"}
    assert "students" not in summary
    client = mlflow.MlflowClient(tracking_uri=uri)
    parent = client.get_run(result.run_id)
    assert parent.info.status == "FINISHED"
    children = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{result.run_id}'"
    )
    assert {r.info.run_name for r in children} == {"data", "teachers"}


def test_an_unknown_until_step_is_refused_with_the_step_names() -> None:
    from risk_models.errors import ConfigError
    from risk_models.pipeline import STEP_NAMES, steps_until

    assert STEP_NAMES == (
        "data",
        "teachers",
        "soft_labels",
        "students",
        "evaluation",
        "gates",
        "register",
    )
    assert [s.name for s in steps_until("soft_labels")] == ["data", "teachers", "soft_labels"]
    with pytest.raises(ConfigError, match=r"unknown step 'fit'; use one of \['data', "):
        steps_until("fit")


def test_cli_until_refuses_an_unknown_step_before_anything_runs(tmp_path) -> None:
    from click.testing import CliRunner

    from risk_models.cli import main

    out = CliRunner().invoke(
        main,
        [
            "run",
            str(REPO / "pipelines" / "credit.yaml"),
            "--until",
            "fit",
            "--output-dir",
            str(tmp_path / "out"),
        ],
    )
    assert out.exit_code == 2
    assert "unknown step 'fit'" in out.output
    assert not (tmp_path / "out").exists()


def test_a_refused_file_leaves_no_run_and_no_folder(tmp_path) -> None:
    from risk_models.errors import DataValidationError
    from tests.steps.conftest import tiny_raw

    book = tmp_path / "book.csv"
    book.write_text("x,bad\n1,0\n2,1\n3,7\n")
    raw = tiny_raw()
    raw["data"] = {"path": str(book), "target": "bad"}
    db = tmp_path / "store" / "mlflow.db"
    mcfg = MlflowConfig(tracking_uri=f"sqlite:///{db}", experiment="refused")
    with pytest.raises(DataValidationError, match="bad"):
        run_pipeline(parse_pipeline_config(raw), mcfg, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not db.exists()


def test_a_failure_after_the_checks_marks_every_run_failed(tmp_path, monkeypatch) -> None:
    import mlflow

    import risk_models.steps.students as students_step
    from tests.steps.conftest import tiny_raw

    def broken(*args, **kwargs):
        raise RuntimeError("student exploded")

    monkeypatch.setattr(students_step, "fit_student", broken)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mcfg = MlflowConfig(tracking_uri=uri, experiment="fails", artifact_location=str(tmp_path))
    with pytest.raises(RuntimeError, match="student exploded"):
        run_pipeline(parse_pipeline_config(tiny_raw()), mcfg, tmp_path / "out")
    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("fails")
    runs = client.search_runs([exp.experiment_id])
    parent = next(r for r in runs if r.info.run_name == "run.tiny")
    assert parent.info.status == "FAILED"
    assert parent.data.tags["risk_models.error"] == "RuntimeError: student exploded"
    assert {r.info.status for r in runs} <= {"FINISHED", "FAILED"}
