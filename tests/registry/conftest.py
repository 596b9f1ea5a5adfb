"""A registry with gated versions of one model, built once per module and copied per test.

Versions are real MLflow logged models (``log_student_model`` of a small :class:`ShapeTable`
inside a ``students.<name>`` run) registered through ``register_version``. The test rows are a
1-feature book whose log-odds rise with ``x``; tables differ in how well they rank it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from risk_models.students.shape_table import Axis, ShapeTable, Term

MODEL = "credit-student"
EDGES = (-1.0, 0.0, 1.0)


def table(
    values: tuple[float, ...], edges: tuple[float, ...] = EDGES, intercept: float = -0.5
) -> ShapeTable:
    """A one-term table over ``x``: ``len(edges) + 1`` bins and a missing cell."""
    term = Term("x", (Axis("x", "numeric", edges),), np.array([*values, 0.0]))
    return ShapeTable(intercept, (term,), ("x",))


GOOD = table((-2.0, -0.7, 0.7, 2.0))
BETTER = table((-3.0, -2.0, -1.0, -0.3, 0.3, 1.0, 2.0, 3.0), (-1.5, -1, -0.5, 0, 0.5, 1, 1.5))
WORSE = table((-0.5, 0.5, -0.5, 0.5))


def book_rows(seed: int = 0, n: int = 600) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.random(n) < expit(2.0 * x - 0.5)).astype(int)
    return pd.DataFrame({"x": x}), y


def passing_report(student: str) -> dict[str, Any]:
    return {
        "student": student,
        "passed": True,
        "checks": [
            {"name": "auc", "value": 0.8, "threshold": 0.6, "comparison": ">=", "passed": True}
        ],
    }


@dataclass(frozen=True)
class Store:
    """A throwaway tracking + registry store."""

    uri: str
    root: Path
    client: Any
    experiment_id: str


def connect(uri: str, root: Path, artifact_location: str | None = None) -> Store:
    """A store at ``uri`` (set as MLflow's global URIs too: model logging is fluent)."""
    import mlflow

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = mlflow.MlflowClient(uri, uri)
    exp = client.get_experiment_by_name("registry-tests")
    exp_id = (
        exp.experiment_id
        if exp is not None
        else client.create_experiment("registry-tests", artifact_location=artifact_location)
    )
    return Store(uri, root, client, str(exp_id))


def open_store(root: Path, db: Path) -> Store:
    """A SQLite store ``db`` with artifacts under ``root/art``."""
    return connect(f"sqlite:///{db}", root, (root / "art").as_uri())


def add_version(
    store: Store,
    model: ShapeTable,
    *,
    student: str,
    seed: int = 0,
    digest: str = "digest-a",
    log_rows: bool = True,
    features: bool = True,
    register: bool = True,
    extra_tags: dict[str, str] | None = None,
    logged_logits_of: ShapeTable | None = None,
) -> str:
    """Log ``model`` in a new student run (test metrics, optional test rows) and register it."""
    import mlflow

    from risk_models.evaluation.metrics import classification_metrics
    from risk_models.registry import log_test_scores, register_version
    from risk_models.tracking.mlflow_model import log_student_model
    from risk_models.tracking.runs import log_metrics

    client = store.client
    X, y = book_rows(seed)
    run = client.create_run(store.experiment_id, run_name=f"students.{student}")
    run_id = run.info.run_id
    logit = model.predict_logit(X)
    log_metrics(client, run_id, "test", classification_metrics(y, expit(logit)))
    if log_rows:
        log_test_scores(
            client,
            run_id,
            y=y,
            logit=(logged_logits_of or model).predict_logit(X),
            features=X if features else None,
            row_ids=range(len(y)),
        )
    with mlflow.start_run(run_id=run_id):
        info = log_student_model(model, name="model", input_example=X)
    client.set_terminated(run_id)
    if not register:
        return str(info.model_uri)
    tags = {
        "risk_models.student": student,
        "risk_models.student_kind": "gam",
        "risk_models.digest.test": digest,
        **(extra_tags or {}),
    }
    return register_version(
        client,
        MODEL,
        info.model_uri,
        run_id=run_id,
        tags=tags,
        gate_report=passing_report(student),
        actor="builder",
    )


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """v1 GOOD, v2 BETTER, v3 WORSE (all with test rows, digest-a), v4 GOOD without rows,
    digest-b; v5 BETTER without rows, digest-a. Challenger ends on v5."""
    import mlflow

    root = tmp_path_factory.mktemp("registry")
    before = mlflow.get_tracking_uri()
    store = open_store(root, root / "base.db")
    try:
        add_version(store, GOOD, student="good")
        add_version(store, BETTER, student="better")
        add_version(store, WORSE, student="worse")
        add_version(store, GOOD, student="norows", digest="digest-b", log_rows=False)
        add_version(store, BETTER, student="norows2", log_rows=False)
    finally:
        mlflow.set_tracking_uri(before)
    return store


@pytest.fixture
def store(base_store: Store, tmp_path: Path) -> Any:
    """A private copy of the base registry (artifacts are shared, read-only)."""
    import mlflow

    db = tmp_path / "copy.db"
    shutil.copyfile(Path(base_store.uri.removeprefix("sqlite:///")), db)
    before = mlflow.get_tracking_uri()
    copy = open_store(base_store.root, db)
    yield replace(copy, root=base_store.root)
    mlflow.set_tracking_uri(before)
