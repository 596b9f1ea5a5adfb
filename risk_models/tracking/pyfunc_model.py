"""MLflow "models from code" definition of a student (shape table or rule set).

MLflow copies this file into the logged model and executes it when the model is loaded, so
loading unpickles nothing: the code is this file and the ``tablescore`` package shipped beside
it (``code_paths``), the model is the JSON table in the ``shape_table`` artifact (or rules in
``rule_set``). It imports neither ``risk_models`` nor any training library: a scoring
environment needs only mlflow, numpy, pandas and pyarrow.

``predict`` returns, per input row and in input order, the columns of ``riskdistill score``:
``probability`` (PD), ``logit``, ``points`` (scorecards), ``decision`` at the model's cut-off,
``reason_i`` ... ``reason_i_points`` for ``i = 1..k`` and ``flags``. Params: ``k`` (reasons per
row, default 4), ``on_invalid`` (``"flag"``, default: ``+-inf``, unseen levels and text in
numeric columns are scored in the missing/unknown bin and named in ``flags``; ``"reject"``:
such rows get empty scores and their reasons in ``flags``) and ``cutoff`` (a PD; default the
model's). A model trained on a date column reads that raw column (text or datetime) and derives
its ``<col>_age_days`` / ``<col>_month`` with the reference date stored in the model
(``tablescore.dates``; the raw column wins over derived columns of the input). Text that the
training read as missing (the model's ``missing_values`` markers, ``"?"`` by default) is missing
here too, and a level seen in training but pooled (an axis's ``pooled_levels``) is known: only
levels never seen in training are flagged ``unseen_level``.
"""

from __future__ import annotations

import json
from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

try:  # the copy shipped with the model (code_paths) ...
    import tablescore
except ImportError:  # pragma: no cover - ... or the installed package, when run from source
    from risk_models.scoring import tablescore


class ShapeTableModel(PythonModel):
    """pyfunc wrapper of an exported student: scores, decision and reason codes per row."""

    def load_context(self, context: Any) -> None:
        key = "shape_table" if "shape_table" in context.artifacts else "rule_set"
        with open(context.artifacts[key], encoding="utf-8") as fh:
            self.document = json.load(fh)
        self.model = tablescore.compile_model(self.document)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        params = dict(params or {})
        k = int(params.get("k", 4))
        on_invalid = str(params.get("on_invalid", "flag"))
        if on_invalid not in tablescore.POLICIES:
            raise ValueError(f"on_invalid must be one of {list(tablescore.POLICIES)}")
        cutoff = params.get("cutoff")
        cut = tablescore.resolve_cutoff(
            self.model.metadata, None if cutoff is None else float(cutoff)
        )
        frame = pd.DataFrame(model_input)
        missing = [f for f in self.model.input_kinds if f not in frame.columns]
        if missing:
            raise ValueError(f"input is missing feature column(s) {missing} that the model needs")
        chunk = tablescore.score_chunk(self.model, frame, k=k, on_invalid="flag", cutoff=cut)
        out = tablescore.plain_frame(chunk.table)
        if on_invalid == "reject":
            bad = chunk.problems.any_row()
            if bad.any():
                scored = [c for c in out.columns if c != "flags"]
                out.loc[bad, scored] = None
                out.loc[bad, "flags"] = "rejected: " + out.loc[bad, "flags"].astype(str)
        out.index = frame.index
        return out


mlflow.models.set_model(ShapeTableModel())
