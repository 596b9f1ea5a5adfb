"""Scoring an exported student needs neither Torch nor the boosting libraries, nor risk_models."""

import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.scoring.tablescore import compile_model, output_columns, plain_frame, score_chunk
from risk_models.students.shape_table import Axis, ShapeTable, Term

LIGHT_PACKAGES = ("numpy", "pandas", "pyarrow")


def test_scoring_path_imports_no_heavy_library(tmp_path) -> None:
    code = f"""
import sys, json
import numpy as np, pandas as pd
from risk_models.students.shape_table import Axis, ShapeTable, Term
from risk_models.students.rules import RuleSet
import risk_models.tracking.pyfunc_model  # what MLflow executes when it loads the model
import risk_models.scoring.batch
axis = Axis("x", "numeric", edges=(1.0,))
t = ShapeTable(0.5, (Term("x", (axis,), np.array([0.1, 0.2, 0.0])),), ("x",))
t.save(r"{tmp_path / "t.json"}")
p = ShapeTable.load(r"{tmp_path / "t.json"}").predict_proba(pd.DataFrame({{"x": [0.0, 2.0]}}))
print(json.dumps({{m: m in sys.modules for m in ("torch", "xgboost", "lightgbm", "sklearn")}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {"torch": False, "xgboost": False, "lightgbm": False, "sklearn": False}


def test_shipped_scorer_imports_nothing_from_risk_models() -> None:
    folder = Path(__file__).resolve().parents[2] / "risk_models" / "scoring" / "tablescore"
    files = sorted(folder.glob("*.py"))
    assert len(files) >= 6
    for f in files:
        assert not re.search(r"^\s*(from|import) risk_models", f.read_text(), re.M), f.name


def _card() -> ShapeTable:
    age = Axis("age", "numeric", edges=(30.0, 50.0))
    region = Axis("region", "categorical", levels=("north", "south"))
    return ShapeTable(
        -1.0,
        (
            Term("age", (age,), np.array([0.4, 0.1, -0.2, 0.0])),
            Term("region", (region,), np.array([0.2, -0.1, 0.0, 0.3])),
        ),
        ("age", "region"),
        {"points_factor": 28.85, "points_base": 500, "points": {"age": [0, 9, 17, 12],
         "region": [0, 9, 6, 0]}},
    )  # fmt: skip


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"age": np.array([25, 41, 70, 33], dtype=np.int64),
                         "region": ["north", "south", "mars", None]})  # fmt: skip


@pytest.fixture
def logged(mlflow_uri, tmp_path):
    """``_card()`` logged (without registering) and as version 1 of ``card``."""
    import mlflow

    from risk_models.tracking.mlflow_model import log_student_model

    mlflow.set_tracking_uri(mlflow_uri)
    mlflow.set_registry_uri(mlflow_uri)
    exp = mlflow.MlflowClient().create_experiment("light", artifact_location=f"{tmp_path}/art")
    mlflow.set_experiment(experiment_id=exp)
    rows = pd.concat([_frame()] * 10, ignore_index=True)
    with mlflow.start_run():
        plain = log_student_model(_card(), name="model", input_example=rows)
        reg = log_student_model(_card(), name="model2", input_example=rows,
                                registered_model_name="card")  # fmt: skip
    return plain, reg


def test_pyfunc_scores_int64_inputs_with_the_score_columns(logged) -> None:
    import mlflow

    plain, reg = logged
    assert plain.registered_model_version is None and str(reg.registered_model_version) == "1"
    model = mlflow.pyfunc.load_model("models:/card/1")
    X = _frame()
    out = model.predict(X)
    assert list(out.columns) == output_columns(4)
    want = plain_frame(score_chunk(compile_model(_card().to_dict()), X, on_invalid="flag").table)
    pd.testing.assert_frame_equal(out.reset_index(drop=True), want)
    assert out["points"].tolist() == [500 + 0 + 0, 500 + 9 + 9, 500 + 17 + 0, 500 + 9 + 6]
    assert out["flags"].tolist()[2] == "unseen_level:region"
    refused = model.predict(X, params={"on_invalid": "reject", "k": 1})
    assert np.isnan(refused["probability"][2]) and refused["flags"][2].startswith("rejected: ")
    local = Path(mlflow.artifacts.download_artifacts("models:/card/1"))
    reqs = (local / "requirements.txt").read_text().split()
    assert sorted(r.split("==")[0] for r in reqs) == ["mlflow", *LIGHT_PACKAGES]
    assert (local / "code" / "tablescore" / "table.py").is_file()
    meta = json.loads((local / "artifacts" / "shape_table.json").read_text())["metadata"]
    assert meta["cutoff"]["pd"] == 0.5 and sum(meta["score_baseline"]["counts"]) == 40


@pytest.mark.slow
def test_fresh_venv_with_only_mlflow_numpy_pandas_pyarrow_scores(
    logged, mlflow_uri, tmp_path
) -> None:
    import importlib.metadata

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    pins = [f"mlflow=={importlib.metadata.version('mlflow')}", *LIGHT_PACKAGES]
    subprocess.run([str(py), "-m", "pip", "install", "-q", *pins], check=True, timeout=1500)
    script = textwrap.dedent(f"""
        import importlib.util, json, sys
        import mlflow, numpy as np, pandas as pd
        mlflow.set_tracking_uri({mlflow_uri!r}); mlflow.set_registry_uri({mlflow_uri!r})
        model = mlflow.pyfunc.load_model("models:/card/1")
        X = pd.DataFrame({{"age": np.array([25, 41, 70, 33], dtype=np.int64),
                          "region": ["north", "south", "mars", None]}})
        out = model.predict(X)
        absent = [m for m in ("risk_models", "torch", "xgboost", "lightgbm")
                  if importlib.util.find_spec(m) is not None]
        print(json.dumps({{"out": out.to_json(orient="split", double_precision=15),
                          "installed": absent}}))
    """)
    done = subprocess.run([str(py), "-c", script], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    res = json.loads(done.stdout.strip().splitlines()[-1])
    assert res["installed"] == []
    got = pd.read_json(io.StringIO(res["out"]), orient="split")
    want = plain_frame(
        score_chunk(compile_model(_card().to_dict()), _frame(), on_invalid="flag").table
    )
    np.testing.assert_allclose(got["probability"], want["probability"], rtol=0, atol=1e-12)
    assert got["reason_1"].tolist() == want["reason_1"].tolist()
