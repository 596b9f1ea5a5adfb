"""GA2M pair count chosen on validation: n_pairs is a ceiling (issue 9, item 3)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from risk_models.students._pair_path import PairPath
from risk_models.students.ga2m import GA2MStudent

# Enough additive rounds for the main effects to converge (early stopping ends them): with the
# additive stage capped short of that, pairs rightly "help" by mopping up main effects.
FAST = {"n_estimators": 3000, "learning_rate": 0.1, "pair_rounds": 100, "device": "cpu"}


def _data(interaction: float, n: int = 8000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 5)), columns=list("abcde"))
    logit = -1.0 + 0.8 * X.a - 0.6 * X.c + 0.4 * X.e + interaction * X.b * X.d
    return X, expit(logit.to_numpy())


def _fit(interaction: float, n_pairs: int = 6, seed: int = 0) -> GA2MStudent:
    X, p = _data(interaction, seed=seed)
    tr, va = slice(0, 6000), slice(6000, None)
    y = (np.random.default_rng(seed + 1).random(len(p)) < p).astype(int)
    model = GA2MStudent(n_pairs=n_pairs, **FAST)
    return model.fit(X[tr], y[tr], soft_target=p[tr], eval_set=(X[va], p[va]))


def test_path_keeps_the_planted_pair_and_stops() -> None:
    model = _fit(interaction=1.0)
    assert model.pair_ranking_[0][:2] == ("b", "d")
    path = model.pair_path_
    # b x d first and by far the largest gain; later pairs only mop up its remainder
    assert model.pairs_[0] == ("b", "d") and len(model.pairs_) == path["n_keep"]
    first = path["start_loss"] - path["losses"][0]
    assert first > 100 * path["min_gain"]
    later = -np.diff(path["losses"])
    assert np.all(later < first / 20)
    assert "b x d" in [t.name for t in model.shape_table_.terms]
    assert model.shape_table_.metadata["pair_path"] == path


def test_path_adds_no_pair_on_additive_data() -> None:
    model = _fit(interaction=0.0)
    assert model.pairs_ == [] and model.pair_path_["n_keep"] == 0
    assert len(model.pair_path_["losses"]) == 3  # stopped after pair_patience pairs
    assert all("x" not in t.name for t in model.shape_table_.terms)


def test_without_eval_set_every_pair_up_to_the_ceiling_is_kept() -> None:
    X, p = _data(interaction=0.0)
    y = (p > 0.5).astype(int)
    model = GA2MStudent(n_pairs=2, **FAST).fit(X, y, soft_target=p)
    assert len(model.pairs_) == 2 and model.pair_path_ is None


def test_pair_path_rule() -> None:
    path = PairPath(np.full(100, 0.5), patience=2, floor=0.05)
    better = np.full(100, 0.4) + np.random.default_rng(0).normal(0, 0.01, 100)
    assert path.add(better) and path.n_keep == 1
    assert path.add(better + 0.001) and path.n_keep == 1  # worse: one miss
    assert not path.add(better) and path.n_keep == 1  # no gain over the best: second miss
    small = PairPath(np.full(100, 0.5), patience=1, floor=0.05)
    assert not small.add(np.full(100, 0.49)) and small.n_keep == 0  # significant, too small


def test_pair_patience_is_checked() -> None:
    X, p = _data(interaction=0.0, n=200)
    with pytest.raises(
        ValueError,
        match=re.escape("invalid GA2MStudent parameter(s): pair_patience: must be >= 1, got 0"),
    ):
        GA2MStudent(pair_patience=0).fit(X, (p > 0.5).astype(int), soft_target=p)
