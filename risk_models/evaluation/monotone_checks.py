"""Monotonicity checks over exported students, feature by feature, for the audit report.

A :class:`~risk_models.students.shape_table.ShapeTable` is checked on the table itself
(:func:`risk_models.students.monotonicity.check_monotone`: neighbouring bins along every
term). A :class:`~risk_models.students.rules.RuleSet` has no bins to walk, so it is checked
ceteris paribus: for each of a sample of rows, the declared feature is moved over a grid of
its observed quantiles with the other features held fixed, and the score must not move
against the declared direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from risk_models.students.monotonicity import check_monotone
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

__all__ = ["monotonicity_checks"]


def _rule_violations(
    model: RuleSet, feature: str, direction: int, X: pd.DataFrame, n_grid: int, tol: float
) -> list[str]:
    x = pd.to_numeric(X[feature], errors="coerce").dropna().to_numpy(dtype=np.float64)
    if x.size == 0:
        return []
    grid = np.unique(np.quantile(x, np.linspace(0.0, 1.0, n_grid)))
    if grid.size < 2:
        return []
    rows = X.reset_index(drop=True)
    expanded = rows.loc[rows.index.repeat(grid.size)].reset_index(drop=True)
    expanded[feature] = np.tile(grid, len(rows))
    z = model.predict_logit(expanded).reshape(len(rows), grid.size)
    steps = np.diff(z, axis=1) * direction
    bad_rows, bad_steps = np.nonzero(steps < -tol)
    if bad_rows.size == 0:
        return []
    word = "falls" if direction == 1 else "rises"
    i, j = int(bad_rows[0]), int(bad_steps[0])
    return [
        f"feature {feature!r} declared {direction:+d} but the score {word} for "
        f"{np.unique(bad_rows).size} of {len(rows)} sampled row(s); e.g. row {i}: "
        f"{grid[j]:.6g} -> {grid[j + 1]:.6g} moves the log-odds {z[i, j]:.6g} -> "
        f"{z[i, j + 1]:.6g}"
    ]


def monotonicity_checks(
    model: ShapeTable | RuleSet,
    monotone: Mapping[str, int],
    X: pd.DataFrame | None = None,
    *,
    n_rows: int = 200,
    n_grid: int = 20,
    tol: float = 1e-9,
    max_listed: int = 20,
) -> list[dict[str, Any]]:
    """Check every declared monotone direction on an exported model.

    Parameters
    ----------
    model:
        A shape table or a rule set.
    monotone:
        Feature -> +1 (risk must not fall as the value rises), -1, or 0 (not checked).
        Features the model does not use pass (their contribution is constant).
    X:
        Rows for the ceteris-paribus check of a rule set (the first ``n_rows`` are used);
        required for a rule set, ignored for a table.
    n_rows, n_grid:
        Rows sampled and grid points per feature for a rule set.
    tol:
        Movement against the declared direction tolerated between neighbours.
    max_listed:
        Violation lines kept per feature (all are counted).

    Returns
    -------
    list of dict
        One entry per declared (non-zero) feature: ``feature``, ``direction``, ``method``
        (``"table"`` or ``"ceteris_paribus"``), ``used`` (whether the model reads the
        feature), ``passed``, ``n_violations`` and ``violations`` (the first ``max_listed``
        lines naming bins or rows).
    """
    out: list[dict[str, Any]] = []
    is_table = isinstance(model, ShapeTable)
    if not is_table and not isinstance(model, RuleSet):
        raise TypeError(
            f"monotonicity_checks: expected a ShapeTable or RuleSet, got {type(model).__name__}"
        )
    if not is_table and X is None:
        raise ValueError("monotonicity_checks: a rule set is checked on rows; pass X")
    for feature, direction in monotone.items():
        if direction not in (-1, 0, 1):
            raise ValueError(
                f"monotonicity_checks: direction of {feature!r} must be -1, 0 or +1, "
                f"got {direction!r}"
            )
        if direction == 0:
            continue
        if is_table:
            used = any(feature in t.features for t in model.terms)  # type: ignore[union-attr]
            problems = check_monotone(model, {feature: direction}, tol=tol)  # type: ignore[arg-type]
        else:
            used = any(feature in r.features for r in model.rules) and feature in X.columns  # type: ignore[union-attr]
            problems = (
                _rule_violations(model, feature, int(direction), X.head(n_rows), n_grid, tol)  # type: ignore[arg-type, union-attr]
                if used
                else []
            )
        out.append(
            {
                "feature": str(feature),
                "direction": int(direction),
                "method": "table" if is_table else "ceteris_paribus",
                "used": bool(used),
                "passed": not problems,
                "n_violations": len(problems),
                "violations": problems[:max_listed],
            }
        )
    return out
