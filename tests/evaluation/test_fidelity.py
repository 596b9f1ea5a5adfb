"""Hand-computed checks of teacher-student fidelity."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from risk_models.evaluation.fidelity import fidelity
from risk_models.evaluation.metrics import sigmoid

TEACHER = [0.1, 0.2, 0.3, 0.9]
STUDENT = [0.2, 0.35, 0.25, 0.8]
Y = [0, 0, 1, 1]


def test_probability_scale_and_auc_hand_computed() -> None:
    out = fidelity(TEACHER, STUDENT, Y, cutoff=0.3)
    # |diffs| = .1, .15, .05, .1 -> mean 0.1
    assert out["prob_mae"] == pytest.approx(0.1)
    # Declined (p >= .3): teacher F F T T, student F T F T -> 2 of 4 agree.
    assert out["agreement"] == 0.5
    assert out["cutoff"] == 0.3
    # Teacher separates perfectly; student: .25 < .35 is the one lost pair of 4.
    assert out["auc_teacher"] == 1.0
    assert out["auc_student"] == pytest.approx(0.75)
    assert out["auc_gap"] == pytest.approx(0.25)


def test_default_cutoff_is_teacher_90th_percentile() -> None:
    out = fidelity(TEACHER, STUDENT)
    # Linear interpolation at position 0.9 * 3 = 2.7: 0.3 + 0.7 * (0.9 - 0.3) = 0.72.
    assert out["cutoff"] == pytest.approx(0.72)
    # Only the last row is declined, by both.
    assert out["agreement"] == 1.0
    assert "auc_teacher" not in out
    assert set(out) == {"logit_correlation", "logit_rmse", "prob_mae", "agreement", "cutoff"}


def test_default_cutoff_declines_riskiest_tenth() -> None:
    teacher = np.arange(0.05, 1.0, 0.1)  # 0.05, 0.15, ..., 0.95
    out = fidelity(teacher, teacher[::-1])
    # Position 0.9 * 9 = 8.1: 0.85 + 0.1 * 0.1 = 0.86, so the teacher declines 0.95 only.
    assert out["cutoff"] == pytest.approx(0.86)
    # The reversed student declines the first row instead: 2 of 10 rows disagree.
    assert out["agreement"] == pytest.approx(0.8)


def test_logit_scale_hand_computed() -> None:
    zt = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    zs = np.array([-2.0, 0.0, 0.0, 1.0, 3.0])
    out = fidelity(sigmoid(zt), sigmoid(zs), cutoff=0.5)
    # Differences 0, -1, 0, 0, -1 -> RMSE sqrt(2 / 5).
    assert out["logit_rmse"] == pytest.approx(math.sqrt(2 / 5))
    # Centred: zt = -2 -1 0 1 2 (sum sq 10); zs - 0.4 = -2.4 -.4 -.4 .6 2.6 (sum sq 13.2);
    # cross products sum 4.8 + .4 + 0 + .6 + 5.2 = 11.
    assert out["logit_correlation"] == pytest.approx(11 / math.sqrt(10 * 13.2))
    # Declined (p >= .5): teacher F F T T T, student F T T T T.
    assert out["agreement"] == pytest.approx(4 / 5)


def test_identical_models_are_perfectly_faithful() -> None:
    p = [0.05, 0.2, 0.4, 0.7, 0.95]
    out = fidelity(p, p, [0, 0, 1, 0, 1])
    assert out["logit_correlation"] == pytest.approx(1.0)
    assert out["logit_rmse"] == 0.0
    assert out["prob_mae"] == 0.0
    assert out["agreement"] == 1.0
    assert out["auc_gap"] == 0.0


def test_constant_student_has_undefined_correlation() -> None:
    out = fidelity([0.1, 0.2, 0.3], [0.2, 0.2, 0.2])
    assert math.isnan(out["logit_correlation"])


def test_errors() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape("fidelity: teacher_p and student_p must have the same length, got 2 and 3"),
    ):
        fidelity([0.1, 0.2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=re.escape("fidelity: empty input; need at least one row")):
        fidelity([], [])
    with pytest.raises(
        ValueError,
        match=re.escape("fidelity: student_p must lie in [0, 1], found 1 value(s) outside"),
    ):
        fidelity([0.1, 0.2], [0.1, 2.0])
    with pytest.raises(
        ValueError,
        match=re.escape("fidelity: y and teacher_p must have the same length, got 1 and 2"),
    ):
        fidelity([0.1, 0.2], [0.1, 0.2], [1])
    with pytest.raises(ValueError, match=re.escape("fidelity: y contains only class 0 (n=2)")):
        fidelity([0.1, 0.2], [0.1, 0.2], [0, 0])
    with pytest.raises(ValueError, match=re.escape("fidelity: cutoff must lie in [0, 1], got 1.5")):
        fidelity([0.1, 0.2], [0.1, 0.2], cutoff=1.5)
