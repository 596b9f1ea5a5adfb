"""Declared unknown markers (``data.missing_values``, ``"?"`` by default) score as missing.

Training reads a text cell equal to a marker as missing; the exported model keeps the markers
(``metadata["missing_values"]``) and every scorer reads such a cell as missing too, before the
invalid-value checks: a ``"?"`` in a categorical column is the missing cell, not an
``unseen_level``; in a numeric or date column it is missing, not ``wrong_type``. A model
without the key reads every value as it is (the previous behaviour).
"""

from __future__ import annotations

import re
import sqlite3

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from risk_models.errors import DataValidationError
from risk_models.scoring.batch import score_batch
from risk_models.scoring.invalid import apply_invalid_policy
from risk_models.scoring.sql import table_sql
from risk_models.scoring.tablescore import compile_model, plain_frame, score_chunk
from risk_models.scoring.tablescore.dates import DateInput
from risk_models.scoring.tablescore.markers import RULE, attach_missing_values, missing_markers
from risk_models.students.rules import Condition, Rule, RuleSet
from risk_models.students.shape_table import Axis, ShapeTable, Term

DAMAGE = Axis("damage", "categorical", levels=("NO", "YES"))  # NO, YES, missing, unknown
AMOUNT = Axis("amount", "numeric", edges=(100.0,))  # < 100, >= 100, missing
AGE = Axis("opened_age_days", "numeric", edges=(0.0,))  # after the reference, on/before, missing
DATE = DateInput("opened", pd.Timestamp("2023-12-31"), "opened_age_days", "opened_month")
#: Rows: plain values; "?" everywhere; blanks around "?"; values that are really invalid.
BOOK = pd.DataFrame(
    {
        "app_id": ["a", "b", "c", "d", "e"],
        "damage": ["YES", "?", " ? ", "maybe", None],
        "amount": ["50", "?", "150", "abc", None],
        "opened": ["2023-06-01", "?", " ?", "soon", None],
    }
)
DAMAGE_CELLS = np.array([-0.2, 0.3, 0.5, -1.0])
AMOUNT_CELLS = np.array([0.0, 1.0, 0.4])
AGE_CELLS = np.array([0.05, 0.1, 0.7])
#: By hand: intercept + damage cell + amount cell + age cell ("?" rows: the missing cells).
LOGITS = [
    -1.0 + 0.3 + 0.0 + 0.1,  # YES, < 100, 213 days before the reference
    -1.0 + 0.5 + 0.4 + 0.7,  # "?" x 3: missing, missing, missing
    -1.0 + 0.5 + 1.0 + 0.7,  # " ? ": missing; 150; " ?": missing
    -1.0 - 1.0 + 0.4 + 0.7,  # unseen level (unknown cell), text, not a date (flagged)
    -1.0 + 0.5 + 0.4 + 0.7,  # missing everywhere
]
FLAGS = ["", "", "", "unseen_level:damage;wrong_type:amount;wrong_type:opened", ""]


def model(markers: tuple[str, ...] = ("?",)) -> ShapeTable:
    table = ShapeTable(
        -1.0,
        (
            Term("damage", (DAMAGE,), DAMAGE_CELLS),
            Term("amount", (AMOUNT,), AMOUNT_CELLS),
            Term("opened_age_days", (AGE,), AGE_CELLS),
        ),
        ("damage", "amount", "opened_age_days"),
        {"date_inputs": [DATE.to_dict()]},
    )
    return attach_missing_values(table, markers)


def _flags(values: object) -> list[str]:
    return pd.Series(values, dtype=object).fillna("").tolist()


def test_the_markers_are_stored_as_json_with_their_rule() -> None:
    table = model(("?", " n/a "))
    entry = table.to_dict()["metadata"]["missing_values"]
    assert entry["values"] == ["?", "n/a"] and entry["rule"] == RULE
    assert missing_markers(ShapeTable.from_dict(table.to_dict()).metadata) == ("?", "n/a")
    plain = model(())
    assert "missing_values" not in plain.metadata  # no markers declared: nothing stored
    bad = {**table.metadata, "missing_values": {"values": ["?"], "rule": "other/9"}}
    with pytest.raises(ValueError, match=re.escape("unknown rule 'other/9'")):
        compile_model({**table.to_dict(), "metadata": bad})


@pytest.mark.parametrize("as_arrow", [False, True])
def test_a_marker_scores_as_missing_in_every_kind_of_column(as_arrow) -> None:
    compiled = compile_model(model().to_dict())
    data = pa.Table.from_pandas(BOOK, preserve_index=False) if as_arrow else BOOK
    out = plain_frame(score_chunk(compiled, data, on_invalid="flag").table)
    np.testing.assert_allclose(out["logit"], LOGITS, rtol=0, atol=1e-15)
    assert _flags(out["flags"]) == FLAGS
    rejected = score_chunk(compiled, data, on_invalid="reject")
    assert rejected.kept.tolist() == [True, True, True, False, True]


