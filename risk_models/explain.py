"""Explaining decisions: read an exported student, describe it, score rows with reason codes.

The library side of ``riskdistill explain`` and ``riskdistill reasons``, and of the reason
codes and compression figures that the ``students`` step logs to MLflow.

* :func:`load_explained` reads a student's exported JSON (a :class:`ShapeTable` or a
  :class:`RuleSet`, dispatched on the file's ``"format"`` field; nothing is unpickled).
* :func:`explain_text` describes the model for a reader: every term's bins and contributions
  (and points, for a scorecard), or every rule.
* :func:`score_with_reasons` scores a frame and returns one wide line per row: probability,
  log-odds and the top-``k`` reason codes with feature, value, bin and points lost (built on
  :func:`risk_models.students.reasons.reason_codes`), the table a nightly job writes.
* :func:`compression_report` compares the student's size and scoring speed with its teacher
  ensemble's.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.errors import DataValidationError, ModelFormatError
from risk_models.students import rules as rules_mod
from risk_models.students import shape_table as table_mod
from risk_models.students.compress import model_footprint, scoring_latency
from risk_models.students.reasons import _best_cell, reason_codes
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable, Term

__all__ = [
    "check_scoring_frame",
    "compression_report",
    "explain_text",
    "load_explained",
    "score_with_reasons",
]

Explained = ShapeTable | RuleSet

_LOADERS = {table_mod.FORMAT_NAME: ShapeTable, rules_mod.FORMAT_NAME: RuleSet}


# ------------------------------------------------------------------------------- loading
def load_explained(path: str | os.PathLike[str]) -> Explained:
    """Read a student's exported model file: a shape table or a rule set.

    Parameters
    ----------
    path : a JSON file written by ``ShapeTable.save`` or ``RuleSet.save`` (the
        ``shape_table.json`` / ``rule_set.json`` of a run's ``students/<name>/`` folder).

    Returns
    -------
    ShapeTable or RuleSet
        Chosen by the file's ``"format"`` field. The file is parsed as JSON only.

    Raises
    ------
    ModelFormatError
        If the file is missing, is not JSON, is not one of the two formats, or is malformed;
        the message names the file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelFormatError(f"{p}: model file not found; check the path") from exc
    except IsADirectoryError as exc:
        raise ModelFormatError(f"{p}: is a folder; pass the model's JSON file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{p}: cannot read the model file ({exc})") from exc
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFormatError(
            f"{p}: not valid JSON ({exc}); pass a shape_table.json or rule_set.json"
        ) from exc
    fmt = d.get("format") if isinstance(d, dict) else None
    if fmt not in _LOADERS:
        raise ModelFormatError(
            f"{p}: not an exported student model (format={fmt!r}); expected one of "
            f"{sorted(_LOADERS)}: the shape_table.json or rule_set.json of a run's "
            "students/<name>/ folder"
        )
    return _LOADERS[fmt].from_dict(d, source=str(p))


def _resolve(model: Any) -> Explained:
    """An exported model as itself; a fitted student as its ``explain()``."""
    if isinstance(model, (ShapeTable, RuleSet)):
        return model
    if hasattr(model, "explain"):
        return _resolve(model.explain())
    raise TypeError(f"expected a ShapeTable, a RuleSet or a fitted student; got {type(model)}")


# ---------------------------------------------------------------------------- describing
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
        best = float(term.values[_best_cell(term.axes, term.values, counts)])
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
    m = _resolve(model)
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


# ------------------------------------------------------------------------------- scoring
def _numeric_features(m: Explained) -> list[str]:
    if isinstance(m, RuleSet):
        return [f for f in m.features if f not in m.categories]
    kinds: dict[str, str] = {}
    for t in m.terms:
        for a in t.axes:
            kinds.setdefault(a.feature, a.kind)
    return [f for f in m.features if kinds.get(f) == "numeric"]


def check_scoring_frame(
    model: ShapeTable | RuleSet | Any,
    frame: pd.DataFrame,
    *,
    source: str = "input frame",
    id_column: str | None = None,
) -> None:
    """Refuse a frame the model cannot score faithfully, listing every problem at once.

    Checks that every feature column (and ``id_column``) is present and that numeric
    features hold numbers: a text value in a numeric column would otherwise score silently
    as a missing value.

    Raises
    ------
    DataValidationError
        Naming ``source``, each column and how many rows are affected.
    """
    m = _resolve(model)
    problems: list[str] = []
    absent = [f for f in m.features if f not in frame.columns]
    if absent:
        problems.append(
            f"missing feature column(s) {absent} that the model needs; add them "
            "(an empty value scores as the missing bin)"
        )
    if id_column is not None and id_column not in frame.columns:
        problems.append(f"id column {id_column!r} not found; columns are {list(frame.columns)}")
    for f in _numeric_features(m):
        if f not in frame.columns:
            continue
        col = frame[f]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        as_num = pd.to_numeric(col, errors="coerce")
        bad = col.notna().to_numpy() & as_num.isna().to_numpy()
        if bad.any():
            example = col[bad].iloc[0]
            problems.append(
                f"column {f!r}: {int(bad.sum())} of {len(col)} rows are not numbers "
                f"(e.g. {example!r}); the model reads it as numeric, fix or blank those values"
            )
    if problems:
        raise DataValidationError(source, problems)


def _text(v: Any) -> str | None:
    """A raw value as text for the wide table (``None`` for a missing value)."""
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    return str(v)


def score_with_reasons(
    model: ShapeTable | RuleSet | Any,
    frame: pd.DataFrame,
    *,
    k: int = 4,
    reference: Literal["best", "mean"] = "best",
    reference_frame: pd.DataFrame | None = None,
    id_column: str | None = None,
    source: str = "input frame",
) -> pd.DataFrame:
    """Score every row and attach its top-``k`` reason codes, one wide line per row.

    Parameters
    ----------
    model : a :class:`ShapeTable`, a :class:`RuleSet` or a fitted student.
    frame : rows to score; must hold every feature of the model (extra columns are ignored).
    k : reasons per row. A row gets fewer when fewer features push it towards bad; the
        unused reason columns are empty.
    reference : ``"best"`` (each term's lowest-risk bin; a tree's lowest-risk leaf) or
        ``"mean"`` (the mean over ``reference_frame``; see
        :func:`~risk_models.students.reasons.reason_codes`).
    reference_frame : the population for ``reference="mean"``; required for a shape table.
    id_column : a column of ``frame`` to carry as the first output column; without it the
        first column is ``row``, the index label of ``frame``.
    source : how to name ``frame`` in errors (the CLI passes the file name).

    Returns
    -------
    pandas.DataFrame
        In input order, one line per input row (``RangeIndex``): ``<id_column>`` or
        ``row``, ``probability``, ``logit``, then for ``i = 1..k``: ``reason_i`` (the stable
        code, e.g. ``RC-UTILISATION-3F2A9C``), ``reason_i_feature_code``,
        ``reason_i_feature``, ``reason_i_value`` (the raw value as text),
        ``reason_i_bin`` (the row's bin or rule condition) and ``reason_i_points`` (points
        lost, in log-odds, or scorecard points when the model has ``points_factor``). The
        reasons of a row are ordered by points lost, largest first; per row, the points lost
        of *all* features add up to ``logit - reference logit``. ``attrs`` holds
        ``reference``, ``reference_logit`` and ``units``.

    Raises
    ------
    DataValidationError
        If a feature column (or ``id_column``) is missing or a numeric feature holds text.
    """
    m = _resolve(model)
    check_scoring_frame(m, frame, source=source, id_column=id_column)
    if reference_frame is not None and reference_frame is not frame:
        check_scoring_frame(m, reference_frame, source=f"{source} (reference frame)")
    X = frame.reset_index(drop=True)  # row positions, whatever the caller's index
    rc = reason_codes(m, X, k=k, reference=reference, reference_frame=reference_frame)
    n = len(X)
    first = (
        {id_column: frame[id_column].to_numpy()}
        if id_column is not None
        else {"row": frame.index.to_numpy()}
    )
    out: dict[str, Any] = {
        **first,
        "probability": expit(rc.score),
        "logit": np.asarray(rc.score, dtype=np.float64),
    }
    tidy = rc.reasons
    pos = tidy["row"].to_numpy(dtype=np.int64) if len(tidy) else np.zeros(0, dtype=np.int64)
    rank = tidy["rank"].to_numpy() if len(tidy) else np.zeros(0, dtype=np.int64)
    for i in range(1, k + 1):
        sel = rank == i
        rows = pos[sel]
        for field, src in (
            ("", "code"),
            ("_feature_code", "feature_code"),
            ("_feature", "feature"),
            ("_value", "value"),
            ("_bin", "bin"),
        ):
            col = np.full(n, None, dtype=object)
            if len(rows):
                vals = tidy[src].to_numpy(dtype=object)[sel]
                col[rows] = [_text(v) for v in vals] if src == "value" else vals
            out[f"reason_{i}{field}"] = col
        pts = np.full(n, np.nan)
        if len(rows):
            pts[rows] = tidy["points_lost"].to_numpy(dtype=np.float64)[sel]
        out[f"reason_{i}_points"] = pts
    result = pd.DataFrame(out)
    assert len(result) == len(frame), "score_with_reasons lost or added rows"
    result.attrs.update(
        {"reference": rc.reference, "reference_logit": rc.reference_score, "units": rc.units}
    )
    return result


# --------------------------------------------------------------------------- compression
def _student_footprint(m: Explained) -> dict[str, Any]:
    if isinstance(m, ShapeTable):
        fp = model_footprint(m)
        return {
            "student_format": table_mod.FORMAT_NAME,
            "student_size_bytes": fp["size_bytes"],
            "student_n_parameters": fp["n_cells"],
            "student_n_cells": fp["n_cells"],
            "student_n_terms": fp["n_terms"],
        }
    compact = json.dumps(m.to_dict(), separators=(",", ":"))
    n_conditions = sum(len(r.conditions) for r in m.rules)
    return {
        "student_format": rules_mod.FORMAT_NAME,
        "student_size_bytes": len(compact.encode("utf-8")),
        # stored numbers: one log-odds per rule, the default, one test per condition
        "student_n_parameters": m.n_rules + 1 + n_conditions,
        "student_n_rules": m.n_rules,
        "student_n_conditions": n_conditions,
    }


def _folder_bytes(directory: Path) -> tuple[int, int]:
    files = [p for p in directory.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def compression_report(
    student_model: ShapeTable | RuleSet | Any,
    teacher: Any,
    X: pd.DataFrame,
    *,
    repeats: int = 5,
) -> dict[str, Any]:
    """Size and scoring speed of a student against its teacher ensemble.

    Parameters
    ----------
    student_model : a :class:`ShapeTable`, a :class:`RuleSet` or a fitted student (its
        exported form is measured: what is scored at decision time).
    teacher : a fitted teacher with ``save(directory)`` and ``decision_function(X)`` (a
        :class:`~risk_models.teachers.ensemble.TeacherEnsemble`), or its
        :func:`profile_teacher` result, so that several students share one measurement.
    X : rows to time both on (a few thousand are enough).
    repeats : timed calls per model (median taken, after one warm-up call).

    Returns
    -------
    dict
        ``student_format``, ``student_size_bytes`` (compact JSON of the exported model),
        ``student_n_parameters`` (cells of a table, intercept included; for a rule set, rule
        log-odds + default + conditions), ``student_n_cells``/``student_n_terms`` or
        ``student_n_rules``/``student_n_conditions``, ``teacher_size_bytes`` and
        ``teacher_n_files`` (everything ``teacher.save`` writes), ``compression_ratio``
        (teacher bytes / student bytes), ``student_seconds_per_1k_rows`` and
        ``teacher_seconds_per_1k_rows`` (median latency of the table's ``predict_logit`` and
        the teacher's ``decision_function``), ``latency_ratio`` (teacher / student; ``None``
        if the student's time measures 0) and ``latency_rows``. Timings are measurements on
        this machine, not guarantees.
    """
    m = _resolve(student_model)
    if len(X) == 0:
        raise ValueError("compression_report needs at least one row to time scoring on")
    profile = teacher if isinstance(teacher, dict) else profile_teacher(teacher, X, repeats=repeats)
    report = _student_footprint(m)
    report["teacher_size_bytes"] = profile["teacher_size_bytes"]
    report["teacher_n_files"] = profile["teacher_n_files"]
    report["compression_ratio"] = profile["teacher_size_bytes"] / max(
        report["student_size_bytes"], 1
    )
    s = scoring_latency(m.predict_logit, X, repeats=repeats)["seconds_per_1k_rows"]
    t = profile["teacher_seconds_per_1k_rows"]
    report["student_seconds_per_1k_rows"] = s
    report["teacher_seconds_per_1k_rows"] = t
    report["latency_ratio"] = t / s if s > 0 else None
    report["latency_rows"] = len(X)
    return report


def profile_teacher(teacher: Any, X: pd.DataFrame, *, repeats: int = 5) -> dict[str, Any]:
    """Size on disk (everything ``teacher.save`` writes) and median scoring latency of a teacher.

    Measured once per run and passed to :func:`compression_report` for every student.
    """
    if len(X) == 0:
        raise ValueError("profile_teacher needs at least one row to time scoring on")
    with tempfile.TemporaryDirectory(prefix="risk_models-teacher-") as tmp:
        teacher.save(Path(tmp) / "teacher")
        teacher_bytes, n_files = _folder_bytes(Path(tmp))
    latency = scoring_latency(teacher.decision_function, X, repeats=repeats)
    return {
        "teacher_size_bytes": teacher_bytes,
        "teacher_n_files": n_files,
        "teacher_seconds_per_1k_rows": latency["seconds_per_1k_rows"],
    }
