"""GAM student: boosted depth-1 trees on soft labels, exported to a :class:`ShapeTable`.

Training target (``fit(X, y, soft_target=q)``), with ``alpha`` the weight on hard labels and
``T`` the temperature of :mod:`risk_models.distill.loss`:

* no ``soft_target``: ``binary:logistic`` on the hard labels ``y``;
* ``T == 1``: ``binary:logistic`` on the mixed soft label ``alpha * y + (1 - alpha) * q``
  (exactly the distillation loss at ``T = 1``; ``alpha = 0`` is plain soft-label training);
* ``T != 1``: the distillation loss as a custom objective (``xgb_objective``), early stopping
  on log loss against the eval set's target.

Every mode starts from the same explicit base margin, ``logit`` of the weighted mean training
target, so ``alpha = 1`` reproduces hard-label training whatever the temperature.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from risk_models.device import auto_threads
from risk_models.distill.loss import mixed_target, teacher_logit, xgb_objective
from risk_models.students._fit_inputs import check_fit_inputs, ensure_frame
from risk_models.students.design import MISSING_LEVEL, AdditiveDesign, is_categorical
from risk_models.students.shape_table import Axis, ShapeTable, Term
from risk_models.xgb_utils import base_margin, booster_json, xgb_device_params


@dataclass(frozen=True)
class DistillTarget:
    """What the boosters train on: DMatrix label, weights, objective and starting score."""

    label: np.ndarray
    weight: np.ndarray | None
    teacher_logit: np.ndarray | None
    obj: Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]] | None
    base_prob: float  # starting probability (a float32 value), the same in every mode

    @property
    def start(self) -> float:
        """Starting margin (log-odds) as the float32 value the booster adds."""
        p32 = np.float32(self.base_prob)
        return float(np.float32(math.log(p32 / (np.float32(1) - p32))))

    def params(self) -> dict[str, Any]:
        """Objective, base score and metric params for ``xgb.train``."""
        if self.obj is None:
            return {
                "objective": "binary:logistic",
                "eval_metric": "logloss",
                "base_score": self.base_prob,
            }
        return {"base_score": self.start, "disable_default_eval_metric": 1}


def make_target(
    y: np.ndarray | None,
    soft_target: Any,
    weight: np.ndarray | None,
    alpha: float,
    temperature: float,
) -> DistillTarget:
    """Build the training target for the distillation loss (see module docstring).

    ``y`` is needed without ``soft_target`` (0/1 labels) and when ``alpha > 0`` (values in
    [0, 1]: 0/1 labels, or the teacher's probability on transfer rows that have no outcome).
    """
    hard = None
    if soft_target is None or alpha > 0:
        if y is None:
            raise ValueError("hard labels y are needed when alpha > 0 or without soft_target")
        hard = np.asarray(y, dtype=np.float64)
    obj = None
    t = None
    if soft_target is None:
        label = np.asarray(hard, dtype=np.float64)
    else:
        q = np.asarray(soft_target, dtype=np.float64)
        t = teacher_logit(q)
        hard_or_zero = hard if hard is not None else np.zeros_like(q)
        label = mixed_target(hard_or_zero, q, alpha)
        if temperature != 1.0:
            obj = xgb_objective(hard_or_zero, t, alpha, temperature)
    mean = float(np.average(label, weights=weight)) if weight is None or weight.sum() > 0 else 0.5
    p32 = np.float32(min(max(mean, 1e-6), 1 - 1e-6))
    return DistillTarget(label, weight, t, obj, float(p32))


def _logloss_metric(preds: np.ndarray, dmat: Any) -> tuple[str, float]:
    """Log loss of raw margins against the (possibly soft) labels, for early stopping."""
    z = preds.astype(np.float64)
    q = dmat.get_label().astype(np.float64)
    loss = np.logaddexp(0.0, z) - q * z
    return "logloss", float(np.mean(loss))


def train_stage(
    params: dict[str, Any],
    target: DistillTarget,
    dtrain: Any,
    dvalid: Any | None,
    *,
    num_boost_round: int,
    early_stopping_rounds: int | None,
) -> Any:
    """Train one booster on ``target``; with ``dvalid``, stop early and keep the best trees."""
    import xgboost as xgb

    params = {**params, **target.params()}
    evals = [(dvalid, "valid")] if dvalid is not None else []
    extra: dict[str, Any] = {}
    if target.obj is not None:
        extra["obj"] = target.obj
        if evals:
            extra["custom_metric"] = _logloss_metric
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=num_boost_round,
        evals=evals,
        early_stopping_rounds=early_stopping_rounds if evals else None,
        verbose_eval=False,
        **extra,
    )
    if evals and early_stopping_rounds:
        booster = booster[: int(booster.best_iteration) + 1]
    return booster


def start_margin(model: dict[str, Any]) -> float:
    """The booster's starting margin as the float32 value XGBoost adds."""
    return float(np.float32(base_margin(model)))


def leaf_sum(booster: Any, dmat: Any, model: dict[str, Any] | None = None) -> np.ndarray:
    """Sum of the chosen float32 leaves per row, in float64 (no base score)."""
    model = model or booster_json(booster)
    trees = model["learner"]["gradient_booster"]["model"]["trees"]
    total = np.zeros(dmat.num_row(), dtype=np.float64)
    if not trees:
        return total
    leaves = booster.predict(dmat, pred_leaf=True).reshape(dmat.num_row(), -1)
    for t, tree in enumerate(trees):
        values = np.asarray(tree["split_conditions"], dtype=np.float32).astype(np.float64)
        total += values[leaves[:, t].astype(np.int64)]
    return total


class GAMStudent(ClassifierMixin, BaseEstimator):
    """Generalised additive model distilled from soft labels.

    XGBoost with ``max_depth=1`` (stumps) is purely additive: every tree changes one feature's
    shape function. Categoricals are one-hot encoded, so a level's contribution is the sum of
    its dummies' stumps. The fitted model is exported to ``shape_table_``, which scores the
    same rows as the booster to 1e-6 without XGBoost.

    Parameters
    ----------
    n_estimators : maximum boosting rounds.
    learning_rate : shrinkage per round.
    max_bin : histogram bins per numeric feature (caps the number of shape-function steps).
    min_child_weight, reg_lambda : XGBoost regularisation.
    early_stopping_rounds : rounds without validation improvement before stopping.
    monotone : feature -> +1 (risk rises with the value) or -1; numeric features only.
        Enforced at fit time and verified on the exported table (``MonotonicityError``).
    alpha : weight on the hard-label loss (``0`` = soft labels only).
    temperature : distillation temperature ``T`` (``T^2``-scaled soft term).
    max_terms : term budget: keep the ``max_terms`` most important features and refit.
    device : ``"auto"`` (CUDA when present), ``"cuda"`` or ``"cpu"``.
    random_state : seed.

    Fitted attributes: ``shape_table_``, ``booster_``, ``design_``, ``n_trees_``, ``device_``,
    ``term_importance_`` (feature -> standard deviation of its contribution on the training
    rows, from the fit on all features), ``classes_``, ``feature_names_in_``,
    ``n_features_in_``.
    """

    _student = "gam"

    def __init__(
        self,
        n_estimators: int = 2000,
        learning_rate: float = 0.1,
        max_bin: int = 64,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 50,
        monotone: dict[str, int] | None = None,
        alpha: float = 0.0,
        temperature: float = 1.0,
        max_terms: int | None = None,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_bin = max_bin
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.monotone = monotone
        self.alpha = alpha
        self.temperature = temperature
        self.max_terms = max_terms
        self.device = device
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def _check_params(self, X: pd.DataFrame) -> dict[str, int]:
        if not 0.0 <= float(self.alpha) <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        if not float(self.temperature) > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if self.max_terms is not None and (
            isinstance(self.max_terms, bool)
            or not isinstance(self.max_terms, (int, np.integer))
            or self.max_terms < 1
        ):
            raise ValueError(
                f"max_terms must be a positive integer or None, got {self.max_terms!r}"
            )
        mono = dict(self.monotone or {})
        numeric = {c for c in X.columns if not is_categorical(X[c])}
        bad = sorted(set(mono) - numeric)
        if bad:
            raise ValueError(
                f"monotone constraints given for {bad}, which are not numeric features of X"
            )
        bad_dir = {f: d for f, d in mono.items() if d not in (-1, 0, 1)}
        if bad_dir:
            raise ValueError(f"monotone directions must be -1, 0 or +1; got {bad_dir}")
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
    ) -> GAMStudent:
        """Fit on ``soft_target`` (teacher probabilities) when given, else on ``y``.

        ``eval_set=(X_valid, target_valid)`` enables early stopping; its target may be soft.
        """
        X = as_frame(X, type(self).__name__)
        X, target = self._prepare(X, y, soft_target, sample_weight)
        self._fit_main_effects(X, target, eval_set)
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
        self, X: pd.DataFrame, target: DistillTarget, eval_set: tuple[Any, Any] | None
    ) -> None:
        """Fit the stump booster, rank terms, and refit on the budgeted features."""
        self._fit_stumps(X, target, eval_set)
        importance = term_importance(self.shape_table_, X, target.weight)
        self.term_importance_ = {f: importance.get(f, 0.0) for f in X.columns}
        if self.max_terms is not None and self.max_terms < X.shape[1]:
            order = sorted(range(X.shape[1]), key=lambda i: -importance[X.columns[i]])
            keep = sorted(order[: int(self.max_terms)])
            self._fit_stumps(X.iloc[:, keep], target, eval_set)

    def _fit_stumps(
        self, X: pd.DataFrame, target: DistillTarget, eval_set: tuple[Any, Any] | None
    ) -> None:
        import xgboost as xgb

        design = AdditiveDesign.fit(X)
        params = self._booster_params(design, len(X))
        dtrain = xgb.DMatrix(
            design.transform(X), label=target.label, weight=target.weight, missing=np.nan
        )
        dvalid = None
        if eval_set is not None:
            Xv = self._frame(eval_set[0])
            tv = np.asarray(eval_set[1], dtype=np.float64)
            dvalid = xgb.DMatrix(design.transform(Xv), label=tv, missing=np.nan)
        booster = train_stage(
            params,
            target,
            dtrain,
            dvalid,
            num_boost_round=self.n_estimators,
            early_stopping_rounds=self.early_stopping_rounds,
        )
        self.design_ = design
        self.booster_ = booster
        self.n_trees_ = booster.num_boosted_rounds()
        self.device_ = params["device"]
        self.shape_table_ = export_stump_table(booster, design, student=self._student)

    def _verify(self) -> None:
        if self._monotone:
            from risk_models.students.monotonicity import verify_monotone

            verify_monotone(self.shape_table_, self._monotone)

    def _frame(self, X: Any) -> pd.DataFrame:
        return as_frame(X, type(self).__name__, list(self.feature_names_in_))

    def booster_margin(self, X: pd.DataFrame, *, exact: bool = True) -> np.ndarray:
        """Margins from the XGBoost booster itself, for checking the table.

        XGBoost sums its float32 leaves in float32, which drifts by ~1e-6 over thousands of
        trees. With ``exact=True`` the booster routes every row (``pred_leaf``) and the
        chosen leaves are summed in float64, so the comparison isolates the table's routing.
        """
        check_is_fitted(self, "booster_")
        return self._stump_margin(self._frame(X), exact=exact)

    def _stump_margin(self, X: pd.DataFrame, *, exact: bool = True) -> np.ndarray:
        import xgboost as xgb

        d = xgb.DMatrix(self.design_.transform(X), missing=np.nan)
        if not exact:
            return self.booster_.predict(d, output_margin=True).astype(np.float64)
        model = booster_json(self.booster_)
        return start_margin(model) + leaf_sum(self.booster_, d, model)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class, from the shape table (NumPy only)."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_.predict_logit(self._frame(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        z = self.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    def explain(self) -> ShapeTable:
        """The exported model: the shape table."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_


def as_frame(X: Any, owner: str, columns: list[str] | None = None) -> pd.DataFrame:
    """``ensure_frame`` with scikit-learn's messages for sparse, 1-D and mis-sized input."""
    import scipy.sparse

    if scipy.sparse.issparse(X):
        raise TypeError(f"sparse input is not supported by {owner}; pass a dense array")
    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if arr.ndim == 1:
            raise ValueError(
                "Expected 2D array, got 1D array instead. Reshape your data either using "
                "array.reshape(-1, 1) if it has one feature or array.reshape(1, -1) if it "
                "contains a single sample."
            )
        if columns is not None and arr.ndim == 2 and arr.shape[1] != len(columns):
            raise ValueError(
                f"X has {arr.shape[1]} features, but {owner} is expecting {len(columns)} "
                "features as input."
            )
    return ensure_frame(X, columns=columns)


