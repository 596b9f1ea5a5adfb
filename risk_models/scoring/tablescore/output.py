"""Score a chunk of rows into the output columns every scoring path shares.

:func:`score_chunk` turns a pandas frame or an Arrow batch into an Arrow table with, per row:
``probability`` (PD), ``logit``, ``points`` (scorecards; null otherwise), ``decision`` at the
model's cut-off, the top-k reasons (``reason_i``, ``reason_i_feature_code``,
``reason_i_feature``, ``reason_i_value``, ``reason_i_bin``, ``reason_i_points``) and ``flags``.
Values the model cannot score faithfully follow the declared policy (:mod:`.policy`). The text
columns are dictionary-encoded (a model has few codes), values are formatted by Arrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .attribution import best_reference, label_index, points_lost, top_k
from .codes import feature_codes, reason_codes_of
from .columns import n_rows
from .policy import Problems, apply_policy, find_problems
from .rules import CompiledRules
from .table import BLOCK, CompiledTable

DEFAULT_CUTOFF_PD = 0.5
REASON_FIELDS = ("", "_feature_code", "_feature", "_value", "_bin", "_points")


def output_columns(k: int) -> list[str]:
    """Names of the scored columns, in order, for ``k`` reasons."""
    cols = ["probability", "logit", "points", "decision"]
    for i in range(1, k + 1):
        cols += [f"reason_{i}{f}" for f in REASON_FIELDS]
    return [*cols, "flags"]


def resolve_cutoff(metadata: dict[str, Any], override: float | None = None) -> dict[str, Any]:
    """The cut-off rows are decided at: ``{"pd": p, "source": ...}``.

    ``override`` (a PD in (0, 1)) wins; then the table's ``metadata["cutoff"]``; then the
    default PD 0.5, the threshold of the students' ``predict`` (decline when bad is the more
    likely outcome). A row is declined when its PD is at or above the cut-off.
    """
    if override is not None:
        return {"pd": float(override), "source": "job option"}
    meta = metadata.get("cutoff")
    if isinstance(meta, dict) and "pd" in meta:
        return {"pd": float(meta["pd"]), "source": str(meta.get("source", "model metadata"))}
    return {"pd": DEFAULT_CUTOFF_PD, "source": "default (PD 0.5, the threshold of predict)"}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """PD from log-odds, as ``ShapeTable.predict_proba`` computes it."""
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Every (feature, bin) label a model can give, flattened: codes, labels, offsets."""

    offsets: np.ndarray  # first position of each feature's bins
    codes: list[str]
    bin_of: np.ndarray  # position -> index into bins
    bins: list[str]
    feature_codes: list[str]
    feature_code_of: np.ndarray  # feature -> index into feature_codes


def catalogue(features: tuple[str, ...], labels: dict[str, list[str]]) -> Catalogue:
    """The catalogue of a model's features and their bin labels (codes unique in the model)."""
    offsets = np.zeros(len(features), dtype=np.intp)
    fcodes = feature_codes(features)
    codes: list[str] = []
    bin_pos: dict[str, int] = {}
    bin_of: list[int] = []
    for j, f in enumerate(features):
        offsets[j] = len(codes)
        labs = labels.get(f, [])
        codes += reason_codes_of(f, labs, fcodes[j])
        bin_of += [bin_pos.setdefault(lab, len(bin_pos)) for lab in labs]
    return Catalogue(
        offsets,
        codes,
        np.asarray(bin_of, dtype=np.intp),
        list(bin_pos),
        fcodes,
        np.arange(len(features), dtype=np.intp),
    )


def model_catalogue(model: CompiledTable | CompiledRules) -> Catalogue:
    cached = getattr(model, "_catalogue", None)
    if cached is not None:
        return cached
    if isinstance(model, CompiledRules):
        labels = {f: model.feature_bins(f)[0] for f in model.features}
    else:
        from .attribution import label_axes

        labels = {f: model.axes[p].labels() for f, p in label_axes(model).items()}
    cat = catalogue(model.features, labels)
    model._catalogue = cat  # type: ignore[union-attr]
    return cat


@dataclass(frozen=True, eq=False)
class ScoredChunk:
    """The scored rows of a chunk (``table``) and which input rows they are.

    ``kept`` marks the input rows scored (``None``: all); ``reject_reason`` holds, for every
    rejected row in input order, its reasons (``"infinite_value:income;unseen_level:region"``).
    """

    table: Any
    kept: np.ndarray | None
    reject_reason: np.ndarray
    logit: np.ndarray
    problems: Problems


