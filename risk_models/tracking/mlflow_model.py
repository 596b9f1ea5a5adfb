"""Log an exported student as an MLflow pyfunc that scores with only mlflow, numpy, pandas and
pyarrow installed.

The model is logged "from code": :mod:`risk_models.tracking.pyfunc_model` is the model's code,
the NumPy scorer :mod:`risk_models.scoring.tablescore` travels with it (``code_paths``), the
table or rule set is a JSON artifact. The pip requirements name mlflow, numpy, pandas and
pyarrow only: neither ``risk_models`` nor Torch, XGBoost or LightGBM enter a scoring
environment.

Before logging, the exported model's metadata is completed (on a copy) with what scoring jobs
read: ``cutoff`` (when absent: PD 0.5, the threshold of the students' ``predict``) and
``score_baseline`` (the histogram of the model's log-odds over the ``input_example`` rows, the
training rows in the pipeline), from which ``riskdistill score`` computes the score PSI.

The signature is built from the table's axes: numeric features accept integers and floats
(MLflow's ``Any`` type: an int64 ``age`` passes), categorical features text (``Any`` when every
level is a number), a date column (whose age and month the table reads) text or datetimes
(``Any``); the outputs are the scored columns; params ``k``, ``on_invalid``, ``cutoff``.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from risk_models.scoring.tablescore import output_columns, resolve_cutoff
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

CODE_PATH = Path(__file__).with_name("pyfunc_model.py")
SCORER_PACKAGE = Path(__file__).resolve().parents[1] / "scoring" / "tablescore"
#: What a scoring environment needs; nothing else is written as a requirement.
SCORING_PACKAGES = ("mlflow", "numpy", "pandas", "pyarrow")
DEFAULT_K = 4


def artifact_name(model: ShapeTable | RuleSet) -> str:
    """``shape_table`` or ``rule_set``: the artifact key and file stem of an exported student."""
    return "shape_table" if isinstance(model, ShapeTable) else "rule_set"


def scoring_metadata(table: ShapeTable | RuleSet, rows: pd.DataFrame | None) -> dict[str, Any]:
    """The table's metadata completed with ``cutoff`` and (given rows) ``score_baseline``."""
    from risk_models.scoring.manifest import score_baseline

    meta = dict(table.metadata)
    if "cutoff" not in meta:
        cut = resolve_cutoff(meta)
        meta["cutoff"] = {"pd": cut["pd"], "source": cut["source"]}
    if "score_baseline" not in meta and rows is not None and len(rows):
        meta["score_baseline"] = score_baseline(table.predict_logit(rows), source="training rows")
    return meta


def _numeric_levels(levels: tuple[str, ...]) -> bool:
    try:
        [float(v) for v in levels]
    except ValueError:
        return False
    return bool(levels)


def model_signature(table: ShapeTable | RuleSet, k: int = DEFAULT_K) -> Any:
    """Inputs from the table's axes, outputs the scored columns, params k/on_invalid/cutoff."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import AnyType, ColSpec, ParamSchema, ParamSpec, Schema

    compiled = table.compiled
    levels: dict[str, tuple[str, ...]] = {}
    if isinstance(table, RuleSet):
        levels = dict(table.categories)
    else:
        for t in table.terms:
            for a in t.axes:
                if a.kind == "categorical":
                    levels.setdefault(a.feature, a.levels)
    inputs = []
    for f in _input_columns(table):
        kind = compiled.input_kinds.get(f, compiled.kinds.get(f, "numeric"))
        if kind == "categorical" and not _numeric_levels(levels.get(f, ())):
            inputs.append(ColSpec("string", f, required=True))
        else:
            inputs.append(ColSpec(AnyType(), f, required=True))
    types = {"probability": "double", "logit": "double", "points": "long", "decision": "string",
             "flags": "string"}  # fmt: skip
    outputs = []
    for col in output_columns(k):
        if col in types:
            t = types[col]
        elif col.endswith("_points"):
            t = "double"
        else:
            t = "string"
        outputs.append(ColSpec(t, col, required=col in ("decision",)))
    cut = resolve_cutoff(table.metadata)["pd"]
    params = ParamSchema(
        [
            ParamSpec("k", "long", k),
            ParamSpec("on_invalid", "string", "flag"),
            ParamSpec("cutoff", "double", float(cut)),
        ]
    )
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs), params=params)


def _input_columns(table: ShapeTable | RuleSet) -> list[str]:
    """The table's features, each one derived from a date column replaced by that column."""
    source = {f: d.column for d in table.compiled.date_inputs for f in d.derived}
    return list(dict.fromkeys(source.get(f, f) for f in table.features))


def _example(frame: pd.DataFrame, table: ShapeTable | RuleSet) -> pd.DataFrame:
    head = frame.head(5)
    dates = {}
    for d in table.compiled.date_inputs:  # training frames hold the age: show the raw date
        if d.column in head.columns:
            continue
        ages = head[d.age_feature] if d.age_feature in head.columns else [0.0] * len(head)
        dates[d.column] = [
            None if pd.isna(a) else (d.reference - pd.Timedelta(days=float(a))).isoformat()
            for a in ages
        ]
    head = head.assign(**dates)
    example = head[[f for f in _input_columns(table) if f in head.columns]].copy()
    for col in example.columns:  # categoricals travel as text
        if isinstance(example[col].dtype, pd.CategoricalDtype):
            example[col] = example[col].astype(object)
    return example


def log_student_model(
    table: ShapeTable | RuleSet,
    *,
    name: str,
    input_example: pd.DataFrame,
    registered_model_name: str | None = None,
) -> Any:
    """Log an exported student under the active run as a pyfunc (models from code).

    Parameters
    ----------
    table : the exported student.
    name : the logged model's name in the run (``"model"`` in the pipeline).
    input_example : rows of the training frame: the first five become MLflow's input example,
        all of them the model's ``score_baseline`` (unless its metadata has one).
    registered_model_name : register a version under this name too; ``None`` (default) logs
        without registering (the registry step registers gated students only).

    Returns
    -------
    mlflow.models.model.ModelInfo
        ``model_uri``, ``registered_model_version`` (``None`` unless registered).
    """
    import mlflow

    complete = dataclasses.replace(table, metadata=scoring_metadata(table, input_example))
    with tempfile.TemporaryDirectory() as tmp:
        key = artifact_name(complete)
        path = complete.save(Path(tmp) / f"{key}.json")
        return mlflow.pyfunc.log_model(
            name=name,
            python_model=str(CODE_PATH),
            artifacts={key: str(path)},
            code_paths=[str(SCORER_PACKAGE)],
            signature=model_signature(complete),
            input_example=_example(input_example, complete),
            registered_model_name=registered_model_name,
            pip_requirements=scoring_requirements(),
            metadata={"risk_models_format": key, "features": list(complete.features)},
        )


def scoring_requirements() -> list[str]:
    """``mlflow==<installed>`` and the unpinned numpy, pandas and pyarrow."""
    try:
        version = importlib.metadata.version("mlflow")
        mlflow_req = f"mlflow=={version}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - mlflow is a dependency
        mlflow_req = "mlflow"
    return [mlflow_req, *SCORING_PACKAGES[1:]]
