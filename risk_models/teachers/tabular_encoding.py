"""Target checks and tabular preprocessing for neural teachers, stored as plain JSON.

Numeric features are median-imputed, get a missing-indicator column when they had any NaN
in training, and are standardised. Categorical features become integer codes for an
``nn.Embedding``: index 0 is shared by missing values, levels seen fewer than
``MIN_LEVEL_COUNT`` times in training (pooled, so their rows train that row of the embedding)
and levels unseen in training (which thus get the pooled rare levels' embedding, not an
untrained one).

With ``numeric_encoding="piecewise_linear"`` each numeric feature is instead expanded into its
piecewise-linear encoding over training quantile bins (Gorishniy, Rubachev and Babenko 2022,
"On Embeddings for Numerical Features in Tabular Deep Learning"): for bin ``t`` with edges
``[b_t, b_{t+1})`` the component is 0 below the bin, 1 above it and the fraction of the bin
covered in between (the outer bins extrapolate linearly). Heavy-tailed amounts and
few-valued ordinal codes then reach the network on a scale where one unit means one quantile
step, which lets an MLP learn the step-like effects that trees find easily. Each component is
standardised on the training rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from risk_models.data.inputs import is_categorical

__all__ = [
    "MIN_LEVEL_COUNT",
    "NUMERIC_ENCODINGS",
    "TabularEncoder",
    "check_binary_target",
    "check_sample_weight",
    "check_soft_target",
]

#: Training rows a categorical level needs for an embedding row of its own.
MIN_LEVEL_COUNT = 10


def check_binary_target(values: Any, n: int, what: str = "y") -> np.ndarray:
    """Validate hard labels: ``n`` values, no missing, only 0 and 1; returns int64."""
    arr = np.asarray(values).ravel()
    if arr.shape[0] != n:
        raise ValueError(f"{what} has {arr.shape[0]} rows, X has {n}")
    if pd.isna(arr).any():
        raise ValueError(f"{what} has {int(pd.isna(arr).sum())} missing value(s)")
    bad = ~np.isin(arr, [0, 1])
    if bad.any():
        shown = pd.unique(pd.Series(arr[bad])).tolist()[:5]
        raise ValueError(f"{what} must be binary 0/1; found other values {shown}")
    return arr.astype(np.int64)


def check_soft_target(values: Any, n: int) -> np.ndarray:
    """Validate soft targets: ``n`` probabilities in [0, 1]; returns float64."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.shape[0] != n:
        raise ValueError(f"soft_target has {arr.shape[0]} rows, X has {n}")
    bad = ~((arr >= 0) & (arr <= 1))  # also catches NaN
    if bad.any():
        raise ValueError(f"soft_target must lie in [0, 1]; {int(bad.sum())} value(s) do not")
    return arr


def check_sample_weight(values: Any, n: int) -> np.ndarray:
    """Validate sample weights: ``n`` finite values >= 0, not all zero; returns float64."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.shape[0] != n:
        raise ValueError(f"sample_weight has {arr.shape[0]} rows, X has {n}")
    if not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
        raise ValueError("sample_weight must be finite, >= 0 and not all zero")
    return arr


def _numeric_values(col: pd.Series, name: str) -> np.ndarray:
    """Column as float64 with NaN for missing; rejects non-numeric and infinite values."""
    dtype = col.dtype
    if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
        raise ValueError(
            f"column {name!r} must be numeric (it was numeric in training), got dtype {dtype}"
        )
    values = col.to_numpy(dtype="float64", na_value=np.nan)
    n_inf = int(np.isinf(values).sum())
    if n_inf:
        raise ValueError(
            f"column {name!r} has {n_inf} infinite value(s); replace them with NaN "
            "(missing) or a finite value"
        )
    return values


NUMERIC_ENCODINGS = ("standard", "piecewise_linear")


def _n_components(spec: dict[str, Any]) -> int:
    """Input columns of one numeric feature: 1, or its number of bins (at least 1)."""
    return max(len(spec["edges"]) - 1, 1) if "edges" in spec else 1


def _piecewise_linear(values: np.ndarray, edges: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """Piecewise-linear encoding, shape ``(n, n_bins)``; a feature with a single training
    value (one edge) becomes one standardised column instead."""
    if len(edges) < 2:
        return ((values - spec["mean"]) / spec["std"])[:, None]
    lo, hi = edges[:-1], edges[1:]
    frac = (values[:, None] - lo) / (hi - lo)
    comps = np.clip(frac, 0.0, 1.0)
    comps[:, 0] = np.minimum(frac[:, 0], 1.0)  # below the first edge: extrapolate
    comps[:, -1] = np.maximum(frac[:, -1], 0.0) if len(lo) > 1 else frac[:, -1]
    return comps


def _category_codes(col: pd.Series, mapping: dict[str, int]) -> np.ndarray:
    """Map a column's values to embedding indices; NaN and unknown levels map to 0."""
    cat = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
    lookup = np.array([mapping.get(str(level), 0) for level in cat.cat.categories] + [0])
    codes = cat.cat.codes.to_numpy()  # -1 for missing -> the trailing 0 in ``lookup``
    return lookup[codes].astype(np.int64)