def score_chunk(
    model: CompiledTable | CompiledRules,
    data: Any,
    *,
    k: int = 4,
    on_invalid: str = "reject",
    cutoff: dict[str, Any] | None = None,
) -> ScoredChunk:
    """Score ``data`` (pandas frame or Arrow batch): the output columns of :func:`output_columns`.

    Parameters
    ----------
    model : a compiled shape table or rule set.
    data : rows holding every feature the model reads (extra columns are ignored).
    k : reasons per row (0: none).
    on_invalid : ``"reject"`` (rows with ``+-inf``, text in a numeric column, an unseen level or
        an unsupported missing value are left out and reported in ``reject_reason``) or
        ``"flag"`` (scored in the missing/unknown bin, named in ``flags``).
    cutoff : from :func:`resolve_cutoff` (default: the model's).
    """
    import pyarrow as pa

    cut = cutoff or resolve_cutoff(model.metadata)
    n = n_rows(data)
    cols = model.read_columns(data)
    problems = find_problems(model, cols, n)
    cols, kept, flags, reject_reason = apply_policy(problems, cols, on_invalid)
    if isinstance(model, CompiledRules):
        ev = _evaluate_rules(model, data, cols, n, k)
    else:
        ev = _evaluate_table(model, data, cols, n, k)
    logit = ev.logit
    proba = sigmoid(logit)
    decline = proba >= float(cut["pd"])
    out: dict[str, Any] = {
        "probability": pa.array(proba, type=pa.float64()),
        "logit": pa.array(logit, type=pa.float64()),
        "points": pa.array(ev.points, type=pa.int64())
        if ev.points is not None
        else pa.nulls(n, type=pa.int64()),
        "decision": pa.DictionaryArray.from_arrays(
            pa.array(decline.astype(np.int8)), pa.array(["approve", "decline"])
        ),
    }
    if k > 0:
        out.update(_reason_columns(model, cols, k, ev))
    out["flags"] = pa.array(flags, type=pa.string())
    table = pa.table(out)
    if kept is not None:
        table = table.filter(pa.array(kept))
        logit = logit[kept]
    return ScoredChunk(table, kept, reject_reason, logit, problems)


def evaluate(model: CompiledTable | CompiledRules, data: Any, *, k: int = 4) -> Any:
    """Log-odds, points and the top-``k`` reasons (feature, points lost, catalogue position)
    of every row, as NumPy arrays: the reason codes without the output columns."""
    n = n_rows(data)
    cols = model.read_columns(data)
    if isinstance(model, CompiledRules):
        return _evaluate_rules(model, data, cols, n, k)
    return _evaluate_table(model, data, cols, n, k)


@dataclass(frozen=True, eq=False)
class _Evaluated:
    logit: np.ndarray
    points: np.ndarray | None
    order: np.ndarray  # (kk, n) feature position of each rank
    top: np.ndarray  # (kk, n) points lost of each rank
    code: np.ndarray  # (kk, n) position in the catalogue


def _evaluate_table(
    model: CompiledTable, data: Any, cols: dict[str, Any], n: int, k: int
) -> _Evaluated:
    prep = model.prepare(data, cols)
    cat = model_catalogue(model) if k > 0 else None
    ref = best_reference(model) if k > 0 else None
    kk = min(k, len(model.features))
    logit = np.empty(n)
    cells = model.metadata.get("points")
    scorecard = isinstance(cells, dict) and "points_base" in model.metadata
    points = np.full(n, int(model.metadata["points_base"]), dtype=np.int64) if scorecard else None
    card = (
        [(p, np.asarray(cells[t.name], dtype=np.int64)) for t in model.terms
         for p in t.axes if t.name in cells and len(t.axes) == 1]
        if scorecard else []
    )  # fmt: skip
    order = np.zeros((kk, n), dtype=np.intp)
    top = np.zeros((kk, n))
    code = np.zeros((kk, n), dtype=np.intp)
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        idx = prep.block_index(lo, hi)
        logit[lo:hi] = model.logit_block(idx)
        if points is not None:
            for p, pts_of_cell in card:
                points[lo:hi] += pts_of_cell[idx[p]]
        if kk:
            assert ref is not None and cat is not None
            o, t = top_k(points_lost(model, idx, ref), kk)
            lab = label_index(model, idx)
            order[:, lo:hi], top[:, lo:hi] = o, t
            code[:, lo:hi] = cat.offsets[o] + lab.reshape(-1)[o * (hi - lo) + np.arange(hi - lo)]
    return _Evaluated(logit, points, order, top, code)


def _evaluate_rules(
    model: CompiledRules, data: Any, cols: dict[str, Any], n: int, k: int
) -> _Evaluated:
    rule_idx = model.apply(data, cols)
    logit = model.logit(rule_idx)
    kk = min(k, len(model.features))
    order = np.zeros((kk, n), dtype=np.intp)
    top = np.zeros((kk, n))
    code = np.zeros((kk, n), dtype=np.intp)
    if kk and model.n_rules:
        cat = model_catalogue(model)
        C = model.contributions()
        best = model.best_rule()
        safe = np.where(rule_idx < 0, best, rule_idx)
        factor = model.metadata.get("points_factor")
        pos = np.stack([model.feature_bins(f)[1] for f in model.features])  # (F, n_rules)
        for lo in range(0, n, BLOCK):
            hi = min(n, lo + BLOCK)
            r = safe[lo:hi]
            pts = (C[r] - C[best]).T.copy()
            if factor is not None:
                pts *= float(factor)
            pts[:, rule_idx[lo:hi] < 0] = 0.0  # the default: no rule, no reason
            o, t = top_k(pts, kk)
            lab = pos[:, r]
            order[:, lo:hi], top[:, lo:hi] = o, t
            code[:, lo:hi] = cat.offsets[o] + lab.reshape(-1)[o * (hi - lo) + np.arange(hi - lo)]
    return _Evaluated(logit, None, order, top, code)


