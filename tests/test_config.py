import re
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
    assert "teachers[1].kind: Input should be 'xgboost', 'lightgbm' or 'torch_mlp'" in text
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