def monotone_param(design: AdditiveDesign, monotone: dict[str, int]) -> dict[str, str]:
    """XGBoost ``monotone_constraints`` over the design's columns (empty when none apply)."""
    if not any(f in monotone for f in design.numeric):
        return {}
    signs = [str(monotone.get(c.feature, 0)) if c.level is None else "0" for c in design.columns]
    return {"monotone_constraints": "(" + ",".join(signs) + ")"}


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


def _stumps(model: dict[str, Any]) -> tuple[list[tuple[int, float, float, float, bool]], float]:
    """(feature index, threshold, left value, right value, default_left) per split tree.

    Trees without a split add their leaf value to the returned constant.
    """
    stumps: list[tuple[int, float, float, float, bool]] = []
    constant = 0.0
    for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
        left, right = tree["left_children"], tree["right_children"]
        cond = tree["split_conditions"]
        if left[0] == -1:
            constant += float(np.float32(cond[0]))
            continue
        if tree.get("split_type", [0])[0] != 0:
            raise ValueError("categorical splits are not expected in a one-hot design")
        li, ri = left[0], right[0]
        if left[li] != -1 or left[ri] != -1:
            raise ValueError("tree deeper than 1 found; GAM export needs stumps")
        stumps.append(
            (
                int(tree["split_indices"][0]),
                float(np.float32(cond[0])),
                float(np.float32(cond[li])),
                float(np.float32(cond[ri])),
                bool(tree["default_left"][0]),
            )
        )
    return stumps, constant


