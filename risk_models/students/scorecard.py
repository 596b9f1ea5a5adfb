"""Scorecard student: coarse bins, integer points, a calibrated PD, distilled from soft labels.

Fitting, in order:

1. **Coarse bins** per feature (:mod:`risk_models.students.binning`), first supervised by the
   teacher's log-odds (by ``y`` when there is no teacher signal, ``alpha=1``): at most
   ``max_bins`` bins per feature (a missing bin included), each holding at least
   ``min_bin_share`` of the rows, monotone where a direction is declared. Then
   ``refine_rounds`` rounds of backfitting: with the current card fitted, every feature is
   re-binned on its partial working response (its contribution plus the Newton step of the
   distillation loss, Hessian-weighted), so the bins of correlated features are placed
   where they add to the others rather than where their marginal effect is.
2. **Bin coefficients** (log-odds of bad) minimise the distillation loss of
   :mod:`risk_models.distill.loss` plus ``l2/2 * sum(coef**2)`` (intercept unpenalised), by
   projected Newton. Declared directions are hard constraints: a monotone feature's
   coefficients are a first value plus non-negative steps. Neighbouring intervals of a
   numeric feature that end with the same integer points are merged and the card refitted,
   so no card shows two equal neighbours and the points of a monotone feature move
   strictly in the declared direction.
3. **Points** with points-to-double-odds scaling: ``factor = pdo / ln 2``,
   ``offset = base_points - factor * ln(base_odds)``, ``score = offset + factor * ln(odds)``
   where odds are good:bad (higher points = lower risk). Each feature's points are shifted so
   its worst bin scores 0; the intercept and the shifts form one separate integer
   ``base_points_``. A row's score is ``base_points_`` plus one integer per feature.
4. **PD from points**: ``PD = sigmoid(a * points + b)``. With ``calibrate=True`` ``(a, b)``
   is a Platt fit of the outcome on the total points, on ``eval_set`` when given (its target
   may be soft) else on the training rows' ``y``; without calibration it is the exact
   inverse of the scaling, ``a = -1/factor``, ``b = offset/factor``.
5. **Shape table**: every cell holds ``a * points`` and the intercept ``b + a * base_points_``,
   so the table scores exactly the PD that the points give. Its metadata holds the scaling,
   the points of every cell, the training count of every cell and ``points_factor``
   (``-1/a``, points per unit of the table's log-odds) so reason codes speak in points.

Values never seen in training: a missing value of a numeric feature without missing rows
scores as the most populated interval, and an unseen level of a categorical feature as the
most populated group (the bulk of the book, rather than the best or the worst bin).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from risk_models.data.inputs import check_fit_inputs, check_frame, is_categorical
from risk_models.distill.loss import teacher_logit
from risk_models.evaluation.calibration import fit_platt
from risk_models.params import validate_estimator_params
from risk_models.students import param_specs
from risk_models.students._scorecard_bins import BINS_PATH_START, fit_bins_path
from risk_models.students._scorecard_bins import fit_bin_coefficients as fit_bin_coefficients
from risk_models.students._scorecard_points import BASE_ROW as BASE_ROW
from risk_models.students._scorecard_points import (
    POINTS_TABLE_FORMAT,
    export_shape_table,
    feature_points,
    points_scaling,
    points_table,
    read_points_table,
    write_points_table,
)
from risk_models.students.protocol import DistilledStudent
from risk_models.students.shape_table import ShapeTable

__all__ = ["POINTS_TABLE_FORMAT", "ScorecardStudent", "points_scaling", "read_points_table"]


def _check_targets(
    X: pd.DataFrame, y: Any, soft_target: Any, sample_weight: Any, alpha: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Outcomes, soft targets (or None) and weights (ones if None).

    Without ``soft_target``, ``y`` must be 0/1 with both classes. With it, ``y`` may also
    hold probabilities (transfer rows labelled by the teacher), or be None when
    ``alpha == 0``: the teacher's probabilities then stand in for the outcomes.
    """
    n, p = X.shape
    if p == 0:
        raise ValueError(f"0 feature(s) (shape=({n}, 0)) while a minimum of 1 is required.")
    if n == 1:
        raise ValueError("n_samples=1: a classifier needs rows of both classes")
    if soft_target is None:
        if y is None:
            raise ValueError("ScorecardStudent requires y to be passed, but the target y is None")
        y1 = column_or_1d(y, warn=True)
        check_classification_targets(y1)
        kind = type_of_target(y1, input_name="y")
        if kind != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind}."
            )
        _, weight = check_fit_inputs(X, y1, None, sample_weight)
        y_out, q = y1.astype(np.float64), None
    else:
        if y is None and alpha > 0:
            raise ValueError("hard labels y are needed when alpha > 0 or without soft_target")
        y_in = soft_target if y is None else y
        q, weight = check_fit_inputs(X, y_in, soft_target, sample_weight)
        y_out = q.copy() if y is None else column_or_1d(y).astype(np.float64)
        if not np.all((y_out >= 0) & (y_out <= 1)):
            raise ValueError("y must be 0/1 outcomes (1 = bad) or probabilities in [0, 1]")
    w = np.ones(n) if weight is None else weight
    if not w.sum() > 0:
        raise ValueError("sample_weight is zero for every row; some rows need weight > 0")
    return y_out, q, w


