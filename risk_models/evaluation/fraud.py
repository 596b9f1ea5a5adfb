"""Fraud yardsticks: alert budgets, caught value, cost-based cut-offs, retention.

Fraud analysts work a fixed share of the day's transactions (the *alert rate*), so a fraud
model is judged by what it catches in its top alerts, not by AUROC. The functions are pure
(arrays in, floats or a small dataclass out) and named as gates name them:

* :func:`recall_at_alert_rate`, :func:`precision_at_alert_rate`,
  :func:`value_recall_at_alert_rate` -- the frauds, and the fraud amount, in the top ``rate``
  of rows by score;
* :func:`cost_cutoff` -- the score threshold that minimises ``cost_alert * alerts +
  cost_missed * missed frauds`` (or the missed amount), and :func:`cost_at_threshold` to
  apply a threshold chosen on validation rows to the test rows;
* :func:`fraud_metrics`, :func:`fraud_retention`, :func:`fraud_cost_metrics` -- the metric
  dicts the evaluation step adds for gates (``recall_at_0_5pct``, ``auprc_retention``,
  ``cost_saving``...).

Ties at the alert boundary: when several rows share the score of the last alert slot, each of
them gets the same fraction of the remaining slots, so the figures equal the expectation over
a random tie-break and do not depend on row order (a scorecard has many tied scores).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

from risk_models.evaluation.arrays import FloatArray, as_1d, validate_pair
from risk_models.evaluation.metrics import auprc

__all__ = [
    "CostCutoff",
    "cost_at_threshold",
    "cost_cutoff",
    "fraud_cost_metrics",
    "fraud_metrics",
    "fraud_retention",
    "precision_at_alert_rate",
    "rate_label",
    "recall_at_alert_rate",
    "value_recall_at_alert_rate",
]

DEFAULT_ALERT_RATES = (0.005, 0.01)


def rate_label(rate: float) -> str:
    """Metric-name form of an alert rate: ``0.005 -> "0_5pct"``, ``0.01 -> "1pct"``."""
    pct = f"{rate * 100:.4f}".rstrip("0").rstrip(".")
    return pct.replace(".", "_") + "pct"


def _n_alerts(rate: float, n: int, fn: str) -> int:
    if not 0.0 < rate <= 1.0:
        raise ValueError(f"{fn}: alert rate must be in (0, 1], got {rate!r}")
    return min(n, max(1, math.ceil(rate * n - 1e-9)))


def _alert_share(score: FloatArray, k: int) -> FloatArray:
    """Per row, the share of it that is alerted when the top ``k`` scores are: 1 above the
    k-th score, the remaining slots shared equally among rows tied with it, 0 below."""
    kth = -np.partition(-score, k - 1)[k - 1]
    above = score > kth
    tied = score == kth
    share: FloatArray = above.astype(np.float64)
    share[tied] = (k - int(above.sum())) / int(tied.sum())
    return share


def _checked(fn: str, y: ArrayLike, score: ArrayLike) -> tuple[FloatArray, FloatArray]:
    y_arr, s = validate_pair(y, score, fn=fn, name="score")
    if not y_arr.any():
        raise ValueError(f"{fn}: y contains no frauds (n={y_arr.size}); need at least one")
    return y_arr, s


def recall_at_alert_rate(y: ArrayLike, score: ArrayLike, rate: float = 0.005) -> float:
    """Share of the frauds among the top ``rate`` of rows by score.

    Parameters
    ----------
    y:
        Outcomes, 1 = fraud; at least one fraud.
    score:
        Risk score (probability or log-odds), higher = riskier.
    rate:
        Alert rate in (0, 1]: ``ceil(rate * n)`` rows are alerted (at least one).

    Returns
    -------
    float
        Recall in ``[0, 1]``.
    """
    y_arr, s = _checked("recall_at_alert_rate", y, score)
    share = _alert_share(s, _n_alerts(rate, len(s), "recall_at_alert_rate"))
    return float(share @ y_arr / y_arr.sum())


def precision_at_alert_rate(y: ArrayLike, score: ArrayLike, rate: float = 0.005) -> float:
    """Share of frauds among the top ``rate`` of rows: what an analyst's queue holds.

    Parameters and ties as :func:`recall_at_alert_rate`.

    Returns
    -------
    float
        Precision in ``[0, 1]``.
    """
    y_arr, s = _checked("precision_at_alert_rate", y, score)
    k = _n_alerts(rate, len(s), "precision_at_alert_rate")
    return float(_alert_share(s, k) @ y_arr / k)


def value_recall_at_alert_rate(
    y: ArrayLike, score: ArrayLike, amount: ArrayLike, rate: float = 0.005
) -> float:
    """Share of the fraud *amount* among the top ``rate`` of rows: value-weighted recall.

    Parameters
    ----------
    y, score, rate:
        As :func:`recall_at_alert_rate`.
    amount:
        Transaction amounts (>= 0), one per row.

    Returns
    -------
    float
        Caught fraud amount over all fraud amount, in ``[0, 1]``.
    """
    fn = "value_recall_at_alert_rate"
    y_arr, s = _checked(fn, y, score)
    value = _amounts(amount, len(s), fn)
    lost = y_arr * value
    if lost.sum() <= 0:
        raise ValueError(f"{fn}: the frauds' amounts sum to zero; value recall is undefined")
    share = _alert_share(s, _n_alerts(rate, len(s), fn))
    return float(share @ lost / lost.sum())


def _amounts(amount: ArrayLike, n: int, fn: str) -> FloatArray:
    value = as_1d(amount, fn=fn, name="amount")
    if value.size != n:
        raise ValueError(f"{fn}: amount must have one value per row, got {value.size} for {n}")
    if (value < 0).any():
        raise ValueError(f"{fn}: amount has {int((value < 0).sum())} negative value(s)")
    return value


@dataclass(frozen=True)
class CostCutoff:
    """The cost-minimising threshold: alert when ``score >= threshold``.

    ``cost`` is the total at the threshold, ``cost_no_alerts`` the total with no alerts
    (every fraud missed); ``saving = 1 - cost / cost_no_alerts``.
    """

    threshold: float
    n_alerts: int
    alert_rate: float
    recall: float
    precision: float
    cost: float
    cost_no_alerts: float

    @property
    def saving(self) -> float:
        return 1.0 - self.cost / self.cost_no_alerts if self.cost_no_alerts > 0 else 0.0

    def to_dict(self) -> dict[str, float]:
        return {**asdict(self), "saving": self.saving}


def _missed_cost(
    y: FloatArray, amount: ArrayLike | None, cost_missed: float, fn: str
) -> FloatArray:
    if cost_missed < 0:
        raise ValueError(f"{fn}: cost_missed must be >= 0, got {cost_missed!r}")
    if amount is None:
        return y * cost_missed
    return y * cost_missed * _amounts(amount, len(y), fn)


def cost_cutoff(
    y: ArrayLike,
    score: ArrayLike,
    *,
    cost_missed: float,
    cost_alert: float,
    amount: ArrayLike | None = None,
) -> CostCutoff:
    """The score threshold with the least total cost of alerts and missed frauds.

    Total cost at threshold ``t``: ``cost_alert * #(score >= t) + sum over frauds with
    score < t of their missed cost``, where a missed fraud costs ``cost_missed``, or
    ``cost_missed * amount`` when ``amount`` is given (``cost_missed`` is then the share of
    a missed fraud's amount that is lost, e.g. 1.0). Every distinct score is tried, and "no
    alerts" (threshold ``+inf``); among equal costs the highest threshold (fewest alerts)
    wins.

    Parameters
    ----------
    y, score:
        Outcomes (1 = fraud) and risk scores.
    cost_missed, cost_alert:
        Cost of a missed fraud (or share of its amount) and of reviewing one alert (>= 0).
    amount:
        Optional transaction amounts.

    Returns
    -------
    CostCutoff
    """
    fn = "cost_cutoff"
    y_arr, s = _checked(fn, y, score)
    if cost_alert < 0:
        raise ValueError(f"{fn}: cost_alert must be >= 0, got {cost_alert!r}")
    missed = _missed_cost(y_arr, amount, cost_missed, fn)
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    last_of_group = np.r_[np.flatnonzero(s_sorted[1:] != s_sorted[:-1]), len(s) - 1]
    alerts = last_of_group + 1  # rows with score >= each distinct score
    caught_cost = np.cumsum(missed[order])[last_of_group]
    total_missed = float(missed.sum())
    costs = np.r_[total_missed, cost_alert * alerts + (total_missed - caught_cost)]
    best = int(np.argmin(costs))  # first minimum: the highest threshold
    if best == 0:
        return CostCutoff(math.inf, 0, 0.0, 0.0, 0.0, total_missed, total_missed)
    j = best - 1
    threshold = float(s_sorted[last_of_group[j]])
    return _at(y_arr, s, threshold, missed, cost_alert, total_missed)


def _at(
    y: FloatArray,
    s: FloatArray,
    threshold: float,
    missed: FloatArray,
    cost_alert: float,
    total_missed: float,
) -> CostCutoff:
    alert = s >= threshold
    n_alerts = int(alert.sum())
    caught = float(y[alert].sum())
    cost = cost_alert * n_alerts + total_missed - float(missed[alert].sum())
    return CostCutoff(
        threshold=threshold,
        n_alerts=n_alerts,
        alert_rate=n_alerts / len(s),
        recall=caught / float(y.sum()),
        precision=caught / n_alerts if n_alerts else 0.0,
        cost=cost,
        cost_no_alerts=total_missed,
    )


def cost_at_threshold(
    y: ArrayLike,
    score: ArrayLike,
    threshold: float,
    *,
    cost_missed: float,
    cost_alert: float,
    amount: ArrayLike | None = None,
) -> CostCutoff:
    """Costs of alerting ``score >= threshold`` on these rows (a threshold chosen by
    :func:`cost_cutoff` on validation rows, applied to test rows); costs as there."""
    fn = "cost_at_threshold"
    y_arr, s = _checked(fn, y, score)
    missed = _missed_cost(y_arr, amount, cost_missed, fn)
    return _at(y_arr, s, float(threshold), missed, float(cost_alert), float(missed.sum()))


def fraud_metrics(
    y: ArrayLike,
    score: ArrayLike,
    *,
    amount: ArrayLike | None = None,
    alert_rates: Sequence[float] = DEFAULT_ALERT_RATES,
) -> dict[str, float]:
    """AUPRC and, per alert rate, recall, precision and (with ``amount``) value recall.

    Returns
    -------
    dict of str to float
        ``auprc``, ``recall_at_<r>``, ``precision_at_<r>`` and ``value_recall_at_<r>``
        with ``<r>`` from :func:`rate_label` (``recall_at_0_5pct``, ``recall_at_1pct``).
    """
    out = {"auprc": auprc(y, score)}
    for rate in alert_rates:
        label = rate_label(rate)
        out[f"recall_at_{label}"] = recall_at_alert_rate(y, score, rate)
        out[f"precision_at_{label}"] = precision_at_alert_rate(y, score, rate)
        if amount is not None:
            out[f"value_recall_at_{label}"] = value_recall_at_alert_rate(y, score, amount, rate)
    return out


def fraud_retention(
    y: ArrayLike,
    student_score: ArrayLike,
    teacher_score: ArrayLike,
    *,
    alert_rate: float = 0.005,
) -> dict[str, float]:
    """How much of the teacher's fraud performance a student keeps (1.0 = all of it).

    Returns
    -------
    dict of str to float
        ``auprc_retention`` (student AUPRC / teacher AUPRC) and
        ``recall_retention_at_<r>`` (student / teacher recall at ``alert_rate``); a ratio
        is NaN when the teacher's figure is 0.
    """
    t_ap, s_ap = auprc(y, teacher_score), auprc(y, student_score)
    t_rec = recall_at_alert_rate(y, teacher_score, alert_rate)
    s_rec = recall_at_alert_rate(y, student_score, alert_rate)
    return {
        "auprc_retention": s_ap / t_ap if t_ap > 0 else math.nan,
        f"recall_retention_at_{rate_label(alert_rate)}": s_rec / t_rec if t_rec > 0 else math.nan,
    }


def fraud_cost_metrics(
    y_valid: ArrayLike,
    score_valid: ArrayLike,
    y_test: ArrayLike,
    score_test: ArrayLike,
    *,
    cost_missed: float,
    cost_alert: float,
    amount_valid: ArrayLike | None = None,
    amount_test: ArrayLike | None = None,
) -> dict[str, float]:
    """Choose the cost-minimising threshold on validation rows, report its test costs.

    Returns
    -------
    dict of str to float
        ``cost_threshold`` (from validation; NaN when no alert pays off), and on test
        ``cost_alert_rate``, ``cost_recall``, ``cost_precision``, ``cost_total``,
        ``cost_per_1k_rows`` and ``cost_saving`` (share of the no-alert cost avoided).
    """
    chosen = cost_cutoff(
        y_valid, score_valid, cost_missed=cost_missed, cost_alert=cost_alert, amount=amount_valid
    )
    test = cost_at_threshold(
        y_test,
        score_test,
        chosen.threshold,
        cost_missed=cost_missed,
        cost_alert=cost_alert,
        amount=amount_test,
    )
    n_test = len(np.asarray(y_test))
    return {
        # No alert pays off on validation: no threshold (NaN, null in JSON).
        "cost_threshold": chosen.threshold if math.isfinite(chosen.threshold) else math.nan,
        "cost_alert_rate": test.alert_rate,
        "cost_recall": test.recall,
        "cost_precision": test.precision,
        "cost_total": test.cost,
        "cost_per_1k_rows": test.cost / n_test * 1000.0,
        "cost_saving": test.saving,
    }
