import re
import time

import numpy as np
import pandas as pd
import pytest

from risk_models.students.gam import GAMStudent
from risk_models.students.reasons import (
    REASON_COLUMNS,
    feature_code,
    reason_catalogue,
    reason_code,
    reason_codes,
)
from risk_models.students.shape_table import Axis, ShapeTable, Term

UTIL = Axis("util", "numeric", edges=(0.5,))  # cells: < 0.5, >= 0.5, missing
HOME = Axis("home", "categorical", levels=("own", "rent"))  # own, rent, missing, unknown
AGE = Axis("age", "numeric", edges=(30.0, 50.0))


def _table(**metadata) -> ShapeTable:
    return ShapeTable(
        intercept=-1.0,
        terms=(
            Term("util", (UTIL,), np.array([0.0, 1.0, 0.4])),
            Term("home", (HOME,), np.array([-0.2, 0.3, 0.5, -1.0])),
            Term("age", (AGE,), np.array([0.6, 0.1, 0.0, 0.2])),
            Term(
                "util x home",
                (UTIL, HOME),
                np.array(
                    [
                        [0.1, 0.0, 0.0, -5.0],
                        [0.0, 0.8, 0.2, 0.0],
                        [0.0, 0.0, 0.0, 0.0],
                    ]
                ),
            ),
        ),
        features=("util", "home", "age", "unused"),
        metadata=dict(metadata),
    )


@pytest.fixture
def X() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "util": [0.7, 0.2, np.nan, 0.5],
            "home": pd.Categorical(["rent", "own", "mars", "rent"]),
            "age": [60.0, 60.0, 60.0, 20.0],
            "unused": [1.0, 2.0, 3.0, 4.0],
        },
        index=["a1", "a2", "a3", "a4"],
    )


