"""Convex logit-scale ensemble weights."""

from __future__ import annotations

import re

import numpy as np
import pytest

from risk_models.evaluation.metrics import log_loss, sigmoid
from risk_models.teachers.combine import combine_logits, fit_logit_weights


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    z = rng.normal(0.0, 1.5, 5_000)
    y = (rng.random(z.size) < sigmoid(z)).astype(int)
    return z, y


def _assert_valid(w: np.ndarray, m: int) -> None:
    assert w.shape == (m,)
    assert (w >= 0).all()
    assert abs(w.sum() - 1.0) <= 1e-9


def test_combine_logits_hand_computed() -> None:
    x = [[1.0, 3.0], [-2.0, 0.0]]
    np.testing.assert_allclose(combine_logits(x, [0.25, 0.75]), [2.5, -0.5])


def test_noise_member_gets_no_weight(data) -> None:
    z, y = data
    rng = np.random.default_rng(1)
    # The informative member is the true logit: a noisy, overconfident member would use
    # some noise weight as shrinkage, since the weights sum to 1 and cannot rescale.
    x = np.column_stack([z, rng.normal(0, 2.0, z.size)])
    w = fit_logit_weights(x, y)
    _assert_valid(w, 2)
    assert w[1] < 0.03


def test_identical_members_split_validly(data) -> None:
    z, y = data
    x = np.column_stack([z, z, z])
    w = fit_logit_weights(x, y)
    _assert_valid(w, 3)
    np.testing.assert_allclose(combine_logits(x, w), z)


def test_ensemble_no_worse_than_best_member(data) -> None:
    z, y = data
    rng = np.random.default_rng(2)
    x = np.column_stack([z + rng.normal(0, s, z.size) for s in (0.6, 0.8, 1.5)])
    w = fit_logit_weights(x, y)
    _assert_valid(w, 3)
    ensemble = log_loss(y, sigmoid(combine_logits(x, w)))
    members = [log_loss(y, sigmoid(x[:, j])) for j in range(3)]
    assert ensemble <= min(members) + 1e-12
    assert ensemble < min(members) - 0.005  # independent errors average out
    assert w[0] > w[1] > w[2]


def test_deterministic_and_l2_pulls_towards_equal(data) -> None:
    z, y = data
    rng = np.random.default_rng(3)
    x = np.column_stack([z + rng.normal(0, 0.3, z.size), z + rng.normal(0, 1.5, z.size)])
    w0 = fit_logit_weights(x, y)
    np.testing.assert_array_equal(w0, fit_logit_weights(x, y))
    w_l2 = fit_logit_weights(x, y, l2=10.0)
    _assert_valid(w_l2, 2)
    assert abs(w_l2[0] - 0.5) < abs(w0[0] - 0.5)


def test_single_member_gets_all_weight() -> None:
    np.testing.assert_array_equal(fit_logit_weights([[0.5], [-1.0]], [1, 0]), [1.0])


def test_errors() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape(
            "fit_logit_weights: member_logits must be two-dimensional (n_rows, n_members), "
            "got shape (3,)"
        ),
    ):
        fit_logit_weights([0.1, 0.2, 0.3], [0, 1, 0])
    with pytest.raises(
        ValueError,
        match=re.escape("fit_logit_weights: empty input; member_logits has shape (0, 2)"),
    ):
        fit_logit_weights(np.empty((0, 2)), [])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "fit_logit_weights: y and member_logits must have the same number of rows, got 1 and 2"
        ),
    ):
        fit_logit_weights([[0.0, 1.0], [1.0, 0.0]], [1])
    with pytest.raises(
        ValueError, match=re.escape("fit_logit_weights: y contains only class 0 (n=2)")
    ):
        fit_logit_weights([[0.0, 1.0], [1.0, 0.0]], [0, 0])
    with pytest.raises(
        ValueError, match=re.escape("fit_logit_weights: l2 must be a finite number >= 0, got -1.0")
    ):
        fit_logit_weights([[0.0, 1.0], [1.0, 0.0]], [0, 1], l2=-1.0)
    with pytest.raises(
        ValueError,
        match=re.escape("fit_logit_weights: member_logits contains 1 NaN or infinite value(s)"),
    ):
        fit_logit_weights([[np.nan, 1.0], [1.0, 0.0]], [0, 1])
    with pytest.raises(
        ValueError,
        match=re.escape("combine_logits: got 3 weight(s) for 2 member(s); need one per member"),
    ):
        combine_logits([[0.0, 1.0]], [0.2, 0.3, 0.5])
