"""Hand-computed checks of the classification metrics."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import average_precision_score, roc_auc_score

from risk_models.evaluation.metrics import (
    auc,
    auprc,
    brier,
    classification_metrics,
    ece,
    gini,
    ks,
    log_loss,
    logit,
    reliability_table,
    sigmoid,
)

# Tiny case with a tie across classes (0.4 is both a good's and a bad's score).
# bads: 0.4, 0.8, 0.3   goods: 0.1, 0.4, 0.2
Y = [0, 0, 1, 1, 0, 1]
S = [0.1, 0.4, 0.4, 0.8, 0.2, 0.3]


# --------------------------------------------------------------------------- ranking


def test_auc_hand_computed_with_tie() -> None:
    # Pairs (bad vs good): 0.4 -> 1 + 0.5 + 1; 0.8 -> 3; 0.3 -> 1 + 0 + 1. Total 7.5 of 9.
    assert auc(Y, S) == pytest.approx(7.5 / 9)


def test_gini_is_two_auc_minus_one() -> None:
    assert gini(Y, S) == pytest.approx(2 * 7.5 / 9 - 1)


def test_auc_perfect_reversed_and_constant() -> None:
    assert auc([0, 0, 1, 1], [1, 2, 3, 4]) == 1.0
    assert auc([0, 0, 1, 1], [4, 3, 2, 1]) == 0.0
    assert auc([0, 0, 1, 1], [5, 5, 5, 5]) == 0.5


def test_ks_hand_computed() -> None:
    # At t = 0.2: F_bad = 0/3, F_good = 2/3 -> the largest gap, 2/3.
    assert ks(Y, S) == pytest.approx(2 / 3)


def test_auprc_hand_computed_with_tie() -> None:
    # Thresholds 0.8: P=1, R=1/3; 0.4 (one bad, one good enter together): P=2/3, R=2/3;
    # 0.3: P=3/4, R=1. AP = 1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/4 = 29/36.
    assert auprc(Y, S) == pytest.approx(29 / 36)


def test_ranking_metrics_match_reference_implementations() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.normal(size=500) + y, 1)  # rounding makes many ties
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert auprc(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert ks(y, s) == pytest.approx(ks_2samp(s[y == 1], s[y == 0]).statistic, abs=1e-12)


def test_accepts_pandas_bool_and_column_vector() -> None:
    y = pd.Series([False, False, True, True, False, True])
    s = np.asarray(S).reshape(-1, 1)
    assert auc(y, s) == pytest.approx(7.5 / 9)


# --------------------------------------------------------------------------- probability


def test_brier_hand_computed() -> None:
    # (0.1-0)^2 + (0.6-1)^2 + (0.5-0)^2 = 0.01 + 0.16 + 0.25 = 0.42; / 3
    assert brier([0, 1, 0], [0.1, 0.6, 0.5]) == pytest.approx(0.14)


def test_log_loss_hand_computed_and_clipped() -> None:
    expected = -(np.log(0.9) + np.log(0.6) + np.log(0.5)) / 3
    assert log_loss([0, 1, 0], [0.1, 0.6, 0.5]) == pytest.approx(expected)
    # A confident wrong answer costs -log(eps), not infinity.
    assert log_loss([1], [0.0], eps=1e-15) == pytest.approx(-np.log(1e-15))
    assert log_loss([0, 1], [0.0, 1.0]) == pytest.approx(-np.log1p(-1e-15))


def test_ece_uniform_hand_computed() -> None:
    # Bins [0, .5): p .1 .2 .3 (mean .2), y 0 0 1 (rate 1/3) -> |.2 - 1/3| * 3/4 = 0.1
    #      [.5, 1]: p .9, y 1 -> .1 * 1/4 = 0.025
    assert ece([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9], n_bins=2, strategy="uniform") == pytest.approx(
        0.125
    )


def test_ece_quantile_hand_computed() -> None:
    # Median 0.25 splits {.1, .2} (mean .15, rate 0) and {.3, .9} (mean .6, rate 1):
    # .15 * 1/2 + .4 * 1/2 = 0.275
    assert ece([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9], n_bins=2) == pytest.approx(0.275)


def test_ece_perfectly_calibrated_bins_is_zero() -> None:
    assert ece([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0


def test_reliability_table_hand_computed() -> None:
    table = reliability_table([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9], n_bins=2)
    expected = pd.DataFrame(
        {
            "bin": [0, 1],
            "p_low": [0.1, 0.25],
            "p_high": [0.25, 0.9],
            "n": [2, 2],
            "mean_predicted": [0.15, 0.6],
            "observed_rate": [0.0, 1.0],
        }
    )
    pd.testing.assert_frame_equal(table, expected)


def test_reliability_table_uniform_drops_empty_bins_and_closes_last() -> None:
    table = reliability_table([0, 1, 1], [0.05, 0.5, 1.0], n_bins=4, strategy="uniform")
    assert table["bin"].tolist() == [0, 2, 3]  # bin 1 [.25, .5) is empty; 0.5 goes up
    assert table["n"].tolist() == [1, 1, 1]
    assert table["p_high"].iloc[-1] == 1.0


def test_reliability_table_constant_probabilities_one_bin() -> None:
    table = reliability_table([0, 1, 1, 0], [0.3] * 4, n_bins=5)
    assert table[["n", "mean_predicted", "observed_rate"]].values.tolist() == [[4, 0.3, 0.5]]


# --------------------------------------------------------------------------- transforms


def test_logit_and_sigmoid() -> None:
    assert logit([0.5])[0] == 0.0
    assert logit(0.75) == pytest.approx(np.log(3))
    assert np.isfinite(logit([0.0, 1.0])).all()
    assert logit([1.0])[0] == pytest.approx(np.log((1 - 1e-7) / 1e-7))
    z = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
    with np.errstate(all="raise"):
        p = sigmoid(z)
    np.testing.assert_allclose(p, [0.0, 1 / (1 + np.exp(2)), 0.5, 1 / (1 + np.exp(-2)), 1.0])
    np.testing.assert_allclose(logit(sigmoid([-3.0, 0.1, 4.0])), [-3.0, 0.1, 4.0])


def test_logit_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match=re.escape("logit: p must lie in [0, 1], got min -0.1")):
        logit([-0.1, 0.5])
    with pytest.raises(ValueError, match=re.escape("logit: p contains 1 NaN value(s)")):
        logit([np.nan, 0.5])


# --------------------------------------------------------------------------- summary


def test_classification_metrics_keys_and_values() -> None:
    out = classification_metrics(Y, S)
    assert list(out) == [
        "auc",
        "gini",
        "ks",
        "auprc",
        "brier",
        "log_loss",
        "ece",
        "n",
        "positive_rate",
    ]
    assert out["auc"] == pytest.approx(7.5 / 9)
    assert out["gini"] == pytest.approx(2 / 3)
    assert out["ks"] == pytest.approx(2 / 3)
    assert out["auprc"] == pytest.approx(29 / 36)
    assert out["brier"] == pytest.approx(brier(Y, S))
    assert out["log_loss"] == pytest.approx(log_loss(Y, S))
    assert out["ece"] == pytest.approx(ece(Y, S))
    assert out["n"] == 6
    assert out["positive_rate"] == 0.5
    assert all(isinstance(v, float) for v in out.values())


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fn", [auc, gini, ks])
def test_ranking_metrics_need_both_classes(fn) -> None:
    name = fn.__name__
    msg = f"{name}: y contains only class 1 (n=3); {name} needs both goods (0) and bads (1)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        fn([1, 1, 1], [0.1, 0.2, 0.3])


def test_auprc_needs_a_bad() -> None:
    with pytest.raises(
        ValueError, match=re.escape("auprc: y contains no bads (n=2); auprc needs at least one")
    ):
        auprc([0, 0], [0.1, 0.2])


def test_classification_metrics_needs_both_classes() -> None:
    with pytest.raises(
        ValueError, match=re.escape("classification_metrics: y contains only class 0")
    ):
        classification_metrics([0, 0], [0.1, 0.2])


def test_empty_input() -> None:
    with pytest.raises(ValueError, match=re.escape("auc: empty input; need at least one row")):
        auc([], [])
    with pytest.raises(ValueError, match=re.escape("brier: empty input; need at least one row")):
        brier([], [])


def test_length_mismatch() -> None:
    with pytest.raises(
        ValueError, match=re.escape("ks: y and score must have the same length, got 3 and 2")
    ):
        ks([0, 1, 0], [0.1, 0.2])


def test_bad_labels_shape_and_values() -> None:
    with pytest.raises(
        ValueError, match=re.escape("auc: y must contain only 0 and 1 (1 = bad), found -1, 2")
    ):
        auc([0, 1, 2, -1], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(
        ValueError, match=re.escape("auc: score must be one-dimensional, got shape (2, 2)")
    ):
        auc([0, 1], [[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(ValueError, match=re.escape("auc: y must be numeric, got dtype <U1")):
        auc(["a", "b"], [0.1, 0.2])
    with pytest.raises(
        ValueError, match=re.escape("auc: score contains 1 NaN or infinite value(s)")
    ):
        auc([0, 1], [np.nan, 0.2])


def test_probabilities_out_of_range() -> None:
    msg = "log_loss: p must lie in [0, 1], found 2 value(s) outside (min -0.1, max 1.5)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        log_loss([0, 1, 1], [-0.1, 0.5, 1.5])


def test_ece_bad_arguments() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape("ece: strategy must be one of ('quantile', 'uniform'), got 'kmeans'"),
    ):
        ece([0, 1], [0.1, 0.9], strategy="kmeans")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=re.escape("reliability_table: n_bins must be a positive integer, got 0")
    ):
        reliability_table([0, 1], [0.1, 0.9], n_bins=0)
