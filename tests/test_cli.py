import re
from pathlib import Path

import pandas as pd
import pytest
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


REPO = Path(__file__).resolve().parents[1]
CREDIT = REPO / "pipelines" / "credit.yaml"


def _run_line(output: str) -> list[str]:
    """The `riskdistill run ...` line printed by `data synth`, as CLI arguments."""
    import shlex

    (line,) = [s.strip() for s in output.splitlines() if s.strip().startswith("riskdistill run")]
    return shlex.split(line)[1:]


def test_data_synth_prints_the_run_line_with_every_role(tmp_path: Path) -> None:
    out = tmp_path / "my book.parquet"
    res = CliRunner().invoke(main, ["data", "synth", "credit", str(out), "--rows", "300"])
    assert res.exit_code == 0, res.output
    assert _run_line(res.output) == [
        "run", "pipelines/credit.yaml", "--data", str(out), "--target", "default_12m",
        "--positive-label", "1", "--id-column", "application_id",
        "--time-column", "application_date", "--categorical", "employment_type",
        "--categorical", "region", "--monotone", "income=-1", "--monotone", "debt_to_income=+1",
        "--monotone", "utilisation=+1", "--monotone", "n_delinquencies=+1",
        "--monotone", "months_employed=-1", "--monotone", "credit_history_months=-1",
        "--monotone", "n_inquiries=+1", "--monotone", "loan_amount=+1",
    ]  # fmt: skip
    assert f"--data '{out}'" in res.output  # quoted for the shell


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("x,k,y\n1,2,0\n2,1\n", "bad.csv: 1 row(s) do not have the header's 3 fields: row 3"),
        ("x,k,y\n" + "".join(f"{i},{i % 3},\n" for i in range(50)), "target 'y': 50 of 50 rows"),
    ],
)
def test_a_refused_file_leaves_no_folder_and_no_mlflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)  # the default store (sqlite:///mlflow.db) and runs/ go here
    (tmp_path / "bad.csv").write_text(body)
    res = CliRunner().invoke(main, ["run", str(CREDIT), "--data", "bad.csv", "--target", "y"])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert _leftovers(tmp_path, {"bad.csv"}) == []  # no runs/, mlflow.db or mlruns/


def test_an_unreachable_tracking_server_fails_fast_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    res = CliRunner().invoke(main, ["run", str(CREDIT), "--tracking-uri", "http://127.0.0.1:9"])
    elapsed = time.monotonic() - started
    assert res.exit_code == 2 and elapsed < 15, (elapsed, res.output)
    lines = [line for line in res.output.splitlines() if line.strip()]
    expected = "error: tracking server 'http://127.0.0.1:9' is not reachable ("
    assert lines[-1].startswith(expected), res.output
    assert sum(line.startswith("error:") for line in lines) == 1
    assert "Traceback" not in res.output and "urllib3" not in res.output
    assert _leftovers(tmp_path, set()) == []


def test_run_refuses_a_flag_naming_a_column_the_file_lacks(tmp_path: Path) -> None:
    data = tmp_path / "book.parquet"
    CliRunner().invoke(main, ["data", "synth", "credit", str(data), "--rows", "200"])
    res = CliRunner().invoke(
        main,
        ["run", str(CREDIT), "--data", str(data), "--monotone", "incme=-1", "--until", "data"],
    )
    assert res.exit_code == 2
    assert f"--monotone 'incme': not a column of {data}; its columns:" in res.output
    res = CliRunner().invoke(main, ["run", str(CREDIT), "--until", "fit"])
    assert res.exit_code == 2 and "unknown step 'fit'; use one of ['data'," in res.output


def test_validate_reads_a_partitioned_folder_with_roles(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "x": [float(i) for i in range(40)],
            "y": [i % 2 for i in range(40)],
            "memo": ["a"] * 40,
            "year": [2023] * 20 + [2024] * 20,
        }
    )
    frame.to_parquet(tmp_path / "book", partition_cols=["year"])
    res = CliRunner().invoke(
        main,
        ["data", "validate", str(tmp_path / "book"), "--target", "y", "--exclude", "memo",
         "--segment-column", "year", "--monotone", "x=+1"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "OK — 40 rows, 1 features (0 categorical)" in res.output


@pytest.mark.slow
def test_synth_then_the_printed_run_line_completes_and_declares_the_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's acceptance: `data synth credit x.parquet`, then the `run --data` line it
    prints (with --quick, and the config path made absolute), finishes; summary.json names the
    id and time columns; files are group/other readable under umask 022."""
    import json
    import os
    import stat

    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["data", "synth", "credit", "x.parquet", "--rows", "2500"])
    assert res.exit_code == 0, res.output
    args = [str(CREDIT) if a == "pipelines/credit.yaml" else a for a in _run_line(res.output)]
    old = os.umask(0o022)
    try:
        res = CliRunner().invoke(main, [*args, "--quick", "--output-dir", "out"])
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == str(Path("out") / "summary.json")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    roles = summary["data"]["roles"]
    assert (roles["id_column"], roles["time_column"]) == ("application_id", "application_date")
    assert "application_id" not in roles["features"] and len(roles["features"]) == 11
    assert roles["monotone"]["loan_amount"] == 1 and roles["categorical"] == [
        "employment_type",
        "region",
    ]
    for path in (tmp_path / "out" / "summary.json",
                 tmp_path / "out" / "students" / "scorecard" / "shape_table.json"):  # fmt: skip
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o044 == 0o044, (path, oct(mode))


def test_report_and_score_fail_fast_on_an_unreachable_tracking_server(tmp_path: Path) -> None:
    import time

    import numpy as np

    from risk_models.students.shape_table import Axis, ShapeTable, Term

    table = ShapeTable(
        -1.0, (Term("x", (Axis("x", "numeric", edges=(0.5,)),), np.array([0.0, 1.0, 0.2])),),
        ("x",), {},
    )  # fmt: skip
    model = table.save(tmp_path / "shape_table.json")
    pd.DataFrame({"x": [0.1, 0.9]}).to_parquet(tmp_path / "in.parquet")
    uri = ["--tracking-uri", "http://127.0.0.1:9"]
    for args in (
        ["report", "--run-id", "abc", "-o", str(tmp_path / "rep"), *uri],
        ["score", "--model", str(model), "--input", str(tmp_path / "in.parquet"),
         "--output", str(tmp_path / "out.parquet"), *uri],
    ):  # fmt: skip
        started = time.monotonic()
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2 and time.monotonic() - started < 15, res.output
        assert "tracking server 'http://127.0.0.1:9' is not reachable" in res.output
        assert "Traceback" not in res.output
    assert not (tmp_path / "rep").exists() and not (tmp_path / "out.parquet").exists()


@pytest.mark.slow
def test_run_reads_a_partitioned_parquet_folder(tmp_path: Path) -> None:
    import json

    from risk_models.data import make_credit_book

    frame = make_credit_book(n_rows=1200, seed=1).frame
    frame["year"] = frame["application_date"].dt.year
    frame.to_parquet(tmp_path / "book", partition_cols=["year"])
    res = CliRunner().invoke(
        main,
        ["run", str(CREDIT), "--data", str(tmp_path / "book"), "--exclude", "year",
         "--until", "data", "--output-dir", str(tmp_path / "out"),
         "--tracking-uri", f"sqlite:///{tmp_path / 'm.db'}"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["data"]["roles"]["exclude"] == ["year"]
    assert summary["data"]["roles"]["id_column"] == "application_id"  # kept from the config
    assert sum(s["n_rows"] for s in summary["data"]["splits"].values()) == 1200
