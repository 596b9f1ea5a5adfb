"""Log a shape-table student as an MLflow pyfunc model and register a version."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

CODE_PATH = Path(__file__).with_name("pyfunc_model.py")


def artifact_name(model: ShapeTable | RuleSet) -> str:
    """``shape_table`` or ``rule_set``: the artifact key and file stem of an exported student."""
    return "shape_table" if isinstance(model, ShapeTable) else "rule_set"


def log_student_model(
    table: ShapeTable | RuleSet,
    *,
    name: str,
    input_example: pd.DataFrame,
    registered_model_name: str | None = None,
) -> Any:
    """Log an exported student under the active run as a pyfunc (models from code).

    Returns MLflow's ``ModelInfo`` (``model_uri``, ``registered_model_version``).
    """
    import mlflow
    from mlflow.models import infer_signature

    example = input_example.head(5).copy()
    for col in example.columns:  # categoricals travel as strings in the signature
        if isinstance(example[col].dtype, pd.CategoricalDtype):
            example[col] = example[col].astype(object)
    preds = pd.Series(table.predict_proba(example)[:, 1], name="probability")
    signature = infer_signature(example, preds)
    with tempfile.TemporaryDirectory() as tmp:
        key = artifact_name(table)
        path = table.save(Path(tmp) / f"{key}.json")
        return mlflow.pyfunc.log_model(
            name=name,
            python_model=str(CODE_PATH),
            artifacts={key: str(path)},
            signature=signature,
            registered_model_name=registered_model_name,
            pip_requirements=_requirements(),
        )


def _requirements() -> list[str]:
    from risk_models.tracking.lineage import package_versions

    v = package_versions()
    reqs = [f"mlflow=={v['mlflow']}", "pandas", "numpy"]
    if v["risk_models"] != "not installed":
        reqs.insert(0, f"risk_models=={v['risk_models']}")
    return reqs
