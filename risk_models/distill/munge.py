"""MUNGE transfer sets: extra unlabelled rows for a teacher to label.

A small student copies a big teacher better when it sees more rows than the training set
holds. MUNGE (Bucila, Caruana and Niculescu-Mizil, 2006, "Model compression") makes such
rows from the data itself: take a row ``e`` and its nearest neighbour ``e'``; for each
attribute, with probability ``swap_prob``, move ``e`` towards ``e'`` and ``e'`` towards
``e``. A numeric value is drawn from ``Normal(e'_a, |e_a - e'_a| / jitter)`` (and the other
way round), a categorical level is swapped. New rows therefore stay in the regions the data
occupies, mixing neighbouring rows rather than inventing far-away ones.

This module adapts the algorithm to risk tables: missing values (``NaN``) are swapped as
they are, so missingness is carried over; integer-valued features are rounded; numerics are
clipped to their training range; categoricals keep their exact ``CategoricalDtype``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

__all__ = ["make_transfer_set"]

# Above this many rows, the nearest-neighbour search runs on a random pool of base rows.
_POOL_SIZE = 50_000


def _is_numeric(dtype: object) -> bool:
    """True for the float and integer dtypes MUNGE perturbs (bool is not numeric here)."""
    return (pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype)) and (
        not pd.api.types.is_bool_dtype(dtype)
    )


def _validate(
    X: pd.DataFrame,
    n_rows: int,
    swap_prob: float,
    jitter: float,
    integer_features: Sequence[str] | None,
) -> tuple[list[object], list[object]]:
    """Check the arguments; return the numeric and the categorical column names."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X is empty ({X.shape[0]} rows x {X.shape[1]} columns); "
            "MUNGE needs at least 2 rows and 1 column"
        )
    if X.shape[0] < 2:
        raise ValueError("X has 1 row; MUNGE needs at least 2 rows to find a nearest neighbour")
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 1:
        raise ValueError(f"n_rows must be a positive integer, got {n_rows!r}")
    if not 0.0 <= swap_prob <= 1.0:
        raise ValueError(f"swap_prob must be in [0, 1], got {swap_prob!r}")
    if not jitter > 0:
        raise ValueError(f"jitter must be > 0, got {jitter!r}")
    if not X.columns.is_unique:
        dupes = sorted({str(c) for c in X.columns[X.columns.duplicated()]})
        raise ValueError(f"X has duplicate column names: {dupes}")
    numeric = [c for c in X.columns if _is_numeric(X[c].dtype)]
    categorical = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    other = [f"{c} ({X[c].dtype})" for c in X.columns if c not in numeric + categorical]
    if other:
        raise ValueError(
            f"unsupported column dtype(s): {other}; use float64 (or integer) for numerics "
            "and 'category' for categoricals"
        )
    if integer_features is not None:
        if isinstance(integer_features, str):
            raise ValueError("integer_features must be a sequence of column names, not a str")
        unknown = [c for c in integer_features if c not in X.columns]
        if unknown:
            raise ValueError(f"integer_features names columns not in X: {unknown}")
        not_numeric = [c for c in integer_features if c not in numeric]
        if not_numeric:
            raise ValueError(f"integer_features must name numeric columns, got {not_numeric}")
    return numeric, categorical


def _encode(num: np.ndarray, codes: list[np.ndarray]) -> np.ndarray:
    """Encode rows for the nearest-neighbour search.

    Numerics are centred on the median and divided by the IQR (then the standard
    deviation, then 1 when both are zero); a missing value becomes the median plus a 0/1
    indicator dimension. Each categorical, missing as its own level, is one-hot encoded
    and scaled by ``1/sqrt(2)`` so that a mismatch adds 1 to the squared distance, as one
    IQR of a numeric or a missing/non-missing difference does.
    """
    blocks: list[np.ndarray] = []
    for j in range(num.shape[1]):
        col = num[:, j]
        missing = np.isnan(col)
        observed = col[~missing]
        if observed.size == 0:
            continue
        q25, median, q75 = np.percentile(observed, [25, 50, 75])
        scale = q75 - q25
        if not scale > 0:
            scale = observed.std()
        if not scale > 0:
            scale = 1.0
        blocks.append(np.where(missing, 0.0, (col - median) / scale)[:, None])
        if missing.any():
            blocks.append(missing.astype(np.float64)[:, None])
    for code in codes:
        levels, inverse = np.unique(code, return_inverse=True)
        if levels.size > 1:
            onehot = np.zeros((code.size, levels.size))
            onehot[np.arange(code.size), inverse] = np.sqrt(0.5)
            blocks.append(onehot)
    if not blocks:  # every column constant or all-missing: any neighbour will do
        return np.zeros((num.shape[0], 1))
    return np.hstack(blocks)


