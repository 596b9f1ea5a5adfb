"""Baselines of ``students_vs_baselines.py``: EBM, a default LightGBM and optbinning, on any file.

Every baseline is fitted on the same rows (train + valid, hard labels) and takes the validated
frame as it is (numeric ``float64`` columns and ``category`` columns with string levels):

* ``ExplainableBoostingClassifier()`` with its defaults; categoricals passed as strings (EBM
  treats ``object`` columns as nominal);
* ``lightgbm.LGBMClassifier()`` with its defaults (100 trees, 31 leaves) and ``verbose=-1``;
  ``category`` columns are LightGBM-native categoricals;
* optbinning's ``Scorecard`` over a ``BinningProcess`` that lists the categorical columns in
  ``categorical_variables`` (without it, optbinning fails on text: ``could not convert string
  to float: 'RENT'``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["categorical_columns", "fit_ebm", "fit_lightgbm", "fit_optbinning"]


def categorical_columns(X: pd.DataFrame) -> list[str]:
    """Columns of a validated frame that are categorical (``category`` or text)."""
    return [
        c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype) or X[c].dtype == object
    ]


def _as_text(X: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as ``object`` strings (missing stays missing), numerics unchanged."""
    out = X.copy()
    for c in categorical_columns(X):
        out[c] = X[c].astype(object).where(X[c].notna(), None)
    return out


def fit_ebm(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> dict[str, Any]:
    """EBM with defaults: test probabilities, fit seconds and the parameters that matter."""
    from interpret.glassbox import ExplainableBoostingClassifier

    ebm = ExplainableBoostingClassifier()
    params = ebm.get_params()
    t0 = time.perf_counter()
    ebm.fit(_as_text(X), y)
    fit_s = time.perf_counter() - t0
    return {
        "p": ebm.predict_proba(_as_text(X_test))[:, 1],
        "fit_seconds": fit_s,
        "random_state": params["random_state"],
        "interactions": str(params["interactions"]),
        "n_terms": len(ebm.term_features_),
    }


def fit_lightgbm(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> dict[str, Any]:
    """``LGBMClassifier()`` with its defaults (native categoricals)."""
    from lightgbm import LGBMClassifier

    model = LGBMClassifier(verbose=-1)
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t0
    return {"p": model.predict_proba(X_test)[:, 1], "fit_seconds": fit_s}


def fit_optbinning(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> dict[str, Any]:
    """optbinning ``Scorecard`` (logistic regression over optimal bins), categoricals declared."""
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    cats = categorical_columns(X)
    card = Scorecard(
        binning_process=BinningProcess(variable_names=list(X.columns), categorical_variables=cats),
        estimator=LogisticRegression(max_iter=1000),
        scaling_method="min_max",
        scaling_method_params={"min": 300, "max": 850},
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card.fit(_as_text(X), y)
        p = card.predict_proba(_as_text(X_test))[:, 1]
    return {"p": p, "fit_seconds": time.perf_counter() - t0, "categorical": cats}