def test_a_model_without_markers_reads_every_value_as_before() -> None:
    old = model(())
    out = plain_frame(score_chunk(compile_model(old.to_dict()), BOOK, on_invalid="flag").table)
    assert _flags(out["flags"])[:3] == [
        "",
        "unseen_level:damage;wrong_type:amount;wrong_type:opened",
        "unseen_level:damage;wrong_type:opened",
    ]


def test_the_batch_job_and_reasons_read_markers_as_missing(tmp_path) -> None:
    table = model()
    path = table.save(tmp_path / "m" / "shape_table.json")
    BOOK.to_csv(tmp_path / "book.csv", index=False)  # every CSV column is text
    summary = score_batch(
        path, tmp_path / "book.csv", tmp_path / "out.parquet", id_columns=["app_id"],
        as_of="2026-12-01", track=False,
    )  # fmt: skip
    assert (summary.rows_scored, summary.rows_rejected) == (4, 1)
    scored = pd.read_parquet(tmp_path / "out.parquet")
    np.testing.assert_allclose(scored["logit"], np.delete(LOGITS, 3), rtol=0, atol=1e-15)
    message = "column 'damage': 1 of 5 rows hold a level the model never saw in training"
    with pytest.raises(DataValidationError, match=re.escape(message)):
        apply_invalid_policy(table, BOOK, "reject")
    frame, flags = apply_invalid_policy(table, BOOK.drop(index=3), "reject")
    assert flags is None  # markers are missing values, not problems
    assert frame["damage"].isna().tolist() == [False, True, True, True]  # "?" is missing here
    assert frame["amount"].isna().tolist() == [False, True, False, True]
    np.testing.assert_allclose(table.predict_logit(frame), np.delete(LOGITS, 3), rtol=0, atol=1e-15)


def test_sql_reads_a_categorical_marker_as_null() -> None:
    table = ShapeTable(
        -1.0,
        (Term("damage", (DAMAGE,), DAMAGE_CELLS), Term("amount", (AMOUNT,), AMOUNT_CELLS)),
        ("damage", "amount"),
    )
    frame = pd.DataFrame(
        {"app_id": ["a", "b", "c"], "damage": ["NO", "?", " ? "], "amount": [50.0, 50.0, None]}
    )
    con = sqlite3.connect(":memory:")
    frame.to_sql("applications", con, index=False)
    for markers, want in ((("?",), [-1.2, -0.5, -0.1]), ((), [-1.2, -2.0, -1.6])):
        sql = table_sql(attach_missing_values(table, markers).to_dict(), id_columns=["app_id"])
        got = pd.read_sql_query(sql, con).set_index("app_id").loc[["a", "b", "c"], "logit"]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        python = score_chunk(compile_model(attach_missing_values(table, markers).to_dict()),
                             frame, on_invalid="flag")  # fmt: skip
        np.testing.assert_allclose(python.logit, want, rtol=0, atol=1e-12)


def test_a_rule_set_reads_markers_as_missing_without_a_flag() -> None:
    rules = RuleSet(
        (
            Rule((Condition("damage", "in", levels=("YES",)),), 1.0),
            Rule((Condition("damage", "not_in", levels=("YES",)),), -1.0),
        ),
        intercept=0.0,
        default=0.0,
        features=("damage",),
        categories={"damage": ("NO", "YES")},
    )
    frame = pd.DataFrame({"damage": ["YES", "?", "maybe"]})
    for markers, flags in ((("?",), ["", "", "unseen_level:damage"]),
                           ((), ["", "unseen_level:damage", "unseen_level:damage"])):  # fmt: skip
        compiled = compile_model(attach_missing_values(rules, markers).to_dict())
        out = score_chunk(compiled, frame, on_invalid="flag", k=0)
        assert _flags(plain_frame(out.table)["flags"]) == flags
        # a marker routes like a missing value (here: no rule captures it, the default)
        np.testing.assert_array_equal(out.logit, [1.0, 0.0, 0.0])


def test_a_column_whose_only_odd_value_is_a_marker_reports_no_problem() -> None:
    compiled = compile_model(model().to_dict())
    frame = BOOK.drop(index=3)
    chunk = score_chunk(compiled, frame, on_invalid="reject")
    assert chunk.kept is None and chunk.problems.found == ()  # no empty problem entries