def _munge_pairs(
    rng: np.random.Generator,
    e_vals: np.ndarray,
    p_vals: np.ndarray,
    spread: np.ndarray,
    swap_prob: float,
    jitter: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Perturb numeric rows ``e`` and their neighbours ``e'`` attribute by attribute.

    ``spread`` is ``|e_a - e'_a|`` on the original rows; where it is missing (a value was
    moved in by an earlier swap), the current values give it instead.
    """
    swap = rng.random(e_vals.shape) < swap_prob
    both = swap & ~np.isnan(e_vals) & ~np.isnan(p_vals)
    sd = np.where(np.isnan(spread), np.abs(e_vals - p_vals), spread) / jitter
    new_e = np.where(swap, p_vals, e_vals)  # one missing: swap as-is, missingness moves
    new_p = np.where(swap, e_vals, p_vals)
    noise_e = rng.standard_normal(e_vals.shape)
    noise_p = rng.standard_normal(e_vals.shape)
    new_e[both] += noise_e[both] * sd[both]
    new_p[both] += noise_p[both] * sd[both]
    return new_e, new_p


def _schedule(u: np.ndarray, v: np.ndarray, n: int) -> list[np.ndarray]:
    """Split the pair sequence ``(u[k], v[k])`` into rounds in which no row appears twice.

    A pair goes one round after the latest earlier pair that shares a row with it, so
    running the rounds in turn, each vectorised, gives the same result as running the
    pairs one by one in order.
    """
    last = [0] * n
    level = []
    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        lvl = max(last[a], last[b]) + 1
        last[a] = last[b] = lvl
        level.append(lvl)
    levels = np.asarray(level)
    order = np.argsort(levels, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(levels[order])) + 1)


def _munge_pass(
    rng: np.random.Generator,
    t_num: np.ndarray,
    t_codes: np.ndarray,
    num: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    swap_prob: float,
    jitter: float,
) -> None:
    """One MUNGE pass, in place: perturb each row ``u[k]`` with its neighbour ``v[k]``.

    ``t_num`` and ``t_codes`` are the pass's working copy; ``num`` the original numerics.
    """
    for pairs in _schedule(u, v, t_num.shape[0]):
        a, b = u[pairs], v[pairs]
        spread = np.abs(num[a] - num[b])
        t_num[a], t_num[b] = _munge_pairs(rng, t_num[a], t_num[b], spread, swap_prob, jitter)
        swap = rng.random((pairs.size, t_codes.shape[1])) < swap_prob
        code_a, code_b = t_codes[a], t_codes[b]
        t_codes[a] = np.where(swap, code_b, code_a)
        t_codes[b] = np.where(swap, code_a, code_b)


def make_transfer_set(
    X: pd.DataFrame,
    n_rows: int,
    *,
    swap_prob: float = 0.5,
    jitter: float = 1.0,
    seed: int = 0,
    integer_features: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Generate ``n_rows`` synthetic rows near ``X`` with the MUNGE algorithm.

    Parameters
    ----------
    X : pandas.DataFrame
        Training features: numerics as float (NaN = missing) or integer dtype,
        categoricals as ``category`` dtype (NaN = missing). At least 2 rows.
    n_rows : int
        Number of rows to produce (at least 1).
    swap_prob : float, default 0.5
        Probability, per row pair and attribute, of perturbing that attribute
        (``p`` in the paper). ``0`` returns shuffled copies of the rows.
    jitter : float, default 1.0
        Local variance parameter (``s`` in the paper): numeric values are drawn with
        standard deviation ``|e_a - e'_a| / jitter``, so larger means tighter.
    seed : int, default 0
        Seed of the random generator; the same inputs and seed give the same output.
    integer_features : sequence of str, optional
        Numeric columns to round to integers. When omitted, a numeric column is treated
        as integer when every non-missing training value is integral. Integer dtypes are
        always rounded.

    Returns
    -------
    pandas.DataFrame
        ``n_rows`` rows with ``X``'s columns, column order and dtypes (categoricals keep
        the same ``CategoricalDtype``, so no new levels) and a fresh ``RangeIndex``.
        Numerics stay within the training ``[min, max]`` of their column.

    Raises
    ------
    ValueError
        If ``X`` is empty or has a single row, ``n_rows < 1``, ``swap_prob`` is outside
        ``[0, 1]``, ``jitter <= 0``, a column has an unsupported dtype, or
        ``integer_features`` names a missing or non-numeric column.

    Notes
    -----
    As in the paper, each pass copies the data, visits every row ``e`` in random order
    and perturbs ``e`` and its nearest neighbour ``e'`` in place (both modified copies
    stay in the pass), then emits the whole copy, shuffled; passes repeat until
    ``n_rows`` rows exist (the last pass is cut short). Pairs that share no row run as
    one vectorised round, with the same result as the row-by-row loop. Neighbours are
    found once, on the original rows, by Euclidean distance on median/IQR-scaled
    numerics with a missing indicator plus a Hamming term for categoricals; above 50,000
    rows, on a random pool of 50,000 rows. The standard deviation uses the distance of
    the pair's original values (current ones where an original is missing): with the
    paper's current values, a row that is the neighbour of many others would random-walk
    away and inflate the spread. One value of a pair missing: the values are
    swapped as they are; both missing: left missing. Since values only move between
    rows, every full pass keeps each column's count of missing values and each
    categorical's level counts exactly.
    """
    numeric, categorical = _validate(X, n_rows, swap_prob, jitter, integer_features)
    rng = np.random.default_rng(seed)

    num_all = X[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
    codes_all = [X[c].cat.codes.to_numpy(dtype=np.int64) for c in categorical]
    observed = ~np.isnan(num_all)
    lows = np.min(np.where(observed, num_all, np.inf), axis=0)
    highs = np.max(np.where(observed, num_all, -np.inf), axis=0)
    if integer_features is None:
        integral = np.all(~observed | (num_all == np.round(num_all)), axis=0)
    else:
        integral = np.array([c in set(integer_features) for c in numeric], dtype=bool)
    integral |= [pd.api.types.is_integer_dtype(X[c].dtype) for c in numeric]

    pool = np.arange(X.shape[0])
    if pool.size > _POOL_SIZE:
        pool = np.sort(rng.choice(pool.size, size=_POOL_SIZE, replace=False))
    num = num_all[pool]
    codes = np.column_stack([c[pool] for c in codes_all] or [np.empty((pool.size, 0))])
    encoded = _encode(num, list(codes.T))
    nn = NearestNeighbors(n_neighbors=1).fit(encoded)
    neighbour = nn.kneighbors(return_distance=False)[:, 0]  # the query row is excluded

    num_parts: list[np.ndarray] = []
    code_parts: list[np.ndarray] = []
    remaining = n_rows
    while remaining > 0:
        order = rng.permutation(pool.size)
        t_num, t_codes = num.copy(), codes.copy()
        _munge_pass(rng, t_num, t_codes, num, order, neighbour[order], swap_prob, jitter)
        keep = order[:remaining]
        num_parts.append(t_num[keep])
        code_parts.append(t_codes[keep])
        remaining -= keep.size
    num_out = np.concatenate(num_parts)
    codes_out = np.concatenate(code_parts).astype(np.int64)

    num_out[:, integral] = np.round(num_out[:, integral])
    with np.errstate(invalid="ignore"):
        num_out = np.clip(num_out, lows, highs)  # NaN stays NaN; all-missing columns too

    columns: dict[object, object] = {}
    for j, col in enumerate(numeric):
        columns[col] = pd.Series(num_out[:, j]).astype(X[col].dtype)
    for j, col in enumerate(categorical):
        columns[col] = pd.Categorical.from_codes(codes_out[:, j], dtype=X[col].dtype)
    return pd.DataFrame({c: columns[c] for c in X.columns}, index=pd.RangeIndex(n_rows))
