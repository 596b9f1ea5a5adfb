"""Fraud mechanisms of the synthetic stream: account takeover, card-testing rings, counterfeit.

Each mechanism draws whole *events* (a takeover burst, a ring, a counterfeit spree), then
expands them into rows with the same columns as ordinary payments (see
:mod:`risk_models.data.fraud_stream`). The mix drifts across the months: takeovers grow from
30 % to 55 % of the fraud rows while counterfeit shrinks from 40 % to 15 %, takeovers move
from electronics to digital goods and gaming, and overall fraud grows by 15 %.
"""

from __future__ import annotations

import numpy as np

from risk_models.data.history_features import DAY, HOUR
from risk_models.data.stream_world import CATEGORIES, CATEGORY_SCALE, CHANNELS, World, draw_hours

__all__ = ["MECHANISMS", "draw_attacks"]

MECHANISMS = ("none", "account_takeover", "card_testing", "counterfeit")
_ATO, _TESTING, _COUNTERFEIT = 1, 2, 3

#: Takeover target categories early and late in the stream (CATEGORIES order).
ATO_CATEGORIES_EARLY = np.array([0, 0, 0, 0.40, 0.10, 0.30, 0.10, 0.10])
ATO_CATEGORIES_LATE = np.array([0, 0, 0, 0.15, 0.05, 0.15, 0.25, 0.40])
CASH_OUT_CATEGORIES = np.array([0, 0, 0, 0.5, 0, 0.3, 0, 0.2])
RING_CATEGORIES = (
    CATEGORIES.index("gaming"),
    CATEGORIES.index("digital_goods"),
    CATEGORIES.index("online_retail"),
)
ROWS_PER_EVENT = {_ATO: 4.0, _TESTING: 30.0, _COUNTERFEIT: 2.5}


def _shares(f: float) -> dict[int, float]:
    """Share of fraud rows by mechanism at stream fraction ``f`` in [0, 1]."""
    return {_ATO: 0.30 + 0.25 * f, _TESTING: 0.30, _COUNTERFEIT: 0.40 - 0.25 * f}


def _start_seconds(rng: np.random.Generator, day: np.ndarray, night_share: float) -> np.ndarray:
    night = rng.random(len(day)) < night_share
    hour = np.where(night, rng.integers(0, 6, len(day)), draw_hours(rng, len(day)))
    seconds = np.floor(day) * DAY + hour * HOUR + rng.integers(0, HOUR, len(day))
    return np.asarray(seconds, dtype=np.int64)


def _victims(rng: np.random.Generator, world: World, day: np.ndarray) -> np.ndarray:
    cust = rng.choice(world.n_customers, len(day), p=world.activity)
    late = world.issue_day[cust] > day
    cust[late] = rng.choice(world.established, int(late.sum()))
    return cust


