import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from risk_models.config import load_mlflow_config, load_pipeline_config, parse_pipeline_config
from risk_models.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def _raw() -> dict:
    return yaml.safe_load((REPO / "pipelines" / "credit.yaml").read_text())


@pytest.mark.parametrize("name", ["credit.yaml", "fraud.yaml"])
def test_shipped_pipelines_are_valid(name: str) -> None:
    cfg = load_pipeline_config(REPO / "pipelines" / name)
    assert cfg.teachers and cfg.students and cfg.registry.model_name
    assert len(cfg.config_hash()) == 16


def test_every_bad_field_is_reported_with_its_yaml_path() -> None:
    raw = _raw()
    raw["students"][0]["params"]["max_bins"] = 8
    raw["teachers"][1]["kind"] = "catboost"
    raw["split"]["test_size"] = 1.5
    raw["distill"]["n_foldz"] = 3
    with pytest.raises(ConfigError) as err:
        parse_pipeline_config(raw, "credit.yaml")
    problems = err.value.problems
    assert len(problems) == 4, problems
    text = str(err.value)
    assert text.startswith("credit.yaml: 4 problem(s) in config:")
    assert "students[0].params: unknown gam parameter(s) ['max_bins']" in text
    kinds = "'xgboost', 'lightgbm', 'torch_mlp', 'additive' or 'linear'"
    assert f"teachers[1].kind: Input should be {kinds}" in text
    assert "split.test_size: Input should be less than 1" in text
    assert "distill.n_foldz: unknown field (check spelling" in text


def test_data_source_must_be_exactly_one() -> None:
    raw = _raw()
    raw["data"]["path"] = "x.parquet"
    with pytest.raises(
        ConfigError,
        match=re.escape("data: give exactly one of 'path' (a Parquet/CSV file) or 'synthetic'"),
    ):
        parse_pipeline_config(raw)


def test_duplicate_member_names_refused() -> None:
    raw = _raw()
    raw["teachers"][1]["name"] = "lgbm"
    with pytest.raises(
        ConfigError, match=re.escape("teachers: names must be unique; repeated: ['lgbm']")
    ):
        parse_pipeline_config(raw)


def test_negative_weight_l2_refused() -> None:
    raw = _raw()
    raw["ensemble"]["weight_l2"] = -0.1
    with pytest.raises(ConfigError, match=re.escape("ensemble.weight_l2: Input should be")):
        parse_pipeline_config(raw)


def test_data_override_switches_source_and_clears_synthetic_roles() -> None:
    cfg = load_pipeline_config(
        REPO / "pipelines" / "credit.yaml",
        {"path": "file.parquet", "target": "y", "positive_label": "2"},
    )
    assert cfg.data.path == "file.parquet" and cfg.data.synthetic is None
    assert cfg.data.target == "y" and cfg.data.positive_label == "2"
    assert cfg.data.monotone == {} and cfg.data.id_column is None and cfg.data.categorical == ()


def test_config_hash_changes_with_content() -> None:
    a = parse_pipeline_config(_raw())
    raw = _raw()
    raw["distill"]["n_folds"] = 4
    assert parse_pipeline_config(raw).config_hash() != a.config_hash()
    assert parse_pipeline_config(_raw()).config_hash() == a.config_hash()


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_pipeline_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_pipeline_config(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match=re.escape("<top level>: expected a mapping of sections")):
        load_pipeline_config(bad)


def test_mlflow_config_defaults_and_override(tmp_path: Path) -> None:
    assert load_mlflow_config(REPO / "mlflow.yaml").tracking_uri == "sqlite:///mlflow.db"
    assert load_mlflow_config(None, "http://127.0.0.1:5000").tracking_uri == "http://127.0.0.1:5000"
    bad = tmp_path / "m.yaml"
    bad.write_text("tracking_url: x\n")
    with pytest.raises(ConfigError, match=re.escape("tracking_url: unknown field")):
        load_mlflow_config(bad)


CREDIT_FEATURES = (
    "['age', 'income', 'debt_to_income', 'utilisation', 'n_delinquencies', 'months_employed', "
    "'credit_history_months', 'n_inquiries', 'loan_amount', 'employment_type', 'region']"
)


