"""Verify declared monotone directions on an exported :class:`ShapeTable`.

Students enforce monotonicity at fit time (XGBoost ``monotone_constraints``); this module
checks the result on the table itself, which is what scores decisions. A declared feature
must move its contribution in the declared direction from each bin to the next along its
axis, in every term it appears in: a one-axis term directly, a pair term along the declared
axis for every cell of the other axis. The missing bin is exempt (it has no place in the
order of values).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from risk_models.errors import MonotonicityError
from risk_models.students.shape_table import Axis, ShapeTable, Term

_MEANING = {1: "risk rises with the value", -1: "risk falls as the value rises"}


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _check_direction(feature: str, direction: int) -> None:
    if direction not in (-1, 0, 1):
        raise ValueError(
            f"monotone direction of {feature!r} must be -1, 0 or +1, got {direction!r}"
        )


def _term_problems(term: Term, feature: str, direction: int, tol: float) -> list[str]:
    k = term.features.index(feature)
    axis = term.axes[k]
    head = f"feature {feature!r} declared {direction:+d} ({_MEANING[direction]})"
    if axis.kind != "numeric":
        return [f"{head} but term {term.name!r} has a categorical axis for it"]
    labels = axis.labels()
    ordered = np.moveaxis(term.values, k, 0)[: axis.missing_index]  # drop the missing bin
    ordered = ordered.reshape(ordered.shape[0], -1)
    others = [a for i, a in enumerate(term.axes) if i != k]
    other_labels = [", ".join(parts) for parts in _cell_labels(others)] if others else [""]
    word = "falls" if direction == 1 else "rises"
    problems: list[str] = []
    for col, where in enumerate(other_labels):
        v = ordered[:, col]
        step = np.diff(v) * direction
        for i in np.flatnonzero(step < -tol):
            at = f" in term {term.name!r} at {where}" if where else ""
            problems.append(
                f"{head} but{at} the contribution {word} from bin {labels[i]!r} "
                f"({_fmt(v[i])}) to bin {labels[i + 1]!r} ({_fmt(v[i + 1])})"
            )
    return problems


def _cell_labels(axes: list[Axis]) -> list[list[str]]:
    """``feature = 'label'`` for every cell of the other axes, in C order."""
    grids = np.meshgrid(*[np.arange(a.size) for a in axes], indexing="ij")
    flat = [g.ravel() for g in grids]
    names = [a.labels() for a in axes]
    return [
        [f"{a.feature} = {names[j][int(flat[j][c])]!r}" for j, a in enumerate(axes)]
        for c in range(flat[0].size)
    ]


def check_monotone(
    table: ShapeTable, monotone: Mapping[str, int], *, tol: float = 1e-9
) -> list[str]:
    """Every breach of the declared directions in ``table``, one line each (empty if none).

    Parameters
    ----------
    table : the exported model.
    monotone : feature -> +1 (contribution must not fall as the value rises), -1 (must not
        rise) or 0 (no constraint). A declared feature that no term uses contributes a
        constant and passes.
    tol : decrease (for +1) or increase (for -1) tolerated between neighbouring bins.

    Returns
    -------
    list of str
        One line per violating pair of neighbouring bins, naming the feature, the term when
        it is a pair, both bins (their labels) and their contributions.
    """
    problems: list[str] = []
    for feature, direction in monotone.items():
        _check_direction(feature, direction)
        if direction == 0:
            continue
        for term in table.terms:
            if feature in term.features:
                problems += _term_problems(term, feature, int(direction), tol)
    return problems


def verify_monotone(table: ShapeTable, monotone: Mapping[str, int], *, tol: float = 1e-9) -> None:
    """Raise :class:`MonotonicityError` listing every breach found by :func:`check_monotone`.

    The error carries the lines in ``problems``; with one breach its message is that line.
    """
    problems = check_monotone(table, monotone, tol=tol)
    if not problems:
        return
    if len(problems) == 1:
        message = problems[0]
    else:
        message = f"{len(problems)} monotonicity violations:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
    err = MonotonicityError(message)
    err.problems = problems  # type: ignore[attr-defined]
    raise err
