"""Step ``data``: read or generate, validate, split; log the splits as MLflow inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from risk_models.config import DataConfig, PipelineConfig
from risk_models.data import DataSpec, Splits, ValidatedData, split_data, validate_file
from risk_models.data.date_features import reference_from_training
from risk_models.data.synthetic import make_credit_book, make_fraud_stream
from risk_models.data.validation import validate_frame
from risk_models.steps.base import QUIET, LogContext, Logged, Reporter


@dataclass(frozen=True)
class DataResult:
    """Validated data, its split, where it came from and each split's content digest."""

    data: ValidatedData
    splits: Splits
    source: str
    digests: dict[str, str]

    def split_facts(self) -> dict[str, dict[str, Any]]:
        """Rows, positive rate and content digest of every split (for summary.json)."""
        return {
            name: {
                "name": name,
                "content_digest": self.digests[name],
                "n_rows": part.n_rows,
                "positive_rate": part.positive_rate,
            }
            for name, part in self.splits.parts().items()
        }


def data_spec(cfg: DataConfig) -> DataSpec:
    """The data contract for a data config."""
    return DataSpec(
        target=cfg.target,
        positive_label=cfg.positive_label,
        features=tuple(cfg.features),
        categorical=tuple(cfg.categorical),
        id_column=cfg.id_column,
        time_column=cfg.time_column,
        monotone=dict(cfg.monotone),
        segment_column=cfg.segment_column,
        exclude=tuple(cfg.exclude),
        high_cardinality=cfg.high_cardinality,
        date_features=tuple(cfg.date_features),
        missing_values=tuple(cfg.missing_values),
    )


def load_data(cfg: PipelineConfig) -> tuple[ValidatedData, str]:
    """Read (or generate) and validate the data; return it with a description of its source."""
    spec = data_spec(cfg.data)
    if cfg.data.synthetic is not None:
        syn = cfg.data.synthetic
        maker = make_credit_book if syn.kind == "credit" else make_fraud_stream
        frame = maker(n_rows=syn.n_rows, seed=syn.seed).frame
        source = f"synthetic:{syn.kind}?n_rows={syn.n_rows}&seed={syn.seed}"
        return validate_frame(frame, spec, source), source
    path = cfg.data.path
    assert path is not None  # the config guarantees one source
    return validate_file(path, spec), str(Path(path).resolve())


def labelled_frame(part: ValidatedData) -> pd.DataFrame:
    """A split's features with its target column, as logged and digested."""
    frame = part.X.copy()
    frame[part.spec.target] = part.y
    return frame


def compute_data(cfg: PipelineConfig, reporter: Reporter = QUIET) -> DataResult:
    """Load, validate and split the data; digest every split.

    Date features are derived against the latest date of the training rows
    (:func:`~risk_models.data.date_features.reference_from_training`), never of the
    validation or test rows.
    """
    from risk_models.tracking.runs import content_digest

    reporter.say("data", "loading and validating")
    data, source = load_data(cfg)
    if cfg.fraud is not None and cfg.fraud.amount_column is not None:
        from risk_models.errors import DataValidationError
        from risk_models.evaluation.fraud_suite import amount_column_problems

        problems = amount_column_problems(cfg.fraud.amount_column, data.X, data.source)
        if problems:
            raise DataValidationError(data.source, problems)
    s = cfg.split
    splits = split_data(
        data, method=s.method, test_size=s.test_size, valid_size=s.valid_size, seed=s.seed
    )
    data, splits = reference_from_training(data, splits)  # date ages: training rows only
    digests = {n: content_digest(labelled_frame(p)) for n, p in splits.parts().items()}
    reporter.say(
        "data",
        f"{data.n_rows} rows, {len(data.spec.features)} features, "
        f"positive rate {data.positive_rate:.2%}",
    )
    return DataResult(data, splits, source, digests)


def log_data(result: DataResult, ctx: LogContext) -> Logged:
    """Log each split as a dataset input of the ``data`` run, with params and metrics."""
    from risk_models.tracking.runs import end_run, log_frame_input, log_metrics, log_params

    client = ctx.client
    run_id = ctx.child_run("data")
    splits: dict[str, Any] = {}
    target = result.data.spec.target
    for name, part in result.splits.parts().items():
        logged = log_frame_input(
            client,
            run_id,
            labelled_frame(part),
            name=name,
            context=name,
            source=result.source,
            targets=target,
        )
        splits[name] = {**logged, "n_rows": part.n_rows, "positive_rate": part.positive_rate}
        log_metrics(
            client, run_id, name, {"n_rows": part.n_rows, "positive_rate": part.positive_rate}
        )
    spec = result.data.spec
    log_params(
        client,
        run_id,
        {
            "source": result.source,
            "target": spec.target,
            "positive_label": str(spec.positive_label),
            "n_features": len(spec.features),
            "categorical": ",".join(spec.categorical) or "-",
            "split.method": result.splits.method,
            "split.seed": result.splits.seed,
        },
    )
    end_run(client, run_id)
    return Logged(run_id, info={"source": result.source, "splits": splits})
