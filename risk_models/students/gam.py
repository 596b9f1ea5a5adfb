"""GAM student: boosted depth-1 trees on soft labels, exported to a :class:`ShapeTable`.

Training target (``fit(X, y, soft_target=q)``), with ``alpha`` the weight on hard labels and
``T`` the temperature of :mod:`risk_models.distill.loss`:

* no ``soft_target``: ``binary:logistic`` on the hard labels ``y``;
* ``T == 1``: ``binary:logistic`` on the mixed soft label ``alpha * y + (1 - alpha) * q``
  (exactly the distillation loss at ``T = 1``; ``alpha = 0`` is plain soft-label training);
* ``T != 1``: the distillation loss as a custom objective (``xgb_objective``), early stopping
  on log loss against the eval set's target.

Every mode starts from the same explicit base margin, ``logit`` of the weighted mean training
target, so ``alpha = 1`` reproduces hard-label training whatever the temperature. The target,
training and stump-export helpers live in :mod:`risk_models.students.boosting`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from risk_models.data.inputs import check_fit_inputs, check_frame, is_categorical
from risk_models.device import auto_threads
from risk_models.params import validate_estimator_params
from risk_models.students import param_specs
from risk_models.students._ga2m_tables import clip_pair_term, clip_to_ranges, observed_ranges
from risk_models.students._main_effects import MainEffects, find_stage, stage_key
from risk_models.students.boosting import (
    DistillTarget,
    categorical_param,
    export_stump_table,
    leaf_sum,
    make_target,
    monotone_param,
    start_margin,
    train_stage,
)
from risk_models.students.design import AdditiveDesign
from risk_models.students.protocol import DistilledStudent
from risk_models.students.shape_table import ShapeTable
from risk_models.xgb_utils import booster_json, xgb_device_params


class GAMStudent(DistilledStudent):
    """Generalised additive model distilled from soft labels.

    XGBoost with ``max_depth=1`` (stumps) is purely additive: every tree changes one feature's
    shape function. A categorical is one column of level codes split natively (partitions of
    its levels), so the model learns a shape over the levels directly and fit time does not
    grow with their number; levels seen fewer than ``min_level_count`` times share one pooled
    bin, which is also the table's *unknown* cell (levels never seen in training). The fitted
    model is exported to ``shape_table_``, which scores the same rows as the booster to 1e-6
    without XGBoost. Its numeric edges stop at the training range of their feature
    (:func:`clip_main_terms`; XGBoost's missing-vs-present split sits beyond the largest or
    smallest value seen, an edge such as ``>= 872`` on a feature whose largest value is 436):
    a value beyond the range scores as the nearest observed cell, in the table and in the
    booster's own path alike (``main_ranges_``); values inside the range score as before.

    Parameters
    ----------
    n_estimators : maximum boosting rounds.
    learning_rate : shrinkage per round.
    max_bin : histogram bins per numeric feature (caps the number of shape-function steps).
    min_child_weight, reg_lambda : XGBoost regularisation.
    early_stopping_rounds : rounds without validation improvement before stopping.
    early_stopping_tolerance : a round improves only if it lowers the best validation log
        loss by more than this share of the constant model's validation log loss (0 = any
        decrease counts); stops the long tail of tiny gains on large books.
    monotone : feature -> +1 (risk rises with the value) or -1; numeric features only.
        Enforced at fit time and verified on the exported table (``MonotonicityError``).
    alpha : weight on the hard-label loss (``0`` = soft labels only).
    temperature : distillation temperature ``T`` (``T^2``-scaled soft term).
    max_terms : term budget: keep the ``max_terms`` most important features and refit.
    min_level_count : training rows a categorical level needs for its own cell; rarer levels
        are pooled with unseen ones.
    device : ``"auto"`` (CUDA when present), ``"cuda"`` or ``"cpu"``.
    random_state : seed.

    Fitted attributes: ``shape_table_``, ``booster_``, ``design_``, ``n_trees_``, ``device_``,
    ``main_ranges_`` (numeric feature -> its ``(min, max)`` in training),
    ``term_importance_`` (feature -> standard deviation of its contribution on the training
    rows, from the fit on all features), ``main_effects_`` (the additive stage as a
    :class:`~risk_models.students._main_effects.MainEffects`, keyed by its parameters and
    data), ``classes_``, ``feature_names_in_``, ``n_features_in_``.

    ``fit(..., reuse=models)``: an additive stage among the already fitted ``models`` whose key
    matches this fit's (the same additive-stage parameters, training rows, targets, weights and
    validation set: the same stumps would come out) is taken instead of being boosted again; a
    GA2M fitted beside a GAM in one run shares its first stage so. Any other model is ignored.
    """

    kind = "gam"
    fit_options = frozenset({"soft_eval", "reuse"})
    _parameter_constraints = param_specs.GAM

    def __init__(
        self,
        n_estimators: int = 2000,
        learning_rate: float = 0.1,
        max_bin: int = 64,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 50,
        early_stopping_tolerance: float = 0.0,
        monotone: dict[str, int] | None = None,
        alpha: float = 0.0,
        temperature: float = 1.0,
        max_terms: int | None = None,
        min_level_count: int = 20,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_bin = max_bin
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.early_stopping_tolerance = early_stopping_tolerance
        self.monotone = monotone
        self.alpha = alpha
        self.temperature = temperature
        self.max_terms = max_terms
        self.min_level_count = min_level_count
        self.device = device
        self.random_state = random_state

    def _check_params(self, X: pd.DataFrame) -> dict[str, int]:
        validate_estimator_params(self)
        mono = dict(self.monotone or {})
        numeric = {c for c in X.columns if not is_categorical(X[c])}
        bad = sorted(set(mono) - numeric)
        if bad:
            raise ValueError(
                f"monotone constraints given for {bad}, which are not numeric features of X"
            )
        return {f: int(d) for f, d in mono.items() if d}

    def _booster_params(self, design: AdditiveDesign, n_rows: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "max_depth": 1,
            "eta": self.learning_rate,
            "max_bin": self.max_bin,
            "min_child_weight": self.min_child_weight,
            "lambda": self.reg_lambda,
            "seed": self.random_state,
            "nthread": auto_threads(n_rows * max(len(design.columns), 1)),
            **xgb_device_params(self.device, type(self).__name__),
            **categorical_param(design),
        }
        return {**params, **monotone_param(design, self._monotone)}

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
        reuse: Iterable[Any] = (),
    ) -> GAMStudent:
        """Fit on ``soft_target`` (teacher probabilities) when given, else on ``y``.

        ``eval_set=(X_valid, target_valid)`` enables early stopping; its target may be soft.
        ``reuse``: fitted students whose additive stage may be taken (class docstring).
        """
        X = check_frame(X, owner=type(self).__name__)
        X, target = self._prepare(X, y, soft_target, sample_weight)
        self._fit_main_effects(X, target, eval_set, reuse)
        self._verify()
        return self

    def _prepare(
        self, X: pd.DataFrame, y: Any, soft_target: Any, sample_weight: Any
    ) -> tuple[pd.DataFrame, DistillTarget]:
        """Validate inputs and build the target; rows of zero weight are dropped.

        (They carry no loss, but XGBoost would still take their values as cut candidates.)
        """
        self._monotone = self._check_params(X)
        n, p = X.shape
        if p == 0:
            raise ValueError(f"0 feature(s) (shape=({n}, 0)) while a minimum of 1 is required.")
        if n == 1:
            raise ValueError("n_samples=1: a classifier needs rows of both classes")
        needs_y = soft_target is None or float(self.alpha) > 0
        if soft_target is None:
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
            kind = type_of_target(y, input_name="y")
            if kind != "binary":
                raise ValueError(
                    f"Only binary classification is supported. The type of the target is {kind}."
                )
        elif needs_y:
            y = column_or_1d(y, warn=True)
            y_num = pd.to_numeric(pd.Series(y), errors="coerce").to_numpy(dtype=np.float64)
            if not np.all((y_num >= 0) & (y_num <= 1)):
                raise ValueError(
                    "y must hold 0/1 labels (1 = bad), or teacher probabilities on transfer "
                    "rows, when alpha > 0"
                )
            y = y_num
        _, weight = check_fit_inputs(X, y, soft_target, sample_weight)
        if weight is not None and not weight.sum() > 0:
            raise ValueError("sample_weight is zero for every row; some rows need weight > 0")
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        if weight is not None and np.any(weight == 0):
            keep = weight > 0
            X, weight = X.loc[keep], weight[keep]
            y = np.asarray(y)[keep] if needs_y else y
            soft_target = None if soft_target is None else np.asarray(soft_target)[keep]
        target = make_target(
            y if needs_y else None,
            soft_target,
            weight,
            float(self.alpha),
            float(self.temperature),
        )
        return X, target

    def _fit_main_effects(
        self,
        X: pd.DataFrame,
        target: DistillTarget,
        eval_set: tuple[Any, Any] | None,
        reuse: Iterable[Any] = (),
    ) -> None:
        """Fit the stump booster, rank terms, and refit on the budgeted features (or take a
        matching stage from ``reuse``); leaves the stage in ``main_effects_``."""
        if eval_set is not None:
            eval_set = (self._frame(eval_set[0]), eval_set[1])
        stage_params = {k: getattr(self, k) for k in GAMStudent._get_param_names()}
        key = stage_key(stage_params, X, target, eval_set)
        stage = find_stage(key, reuse)
        if stage is None:
            self._fit_stumps(X, target, eval_set)
            importance = term_importance(self.shape_table_, X, target.weight)
            self.term_importance_ = {f: importance.get(f, 0.0) for f in X.columns}
            if self.max_terms is not None and self.max_terms < X.shape[1]:
                order = sorted(range(X.shape[1]), key=lambda i: -importance[X.columns[i]])
                keep = sorted(order[: int(self.max_terms)])
                self._fit_stumps(X.iloc[:, keep], target, eval_set)
            stage = MainEffects(
                key,
                self.design_,
                self.booster_,
                self.n_trees_,
                self.device_,
                self.main_ranges_,
                self.shape_table_,
                self.term_importance_,
            )
        else:
            self.design_, self.booster_, self.n_trees_ = stage.design, stage.booster, stage.n_trees
            self.device_, self.main_ranges_ = stage.device, dict(stage.ranges)
            meta = {**stage.table.metadata, "student": self.kind}  # the stage's, as ours
            self.shape_table_ = dataclasses.replace(stage.table, metadata=meta)
            self.term_importance_ = dict(stage.importance)
        self.main_effects_ = stage

    def _fit_stumps(
        self, X: pd.DataFrame, target: DistillTarget, eval_set: tuple[Any, Any] | None
    ) -> None:
        design = AdditiveDesign.fit(X, min_level_count=int(self.min_level_count))
        params = self._booster_params(design, len(X))
        dtrain = design.dmatrix(X, label=target.label, weight=target.weight)
        dvalid = None
        if eval_set is not None:
            dvalid = design.dmatrix(eval_set[0], label=np.asarray(eval_set[1], dtype=np.float64))
        booster = train_stage(
            params,
            target,
            dtrain,
            dvalid,
            num_boost_round=self.n_estimators,
            early_stopping_rounds=self.early_stopping_rounds,
            tolerance=float(self.early_stopping_tolerance),
        )
        self.design_ = design
        self.booster_ = booster
        self.n_trees_ = booster.num_boosted_rounds()
        self.device_ = params["device"]
        numeric = set(design.features) - set(design.categorical)
        self.main_ranges_ = observed_ranges(X, numeric)
        self.shape_table_ = clip_main_terms(
            export_stump_table(booster, design, student=self.kind), X
        )

    def _verify(self) -> None:
        if self._monotone:
            from risk_models.students.monotonicity import verify_monotone

            verify_monotone(self.shape_table_, self._monotone)

    def _frame(self, X: Any) -> pd.DataFrame:
        return check_frame(X, owner=type(self).__name__, columns=list(self.feature_names_in_))

    def booster_margin(self, X: pd.DataFrame, *, exact: bool = True) -> np.ndarray:
        """Margins from the XGBoost booster itself, for checking the table.

        XGBoost sums its float32 leaves in float32, which drifts by ~1e-6 over thousands of
        trees. With ``exact=True`` the booster routes every row (``pred_leaf``) and the
        chosen leaves are summed in float64, so the comparison isolates the table's routing.
        """
        check_is_fitted(self, "booster_")
        return self._stump_margin(self._frame(X), exact=exact)

    def _stump_margin(self, X: pd.DataFrame, *, exact: bool = True) -> np.ndarray:
        d = self.design_.dmatrix(clip_to_ranges(X, self.main_ranges_))
        if not exact:
            return self.booster_.predict(d, output_margin=True).astype(np.float64)
        model = booster_json(self.booster_)
        return start_margin(model) + leaf_sum(self.booster_, d, model)

    def trainer_logit(self, X: pd.DataFrame) -> np.ndarray:
        """The booster's own margin (exact leaf sums), which the exported table must match."""
        return self.booster_margin(X)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class, from the shape table (NumPy only)."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_.predict_logit(self._frame(X))

    def export(self) -> ShapeTable:
        """The exported model: the shape table."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_


def clip_main_terms(table: ShapeTable, X: pd.DataFrame) -> ShapeTable:
    """``table`` with every numeric axis of its 1-D terms cut to the cells the training rows
    ``X`` occupy, as the pair tables are (:func:`clip_pair_term`); the missing cell is kept and
    rows inside the training range score as before."""
    terms = tuple(clip_pair_term(t, X) if len(t.axes) == 1 else t for t in table.terms)
    return dataclasses.replace(table, terms=terms)


def term_importance(
    table: ShapeTable, X: pd.DataFrame, weight: np.ndarray | None = None
) -> dict[str, float]:
    """Term name -> (weighted) standard deviation of its contribution over the rows of ``X``."""
    if not table.terms:
        return {}
    contrib = table.term_contributions(X)
    w = np.ones(len(X)) if weight is None or weight.sum() <= 0 else weight
    mean = np.average(contrib, axis=0, weights=w)
    var = np.average((contrib - mean) ** 2, axis=0, weights=w)
    return {t.name: float(np.sqrt(v)) for t, v in zip(table.terms, var, strict=True)}
