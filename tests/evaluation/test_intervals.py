"""DeLong AUC intervals and the paired difference, against hand-computed values."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from risk_models.evaluation.intervals import delong_auc_ci, delong_paired
from risk_models.evaluation.metrics import auc

Z95 = 1.959963984540054


def test_delong_auc_ci_hand_computed() -> None:
    # bads 0.35, 0.8; goods 0.1, 0.4: V10 = [1/2, 1], V01 = [1, 1/2]
    # S10 = S01 = 1/8, Var = 1/8/2 + 1/8/2 = 1/8
    out = delong_auc_ci([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert out["auc"] == pytest.approx(0.75)
    assert out["auc_se"] == pytest.approx(math.sqrt(0.125))
    assert out["auc_ci_low"] == pytest.approx(0.75 - Z95 * math.sqrt(0.125))
    assert out["auc_ci_high"] == 1.0  # 0.75 + 0.69 clipped


def test_delong_auc_ci_counts_ties_one_half() -> None:
    # bads 0.5, 0.9; goods 0.1, 0.5: V10 = [3/4, 1], V01 = [1, 3/4]; Var = 2 * (1/32) / 2
    out = delong_auc_ci([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9])
    assert out["auc"] == pytest.approx(0.875)
    assert out["auc_se"] == pytest.approx(math.sqrt(1 / 32))


def test_delong_paired_hand_computed() -> None:
    y = [0, 0, 0, 1, 1, 1]
    a = [0.1, 0.2, 0.6, 0.4, 0.7, 0.9]  # AUC 8/9
    b = [0.3, 0.1, 0.5, 0.4, 0.2, 0.8]  # AUC 2/3
    # Var(A) = 2/81, Var(B) = 6/81, Cov = 1/54 -> Var(A - B) = 5/81
    out = delong_paired(y, a, b)
    assert out["auc_a"] == pytest.approx(8 / 9)
    assert out["auc_b"] == pytest.approx(2 / 3)
    assert out["auc_diff"] == pytest.approx(2 / 9)
    assert out["diff_se"] == pytest.approx(math.sqrt(5) / 9)
    assert out["z"] == pytest.approx(2 / math.sqrt(5))
    assert out["p_value"] == pytest.approx(0.3710933695)
    assert out["correlation"] == pytest.approx((1 / 54) / math.sqrt(2 / 81 * 6 / 81))
    assert out["diff_ci_low"] == pytest.approx(2 / 9 - Z95 * math.sqrt(5) / 9)


def test_paired_identical_scores_have_no_difference() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = rng.normal(size=200) + y
    out = delong_paired(y, s, s)
    assert out["auc_diff"] == 0.0 and out["diff_se"] == 0.0 and out["p_value"] == 1.0


def test_delong_se_matches_the_bootstrap() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    y = (rng.random(n) < 0.2).astype(int)
    s = rng.normal(size=n) + 0.8 * y
    se = delong_auc_ci(y, s)["auc_se"]
    boots = []
    for _ in range(300):
        i = rng.integers(0, n, n)
        boots.append(auc(y[i], s[i]))
    assert se == pytest.approx(np.std(boots, ddof=1), rel=0.15)


def test_delong_needs_two_of_each_class_and_a_valid_level() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape("delong_auc_ci: DeLong needs at least 2 bads and 2 goods, got 1 bad(s)"),
    ):
        delong_auc_ci([0, 0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=re.escape("delong_paired: level must be in (0, 1)")):
        delong_paired([0, 0, 1, 1], [1, 2, 3, 4], [1, 2, 3, 4], level=95)
    with pytest.raises(
        ValueError, match="delong_paired: y and score_b must have the same length, got 4 and 3"
    ):
        delong_paired([0, 0, 1, 1], [1, 2, 3, 4], [1, 2, 3])
