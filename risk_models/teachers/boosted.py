"""Gradient-boosted teachers: XGBoost and LightGBM, native categoricals, early stopping.

Both accept soft targets (``binary:logistic`` / ``cross_entropy`` take labels in [0, 1]) and
are stored in their libraries' own safe formats (XGBoost UBJSON, LightGBM text).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from risk_models.atomic import atomic_path, atomic_write_text, read_json
from risk_models.base import LogOddsClassifierMixin
from risk_models.data.inputs import check_fit_inputs, check_frame, is_categorical
from risk_models.device import auto_threads
from risk_models.errors import ModelFormatError
from risk_models.params import validate_estimator_params
from risk_models.students.shape_table import to_level_strings
from risk_models.teachers import param_specs
from risk_models.teachers.capacity import capacity_candidates, search_capacity, settle_capacity
from risk_models.xgb_utils import train_booster, xgb_device_params

log = logging.getLogger(__name__)
META_FILE = "teacher.json"


#: LightGBM's own ``min_data_per_group``: rows a category level needs for its own branch.
LIGHTGBM_GROUP_ROWS = 100


def group_rows(min_data_per_group: int | None, min_child_samples: int) -> int:
    """LightGBM ``min_data_per_group``: as given, or (``None``) LightGBM's 100 capped at the
    rows a leaf may hold, so that on a small book (where the capacity search picks leaves of
    a dozen rows) a category level is not kept out of every split for want of 100 rows."""
    if min_data_per_group is not None:
        return int(min_data_per_group)
    return max(1, min(LIGHTGBM_GROUP_ROWS, int(min_child_samples)))


class _BoostedTeacher(LogOddsClassifierMixin, BaseEstimator):
    """Shared input handling: fixed feature order and categorical levels learnt in ``fit``."""

    kind = "boosted"

    def _learn_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.categories_ = {
            c: sorted(to_level_strings(X[c]).dropna().unique().tolist())
            for c in X.columns
            if is_categorical(X[c])
        }
        return self._frame(X)

    def _frame(self, X: Any) -> pd.DataFrame:
        """Columns in fit order; categoricals recast to the training levels (unseen -> NaN)."""
        X = check_frame(X, owner=type(self).__name__, columns=list(self.feature_names_in_))
        out = {}
        for c in X.columns:
            if c in self.categories_:
                levels = pd.Index(self.categories_[c], dtype=object)
                codes = levels.get_indexer(to_level_strings(X[c]))  # -1: missing or unseen
                out[c] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(levels))
            else:
                out[c] = pd.to_numeric(X[c], errors="coerce").astype(np.float64)
        return pd.DataFrame(out, index=X.index)

    def _threads(self, n_cells: int) -> int:
        return auto_threads(n_cells, self.n_jobs)

    def _meta(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "params": {k: v for k, v in self.get_params().items()},
            "feature_names": list(self.feature_names_in_),
            "categories": self.categories_,
            "n_trees": int(self.n_trees_),
            "device": self.device_,
        }

    def _restore_meta(self, directory: Path) -> dict[str, Any]:
        path = directory / META_FILE
        meta = read_json(path, "teacher metadata")
        if meta.get("kind") != self.kind:
            raise ModelFormatError(
                f"{path}: holds a {meta.get('kind')!r} teacher, not {self.kind!r}"
            )
        self.feature_names_in_ = np.asarray(meta["feature_names"], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.categories_ = {k: list(v) for k, v in meta["categories"].items()}
        self.n_trees_ = meta["n_trees"]
        self.device_ = meta.get("device", "cpu")
        self.classes_ = np.array([0, 1])
        return meta


class XGBTeacher(_BoostedTeacher):
    """XGBoost teacher (``xgb.train``, ``binary:logistic``), CUDA when present."""

    kind = "xgboost"
    _parameter_constraints = param_specs.XGBOOST

    def __init__(
        self,
        n_estimators: int = 2000,
        learning_rate: float = 0.05,
        max_depth: int = 4,
        min_child_weight: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        max_bin: int = 256,
        scale_pos_weight: float = 1.0,
        colsample_bynode: float = 1.0,
        grow_policy: str = "depthwise",
        max_leaves: int = 0,
        gamma: float = 0.0,
        early_stopping_rounds: int = 100,
        n_jobs: int = 0,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.max_bin = max_bin
        self.scale_pos_weight = scale_pos_weight
        self.colsample_bynode = colsample_bynode
        self.grow_policy = grow_policy
        self.max_leaves = max_leaves
        self.gamma = gamma
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.device = device
        self.random_state = random_state

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[Any, Any] | None = None,
        sample_weight: Any = None,
    ) -> XGBTeacher:
        import xgboost as xgb

        validate_estimator_params(self)
        X = check_frame(X, owner=type(self).__name__)
        target, weight = check_fit_inputs(X, y, soft_target, sample_weight)
        self.classes_ = np.array([0, 1])
        frame = self._learn_frame(X)
        params = {
            "objective": "binary:logistic",
            "eval_metric": "logloss",
            "eta": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "lambda": self.reg_lambda,
            "alpha": self.reg_alpha,
            "max_bin": self.max_bin,
            "scale_pos_weight": self.scale_pos_weight,
            "colsample_bynode": self.colsample_bynode,
            "grow_policy": self.grow_policy,
            "max_leaves": self.max_leaves,
            "gamma": self.gamma,
            "seed": self.random_state,
            "nthread": self._threads(frame.size),
            **xgb_device_params(self.device, "XGBTeacher"),
        }
        dtrain = xgb.DMatrix(frame, label=target, weight=weight, enable_categorical=True)
        dvalid = None
        if eval_set is not None:
            dvalid = xgb.DMatrix(
                self._frame(eval_set[0]),
                label=np.asarray(eval_set[1], float),
                enable_categorical=True,
            )
        self.booster_, self.n_trees_ = train_booster(
            params,
            dtrain,
            dvalid,
            num_boost_round=self.n_estimators,
            early_stopping_rounds=self.early_stopping_rounds,
        )
        self.device_ = params["device"]
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        import xgboost as xgb

        check_is_fitted(self, "booster_")
        d = xgb.DMatrix(self._frame(X), enable_categorical=True)
        return self.booster_.predict(d, output_margin=True).astype(np.float64)

    def save(self, directory: str | Path) -> Path:
        """Write ``model.ubj`` (XGBoost's own format) and ``teacher.json``."""
        check_is_fitted(self, "booster_")
        directory = Path(directory)
        with atomic_path(directory / "model.ubj") as tmp:
            self.booster_.save_model(str(tmp.with_suffix(".ubj")))
            tmp.with_suffix(".ubj").replace(tmp)
        atomic_write_text(directory / META_FILE, json.dumps(self._meta(), indent=1))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> XGBTeacher:
        import xgboost as xgb

        directory = Path(directory)
        self = cls()
        meta = self._restore_meta(directory)
        self.set_params(**meta["params"])
        self.booster_ = xgb.Booster()
        try:
            self.booster_.load_model(str(directory / "model.ubj"))
        except xgb.core.XGBoostError as exc:
            raise ModelFormatError(f"{directory / 'model.ubj'}: cannot load ({exc})") from exc
        return self


class LGBMTeacher(_BoostedTeacher):
    """LightGBM teacher (``cross_entropy`` objective, so soft labels are accepted). CPU.

    ``n_jobs=0`` picks the thread count from the data size (``device.auto_threads``).

    ``capacity_search=True`` (with an ``eval_set``) fits the configured capacity and two
    smaller ones (:func:`~risk_models.teachers.capacity.capacity_candidates`: fewer rows per
    leaf for small data, then shallow 4-leaf trees) and keeps the one with the lowest
    ``eval_set`` cross-entropy (:func:`~risk_models.teachers.capacity.search_capacity`), so a
    member tuned for 30,000 rows does not underfit 1,000 (or overfit them). The choice reads
    only the rows it is given; inside the ensemble's cross-fit those are the training folds'
    own early-stopping rows. It costs at most three fits (four with ``capacity_extra_trees``:
    the smallest capacity again with extremely randomised splits); ``capacity_choice_`` records
    every candidate's loss and seconds.

    ``min_data_per_group`` (rows a category level needs for its own branch) defaults to
    LightGBM's 100 capped at ``min_child_samples`` (:func:`group_rows`), and follows each
    candidate's leaf size in the capacity search: with LightGBM's fixed 100, a 1,000-row book's
    levels (most under 100 rows) could hardly be split on. ``cat_smooth`` is LightGBM's.

    ``large_rows`` / ``large_learning_rate``: a fit on at least ``large_rows`` training rows
    uses ``large_learning_rate`` instead of ``learning_rate`` (a small rate that a 1,000-row
    book needs makes a 100,000-row fold grow thousands of trees for no gain in AUC);
    ``learning_rate_`` records the rate used. Both ``None``: ``learning_rate`` always; one
    without the other is refused.

    In the ensemble's cross-fit, only the first ``capacity_folds`` fold models search (fewer
    once their early-stopping rows reach ``capacity_rows``, 5,000 by default); the other
    folds fit the capacity with the lowest validation loss summed over those searches
    (:meth:`settled`, :func:`~risk_models.teachers.capacity.settle_capacity`), which roughly
    halves the member's fit time over 10 folds. ``capacity_folds=0``: every fold searches.
    """

    kind = "lightgbm"
    _parameter_constraints = param_specs.LIGHTGBM

    def __init__(
        self,
        n_estimators: int = 2000,
        learning_rate: float = 0.03,
        num_leaves: int = 31,
        max_depth: int = -1,
        min_child_samples: int = 50,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        scale_pos_weight: float = 1.0,
        extra_trees: bool = False,
        path_smooth: float = 0.0,
        max_bin: int = 255,
        early_stopping_rounds: int = 100,
        n_jobs: int = 0,
        random_state: int = 0,
        capacity_search: bool = False,
        capacity_folds: int = 3,
        capacity_extra_trees: bool = False,
        capacity_rows: int = 5000,
        min_data_per_group: int | None = None,
        cat_smooth: float = 10.0,
        large_rows: int | None = None,
        large_learning_rate: float | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.scale_pos_weight = scale_pos_weight
        self.extra_trees = extra_trees
        self.path_smooth = path_smooth
        self.max_bin = max_bin
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.capacity_search = capacity_search
        self.capacity_folds = capacity_folds
        self.capacity_extra_trees = capacity_extra_trees
        self.capacity_rows = capacity_rows
        self.min_data_per_group = min_data_per_group
        self.cat_smooth = cat_smooth
        self.large_rows = large_rows
        self.large_learning_rate = large_learning_rate

    def rate_for(self, n_rows: int) -> float:
        """The learning rate of a fit on ``n_rows`` training rows (see ``large_rows``)."""
        rows, rate = self.large_rows, self.large_learning_rate
        if (rows is None) != (rate is None):
            raise ValueError(
                f"LGBMTeacher: large_rows ({rows!r}) and large_learning_rate ({rate!r}) go "
                "together: set both (the rate of fits on at least large_rows rows) or neither"
            )
        if rows is not None and rate is not None and n_rows >= int(rows):
            return float(rate)
        return float(self.learning_rate)

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[Any, Any] | None = None,
        sample_weight: Any = None,
    ) -> LGBMTeacher:
        import lightgbm as lgb

        validate_estimator_params(self)
        X = check_frame(X, owner=type(self).__name__)
        target, weight = check_fit_inputs(X, y, soft_target, sample_weight)
        self.classes_ = np.array([0, 1])
        frame = self._learn_frame(X)
        if self.scale_pos_weight != 1.0:
            w = np.ones(len(X)) if weight is None else weight
            weight = w * np.where(target > 0.5, self.scale_pos_weight, 1.0)
        params = {
            "objective": "cross_entropy",
            "metric": "cross_entropy",
            "learning_rate": self.rate_for(len(X)),
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_child_samples": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "lambda_l1": self.reg_alpha,
            "extra_trees": bool(self.extra_trees),
            "path_smooth": self.path_smooth,
            "cat_smooth": self.cat_smooth,
            "min_data_per_group": group_rows(self.min_data_per_group, self.min_child_samples),
            "max_bin": self.max_bin,
            "seed": self.random_state,
            "deterministic": True,
            "num_threads": self._threads(frame.size),
            "verbose": -1,
        }
        valid_frame = None if eval_set is None else self._frame(eval_set[0])

        def datasets() -> tuple[Any, list[Any]]:
            # built per fit: LightGBM pre-filters features by min_data_in_leaf on construction
            dtrain = lgb.Dataset(frame, label=target, weight=weight, free_raw_data=True)
            if eval_set is None:
                return dtrain, []
            label = np.asarray(eval_set[1], float)
            return dtrain, [lgb.Dataset(valid_frame, label=label, reference=dtrain)]

        candidates: list[dict[str, Any]] = [{}]
        if self.capacity_search and eval_set is not None:
            candidates = capacity_candidates(
                self.num_leaves,
                self.min_child_samples,
                len(X),
                extra_trees=self.capacity_extra_trees and not self.extra_trees,
            )
            if self.min_data_per_group is None:  # follows each candidate's leaf size
                candidates = [
                    {**c, "min_data_per_group": group_rows(None, c["min_child_samples"])}
                    if "min_child_samples" in c
                    else c
                    for c in candidates
                ]
        self.capacity_choice_: dict[str, Any] | None
        booster, self.capacity_choice_ = search_capacity(
            params,
            datasets,
            candidates,
            n_estimators=self.n_estimators,
            early_stopping_rounds=self.early_stopping_rounds,
        )
        if self.capacity_choice_ is not None and eval_set is not None:
            self.capacity_choice_["n_valid"] = len(eval_set[0])
        if eval_set is not None and booster.best_iteration > 0:
            booster = lgb.Booster(
                model_str=booster.model_to_string(num_iteration=booster.best_iteration)
            )
        self.booster_ = booster
        self.n_trees_ = booster.num_trees()
        self.learning_rate_ = params["learning_rate"]
        self.device_ = "cpu"
        log.info("LGBMTeacher: LightGBM on cpu")
        return self

    def settled(self, fold_models: list[Any]) -> LGBMTeacher:
        """The estimator the next cross-fit folds fit, given the fold models fitted so far.

        Once ``capacity_folds`` fold models have searched, or fewer whose early-stopping rows
        add up to ``capacity_rows`` (on a large book one fold's slice judges the candidates
        well enough), a copy fixed at the capacity with the lowest summed validation loss
        (search off; the later fold models' saved params show the capacity they were fixed
        at); otherwise ``self``.
        """
        if not self.capacity_search or self.capacity_folds == 0:
            return self
        rows = sum(
            int((getattr(m, "capacity_choice_", None) or {}).get("n_valid", 0)) for m in fold_models
        )
        enough = len(fold_models) < self.capacity_folds and rows >= self.capacity_rows
        if len(fold_models) != self.capacity_folds and not enough:
            return self
        settled = settle_capacity([getattr(m, "capacity_choice_", None) for m in fold_models])
        if settled is None:
            return self
        log.info(
            "LGBMTeacher: capacity %s fixed for the remaining folds (summed validation loss %s)",
            settled["change"] or "as configured",
            [round(v, 5) for v in settled["summed_valid_loss"]],
        )
        fixed: LGBMTeacher = clone(self).set_params(**settled["change"], capacity_search=False)
        return fixed

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "booster_")
        return np.asarray(self.booster_.predict(self._frame(X), raw_score=True), dtype=np.float64)

    def save(self, directory: str | Path) -> Path:
        """Write ``model.txt`` (LightGBM's text format) and ``teacher.json``."""
        check_is_fitted(self, "booster_")
        directory = Path(directory)
        atomic_write_text(directory / "model.txt", self.booster_.model_to_string())
        atomic_write_text(directory / META_FILE, json.dumps(self._meta(), indent=1))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> LGBMTeacher:
        import lightgbm as lgb

        directory = Path(directory)
        self = cls()
        meta = self._restore_meta(directory)
        self.set_params(**meta["params"])
        try:
            self.booster_ = lgb.Booster(model_file=str(directory / "model.txt"))
        except (lgb.basic.LightGBMError, FileNotFoundError) as exc:
            raise ModelFormatError(f"{directory / 'model.txt'}: cannot load ({exc})") from exc
        return self
