"""Per-customer history features of a transaction stream, from *earlier* transactions only.

A fraud model sees a transaction with what was known when it happened: how many payments
the card made in the last hour, how the amount compares with the customer's past average,
how far it is from the previous payment. :func:`history_features` computes these from raw
event arrays, vectorised: rows are sorted by customer, then time, and every window is a pair
of ``searchsorted`` bounds on one sorted ``customer * span + time`` key, so a row's window
never crosses into another customer's rows. Windows are half-open, ``[t - w, t)``: rows at
the *same* second as the current one are not counted either, so a feature never depends on
the row itself, on a later row, or on a tie whose order is arbitrary. Merchant velocity uses
the same construction with merchant instead of customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RawEvents", "history_features"]

HOUR = 3_600
DAY = 86_400


@dataclass(frozen=True, eq=False)
class RawEvents:
    """The raw columns a stream is made of, one entry per transaction, in any order.

    Attributes
    ----------
    customer, merchant:
        Integer ids (>= 0).
    device:
        Device id of a card-not-present payment, ``-1`` for a card-present one.
    seconds:
        Event time in whole seconds from any origin (>= 0).
    amount:
        Payment amount (> 0).
    x_km, y_km:
        Where the payment happened (merchant, or the IP location of an online payment).
    """

    customer: np.ndarray
    merchant: np.ndarray
    device: np.ndarray
    seconds: np.ndarray
    amount: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray

    def take(self, index: np.ndarray) -> RawEvents:
        """The events at ``index`` (positions or a boolean mask), in that order."""
        return RawEvents(**{k: np.asarray(v)[index] for k, v in self.__dict__.items()})


def _window_counts(key: np.ndarray, floor: np.ndarray, width: int) -> tuple[np.ndarray, ...]:
    """``(lo, hi)`` positions in sorted ``key`` of the half-open window ``[k - width, k)``,
    never below the group's ``floor`` key."""
    hi = np.searchsorted(key, key, side="left")
    lo = np.searchsorted(key, np.maximum(key - width, floor), side="left")
    return lo, hi


def _first_seen(group: np.ndarray, item: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """True where no strictly earlier row of the same ``group`` has the same ``item``."""
    order = np.lexsort((seconds, item, group))
    g, i, t = group[order], item[order], seconds[order]
    start = np.r_[True, (g[1:] != g[:-1]) | (i[1:] != i[:-1])]
    first_t = t[np.flatnonzero(start)[np.cumsum(start) - 1]]
    out = np.empty(len(order), dtype=bool)
    out[order] = t == first_t
    return out


def history_features(events: RawEvents) -> dict[str, np.ndarray]:
    """History features of every event, computed from strictly earlier events only.

    Parameters
    ----------
    events:
        The raw stream (any row order; the output follows the input order).

    Returns
    -------
    dict of str to numpy.ndarray
        One array per feature, aligned with the input rows:

        ``n_prior_txns``
            The customer's earlier transactions.
        ``txn_count_1h``, ``txn_count_24h``
            The customer's transactions in the hour / day before this one.
        ``amount_sum_24h``
            Their total amount.
        ``amount_vs_avg``
            This amount over the mean of the customer's earlier amounts (NaN for a first
            transaction).
        ``hours_since_last``, ``km_from_last``, ``speed_from_last``
            Time (hours) and distance (km) from the customer's previous transaction, and
            the implied speed in km/h (the gap floored at 3 minutes); NaN for a first one.
        ``is_new_merchant``, ``is_new_device``
            1 when the customer never paid this merchant / used this device before (card
            present payments have no device: 0).
        ``merchant_txn_count_1h``
            The merchant's transactions, from all customers, in the hour before.
    """
    n = len(events.seconds)
    cust = np.asarray(events.customer, dtype=np.int64)
    t = np.asarray(events.seconds, dtype=np.int64)
    if n and (t.min() < 0 or cust.min() < 0):
        raise ValueError("history_features needs seconds >= 0 and customer ids >= 0")
    span = int(t.max()) + 2 * DAY + 1 if n else 1
    # Ties (same customer, same second) are ordered by their content, so which of them is
    # "the previous transaction" of a later row does not depend on the input order.
    order = np.lexsort((events.y_km, events.x_km, events.amount, t, cust))
    c, ts = cust[order], t[order]
    amount = np.asarray(events.amount, dtype=np.float64)[order]
    x = np.asarray(events.x_km, dtype=np.float64)[order]
    y = np.asarray(events.y_km, dtype=np.float64)[order]
    key = c * span + ts
    floor = c * span

    lo_1h, hi = _window_counts(key, floor, HOUR)
    lo_24h, _ = _window_counts(key, floor, DAY)
    group_start = np.searchsorted(key, floor, side="left")
    cum = np.r_[0.0, np.cumsum(amount)]
    n_prior = hi - group_start
    with np.errstate(invalid="ignore", divide="ignore"):
        past_mean = (cum[hi] - cum[group_start]) / n_prior
        amount_vs_avg = np.where(n_prior > 0, amount / past_mean, np.nan)
    prev = np.maximum(hi - 1, 0)
    has_prev = n_prior > 0
    gap_h = np.where(has_prev, (ts - ts[prev]) / HOUR, np.nan)
    km = np.where(has_prev, np.hypot(x - x[prev], y - y[prev]), np.nan)
    sorted_out = {
        "n_prior_txns": n_prior.astype(np.int64),
        "txn_count_1h": (hi - lo_1h).astype(np.int64),
        "txn_count_24h": (hi - lo_24h).astype(np.int64),
        "amount_sum_24h": np.round(cum[hi] - cum[lo_24h], 2),
        "amount_vs_avg": np.round(amount_vs_avg, 4),
        "hours_since_last": np.round(gap_h, 4),
        "km_from_last": np.round(km, 2),
        "speed_from_last": np.round(km / np.maximum(gap_h, 0.05), 2),
    }
    out = {}
    for name, values in sorted_out.items():
        back = np.empty_like(values)
        back[order] = values
        out[name] = back

    merchant = np.asarray(events.merchant, dtype=np.int64)
    device = np.asarray(events.device, dtype=np.int64)
    out["is_new_merchant"] = _first_seen(cust, merchant, t).astype(np.int64)
    out["is_new_device"] = ((device >= 0) & _first_seen(cust, device, t)).astype(np.int64)

    m_order = np.lexsort((t, merchant))
    m_key = merchant[m_order] * span + t[m_order]
    m_lo, m_hi = _window_counts(m_key, merchant[m_order] * span, HOUR)
    m_count = np.empty(n, dtype=np.int64)
    m_count[m_order] = m_hi - m_lo
    out["merchant_txn_count_1h"] = m_count
    return out
