"""A ridge-penalised logistic teacher member on piecewise-linear splines and one-hot levels.

On small books (Statlog German: 1,000 rows, 13 categorical columns) a well-regularised
additive logistic model is among the strongest single models and tree ensembles and MLPs
overfit; on large books it is weak but cheap, and the ensemble's fitted weights give it
little. Numeric features get the piecewise-linear encoding of the MLP teacher
(:class:`~risk_models.teachers.tabular_encoding.TabularEncoder`: a linear spline over training
quantile bins, median-imputed with a missing indicator); categorical features one indicator
per level seen ``min_level_count`` times, rare, missing and unseen levels sharing the
all-zero reference. The ridge strength is chosen on the member's stop rows (``eval_set``),
the way boosted members early-stop: a path over ``n_strengths`` values of ``C`` from
``c_min`` to ``c_max`` (warm-started), the lowest stop-row log loss kept. Without an
``eval_set`` a stratified 15 % of the rows plays that part and the chosen ``C`` is refitted
on all rows.

Stored as JSON (encoder state, coefficients, intercept): no pickle.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from risk_models.atomic import atomic_write_text, read_json
from risk_models.base import LogOddsClassifierMixin
from risk_models.errors import ModelFormatError
from risk_models.params import validate_estimator_params
from risk_models.students._pair_path import row_log_loss
from risk_models.teachers import param_specs
from risk_models.teachers.tabular_encoding import (
    TabularEncoder,
    check_binary_target,
    check_sample_weight,
)

MODEL_FILE = "linear.json"


def _design(encoder: TabularEncoder, X: pd.DataFrame) -> np.ndarray:
    """Encoded numeric block beside one indicator per kept level (index 0 = reference)."""
    numeric, codes = encoder.transform(X)
    blocks = [numeric.astype(np.float64)]
    for j, width in enumerate(encoder.cardinalities):
        onehot = np.zeros((len(X), width - 1))
        hit = codes[:, j] > 0
        onehot[np.flatnonzero(hit), codes[hit, j] - 1] = 1.0
        blocks.append(onehot)
    return np.hstack(blocks)


class LinearTeacher(LogOddsClassifierMixin, BaseEstimator):
    """L2 logistic regression on spline-encoded numerics and one-hot levels.

    Parameters
    ----------
    n_bins : quantile bins of each numeric feature's linear spline.
    min_level_count : training rows a categorical level needs for its own coefficient.
    c_min, c_max, n_strengths : the path of inverse ridge strengths ``C`` (log-spaced) searched
        on the stop rows.
    max_iter : L-BFGS iterations per path point.
    random_state : seeds the internal stop split when no ``eval_set`` is given.

    Fitted attributes: ``encoder_``, ``coef_``, ``intercept_``, ``C_`` (the chosen strength),
    ``path_loss_`` (stop-row log loss along the path).
    """

    kind = "linear"
    _parameter_constraints = param_specs.LINEAR

    def __init__(
        self,
        n_bins: int = 8,
        min_level_count: int = 10,
        c_min: float = 0.001,
        c_max: float = 10.0,
        n_strengths: int = 9,
        max_iter: int = 300,
        random_state: int = 0,
    ) -> None:
        self.n_bins = n_bins
        self.min_level_count = min_level_count
        self.c_min = c_min
        self.c_max = c_max
        self.n_strengths = n_strengths
        self.max_iter = max_iter
        self.random_state = random_state

    def _path(
        self,
        A: np.ndarray,
        y: np.ndarray,
        w: np.ndarray | None,
        A_stop: np.ndarray,
        y_stop: np.ndarray,
        w_stop: np.ndarray | None,
    ) -> tuple[float, list[float], Any]:
        """Fit along the C path (strongest penalty first); the best C, losses and model."""
        from sklearn.linear_model import LogisticRegression

        if self.c_max < self.c_min:
            raise ValueError(f"c_max ({self.c_max}) must be >= c_min ({self.c_min})")
        grid = np.geomspace(self.c_min, self.c_max, self.n_strengths)
        model = LogisticRegression(C=grid[0], max_iter=self.max_iter, warm_start=True)
        best: tuple[float, float, np.ndarray, float] | None = None
        losses = []
        for c in grid:
            model.set_params(C=float(c))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning on the weakest penalties
                model.fit(A, y, sample_weight=w)
            rows = row_log_loss(y_stop, model.decision_function(A_stop))
            loss = float(np.average(rows, weights=w_stop))
            losses.append(loss)
            if best is None or loss < best[0]:
                best = (loss, float(c), model.coef_.ravel().copy(), float(model.intercept_[0]))
        assert best is not None
        return best[1], losses, best

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
    ) -> LinearTeacher:
        """Fit on 0/1 labels; ``eval_set`` (the stop rows) chooses the ridge strength."""
        validate_estimator_params(self)
        y_arr = check_binary_target(y, len(X))
        w = None if sample_weight is None else check_sample_weight(sample_weight, len(X))
        self.encoder_ = TabularEncoder(
            "piecewise_linear", n_bins=self.n_bins, min_level_count=self.min_level_count
        ).fit(X)
        A = _design(self.encoder_, X)
        if eval_set is not None:
            A_stop = _design(self.encoder_, eval_set[0])
            y_stop = check_binary_target(eval_set[1], len(eval_set[0]), "eval_set y")
            self.C_, self.path_loss_, best = self._path(A, y_arr, w, A_stop, y_stop, None)
            coef, intercept = best[2], best[3]
        else:
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split

            fit_i, stop_i = train_test_split(
                np.arange(len(X)), test_size=0.15, stratify=y_arr, random_state=self.random_state
            )
            w_fit = None if w is None else w[fit_i]
            w_stop = None if w is None else w[stop_i]
            self.C_, self.path_loss_, _ = self._path(
                A[fit_i], y_arr[fit_i], w_fit, A[stop_i], y_arr[stop_i], w_stop
            )
            final = LogisticRegression(C=self.C_, max_iter=self.max_iter)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                final.fit(A, y_arr, sample_weight=w)
            coef, intercept = final.coef_.ravel(), float(final.intercept_[0])
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = float(intercept)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class."""
        check_is_fitted(self, "coef_")
        return _design(self.encoder_, X) @ self.coef_ + self.intercept_

    def save(self, directory: str | Path) -> Path:
        """``linear.json`` (encoder, coefficients, chosen C, params) under ``directory``."""
        check_is_fitted(self, "coef_")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {
            "kind": self.kind,
            "params": self.get_params(),
            "encoder": self.encoder_.to_dict(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "C": self.C_,
            "path_loss": list(self.path_loss_),
        }
        atomic_write_text(directory / MODEL_FILE, json.dumps(state, allow_nan=False))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> LinearTeacher:
        path = Path(directory) / MODEL_FILE
        state = read_json(path, "linear teacher")
        if state.get("kind") != cls.kind:
            raise ModelFormatError(
                f"{path}: holds a {state.get('kind')!r} teacher, not {cls.kind!r}"
            )
        try:
            model = cls(**state["params"])
            model.encoder_ = TabularEncoder.from_dict(state["encoder"])
            model.coef_ = np.asarray(state["coef"], dtype=np.float64)
            model.intercept_ = float(state["intercept"])
            model.C_ = float(state["C"])
            model.path_loss_ = [float(v) for v in state["path_loss"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"{path}: malformed linear teacher ({exc})") from exc
        width = model.encoder_.n_numeric_inputs + sum(c - 1 for c in model.encoder_.cardinalities)
        if model.coef_.shape != (width,):
            raise ModelFormatError(
                f"{path}: {model.coef_.size} coefficients for a {width}-column design"
            )
        model.feature_names_in_ = np.asarray(model.encoder_.feature_names, dtype=object)
        model.n_features_in_ = len(model.feature_names_in_)
        model.classes_ = np.array([0, 1])
        return model
