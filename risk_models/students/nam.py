"""Neural additive model (NAM) student: one small network per feature, exported to a table.

The trainer and the exported :class:`ShapeTable` agree by construction. At fit, every feature
gets one :class:`Axis` (quantile edges for numerics, levels for categoricals), and a row
reaches the model only as its cell indices on those axes (``Axis.index``, the same call the
table makes). Each shape function is therefore only ever evaluated on a finite set of cells:

* numeric feature: a network ``f_j`` of the bin's representative value (median of the training
  values in the bin, standardised); the missing bin is a learned offset. A declared monotone
  feature has its ordered bins built as a cumulative sum of non-negative (softplus)
  increments times the direction, so it is exactly monotone; its missing bin stays free;
* categorical feature: one learned value per level (an embedding of width 1: a network on a
  one-hot input can express exactly this table and nothing more); missing is learned when
  training rows are missing, and unknown levels score 0;
* pair ``(a, b)``: a network of both features' cell encodings evaluated on the grid of cells.

Every term is centred on its training-weighted mean (moved into the intercept), and cells that
no training row reached (unknown levels, a missing bin never seen, the value bins of a
numeric feature that was always missing) score 0. Export evaluates the module once, in
float64, on all cells; ``trainer_logit`` runs the same module's forward pass on rows, so the
two agree to float64 rounding.

Training runs in float32 on ``device_`` with the distillation loss of
:mod:`risk_models.distill.loss`; afterwards the module is kept on the CPU in float64.

The pieces live in private modules: the cell layout in :mod:`._nam_cells`, the Torch module in
:mod:`._nam_network`, the training loop and loss in :mod:`._nam_training`.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.special import expit
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from risk_models.data.inputs import check_fit_inputs, check_frame, is_categorical
from risk_models.data.split import holdout_split
from risk_models.device import resolve_device
from risk_models.distill.loss import teacher_logit
from risk_models.params import validate_estimator_params
from risk_models.students import param_specs
from risk_models.students._nam_cells import (
    Feature,
    build_features,
    cut_terms,
    index_cells,
    layout_cells,
    pair_frequencies,
)
from risk_models.students._nam_network import NAMNet
from risk_models.students._nam_training import TrainSettings, torch_distillation_loss, train_module
from risk_models.students.monotonicity import verify_monotone
from risk_models.students.protocol import DistilledStudent
from risk_models.students.shape_table import ShapeTable

__all__ = ["NAMStudent", "torch_distillation_loss"]

log = logging.getLogger(__name__)


# -- the estimator --------------------------------------------------------------------------
class NAMStudent(DistilledStudent):
    """Neural additive model distilled from soft labels, exported to a :class:`ShapeTable`.

    Parameters
    ----------
    hidden_sizes : widths of each feature network's hidden layers (ReLU).
    n_bins : most bins per numeric feature (quantile edges; the missing bin comes on top).
    pairs : ``(feature_a, feature_b)`` pairs that get a pair network (a 2-D term ``"a x b"``).
    dropout : dropout inside the networks (masks drawn per cell and batch).
    feature_dropout : probability of dropping a term's contribution per row while training.
    output_penalty : weight of the mean squared per-term contribution in the loss.
    weight_decay, learning_rate : AdamW settings.
    batch_size, max_epochs : training loop.
    patience : epochs without a lower validation log loss before stopping; the best epoch's
        weights are kept.
    alpha : weight of the hard-label cross-entropy; ``1 - alpha`` goes to the soft term.
    temperature : distillation temperature ``T`` (the soft term is scaled by ``T^2``).
    monotone : feature -> +1 (risk rises with the value) or -1; numeric features only.
    device : ``"auto"`` (CUDA when present), ``"cuda"`` (falls back to CPU) or ``"cpu"``.
    random_state : seed for initialisation, shuffling, dropout and the holdout split.

    Attributes
    ----------
    shape_table_ : ShapeTable — the exported model; ``decision_function`` scores with it.
    axes_ : tuple of Axis, one per feature.
    module_ : the trained Torch module, on the CPU in float64 (for ``trainer_logit``).
    module_state_ : its ``state_dict``.
    device_ : device used for training, ``"cuda"`` or ``"cpu"``.
    history_ : ``{"epoch", "train_loss", "valid_loss"}`` per epoch.
    best_epoch_ : 1-based epoch whose weights were kept.
    classes_, feature_names_in_, n_features_in_ : scikit-learn conventions.
    """

    kind = "nam"
    _parameter_constraints = param_specs.NAM

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] = (32, 16),
        n_bins: int = 64,
        pairs: tuple[tuple[str, str], ...] = (),
        dropout: float = 0.0,
        feature_dropout: float = 0.0,
        output_penalty: float = 1e-4,
        weight_decay: float = 1e-5,
        learning_rate: float = 5e-3,
        batch_size: int = 1024,
        max_epochs: int = 60,
        patience: int = 6,
        alpha: float = 0.0,
        temperature: float = 1.0,
        monotone: dict[str, int] | None = None,
        device: str = "auto",
        random_state: int | np.random.RandomState | None = 0,
    ) -> None:
        self.hidden_sizes = hidden_sizes
        self.n_bins = n_bins
        self.pairs = pairs
        self.dropout = dropout
        self.feature_dropout = feature_dropout
        self.output_penalty = output_penalty
        self.weight_decay = weight_decay
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.alpha = alpha
        self.temperature = temperature
        self.monotone = monotone
        self.device = device
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True  # object / string columns are categorical levels
        return tags

    # -- checks ---------------------------------------------------------------------------
    def _check_structure(self, X: pd.DataFrame) -> tuple[dict[str, int], list[tuple[int, int]]]:
        """Validated monotone directions and pairs (as feature positions)."""
        names = list(X.columns)
        numeric = {c for c in names if not is_categorical(X[c])}
        mono = dict(self.monotone or {})
        bad = sorted(set(mono) - numeric, key=str)
        if bad:
            raise ValueError(
                f"monotone constraints given for {bad}, which are not numeric features of X"
            )
        out: list[tuple[int, int]] = []
        for pair in self.pairs:
            unknown = [p for p in pair if p not in names]
            if unknown:
                raise ValueError(f"pair {tuple(pair)!r} names unknown feature(s) {unknown}")
            locked = [p for p in pair if mono.get(p, 0)]
            if locked:
                raise ValueError(
                    f"pair {tuple(pair)!r} involves monotone feature(s) {locked}; "
                    "pair terms cannot carry monotone constraints"
                )
            key = (names.index(pair[0]), names.index(pair[1]))
            if key in out or key[::-1] in out:
                raise ValueError(f"pair {tuple(pair)!r} is listed twice")
            out.append(key)
        return mono, out

    # -- fitting --------------------------------------------------------------------------
    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
    ) -> NAMStudent:
        """Train on the distillation loss; ``soft_target=None`` trains on ``y`` alone.

        ``eval_set=(X_valid, y_valid)`` drives early stopping on the log loss against its
        target (labels, or probabilities). Without it 10% of the rows (stratified on ``y``)
        are held out and scored with the training objective (the distillation loss; plain
        log loss when there are no soft targets or ``alpha == 1``).
        """
        validate_estimator_params(self)
        X = check_frame(X, owner="NAMStudent", min_rows=1)
        mono, pair_pos = self._check_structure(X)
        y01 = self._encode_y(y, len(X), soft_target)
        n = len(X)
        _, weight = check_fit_inputs(X, y01, soft_target, sample_weight)
        weight = np.ones(n) if weight is None else weight
        q_t = None
        soft_target_arr = None if soft_target is None else np.asarray(soft_target, float)
        if soft_target_arr is not None and self.alpha < 1:
            t = teacher_logit(soft_target_arr)
            q_t = expit(t / float(self.temperature))

        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if eval_set is not None:
            if not isinstance(eval_set, (tuple, list)) or len(eval_set) != 2:
                raise ValueError("eval_set must be a pair (X_valid, y_valid)")
            tr = np.arange(n)
            X_va = check_frame(eval_set[0], owner="NAMStudent", columns=list(X.columns), min_rows=1)
            t_va = self._encode_eval_target(eval_set[1], len(X_va))
            q_va = None
        else:
            tr, va = holdout_split((y01 >= 0.5).astype(np.int64), 0.1, rng)
            # The holdout is scored with the training objective: soft targets carry no
            # sampling noise, so early stopping is far steadier than on 10% of hard labels.
            X_va, t_va, q_va = X.iloc[va], y01[va], None if q_t is None else q_t[va]
        X_tr, w_tr = X.iloc[tr], weight[tr]
        if w_tr.sum() <= 0:
            raise ValueError("sample_weight sums to zero on the training rows")
        w_tr = w_tr / w_tr.mean()

        feats = build_features(X_tr, w_tr, int(self.n_bins), mono)
        self.axes_ = tuple(f.axis for f in feats)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.pair_positions_ = tuple(pair_pos)
        self._layout(feats)
        idx_tr = self._flat_index(X_tr)
        pairs = pair_frequencies(X_tr, feats, pair_pos, w_tr)

        target_tr = y01[tr]
        if q_t is None:
            init = target_tr
        else:
            init = self.alpha * target_tr + (1 - self.alpha) * soft_target_arr[tr]
        rate = np.average(init, weights=w_tr)
        base = float(teacher_logit(np.array([rate]), eps=1e-6)[0])
        self.device_ = resolve_device(self.device)
        hidden = tuple(int(h) for h in self.hidden_sizes)
        net, self.history_, self.best_epoch_ = train_module(
            lambda: NAMNet(feats, pairs, hidden, self.dropout, base),
            (idx_tr, target_tr, None if q_t is None else q_t[tr], w_tr),
            (self._flat_index(X_va), t_va, q_va),
            TrainSettings.of(self),
            device=self.device_,
            seed=seed,
        )
        net = net.to("cpu", torch.float64).eval()
        self.module_ = net
        self.module_state_ = {k: v.detach().clone() for k, v in net.state_dict().items()}
        self.shape_table_ = self._export(net, feats, mono)
        verify_monotone(self.shape_table_, mono)  # exact by construction; checked anyway
        log.info("NAMStudent trained on %s (best epoch %d)", self.device_, self.best_epoch_)
        return self

    def _encode_y(self, y: Any, n: int, soft_target: Any) -> np.ndarray:
        """Hard labels as 0/1 floats; sets ``classes_`` (the second class is "bad")."""
        if y is None:
            raise ValueError("requires y to be passed, but the target y is None")
        y_arr = column_or_1d(y, warn=True)
        if np.iscomplexobj(y_arr):
            raise ValueError("Complex data not supported")
        if len(y_arr) != n:
            raise ValueError(f"X has {n} rows but y has {len(y_arr)}")
        if soft_target is not None:
            # Transfer-set rows carry the teacher's probability as their "hard" label.
            y_num = np.asarray(y_arr, dtype=np.float64)
            if not np.all((y_num >= 0) & (y_num <= 1)):
                bad = np.unique(y_num[(y_num < 0) | (y_num > 1) | np.isnan(y_num)])
                raise ValueError(
                    f"y must hold labels or probabilities in [0, 1] (1 = bad) when "
                    f"soft_target is given; found values {bad[:10].tolist()}"
                )
            self.classes_ = np.array([0, 1])
            return y_arr.astype(np.float64)
        kind = type_of_target(y_arr, input_name="y")
        if kind in ("multiclass", "multilabel-indicator", "multiclass-multioutput"):
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind}."
            )
        if kind != "binary":
            raise ValueError(f"Unknown label type: {kind}; NAMStudent needs a binary target")
        classes = np.unique(y_arr)
        if len(classes) < 2:
            raise ValueError(
                f"y has one class ({classes.tolist()}); a classifier needs both classes"
            )
        self.classes_ = classes
        return (y_arr == classes[1]).astype(np.float64)

    def _encode_eval_target(self, t: Any, n: int) -> np.ndarray:
        """Validation target as floats in [0, 1]: labels in ``classes_``, or probabilities."""
        t = column_or_1d(t)
        if len(t) == n and np.isin(t, self.classes_).all():
            return (t == self.classes_[1]).astype(np.float64)
        try:
            out = t.astype(np.float64)
        except (TypeError, ValueError):
            out = np.full(len(t), np.nan)
        if out.shape != (n,) or not np.all((out >= 0) & (out <= 1)):
            raise ValueError(
                f"eval_set target must be {n} labels in {self.classes_.tolist()} "
                "or probabilities in [0, 1]"
            )
        return out

    def _layout(self, feats: list[Feature]) -> None:
        """Where every feature's and pair's cells sit in the module's flat table."""
        width, base, pair_base, size = layout_cells(feats, self.pair_positions_)
        self._width = width
        self._base = base
        self._pair_base = pair_base
        self._n_table = size

    def _flat_index(self, X: pd.DataFrame) -> np.ndarray:
        """``(n, n_terms)`` positions in the module's flat table for every row and term."""
        return index_cells(
            X, self.axes_, self.pair_positions_, self._width, self._base, self._pair_base
        )

    # -- export ---------------------------------------------------------------------------
    def _export(self, net: NAMNet, feats: list[Feature], mono: dict[str, int]) -> ShapeTable:
        """Evaluate the float64 module on every cell once and cut its table into terms."""
        with torch.inference_mode():
            intercept, table = net.tables()
        flat = table.numpy().astype(np.float64)
        terms = cut_terms(
            flat, feats, self.pair_positions_, self._width, self._base, self._pair_base
        )
        meta = {
            "student": "nam",
            "device": self.device_,
            "best_epoch": int(self.best_epoch_),
            "hidden_sizes": [int(h) for h in self.hidden_sizes],
            "alpha": float(self.alpha),
            "temperature": float(self.temperature),
            "monotone": {k: int(v) for k, v in mono.items() if v},
        }
        return ShapeTable(
            float(intercept.detach()), tuple(terms), tuple(f.name for f in feats), meta
        )

    # -- predicting -----------------------------------------------------------------------
    def _frame(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "shape_table_")
        names = list(self.feature_names_in_)
        return check_frame(X, owner="NAMStudent", columns=names, min_rows=1)

    def trainer_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds from the Torch module's forward pass (float64, CPU), for checking the table."""
        X = self._frame(X)
        with torch.inference_mode():
            z, _ = self.module_(torch.as_tensor(self._flat_index(X)))
        return z.numpy().astype(np.float64)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class, from the shape table (NumPy only)."""
        X = self._frame(X)
        return self.shape_table_.predict_logit(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        z = self.decision_function(X)
        return self.classes_[(z > 0).astype(int)]

    def export(self) -> ShapeTable:
        """The exported model: the shape table."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_
