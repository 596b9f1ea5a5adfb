"""risk_models.explain: loading, describing, scoring with reasons, compression figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.errors import DataValidationError, ModelFormatError
from risk_models.explain import (
    compression_report,
    explain_text,
    load_explained,
    score_with_reasons,
)
from risk_models.students.gam import GAMStudent
from risk_models.students.reasons import reason_codes
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import Axis, ShapeTable, Term
from risk_models.students.tree import TreeStudent


@pytest.fixture(scope="module")
def students(additive_frame) -> tuple[GAMStudent, TreeStudent]:
    X, y, p = additive_frame
    gam = GAMStudent(n_estimators=60, learning_rate=0.3, max_bin=8, device="cpu")
    tree = TreeStudent(max_depth=2)
    return gam.fit(X, y, soft_target=p), tree.fit(X, y, soft_target=p)


@pytest.fixture
def points_table() -> ShapeTable:
    util = Axis("util", "numeric", edges=(0.5,))  # < 0.5, >= 0.5, missing
    home = Axis("home", "categorical", levels=("own", "rent"))  # own, rent, missing, unknown
    return ShapeTable(
        -1.0,
        (
            Term("util", (util,), np.array([0.0, 1.0, 0.5])),
            Term("home", (home,), np.array([-0.2, 0.3, 0.0, 0.0])),
        ),
        ("util", "home"),
        {"student": "hand", "points_factor": 20.0},
    )


def test_load_explained_dispatches_on_format(students, tmp_path: Path, additive_frame) -> None:
    X = additive_frame[0]
    gam, tree = students
    table_path = gam.export().save(tmp_path / "shape_table.json")
    rules_path = tree.export().save(tmp_path / "rule_set.json")
    table, rules = load_explained(table_path), load_explained(str(rules_path))
    assert isinstance(table, ShapeTable) and isinstance(rules, RuleSet)
    np.testing.assert_array_equal(table.predict_logit(X), gam.export().predict_logit(X))
    np.testing.assert_array_equal(rules.predict_logit(X), tree.export().predict_logit(X))


def test_load_explained_refuses_other_files_naming_them(tmp_path: Path) -> None:
    other = tmp_path / "points.json"
    other.write_text(json.dumps({"format": "risk_models.points_table", "rows": []}))
    with pytest.raises(
        ModelFormatError,
        match=re.escape(f"{other}: not an exported student model "),
    ):
        load_explained(other)
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ModelFormatError, match=r"list\.json: not an exported student model"):
        load_explained(listed)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ModelFormatError, match=r"broken\.json: not valid JSON"):
        load_explained(broken)
    with pytest.raises(ModelFormatError, match=r"none\.json: model file not found"):
        load_explained(tmp_path / "none.json")
    bad_table = tmp_path / "bad_table.json"
    bad_table.write_text(json.dumps({"format": "risk_models.shape_table", "version": 1}))
    with pytest.raises(ModelFormatError, match=r"bad_table\.json: malformed shape table"):
        load_explained(bad_table)


def test_explain_text_mentions_every_feature(students) -> None:
    gam, tree = students
    table = gam.export()
    text = explain_text(gam)
    for f in table.features:
        assert f"term {f!r} over {f} (" in text
    assert f"n_cells {table.n_cells()}" in text
    assert f"intercept: {table.intercept:+.4f} log-odds" in text
    for label in ("missing", "unknown"):  # the explicit missing / unseen-level bins
        assert label in text
    rules_text = explain_text(tree.export())
    assert rules_text.startswith("Rule set (tree): ")
    assert rules_text.endswith(tree.export().to_text())
    for f in tree.export().features:
        assert f in rules_text.splitlines()[0]


def test_explain_text_shows_points_lost_from_the_best_bin(points_table) -> None:
    text = explain_text(points_table)
    assert "20 points per unit of log-odds" in text
    lines = text.splitlines()
    assert "bin log-odds points lost vs best bin" in " ".join(text.split())
    for row in (">= 0.5 +1.0000 20.00", "rent +0.3000 10.00", "own -0.2000 0.00"):
        assert any(" ".join(ln.split()) == row for ln in lines), text


def test_score_with_reasons_by_hand(points_table) -> None:
    X = pd.DataFrame(
        {"util": [0.7, 0.2, np.nan], "home": ["rent", "own", "mars"], "app": ["A", "B", "C"]},
        index=[10, 5, 7],
    )
    out = score_with_reasons(points_table, X, k=2, id_column="app")
    assert list(out["app"]) == ["A", "B", "C"]
    np.testing.assert_allclose(out["logit"], [-1 + 1.0 + 0.3, -1 + 0.0 - 0.2, -1 + 0.5 + 0.0])
    np.testing.assert_allclose(out["probability"], points_table.predict_proba(X)[:, 1])
    # row A: util 20 points, home 10 points; row B: at the best bins, no reason
    assert list(out.loc[0, ["reason_1_feature", "reason_2_feature"]]) == ["util", "home"]
    assert list(out.loc[0, ["reason_1_points", "reason_2_points"]]) == [20.0, 10.0]
    assert out.loc[0, "reason_1_bin"] == ">= 0.5" and out.loc[0, "reason_1_value"] == "0.7"
    assert out.loc[0, "reason_1"].startswith("RC-UTIL-")
    assert pd.isna(out.loc[1, "reason_1"]) and np.isnan(out.loc[1, "reason_1_points"])
    # row C: missing util (10 points), an unseen level of home (scored 0: 4 points)
    assert out.loc[2, "reason_1_bin"] == "missing" and pd.isna(out.loc[2, "reason_1_value"])
    assert (out.loc[2, "reason_2_bin"], out.loc[2, "reason_2_points"]) == ("unknown", 4.0)
    assert out.attrs == {"reference": "best", "reference_logit": -1.2, "units": "points"}
    without_id = score_with_reasons(points_table, X, k=1)
    assert list(without_id.columns[:3]) == ["row", "probability", "logit"]
    assert list(without_id["row"]) == [10, 5, 7]


def test_score_with_reasons_keeps_rows_and_points_add_up(students, additive_frame) -> None:
    X = additive_frame[0].sample(frac=1.0, random_state=0)  # shuffled, non-default index
    X = X.assign(app=[f"id{i}" for i in range(len(X))])
    gam, _ = students
    table = gam.export()
    out = score_with_reasons(gam, X, k=len(table.features), id_column="app")
    assert len(out) == len(X)
    assert list(out["app"]) == list(X["app"])
    np.testing.assert_allclose(out["logit"], table.predict_logit(X), rtol=0, atol=1e-12)
    rc = reason_codes(table, X, k=len(table.features))
    # against the best bins every term loses >= 0 points, so the k = n_features reasons hold
    # all of the points lost, which add up to the score difference from the reference
    pts = out[[f"reason_{i}_points" for i in range(1, 4)]].fillna(0.0).sum(axis=1)
    np.testing.assert_allclose(pts, rc.score_difference(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(pts, out["logit"] - out.attrs["reference_logit"], atol=1e-9)
    # the wide line carries the same codes, in the same order, as the tidy reasons
    tidy = rc.reasons[rc.reasons["rank"] == 1]
    positions = X.index.get_indexer(tidy["row"])
    assert list(out["reason_1"].iloc[positions]) == list(tidy["code"].astype(str))


def test_score_with_reasons_tree_against_the_mean(students, additive_frame) -> None:
    X = additive_frame[0].head(300)
    _, tree = students
    out = score_with_reasons(tree, X, k=2, reference="mean", reference_frame=X)
    rc = reason_codes(tree, X, k=2, reference="mean", reference_frame=X)
    np.testing.assert_allclose(rc.points_lost.sum(axis=1), rc.score_difference(), atol=1e-12)
    assert len(out) == 300 and out.attrs["reference"] == "mean"
    got = out[["reason_1_points", "reason_2_points"]].fillna(0).sum(axis=1).to_numpy()
    clipped = rc.points_lost.clip(lower=0).to_numpy()  # top-2 of 3 features, positive only
    np.testing.assert_allclose(got, np.sort(clipped, axis=1)[:, -2:].sum(axis=1), atol=1e-12)


def test_score_with_reasons_lists_every_column_problem(points_table) -> None:
    X = pd.DataFrame({"util": [0.1, "high", None, "x"]})
    with pytest.raises(DataValidationError, match=r"^book\.csv: 3 data problem") as info:
        score_with_reasons(points_table, X, id_column="app", source="book.csv")
    assert info.value.problems == [
        "missing feature column(s) ['home'] that the model needs; add them "
        "(an empty value scores as the missing bin)",
        "id column 'app' not found; columns are ['util']",
        "column 'util': 2 of 4 rows are not numbers (e.g. 'high'); the model reads it as "
        "numeric, fix or blank those values",
    ]


def test_compression_report_against_a_real_teacher(students, additive_frame) -> None:
    from risk_models.teachers.boosted import LGBMTeacher, XGBTeacher
    from risk_models.teachers.ensemble import TeacherEnsemble

    X, y, _ = additive_frame
    fast = {"n_estimators": 40, "learning_rate": 0.2, "early_stopping_rounds": 10, "n_jobs": 1}
    teacher = TeacherEnsemble(
        members=[("xgb", XGBTeacher(device="cpu", **fast)), ("lgbm", LGBMTeacher(**fast))]
    ).fit(X[:2000], y[:2000], eval_set=(X[2000:], y[2000:]))
    gam, tree = students
    report = compression_report(gam, teacher, X.head(500), repeats=2)
    assert report["student_format"] == "risk_models.shape_table"
    assert report["student_n_cells"] == gam.export().n_cells() == report["student_n_parameters"]
    assert report["teacher_n_files"] >= 3  # two members and ensemble.json
    assert report["compression_ratio"] == pytest.approx(
        report["teacher_size_bytes"] / report["student_size_bytes"]
    )
    assert report["compression_ratio"] > 1
    assert report["student_seconds_per_1k_rows"] > 0 and report["teacher_seconds_per_1k_rows"] > 0
    assert report["latency_ratio"] == pytest.approx(
        report["teacher_seconds_per_1k_rows"] / report["student_seconds_per_1k_rows"]
    )
    assert report["latency_rows"] == 500
    rules = compression_report(tree.export(), teacher, X.head(200), repeats=1)
    assert rules["student_format"] == "risk_models.rule_set"
    assert rules["student_n_rules"] == tree.export().n_rules
    assert rules["compression_ratio"] > 1


def test_explain_text_prints_a_pair_term_as_a_grid() -> None:
    a = Axis("a", "numeric", edges=(0.0,))
    c = Axis("c", "categorical", levels=("x", "y"))
    pair = Term("a x c", (a, c), np.arange(12.0).reshape(3, 4) / 10)
    text = explain_text(ShapeTable(0.1, (pair,), ("a", "c"), {"student": "ga2m"}))
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    assert "term 'a x c' over a (numeric), c (categorical): 12 cells" in text
    assert "x y missing unknown" in lines
    assert ">= 0 +0.4000 +0.5000 +0.6000 +0.7000" in lines
