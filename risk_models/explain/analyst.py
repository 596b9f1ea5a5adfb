"""Reasons an analyst can act on: each alert's top reasons in words.

:func:`~risk_models.explain.scoring.score_with_reasons` gives every row its reason codes
(feature, raw value, bin, points lost). A fraud analyst working an alert queue needs them
as sentences: *what* is unusual and *how* unusual, for this customer where the feature says
so (``amount_vs_avg = 6.2`` reads "6.2x the customer's average amount") and against all
payments otherwise ("higher than 99.4 % of payments"). :func:`analyst_reasons` turns the
reason table into that, for the alerts only (the top ``alert_rate`` of rows) or every row.

Wording is a mapping ``feature -> template``; :data:`FRAUD_WORDING` covers the synthetic
stream's history features (:mod:`risk_models.data.history_features`). A template is a
``str.format`` pattern over ``v`` (the value as a number) or, for a 0/1 flag, the text used
when the flag is set. Features without a template read ``feature = value``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["FRAUD_WORDING", "Wording", "analyst_reasons"]


@dataclass(frozen=True)
class Wording:
    """How to say one feature's value: ``template.format(v=value)``; ``flag=True`` for a 0/1
    feature (the template is said when the value is 1, ``off`` when 0); ``relative=True`` when
    the value already compares with the customer's own history (no population share then)."""

    template: str
    flag: bool = False
    off: str = ""
    relative: bool = False


FRAUD_WORDING: dict[str, Wording] = {
    "amount": Wording("amount {v:,.2f}"),
    "amount_vs_avg": Wording("{v:.1f}x the customer's average amount", relative=True),
    "amount_sum_24h": Wording("{v:,.2f} spent by the customer in the 24 h before"),
    "distance_from_home": Wording("{v:,.0f} km from the customer's home", relative=True),
    "km_from_last": Wording("{v:,.0f} km from the customer's previous payment", relative=True),
    "hours_since_last": Wording("{v:.1f} h after the customer's previous payment", relative=True),
    "speed_from_last": Wording(
        "{v:,.0f} km/h travel since the customer's previous payment", relative=True
    ),
    "txn_count_1h": Wording("{v:.0f} earlier payment(s) by the customer in the hour before"),
    "txn_count_24h": Wording("{v:.0f} earlier payment(s) by the customer in the 24 h before"),
    "n_prior_txns": Wording("{v:.0f} earlier payments on the card"),
    "is_new_merchant": Wording(
        "first payment by the customer at this merchant",
        flag=True,
        off="a merchant the customer used before",
        relative=True,
    ),
    "is_new_device": Wording(
        "first payment from this device for the customer",
        flag=True,
        off="a device the customer used before",
        relative=True,
    ),
    "merchant_txn_count_1h": Wording("{v:.0f} payment(s) at this merchant in the hour before"),
    "card_age_days": Wording("card issued {v:.0f} days ago"),
    "is_foreign": Wording("payment abroad", flag=True, off="domestic payment"),
    "hour": Wording("at {v:02.0f}:00"),
}


def _number(text: object) -> float | None:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    try:
        return float(str(text))
    except ValueError:
        return None


def _share(x: float) -> str:
    """A share as a percentage, two decimals near 100 % so 99.98 % is not shown as 100 %."""
    if x < 0.99:
        return f"{x:.1%}"
    return f"{min(x, 0.9999):.2%}"


class _Population:
    """Where a value sits among the reference rows: shares below / equal, per feature."""

    def __init__(self, reference: pd.DataFrame | None, noun: str) -> None:
        self.noun = noun
        self.numeric: dict[str, np.ndarray] = {}
        self.levels: dict[str, pd.Series] = {}
        if reference is None:
            return
        for col in reference.columns:
            s = reference[col]
            if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s):
                x = s.to_numpy(dtype=np.float64, na_value=np.nan)
                self.numeric[str(col)] = np.sort(x[~np.isnan(x)])
            else:
                self.levels[str(col)] = s.astype(str).value_counts(normalize=True)

    def describe(self, feature: str, value: object, number: float | None) -> str:
        if number is not None and feature in self.numeric and len(self.numeric[feature]):
            ref = self.numeric[feature]
            below = np.searchsorted(ref, number, side="left") / len(ref)
            above = 1.0 - np.searchsorted(ref, number, side="right") / len(ref)
            equal = 1.0 - below - above
            if equal >= 0.5:  # a common value (a 0/1 flag's usual state, a count of 0)
                return f"as in {equal:.0%} of {self.noun}"
            if above <= below:
                if below == 1.0:
                    return f"above every one of {len(ref):,} {self.noun}"
                return f"higher than {_share(below)} of {self.noun}"
            if above == 1.0:
                return f"below every one of {len(ref):,} {self.noun}"
            return f"lower than {_share(above)} of {self.noun}"
        if feature in self.levels:
            share = float(self.levels[feature].get(str(value), 0.0))
            return f"{share:.1%} of {self.noun}"
        return ""


