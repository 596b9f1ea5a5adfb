"""An EBM-style additive teacher member: boosted shape functions (plus a few pairs) on 0/1 labels.

On small or mostly additive books (Statlog German: 1,000 rows) a cyclically boosted additive
model with pair terms, bagged, is what wins (that is EBM); tree ensembles and MLPs overfit
there. This member is the project's own GAM / GA2M (:class:`~risk_models.students.ga2m.
GA2MStudent`, hard labels, early stopping on the member's stop rows) used as a teacher. In a
cross-fitted ensemble (``ensemble.cv_folds >= 2``) each fold fits one, so the member is a bag
of ``cv_folds`` additive models whose mean is itself additive, like EBM's outer bags; the
ensemble's fitted weights decide how much it counts.

Stored as the exported shape table (JSON, the same safe format students ship in) plus a small
metadata file; ``decision_function`` scores with that table, so a loaded member gives the same
log-odds as the fitted one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from risk_models.atomic import atomic_write_text, read_json
from risk_models.base import LogOddsClassifierMixin
from risk_models.errors import ModelFormatError
from risk_models.params import validate_estimator_params
from risk_models.teachers import param_specs

META_FILE = "teacher.json"
TABLE_FILE = "shape_table.json"


class AdditiveTeacher(LogOddsClassifierMixin, BaseEstimator):
    """GAM (``n_pairs=0``) or GA2M fitted on hard labels, scored through its shape table.

    Parameters
    ----------
    n_estimators, learning_rate, max_bin, min_child_weight, reg_lambda,
    early_stopping_rounds, min_level_count :
        as :class:`~risk_models.students.gam.GAMStudent` (the additive stage).
    n_pairs, pair_max_bin, pair_patience :
        as :class:`~risk_models.students.ga2m.GA2MStudent`; ``n_pairs`` is a ceiling, pairs
        are kept while they lower the stop rows' loss.
    device, random_state : as the students.

    Fitted attributes: ``table_`` (the :class:`~risk_models.students.shape_table.ShapeTable`),
    ``n_trees_`` (additive-stage rounds), ``n_pairs_`` (pairs kept), ``device_``.
    """

    kind = "additive"
    _parameter_constraints = param_specs.ADDITIVE

    def __init__(
        self,
        n_estimators: int = 5000,
        learning_rate: float = 0.02,
        max_bin: int = 32,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 200,
        min_level_count: int = 20,
        n_pairs: int = 10,
        pair_max_bin: int = 16,
        pair_patience: int = 2,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_bin = max_bin
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.min_level_count = min_level_count
        self.n_pairs = n_pairs
        self.pair_max_bin = pair_max_bin
        self.pair_patience = pair_patience
        self.device = device
        self.random_state = random_state

    def _student(self) -> Any:
        """The GAM (``n_pairs=0``) or GA2M student these params describe."""
        from risk_models.students.ga2m import GA2MStudent
        from risk_models.students.gam import GAMStudent

        cls = GAMStudent if self.n_pairs == 0 else GA2MStudent
        names = set(cls._get_param_names())
        return cls(**{k: v for k, v in self.get_params().items() if k in names})

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
    ) -> AdditiveTeacher:
        """Fit on 0/1 (or soft) labels ``y``; ``eval_set`` early-stops and cuts the pair path."""
        validate_estimator_params(self)
        student = self._student().fit(X, y, eval_set=eval_set, sample_weight=sample_weight)
        self.table_ = student.export()
        self.n_trees_ = int(getattr(student, "n_trees_", 0))
        self.n_pairs_ = len(getattr(student, "pairs_", ()) or ())
        self.device_ = str(getattr(student, "device_", "cpu"))
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds from the shape table."""
        check_is_fitted(self, "table_")
        return np.asarray(self.table_.predict_logit(X), dtype=np.float64)

    def save(self, directory: str | Path) -> Path:
        """``shape_table.json`` and ``teacher.json`` under ``directory``."""
        check_is_fitted(self, "table_")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.table_.save(directory / TABLE_FILE)
        meta = {
            "kind": self.kind,
            "params": self.get_params(),
            "feature_names": list(self.feature_names_in_),
            "n_trees": self.n_trees_,
            "n_pairs": self.n_pairs_,
            "device": self.device_,
        }
        atomic_write_text(directory / META_FILE, json.dumps(meta, indent=1))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> AdditiveTeacher:
        from risk_models.students.shape_table import ShapeTable

        directory = Path(directory)
        path = directory / META_FILE
        meta = read_json(path, "teacher metadata")
        if meta.get("kind") != cls.kind:
            raise ModelFormatError(
                f"{path}: holds a {meta.get('kind')!r} teacher, not {cls.kind!r}"
            )
        model = cls(**meta["params"])
        model.table_ = ShapeTable.load(directory / TABLE_FILE)
        model.n_trees_ = int(meta["n_trees"])
        model.n_pairs_ = int(meta["n_pairs"])
        model.device_ = str(meta.get("device", "cpu"))
        model.feature_names_in_ = np.asarray(meta["feature_names"], dtype=object)
        model.n_features_in_ = len(model.feature_names_in_)
        model.classes_ = np.array([0, 1])
        return model
