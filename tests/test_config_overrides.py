"""Command-line column roles on top of a config, ``--quick``, and which mlflow.yaml is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from risk_models.config import find_mlflow_config, load_run_config, parse_pipeline_config
from risk_models.config_overrides import DataOverrides, parse_monotone_flags
from risk_models.data import CREDIT_SPEC
from risk_models.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
CREDIT = REPO / "pipelines" / "credit.yaml"
#: The synthetic credit book's columns (what `riskdistill data synth credit` writes).
BOOK = ["application_id", "application_date", *CREDIT_SPEC.features, "default_12m"]


def test_data_keeps_the_config_roles_for_the_columns_the_file_has() -> None:
    columns = [c for c in BOOK if c not in ("application_date", "income")]
    cfg, notes = load_run_config(CREDIT, DataOverrides(path="own.parquet"), columns)
    d = cfg.data
    assert d.path == "own.parquet" and d.synthetic is None
    assert (d.target, d.id_column, d.time_column) == ("default_12m", "application_id", None)
    assert d.categorical == ("employment_type", "region")
    assert "income" not in d.monotone and d.monotone["utilisation"] == 1
    assert notes == [
        "data.time_column 'application_date' dropped: own.parquet has no such column",
        "data.monotone ['income'] dropped: own.parquet has no such column(s)",
    ]


def test_flags_replace_extend_and_win_over_the_config() -> None:
    columns = [*BOOK, "branch", "memo"]
    overrides = DataOverrides(
        path="own.csv",
        id_column="application_id",
        time_column="application_date",
        segment_column="region",  # leaves the config's categorical list
        categorical=("n_inquiries",),
        exclude=("memo",),
        monotone={"age": 1, "income": 1},
        positive_label="1",
    )
    cfg, notes = load_run_config(CREDIT, overrides, columns)
    d = cfg.data
    assert notes == ["data.monotone ['n_inquiries'] dropped: declared by --categorical"]
    assert (d.id_column, d.time_column, d.segment_column) == (
        "application_id",
        "application_date",
        "region",
    )
    assert d.categorical == ("employment_type", "n_inquiries")
    assert d.exclude == ("memo",)
    assert d.monotone["age"] == 1 and d.monotone["income"] == 1  # flag changed the config's -1
    assert d.positive_label == "1"


def test_a_flag_naming_a_column_the_file_lacks_is_refused() -> None:
    overrides = DataOverrides(path="own.csv", monotone={"incme": -1}, id_column="app_id")
    with pytest.raises(ConfigError) as info:
        load_run_config(CREDIT, overrides, BOOK)
    shown = str(BOOK)
    assert info.value.problems == [
        f"--id-column 'app_id': not a column of own.csv; its columns: {shown}",
        f"--monotone 'incme': not a column of own.csv; its columns: {shown}",
    ]


def test_without_the_file_columns_every_config_role_is_dropped() -> None:
    cfg, notes = load_run_config(CREDIT, {"path": "f.parquet", "target": "bad"})
    assert cfg.data.monotone == {} and cfg.data.id_column is None and cfg.data.categorical == ()
    assert notes == [
        "data: the config's id_column, time_column, categorical, monotone dropped for f.parquet"
    ]


def test_monotone_flags_are_parsed_and_checked() -> None:
    assert parse_monotone_flags(["income=-1", "dti=+1", "x y=1"]) == {
        "income": -1,
        "dti": 1,
        "x y": 1,
    }
    with pytest.raises(ConfigError) as info:
        parse_monotone_flags(["income", "dti=2"])
    assert info.value.problems == [
        "--monotone 'income': write COLUMN=+1 (risk rises with the value) or COLUMN=-1 "
        "(risk falls)",
        "--monotone 'dti=2': write COLUMN=+1 (risk rises with the value) or COLUMN=-1 (risk falls)",
    ]


def test_yaml_data_section_names_path_and_every_role() -> None:
    raw = yaml.safe_load(CREDIT.read_text())
    raw["data"] = {
        "path": "book.parquet",
        "target": "bad",
        "positive_label": "yes",
        "id_column": "loan_id",
        "time_column": "opened",
        "segment_column": "branch",
        "categorical": ["region"],
        "exclude": ["memo"],
        "monotone": {"income": -1},
    }
    d = parse_pipeline_config(raw, "book.yaml").data
    assert (d.segment_column, d.exclude) == ("branch", ("memo",))
    raw["data"] = {"synthetic": {"kind": "credit"}, "target": "default_12m", "exclude": ["ag"]}
    with pytest.raises(ConfigError, match=re.escape("data.exclude[0]: 'ag' is not a column of")):
        parse_pipeline_config(raw, "book.yaml")


def test_quick_shrinks_the_job() -> None:
    cfg, notes = load_run_config(CREDIT, DataOverrides(quick=True))
    assert cfg.data.synthetic is not None and cfg.data.synthetic.n_rows == 3000
    assert cfg.ensemble.cv_folds == 3 and cfg.distill.transfer.n_rows == 0
    assert cfg.distill.n_folds <= 3
    assert notes == [
        "--quick: synthetic book of 3000 rows",
        "--quick: at most 3 cross-fitting folds, no transfer set",
    ]
    full, _ = load_run_config(CREDIT)
    assert full.config_hash() != cfg.config_hash()


def test_mlflow_yaml_found_here_beside_the_repository_or_defaults(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    found, note = find_mlflow_config(CREDIT)
    assert found == REPO / "mlflow.yaml"
    assert note.startswith(f"MLflow settings from {REPO / 'mlflow.yaml'} (no mlflow.yaml in")
    (tmp_path / "mlflow.yaml").write_text("experiment: mine\n")
    found, note = find_mlflow_config(CREDIT)
    assert (
        found == Path("mlflow.yaml") and note == f"MLflow settings from {tmp_path / 'mlflow.yaml'}"
    )
    (tmp_path / "mlflow.yaml").unlink()
    alone = tmp_path / "a" / "b" / "p.yaml"
    alone.parent.mkdir(parents=True)
    alone.write_text("name: x\n")
    assert find_mlflow_config(alone) == (
        None,
        "no mlflow.yaml in the working directory or beside the pipeline config's repository: "
        "MLflow defaults (store sqlite:///mlflow.db in the working directory)",
    )


FRAUD = REPO / "pipelines" / "fraud.yaml"


def test_quick_fraud_stream_is_large_enough_for_frauds_in_valid_and_test() -> None:
    from risk_models.config_overrides import QUICK_FRAUD_ROWS
    from risk_models.steps.data import compute_data

    cfg, notes = load_run_config(FRAUD, DataOverrides(quick=True))
    assert cfg.data.synthetic is not None and cfg.data.synthetic.n_rows == QUICK_FRAUD_ROWS
    assert notes[0] == f"--quick: synthetic fraud stream of {QUICK_FRAUD_ROWS} rows"
    splits = compute_data(cfg).splits
    assert splits.method == "out_of_time" and cfg.fold_order() == "time"
    assert splits.valid.y.sum() >= 30 and splits.test.y.sum() >= 30


def test_amount_column_follows_the_file_and_the_flag() -> None:
    claims = ["policy_number", "incident_date", "total_claim_amount", "fraud_reported", "age"]
    roles = {"target": "fraud_reported", "positive_label": "Y"}
    cfg, notes = load_run_config(FRAUD, DataOverrides(path="claims.parquet", **roles), claims)
    assert cfg.fraud is not None and cfg.fraud.amount_column is None
    assert cfg.fraud.cost_alert == 5.0  # the rest of the section stays
    assert notes[-1].startswith(
        "fraud.amount_column 'amount' dropped: claims.parquet has no such column"
    )
    flagged = DataOverrides(path="claims.parquet", amount_column="total_claim_amount", **roles)
    cfg, _ = load_run_config(FRAUD, flagged, claims)
    assert cfg.fraud is not None and cfg.fraud.amount_column == "total_claim_amount"
    with pytest.raises(ConfigError, match=r"--amount-column 'amt': not a column of claims"):
        load_run_config(FRAUD, DataOverrides(path="claims.parquet", amount_column="amt"), claims)
    cfg, _ = load_run_config(CREDIT, DataOverrides(amount_column="loan_amount"))
    assert cfg.fraud is not None and cfg.fraud.alert_rates == (0.005, 0.01)  # a default section


def test_missing_value_flags_add_to_the_markers() -> None:
    cfg, _ = load_run_config(CREDIT)
    assert cfg.data.missing_values == ("?",)
    cfg, _ = load_run_config(CREDIT, DataOverrides(missing_values=("n/a", "?")))
    assert cfg.data.missing_values == ("?", "n/a")
