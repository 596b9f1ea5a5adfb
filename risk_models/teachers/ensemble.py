"""A teacher ensemble: members averaged on the logit scale, optionally weighted and calibrated."""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from risk_models.atomic import atomic_write_text, read_json
from risk_models.base import LogOddsClassifierMixin
from risk_models.data.inputs import concat_rows
from risk_models.params import validate_estimator_params
from risk_models.teachers import param_specs
from risk_models.teachers.lanes import member_lanes, run_lanes

log = logging.getLogger(__name__)

TeacherKind = Literal["xgboost", "lightgbm", "torch_mlp", "additive", "linear"]


def teacher_class(kind: str) -> type[Any]:
    """The estimator class for a teacher kind (imports the heavy library lazily)."""
    if kind == "xgboost":
        from risk_models.teachers.boosted import XGBTeacher

        return XGBTeacher
    if kind == "lightgbm":
        from risk_models.teachers.boosted import LGBMTeacher

        return LGBMTeacher
    if kind == "bagged":
        from risk_models.teachers.bagging import BaggedMember

        return BaggedMember
    if kind == "torch_mlp":
        from risk_models.teachers.torch_mlp import TorchMLPTeacher

        return TorchMLPTeacher
    if kind == "additive":
        from risk_models.teachers.additive import AdditiveTeacher

        return AdditiveTeacher
    if kind == "linear":
        from risk_models.teachers.linear import LinearTeacher

        return LinearTeacher
    raise ValueError(
        f"unknown teacher kind {kind!r}; use xgboost, lightgbm, torch_mlp, additive or linear"
    )


def build_teacher(kind: str, params: dict[str, Any], seed: int) -> Any:
    """Instantiate one teacher member from its kind, params and seed."""
    cls = teacher_class(kind)
    return cls(**{**params, "random_state": seed})


