"""Fraud yardsticks against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from risk_models.evaluation.fraud import (
    cost_at_threshold,
    cost_cutoff,
    fraud_cost_metrics,
    fraud_metrics,
    fraud_retention,
    precision_at_alert_rate,
    rate_label,
    recall_at_alert_rate,
    value_recall_at_alert_rate,
)

# Frauds at rows 0, 2 and 7; scores fall row by row.
Y = np.array([1, 0, 1, 0, 0, 0, 0, 1, 0, 0])
S = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
AMOUNT = np.array([100.0, 5, 50, 5, 5, 5, 5, 200, 5, 5])


def test_rate_label() -> None:
    assert [rate_label(r) for r in (0.005, 0.01, 0.0025, 0.1)] == [
        "0_5pct",
        "1pct",
        "0_25pct",
        "10pct",
    ]


def test_recall_and_precision_at_alert_rate() -> None:
    # 20 % of 10 rows = 2 alerts: rows 0 and 1, one fraud of three.
    assert recall_at_alert_rate(Y, S, 0.2) == pytest.approx(1 / 3)
    assert precision_at_alert_rate(Y, S, 0.2) == pytest.approx(1 / 2)
    # 30 %: rows 0-2, two frauds.
    assert recall_at_alert_rate(Y, S, 0.3) == pytest.approx(2 / 3)
    assert precision_at_alert_rate(Y, S, 0.3) == pytest.approx(2 / 3)
    # 0.5 % of 10 rows still alerts one row (at least one alert).
    assert recall_at_alert_rate(Y, S, 0.005) == pytest.approx(1 / 3)


def test_ties_at_the_boundary_share_the_remaining_slots() -> None:
    y = np.array([0, 1, 0, 0, 1, 0])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.0])
    # 2 alerts: row 0, then one slot shared by the three rows tied at 0.5 (1/3 each);
    # the fraud among them counts 1/3 of a catch.
    assert recall_at_alert_rate(y, s, 2 / 6) == pytest.approx((1 / 3) / 2)
    assert precision_at_alert_rate(y, s, 2 / 6) == pytest.approx((1 / 3) / 2)
    perm = np.array([5, 3, 1, 4, 0, 2])
    assert recall_at_alert_rate(y[perm], s[perm], 2 / 6) == pytest.approx(1 / 6)


def test_value_recall() -> None:
    # Top 3 rows hold frauds of 100 and 50 out of 100 + 50 + 200.
    assert value_recall_at_alert_rate(Y, S, AMOUNT, 0.3) == pytest.approx(150 / 350)
    assert value_recall_at_alert_rate(Y, S, AMOUNT, 0.8) == pytest.approx(1.0)


def test_cost_cutoff_fixed_costs() -> None:
    # cost(j alerts) = j + 5 * missed: j=3 -> 3 + 5 = 8, j=8 -> 8 + 0 = 8; the tie goes to
    # the higher threshold (fewer alerts).
    c = cost_cutoff(Y, S, cost_missed=5.0, cost_alert=1.0)
    assert (c.threshold, c.n_alerts, c.cost, c.cost_no_alerts) == (0.7, 3, 8.0, 15.0)
    assert c.recall == pytest.approx(2 / 3) and c.precision == pytest.approx(2 / 3)
    assert c.saving == pytest.approx(7 / 15)
    # A missed fraud at 6: j=3 costs 9, j=8 costs 8.
    c6 = cost_cutoff(Y, S, cost_missed=6.0, cost_alert=1.0)
    assert (c6.threshold, c6.n_alerts, c6.cost, c6.recall) == (0.2, 8, 8.0, 1.0)
    assert c6.to_dict()["saving"] == pytest.approx(1 - 8 / 18)


def test_cost_cutoff_by_amount_and_no_alerts() -> None:
    # Missed cost = amount; alerts cost 20: j=8 costs 160, the least.
    c = cost_cutoff(Y, S, cost_missed=1.0, cost_alert=20.0, amount=AMOUNT)
    assert (c.threshold, c.n_alerts, c.cost, c.cost_no_alerts) == (0.2, 8, 160.0, 350.0)
    # Alerts dearer than every fraud: no alerts at all.
    none = cost_cutoff(Y, S, cost_missed=1.0, cost_alert=100.0)
    assert none.threshold == math.inf and none.n_alerts == 0 and none.cost == 3.0
    assert none.saving == 0.0


def test_cost_at_threshold_and_cost_metrics() -> None:
    y_test = np.array([0, 1, 1, 0])
    s_test = np.array([0.95, 0.75, 0.1, 0.2])
    at = cost_at_threshold(y_test, s_test, 0.7, cost_missed=5.0, cost_alert=1.0)
    assert (at.n_alerts, at.cost, at.cost_no_alerts, at.recall, at.precision) == (
        2,
        7.0,
        10.0,
        0.5,
        0.5,
    )
    m = fraud_cost_metrics(Y, S, y_test, s_test, cost_missed=5.0, cost_alert=1.0)
    assert m["cost_threshold"] == 0.7
    assert m["cost_total"] == 7.0 and m["cost_per_1k_rows"] == pytest.approx(1750.0)
    assert m["cost_saving"] == pytest.approx(0.3) and m["cost_alert_rate"] == 0.5
    never = fraud_cost_metrics(Y, S, y_test, s_test, cost_missed=1.0, cost_alert=100.0)
    assert math.isnan(never["cost_threshold"]) and never["cost_alert_rate"] == 0.0


def test_fraud_metrics_and_retention() -> None:
    m = fraud_metrics(Y, S, amount=AMOUNT, alert_rates=(0.2, 0.3))
    assert sorted(m) == sorted(
        [
            "auprc",
            "recall_at_20pct",
            "precision_at_20pct",
            "value_recall_at_20pct",
            "recall_at_30pct",
            "precision_at_30pct",
            "value_recall_at_30pct",
        ]
    )
    # Average precision: frauds at ranks 1, 3, 8 -> (1/1 + 2/3 + 3/8) / 3.
    assert m["auprc"] == pytest.approx((1 + 2 / 3 + 3 / 8) / 3)
    assert m["value_recall_at_20pct"] == pytest.approx(100 / 350)
    assert "value_recall_at_0_5pct" not in fraud_metrics(Y, S)
    same = fraud_retention(Y, S, S)
    assert same == {"auprc_retention": 1.0, "recall_retention_at_0_5pct": 1.0}
    worse = fraud_retention(Y, -S, S, alert_rate=0.3)
    # Reversed scores: frauds at ranks 3, 8, 10 -> AP (1/3 + 2/8 + 3/10) / 3; top 3 holds 1.
    ap_rev = (1 / 3 + 2 / 8 + 3 / 10) / 3
    assert worse["auprc_retention"] == pytest.approx(ap_rev / ((1 + 2 / 3 + 3 / 8) / 3))
    assert worse["recall_retention_at_30pct"] == pytest.approx((1 / 3) / (2 / 3))


def test_errors_name_the_function_and_the_fix() -> None:
    with pytest.raises(ValueError, match=r"recall_at_alert_rate: alert rate must be in \(0, 1\]"):
        recall_at_alert_rate(Y, S, 0.0)
    with pytest.raises(ValueError, match="precision_at_alert_rate: y contains no frauds"):
        precision_at_alert_rate(np.zeros(4), np.arange(4.0))
    with pytest.raises(ValueError, match="value_recall_at_alert_rate: amount has 1 negative"):
        value_recall_at_alert_rate(Y, S, np.where(np.arange(10) == 3, -1.0, AMOUNT), 0.2)
    with pytest.raises(ValueError, match="cost_cutoff: cost_alert must be >= 0, got -1"):
        cost_cutoff(Y, S, cost_missed=1.0, cost_alert=-1.0)
    with pytest.raises(ValueError, match="cost_cutoff: amount must have one value per row"):
        cost_cutoff(Y, S, cost_missed=1.0, cost_alert=1.0, amount=AMOUNT[:3])