def _sentence(
    feature: str,
    value: object,
    wording: Mapping[str, Wording],
    population: _Population,
) -> str:
    number = _number(value)
    w = wording.get(feature)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{feature} missing"
    if w is None:
        text = f"{feature} = {value}"
    elif w.flag and number is not None:
        text = w.template if number >= 0.5 else (w.off or f"{feature} = {value}")
    elif number is not None and "{v" in w.template:
        text = w.template.format(v=number)
    else:
        text = f"{feature} = {value}"
    if w is not None and w.relative:
        return text
    context = population.describe(feature, value, number)
    return f"{text} ({context})" if context else text


def analyst_reasons(
    reasons: pd.DataFrame,
    *,
    k: int = 3,
    alert_rate: float | None = None,
    reference: pd.DataFrame | None = None,
    wording: Mapping[str, Wording] | None = None,
    population: str = "payments",
) -> pd.DataFrame:
    """Each alert's top reasons as sentences an analyst can act on.

    Parameters
    ----------
    reasons:
        The output of :func:`~risk_models.explain.scoring.score_with_reasons` (first column
        the id or ``row``, then ``probability``, ``reason_i_feature``, ``reason_i_value``,
        ``reason_i_points``...).
    k:
        Reasons per alert (at most the ``k`` the reason table holds).
    alert_rate:
        Keep the top ``alert_rate`` share of rows by probability (``ceil(rate * n)``, at
        least one), riskiest first; ``None`` keeps every row in its order.
    reference:
        The population that "how unusual" compares with (e.g. the training features);
        ``None`` leaves population shares out.
    wording:
        Feature -> :class:`Wording`; defaults to :data:`FRAUD_WORDING`.
    population:
        What the reference rows are called in the sentences.

    Returns
    -------
    pandas.DataFrame
        The id column, ``probability``, ``reason_1_text`` .. ``reason_k_text`` (``None`` when
        a row has fewer reasons) and ``summary`` (the reasons joined by ``"; "``).

    Raises
    ------
    ValueError
        If ``reasons`` lacks the ``probability`` or ``reason_1_feature`` column, ``k < 1``,
        or ``alert_rate`` is outside (0, 1].
    """
    missing = [c for c in ("probability", "reason_1_feature") if c not in reasons.columns]
    if missing:
        raise ValueError(
            f"analyst_reasons: the reason table has no {missing} column(s); pass the output "
            "of score_with_reasons"
        )
    if k < 1:
        raise ValueError(f"analyst_reasons: k must be >= 1, got {k}")
    available = sum(1 for c in reasons.columns if re.fullmatch(r"reason_\d+_feature", str(c)))
    k = min(k, available)
    rows = reasons
    if alert_rate is not None:
        if not 0.0 < alert_rate <= 1.0:
            raise ValueError(f"analyst_reasons: alert_rate must be in (0, 1], got {alert_rate}")
        n_alerts = min(len(reasons), max(1, math.ceil(alert_rate * len(reasons) - 1e-9)))
        order = np.argsort(-reasons["probability"].to_numpy(dtype=float), kind="stable")
        rows = reasons.iloc[order[:n_alerts]]
    words = FRAUD_WORDING if wording is None else wording
    pop = _Population(reference, population)
    id_col = reasons.columns[0]
    out: dict[str, object] = {
        str(id_col): rows[id_col].to_numpy(),
        "probability": rows["probability"].to_numpy(dtype=float),
    }
    texts = []
    for i in range(1, k + 1):
        col = []
        for feature, value in zip(
            rows[f"reason_{i}_feature"], rows[f"reason_{i}_value"], strict=True
        ):
            absent = feature is None or (isinstance(feature, float) and math.isnan(feature))
            col.append(None if absent else _sentence(str(feature), value, words, pop))
        out[f"reason_{i}_text"] = pd.Series(col, dtype=object)  # None stays None
        texts.append(col)
    out["summary"] = pd.Series(
        ["; ".join(t for t in parts if t) for parts in zip(*texts, strict=True)], dtype=object
    )
    return pd.DataFrame(out)