def test_best_reference_by_hand(X) -> None:
    rc = reason_codes(_table(), X, k=4, reference="best")
    # best cells: util < 0.5 (0.0), home own (-0.2; the unknown cell -1.0 is never a reference),
    # age >= 50 (0.0), pair (util < 0.5, rent) (0.0, the first minimum outside unknown).
    assert rc.reference_score == pytest.approx(-1.0 + 0.0 - 0.2 + 0.0 + 0.0)
    expected = pd.DataFrame(
        {
            # row a1: util 1.0 + pair 0.8 (home sits at the pair's reference level: no share)
            # row a2: home gets the pair's 0.1 (util sits at its reference bin)
            # row a3: unseen level "mars" -> unknown cell (-1.0 vs -0.2); pair g=0 vs g_a=0,
            # g_b=-5 -> util +2.5, home -2.5
            # row a4: util=0.5 is in ">= 0.5" (float32, left-closed bins); age < 30 costs 0.6
            "util": [1.8, 0.0, 0.4 + 2.5, 1.8],
            "home": [0.5, 0.1, -0.8 - 2.5, 0.5],
            "age": [0.0, 0.0, 0.0, 0.6],
            "unused": [0.0, 0.0, 0.0, 0.0],
        },
        index=X.index,
    )
    pd.testing.assert_frame_equal(rc.points_lost, expected, atol=1e-12, rtol=0)
    np.testing.assert_allclose(rc.score, _table().predict_logit(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        rc.points_lost.sum(axis=1).to_numpy(), rc.score_difference(), rtol=0, atol=1e-9
    )
    r = rc.reasons
    assert list(r.columns) == REASON_COLUMNS
    a1 = r[r["row"] == "a1"]
    assert a1["feature"].tolist() == ["util", "home"] and a1["rank"].tolist() == [1, 2]
    assert a1["bin"].tolist() == [">= 0.5", "rent"]
    assert a1["value"].tolist() == [0.7, "rent"]
    assert a1["code"].tolist() == [reason_code("util", ">= 0.5"), reason_code("home", "rent")]
    assert a1["feature_code"].tolist() == ["RC-UTIL", "RC-HOME"]
    a3 = r[r["row"] == "a3"]
    assert a3["feature"].tolist() == ["util"] and a3["bin"].tolist() == ["missing"]
    a4 = r[r["row"] == "a4"]
    assert a4["feature"].tolist() == ["util", "age", "home"]  # only positive points
    assert a4["bin"].tolist() == [">= 0.5", "< 30", "rent"]


def test_top_k_limits_the_reasons(X) -> None:
    rc = reason_codes(_table(), X, k=1)
    assert rc.reasons.groupby("row").size().max() == 1
    assert rc.reasons.set_index("row").loc["a4", "feature"] == "util"
    with pytest.raises(ValueError, match=re.escape("k must be a positive integer, got 0")):
        reason_codes(_table(), X, k=0)


def test_mean_reference_needs_a_frame_and_averages_to_zero(X) -> None:
    with pytest.raises(ValueError, match=re.escape("reference='mean' needs reference_frame=")):
        reason_codes(_table(), X, reference="mean")
    rng = np.random.default_rng(0)
    n = 500
    frame = pd.DataFrame(
        {
            "util": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
            "home": pd.Categorical(rng.choice(["own", "rent"], n)),
            "age": rng.uniform(18, 80, n),
            "unused": 0.0,
        }
    )
    w = rng.uniform(0.5, 2.0, n)
    rc = reason_codes(_table(), frame, reference="mean", reference_frame=frame, weights=w)
    table = _table()
    assert rc.reference_score == pytest.approx(np.average(table.predict_logit(frame), weights=w))
    np.testing.assert_allclose(
        rc.points_lost.sum(axis=1).to_numpy(), rc.score_difference(), rtol=0, atol=1e-9
    )
    # Against its own population every feature's points lost average to zero (pairs too).
    np.testing.assert_allclose(np.average(rc.points_lost, axis=0, weights=w), 0.0, atol=1e-12)
    other = reason_codes(table, X, reference="mean", reference_frame=frame, weights=w)
    assert other.reference_score == pytest.approx(rc.reference_score)
    np.testing.assert_allclose(
        other.points_lost.sum(axis=1).to_numpy(), other.score_difference(), rtol=0, atol=1e-9
    )


def test_best_reference_prefers_cells_with_training_support(X) -> None:
    counts = {"home": [10, 5, 0, 0]}  # pretend "rent" and "own" seen, missing never
    table = _table(cell_counts=counts)
    assert reason_codes(table, X).reference_score == pytest.approx(-1.2)
    counts = {"home": [0, 5, 3, 0]}  # "own" never seen: the best supported cell is "rent"
    rc = reason_codes(_table(cell_counts=counts), X)
    assert rc.reference_score == pytest.approx(-1.0 + 0.3)
    assert rc.points_lost.loc["a2", "home"] == pytest.approx(-0.5 + 0.1)


def test_points_factor_scales_to_points(X) -> None:
    base = reason_codes(_table(), X)
    scaled = reason_codes(_table(points_factor=20.0), X)
    assert scaled.units == "points" and base.units == "log-odds"
    pd.testing.assert_frame_equal(scaled.points_lost, 20.0 * base.points_lost)
    np.testing.assert_allclose(
        scaled.points_lost.sum(axis=1).to_numpy(), scaled.score_difference(), atol=1e-9
    )


def test_codes_are_stable_and_bin_specific(X) -> None:
    one = reason_codes(_table(), X).reasons
    two = reason_codes(ShapeTable.from_dict(_table().to_dict()), X).reasons
    pd.testing.assert_frame_equal(one, two)
    assert reason_code("util", ">= 0.5") == "RC-UTIL-181455"  # pinned: notices map to it
    assert reason_code("util", "< 0.5") != reason_code("util", ">= 0.5")
    assert reason_code("util", "missing") != reason_code("home", "missing")
    assert feature_code("n_delinquencies (12m)") == "RC-N_DELINQUENCIES_12M"


def test_catalogue_lists_every_code(X) -> None:
    table = _table()
    cat = reason_catalogue(table)
    assert list(cat.columns) == ["code", "feature_code", "feature", "bin"]
    assert cat["code"].is_unique
    assert len(cat) == UTIL.size + HOME.size + AGE.size
    assert cat[cat["feature"] == "home"]["bin"].tolist() == ["own", "rent", "missing", "unknown"]
    assert set(reason_codes(table, X).reasons["code"]) <= set(cat["code"])


def test_terms_with_more_than_two_axes_are_refused(X) -> None:
    cube = Term("t", (UTIL, HOME, AGE), np.zeros((3, 4, 4)))
    table = ShapeTable(0.0, (cube,), ("util", "home", "age"))
    with pytest.raises(ValueError, match=re.escape("term 't' has 3 axes; reason codes handle")):
        reason_codes(table, X)


def test_missing_columns_are_refused(X) -> None:
    with pytest.raises(ValueError, match=re.escape("missing feature column(s) ['age']")):
        reason_codes(_table(), X.drop(columns=["age"]))


def test_gam_student_reasons_add_up(additive_frame) -> None:
    X, y, p = additive_frame
    model = GAMStudent(n_estimators=60, learning_rate=0.3).fit(X, y, soft_target=p)
    rc = reason_codes(model, X, k=2)
    np.testing.assert_allclose(rc.score, model.decision_function(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        rc.points_lost.sum(axis=1).to_numpy(), rc.score_difference(), rtol=0, atol=1e-9
    )
    assert set(rc.reasons["code"]) <= set(reason_catalogue(model)["code"])


def test_hundred_thousand_rows_in_under_two_seconds() -> None:
    rng = np.random.default_rng(0)
    n = 100_000
    cols: dict[str, object] = {}
    terms: list[Term] = []
    for j in range(17):
        x = rng.normal(size=n)
        x[rng.random(n) < 0.05] = np.nan
        cols[f"n{j}"] = x
        ax = Axis(f"n{j}", "numeric", edges=tuple(np.linspace(-2, 2, 30)))
        terms.append(Term(f"n{j}", (ax,), rng.normal(size=ax.size)))
    cols["c"] = pd.Categorical(rng.choice(list("abcdefgh"), n))
    cax = Axis("c", "categorical", levels=tuple("abcdefgh"))
    terms.append(Term("c", (cax,), rng.normal(size=cax.size)))
    for a, b in [(terms[0], terms[1]), (terms[2], terms[-1])]:
        ax, bx = a.axes[0], b.axes[0]
        terms.append(Term(f"{a.name} x {b.name}", (ax, bx), rng.normal(size=(ax.size, bx.size))))
    X = pd.DataFrame(cols)
    table = ShapeTable(0.1, tuple(terms), tuple(X.columns))
    assert len(table.terms) == 20
    elapsed = []
    for _ in range(2):
        start = time.perf_counter()
        rc = reason_codes(table, X, k=4)
        elapsed.append(time.perf_counter() - start)
    assert min(elapsed) < 2.0
    np.testing.assert_allclose(
        rc.points_lost.sum(axis=1).to_numpy(), rc.score_difference(), rtol=0, atol=1e-9
    )
