"""Forward-chaining folds over event time: no fold model learns from the future it labels.

Cross-fitting with random folds lets a fold model train on rows that happened *after* the
rows it scores. For fraud (and any drifting population) that leaks the future into the
out-of-fold scores: they look better than what a model meets in production, and a student
distilled from them learns a teacher that has seen tomorrow. Time folds cut the rows into
``K`` contiguous blocks of event time (equal row counts; rows with the same time stay in one
block) and label block ``k`` with a model trained on blocks ``0..k-1`` only, early-stopped
on the latest slice of those blocks.

**The first block** has no past, so no model may label it (training on later blocks to
label it is exactly the leak this avoids). Its rows get no out-of-fold score (NaN): they
take no part in fitting ensemble weights or calibration, and for distillation they keep
their hard labels as targets (:func:`risk_models.distill.training_set.build_training_set`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["FOLD_ORDERS", "forward_folds", "latest_slice", "time_blocks"]

FOLD_ORDERS = ("random", "time")


def _sortable(times: ArrayLike) -> np.ndarray:
    t = np.asarray(times)
    if t.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {t.shape}")
    if np.issubdtype(t.dtype, np.datetime64):
        if np.isnat(t).any():
            raise ValueError(f"times has {int(np.isnat(t).sum())} missing value(s) (NaT)")
        return t.astype("datetime64[ns]").astype(np.int64)
    t = t.astype(np.float64)
    if np.isnan(t).any():
        raise ValueError(f"times has {int(np.isnan(t).sum())} missing value(s) (NaN)")
    return t


def time_blocks(times: ArrayLike, n_blocks: int) -> np.ndarray:
    """Block index (0 = earliest) of every row: ``n_blocks`` contiguous stretches of time.

    Parameters
    ----------
    times:
        Event time per row (``datetime64`` or numbers), in any order.
    n_blocks:
        Number of blocks, >= 2.

    Returns
    -------
    numpy.ndarray
        ``int64`` block per row. Blocks hold about equal row counts; all rows sharing a
        time are in the same block (the block of the first of them in time order).

    Raises
    ------
    ValueError
        With fewer than 2 blocks, missing times, or fewer distinct times than blocks.
    """
    if n_blocks < 2:
        raise ValueError(f"time folds need n_blocks >= 2, got {n_blocks}")
    t = _sortable(times)
    order = np.argsort(t, kind="stable")
    ts = t[order]
    n_distinct = int(np.count_nonzero(np.r_[True, ts[1:] != ts[:-1]])) if len(ts) else 0
    if n_distinct < n_blocks:
        raise ValueError(
            f"time folds need at least {n_blocks} distinct times, got {n_distinct}; use fewer "
            "folds or fold_order: random"
        )
    sorted_block = (np.arange(len(ts)) * n_blocks) // len(ts)
    first_of_time = np.r_[0, np.flatnonzero(ts[1:] != ts[:-1]) + 1]
    run = np.cumsum(np.r_[True, ts[1:] != ts[:-1]]) - 1
    sorted_block = sorted_block[first_of_time][run]
    blocks = np.empty(len(ts), dtype=np.int64)
    blocks[order] = sorted_block
    used = np.unique(blocks)
    if len(used) < n_blocks:  # one time holds so many rows that a whole block vanished
        raise ValueError(
            f"time folds: rows sharing a time leave only {len(used)} of {n_blocks} blocks; "
            "use fewer folds or fold_order: random"
        )
    return blocks


def forward_folds(blocks: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """``(k, train_rows, held_rows)`` for ``k = 1..K-1``: train on blocks ``< k``, label
    block ``k`` (block 0 is never labelled)."""
    blocks = np.asarray(blocks)
    for k in range(1, int(blocks.max()) + 1):
        yield k, np.flatnonzero(blocks < k), np.flatnonzero(blocks == k)


def latest_slice(
    rows: np.ndarray, times: ArrayLike, fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``rows`` into (earlier, latest ``fraction``) by time: the early-stopping slice of
    a time fold, so early stopping does not peek at a random mix of the training period.

    Parameters
    ----------
    rows:
        Row positions.
    times:
        Event time of *every* row (indexed by ``rows``).
    fraction:
        Share of ``rows`` in the latest slice, in (0, 1); at least one row on each side.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted fit rows and sorted stopping rows.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"early-stopping fraction must be in (0, 1), got {fraction!r}")
    rows = np.asarray(rows)
    if len(rows) < 2:
        raise ValueError(f"a time fold needs at least 2 training rows, got {len(rows)}")
    t = _sortable(times)[rows]
    order = rows[np.argsort(t, kind="stable")]
    n_stop = min(len(rows) - 1, max(1, round(fraction * len(rows))))
    return np.sort(order[:-n_stop]), np.sort(order[-n_stop:])
