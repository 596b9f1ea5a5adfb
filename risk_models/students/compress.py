"""Make a shape table smaller and measure it: rounding, footprint, scoring latency.

The term budget itself (keep the ``k`` most important terms and refit) lives in the
students' ``max_terms`` parameter, because dropping a term without refitting leaves the
others unadjusted. Here are the steps that need no trainer: quantising contributions to a
grid (``round_table``: decimals of a log-odds unit; ``quantise_table``: integer points), and
the numbers a model-size report needs.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from risk_models.students.shape_table import ShapeTable, Term


def quantise_table(table: ShapeTable, points_per_logit: float) -> ShapeTable:
    """Round every contribution (and the intercept) to a multiple of ``1 / points_per_logit``.

    The result is still a log-odds table; multiplied by ``points_per_logit`` each cell is an
    integer number of points (recorded in ``metadata["points_per_logit"]``). Scores move by
    at most ``(n_terms + 1) / (2 * points_per_logit)`` log-odds.

    Parameters
    ----------
    table : the table to quantise.
    points_per_logit : grid resolution; ``100`` keeps two decimals.

    Returns
    -------
    ShapeTable
        A new table with the same axes; the input is left unchanged.
    """
    if not points_per_logit > 0:
        raise ValueError(f"points_per_logit must be > 0, got {points_per_logit}")
    scale = float(points_per_logit)

    def q(values: np.ndarray) -> np.ndarray:
        return np.round(np.asarray(values, dtype=np.float64) * scale) / scale

    terms = tuple(Term(t.name, t.axes, q(t.values)) for t in table.terms)
    meta = {**table.metadata, "points_per_logit": scale}
    intercept = float(q(np.asarray(table.intercept)))
    return replace(table, intercept=intercept, terms=terms, metadata=meta)


def round_table(table: ShapeTable, decimals: int = 2) -> ShapeTable:
    """Round contributions and intercept to ``decimals`` decimal places of log-odds.

    Scores move by at most ``(n_terms + 1) * 0.5 * 10**-decimals``.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    out = quantise_table(table, 10.0 ** int(decimals))
    meta = {k: v for k, v in out.metadata.items() if k != "points_per_logit"}
    return replace(out, metadata={**meta, "rounded_decimals": int(decimals)})


def integer_points(table: ShapeTable, points_per_logit: float) -> dict[str, Any]:
    """Scorecard view: intercept and every term's cells as integer points.

    ``points = round(contribution * points_per_logit)``; a row's score is the intercept's
    points plus its cells' points, and ``score / points_per_logit`` is its log-odds as
    scored by ``quantise_table(table, points_per_logit)``.
    """
    quant = quantise_table(table, points_per_logit)
    scale = float(points_per_logit)
    return {
        "points_per_logit": scale,
        "intercept": round(quant.intercept * scale),
        "terms": {t.name: np.rint(t.values * scale).astype(np.int64) for t in quant.terms},
    }


def model_footprint(table: ShapeTable) -> dict[str, int]:
    """Size of a table: compact-JSON bytes, stored cells (intercept included), terms.

    Returns
    -------
    dict
        ``size_bytes`` (UTF-8 length of the JSON without whitespace), ``n_cells``
        (``table.n_cells()``), ``n_terms``, ``n_pair_terms`` (terms with two or more axes)
        and ``n_features``.
    """
    compact = json.dumps(table.to_dict(), separators=(",", ":"))
    return {
        "size_bytes": len(compact.encode("utf-8")),
        "n_cells": table.n_cells(),
        "n_terms": len(table.terms),
        "n_pair_terms": sum(1 for t in table.terms if len(t.axes) > 1),
        "n_features": len(table.features),
    }


def scoring_latency(score_fn: Callable[[Any], Any], X: Any, repeats: int = 5) -> dict[str, float]:
    """Time ``score_fn(X)``: one warm-up call, then the median of ``repeats`` timed calls.

    A measurement helper (``time.perf_counter``), for reports comparing a student's table with
    its teacher ensemble on the same rows; it asserts nothing about speed.

    Returns
    -------
    dict
        ``seconds_per_call`` (median), ``seconds_per_1k_rows`` (median scaled to 1,000 rows),
        ``n_rows`` and ``repeats``.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    n_rows = len(X)
    score_fn(X)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        score_fn(X)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {
        "seconds_per_call": median,
        "seconds_per_1k_rows": median * 1000.0 / max(n_rows, 1),
        "n_rows": float(n_rows),
        "repeats": float(repeats),
    }