def test_bad_parameter_values_are_all_refused_at_load_by_yaml_path() -> None:
    raw = _raw()
    raw["data"]["categorical"].append("colour")
    raw["data"]["monotone"].update({"foo": 1, "region": -1, "income": 0})
    raw["split"]["seed"] = -1
    raw["teachers"][0]["params"].update({"num_leaves": 31.5, "subsample": 0})
    raw["teachers"][1]["kind"] = "catboost"
    raw["teachers"][2]["params"].update(
        {"hidden_sizes": [128, 0], "weight_decay": "1e-4", "dropout": 1.5}
    )
    raw["teachers"][3]["params"]["random_state"] = 3
    raw["ensemble"]["cv_folds"] = 1
    raw["distill"]["alpha"] = "0.5"
    raw["students"][0]["params"]["learning_rate"] = -3
    raw["students"][1]["params"]["learning_rate"] = "fast"
    raw["students"][2]["params"]["max_bins"] = 1
    raw["students"][3]["params"] = {"device": "tpu", "n_bins": 64.0}
    raw["students"][4]["params"] = {"max_depth": 6, "min_samples_leaf": 0.7, "max_leaf": 3}
    raw["gates"]["auc"] = {"min": "high"}
    expected = [
        "data.categorical[2]: 'colour' is not a column of the synthetic credit table",
        "data.monotone.income: must be +1 (risk rises with the value) or -1 (risk falls), got 0",
        f"data.monotone.foo: 'foo' is not a feature; features: {CREDIT_FEATURES}",
        "data.monotone.region: 'region' is categorical; monotone directions need a numeric feature",
        "split.seed: Input should be greater than or equal to 0",
        "teachers[0].params.num_leaves: must be an integer in [2, 131072], got 31.5",
        "teachers[0].params.subsample: must be in (0, 1], got 0",
        "teachers[1].kind: Input should be 'xgboost', 'lightgbm', 'torch_mlp', 'additive' "
        "or 'linear'",
        "teachers[2].params.hidden_sizes[1]: must be an integer >= 1, got 0",
        "teachers[2].params.dropout: must be in [0, 1), got 1.5",
        "teachers[2].params.weight_decay: must be a number >= 0, got '1e-4' (text, not a "
        "number: YAML needs a decimal point in exponents, e.g. 1.0e-4)",
        "teachers[3].params.random_state: set the member's seed with 'seed', not here",
        "ensemble.cv_folds: cv_folds must be 0 (off) or at least 2",
        "distill.alpha: Input should be a valid number",
        "students[0].params.learning_rate: must be in (0, 1], got -3",
        "students[1].params.learning_rate: must be a number in (0, 1], got 'fast'",
        "students[2].params.max_bins: must be >= 2, got 1",
        "students[3].params.device: must be one of 'auto', 'cpu', 'cuda', got 'tpu'",
        "students[3].params.n_bins: must be an integer >= 2, got 64.0",
        "students[4].params: unknown tree parameter(s) ['max_leaf']; known: ['alpha', "
        "'max_bins', 'max_depth', 'min_samples_leaf', 'monotone', 'random_state', 'temperature']",
        "students[4].params.max_depth: must be in [1, 4], got 6",
        "students[4].params.min_samples_leaf: must be an integer >= 1 or a number in (0, 0.5], "
        "got 0.7",
        "gates.auc.min: Input should be a valid number",
    ]
    with pytest.raises(ConfigError) as err:
        parse_pipeline_config(raw, "credit.yaml")
    assert err.value.problems == expected
    lines = "\n".join(f"  - {p}" for p in expected)
    assert str(err.value) == f"credit.yaml: {len(expected)} problem(s) in config:\n{lines}"


