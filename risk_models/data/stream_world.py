"""The world a synthetic transaction stream happens in: cities, customers, merchants.

Used by :mod:`risk_models.data.fraud_stream` (ordinary payments) and
:mod:`risk_models.data.fraud_attacks` (fraud mechanisms). Everything is drawn once per
stream from one NumPy generator; the picking helpers are vectorised over rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CATEGORIES",
    "CATEGORY_SCALE",
    "CHANNELS",
    "World",
    "draw_hours",
    "make_world",
]

CATEGORIES = (
    "grocery",
    "fuel",
    "restaurant",
    "electronics",
    "travel",
    "online_retail",
    "gaming",
    "digital_goods",
)
#: Typical amount of a category relative to the customer's typical spend.
CATEGORY_SCALE = np.array([1.0, 1.3, 0.8, 3.5, 5.0, 1.6, 0.6, 0.5])
PHYSICAL_SHARE = np.array([0.32, 0.16, 0.28, 0.14, 0.10, 0.0, 0.0, 0.0])
ONLINE_SHARE = np.array([0.0, 0.0, 0.0, 0.15, 0.15, 0.35, 0.15, 0.20])
CHANNELS = ("chip", "contactless", "swipe", "online", "phone")
#: Domestic cities lie in [0, 1500] km squared; foreign ones beyond this x coordinate.
FOREIGN_X = 3_000.0
N_DOMESTIC, N_FOREIGN = 40, 10
N_REGULAR_PHYSICAL, N_REGULAR_ONLINE = 4, 2

_HOUR_PROFILE = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5] + [5.5] * 6 + [5, 4.5, 4, 3, 2, 1.5]
)
HOUR_P = _HOUR_PROFILE / _HOUR_PROFILE.sum()


def draw_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Hours of day of ordinary payments (quiet at night, busy in the afternoon)."""
    return rng.choice(24, n, p=HOUR_P)


