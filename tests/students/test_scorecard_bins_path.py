"""The scorecard's bin ceiling chosen on validation (issue 9, item 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.students._scorecard_bins import validation_loss
from risk_models.students.scorecard import ScorecardStudent


def _book(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A smooth, strongly non-linear risk: more bins fit it better."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.uniform(-3, 3, n), "b": rng.normal(size=n)})
    return X, np.asarray(expit(1.5 * np.sin(1.5 * X["a"]) + 0.5 * X["b"] - 1.0))


def test_path_tries_each_ceiling_and_keeps_the_best_on_validation() -> None:
    X, p = _book(6000, 0)
    Xv, pv = _book(2000, 1)
    y = (np.random.default_rng(2).random(len(p)) < p).astype(int)
    card = ScorecardStudent(max_bins=10, refine_rounds=0).fit(
        X, y, soft_target=p, eval_set=(Xv, pv)
    )
    path = card.bins_path_
    assert [r["max_bins"] for r in path] == [4, 6, 8, 10]
    losses = [r["valid_loss"] for r in path]
    assert card.max_bins_ == path[int(np.argmin(losses))]["max_bins"]
    assert losses[0] > min(losses)  # 4 bins underfit a sine
    assert card.max_bins_ > 4
    # the chosen card is the one fitted at that ceiling alone
    alone = ScorecardStudent(max_bins=card.max_bins_, refine_rounds=0, bins_path=False)
    alone.fit(X, y, soft_target=p, eval_set=(Xv, pv))
    assert alone.bins_path_ == []
    pd.testing.assert_frame_equal(alone.points_table_, card.points_table_)


def test_without_validation_rows_max_bins_is_used() -> None:
    X, p = _book(3000, 0)
    y = (p > 0.5).astype(int)
    card = ScorecardStudent(max_bins=8, refine_rounds=0).fit(X, y, soft_target=p)
    assert card.max_bins_ == 8 and card.bins_path_ == []


def test_validation_loss_is_the_mean_log_loss() -> None:
    X, p = _book(3000, 0)
    card = ScorecardStudent(max_bins=6, refine_rounds=0, bins_path=False, calibrate=False)
    card.fit(X, (p > 0.5).astype(int), soft_target=p)
    z = np.full(len(X), card.intercept_)
    for f, fb in card.bins_.items():
        z += card.coef_[f][fb.bin_index(X[f])]
    expected = np.mean(-(p * np.log(expit(z)) + (1 - p) * np.log(1 - expit(z))))
    fitted = (card.bins_, card.intercept_, card.coef_)
    assert abs(validation_loss(fitted, (X, p), ["a", "b"]) - expected) < 1e-10