def _value_codes(model: Any, cols: dict[str, Any], j: int, rows: np.ndarray) -> tuple[Any, Any]:
    """Feature ``j``'s values at ``rows`` as (codes into its texts, the distinct texts).

    Each distinct value is formatted once (Arrow's shortest round-trip form for numbers, the
    level string for categories); code ``-1`` is a missing value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from .columns import LevelColumn

    col = cols.get(model.features[j])
    if col is None:
        return np.full(len(rows), -1, dtype=np.int64), pa.array([], type=pa.string())
    if isinstance(col, LevelColumn):
        return col.codes[rows].astype(np.int64), pa.array(col.uniques, type=pa.string())
    codes, uniques = pd.factorize(col.raw[rows], use_na_sentinel=True)
    return codes.astype(np.int64), pc.cast(pa.array(np.asarray(uniques)), pa.string())


def _null_text(n: int) -> Any:
    """A dictionary-encoded text column of ``n`` nulls."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.nulls(n, type=pa.int32()), pa.array([], pa.string()))


def _all_values(
    model: Any, cols: dict[str, Any], order: np.ndarray, valid: np.ndarray
) -> list[Any]:
    """Per rank, the raw value of each row's reason feature as text (null without a reason).

    Rows of every rank are grouped by feature with one stable sort; each feature's distinct
    values are formatted once; the columns are dictionary-encoded over those texts.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kk, n = order.shape
    flat_valid = valid.reshape(-1)
    where = np.flatnonzero(flat_valid)
    if not len(where):
        return [_null_text(n) for _ in range(kk)]
    feats = order.reshape(-1)[where].astype(np.int16)
    perm = np.argsort(feats, kind="stable")
    where, feats = where[perm], feats[perm]
    bounds = np.flatnonzero(np.diff(feats)) + 1
    index = np.full(kk * n, -1, dtype=np.int64)
    texts, offset = [], 0
    for lo, hi in zip([0, *bounds], [*bounds, len(feats)], strict=True):
        codes, uniques = _value_codes(model, cols, int(feats[lo]), where[lo:hi] % n)
        index[where[lo:hi]] = np.where(codes < 0, -1, codes + offset)
        texts.append(uniques)
        offset += len(uniques)
    enc = pc.dictionary_encode(pa.concat_arrays(texts))  # one entry per distinct text
    remap = np.append(enc.indices.to_numpy(zero_copy_only=False), -1).astype(np.int32)
    index = remap[index]
    return [
        pa.DictionaryArray.from_arrays(
            pa.array(index[r * n : (r + 1) * n], mask=index[r * n : (r + 1) * n] < 0),
            enc.dictionary,
        )
        for r in range(kk)
    ]


def _reason_columns(model: Any, cols: dict[str, Any], k: int, ev: _Evaluated) -> dict[str, Any]:
    import pyarrow as pa

    cat = model_catalogue(model)
    n = len(ev.logit)
    kk = ev.order.shape[0]
    out: dict[str, Any] = {}
    codes_dict = pa.array(cat.codes, type=pa.string())
    bins_dict = pa.array(cat.bins, type=pa.string())
    fcodes_dict = pa.array(cat.feature_codes, type=pa.string())
    feats_dict = pa.array(list(model.features), type=pa.string())
    values = _all_values(model, cols, ev.order, ev.top > 0) if kk else []
    for r in range(k):
        if r < kk:
            valid = ev.top[r] > 0
            o, c = ev.order[r], ev.code[r]
        else:  # fewer features than k: the rank is never filled
            valid = np.zeros(n, dtype=bool)
            o = c = np.zeros(n, dtype=np.intp)
        inv = ~valid
        c = np.where(valid, c, 0)
        name = f"reason_{r + 1}"

        def dict_col(ix: np.ndarray, dictionary: Any, inv: np.ndarray = inv) -> Any:
            return pa.DictionaryArray.from_arrays(
                pa.array(ix.astype(np.int32), mask=inv), dictionary
            )

        out[name] = dict_col(c, codes_dict)
        out[f"{name}_feature_code"] = dict_col(cat.feature_code_of[o], fcodes_dict)
        out[f"{name}_feature"] = dict_col(o, feats_dict)
        out[f"{name}_value"] = values[r] if r < kk else _null_text(n)
        out[f"{name}_bin"] = dict_col(cat.bin_of[c] if len(cat.bin_of) else c, bins_dict)
        points = ev.top[r] if r < kk else np.zeros(n)
        out[f"{name}_points"] = pa.array(points, type=pa.float64(), mask=inv)
    return out


def plain_frame(table: Any) -> Any:
    """An output table as pandas, dictionary (text) columns as plain strings."""
    import pyarrow as pa

    schema = pa.schema(
        [
            pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f
            for f in table.schema
        ]
    )
    return table.cast(schema).to_pandas()
