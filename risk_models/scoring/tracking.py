"""The MLflow side of a scoring job: one run named ``score`` per job.

Started only after the model and the input passed their checks (a refused job leaves no run);
it carries the resolved model (name, version, run id) as tags, the options as params, rows
read/scored/rejected, rows per second and the score PSI as metrics, and the manifest as an
artifact. A job that fails after starting ends its run ``FAILED`` with the error recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from risk_models.config import MlflowConfig

RUN_NAME = "score"


def start_scoring_run(cfg: MlflowConfig, resolved: Any, options: dict[str, Any]) -> Any:
    """Start the scoring run in the configured experiment; returns MLflow's ``ActiveRun``."""
    import mlflow

    from risk_models.tracking.runs import configure_mlflow

    configure_mlflow(cfg)
    run = mlflow.start_run(run_name=RUN_NAME, nested=mlflow.active_run() is not None)
    model = resolved.describe()
    tags = {
        "risk_models.step": RUN_NAME,
        "risk_models.model_uri": model["uri"],
        "risk_models.model_name": model["name"] or "",
        "risk_models.model_version": model["version"] or "",
        "risk_models.model_run_id": model["run_id"] or "",
        "risk_models.model_sha256": model["sha256"],
    }
    mlflow.set_tags(tags)
    mlflow.log_params(
        {
            "k": options["k"],
            "on_invalid": options["on_invalid"],
            "cutoff_pd": options["cutoff"]["pd"],
            "as_of": options["as_of"],
            "date": options["date"] or "",
            "engine": options["engine"],
            "id_columns": ",".join(options["id_columns"]),
        }
    )
    return run


def end_scoring_run(
    run: Any, summary: Any, manifest_path: Path, error: BaseException | None
) -> None:
    """Log the job's figures and manifest, then end the run (``FAILED`` on ``error``)."""
    import mlflow

    if error is not None:
        mlflow.set_tag("risk_models.error", f"{type(error).__name__}: {error}"[:5000])
        mlflow.end_run(status="FAILED")
        return
    metrics = {
        "rows_read": summary.rows_read,
        "rows_scored": summary.rows_scored,
        "rows_rejected": summary.rows_rejected,
        "rows_per_second": summary.rows_per_second,
        "seconds": summary.seconds,
    }
    for reason, n in summary.rejected_by_reason.items():
        metrics[f"rejected.{reason}"] = n
    if summary.psi is not None:
        metrics["psi"] = summary.psi
    mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
    mlflow.set_tag("risk_models.drift_alarm", str(summary.drift_alarm).lower())
    if Path(manifest_path).is_file():
        mlflow.log_artifact(str(manifest_path))
    mlflow.end_run(status="FINISHED")
