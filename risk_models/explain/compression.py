"""Size and scoring speed of a student against its teacher ensemble."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from risk_models.explain.loading import Explained, as_explained
from risk_models.students import rules as rules_mod
from risk_models.students import shape_table as table_mod
from risk_models.students.compress import model_footprint, scoring_latency
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

__all__ = ["compression_report", "profile_teacher"]


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
    m = as_explained(student_model)
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
