import re

import numpy as np
import pytest

from risk_models.distill.loss import (
    distillation_grad_hess,
    distillation_loss,
    distillation_row_loss,
    mixed_target,
    teacher_logit,
)


def test_loss_by_hand() -> None:
    # z = 0 -> p = 0.5; y = 1; teacher t = 0 -> q = 0.5; alpha = 0.5, T = 1
    # hard CE = ln 2, soft CE = ln 2 -> total ln 2
    assert distillation_loss(np.array([0.0]), np.array([1.0]), np.array([0.0]), 0.5, 1.0) == (
        pytest.approx(np.log(2))
    )


def test_row_loss_by_hand() -> None:
    # row 1: z = 0, y = 0, t = 0, alpha = 0.25, T = 2: hard ln 2, soft ln 2 -> ln 2 (0.25 + 3)
    # row 2: z = ln 3 (p = 3/4), y = 1; t = 0 (q = 1/2 at any T); T = 2 -> sigmoid(z / 2) =
    #   sqrt(3) / (1 + sqrt(3)); hard = ln(4/3); soft = -(ln p_T + ln(1 - p_T)) / 2
    z = np.array([0.0, np.log(3.0)])
    rows = distillation_row_loss(z, np.array([0.0, 1.0]), np.array([0.0, 0.0]), 0.25, 2.0)
    p_t = np.sqrt(3.0) / (1.0 + np.sqrt(3.0))
    soft = -(np.log(p_t) + np.log(1.0 - p_t)) / 2.0
    expected = [np.log(2.0) * (0.25 + 0.75 * 4.0), 0.25 * np.log(4.0 / 3.0) + 0.75 * 4.0 * soft]
    np.testing.assert_allclose(rows, expected, rtol=1e-12)
    assert distillation_loss(z, [0.0, 1.0], [0.0, 0.0], 0.25, 2.0) == pytest.approx(
        np.mean(expected), rel=1e-12
    )


def test_row_loss_is_finite_for_extreme_logits() -> None:
    rows = distillation_row_loss(np.array([800.0, -800.0]), [0.0, 1.0], [0.0, 0.0], 0.5, 1.0)
    np.testing.assert_allclose(rows, [0.5 * 800 + 0.5 * 400, 0.5 * 800 + 0.5 * 400], rtol=1e-9)


def test_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    z, t = rng.normal(size=20), rng.normal(size=20)
    y = (rng.random(20) < 0.4).astype(float)
    for alpha, T in [(0.0, 1.0), (0.3, 2.5), (1.0, 4.0), (0.7, 0.5)]:
        g, h = distillation_grad_hess(z, y, t, alpha, T)
        eps = 1e-6
        for i in range(3):
            zp, zm = z.copy(), z.copy()
            zp[i] += eps
            zm[i] -= eps
            num = distillation_loss(zp, y, t, alpha, T) - distillation_loss(zm, y, t, alpha, T)
            num *= len(z) / (2 * eps)
            assert g[i] == pytest.approx(num, rel=1e-5, abs=1e-8)
            gp, _ = distillation_grad_hess(zp, y, t, alpha, T)
            gm, _ = distillation_grad_hess(zm, y, t, alpha, T)
            assert h[i] == pytest.approx((gp[i] - gm[i]) / (2 * eps), rel=1e-4)


def test_temperature_one_equals_mixed_target_cross_entropy() -> None:
    rng = np.random.default_rng(1)
    z, q = rng.normal(size=50), rng.random(50)
    y = (rng.random(50) < 0.5).astype(float)
    target = mixed_target(y, q, 0.25)
    g, _ = distillation_grad_hess(z, y, teacher_logit(q), 0.25, 1.0)
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-z)) - target, atol=1e-6)


def test_alpha_one_ignores_the_teacher() -> None:
    z, y = np.array([0.3, -1.0]), np.array([1.0, 0.0])
    a = distillation_grad_hess(z, y, np.array([5.0, 5.0]), 1.0, 3.0)
    b = distillation_grad_hess(z, y, np.array([-5.0, 0.0]), 1.0, 3.0)
    np.testing.assert_array_equal(a[0], b[0])


def test_bad_parameters() -> None:
    one = np.array([0.0])
    with pytest.raises(ValueError, match=re.escape("alpha must be in [0, 1], got 1.5")):
        distillation_loss(one, one, one, 1.5, 1.0)
    with pytest.raises(ValueError, match=re.escape("temperature must be > 0, got 0")):
        distillation_grad_hess(one, one, one, 0.5, 0)