def _eval_stumps(stumps: list[tuple[int, float, float, float, bool]], value: float) -> float:
    """Sum of stumps at one value, with XGBoost's float32 ``x < threshold`` rule."""
    total = 0.0
    for _, thr, lv, rv, dl in stumps:
        if np.isnan(value):
            total += lv if dl else rv
        else:
            total += lv if np.float32(value) < np.float32(thr) else rv
    return total


def export_stump_table(booster: Any, design: AdditiveDesign, *, student: str = "gam") -> ShapeTable:
    """Turn a stump booster over ``design`` into a :class:`ShapeTable` (exact up to float32)."""
    model = booster_json(booster)
    stumps, constant = _stumps(model)
    by_col: dict[int, list[tuple[int, float, float, float, bool]]] = {}
    for s in stumps:
        by_col.setdefault(s[0], []).append(s)
    columns = design.columns
    intercept = start_margin(model) + constant
    terms: list[Term] = []
    for feature in design.features:
        if feature in design.categorical:
            levels = design.categorical[feature]
            dummies = [(i, c) for i, c in enumerate(columns) if c.feature == feature]
            # Value of every dummy at 0: the baseline shared by all rows.
            at0 = {i: _eval_stumps(by_col.get(i, []), 0.0) for i, _ in dummies}
            base = sum(at0.values())
            at1 = {i: _eval_stumps(by_col.get(i, []), 1.0) for i, _ in dummies}
            idx_of = {c.level: i for i, c in dummies}
            values = [base - at0[idx_of[lv]] + at1[idx_of[lv]] for lv in levels]
            if MISSING_LEVEL in idx_of:
                i = idx_of[MISSING_LEVEL]
                missing = base - at0[i] + at1[i]
            else:
                missing = base
            axis = Axis(feature, "categorical", levels=levels)
            arr = np.asarray([*values, missing, base], dtype=np.float64)
        else:
            col = next(i for i, c in enumerate(columns) if c.name == feature)
            st = by_col.get(col, [])
            edges = sorted({s[1] for s in st})
            reps = [edges[0] - 1.0] if edges else [0.0]
            reps += list(edges)
            arr = np.asarray(
                [_eval_stumps(st, r) for r in reps] + [_eval_stumps(st, float("nan"))],
                dtype=np.float64,
            )
            axis = Axis(feature, "numeric", edges=tuple(edges))
        terms.append(Term(feature, (axis,), arr))
    meta = {"student": student, "n_trees": int(booster.num_boosted_rounds())}
    return ShapeTable(float(intercept), tuple(terms), tuple(design.features), meta)