def _check_count_mask(mask: Any, n: int) -> np.ndarray:
    """``count_mask`` as a boolean array of ``n`` (all True for None); it must mark a row."""
    if mask is None:
        return np.ones(n, dtype=bool)
    arr = np.asarray(mask)
    if arr.shape != (n,) or arr.dtype != bool:
        raise ValueError(f"count_mask must be {n} booleans (True = a real training row)")
    if not arr.any():
        raise ValueError("count_mask marks no row; the points table needs real training rows")
    return arr


class ScorecardStudent(DistilledStudent):
    """Points scorecard distilled from a teacher's soft labels (see module docstring).

    Parameters
    ----------
    max_bins : most bins per feature, a separate missing bin included (>= 2).
    min_bin_share : least share of training rows per bin, in (0, 0.5].
    monotone : feature -> +1 (risk rises with the value) or -1; numeric features only.
    base_points, base_odds, pdo : points scaling; ``base_odds`` good:bad odds score
        ``base_points`` and every ``pdo`` points double the odds.
    alpha : weight of the hard-label cross-entropy in the distillation loss (1 = ignore the
        teacher, 0 = soft labels only).
    temperature : distillation temperature ``T``.
    l2 : ridge penalty on the bin coefficients (log-odds scale; intercept unpenalised).
    calibrate : fit the PD to outcomes with a Platt map on the points (see ``fit``).
    refine_rounds : backfitting rounds that re-bin every feature on its partial working
        response (0 = bins from the teacher's marginal log-odds only).
    bins_path : with ``eval_set``, ``max_bins`` is a ceiling: cards with at most 4, 6, ...,
        ``max_bins`` bins per feature are fitted and the one whose (unrounded) log-odds
        have the lowest validation log loss against the eval target is kept (fewer bins on
        a tie). Only the training and validation rows are read. ``False``: ``max_bins``.
    random_state : seed of the binning trees (ties only).

    Attributes
    ----------
    bins_ : feature -> :class:`~risk_models.students.binning.FeatureBins`.
    coef_ : feature -> bin coefficients (log-odds of bad, before rounding).
    intercept_ : log-odds intercept before rounding.
    points_ : feature -> integer points per bin (worst bin 0).
    base_points_ : integer points every row gets.
    factor_, offset_ : the scaling (``points = offset_ + factor_ * ln(good:bad odds)``).
    calibration_ : ``{"slope": a, "intercept": b, "fitted_on": ...}``, PD = sigmoid(a*points+b).
    points_table_ : DataFrame, one row per table cell plus the base row (counts of the rows
        ``count_mask`` marks; ``n_transfer`` counts the others).
    shape_table_ : the exported :class:`ShapeTable` (log-odds of bad = the calibrated PD).
    features_ : feature names in fit order.
    max_bins_ : the bin ceiling used (chosen on validation with ``bins_path``).
    bins_path_ : ``[{"max_bins": b, "valid_loss": ...}, ...]`` of the path (empty without).
    """

    kind = "scorecard"
    # soft_eval: the pipeline passes the teacher's out-of-fold probabilities of the validation
    # rows as the eval target (the bins path and the Platt calibration read it)
    fit_options = frozenset({"count_mask", "soft_eval"})
    _parameter_constraints = param_specs.SCORECARD

    def __init__(
        self,
        max_bins: int = 6,
        min_bin_share: float = 0.05,
        monotone: dict[str, int] | None = None,
        base_points: float = 600.0,
        base_odds: float = 50.0,
        pdo: float = 20.0,
        alpha: float = 0.0,
        temperature: float = 1.0,
        l2: float = 1e-3,
        calibrate: bool = True,
        refine_rounds: int = 2,
        bins_path: bool = True,
        random_state: int = 0,
    ) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.monotone = monotone
        self.base_points = base_points
        self.base_odds = base_odds
        self.pdo = pdo
        self.alpha = alpha
        self.temperature = temperature
        self.l2 = l2
        self.calibrate = calibrate
        self.refine_rounds = refine_rounds
        self.bins_path = bins_path
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _check_params(self, X: pd.DataFrame) -> dict[str, int]:
        validate_estimator_params(self)
        mono = {k: int(v) for k, v in (self.monotone or {}).items() if v}
        bad = sorted(k for k in mono if k not in X.columns or is_categorical(X[k]))
        if bad:
            raise ValueError(
                f"monotone constraints given for {bad}, which are not numeric features of X"
            )
        infinite = {}
        for c in X.columns:
            if not is_categorical(X[c]):
                n_inf = int(np.isinf(pd.to_numeric(X[c], errors="coerce").to_numpy(float)).sum())
                if n_inf:
                    infinite[c] = n_inf
        if infinite:
            raise ValueError(
                f"infinite values in {infinite} (column: rows); use NaN for missing values"
            )
        return mono

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
        count_mask: Any = None,
    ) -> ScorecardStudent:
        """Fit on the distillation loss of ``y`` and ``soft_target`` (teacher P(bad)).

        Without ``soft_target`` (or with ``alpha=1``) the card is fitted to ``y`` alone, which
        must then be 0/1. With ``soft_target``, ``y`` may hold probabilities for rows without
        an outcome (a transfer set labelled by the teacher), or be None when ``alpha=0``.
        ``y`` also feeds the bad rates of the points table and, without ``eval_set``, the
        Platt calibration. ``eval_set=(X_valid, target_valid)`` is used for the calibration
        only; its target may be hard or soft. Rows of zero ``sample_weight`` are dropped.

        ``count_mask`` (boolean, one per row) marks the rows a reviewer's counts describe: the
        real training rows, as opposed to transfer rows labelled by the teacher. All rows are
        fitted on; only the marked ones enter the points table's ``n_train``, ``share`` and
        bad rates and the table's ``cell_counts``, and the others are counted apart
        (``n_transfer``). ``None`` counts every row.
        """
        from_frame = isinstance(X, pd.DataFrame)
        X = check_frame(X, owner=type(self).__name__)
        mono = self._check_params(X)
        y_arr, q, w = _check_targets(X, y, soft_target, sample_weight, float(self.alpha))
        counted = _check_count_mask(count_mask, len(X))
        keep = w > 0
        if not keep.all():
            X, y_arr, w, counted = X.loc[keep], y_arr[keep], w[keep], counted[keep]
            q = None if q is None else q[keep]
        self.classes_ = np.array([0, 1])
        self.features_ = tuple(X.columns)
        self.n_features_in_ = X.shape[1]
        if from_frame:
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.factor_, self.offset_ = points_scaling(self.base_points, self.base_odds, self.pdo)
        alpha, T = float(self.alpha), float(self.temperature)
        if q is None or alpha == 1.0:
            q, t, alpha = None, np.zeros(len(X)), 1.0
        else:
            t = teacher_logit(q)
        (bins, b0, coef), self.max_bins_, self.bins_path_ = fit_bins_path(
            X, y_arr, t, w, alpha, T, mono, eval_set, self._bin_candidates(eval_set is not None),
            list(self.features_), min_bin_share=self.min_bin_share,
            refine_rounds=self.refine_rounds, l2=self.l2, factor=self.factor_,
            random_state=self.random_state,
        )  # fmt: skip
        self.bins_ = bins
        self.coef_ = coef
        self.intercept_ = b0
        self._set_points()
        self._set_calibration(X, y_arr, w, eval_set)
        self.points_table_ = points_table(
            self.bins_, self.points_, self.base_points_, X, y_arr, q, w, counted
        )
        Xc = X[counted]
        counts = {
            f: np.bincount(fb.axis.index(Xc[f]), minlength=fb.axis.size) for f, fb in bins.items()
        }
        self.shape_table_ = export_shape_table(
            self.bins_, self.points_, self.base_points_, self._scaling(), self.calibration_,
            self.features_, counts,
        )  # fmt: skip
        self.shape_table_.metadata.update(max_bins=self.max_bins_, bins_path=self.bins_path_)
        return self

    def _bin_candidates(self, has_eval: bool) -> list[int]:
        top = int(self.max_bins)
        if not (self.bins_path and has_eval):
            return [top]
        return sorted({*range(min(BINS_PATH_START, top), top, 2), top})

    # ------------------------------------------------------------ points + PD
    def _set_points(self) -> None:
        self.points_, shift = {}, 0.0
        for f, c in self.coef_.items():
            self.points_[f], s = feature_points(c, self.factor_)
            shift += s
        self.base_points_ = int(np.rint(self.offset_ - self.factor_ * self.intercept_ + shift))

    def _set_calibration(
        self, X: pd.DataFrame, y: np.ndarray, w: np.ndarray, eval_set: Any
    ) -> None:
        a, b = -1.0 / self.factor_, self.offset_ / self.factor_
        fitted_on = "none"
        if self.calibrate:
            if eval_set is not None:
                Xv, tv = eval_set
                Xv = check_frame(Xv, owner=type(self).__name__, columns=list(self.features_))
                target = np.asarray(tv, dtype=np.float64).ravel()
                if target.shape != (len(Xv),) or not np.all((target >= 0) & (target <= 1)):
                    raise ValueError(
                        f"eval_set target must be {len(Xv)} outcomes or probabilities in [0, 1]"
                    )
                if not 0 < target.mean() < 1:
                    raise ValueError("eval_set target must hold both classes to calibrate on")
                pts, cw, fitted_on = self.score_points(Xv), np.ones(len(Xv)), "eval_set"
            else:
                pts, target, cw, fitted_on = self._points_of(X), y, w, "train"
                if not 0 < np.average(y, weights=w) < 1:
                    raise ValueError("y must hold both classes to calibrate on the training rows")
            s = (self.offset_ - pts) / self.factor_  # the uncalibrated log-odds of bad
            # BFGS's default cap for two parameters (200 per parameter), as before the fold
            c, d = fit_platt(s, target, cw, gtol=1e-10, maxiter=400)
            a, b = -c / self.factor_, c * self.offset_ / self.factor_ + d
        self.calibration_ = {"slope": float(a), "intercept": float(b), "fitted_on": fitted_on}

    def _points_of(self, X: pd.DataFrame) -> np.ndarray:
        total = np.full(len(X), self.base_points_, dtype=np.int64)
        for f, b in self.bins_.items():
            total += self.points_[f][b.bin_index(X[f])]
        return total

    def score_points(self, X: pd.DataFrame) -> np.ndarray:
        """Integer score of every row: ``base_points_`` plus one bin's points per feature."""
        check_is_fitted(self, "points_")
        X = check_frame(X, owner=type(self).__name__, columns=list(self.features_))
        return self._points_of(X)

    def pd_from_points(self, points: Any) -> np.ndarray:
        """Calibrated probability of bad for integer scores, ``sigmoid(a * points + b)``."""
        check_is_fitted(self, "calibration_")
        c = self.calibration_
        return expit(c["slope"] * np.asarray(points, dtype=np.float64) + c["intercept"])

    def trainer_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated log-odds from the trainer's own path: bins -> integer points -> PD map.

        ``decision_function`` (the exported table) must agree with it to float rounding.
        """
        c = self.calibration_
        return c["slope"] * self.score_points(X).astype(np.float64) + c["intercept"]

    # ---------------------------------------------------------------- export
    def _scaling(self) -> dict[str, float]:
        return {
            "base_points": float(self.base_points),
            "base_odds": float(self.base_odds),
            "pdo": float(self.pdo),
            "factor": self.factor_,
            "offset": self.offset_,
        }

    def export_points(self, path: str | os.PathLike[str]) -> Path:
        """Write ``points_table_`` as CSV (``.csv``) or JSON (``.json``), atomically.

        The JSON form also carries the scaling and the calibration; read either back with
        :func:`read_points_table`.
        """
        check_is_fitted(self, "points_table_")
        return write_points_table(self.points_table_, path, self._scaling(), self.calibration_)

    def export_artifacts(self, folder: Path) -> tuple[Path, ...]:
        """The points table a reviewer reads: ``points.csv`` and ``points.json``."""
        return tuple(self.export_points(Path(folder) / f"points.{s}") for s in ("csv", "json"))

    # --------------------------------------------------------------- predict
    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated log-odds of bad, from the shape table (NumPy only)."""
        check_is_fitted(self, "shape_table_")
        X = check_frame(X, owner=type(self).__name__, columns=list(self.features_))
        return self.shape_table_.predict_logit(X)

    def export(self) -> ShapeTable:
        """The exported model: the shape table (points per cell in its metadata)."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_
