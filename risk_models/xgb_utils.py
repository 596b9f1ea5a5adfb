"""Small shared XGBoost helpers: training with early stopping, device params, base margin."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from risk_models.device import resolve_device

log = logging.getLogger(__name__)


def xgb_device_params(device: str, role: str) -> dict[str, Any]:
    """``tree_method``/``device`` params for the resolved device; logs which one is used."""
    resolved = resolve_device(device)
    log.info("%s: XGBoost on %s", role, resolved)
    return {"tree_method": "hist", "device": resolved}


def train_booster(
    params: dict[str, Any],
    dtrain: Any,
    dvalid: Any | None,
    *,
    num_boost_round: int,
    early_stopping_rounds: int | None,
    obj: Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]] | None = None,
    custom_metric: Callable[[np.ndarray, Any], tuple[str, float]] | None = None,
    min_delta: float = 0.0,
) -> tuple[Any, int]:
    """Train with ``xgb.train``; with a validation matrix, stop early and keep the best trees.

    The one XGBoost training loop of the package (the boosted teachers and the GAM/GA2M
    students' stages).

    Parameters
    ----------
    params : ``xgb.train`` parameters.
    dtrain, dvalid : training and (optional) validation ``DMatrix``.
    num_boost_round : most rounds.
    early_stopping_rounds : stop after this many rounds without a better validation score
        (ignored without ``dvalid``).
    obj : optional custom objective (gradient and Hessian per row).
    custom_metric : optional validation metric for early stopping; used only with
        ``dvalid``.
    min_delta : a round counts as better only when its validation score beats the best so
        far by more than this (XGBoost's ``EarlyStopping(min_delta=...)``); 0 = any gain.

    Returns
    -------
    tuple
        The booster (sliced to the best iteration when it stopped early) and the number of
        trees kept.
    """
    import xgboost as xgb

    evals = [(dvalid, "valid")] if dvalid is not None else []
    extra: dict[str, Any] = {}
    if obj is not None:
        extra["obj"] = obj
    if custom_metric is not None and evals:
        extra["custom_metric"] = custom_metric
    rounds = early_stopping_rounds if evals else None
    if rounds and min_delta > 0:
        extra["callbacks"] = [xgb.callback.EarlyStopping(rounds=rounds, min_delta=min_delta)]
        rounds = None
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=num_boost_round,
        evals=evals,
        early_stopping_rounds=rounds,
        verbose_eval=False,
        **extra,
    )
    if evals and early_stopping_rounds:
        best = int(booster.best_iteration) + 1
        booster = booster[:best]
    n_trees = booster.num_boosted_rounds()
    return booster, n_trees


def booster_json(booster: Any) -> dict[str, Any]:
    """The booster's JSON model as a dict."""
    return json.loads(bytes(booster.save_raw("json")))


def base_margin(model: dict[str, Any]) -> float:
    """The booster's starting margin (log-odds) from its JSON model."""
    raw = model["learner"]["learner_model_param"]["base_score"]
    base = float(str(raw).strip("[]").split(",")[0])
    objective = model["learner"]["objective"]["name"]
    if objective in ("binary:logistic", "reg:logistic"):
        base32 = np.float32(base)
        return float(np.float32(math.log(base32 / (np.float32(1) - base32))))
    return base
