"""Distill-and-compare catches planted teacher faults and stays quiet on an honest teacher."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluation.distill_compare import distill_and_compare

N = 4000


def _book(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Audit rows: the outcome depends on x1, x2 and cat; ``leak`` is pure noise here."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x1": rng.normal(size=N),
            "x2": rng.normal(size=N),
            "x3": rng.uniform(size=N),
            "leak": rng.normal(size=N),
            "cat": pd.Categorical(rng.choice(list("abc"), N)),
        }
    )
    base = -1.2 + 0.8 * X["x1"] + X["cat"].map({"a": 0.4, "b": 0.0, "c": -0.4}).astype(float)
    z = base - 0.6 * X["x2"]
    y = (rng.random(N) < 1 / (1 + np.exp(-z))).astype(int).to_numpy()
    return X, y, base


def _p(z: pd.Series) -> np.ndarray:
    return (1 / (1 + np.exp(-z))).to_numpy()


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    return _book()


def test_leaked_feature_is_a_disagreeing_term(book) -> None:
    X, y, base = book
    # The teacher trained where `leak` was recorded after the outcome: it leans on it heavily,
    # but on these rows `leak` says nothing about the outcome.
    teacher = _p(base - 0.6 * X["x2"] + 1.5 * X["leak"])
    out = distill_and_compare(X, y, teacher)
    assert out.disagreeing == ("leak",)
    term = out.terms[0]
    assert term.feature == "leak" and term.relation == "teacher_stronger"
    assert term.teacher_range > 3.0 > 0.6 > term.outcome_range
    assert "the teacher learned an effect the data alone does not support" in term.finding


def test_shape_contradicting_the_outcomes_is_a_disagreeing_term(book) -> None:
    X, y, base = book
    teacher = _p(base + 0.6 * X["x2"])  # risk rises with x2; the outcomes fall with it
    out = distill_and_compare(X, y, teacher)
    assert out.disagreeing == ("x2",)
    assert out.terms[0].relation == "opposite"
    assert "runs against the outcomes'" in out.terms[0].finding


def test_honest_teacher_has_no_findings_and_the_result_is_json(book) -> None:
    X, y, base = book
    out = distill_and_compare(X, y, _p(base - 0.6 * X["x2"]), n_boot=4)
    assert out.disagreeing == ()
    d = out.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["n_rows"] == N and d["n_boot"] == 4 and len(d["terms"]) == 5
    cat = next(t for t in d["terms"] if t["feature"] == "cat")
    assert cat["grid"] == ["a", "b", "c"] and sum(cat["support"]) == N


def test_cost_is_bounded_by_max_rows(book) -> None:
    X, y, base = book
    out = distill_and_compare(X, y, _p(base), n_boot=2, max_rows=500)
    assert out.n_rows == 500
    assert out.settings["max_rows"] == 500


def test_refuses_bad_inputs() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0]})
    y = [0, 1, 0, 1, 0]
    with pytest.raises(ValueError, match=re.escape("distill_and_compare: n_boot must be >= 2")):
        distill_and_compare(X, y, [0.5] * 5, n_boot=1)
    with pytest.raises(
        ValueError, match=re.escape("distill_and_compare: X, y and teacher_proba need one row each")
    ):
        distill_and_compare(X, y, [0.5] * 4)
    with pytest.raises(ValueError, match=re.escape("must export a shape table of one-axis terms")):
        distill_and_compare(X, y, [0.2, 0.8, 0.3, 0.7, 0.1], kind="tree", n_boot=2)
