"""MLflow "models from code" definition of a student (shape table or rule set).

MLflow copies this file into the logged model and executes it when the model is loaded, so
loading unpickles nothing: the code is this file (and the installed ``risk_models``), the
model is the JSON table in the ``shape_table`` artifact (or rules in ``rule_set``).
Scoring needs NumPy and pandas only.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class ShapeTableModel(PythonModel):
    """pyfunc wrapper: ``predict`` returns the probability of the positive class per row."""

    def load_context(self, context: Any) -> None:
        from risk_models.students.rules import RuleSet
        from risk_models.students.shape_table import ShapeTable

        if "shape_table" in context.artifacts:
            self.table: Any = ShapeTable.load(context.artifacts["shape_table"])
        else:
            self.table = RuleSet.load(context.artifacts["rule_set"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> Any:
        frame = pd.DataFrame(model_input)
        proba = self.table.predict_proba(frame)[:, 1]
        return pd.Series(proba, index=frame.index, name="probability")


mlflow.models.set_model(ShapeTableModel())
