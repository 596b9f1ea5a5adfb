"""A model trained on a date column scores a later file against its stored reference date.

Every scoring path (``score_batch`` / ``riskdistill score``, the pyfunc, ``riskdistill
reasons``) reads the raw date column and derives ``<col>_age_days`` / ``<col>_month`` with the
reference date stored in the model (``metadata["date_inputs"]``), never the new file's own
latest date.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from risk_models.cli import main
from risk_models.data import DataSpec, split_data, validate_frame
from risk_models.data.date_features import attach_date_inputs, reference_from_training
from risk_models.errors import DataValidationError
from risk_models.scoring.batch import score_batch
from risk_models.scoring.invalid import apply_invalid_policy
from risk_models.scoring.sql import table_sql
from risk_models.scoring.tablescore import compile_model, output_columns, plain_frame, score_chunk
from risk_models.scoring.tablescore.dates import DateInput
from risk_models.students.shape_table import Axis, ShapeTable, Term

REFERENCE = pd.Timestamp("2023-12-31")
#: A later book: every date is after the reference (ages are negative), one is not a date.
LATER = pd.DataFrame(
    {
        "app_id": ["a", "b", "c", "d", "e"],
        "income": [30.0, 50.0, 30.0, 50.0, 30.0],
        "opened": ["2024-01-10", "2024-02-01 12:00", "2024-03-15", "soon", None],
    }
)
#: By hand, against 2023-12-31: 10 days, 32.5 days (2024 is a leap year: 31 + 29 + 15 = 75).
LATER_AGES = [-10.0, -32.5, -75.0, np.nan, np.nan]
LATER_MONTHS = [1.0, 2.0, 3.0, np.nan, np.nan]
SCORES = ["probability", "logit", "points", "decision"] + [
    c for c in output_columns(4) if c.startswith("reason_")
]


def hand_table() -> ShapeTable:
    """Age bins below 0 (after the reference): < -50, [-50, -20), [-20, 0), >= 0, missing."""
    date = DateInput("opened", REFERENCE, "opened_age_days", "opened_month")
    age = Axis("opened_age_days", "numeric", edges=(-50.0, -20.0, 0.0))
    month = Axis("opened_month", "numeric", edges=(2.5,))
    income = Axis("income", "numeric", edges=(40.0,))
    return ShapeTable(
        -1.0,
        (
            Term("opened_age_days", (age,), np.array([0.1, 0.2, 0.3, 0.4, 0.9])),
            Term("opened_month", (month,), np.array([0.01, 0.02, 0.05])),
            Term("income", (income,), np.array([0.5, -0.5, 0.0])),
        ),
        ("income", "opened_age_days", "opened_month"),
        {"date_inputs": [date.to_dict()]},
    )


#: By hand: intercept + age cell + month cell + income cell.
HAND_LOGITS = [
    -1.0 + 0.3 + 0.01 + 0.5,  # -10 days, January, income 30
    -1.0 + 0.2 + 0.01 - 0.5,  # -32.5 days, February
    -1.0 + 0.1 + 0.02 + 0.5,  # -75 days, March
    -1.0 + 0.9 + 0.05 - 0.5,  # not a date: missing (flagged)
    -1.0 + 0.9 + 0.05 + 0.5,  # missing
]


def _derived(frame: pd.DataFrame, ages: list[float], months: list[float]) -> pd.DataFrame:
    return frame.drop(columns=["opened"]).assign(opened_age_days=ages, opened_month=months)


def test_the_scorer_derives_the_ages_from_the_stored_reference() -> None:
    compiled = compile_model(hand_table().to_dict())
    assert compiled.input_kinds == {"opened": "date", "income": "numeric"}
    cols = compiled.read_columns(LATER)
    np.testing.assert_array_equal(cols["opened_age_days"].raw, LATER_AGES)
    np.testing.assert_array_equal(cols["opened_month"].raw, LATER_MONTHS)
    out = plain_frame(score_chunk(compiled, LATER, on_invalid="flag").table)
    np.testing.assert_allclose(out["logit"], HAND_LOGITS, rtol=0, atol=1e-15)
    assert out["flags"].fillna("").tolist() == ["", "", "", "wrong_type:opened", ""]
    rejected = score_chunk(compiled, LATER, on_invalid="reject")
    assert rejected.kept.tolist() == [True, True, True, False, True]
    assert rejected.reject_reason.tolist() == ["wrong_type:opened"]


def test_datetime_and_zoned_inputs_read_as_utc_dates() -> None:
    compiled = compile_model(hand_table().to_dict())
    frame = pd.DataFrame(
        {
            "income": [30.0, 30.0],
            "opened": pd.to_datetime(["2024-01-10 06:00", "2024-01-10 02:00"]).tz_localize(
                "Europe/Berlin"
            ),
        }
    )
    # 06:00 Berlin = 05:00 UTC: 10 days and 5 hours after the reference; 02:00 = 01:00 UTC
    got = compiled.read_columns(frame)["opened_age_days"].raw
    np.testing.assert_array_equal(got, [-(10 + 5 / 24), -(10 + 1 / 24)])


def test_the_raw_column_wins_over_derived_columns_of_the_input() -> None:
    compiled = compile_model(hand_table().to_dict())
    stale = LATER.assign(opened_age_days=999.0, opened_month=12.0)  # the file's own ages
    cols = compiled.read_columns(stale)
    np.testing.assert_array_equal(cols["opened_age_days"].raw, LATER_AGES)
    # without the raw column (the library's validated frames) the derived columns are read
    derived = _derived(LATER, LATER_AGES, LATER_MONTHS)
    np.testing.assert_array_equal(compiled.read_columns(derived)["opened_month"].raw, LATER_MONTHS)


def _write_model(tmp_path: Path, table: ShapeTable) -> Path:
    return table.save(tmp_path / "model" / "shape_table.json")


def test_batch_pyfunc_and_cli_give_the_same_scores(tmp_path, mlflow_uri) -> None:
    import mlflow

    from risk_models.tracking.mlflow_model import log_student_model

    table = hand_table()
    model_path = _write_model(tmp_path, table)
    LATER.to_csv(tmp_path / "later.csv", index=False)
    LATER.to_parquet(tmp_path / "later.parquet")
    batch = score_batch(model_path, tmp_path / "later.parquet", tmp_path / "py.parquet",
                        id_columns=["app_id"], on_invalid="flag", as_of="2026-12-01",
                        track=False)  # fmt: skip
    assert batch.rows_scored == 5
    py = plain_frame(pq.read_table(tmp_path / "py.parquet"))
    np.testing.assert_allclose(py["logit"], HAND_LOGITS, rtol=0, atol=1e-15)
    cli = CliRunner().invoke(
        main,
        ["score", "--no-tracking", "--model", str(model_path), "--input",
         str(tmp_path / "later.csv"), "--output", str(tmp_path / "cli.parquet"), "--id-column",
         "app_id", "--on-invalid", "flag", "--as-of", "2026-12-01"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    from_csv = plain_frame(pq.read_table(tmp_path / "cli.parquet"))
    pd.testing.assert_frame_equal(from_csv[[*SCORES, "flags"]], py[[*SCORES, "flags"]])

    mlflow.set_tracking_uri(mlflow_uri)
    exp = mlflow.MlflowClient().create_experiment("dates", artifact_location=f"{tmp_path}/art")
    mlflow.set_experiment(experiment_id=exp)
    train_rows = _derived(LATER, [1.0, 5.0, 40.0, 90.0, np.nan], [12.0, 11.0, 11.0, 9.0, 10.0])
    with mlflow.start_run():
        info = log_student_model(table, name="model", input_example=train_rows)
    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    got = pyfunc.predict(LATER.drop(columns=["app_id"]))
    pd.testing.assert_frame_equal(got[[*SCORES, "flags"]], py[[*SCORES, "flags"]])
    # the logged example shows the raw date column, rebuilt from the training ages
    local = mlflow.artifacts.download_artifacts(info.model_uri)
    example = pd.DataFrame(mlflow.models.Model.load(local).load_input_example(local))
    assert example.columns.tolist() == ["income", "opened"]
    assert example["opened"].tolist()[:2] == ["2023-12-30T00:00:00", "2023-12-26T00:00:00"]


def test_a_file_without_the_date_column_is_refused_by_name(tmp_path, mlflow_uri) -> None:
    model_path = _write_model(tmp_path, hand_table())
    derived_only = _derived(LATER, LATER_AGES, LATER_MONTHS)  # derived columns, no raw one
    derived_only.to_parquet(tmp_path / "book.parquet")
    message = "missing feature column(s) ['opened'] that the model needs"
    with pytest.raises(DataValidationError, match=re.escape(message)):
        score_batch(model_path, tmp_path / "book.parquet", tmp_path / "out.parquet", track=False)
    assert not (tmp_path / "out.parquet").exists()
    cli = CliRunner().invoke(
        main,
        ["score", "--no-tracking", "--model", str(model_path), "--input",
         str(tmp_path / "book.parquet"), "--output", str(tmp_path / "out.parquet")],
    )  # fmt: skip
    assert cli.exit_code == 2 and message in cli.output
    with pytest.raises(DataValidationError, match=re.escape(message)):
        apply_invalid_policy(hand_table(), derived_only, "reject")


def test_reasons_reads_the_raw_date_column(tmp_path) -> None:
    model_path = _write_model(tmp_path, hand_table())
    LATER.to_csv(tmp_path / "later.csv", index=False)
    refused = CliRunner().invoke(main, ["reasons", str(model_path), str(tmp_path / "later.csv")])
    assert refused.exit_code != 0
    assert "column 'opened': 1 of 5 rows hold text that is not a date (wrong_type" in (
        refused.output
    )
    out = tmp_path / "reasons.csv"
    done = CliRunner().invoke(
        main,
        ["reasons", str(model_path), str(tmp_path / "later.csv"), "--id-column", "app_id",
         "--on-invalid", "flag", "-k", "1", "-o", str(out)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    got = pd.read_csv(out)
    np.testing.assert_allclose(got["logit"], HAND_LOGITS, rtol=0, atol=1e-15)
    assert got["flags"].fillna("").tolist() == ["", "", "", "wrong_type:opened", ""]
    b = got.set_index("app_id").loc["b"]  # its largest loss: the age bin [-50, -20)
    assert (b["reason_1_feature"], float(b["reason_1_value"])) == ("opened_age_days", -32.5)


def test_export_sql_refuses_a_model_with_date_inputs() -> None:
    with pytest.raises(ValueError, match=re.escape("the date column(s) 'opened' -> ")):
        table_sql(hand_table().to_dict(), id_columns=["app_id"])


def test_a_trained_model_scores_a_later_file_against_its_training_reference(tmp_path) -> None:
    from risk_models.students.gam import GAMStudent

    rng = np.random.default_rng(0)
    n = 1200
    days = rng.integers(0, 365, size=n)
    opened = pd.Timestamp("2023-01-01") + pd.to_timedelta(days, "D")
    income = rng.normal(50, 10, size=n)
    z = -1.0 + 0.004 * (364 - days) - 0.03 * (income - 50)  # newer accounts: lower risk
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    frame = pd.DataFrame({"app": np.arange(n), "y": y, "income": income,
                          "opened": opened.strftime("%Y-%m-%d")})  # fmt: skip
    data = validate_frame(frame, DataSpec(target="y", id_column="app"), "train.csv")
    data, splits = reference_from_training(data, split_data(data, seed=0))
    train = splits.train
    (dates,) = train.dates
    by_hand = pd.Timestamp(frame.set_index("app").loc[train.ids, "opened"].max())
    assert dates.input.reference == by_hand <= pd.Timestamp("2023-12-31")
    gam = GAMStudent(n_estimators=60, learning_rate=0.3, device="cpu").fit(train.X, train.y)
    table = attach_date_inputs(gam.export(), train.dates)
    model_path = table.save(tmp_path / "gam" / "shape_table.json")

    later = LATER.drop(columns=["opened"]).assign(
        opened=["2024-01-10", "2024-02-01 12:00", "2024-03-15", "2024-06-30", "2024-12-31"]
    )
    later.to_csv(tmp_path / "later.csv", index=False)
    cli = CliRunner().invoke(
        main,
        ["score", "--no-tracking", "--model", str(model_path), "--input",
         str(tmp_path / "later.csv"), "--output", str(tmp_path / "out.parquet"),
         "--as-of", "2026-12-01"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    scored = pd.read_parquet(tmp_path / "out.parquet")
    ref = dates.input.reference
    when = pd.to_datetime(later["opened"], format="mixed")
    ages = [-(w - ref).total_seconds() / 86400 for w in when]  # by hand, from the reference
    want = table.predict_logit(_derived(later, ages, [1.0, 2.0, 3.0, 6.0, 12.0]))
    np.testing.assert_array_equal(scored["logit"], want)
    own = [-(w - when.max()).total_seconds() / 86400 for w in when]  # the bug: file's own latest
    wrong = table.predict_logit(_derived(later, own, [1.0, 2.0, 3.0, 6.0, 12.0]))
    assert np.abs(wrong - want).max() > 1e-3  # the test would see the shifted scores
