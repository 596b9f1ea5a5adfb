"""Scoring an exported student needs neither Torch nor the boosting libraries."""

import json
import subprocess
import sys


def test_scoring_path_imports_no_heavy_library(tmp_path) -> None:
    code = f"""
import sys, json
import numpy as np, pandas as pd
from risk_models.students.shape_table import Axis, ShapeTable, Term
from risk_models.students.rules import RuleSet
import risk_models.tracking.pyfunc_model  # what MLflow executes when it loads the model
axis = Axis("x", "numeric", edges=(1.0,))
t = ShapeTable(0.5, (Term("x", (axis,), np.array([0.1, 0.2, 0.0])),), ("x",))
t.save(r"{tmp_path / "t.json"}")
p = ShapeTable.load(r"{tmp_path / "t.json"}").predict_proba(pd.DataFrame({{"x": [0.0, 2.0]}}))
print(json.dumps({{m: m in sys.modules for m in ("torch", "xgboost", "lightgbm", "sklearn")}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {"torch": False, "xgboost": False, "lightgbm": False, "sklearn": False}
