"""Known limitations of a run, stated from its own figures (and the method's fixed caveats)."""

from __future__ import annotations

from typing import Any

__all__ = ["known_limitations"]

ECE_WARN = 0.05
_FIXED = (
    "The gates and this report read the same test split: a student kept because it passed "
    "them is selected on test, so its test figures are slightly optimistic.",
    "Reason codes explain the student, the model that decides; they say nothing about the teacher.",
    "Monotonicity of a rule-set student is checked ceteris paribus on a sample of test rows, "
    "not proved over the whole input space; a shape table is checked on every bin.",
)


def _split_notes(sections: dict[str, Any]) -> list[str]:
    purpose = sections["purpose"]
    notes = []
    method = (purpose.get("split") or {}).get("method")
    if method != "out_of_time":
        notes.append(
            f"The split is {method or 'random'}: test rows come from the same period as the "
            "training rows, so the outcomes say nothing about performance on later applications."
        )
    if not purpose.get("time_column"):
        notes.append("No time column is declared: stability over time was not measured.")
    if not purpose.get("segment_columns"):
        notes.append("No segment column was evaluated: performance by segment is not shown.")
    return notes


def _figure_notes(sections: dict[str, Any]) -> list[str]:
    ev = sections["evaluation"]
    notes = []
    for name, student in sections["students"].items():
        gates = student.get("gates") or {}
        failed = [c["name"] for c in gates.get("checks", []) if not c.get("passed")]
        if failed:
            notes.append(f"Student {name!r} fails its gate(s) {failed}; it must not be promoted.")
        ece = ev.get("outcomes", {}).get(name, {}).get("metrics", {}).get("ece")
        if ece is not None and ece > ECE_WARN:
            notes.append(f"Student {name!r} is miscalibrated on test (ECE {ece:.3f} > {ECE_WARN}).")
    for name, checks in ev.get("monotonicity", {}).items():
        broken = [c["feature"] for c in checks if not c.get("passed")]
        if broken:
            notes.append(f"Student {name!r} breaks declared monotone direction(s) on {broken}.")
    shifted = [c["feature"] for c in ev.get("stability", {}).get("csi", []) if c["band"] == "shift"]
    if shifted:
        notes.append(f"Feature(s) {shifted} shift between train and test (CSI > 0.25).")
    for name, entry in ev.get("stability", {}).get("score_psi", {}).items():
        if entry.get("band") == "shift":
            notes.append(f"The score of {name!r} shifts between train and test (PSI > 0.25).")
    dc = ev.get("distill_compare")
    if dc and dc.get("disagreeing"):
        notes.append(
            f"Distill-and-compare finds the teacher and the outcomes disagree on "
            f"{dc['disagreeing']}: review those terms before trusting the teacher's shape."
        )
    if dc:
        notes.append(
            f"Distill-and-compare ran on {dc['n_rows']} test rows with {dc['n_boot']} bootstrap "
            "refits: small effects are below its resolution."
        )
    small = sorted(
        {
            f"{col}={row['segment']}"
            for out in ev.get("outcomes", {}).values()
            for col, rows in out.get("segments", {}).items()
            for row in rows
            if row.get("small")
        }
    )
    if small:
        notes.append(f"Segment(s) {small} hold too few test rows to read their metrics firmly.")
    mismatches = sections.get("consistency", {}).get("mismatches", [])
    if mismatches:
        notes.append(
            f"{len(mismatches)} figure(s) of summary.json and the evaluation disagree; see the "
            "consistency table."
        )
    return notes


def known_limitations(sections: dict[str, Any]) -> list[str]:
    """What a reader must not conclude from this report, one sentence each.

    Parameters
    ----------
    sections:
        The report's sections (``purpose``, ``students``, ``evaluation``, ``consistency``).

    Returns
    -------
    list of str
        Run-specific notes (split, missing time or segment columns, failing gates, poor
        calibration, monotonicity breaches, shifted features or scores, distill-and-compare
        findings, small segments, inconsistencies) followed by the method's fixed caveats.
    """
    return [*_split_notes(sections), *_figure_notes(sections), *_FIXED]
