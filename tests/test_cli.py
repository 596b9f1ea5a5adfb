import re
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from risk_models.cli import main


def test_data_synth_then_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "book.parquet"
    res = runner.invoke(main, ["data", "synth", "credit", str(out), "--rows", "500", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert re.match(r"wrote 500 rows to .*book\.parquet \(target 'default_12m'", res.output)
    assert len(pd.read_parquet(out)) == 500
    res = runner.invoke(
        main,
        [
            "data",
            "validate",
            str(out),
            "--target",
            "default_12m",
            "--id-column",
            "application_id",
            "--time-column",
            "application_date",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "OK — 500 rows, 11 features (2 categorical)" in res.output


def test_validate_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame({"y": [0, 1, 2, None], "k": [1, 1, 1, 1], "x": [1.0, 2.0, 3.0, 4.0]}).to_csv(
        path, index=False
    )
    res = CliRunner().invoke(main, ["data", "validate", str(path), "--target", "y"])
    assert res.exit_code == 2
    assert "data problem(s)" in res.output
    assert "target 'y': 1 of 4 rows are missing" in res.output
    assert "feature 'k': only one value" in res.output


def test_run_refuses_bad_config_with_yaml_path(tmp_path: Path) -> None:
    cfg = tmp_path / "p.yaml"
    cfg.write_text(
        "name: x\ndata: {synthetic: {kind: credit}, target: t}\nteachers: []\n"
        "students: [{name: s, kind: gam}]\nregistry: {model_name: m}\n"
    )
    res = CliRunner().invoke(main, ["run", str(cfg)])
    assert res.exit_code == 2
    assert "teachers: needs at least one entry" in res.output


def test_run_missing_data_file_is_named(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    res = CliRunner().invoke(
        main,
        [
            "run",
            str(repo / "pipelines" / "credit.yaml"),
            "--data",
            str(tmp_path / "none.parquet"),
            "--target",
            "y",
            "--tracking-uri",
            f"sqlite:///{tmp_path / 'm.db'}",
            "--output-dir",
            str(tmp_path / "out"),
        ],
    )
    assert res.exit_code == 2
    assert "none.parquet: file not found; check the path or pass --data" in res.output
