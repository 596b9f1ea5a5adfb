"""A level seen in training but pooled (too rare for a cell of its own) is known, not unseen.

The GAM/GA2M students pool the levels seen fewer than ``min_level_count`` times with unseen
levels into the unknown cell of the categorical axis; the exported axis names them in
``pooled_levels``, and every scorer (``score_chunk`` / ``riskdistill score``, the rejects, the
pyfunc, ``riskdistill reasons``) scores them in that cell without an ``unseen_level`` flag.
Only levels never seen in training are ``unseen_level``. A table without ``pooled_levels``
(exported before the field) loads and behaves as before.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from risk_models.cli import main
from risk_models.errors import DataValidationError, ModelFormatError
from risk_models.scoring.batch import score_batch
from risk_models.scoring.invalid import apply_invalid_policy
from risk_models.scoring.tablescore import compile_model, plain_frame, score_chunk
from risk_models.students.shape_table import Axis, ShapeTable, Term

MIN_LEVEL_COUNT = 20
#: Scored rows: a common level, the rare training level, a level never seen, a missing value.
NEW = pd.DataFrame(
    {
        "app_id": ["p", "q", "r", "s"],
        "x": [0.0, 0.0, 0.0, 0.0],
        "cat": ["A", "rare", "brand-new", None],
    }
)


def _flags(values: object) -> list[str]:
    """Flags as text, ``""`` where a row has none (None or NaN, by engine)."""
    return pd.Series(values, dtype=object).fillna("").tolist()


def _training(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """1,500 rows: levels A, B, C (hundreds of rows each) and ``rare`` (5 rows < 20)."""
    rng = np.random.default_rng(seed)
    cat = np.array(["A"] * 600 + ["B"] * 600 + ["C"] * 295 + ["rare"] * 5, dtype=object)
    rng.shuffle(cat)
    x = rng.normal(size=len(cat))
    effect = pd.Series(cat).map({"A": -0.8, "B": 0.0, "C": 0.9, "rare": 2.0}).to_numpy()
    y = (rng.random(len(cat)) < 1 / (1 + np.exp(-(-0.5 + x + effect)))).astype(int)
    return pd.DataFrame({"x": x, "cat": cat}), y


@pytest.fixture(scope="module")
def gam() -> tuple[object, ShapeTable]:
    from risk_models.students.gam import GAMStudent

    X, y = _training()
    model = GAMStudent(
        n_estimators=40, learning_rate=0.3, min_level_count=MIN_LEVEL_COUNT, device="cpu"
    ).fit(X, y)
    return model, model.export()


def _cat_axis(table: ShapeTable, term: str = "cat") -> Axis:
    return next(a for a in table.term(term).axes if a.feature == "cat")


def test_the_exported_axis_names_the_pooled_training_levels(gam) -> None:
    _, table = gam
    axis = _cat_axis(table)
    assert (axis.levels, axis.pooled_levels) == (("A", "B", "C"), ("rare",))
    d = table.to_dict()
    (cat,) = next(t for t in d["terms"] if t["name"] == "cat")["axes"]
    assert cat["pooled_levels"] == ["rare"]  # plain JSON
    again = ShapeTable.from_dict(json.loads(json.dumps(d)))
    assert _cat_axis(again).pooled_levels == ("rare",)
    x_axis = table.term("x").axes[0].to_dict()
    assert "pooled_levels" not in x_axis  # only categorical axes that pool carry the key


def test_a_rare_training_level_scores_in_the_pooled_cell_without_a_flag(gam) -> None:
    model, table = gam
    compiled = compile_model(table.to_dict())
    flagged = plain_frame(score_chunk(compiled, NEW, on_invalid="flag").table)
    assert _flags(flagged["flags"]) == ["", "", "unseen_level:cat", ""]
    logit = flagged["logit"].to_numpy()
    # the pooled cell is the unknown cell: the rare level and the new one score alike, as the
    # booster scores its pooled code (the rare level is the booster's pooled bin)
    axis = _cat_axis(table)
    cell = table.term("cat").values[axis.unknown_index]
    x_cell = table.term("x").axes[0].index(NEW["x"])[1]
    by_hand = table.intercept + table.term("x").values[x_cell] + cell
    assert logit[1] == logit[2]
    np.testing.assert_allclose(logit[1], by_hand, rtol=0, atol=1e-12)
    np.testing.assert_allclose(logit, model.booster_margin(NEW[["x", "cat"]]), atol=1e-6)
    rejected = score_chunk(compiled, NEW, on_invalid="reject")
    assert rejected.kept.tolist() == [True, True, False, True]
    assert rejected.reject_reason.tolist() == ["unseen_level:cat"]
    assert rejected.problems.counts() == {"unseen_level": 1}


def test_ga2m_pair_axes_carry_the_pooled_levels() -> None:
    from risk_models.students.ga2m import GA2MStudent

    X, y = _training()
    model = GA2MStudent(
        n_estimators=40, learning_rate=0.3, n_pairs=1, pair_rounds=20,
        min_level_count=MIN_LEVEL_COUNT, device="cpu",
    ).fit(X, y)  # fmt: skip
    table = model.export()
    (pair,) = [t for t in table.terms if len(t.axes) == 2]
    assert _cat_axis(table, pair.name).pooled_levels == ("rare",)
    compiled = compile_model(table.to_dict())
    assert compiled.known_levels == {"cat": frozenset({"A", "B", "C", "rare"})}
    out = plain_frame(score_chunk(compiled, NEW, on_invalid="flag").table)
    assert _flags(out["flags"]) == ["", "", "unseen_level:cat", ""]
    assert out["logit"][1] == out["logit"][2]


def test_every_scoring_path_treats_the_pooled_level_as_known(gam, tmp_path, mlflow_uri) -> None:
    import mlflow

    from risk_models.tracking.mlflow_model import log_student_model

    _, table = gam
    path = table.save(tmp_path / "gam" / "shape_table.json")
    NEW.to_parquet(tmp_path / "new.parquet")
    summary = score_batch(
        path, tmp_path / "new.parquet", tmp_path / "out.parquet", id_columns=["app_id"],
        as_of="2026-12-01", track=False,
    )  # fmt: skip
    assert (summary.rows_scored, summary.rows_rejected) == (3, 1)
    assert summary.rejected_by_reason == {"unseen_level": 1}
    rejects = pd.read_parquet(tmp_path / "out.rejects.parquet")
    assert rejects[["app_id", "reject_reason"]].values.tolist() == [["r", "unseen_level:cat"]]
    scored = plain_frame(pq.read_table(tmp_path / "out.parquet"))
    assert scored["app_id"].tolist() == ["p", "q", "s"]

    # riskdistill reasons: the pooled level passes the reject policy, the new one is named
    message = "column 'cat': 1 of 4 rows hold a level the model never saw in training"
    with pytest.raises(DataValidationError, match=re.escape(message)):
        apply_invalid_policy(table, NEW, "reject")
    _, flags = apply_invalid_policy(table, NEW, "flag")
    assert _flags(flags) == ["", "", "unseen_level:cat", ""]
    kept = NEW.iloc[[0, 1, 3]]
    assert apply_invalid_policy(table, kept, "reject")[1] is None
    NEW.to_csv(tmp_path / "new.csv", index=False)
    cli = CliRunner().invoke(
        main, ["reasons", str(path), str(tmp_path / "new.csv"), "--id-column", "app_id",
               "--on-invalid", "flag", "-o", str(tmp_path / "reasons.csv")],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    reasons = pd.read_csv(tmp_path / "reasons.csv")
    assert _flags(reasons["flags"]) == ["", "", "unseen_level:cat", ""]

    # the MLflow pyfunc (the shipped tablescore package)
    mlflow.set_tracking_uri(mlflow_uri)
    exp = mlflow.MlflowClient().create_experiment("pooled", artifact_location=f"{tmp_path}/art")
    mlflow.set_experiment(experiment_id=exp)
    with mlflow.start_run():
        info = log_student_model(table, name="model", input_example=NEW[["x", "cat"]])
    got = mlflow.pyfunc.load_model(info.model_uri).predict(NEW[["x", "cat"]])
    assert _flags(got["flags"]) == ["", "", "unseen_level:cat", ""]
    np.testing.assert_array_equal(got["logit"], scored_logits(table))


def scored_logits(table: ShapeTable) -> np.ndarray:
    return plain_frame(score_chunk(table.compiled, NEW, on_invalid="flag").table)["logit"]


def _old_format() -> dict:
    """A shape table as exported before ``pooled_levels``: ``rare`` simply absent from levels."""
    cat = Axis("cat", "categorical", levels=("A", "B"))
    table = ShapeTable(-1.0, (Term("cat", (cat,), np.array([0.1, 0.2, 0.3, 0.7])),), ("cat",))
    d = table.to_dict()
    assert "pooled_levels" not in d["terms"][0]["axes"][0]
    return d


def test_an_old_table_without_pooled_levels_loads_and_flags_as_before() -> None:
    d = _old_format()
    table = ShapeTable.from_dict(d)
    assert _cat_axis(table).pooled_levels == ()
    frame = pd.DataFrame({"cat": ["A", "rare", None]})
    out = plain_frame(score_chunk(compile_model(d), frame, on_invalid="flag").table)
    assert _flags(out["flags"]) == ["", "unseen_level:cat", ""]  # previous behaviour
    np.testing.assert_allclose(out["logit"], [-0.9, -0.3, -0.7], rtol=0, atol=1e-15)


def test_a_level_both_pooled_and_a_cell_is_refused() -> None:
    d = _old_format()
    d["terms"][0]["axes"][0]["pooled_levels"] = ["B", "z"]
    with pytest.raises(ModelFormatError, match=re.escape("level(s) ['B'] are both a cell and")):
        ShapeTable.from_dict(d, source="m.json")


def test_a_level_is_known_only_if_every_axis_over_the_feature_knows_it() -> None:
    main_axis = Axis("cat", "categorical", levels=("A", "B"), pooled_levels=("rare",))
    pair_axis = Axis("cat", "categorical", levels=("A", "B"))  # an older pair: rare unseen
    x = Axis("x", "numeric", edges=(0.0,))
    table = ShapeTable(
        0.0,
        (
            Term("cat", (main_axis,), np.zeros(4)),
            Term("x x cat", (x, pair_axis), np.zeros((3, 4))),
        ),
        ("x", "cat"),
    )
    compiled = compile_model(table.to_dict())
    assert compiled.known_levels == {"cat": frozenset({"A", "B"})}
    frame = pd.DataFrame({"x": [1.0, 1.0], "cat": ["A", "rare"]})
    assert score_chunk(compiled, frame, on_invalid="flag").problems.counts() == {"unseen_level": 1}
