"""What a scoring job did: the :class:`ScoringSummary` hand-off, its manifest JSON, score drift.

The manifest (``OUTPUT.manifest.json``, written last, so its presence marks a complete job)
holds the input files and their SHA-256, the model URI resolved to a version and run, rows read
= scored + rejected (per reason), the options, the timings and the score PSI against the
model's training baseline. The same facts are logged as an MLflow run (:mod:`.tracking`).

The baseline is a histogram of the model's log-odds over its training rows
(``metadata["score_baseline"]``: decile ``edges`` and ``counts``), stored when the model is
logged (:func:`score_baseline`). The PSI of a job is computed over those bins, exactly as
:func:`risk_models.evaluation.stability.psi` does with explicit edges.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from risk_models.atomic import atomic_write_text

MANIFEST_FORMAT = "risk_models.scoring_manifest"
PSI_EPS = 1e-4
DEFAULT_PSI_THRESHOLD = 0.25

#: Exit status of ``riskdistill score`` (documented in the README "Batch scoring").
EXIT_OK, EXIT_INPUT_ERROR, EXIT_MODEL_ERROR, EXIT_DRIFT_ALARM = 0, 2, 3, 4


def score_baseline(logit: np.ndarray, *, n_bins: int = 10, source: str = "training rows") -> dict:
    """Histogram of training log-odds over ``n_bins`` equal-count bins, for the PSI of jobs."""
    x = np.asarray(logit, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ValueError("score_baseline needs at least one finite score")
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, x, side="right"), minlength=edges.size + 1)
    return {
        "edges": [float(v) for v in edges],
        "counts": [int(v) for v in counts],
        "n": int(x.size),
        "source": source,
        "scale": "logit",
    }


def baseline_counts(baseline: dict[str, Any], logit: np.ndarray) -> np.ndarray:
    """Counts of ``logit`` in the baseline's bins (``edges[k-1] <= x < edges[k]``)."""
    edges = np.asarray(baseline["edges"], dtype=np.float64)
    return np.bincount(np.searchsorted(edges, logit, side="right"), minlength=edges.size + 1)


def psi_from_counts(expected: Any, actual: Any, eps: float = PSI_EPS) -> float:
    """``sum_b (a_b - e_b) ln(a_b / e_b)`` of two count vectors (shares floored at ``eps``)."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    e_f = np.maximum(e / max(e.sum(), 1.0), eps)
    a_f = np.maximum(a / max(a.sum(), 1.0), eps)
    return float(np.sum((a_f - e_f) * np.log(a_f / e_f)))


@dataclass(frozen=True)
class ScoringSummary:
    """The hand-off of :func:`~risk_models.scoring.batch.score_batch` (no I/O).

    ``rows_read == rows_scored + rows_rejected`` always holds. ``psi`` is ``None`` when the
    model carries no training baseline or no row was scored; ``drift_alarm`` is ``psi >
    psi_threshold``. ``exit_code`` is what ``riskdistill score`` exits with.
    """

    model: dict[str, Any]
    input_path: str
    output_path: str
    rejects_path: str
    manifest_path: str
    rows_read: int
    rows_scored: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    psi: float | None
    psi_threshold: float
    scored_at: str
    seconds: float
    engine: str = "local"
    mlflow_run_id: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_scored + self.rows_rejected:
            raise AssertionError(
                f"rows read {self.rows_read} != scored {self.rows_scored} + rejected "
                f"{self.rows_rejected}"
            )

    @property
    def drift_alarm(self) -> bool:
        return self.psi is not None and self.psi > self.psi_threshold

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else float("nan")

    @property
    def exit_code(self) -> int:
        return EXIT_DRIFT_ALARM if self.drift_alarm else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["drift_alarm"] = self.drift_alarm
        d["rows_per_second"] = self.rows_per_second
        d["exit_code"] = self.exit_code
        return d


def build_manifest(
    summary: ScoringSummary,
    *,
    files: list[dict[str, Any]],
    options: dict[str, Any],
    baseline: dict[str, Any] | None,
    actual_counts: np.ndarray | None,
) -> dict[str, Any]:
    """The manifest document of a job."""
    psi: dict[str, Any] = {
        "value": summary.psi,
        "threshold": summary.psi_threshold,
        "alarm": summary.drift_alarm,
    }
    if baseline is None:
        psi["note"] = "the model carries no score_baseline (log it with riskdistill to get one)"
    else:
        psi["edges"] = baseline["edges"]
        psi["expected_counts"] = baseline["counts"]
        psi["actual_counts"] = None if actual_counts is None else [int(v) for v in actual_counts]
    return {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "scored_at": summary.scored_at,
        "engine": summary.engine,
        "model": summary.model,
        "input": {"path": summary.input_path, "files": files},
        "output": {"path": summary.output_path, "rows": summary.rows_scored},
        "rejects": {
            "path": summary.rejects_path,
            "rows": summary.rows_rejected,
            "by_reason": summary.rejected_by_reason,
        },
        "rows": {
            "read": summary.rows_read,
            "scored": summary.rows_scored,
            "rejected": summary.rows_rejected,
        },
        "psi": psi,
        "options": options,
        "timings_seconds": {**summary.timings, "total": summary.seconds},
        "rows_per_second": summary.rows_per_second,
        "mlflow_run_id": summary.mlflow_run_id,
        "exit_code": summary.exit_code,
    }


def write_manifest(path: Any, manifest: dict[str, Any]) -> None:
    """Write the manifest JSON atomically."""
    atomic_write_text(path, json.dumps(manifest, indent=1, sort_keys=False, default=str))
