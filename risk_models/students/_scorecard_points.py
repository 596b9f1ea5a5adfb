"""Points of :class:`~risk_models.students.scorecard.ScorecardStudent`: scaling, PD, export.

Steps 3 to 5 of the fit described in :mod:`risk_models.students.scorecard`: the
points-to-double-odds scaling and the integer points of each feature, the exported shape
table, and the points table (built, written, read back). The Platt map from points to PD is
:func:`risk_models.evaluation.calibration.fit_platt`.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.atomic import atomic_path, atomic_write_text, read_json
from risk_models.students.binning import FeatureBins
from risk_models.students.shape_table import ShapeTable, Term

POINTS_TABLE_FORMAT = "risk_models.points_table"
BASE_ROW = "<base>"


def points_scaling(base_points: float, base_odds: float, pdo: float) -> tuple[float, float]:
    """``(factor, offset)`` with ``points = offset + factor * ln(good:bad odds)``.

    ``base_odds`` good:bad odds score ``base_points``; every ``pdo`` points double the odds.
    """
    if not pdo > 0:
        raise ValueError(f"pdo must be > 0, got {pdo}")
    if not base_odds > 0:
        raise ValueError(f"base_odds must be > 0, got {base_odds}")
    factor = pdo / math.log(2.0)
    return factor, base_points - factor * math.log(base_odds)


def feature_points(coef: np.ndarray, factor: float) -> tuple[np.ndarray, float]:
    """Integer points of one feature's bins (worst bin 0) and the shift taken off them."""
    raw = -factor * np.asarray(coef, dtype=np.float64)
    shift = float(raw.min()) if raw.size else 0.0
    return np.rint(raw - shift).astype(np.int64), shift


def export_shape_table(
    bins: dict[str, FeatureBins],
    points: dict[str, np.ndarray],
    base_points: int,
    scaling: dict[str, float],
    calibration: dict[str, Any],
    features: tuple[str, ...],
    counts: dict[str, np.ndarray],
) -> ShapeTable:
    """The shape table scoring ``calibration``'s PD of the points (one term per feature).

    ``scaling`` holds ``base_points``, ``base_odds``, ``pdo``, ``factor`` and ``offset``.
    """
    a, b = calibration["slope"], calibration["intercept"]
    terms, cell_points = [], {}
    for f, fb in bins.items():
        pts = points[f][np.asarray(fb.cell_bin)]
        cell_points[f] = [int(v) for v in pts]
        terms.append(Term(f, (fb.axis,), a * pts.astype(np.float64)))
    meta = {
        "student": "scorecard",
        **scaling,
        "points_base": base_points,
        "points": cell_points,
        "calibration": dict(calibration),
        "cell_counts": {f: [int(v) for v in c] for f, c in counts.items()},
        "note": "cell value = slope * cell points; intercept = intercept + slope * base",
    }
    if a < 0:  # points per unit of the table's log-odds: reason codes speak in points
        meta["points_factor"] = -1.0 / a
    return ShapeTable(float(b + a * base_points), tuple(terms), features, meta)


def points_table(
    bins: dict[str, FeatureBins],
    points: dict[str, np.ndarray],
    base_points: int,
    X: pd.DataFrame,
    y: np.ndarray,
    q: np.ndarray | None,
    w: np.ndarray,
    counted: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per table cell plus the base row: points, training count, share, bad rates.

    ``n_train``, ``share`` and the bad rates describe the rows ``counted`` marks (the real
    training rows; all rows when None); ``n_transfer`` counts the other rows of each cell.
    """
    counted = np.ones(len(X), dtype=bool) if counted is None else np.asarray(counted, bool)
    Xc, yc, wc = X[counted], y[counted], w[counted]
    qc = None if q is None else q[counted]
    n_real = len(Xc)
    rows: list[dict[str, Any]] = [
        {"feature": BASE_ROW, "bin": "all rows", "group": -1, "points": base_points,
         "n_train": n_real, "n_transfer": int(len(X) - n_real), "share": 1.0,
         "bad_rate": float(np.average(yc, weights=wc)),
         "bad_rate_teacher": float(np.average(qc, weights=wc)) if qc is not None else np.nan}
    ]  # fmt: skip
    for f, fb in bins.items():
        cells = fb.axis.index(Xc[f])
        n = np.bincount(cells, minlength=fb.axis.size)
        n_other = np.bincount(fb.axis.index(X[f][~counted]), minlength=fb.axis.size)
        wy = np.bincount(cells, weights=wc * yc, minlength=fb.axis.size)
        wq = np.bincount(cells, weights=wc * qc, minlength=fb.axis.size) if qc is not None else 0
        ws = np.bincount(cells, weights=wc, minlength=fb.axis.size)
        labels = fb.axis.labels()
        for c, label in enumerate(labels):
            g = fb.cell_bin[c]
            ok = ws[c] > 0
            rows.append(
                {
                    "feature": f,
                    "bin": label,
                    "group": g,
                    "points": int(points[f][g]),
                    "n_train": int(n[c]),
                    "n_transfer": int(n_other[c]),
                    "share": float(n[c] / n_real),
                    "bad_rate": float(wy[c] / ws[c]) if ok else np.nan,
                    "bad_rate_teacher": float(wq[c] / ws[c]) if ok and qc is not None
                    else np.nan,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def write_points_table(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    scaling: dict[str, float],
    calibration: dict[str, Any],
) -> Path:
    """Write ``table`` as CSV (``.csv``) or JSON (``.json``, with scaling and calibration)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False)
        return path
    if suffix == ".json":
        records = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in table.to_dict(orient="records")
        ]
        doc = {
            "format": POINTS_TABLE_FORMAT,
            "version": 1,
            "scaling": dict(scaling),
            "calibration": dict(calibration),
            "rows": records,
        }
        return atomic_write_text(path, json.dumps(doc, indent=1))
    raise ValueError(f"export_points: path must end in .csv or .json, got {str(path)!r}")


def read_points_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a points table written by :meth:`ScorecardStudent.export_points` (CSV or JSON)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    doc = read_json(path, "points table")
    if not isinstance(doc, dict) or doc.get("format") != POINTS_TABLE_FORMAT:
        raise ValueError(f"{path}: not a points table (format={doc.get('format')!r})")
    return pd.DataFrame(doc["rows"]).astype({"bad_rate": float, "bad_rate_teacher": float})