@dataclass(frozen=True, eq=False)
class World:
    """Cities, customers and merchants of one stream (arrays indexed by id)."""

    city_x: np.ndarray
    city_y: np.ndarray
    city_p: np.ndarray
    activity: np.ndarray
    issue_day: np.ndarray
    established: np.ndarray
    online_share: np.ndarray
    mu: np.ndarray
    home_city: np.ndarray
    home_x: np.ndarray
    home_y: np.ndarray
    n_devices: np.ndarray
    m_category: np.ndarray
    m_online: np.ndarray
    m_city: np.ndarray
    m_x: np.ndarray
    m_y: np.ndarray
    m_foreign: np.ndarray
    m_popularity: np.ndarray
    regular_physical: np.ndarray
    regular_online: np.ndarray
    city_merchants: tuple[np.ndarray, ...]
    online_by_category: tuple[np.ndarray, ...]
    _next_device: list[int] = field(default_factory=lambda: [0])

    @property
    def n_customers(self) -> int:
        return len(self.activity)

    def fresh_devices(self, n: int) -> np.ndarray:
        """``n`` device ids never used before in this world."""
        start = self.n_customers * 8 + self._next_device[0]
        self._next_device[0] += n
        return np.arange(start, start + n, dtype=np.int64)

    def pick_online(self, rng: np.random.Generator, cust: np.ndarray) -> np.ndarray:
        """An online merchant per row: usually one of the customer's regulars."""
        n = len(cust)
        regular = self.regular_online[cust, rng.integers(0, N_REGULAR_ONLINE, n)]
        online = np.flatnonzero(self.m_online)
        p = self.m_popularity[online] / self.m_popularity[online].sum()
        other = rng.choice(online, n, p=p)
        return np.where(rng.random(n) < 0.8, regular, other)

    def pick_physical(self, rng: np.random.Generator, cust: np.ndarray) -> np.ndarray:
        """A shop per row: a regular (75 %), another shop in the home city (20 %), a shop
        in another city or abroad (5 %, travel)."""
        n = len(cust)
        regular = self.regular_physical[cust, rng.integers(0, N_REGULAR_PHYSICAL, n)]
        local = self.shop_in(rng, self.home_city[cust])
        travel_city = rng.choice(len(self.city_p), n, p=self.city_p)
        away = self.shop_in(rng, travel_city)
        u = rng.random(n)
        return np.where(u < 0.75, regular, np.where(u < 0.95, local, away))

    def shop_in(self, rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
        """A uniformly drawn physical merchant of each row's city."""
        return _shop_in(self.city_merchants, rng, city)

    def random_place(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Points near random cities (domestic or foreign): far from most homes."""
        city = rng.integers(0, len(self.city_x), n)
        return self.city_x[city] + rng.normal(0, 10, n), self.city_y[city] + rng.normal(0, 10, n)

    def foreign_place(self, x: np.ndarray) -> np.ndarray:
        """True where an x coordinate lies abroad."""
        return np.asarray(x) > FOREIGN_X


def _shop_in(
    city_merchants: tuple[np.ndarray, ...], rng: np.random.Generator, city: np.ndarray
) -> np.ndarray:
    sizes = np.array([len(m) for m in city_merchants])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    flat = np.concatenate(city_merchants)
    pick = (rng.random(len(city)) * sizes[city]).astype(np.int64)
    return np.asarray(flat[offsets[city] + pick], dtype=np.int64)


def _cities(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.r_[rng.uniform(0, 1500, N_DOMESTIC), rng.uniform(FOREIGN_X + 100, 4500, N_FOREIGN)]
    y = rng.uniform(0, 1500, N_DOMESTIC + N_FOREIGN)
    weight = 1.0 / np.arange(1, N_DOMESTIC + N_FOREIGN + 1) ** 0.8
    weight[N_DOMESTIC:] *= 0.3  # foreign cities: visited, not lived in
    return x, y, weight / weight.sum()


def make_world(rng: np.random.Generator, n_rows: int, total_days: int) -> World:
    """Draw the cities, customers (about one per 40 output rows) and merchants."""
    city_x, city_y, city_p = _cities(rng)
    n_cust = max(30, n_rows // 40)
    domestic_p = city_p[:N_DOMESTIC] / city_p[:N_DOMESTIC].sum()
    home_city = rng.choice(N_DOMESTIC, n_cust, p=domestic_p)
    activity = rng.gamma(1.5, 1.0, n_cust)
    new_card = rng.random(n_cust) < 0.08
    issue_day = np.where(
        new_card, rng.uniform(0, total_days - 10, n_cust), -rng.exponential(900, n_cust) - 5
    )

    n_phys = max(4 * (N_DOMESTIC + N_FOREIGN), n_rows // 200)
    n_online = max(40, n_rows // 2000)
    m_category = np.r_[
        rng.choice(len(CATEGORIES), n_phys, p=PHYSICAL_SHARE),
        rng.choice(len(CATEGORIES), n_online, p=ONLINE_SHARE),
    ]
    m_online = np.r_[np.zeros(n_phys, dtype=bool), np.ones(n_online, dtype=bool)]
    # Every city gets shops (the first ones round-robin), the rest by city weight.
    m_city = np.r_[
        np.arange(N_DOMESTIC + N_FOREIGN),
        rng.choice(N_DOMESTIC + N_FOREIGN, n_phys - N_DOMESTIC - N_FOREIGN, p=city_p),
        np.full(n_online, -1),
    ]
    m_x = np.where(m_online, np.nan, city_x[m_city] + rng.normal(0, 8, len(m_city)))
    m_y = np.where(m_online, np.nan, city_y[m_city] + rng.normal(0, 8, len(m_city)))
    m_foreign = np.where(m_online, rng.random(len(m_city)) < 0.08, m_x > FOREIGN_X)
    popularity = rng.lognormal(0.0, 1.0, len(m_city))
    city_merchants = tuple(
        np.flatnonzero((m_city == c) & ~m_online) for c in range(N_DOMESTIC + N_FOREIGN)
    )
    online = np.flatnonzero(m_online)
    online_by_category = tuple(online[m_category[online] == c] for c in range(len(CATEGORIES)))

    home_x = city_x[home_city] + rng.normal(0, 12, n_cust)
    home_y = city_y[home_city] + rng.normal(0, 12, n_cust)
    regular_physical = _shop_in(
        city_merchants, rng, np.repeat(home_city, N_REGULAR_PHYSICAL)
    ).reshape(n_cust, N_REGULAR_PHYSICAL)
    p_online = popularity[online] / popularity[online].sum()
    regular_online = rng.choice(online, (n_cust, N_REGULAR_ONLINE), p=p_online)
    return World(
        city_x=city_x,
        city_y=city_y,
        city_p=city_p,
        activity=activity / activity.sum(),
        issue_day=issue_day,
        established=np.flatnonzero(issue_day <= 0),
        online_share=rng.beta(1.5, 5.0, n_cust),
        mu=rng.lognormal(np.log(40.0), 0.6, n_cust),
        home_city=home_city,
        home_x=home_x,
        home_y=home_y,
        n_devices=1 + np.minimum(rng.poisson(0.4, n_cust), 3),
        m_category=m_category,
        m_online=m_online,
        m_city=m_city,
        m_x=m_x,
        m_y=m_y,
        m_foreign=m_foreign,
        m_popularity=popularity,
        regular_physical=regular_physical,
        regular_online=regular_online,
        city_merchants=city_merchants,
        online_by_category=online_by_category,
    )
