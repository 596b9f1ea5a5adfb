"""A synthetic card-transaction stream with realistic fraud: rings, bursts, takeovers, drift.

Customers live in cities, have a typical spend, a share of online payments, devices and a
handful of regular merchants; their legitimate payments follow a daily profile. Three fraud
mechanisms are laid over that history, each with its own signature:

* **account takeover** -- a burst of online payments from a new device and a far-away IP
  address, in risky categories, well above the customer's usual amount, often at night;
* **card testing rings** -- a batch of stolen cards tries tiny amounts at one compromised
  online merchant within a few hours (the merchant's hourly count spikes), and some cards
  are cashed out hours later;
* **counterfeit cards** -- card-present payments in another city or abroad, often by
  magnetic-stripe fallback ("swipe"), minutes after the real customer paid at home.

The mechanism mix drifts across the months (takeovers grow, counterfeit shrinks, takeovers
move from electronics to digital goods), and so do legitimate habits (contactless grows,
prices inflate), so an out-of-time test is harder than a random one. Velocity, amount-ratio
and distance features come from each customer's earlier transactions only
(:func:`~risk_models.data.history_features.history_features`); a warm-up month before the
first output row gives every customer a history. The true fraud probability of each row
(0.95 for a fraud-mechanism row, a small feature-dependent rate of first-party fraud for the
others) is returned beside the table, never in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from risk_models.data.contract import DataSpec
from risk_models.data.fraud_attacks import MECHANISMS, draw_attacks
from risk_models.data.history_features import DAY, HOUR, RawEvents, history_features
from risk_models.data.stream_world import (
    CATEGORIES,
    CATEGORY_SCALE,
    CHANNELS,
    World,
    draw_hours,
    make_world,
)

__all__ = ["STREAM_SPEC", "FraudStream", "generate_fraud_stream"]

STREAM_SPEC = DataSpec(
    target="is_fraud",
    positive_label=1,
    features=(
        "amount",
        "hour",
        "merchant_category",
        "channel",
        "distance_from_home",
        "km_from_last",
        "hours_since_last",
        "speed_from_last",
        "txn_count_1h",
        "txn_count_24h",
        "amount_sum_24h",
        "amount_vs_avg",
        "n_prior_txns",
        "is_new_merchant",
        "is_new_device",
        "merchant_txn_count_1h",
        "card_age_days",
        "is_foreign",
    ),
    categorical=("merchant_category", "channel"),
    id_column="transaction_id",
    time_column="event_time",
    # Directions the mechanisms imply. Not declared, because the fraud rate is not monotone
    # in them: amount (tiny card tests and large takeovers), distance_from_home (online
    # payments from the home IP include takeovers and rings), merchant_txn_count_1h (a ring's
    # first test meets an idle merchant), speed_from_last (bursts from one place are at 0 km/h).
    monotone={
        "txn_count_1h": 1,
        "txn_count_24h": 1,
        "is_new_device": 1,
        "is_new_merchant": 1,
        "is_foreign": 1,
    },
)

#: True fraud probability of a row made by a fraud mechanism (the rest are disputes that
#: end up not confirmed as fraud).
ATTACK_FRAUD_PROBABILITY = 0.95
#: Log-odds of first-party fraud on an ordinary payment of typical size.
FIRST_PARTY_INTERCEPT = -8.8
WARM_UP_DAYS = 30
START = np.datetime64("2024-01-01T00:00:00", "s")


@dataclass(frozen=True, eq=False)
class FraudStream:
    """A generated stream and the truth behind it.

    Attributes
    ----------
    frame:
        ``transaction_id``, ``event_time``, the :data:`STREAM_SPEC` features and
        ``is_fraud``, in time order.
    true_logit:
        True fraud log-odds of every row (``is_fraud`` was drawn from its sigmoid).
    mechanism:
        ``"none"`` or the fraud mechanism that made the row (:data:`MECHANISMS`).
    customer, merchant:
        The hidden customer and merchant ids of every row (not features).
    spec:
        Column roles; ``monotone`` holds the directions the mechanisms imply.
    """

    frame: pd.DataFrame
    true_logit: np.ndarray
    mechanism: np.ndarray
    customer: np.ndarray
    merchant: np.ndarray
    spec: DataSpec


#: Share of ordinary payments that follow another one of the same customer within a
#: shopping session (minutes later, same city or the same online habits).
SESSION_SHARE = 0.3
SESSION_GAP_SECONDS = 25 * 60.0


def _legit_events(
    rng: np.random.Generator, world: World, n: int, lo_day: float, hi_day: float
) -> dict[str, np.ndarray]:
    """``n`` ordinary payments with days uniform in ``[lo_day, hi_day)``; some of them are
    follow-ups in a shopping session that a first payment started."""
    n_follow = int(SESSION_SHARE * n)
    n_first = n - n_follow
    day = rng.uniform(lo_day, hi_day, n_first)
    cust = rng.choice(world.n_customers, n_first, p=world.activity)
    late = world.issue_day[cust] > day  # card not issued yet: an established card instead
    cust[late] = rng.choice(world.established, int(late.sum()))
    online = rng.random(n_first) < world.online_share[cust]
    merchant = np.where(online, world.pick_online(rng, cust), world.pick_physical(rng, cust))
    seconds = (np.floor(day) * DAY + draw_hours(rng, n_first) * HOUR).astype(np.int64)
    seconds += rng.integers(0, HOUR, n_first)

    parent = rng.integers(0, n_first, n_follow)
    f_cust = cust[parent]
    f_online = online[parent] ^ (rng.random(n_follow) < 0.15)
    f_city = np.where(online[parent], world.home_city[f_cust], world.m_city[merchant[parent]])
    f_merchant = np.where(f_online, world.pick_online(rng, f_cust), world.shop_in(rng, f_city))
    f_seconds = seconds[parent] + rng.exponential(SESSION_GAP_SECONDS, n_follow).astype(np.int64)
    cust = np.r_[cust, f_cust]
    return _legit_columns(
        rng,
        world,
        cust,
        np.r_[merchant, f_merchant],
        np.minimum(np.r_[seconds, f_seconds], int(hi_day * DAY) - 1),
        np.r_[online, f_online],
    )


def _legit_columns(
    rng: np.random.Generator,
    world: World,
    cust: np.ndarray,
    merchant: np.ndarray,
    seconds: np.ndarray,
    online: np.ndarray,
) -> dict[str, np.ndarray]:
    """Channel, place, device and amount of ordinary payments."""
    n = len(cust)
    month = np.clip((seconds / DAY - WARM_UP_DAYS) / 30.0, 0, None)
    drift = np.clip(month / 5.0, 0, 1)
    u = rng.random(n)
    physical_channel = np.where(
        u < 0.03, CHANNELS.index("swipe"), np.where(u < 0.33 + 0.30 * drift, 1, 0)
    )  # 0 chip, 1 contactless: contactless grows from 30 % to 60 %
    channel = np.where(
        online,
        np.where(rng.random(n) < 0.08, CHANNELS.index("phone"), CHANNELS.index("online")),
        physical_channel,
    )
    home_x, home_y = world.home_x[cust], world.home_y[cust]
    vpn = online & (rng.random(n) < 0.04)
    far_x, far_y = world.random_place(rng, n)
    x = np.where(online, np.where(vpn, far_x, home_x + rng.normal(0, 3, n)), world.m_x[merchant])
    y = np.where(online, np.where(vpn, far_y, home_y + rng.normal(0, 3, n)), world.m_y[merchant])
    device = cust * 8 + rng.integers(0, 8, n) % world.n_devices[cust]
    new_phone = online & (rng.random(n) < 0.01)
    device = np.where(new_phone, world.fresh_devices(n), device)
    cat = world.m_category[merchant]
    inflation = 1.0 + 0.005 * month
    amount = world.mu[cust] * CATEGORY_SCALE[cat] * rng.lognormal(0.0, 0.75, n) * inflation
    return {
        "customer": cust,
        "merchant": merchant,
        "device": np.where(online, device, -1),
        "seconds": seconds,
        "amount": amount,
        "x": x,
        "y": y,
        "channel": channel,
        "mechanism": np.zeros(n, dtype=np.int64),
    }


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def generate_fraud_stream(
    n_rows: int = 50_000,
    seed: int = 0,
    *,
    n_months: int = 6,
    fraud_rate: float = 0.002,
) -> FraudStream:
    """Generate a card-transaction stream with fraud mechanisms and a known true risk.

    Parameters
    ----------
    n_rows:
        Number of transactions in the output (>= 1,000).
    seed:
        Seed of the NumPy generator; the same arguments give the same stream.
    n_months:
        Months of output events, from 2024-01-01 (after a 30-day warm-up that only feeds
        the history features).
    fraud_rate:
        Target share of fraud rows (the realised share varies with the seed).

    Returns
    -------
    FraudStream
        The table in time order, the true log-odds, mechanisms and hidden ids.
    """
    if n_rows < 1_000:
        raise ValueError(f"n_rows must be at least 1000 for a fraud stream, got {n_rows}")
    if not 0.0005 <= fraud_rate <= 0.05:
        raise ValueError(f"fraud_rate must be in [0.0005, 0.05], got {fraud_rate}")
    if n_months < 1:
        raise ValueError(f"n_months must be >= 1, got {n_months}")
    rng = np.random.default_rng(seed)
    n_days = 30 * n_months
    world = make_world(rng, n_rows, WARM_UP_DAYS + n_days)
    attack_rows = (fraud_rate - 0.0002) / ATTACK_FRAUD_PROBABILITY * n_rows
    attacks = draw_attacks(rng, world, attack_rows, WARM_UP_DAYS, n_days)
    n_attack = min(len(attacks["seconds"]), n_rows // 2)
    attacks = {k: v[:n_attack] for k, v in attacks.items()}
    n_legit = n_rows - n_attack
    end = WARM_UP_DAYS + n_days
    warm = _legit_events(rng, world, round(n_legit * WARM_UP_DAYS / n_days), 0, WARM_UP_DAYS)
    legit = _legit_events(rng, world, n_legit, WARM_UP_DAYS, end)
    ev = _concat([warm, legit, attacks])
    ev["seconds"] = np.minimum(ev["seconds"], end * DAY - 1)
    ev["amount"] = np.maximum(np.round(ev["amount"], 2), 0.5)
    raw = RawEvents(
        ev["customer"], ev["merchant"], ev["device"], ev["seconds"], ev["amount"], ev["x"], ev["y"]
    )
    hist = history_features(raw)

    keep = np.flatnonzero(ev["seconds"] >= WARM_UP_DAYS * DAY)
    keep = keep[np.argsort(ev["seconds"][keep], kind="stable")]
    sel = {k: v[keep] for k, v in ev.items()}
    h = {k: v[keep] for k, v in hist.items()}
    cust, merchant = sel["customer"], sel["merchant"]
    seconds = sel["seconds"] - WARM_UP_DAYS * DAY
    distance = np.hypot(sel["x"] - world.home_x[cust], sel["y"] - world.home_y[cust])
    distance = np.where(rng.random(len(keep)) < 0.03, np.nan, np.round(distance, 1))
    cat_code = world.m_category[merchant]
    frame = pd.DataFrame(
        {
            "transaction_id": pd.Series(np.arange(1, len(keep) + 1)).map("TXN-{:08d}".format),
            "event_time": (START + seconds.astype("timedelta64[s]")).astype("datetime64[ns]"),
            "amount": sel["amount"],
            "hour": (seconds % DAY) // HOUR,
            "merchant_category": pd.Categorical.from_codes(cat_code, categories=CATEGORIES),
            "channel": pd.Categorical.from_codes(sel["channel"], categories=CHANNELS),
            "distance_from_home": distance,
            **{k: h[k] for k in STREAM_SPEC.features if k in h},
            "card_age_days": np.floor(sel["seconds"] / DAY - world.issue_day[cust]).astype(
                np.int64
            ),
            "is_foreign": world.m_foreign[merchant].astype(np.int64)
            | (world.foreign_place(sel["x"]) & (sel["channel"] != CHANNELS.index("online"))),
        }
    )
    frame = frame[["transaction_id", "event_time", *STREAM_SPEC.features]]
    mech = sel["mechanism"]
    unusual = np.log(sel["amount"] / (world.mu[cust] * CATEGORY_SCALE[cat_code]))
    first_party = FIRST_PARTY_INTERCEPT + 0.35 * np.clip(unusual, 0, 3)
    attack_logit = np.log(ATTACK_FRAUD_PROBABILITY / (1 - ATTACK_FRAUD_PROBABILITY))
    true_logit = np.where(mech > 0, attack_logit, first_party)
    frame["is_fraud"] = (rng.random(len(frame)) < 1 / (1 + np.exp(-true_logit))).astype(np.int64)
    return FraudStream(
        frame=frame,
        true_logit=true_logit,
        mechanism=np.asarray(MECHANISMS, dtype=object)[mech],
        customer=cust,
        merchant=merchant,
        spec=replace(STREAM_SPEC, monotone=dict(STREAM_SPEC.monotone)),
    )
