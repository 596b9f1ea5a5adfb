"""Extended fidelity metrics and the binned scatter, hand-computed."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.stats import spearmanr

from risk_models.evaluation.fidelity_suite import (
    binned_scatter,
    fidelity_metrics,
    logit_r2,
    top_k_agreement,
)
from risk_models.evaluation.metrics import auprc


def test_logit_r2_hand_computed() -> None:
    assert logit_r2([0, 1, 2, 3], [0, 1, 2, 4]) == pytest.approx(1 - 1 / 5)
    assert logit_r2([0, 1, 2, 3], [1.5, 1.5, 1.5, 1.5]) == pytest.approx(0.0)
    # a perfect correlation with the wrong slope is not a perfect fit
    assert logit_r2([0, 1, 2, 3], [0, 2, 4, 6]) == pytest.approx(1 - 14 / 5)
    assert np.isnan(logit_r2([1, 1], [0, 1]))


def test_top_k_agreement_hand_computed() -> None:
    t = [5, 4, 3, 2, 1]
    s = [5, 1, 4, 3, 2]
    assert top_k_agreement(t, s, 0.4) == 0.5  # top 2: {0, 1} vs {0, 2}
    assert top_k_agreement(t, s, 0.2) == 1.0
    assert top_k_agreement(t, s, 1.0) == 1.0
    with pytest.raises(ValueError, match=re.escape("top_k_agreement: k must be a fraction in")):
        top_k_agreement(t, s, 0.0)


def test_fidelity_metrics_extends_fidelity() -> None:
    rng = np.random.default_rng(0)
    n = 1000
    y = (rng.random(n) < 0.3).astype(int)
    t = rng.normal(size=n) + y
    s = t + rng.normal(scale=0.5, size=n)
    out = fidelity_metrics(y, t, s, top_k=0.1)
    assert out["auprc_gap"] == pytest.approx(auprc(y, t) - auprc(y, s))
    assert out["spearman"] == pytest.approx(spearmanr(t, s).statistic)
    assert out["logit_r2"] == pytest.approx(logit_r2(t, s))
    assert out["top_k_agreement"] == pytest.approx(top_k_agreement(t, s, 0.1))
    assert {"logit_correlation", "agreement", "auc_gap", "cutoff"} <= set(out)
    assert out["logit_correlation"] == pytest.approx(np.corrcoef(t, s)[0, 1])


def test_binned_scatter_bins_by_teacher_logit() -> None:
    t = np.arange(100, dtype=float)
    out = binned_scatter(t, 2 * t, n_bins=4, n_sample=10)
    assert [b["n"] for b in out["bins"]] == [25, 25, 25, 25]
    assert out["bins"][0]["teacher_mean"] == pytest.approx(12.0)
    assert out["bins"][0]["student_mean"] == pytest.approx(24.0)
    assert len(out["sample"]["teacher"]) == 10
    assert out["sample"]["student"] == [2 * v for v in out["sample"]["teacher"]]
