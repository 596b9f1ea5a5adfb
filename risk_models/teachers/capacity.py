"""LightGBM capacity search: a few capacities fitted, the one with the lowest validation loss kept.

:class:`~risk_models.teachers.boosted.LGBMTeacher` with ``capacity_search=True`` (and an
``eval_set``) fits the configured capacity and the smaller ones of :func:`capacity_candidates`,
through :func:`search_capacity`, and keeps the booster with the lowest ``eval_set``
cross-entropy. The choice reads only the rows it is given; inside the ensemble's cross-fit those
are the training folds' own early-stopping rows.

Inside a cross-fit the search need not be repeated on every fold:
:func:`settle_capacity` sums each candidate's validation loss over the first folds' searches,
and the remaining folds fit only the winner (``LGBMTeacher(capacity_folds=...)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["capacity_candidates", "search_capacity", "settle_capacity"]


def capacity_candidates(
    num_leaves: int, min_child_samples: int, n_rows: int, *, extra_trees: bool = False
) -> list[dict[str, Any]]:
    """The capacities ``LGBMTeacher(capacity_search=True)`` compares (changes to its params).

    The configured one (no change); one with at most 15 leaves and at most ``n_rows // 50``
    (at least 10) rows per leaf; shallow 4-leaf trees with as many rows per leaf. Duplicates
    (when the configured capacity is already small) are dropped. ``extra_trees=True`` adds the
    last (smallest) of these with LightGBM's extremely randomised splits (one random threshold
    per feature), the lowest-variance candidate, for small noisy books.
    """
    rows = max(10, min(int(min_child_samples), n_rows // 50))
    out: list[dict[str, Any]] = [{}]
    for change in (
        {"num_leaves": min(int(num_leaves), 15), "min_child_samples": rows},
        {"num_leaves": 4, "min_child_samples": rows},
    ):
        same = change == {"num_leaves": num_leaves, "min_child_samples": min_child_samples}
        if not same and change not in out:
            out.append(change)
    if extra_trees:
        out.append({**out[-1], "extra_trees": True})
    return out


def search_capacity(
    params: dict[str, Any],
    datasets: Callable[[], tuple[Any, list[Any]]],
    candidates: list[dict[str, Any]],
    *,
    n_estimators: int,
    early_stopping_rounds: int,
) -> tuple[Any, dict[str, Any] | None]:
    """Fit one LightGBM booster per candidate capacity; keep the lowest validation loss.

    Parameters
    ----------
    params : LightGBM parameters; each candidate's changes are applied on top.
    datasets : builds ``(train, valid_sets)`` afresh for each fit (LightGBM pre-filters
        features by ``min_data_in_leaf`` when a dataset is constructed).
    candidates : parameter changes (``[{}]``: the configured capacity only).
    n_estimators, early_stopping_rounds : boosting rounds and early-stopping patience.

    Returns
    -------
    tuple
        ``(booster, choice)``: the booster with the lowest ``valid_0`` cross-entropy (the first
        on ties), and ``{"chosen": index, "candidates": [change + valid_loss + seconds, ...]}``
        when more than one candidate was fitted, else ``None``.
    """
    import lightgbm as lgb

    tried: list[dict[str, Any]] = []
    booster, best_loss = None, np.inf
    for change in candidates:
        t0 = time.perf_counter()
        dtrain, valid_sets = datasets()
        fitted = lgb.train(
            {**params, **change},
            dtrain,
            num_boost_round=n_estimators,
            valid_sets=valid_sets,
            callbacks=[lgb.early_stopping(early_stopping_rounds, verbose=False)]
            if valid_sets
            else [],
        )
        loss = float(fitted.best_score["valid_0"]["cross_entropy"]) if valid_sets else 0.0
        tried.append({**change, "valid_loss": loss, "seconds": time.perf_counter() - t0})
        if booster is None or loss < best_loss:
            booster, best_loss = fitted, loss
    choice = None
    if len(candidates) > 1:
        best = min(range(len(tried)), key=lambda i: tried[i]["valid_loss"])
        choice = {"chosen": best, "candidates": tried}
    assert booster is not None
    return booster, choice


def settle_capacity(choices: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The candidate change with the lowest validation loss summed over several searches.

    ``choices`` are the ``capacity_choice_`` records of fold models that each ran
    :func:`search_capacity` on their own early-stopping rows (candidates in the same order).
    Summing over folds judges each capacity on several disjoint validation slices instead of
    one, which on small data (90 early-stopping rows a fold on 1,000 rows) is far less noisy.
    Returns ``None`` when any fold had a single candidate (nothing to settle).
    """
    if not choices or any(c is None for c in choices):
        return None
    records = [c["candidates"] for c in choices if c is not None]
    n = min(len(r) for r in records)
    summed = [sum(float(r[i]["valid_loss"]) for r in records) for i in range(n)]
    best = int(np.argmin(summed))
    change = {k: v for k, v in records[0][best].items() if k not in ("valid_loss", "seconds")}
    return {"change": change, "chosen": best, "summed_valid_loss": summed, "n_folds": len(records)}
