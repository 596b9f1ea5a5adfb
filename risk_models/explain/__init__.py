"""Explaining decisions: read an exported student, describe it, score rows with reason codes.

The library side of ``riskdistill explain`` and ``riskdistill reasons``, and of the reason
codes and compression figures that the ``students`` step logs to MLflow. One module per
concern:

* :mod:`~risk_models.explain.loading` -- :func:`load_explained` reads a student's exported
  JSON (a :class:`~risk_models.students.shape_table.ShapeTable` or a
  :class:`~risk_models.students.rules.RuleSet`, dispatched on the file's ``"format"``
  field; nothing is unpickled).
* :mod:`~risk_models.explain.text` -- :func:`explain_text` describes the model for a reader:
  every term's bins and contributions (and points, for a scorecard), or every rule.
* :mod:`~risk_models.explain.scoring` -- :func:`score_with_reasons` scores a frame and
  returns one wide line per row: probability, log-odds and the top-``k`` reason codes with
  feature, value, bin and points lost (built on
  :func:`risk_models.students.reasons.reason_codes`), the table a nightly job writes;
  :func:`check_scoring_frame` refuses a frame the model cannot score faithfully.
* :mod:`~risk_models.explain.compression` -- :func:`compression_report` compares the
  student's size and scoring speed with its teacher ensemble's, measured once per run by
  :func:`profile_teacher`.
"""

from __future__ import annotations

from risk_models.explain.compression import compression_report, profile_teacher
from risk_models.explain.loading import Explained, as_explained, load_explained
from risk_models.explain.scoring import check_scoring_frame, score_with_reasons
from risk_models.explain.text import explain_text

__all__ = [
    "Explained",
    "as_explained",
    "check_scoring_frame",
    "compression_report",
    "explain_text",
    "load_explained",
    "profile_teacher",
    "score_with_reasons",
]
