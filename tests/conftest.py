"""Shared fixtures: fixed seeds, tiny data built once per module, a throwaway MLflow store."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")


@pytest.fixture(autouse=True)
def _seeds() -> None:
    random.seed(0)
    np.random.seed(0)


@pytest.fixture(scope="module")
def credit_data():
    """A 4,000-row synthetic credit book, validated and split."""
    from risk_models.data import make_credit_book, split_data, validate_frame

    syn = make_credit_book(n_rows=4000, seed=3)
    data = validate_frame(syn.frame, syn.spec, "synthetic:credit")
    return split_data(data, seed=0)


@pytest.fixture(scope="module")
def additive_frame() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Numeric + categorical features with NaNs and a known additive logit."""
    rng = np.random.default_rng(1)
    n = 3000
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 10, n).astype(float),
            "c": pd.Categorical(rng.choice(["x", "y", "z"], n)),
        }
    )
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    X.loc[rng.random(n) < 0.05, "c"] = np.nan
    c_eff = X["c"].astype(object).map({"x": 0.5, "y": -0.5, "z": 0.0}).fillna(1.0).astype(float)
    z = X["a"].fillna(1.5).to_numpy() * 0.8 + (X["b"] > 4).to_numpy() * 1.0 + c_eff.to_numpy() - 1
    p = 1 / (1 + np.exp(-z))
    y = (rng.random(n) < p).astype(int)
    return X, y, p


@pytest.fixture
def mlflow_uri(tmp_path: Path) -> str:
    """A fresh SQLite-backed MLflow store in a temporary directory."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data not present (fresh clone); real-data tests run in CI")
    return SHARED_DATA
