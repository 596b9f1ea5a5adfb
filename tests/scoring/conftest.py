"""Fixtures of the scoring tests: hand-made tables, students fitted once per module, books."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.students.shape_table import Axis, ShapeTable, Term

UTIL = Axis("util", "numeric", edges=(0.5,))  # < 0.5, >= 0.5, missing
HOME = Axis("home", "categorical", levels=("own", "rent"))  # own, rent, missing, unknown
AGE = Axis("age", "numeric", edges=(30.0, 50.0))


def hand_table(**metadata) -> ShapeTable:
    """Three one-axis terms and a pair; ``util``'s missing cell had no training rows."""
    return ShapeTable(
        intercept=-1.0,
        terms=(
            Term("util", (UTIL,), np.array([0.0, 1.0, 0.4])),
            Term("home", (HOME,), np.array([-0.2, 0.3, 0.5, -1.0])),
            Term("age", (AGE,), np.array([0.6, 0.1, 0.0, 0.2])),
            Term(
                "util x home",
                (UTIL, HOME),
                np.array([[0.1, 0.0, 0.0, -5.0], [0.0, 0.8, 0.2, 0.0], [0.0, 0.0, 0.0, 0.0]]),
            ),
        ),
        features=("util", "home", "age"),
        metadata={"cell_counts": {"util": [10, 5, 0]}, **metadata},
    )


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    """2,000 synthetic credit applications with an ``app_id`` column."""
    from risk_models.data import make_credit_book

    syn = make_credit_book(n_rows=2000, seed=11)
    frame = syn.frame.drop(columns=[syn.spec.target, "application_date"])
    return frame.rename(columns={"application_id": "app_id"})


@pytest.fixture(scope="module")
def students(tmp_path_factory) -> dict[str, Path]:
    """GAM, GA2M (2 pairs), scorecard and tree fitted on a 3,000-row credit book, saved."""
    from risk_models.data import make_credit_book
    from risk_models.students.ga2m import GA2MStudent
    from risk_models.students.gam import GAMStudent
    from risk_models.students.scorecard import ScorecardStudent
    from risk_models.students.tree import TreeStudent

    syn = make_credit_book(n_rows=3000, seed=5)
    y = syn.frame[syn.spec.target].to_numpy()
    X = syn.frame[list(syn.spec.features)]
    tmp = tmp_path_factory.mktemp("students")
    fitted = {
        "gam": GAMStudent(n_estimators=80, learning_rate=0.3, device="cpu"),
        "ga2m": GA2MStudent(n_estimators=80, learning_rate=0.3, n_pairs=2, pair_rounds=40,
                            device="cpu"),
        "scorecard": ScorecardStudent(),
        "tree": TreeStudent(max_depth=3),
    }  # fmt: skip
    out = {}
    for name, est in fitted.items():
        exported = est.fit(X, y).export()
        out[name] = exported.save(
            tmp / name / f"{'rule_set' if name == 'tree' else 'shape_table'}.json"
        )
    return out