def test_students_monotone_and_pairs_must_name_numeric_features() -> None:
    raw = _raw()
    raw["students"][3]["params"] = {"pairs": [["income", "zz"]]}
    raw["students"][4]["params"]["monotone"] = {"region": 1, "zz": 1}
    message = (
        "credit.yaml: 3 problem(s) in config:\n"
        "  - students[3].params.pairs[0]: names unknown feature(s) ['zz']\n"
        "  - students[4].params.monotone.region: 'region' is categorical; monotone directions "
        "need a numeric feature\n"
        f"  - students[4].params.monotone.zz: 'zz' is not a feature; features: {CREDIT_FEATURES}"
    )
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        parse_pipeline_config(raw, "credit.yaml")


def test_synthetic_roles_must_be_columns_of_the_generated_table() -> None:
    raw = _raw()
    raw["data"]["target"] = "defaulted"
    raw["data"]["features"] = ["income", "salary"]
    with pytest.raises(ConfigError) as err:
        parse_pipeline_config(raw, "credit.yaml")
    assert err.value.problems[0].startswith(
        "data.target: 'defaulted' is not a column of the synthetic credit table; its columns: "
        "['age', 'income',"
    )
    # the features failed, so the monotone names are not checked against them
    assert err.value.problems[1:] == [
        "data.features[1]: 'salary' is not a column of the synthetic credit table"
    ]


def test_invalid_synthetic_source_skips_the_column_checks() -> None:
    raw = _raw()
    raw["data"]["synthetic"]["n_rows"] = "many"
    raw["data"]["monotone"]["foo"] = 1
    with pytest.raises(ConfigError) as err:
        parse_pipeline_config(raw, "credit.yaml")
    assert err.value.problems == ["data.synthetic.n_rows: Input should be a valid integer"]


def test_monotone_against_declared_features_of_a_file() -> None:
    raw = _raw()
    raw["data"] = {
        "path": "book.parquet",
        "target": "bad",
        "features": ["income", "region"],
        "categorical": ["region"],
        "monotone": {"income": -1, "region": 1, "dti": 1},
    }
    message = (
        "book.yaml: 2 problem(s) in config:\n"
        "  - data.monotone.region: 'region' is categorical; monotone directions need a numeric "
        "feature\n"
        "  - data.monotone.dti: 'dti' is not a feature; features: ['income', 'region']"
    )
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        parse_pipeline_config(raw, "book.yaml")
    raw["data"]["features"] = []  # features come from the file: data validation checks them
    raw["data"]["monotone"] = {"income": -1, "dti": 1}
    assert parse_pipeline_config(raw).data.monotone == {"income": -1, "dti": 1}


def test_loading_a_pipeline_imports_no_training_library() -> None:
    code = (
        "import sys\n"
        "from risk_models.config import load_pipeline_config\n"
        f"load_pipeline_config({str(REPO / 'pipelines' / 'credit.yaml')!r})\n"
        "print(sorted(m for m in ('torch', 'xgboost', 'lightgbm') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]"


def test_cv_row_budget_reaches_the_ensemble_and_is_checked() -> None:
    from risk_models.steps.teachers import teacher_ensemble

    cfg = load_pipeline_config(REPO / "pipelines" / "credit.yaml")
    ens = teacher_ensemble(cfg)
    assert ens.cv_row_budget == 300_000 and ens.folds_for(112_500) == 3
    raw = _raw()
    raw["ensemble"]["cv_row_budget"] = 0
    with pytest.raises(ConfigError, match=r"ensemble\.cv_row_budget"):
        parse_pipeline_config(raw, "credit.yaml")


def test_transfer_rows_only_top_the_students_rows_up_to_max_total_rows() -> None:
    from risk_models.config import TransferConfig

    t = TransferConfig(n_rows=30_000, per_train_row=5, max_total_rows=60_000)
    assert t.rows_for(600) == 3_000  # Statlog German: 5 per training row
    assert t.rows_for(18_000) == 30_000  # UCI Taiwan: the cap, 48,000 rows in all
    assert t.rows_for(45_000) == 15_000  # topped up to 60,000
    assert t.rows_for(90_000) == 0  # a large book's own rows suffice
    assert TransferConfig(n_rows=30_000, per_train_row=5).rows_for(90_000) == 30_000
    cfg = load_pipeline_config(REPO / "pipelines" / "credit.yaml")
    assert cfg.distill.transfer.max_total_rows == 60_000
