"""Describing an exported student for a reader: every term's bins and contributions, or rules."""

from __future__ import annotations

from typing import Any

import pandas as pd

from risk_models.explain.loading import as_explained
from risk_models.students.reasons import best_cell
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable, Term

__all__ = ["explain_text"]


def _num(v: float) -> str:
    return f"{float(v) + 0.0:+.4f}"  # + 0.0: no "-0.0000"


def _term_lines(term: Term, metadata: dict[str, Any]) -> list[str]:
    axes = ", ".join(f"{a.feature} ({a.kind})" for a in term.axes)
    head = f"term {term.name!r} over {axes}: {term.values.size} cells"
    factor = metadata.get("points_factor")
    if len(term.axes) != 1:
        a, b = term.axes
        grid = pd.DataFrame(term.values, index=a.labels(), columns=b.labels())
        grid.index.name = f"{a.feature} \\ {b.feature}"
        body = grid.to_string(float_format=_num)
        return [head + " (log-odds; rows: first feature, columns: second)", body]
    frame = pd.DataFrame({"bin": term.axes[0].labels(), "log-odds": [_num(v) for v in term.values]})
    card = (metadata.get("points") or {}).get(term.name)
    if card is not None and len(card) == len(frame):
        frame["card points"] = [int(v) for v in card]
    if factor is not None:  # from the cell reason codes count from (supported, never unknown)
        counts = (metadata.get("cell_counts") or {}).get(term.name)
        best = float(term.values[best_cell(term.axes, term.values, counts)])
        frame["points lost vs best bin"] = [
            f"{(v - best) * float(factor):.2f}" for v in term.values
        ]
    return [head, frame.to_string(index=False)]


def explain_text(model: ShapeTable | RuleSet | Any) -> str:
    """A human-readable description of an exported student.

    Parameters
    ----------
    model : a :class:`ShapeTable`, a :class:`RuleSet` or a fitted student.

    Returns
    -------
    str
        For a shape table: the intercept, the number of cells, then every term's bins with
        their log-odds contribution (plus scorecard points and the points lost against the
        term's best bin when the metadata holds ``points`` / ``points_factor``). For a rule
        set: its features, then :meth:`RuleSet.to_text` (one ``IF ... THEN`` line per rule).
    """
    m = as_explained(model)
    student = m.metadata.get("student", "student")
    if isinstance(m, RuleSet):
        lines = [
            f"Rule set ({student}): {m.n_rules} rules over {len(m.features)} features: "
            f"{', '.join(m.features)}",
            "A row takes the log-odds of the first rule it matches; PD = 1 / (1 + exp(-log-odds)).",
            "",
            m.to_text(),
        ]
        return "\n".join(lines)
    lines = [
        f"Shape table ({student}): {len(m.terms)} terms over {len(m.features)} features, "
        f"n_cells {m.n_cells()}",
        "score (log-odds of bad) = intercept + one contribution per term; "
        "PD = 1 / (1 + exp(-score))",
        f"intercept: {m.intercept:+.4f} log-odds",
    ]
    factor = m.metadata.get("points_factor")
    if factor is not None:
        lines.append(
            f"points: {float(factor):.4g} points per unit of log-odds; a reason's points lost "
            "are counted from the term's best (lowest-risk) bin"
        )
    used = {f for t in m.terms for f in t.features}
    unused = [f for f in m.features if f not in used]
    if unused:
        lines.append(f"features without a term (contribute nothing): {', '.join(unused)}")
    for term in m.terms:
        lines.append("")
        lines.extend(_term_lines(term, m.metadata))
    return "\n".join(lines)
