"""Step ``data``: read or generate, validate, split, log the splits as MLflow inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from risk_models.config import DataConfig, PipelineConfig
from risk_models.data import DataSpec, Splits, ValidatedData, split_data, validate_file
from risk_models.data.synthetic import make_credit_book, make_fraud_stream
from risk_models.data.validation import validate_frame


@dataclass(frozen=True)
class LoadedData:
    """Validated data, its split and where it came from."""

    data: ValidatedData
    splits: Splits
    source: str


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
    )


def load_data(cfg: PipelineConfig) -> LoadedData:
    """Read (or generate) and validate the data, then split it."""
    spec = data_spec(cfg.data)
    if cfg.data.synthetic is not None:
        syn = cfg.data.synthetic
        maker = make_credit_book if syn.kind == "credit" else make_fraud_stream
        frame = maker(n_rows=syn.n_rows, seed=syn.seed).frame
        source = f"synthetic:{syn.kind}?n_rows={syn.n_rows}&seed={syn.seed}"
        data = validate_frame(frame, spec, source)
    else:
        source = str(Path(cfg.data.path).resolve())  # type: ignore[arg-type]
        data = validate_file(cfg.data.path, spec)  # type: ignore[arg-type]
    s = cfg.split
    splits = split_data(
        data, method=s.method, test_size=s.test_size, valid_size=s.valid_size, seed=s.seed
    )
    return LoadedData(data, splits, source)


def _labelled_frame(part: ValidatedData) -> pd.DataFrame:
    frame = part.X.copy()
    frame[part.spec.target] = part.y
    return frame


def log_data(loaded: LoadedData) -> dict[str, Any]:
    """Log each split as an MLflow dataset input; return their digests and shapes."""
    import mlflow

    from risk_models.tracking.runs import log_frame_input

    info: dict[str, Any] = {"source": loaded.source, "splits": {}}
    target = loaded.data.spec.target
    for name, part in loaded.splits.parts().items():
        digests = log_frame_input(
            _labelled_frame(part), name=name, context=name, source=loaded.source, targets=target
        )
        info["splits"][name] = {
            **digests,
            "n_rows": part.n_rows,
            "positive_rate": part.positive_rate,
        }
        mlflow.log_metrics(
            {f"{name}.n_rows": part.n_rows, f"{name}.positive_rate": part.positive_rate}
        )
    spec = loaded.data.spec
    mlflow.log_params(
        {
            "source": loaded.source[:500],
            "target": spec.target,
            "positive_label": str(spec.positive_label),
            "n_features": len(spec.features),
            "categorical": ",".join(spec.categorical)[:500] or "-",
            "split.method": loaded.splits.method,
            "split.seed": loaded.splits.seed,
        }
    )
    return info