def pooled_folds(
    X: pd.DataFrame,
    y: Any,
    eval_set: tuple[pd.DataFrame, Any],
    k: int,
    seed: int,
    times: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Training + ``eval_set`` rows pooled (categorical dtypes kept), their 0/1 labels, and
    each row's fold in a stratified, shuffled K-fold split seeded by ``seed``: the folds a
    cross-fitted ensemble uses. With ``times`` (the pooled rows' event times), the folds are
    K contiguous time blocks instead (:func:`~risk_models.data.time_folds.time_blocks`)."""
    from sklearn.model_selection import StratifiedKFold

    Xv, yv = eval_set
    pool = concat_rows(X, Xv)
    y_pool = np.r_[np.asarray(y), np.asarray(yv)].astype(int)
    if times is not None:
        from risk_models.data.time_folds import time_blocks

        if len(times) != len(pool):
            raise ValueError(
                f"times has {len(times)} values for {len(pool)} pooled rows (train + eval_set)"
            )
        return pool, y_pool, time_blocks(times, k)
    folds = np.empty(len(pool), dtype=np.int64)
    splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    for j, (_, held) in enumerate(splitter.split(np.zeros(len(pool)), y_pool)):
        folds[held] = j
    return pool, y_pool, folds


class TeacherEnsemble(LogOddsClassifierMixin, BaseEstimator):
    """Members combined on the logit scale.

    Parameters
    ----------
    members : sequence of ``(name, estimator)``; each estimator has ``fit(X, y, *,
        soft_target, eval_set, sample_weight)`` and ``decision_function`` (log-odds).
    weighting : ``"equal"`` or ``"fitted"`` (non-negative weights summing to 1, fitted on the
        validation data by minimum log loss).
    weight_l2 : penalty on ``sum(w ** 2)`` for fitted weights, which pulls them towards equal
        shares (:func:`~risk_models.teachers.combine.fit_logit_weights`). Out-of-fold scores
        come from single fold models, while a cross-fitted member predicts new rows with the
        mean of its K fold models; averaging helps a high-variance member (a neural net)
        more than a boosted one, so weights fitted on out-of-fold scores alone understate
        such members. A small penalty (0.01) corrects for that.
    calibration : ``"none"``, ``"temperature"`` or ``"platt"``, fitted on the validation data
        after weighting.
    cv_folds : 0 (fit each member once on the training rows, early stopping on ``eval_set``)
        or K >= 2: pool the training and ``eval_set`` rows and cross-fit every member over K
        folds (see :mod:`risk_models.teachers.bagging`); weights and calibration are then
        fitted on the out-of-fold scores of all pooled rows, and ``cross_fitted_logit_`` holds
        an out-of-fold ensemble log-odds for every pooled row whose weights and calibration
        were also fitted without that row's fold.
    cv_row_budget : ``None`` or a number of rows: random folds are cut so that
        ``K x pooled rows`` stays within it, at least 3 folds and at most ``cv_folds``
        (:meth:`folds_for`; the count used is ``n_folds_``). Every fold model trains on
        ``(K - 1) / K`` of a large book either way, while the cost grows with ``K``: on
        150,000 rows ten folds made the teacher step ten times EBM's fit.
    fold_order : ``"random"`` (stratified shuffled folds) or ``"time"``: with ``cv_folds >= 2``
        the folds are K blocks of event time and chain forward
        (:mod:`risk_models.data.time_folds`): block ``k`` is scored by fold models trained on
        blocks ``< k``, and its ensemble weights and calibration are fitted on the
        out-of-fold scores of blocks ``1..k-1`` (block 1: equal weights, no calibration).
        Block 0 has no out-of-fold score (NaN in ``cross_fitted_logit_``). ``fit`` then needs
        ``times`` and ``eval_times``.
    """

    _parameter_constraints = param_specs.ENSEMBLE

    def __init__(
        self,
        members: Sequence[tuple[str, Any]] = (),
        weighting: Literal["equal", "fitted"] = "equal",
        calibration: Literal["none", "temperature", "platt"] = "none",
        cv_folds: int = 0,
        weight_l2: float = 0.0,
        random_state: int = 0,
        fold_order: Literal["random", "time"] = "random",
        cv_row_budget: int | None = None,
    ) -> None:
        self.members = members
        self.weighting = weighting
        self.calibration = calibration
        self.cv_folds = cv_folds
        self.weight_l2 = weight_l2
        self.random_state = random_state
        self.fold_order = fold_order
        self.cv_row_budget = cv_row_budget

    def folds_for(self, n_rows: int) -> int:
        """The number of cross-fit folds over ``n_rows`` pooled rows: ``cv_folds``, or fewer
        (not under 3) when ``cv_row_budget`` is set, the folds are random and ``cv_folds x
        n_rows`` exceeds it. Time folds keep ``cv_folds`` (their first block has no
        out-of-fold score, so fewer blocks would leave more rows without a soft label)."""
        k = int(self.cv_folds)
        if k < 2 or self.cv_row_budget is None or self.fold_order == "time":
            return k
        return max(min(3, k), min(k, int(self.cv_row_budget) // max(int(n_rows), 1)))

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        eval_set: tuple[pd.DataFrame, Any],
        soft_target: Any = None,
        sample_weight: Any = None,
        on_member: Callable[[str, Any], None] | None = None,
        on_fold: Callable[[str, int, int], None] | None = None,
        times: Any = None,
        eval_times: Any = None,
    ) -> TeacherEnsemble:
        """Fit every member (early stopping on ``eval_set``), then weights and calibration.

        ``on_member(name, fitted)`` is called after each member; with ``cv_folds >= 2``,
        ``on_fold(name, k, n_folds)`` after each of its fold models (progress reporting).
        ``times`` and ``eval_times`` are the event times of ``X`` and ``eval_set`` rows; they
        are needed (and only used) with ``fold_order="time"`` and ``cv_folds >= 2``.
        """
        validate_estimator_params(self)
        if not self.members:
            raise ValueError("TeacherEnsemble needs at least one member")
        names = [n for n, _ in self.members]
        if len(set(names)) != len(names):
            raise ValueError(f"member names must be unique, got {names}")
        self.classes_ = np.array([0, 1])
        if self.cv_folds >= 2:
            if soft_target is not None or sample_weight is not None:
                raise ValueError("cv_folds >= 2 supports hard labels without sample weights")
            pool_times = None
            if self.fold_order == "time":
                if times is None or eval_times is None:
                    raise ValueError(
                        "fold_order='time' with cv_folds >= 2 needs the event times of the "
                        "training and eval_set rows: pass fit(..., times=, eval_times=), or "
                        "set ensemble.fold_order: random"
                    )
                pool_times = np.r_[np.asarray(times), np.asarray(eval_times)]
            return self._fit_cross_fitted(X, y, eval_set, on_member, on_fold, pool_times)
        fitted = []
        for name, est in self.members:
            member = clone(est).fit(
                X, y, soft_target=soft_target, eval_set=eval_set, sample_weight=sample_weight
            )
            log.info("teacher %s fitted on %s", name, getattr(member, "device_", "cpu"))
            fitted.append((name, member))
            if on_member is not None:
                on_member(name, member)
        self.fitted_members_ = fitted
        Xv, yv = eval_set
        self._fit_combination(self.member_logits(Xv), np.asarray(yv, dtype=float))
        return self

    def _fit_combination(self, z: np.ndarray, y: np.ndarray) -> None:
        self.weights_, self.calibrator_ = self._combination(z, y)

    def _combination(self, z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, Any]:
        from risk_models.evaluation.calibration import make_calibrator
        from risk_models.teachers.combine import fit_logit_weights

        if self.weighting == "fitted" and z.shape[1] > 1:
            weights = fit_logit_weights(z, y, l2=float(self.weight_l2))
        else:
            weights = np.full(z.shape[1], 1.0 / z.shape[1])
        calibrator = make_calibrator(self.calibration).fit(z @ weights, y)
        return weights, calibrator

    def _fit_cross_fitted(
        self,
        X: pd.DataFrame,
        y: Any,
        eval_set: tuple[pd.DataFrame, Any],
        on_member: Callable[[str, Any], None] | None,
        on_fold: Callable[[str, int, int], None] | None = None,
        pool_times: np.ndarray | None = None,
    ) -> TeacherEnsemble:
        from risk_models.teachers.bagging import EARLY_STOPPING_FRACTION, cross_fit_member

        k_folds = self.folds_for(len(X) + len(eval_set[0]))
        if k_folds < self.cv_folds:
            log.info(
                "cross-fitting over %d folds instead of %d: %d pooled rows x %d folds exceed "
                "ensemble.cv_row_budget %d",
                k_folds, self.cv_folds, len(X) + len(eval_set[0]), self.cv_folds,
                self.cv_row_budget,
            )  # fmt: skip
        self.n_folds_ = k_folds
        pool, y_pool, folds = pooled_folds(
            X, y, eval_set, k_folds, self.random_state, times=pool_times
        )
        # The largest table a fold model trains on (the other folds less the
        # early-stopping slice; time folds end with a model on every block): the lanes run
        # side by side only where every fit gets one thread.
        held_min = 0 if pool_times is not None else int(np.bincount(folds).min())
        fit_rows = int(np.ceil((len(pool) - held_min) * (1 - EARLY_STOPPING_FRACTION)))
        lanes = member_lanes(self.members, fit_rows * pool.shape[1])
        lock = threading.Lock()

        def fold_done(name: str, k: int, n: int) -> None:
            if on_fold is not None:
                with lock:  # lanes report from their own threads
                    on_fold(name, k, n)

        def cross_fit(i: int) -> tuple[Any, np.ndarray]:
            name, est = self.members[i]
            member, z = cross_fit_member(
                est,
                pool,
                y_pool,
                folds,
                seed=self.random_state,
                on_fold=functools.partial(fold_done, name),
                times=pool_times,
            )
            log.info("teacher %s cross-fitted (%d folds) on %s", name, k_folds, member.device_)
            return member, z

        fitted, oof = [], []
        for (name, _), (member, z) in zip(self.members, run_lanes(lanes, cross_fit), strict=True):
            fitted.append((name, member))
            oof.append(z)
            if on_member is not None:
                on_member(name, member)
        self.fitted_members_ = fitted
        z_oof = np.column_stack(oof)
        self.oof_member_logits_ = z_oof
        self.folds_ = folds
        if pool_times is not None:
            self.cross_fitted_logit_ = self._forward_combination(z_oof, y_pool, folds)
            return self
        self._fit_combination(z_oof, y_pool.astype(float))
        # Out-of-fold ensemble scores: weights and calibration refitted without each fold.
        crossed = np.empty(len(pool))
        for k in range(k_folds):
            held = folds == k
            w, cal = self._combination(z_oof[~held], y_pool[~held].astype(float))
            crossed[held] = cal.transform(z_oof[held] @ w)
        self.cross_fitted_logit_ = crossed
        return self

    def _forward_combination(
        self, z_oof: np.ndarray, y_pool: np.ndarray, blocks: np.ndarray
    ) -> np.ndarray:
        """Time folds: the final weights and calibration from every scored block (1..K-1);
        each block's out-of-fold ensemble score from the combination of the blocks before
        it (block 1: equal weights, no calibration; block 0: NaN)."""
        from risk_models.evaluation.calibration import make_calibrator

        y = y_pool.astype(float)
        scored = blocks >= 1
        self._fit_combination(z_oof[scored], y[scored])
        crossed = np.full(len(y), np.nan)
        first = blocks == 1
        equal = np.full(z_oof.shape[1], 1.0 / z_oof.shape[1])
        crossed[first] = (
            make_calibrator("none")
            .fit(z_oof[first] @ equal, y[first])
            .transform(z_oof[first] @ equal)
        )
        for k in range(2, int(blocks.max()) + 1):
            past = scored & (blocks < k)
            w, cal = self._combination(z_oof[past], y[past])
            held = blocks == k
            crossed[held] = cal.transform(z_oof[held] @ w)
        return crossed

    def member_logits(self, X: pd.DataFrame) -> np.ndarray:
        """``(n_rows, n_members)`` log-odds of every member."""
        check_is_fitted(self, "fitted_members_")
        return np.column_stack([m.decision_function(X) for _, m in self.fitted_members_])

    def combine(self, member_logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(raw, calibrated)`` ensemble log-odds from :meth:`member_logits` already computed,
        so one scoring pass over a row set serves every member and ensemble figure."""
        check_is_fitted(self, "weights_")
        raw = np.asarray(member_logits) @ self.weights_
        return raw, self.calibrator_.transform(raw)

    def raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Weighted logit before calibration."""
        return self.combine(self.member_logits(X))[0]

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated ensemble log-odds."""
        return self.combine(self.member_logits(X))[1]

    @property
    def member_names(self) -> list[str]:
        check_is_fitted(self, "fitted_members_")
        return [n for n, _ in self.fitted_members_]

    def save(self, directory: str | Path) -> Path:
        """Write members in their safe formats under ``directory/<name>/``; ``ensemble.json``."""
        check_is_fitted(self, "fitted_members_")
        directory = Path(directory)
        spec = []
        for name, member in self.fitted_members_:
            member.save(directory / name)
            spec.append({"name": name, "kind": member.kind})
        meta = {
            "members": spec,
            "cv_folds": self.cv_folds,
            "n_folds": getattr(self, "n_folds_", self.cv_folds),
            "cv_row_budget": self.cv_row_budget,
            "weights": self.weights_.tolist(),
            "weighting": self.weighting,
            "weight_l2": self.weight_l2,
            "fold_order": self.fold_order,
            "calibration": self.calibrator_.to_dict(),
        }
        atomic_write_text(directory / "ensemble.json", json.dumps(meta, indent=1))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TeacherEnsemble:
        from risk_models.evaluation.calibration import calibrator_from_dict

        directory = Path(directory)
        meta = read_json(directory / "ensemble.json", "ensemble description")
        members = [
            (m["name"], teacher_class(m["kind"]).load(directory / m["name"]))
            for m in meta["members"]
        ]
        ens = cls(
            members=members,
            weighting=meta["weighting"],
            cv_folds=meta.get("cv_folds", 0),
            weight_l2=meta.get("weight_l2", 0.0),
            fold_order=meta.get("fold_order", "random"),
            cv_row_budget=meta.get("cv_row_budget"),
        )
        ens.n_folds_ = int(meta.get("n_folds", ens.cv_folds))
        ens.fitted_members_ = members
        ens.weights_ = np.asarray(meta["weights"], dtype=float)
        ens.calibrator_ = calibrator_from_dict(meta["calibration"])
        ens.calibration = ens.calibrator_.to_dict().get("method", "none")
        ens.classes_ = np.array([0, 1])
        return ens
