"""Lift/decile table and curve points against hand-computed values."""

from __future__ import annotations

import re

import numpy as np
import pytest

from risk_models.evaluation.lift import lift_table, pr_points, roc_points

Y = [1, 0, 1, 0, 0, 0, 1, 0, 0, 0]
S = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]


def test_lift_table_hand_computed() -> None:
    t = lift_table(Y, S, n_bins=5)  # pairs by descending score; overall bad rate 0.3
    assert t["group"].tolist() == [1, 2, 3, 4, 5]
    assert t["n"].tolist() == [2, 2, 2, 2, 2]
    assert t["n_bad"].tolist() == [1, 1, 0, 1, 0]
    np.testing.assert_allclose(t["bad_rate"], [0.5, 0.5, 0.0, 0.5, 0.0])
    np.testing.assert_allclose(t["lift"], [5 / 3, 5 / 3, 0.0, 5 / 3, 0.0])
    np.testing.assert_allclose(t["cum_bad_capture"], [1 / 3, 2 / 3, 2 / 3, 1.0, 1.0])
    np.testing.assert_allclose(t["cum_lift"], [5 / 3, 5 / 3, 10 / 9, 1.25, 1.0])
    np.testing.assert_allclose(t["cum_share"], [0.2, 0.4, 0.6, 0.8, 1.0])
    assert t["score_max"].tolist()[0] == 0.9 and t["score_min"].tolist()[-1] == 0.05


def test_lift_table_uneven_groups_cover_every_row() -> None:
    t = lift_table(Y, S, n_bins=3)
    assert t["n"].tolist() == [4, 3, 3]
    assert t["n_bad"].sum() == 3


def test_lift_table_rejects_bad_bins_and_no_bads() -> None:
    with pytest.raises(ValueError, match=re.escape("lift_table: n_bins must be in [2, 10]")):
        lift_table(Y, S, n_bins=11)
    with pytest.raises(ValueError, match=re.escape("lift_table: y contains no bads (n=2)")):
        lift_table([0, 0], [0.1, 0.2], n_bins=2)


def test_roc_points_hand_computed_and_thinned() -> None:
    pts = roc_points([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert pts == {"fpr": [0.0, 0.0, 0.5, 0.5, 1.0], "tpr": [0.0, 0.5, 0.5, 1.0, 1.0]}
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 5000)
    thin = roc_points(y, rng.normal(size=5000) + y, max_points=50)
    assert len(thin["fpr"]) <= 50
    assert (thin["fpr"][0], thin["tpr"][0]) == (0.0, 0.0)
    assert (thin["fpr"][-1], thin["tpr"][-1]) == (1.0, 1.0)


def test_pr_points_by_increasing_recall_with_base_rate() -> None:
    pts = pr_points([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert pts["recall"] == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert pts["precision"] == pytest.approx([1.0, 1.0, 0.5, 2 / 3, 0.5])
    assert pts["base_rate"] == 0.5