class TabularEncoder:
    """Learnt numeric and categorical preprocessing with a JSON round-trip.

    Attributes (after :meth:`fit`)
    ------------------------------
    feature_names : list of str
        Feature columns in model order.
    dtypes : dict
        Training dtype of each feature, as a string.
    numeric : list of dict
        Per numeric feature: ``name``, ``median``, ``mean``, ``std`` (of the imputed
        values; 0 replaced by 1) and ``missing_indicator`` (had NaN in training); with
        piecewise-linear encoding also ``edges`` (sorted distinct training quantiles, each an
        observed value, so a few-valued code gets one bin per step) and
        ``component_mean`` / ``component_std`` (one per bin).
    categorical : list of dict
        Per categorical feature: ``name`` and ``mapping`` (level string -> index >= 1),
        for the levels seen at least ``min_level_count`` times.
    """

    def __init__(
        self,
        numeric_encoding: str = "standard",
        n_bins: int = 16,
        min_level_count: int = MIN_LEVEL_COUNT,
    ) -> None:
        if numeric_encoding not in NUMERIC_ENCODINGS:
            raise ValueError(
                f"numeric_encoding must be one of {list(NUMERIC_ENCODINGS)}, "
                f"got {numeric_encoding!r}"
            )
        if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
            raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}")
        self.numeric_encoding = numeric_encoding
        self.n_bins = int(n_bins)
        self.min_level_count = int(min_level_count)
        self.feature_names: list[str] = []
        self.dtypes: dict[str, str] = {}
        self.numeric: list[dict[str, Any]] = []
        self.categorical: list[dict[str, Any]] = []

    # -- learning -----------------------------------------------------------------------
    def fit(self, X: pd.DataFrame) -> TabularEncoder:
        """Learn imputation, scaling and level mappings from a training frame."""
        self.feature_names = [str(c) for c in X.columns]
        self.dtypes = {name: str(X[name].dtype) for name in self.feature_names}
        self.numeric, self.categorical = [], []
        for name in self.feature_names:
            col = X[name]
            if is_categorical(col):
                self.categorical.append({"name": name, "mapping": self._levels(col)})
                continue
            if not (
                pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)
            ):
                raise ValueError(
                    f"column {name!r} has unsupported dtype {col.dtype}; use float64 for "
                    "numeric features or 'category' for categorical ones"
                )
            values = _numeric_values(col, name)
            missing = np.isnan(values)
            median = float(np.median(values[~missing])) if (~missing).any() else 0.0
            imputed = np.where(missing, median, values)
            std = float(imputed.std())
            spec: dict[str, Any] = {
                "name": name,
                "median": median,
                "mean": float(imputed.mean()),
                "std": std if std > 0 and np.isfinite(std) else 1.0,
                "missing_indicator": bool(missing.any()),
            }
            if self.numeric_encoding == "piecewise_linear":
                observed = values[~missing] if (~missing).any() else np.zeros(1)
                grid = np.linspace(0.0, 1.0, self.n_bins + 1)
                edges = np.unique(np.quantile(observed, grid, method="lower"))
                spec["edges"] = edges.tolist()
                components = _piecewise_linear(imputed, edges, spec)
                comp_std = components.std(axis=0)
                spec["component_mean"] = components.mean(axis=0).tolist()
                spec["component_std"] = np.where(comp_std > 0, comp_std, 1.0).tolist()
            self.numeric.append(spec)
        return self

    def _levels(self, col: pd.Series) -> dict[str, int]:
        """Level -> embedding index (>= 1) of the levels seen at least ``min_level_count``
        times (categories in their order, other values sorted); rarer levels share index 0."""
        keep = max(int(self.min_level_count), 1)
        if isinstance(col.dtype, pd.CategoricalDtype):
            counts = col.value_counts(sort=False, dropna=True)
            levels = [str(level) for level, n in counts.items() if n >= keep]
        else:
            counts = col.dropna().astype(str).value_counts()
            levels = sorted(str(v) for v, n in counts.items() if n >= keep)
        return {level: i + 1 for i, level in enumerate(dict.fromkeys(levels))}

    # -- applying -----------------------------------------------------------------------
    @property
    def n_numeric_inputs(self) -> int:
        """Width of the numeric block: scaled features (or their bin components) plus
        missing indicators."""
        width = sum(_n_components(spec) for spec in self.numeric)
        return width + sum(spec["missing_indicator"] for spec in self.numeric)

    @property
    def cardinalities(self) -> list[int]:
        """Number of embedding rows per categorical feature (levels + the 0 slot)."""
        return [len(spec["mapping"]) + 1 for spec in self.categorical]

    def check_columns(self, X: pd.DataFrame) -> None:
        """Raise ``ValueError`` naming every fitted feature column that ``X`` lacks."""
        present = set(X.columns)
        missing = [name for name in self.feature_names if name not in present]
        if missing:
            raise ValueError(f"X is missing {len(missing)} fitted feature column(s): {missing}")

    def transform(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Encode a frame into model inputs.

        Returns
        -------
        numeric : ndarray of float32, shape (n, n_numeric_inputs)
        codes : ndarray of int64, shape (n, n_categorical)
        """
        self.check_columns(X)
        n = len(X)
        scaled, indicators = [], []
        for spec in self.numeric:
            values = _numeric_values(X[spec["name"]], spec["name"])
            missing = np.isnan(values)
            values = np.where(missing, spec["median"], values)
            if "edges" in spec:
                comps = _piecewise_linear(values, np.asarray(spec["edges"]), spec)
                mean, std = np.asarray(spec["component_mean"]), np.asarray(spec["component_std"])
                scaled.extend(((comps - mean) / std).T)
            else:
                scaled.append((values - spec["mean"]) / spec["std"])
            if spec["missing_indicator"]:
                indicators.append(missing.astype(np.float64))
        blocks = scaled + indicators
        numeric = np.column_stack(blocks) if blocks else np.empty((n, 0))
        codes = [_category_codes(X[spec["name"]], spec["mapping"]) for spec in self.categorical]
        cat = np.column_stack(codes) if codes else np.empty((n, 0), dtype=np.int64)
        return numeric.astype(np.float32), cat.astype(np.int64)

    # -- JSON round-trip ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able state."""
        return {
            "numeric_encoding": self.numeric_encoding,
            "n_bins": self.n_bins,
            "feature_names": list(self.feature_names),
            "dtypes": dict(self.dtypes),
            "numeric": [dict(spec) for spec in self.numeric],
            "categorical": [
                {"name": spec["name"], "mapping": dict(spec["mapping"])}
                for spec in self.categorical
            ],
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> TabularEncoder:
        """Rebuild from :meth:`to_dict` output; ``KeyError``/``ValueError`` if malformed."""
        enc = cls(state.get("numeric_encoding", "standard"), state.get("n_bins", 16))
        enc.feature_names = [str(n) for n in state["feature_names"]]
        enc.dtypes = {str(k): str(v) for k, v in state["dtypes"].items()}
        enc.numeric = []
        for spec in state["numeric"]:
            one: dict[str, Any] = {
                "name": str(spec["name"]),
                "median": float(spec["median"]),
                "mean": float(spec["mean"]),
                "std": float(spec["std"]),
                "missing_indicator": bool(spec["missing_indicator"]),
            }
            if "edges" in spec:
                one["edges"] = [float(v) for v in spec["edges"]]
                one["component_mean"] = [float(v) for v in spec["component_mean"]]
                one["component_std"] = [float(v) for v in spec["component_std"]]
                widths = {len(one["component_mean"]), len(one["component_std"])}
                if widths != {_n_components(one)}:
                    raise ValueError(f"piecewise-linear spec of {one['name']!r} is inconsistent")
            enc.numeric.append(one)
        enc.categorical = []
        for spec in state["categorical"]:
            mapping = {str(k): int(v) for k, v in spec["mapping"].items()}
            if sorted(mapping.values()) != list(range(1, len(mapping) + 1)):
                raise ValueError(f"category mapping of {spec['name']!r} is not 1..{len(mapping)}")
            enc.categorical.append({"name": str(spec["name"]), "mapping": mapping})
        known = {s["name"] for s in enc.numeric} | {s["name"] for s in enc.categorical}
        if known != set(enc.feature_names):
            raise ValueError("numeric and categorical specs do not cover feature_names")
        return enc