def _expand(sizes: np.ndarray, gap_mean: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Row -> event index, position within the event, and seconds after the event start."""
    event = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    position = np.arange(len(event)) - starts[event]
    gaps = np.where(position > 0, rng.exponential(gap_mean, len(event)), 0.0)
    csum = np.cumsum(gaps)
    offset = csum - csum[starts][event]
    return event, position, offset.astype(np.int64)


def _online_merchant(rng: np.random.Generator, world: World, category: np.ndarray) -> np.ndarray:
    out = np.empty(len(category), dtype=np.int64)
    any_online = np.flatnonzero(world.m_online)
    for c in np.unique(category):
        rows = np.flatnonzero(category == c)
        pool = world.online_by_category[c]
        out[rows] = rng.choice(pool if len(pool) else any_online, len(rows))
    return out


def _rows(**cols: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in cols.items()}


def _takeovers(
    rng: np.random.Generator, world: World, day: np.ndarray, f: np.ndarray
) -> dict[str, np.ndarray]:
    n = len(day)
    cust = _victims(rng, world, day)
    start = _start_seconds(rng, day, 0.45)
    sizes = 1 + np.minimum(rng.poisson(3.0, n), 11)
    ev, pos, offset = _expand(sizes, 15 * 60.0, rng)
    fr = f[ev][:, None]
    p = (1 - fr) * ATO_CATEGORIES_EARLY + fr * ATO_CATEGORIES_LATE
    category = (rng.random((len(ev), 1)) > np.cumsum(p, axis=1)).sum(axis=1)
    category = np.minimum(category, len(CATEGORIES) - 1)
    c = cust[ev]
    far_x, far_y = world.random_place(rng, n)
    far = rng.random(n) < 0.7
    x = np.where(far, far_x, world.home_x[cust] + rng.normal(0, 3, n))[ev]
    y = np.where(far, far_y, world.home_y[cust] + rng.normal(0, 3, n))[ev]
    new_device = rng.random(n) < 0.85
    device = np.where(new_device, world.fresh_devices(n), cust * 8)[ev]
    amount = world.mu[c] * CATEGORY_SCALE[category] * rng.lognormal(np.log(2.5), 0.6, len(ev))
    channel = np.where(
        rng.random(len(ev)) < 0.92, CHANNELS.index("online"), CHANNELS.index("phone")
    )
    return _rows(
        customer=c,
        merchant=_online_merchant(rng, world, category),
        device=device,
        seconds=start[ev] + offset,
        amount=amount * (1 + 0.2 * pos),
        x=x,
        y=y,
        channel=channel,
        mechanism=np.full(len(ev), _ATO),
    )


def _rings(rng: np.random.Generator, world: World, day: np.ndarray) -> dict[str, np.ndarray]:
    n = len(day)
    ring_cat = np.asarray(RING_CATEGORIES)[rng.integers(0, len(RING_CATEGORIES), n)]
    ring_merchant = _online_merchant(rng, world, ring_cat)
    ring_start = _start_seconds(rng, day, 0.3)
    ring_device = world.fresh_devices(n)
    ring_x, ring_y = world.random_place(rng, n)
    n_cards = 6 + rng.poisson(10.0, n)
    ring = np.repeat(np.arange(n), n_cards)
    card = _victims(rng, world, day[ring])
    n_tests = 1 + (rng.random(len(ring)) < 0.5)
    t_card, _, t_offset = _expand(n_tests, 5 * 60.0, rng)
    t_ring = ring[t_card]
    test_sec = ring_start[t_ring] + rng.integers(0, 3 * HOUR, len(ring))[t_card] + t_offset
    tests = _rows(
        customer=card[t_card],
        merchant=ring_merchant[t_ring],
        device=ring_device[t_ring],
        seconds=test_sec,
        amount=np.round(rng.uniform(0.5, 4.0, len(t_card)), 2),
        x=ring_x[t_ring] + rng.normal(0, 1, len(t_card)),
        y=ring_y[t_ring] + rng.normal(0, 1, len(t_card)),
        channel=np.full(len(t_card), CHANNELS.index("online")),
        mechanism=np.full(len(t_card), _TESTING),
    )
    cash = np.flatnonzero(rng.random(len(ring)) < 0.5)
    last_test = np.zeros(len(ring), dtype=np.int64)
    np.maximum.at(last_test, t_card, test_sec)
    category = rng.choice(len(CATEGORIES), len(cash), p=CASH_OUT_CATEGORIES)
    c_ring = ring[cash]
    cash_rows = _rows(
        customer=card[cash],
        merchant=_online_merchant(rng, world, category),
        device=ring_device[c_ring],
        seconds=last_test[cash] + rng.exponential(6 * HOUR, len(cash)).astype(np.int64),
        amount=world.mu[card[cash]]
        * CATEGORY_SCALE[category]
        * rng.lognormal(np.log(3.0), 0.5, len(cash)),
        x=ring_x[c_ring],
        y=ring_y[c_ring],
        channel=np.full(len(cash), CHANNELS.index("online")),
        mechanism=np.full(len(cash), _TESTING),
    )
    return {k: np.concatenate([tests[k], cash_rows[k]]) for k in tests}


def _counterfeit(rng: np.random.Generator, world: World, day: np.ndarray) -> dict[str, np.ndarray]:
    n = len(day)
    cust = _victims(rng, world, day)
    n_cities = len(world.city_x)
    city = rng.choice(n_cities, n, p=world.city_p)
    same = city == world.home_city[cust]
    city[same] = (city[same] + 1 + rng.integers(0, n_cities - 1, int(same.sum()))) % n_cities
    start = _start_seconds(rng, day, 0.15)
    sizes = 1 + np.minimum(rng.poisson(1.5, n), 5)
    ev, _, offset = _expand(sizes, 40 * 60.0, rng)
    merchant = world.shop_in(rng, city[ev])
    u = rng.random(len(ev))
    channel = np.where(
        u < 0.45,
        CHANNELS.index("swipe"),
        np.where(u < 0.80, CHANNELS.index("chip"), CHANNELS.index("contactless")),
    )
    category = world.m_category[merchant]
    c = cust[ev]
    amount = world.mu[c] * CATEGORY_SCALE[category] * rng.lognormal(np.log(2.2), 0.6, len(ev))
    return _rows(
        customer=c,
        merchant=merchant,
        device=np.full(len(ev), -1),
        seconds=start[ev] + offset,
        amount=amount,
        x=world.m_x[merchant],
        y=world.m_y[merchant],
        channel=channel,
        mechanism=np.full(len(ev), _COUNTERFEIT),
    )


def draw_attacks(
    rng: np.random.Generator, world: World, n_rows: float, first_day: int, n_days: int
) -> dict[str, np.ndarray]:
    """Fraud rows (about ``n_rows`` of them) in days ``[first_day, first_day + n_days)``.

    Events per month and mechanism are Poisson; a stream so small that none is drawn still
    gets one takeover burst, so both classes occur.

    Returns
    -------
    dict of str to numpy.ndarray
        The columns of :func:`~risk_models.data.fraud_stream` events, ``mechanism`` coded as
        the index in :data:`MECHANISMS`, in no particular order.
    """
    n_months = max(1, n_days // 30)
    months = np.arange(n_months)
    frac = months / max(n_months - 1, 1)
    intensity = 1.0 + 0.15 * frac
    rows_per_month = n_rows * intensity / intensity.sum()
    counts = {
        mech: rng.poisson(rows_per_month * np.array([_shares(f)[mech] for f in frac]) / size)
        for mech, size in ROWS_PER_EVENT.items()
    }
    if sum(int(c.sum()) for c in counts.values()) == 0:  # a tiny stream: one takeover burst
        counts[_ATO][rng.integers(0, n_months)] = 1
    parts = []
    for mech, maker in ((_ATO, None), (_TESTING, _rings), (_COUNTERFEIT, _counterfeit)):
        n_events = counts[mech]
        month = np.repeat(months, n_events)
        if not len(month):
            continue
        day = first_day + month * 30 + rng.uniform(0, 30, len(month))
        day = np.minimum(day, first_day + n_days - 1)
        if maker is None:
            parts.append(_takeovers(rng, world, day, frac[month]))
        else:
            parts.append(maker(rng, world, day))
    if not parts:
        return {
            k: np.zeros(0, dtype=np.int64)
            for k in (
                "customer",
                "merchant",
                "device",
                "seconds",
                "amount",
                "x",
                "y",
                "channel",
                "mechanism",
            )
        }
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out["seconds"] = np.clip(out["seconds"], first_day * DAY, (first_day + n_days) * DAY - 1)
    return out
