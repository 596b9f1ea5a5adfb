"""An exported student as one ANSI SQL ``SELECT``: score a table where it lives.

:func:`table_sql` renders a shape table or a rule set as common table expressions, one
``CASE`` per axis (a value's cell) or rule, one ``CASE`` per term, the sum on the log-odds scale
and ``1 / (1 + EXP(-logit))``. Reasons are the model's points lost per feature, unpivoted with
``UNION ALL``, ranked with ``ROW_NUMBER() OVER (PARTITION BY id ORDER BY points DESC,
feature)`` and pivoted back into ``reason_1 ... reason_k`` columns, so they need an id column.

Exactness: a numeric axis compares ``float32(x)`` with float32 edges; for a double ``x`` that is
``x >= m`` (or ``x > m``), with ``m`` the midpoint between the edge and the float32 below it (the
tie rounds to even), so the SQL picks the same cell as NumPy. Literals carry 17 significant
digits in exponent form (read as doubles). Term sums run left to right, so log-odds agree with
the Python path to about 1e-15; points lost are the same arithmetic in the same order.
Categorical columns are compared as text (``CAST(x AS VARCHAR)``): store integer codes as
integers or text, not as ``1.0``. Missing values are SQL ``NULL``; so is a categorical value
equal to one of the model's declared markers (``metadata["missing_values"]``, ``"?"`` by
default; blanks around ignored), as in the Python scorers. The SQL applies no invalid-value
policy: ``+-inf`` falls in the top/bottom bin, unseen levels (like levels seen too rarely for a
cell of their own) in the unknown bin.

A model with date inputs (``metadata["date_inputs"]``: features derived from a raw date column
with a stored reference date) is refused, naming the column: SQL engines parse date text
differently from the Python scorers (which read ``01/31/2024`` and zoned times value by value),
so the SQL could not promise the same ages; score such a model with ``riskdistill score`` or the
pyfunc.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from risk_models.scoring.tablescore import compile_model, resolve_cutoff
from risk_models.scoring.tablescore.attribution import best_reference, label_axes
from risk_models.scoring.tablescore.codes import feature_codes, reason_codes_of
from risk_models.scoring.tablescore.rules import CompiledRules
from risk_models.scoring.tablescore.table import CompiledTable


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _s(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _f(v: float) -> str:
    """A double literal that reads back exactly (17 significant digits, exponent form)."""
    v = float(v)
    if not np.isfinite(v):
        raise ValueError(f"cannot write {v!r} as a SQL literal")
    return f"{v:.16e}".replace("e", "E")


def float32_threshold(edge: float) -> tuple[str, float]:
    """``(op, m)``: ``float32(x) >= float32(edge)`` is ``x op m`` for every double ``x``."""
    e32 = np.float32(edge)
    below = np.nextafter(e32, np.float32(-np.inf))
    mid = (float(below) + float(e32)) / 2.0  # exact: both are float32 values
    even = int(np.frombuffer(np.float32(e32).tobytes(), dtype=np.uint32)[0]) % 2 == 0
    return (">=" if even else ">"), mid


def _cell_case(feature: str, kind: str, edges: Sequence[float], levels: Sequence[str]) -> str:
    x = _q(feature)
    if kind == "numeric":
        whens = [f"WHEN {x} IS NULL THEN {len(edges) + 1}"]
        for i in range(len(edges) - 1, -1, -1):
            op, m = float32_threshold(edges[i])
            whens.append(f"WHEN {x} {op} {_f(m)} THEN {i + 1}")
        return "CASE " + " ".join(whens) + " ELSE 0 END"
    whens = [f"WHEN {x} IS NULL THEN {len(levels)}"]
    whens += [f"WHEN CAST({x} AS VARCHAR(4000)) = {_s(lv)} THEN {i}" for i, lv in enumerate(levels)]
    return "CASE " + " ".join(whens) + f" ELSE {len(levels) + 1} END"


def _lookup(index_expr: str, values: Sequence[float]) -> str:
    whens = " ".join(f"WHEN {i} THEN {_f(v)}" for i, v in enumerate(values))
    return f"CASE {index_expr} {whens} END"


def _text_lookup(index_expr: str, texts: Sequence[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN {_s(t)}" for i, t in enumerate(texts))
    return f"CASE {index_expr} {whens} END"


def _table_parts(t: CompiledTable, k: int) -> dict[str, Any]:
    cells = [f"{_cell_case(a.feature, a.kind, a.edges, a.levels)} AS {_q(f'_ax{i}')}"
             for i, a in enumerate(t.axes)]  # fmt: skip
    terms = []
    for j, term in enumerate(t.terms):
        flat = _q(f"_ax{term.axes[0]}")
        for p, size in zip(term.axes[1:], term.shape[1:], strict=True):
            flat = f"({flat}) * {size} + {_q(f'_ax{p}')}"
        terms.append(f"{_lookup(flat, term.flat)} AS {_q(f'_t{j}')}")
    logit = " + ".join([_f(t.intercept), *(_q(f"_t{j}") for j in range(len(t.terms)))])
    points = "NULL"
    meta = t.metadata
    if isinstance(meta.get("points"), dict) and "points_base" in meta:
        parts = [str(int(meta["points_base"]))]
        for term in t.terms:
            if term.name in meta["points"] and len(term.axes) == 1:
                pts = meta["points"][term.name]
                whens = " ".join(f"WHEN {i} THEN {int(v)}" for i, v in enumerate(pts))
                parts.append(f"CASE {_q(f'_ax{term.axes[0]}')} {whens} END")
        points = " + ".join(parts)
    feats: dict[str, dict[str, str]] = {}
    if k > 0:
        ref = best_reference(t)
        col = {f: [] for f in t.features}  # type: dict[str, list[str]]
        fcode = dict(zip(t.features, feature_codes(t.features), strict=True))
        for j, term in enumerate(t.terms):
            tj, v0 = _q(f"_t{j}"), _f(ref.v0[j])
            if len(term.axes) == 1:
                col[t.axes[term.axes[0]].feature].append(f"({tj} - {v0})")
            elif len(term.axes) == 2:
                a, b = term.axes
                va = _lookup(_q(f"_ax{a}"), ref.ga[j])  # type: ignore[arg-type]
                vb = _lookup(_q(f"_ax{b}"), ref.gb[j])  # type: ignore[arg-type]
                col[t.axes[a].feature].append(f"(0.5E0 * (({va} - {v0}) + ({tj} - {vb})))")
                col[t.axes[b].feature].append(f"(0.5E0 * (({vb} - {v0}) + ({tj} - {va})))")
            else:
                raise ValueError(f"term {term.name!r}: reasons in SQL handle 1 or 2 axes")
        factor = meta.get("points_factor")
        for f, p in label_axes(t).items():
            expr = "0.0E0"
            for piece in col[f]:
                expr = f"({expr} + {piece})"
            if factor is not None:
                expr = f"({expr} * {_f(float(factor))})"
            ax = t.axes[p]
            labels = ax.labels()
            feats[f] = {
                "points": expr,
                "code": _text_lookup(_q(f"_ax{p}"), reason_codes_of(f, labels, fcode[f])),
                "bin": _text_lookup(_q(f"_ax{p}"), labels),
            }
    return {"cells": cells, "terms": terms, "logit": logit, "points": points, "feats": feats}


def _condition(c: dict[str, Any], known: Sequence[str] | None) -> str:
    x = _q(c["feature"])
    op, goes = c["op"], bool(c.get("missing_goes"))
    if op == "is_missing":
        miss = f"{x} IS NULL" if known is None else _unseen(x, known)
        return f"({miss})"
    if op == "not_missing":
        miss = f"{x} IS NULL" if known is None else _unseen(x, known)
        return f"(NOT ({miss}))"
    if op in ("<", ">="):
        o, m = float32_threshold(float(c["threshold"]))
        test = f"{x} {o} {_f(m)}" if op == ">=" else f"NOT ({x} {o} {_f(m)})"
        miss = f"{x} IS NULL"
    else:
        assert known is not None
        inside = f"CAST({x} AS VARCHAR(4000)) IN ({', '.join(_s(v) for v in c['levels'])})"
        test = inside if op == "in" else f"NOT ({inside})"
        miss = _unseen(x, known)
    return f"(CASE WHEN {miss} THEN {'1 = 1' if goes else '1 = 0'} ELSE {test} END)"


def _unseen(x: str, known: Sequence[str]) -> str:
    levels = ", ".join(_s(v) for v in known) or "NULL"
    return f"({x} IS NULL OR CAST({x} AS VARCHAR(4000)) NOT IN ({levels}))"


def _rules_parts(r: CompiledRules, k: int) -> dict[str, Any]:
    whens = []
    for i, rule in enumerate(r.rules):
        conds = [_condition(c, r.categories.get(c["feature"])) for c in rule["conditions"]]
        whens.append(f"WHEN {' AND '.join(conds) or '1 = 1'} THEN {i}")
    cells = [f"CASE {' '.join(whens)} ELSE -1 END AS {_q('_rule')}"]
    logit = _lookup(_q("_rule"), r.logits[:-1]).replace(" END", f" ELSE {_f(r.default)} END")
    feats: dict[str, dict[str, str]] = {}
    if k > 0 and r.n_rules:
        C = r.contributions()
        best = r.best_rule()
        factor = r.metadata.get("points_factor")
        fcode = dict(zip(r.features, feature_codes(r.features), strict=True))
        for j, f in enumerate(r.features):
            pts = C[:, j] - C[best, j]
            if factor is not None:
                pts = pts * float(factor)
            labels, pos = r.feature_bins(f)
            codes = reason_codes_of(f, labels, fcode[f])
            feats[f] = {
                "points": _lookup(_q("_rule"), pts).replace(" END", " ELSE 0.0E0 END"),
                "code": _text_lookup(_q("_rule"), [codes[p] for p in pos]),
                "bin": _text_lookup(_q("_rule"), [labels[p] for p in pos]),
            }
    return {"cells": cells, "terms": [], "logit": logit, "points": "NULL", "feats": feats}


def _src_column(feature: str, model: CompiledTable | CompiledRules) -> str:
    """A feature as the scoring CTEs read it: a categorical's markers become ``NULL``."""
    x = _q(feature)
    marks = model.missing_markers
    if not marks or model.kinds.get(feature) != "categorical":
        return x
    listed = ", ".join(_s(m) for m in marks)
    return f"CASE WHEN TRIM(CAST({x} AS VARCHAR(4000))) IN ({listed}) THEN NULL ELSE {x} END AS {x}"


def table_sql(
    document: dict[str, Any],
    *,
    table: str = "applications",
    id_columns: Sequence[str] = (),
    k: int = 4,
) -> str:
    """One SQL ``SELECT`` scoring ``table`` with the model ``document`` (its JSON form).

    Output columns: the id columns, ``probability``, ``logit``, ``points`` (scorecards; else
    NULL), ``decision`` (``decline`` at or above the model's cut-off PD) and, for ``i = 1..k``,
    ``reason_i``, ``reason_i_feature_code``, ``reason_i_feature``, ``reason_i_value``,
    ``reason_i_bin``, ``reason_i_points``. Reasons need ``id_columns`` (the first must be
    unique).
    """
    model = compile_model(document)
    if model.date_inputs:
        named = "; ".join(
            f"{d.column!r} -> {d.age_feature!r}, {d.month_feature!r} (reference date "
            f"{d.reference.isoformat()})"
            for d in model.date_inputs
        )
        raise ValueError(
            f"export-sql does not derive date features: the model reads the date column(s) "
            f"{named}, and SQL engines parse dates differently from the Python scorer; score "
            "this model with riskdistill score or its MLflow pyfunc instead"
        )
    if k > 0 and not id_columns:
        raise ValueError("reasons in SQL need --id-column (a unique key to rank reasons per row)")
    parts = _rules_parts(model, k) if isinstance(model, CompiledRules) else _table_parts(model, k)
    cut = resolve_cutoff(model.metadata)["pd"]
    ids = [_q(c) for c in id_columns]
    feats_used = sorted({f for f in model.kinds}, key=list(model.features).index)
    src_cols = ", ".join([*ids, *(_src_column(f, model) for f in feats_used)])
    ctes = [f"src AS (SELECT {src_cols} FROM {_q(table) if '.' not in table else table})"]
    ctes.append(f"cells AS (SELECT src.*, {', '.join(parts['cells'])} FROM src)")
    terms = ", ".join(parts["terms"])
    ctes.append(f"terms AS (SELECT cells.*{', ' + terms if terms else ''} FROM cells)")
    score_cols = [f"{parts['logit']} AS logit", f"{parts['points']} AS points"]
    for j, e in enumerate(parts["feats"].values()):
        score_cols += [f"{e['points']} AS {_q(f'_p{j}')}", f"{e['code']} AS {_q(f'_c{j}')}",
                       f"{e['bin']} AS {_q(f'_b{j}')}"]  # fmt: skip
    ctes.append(f"scored AS (SELECT terms.*, {', '.join(score_cols)} FROM terms)")
    head = [*(f"s.{c}" for c in ids),
            "1.0E0 / (1.0E0 + EXP(-s.logit)) AS probability", "s.logit AS logit",
            "s.points AS points",
            f"CASE WHEN 1.0E0 / (1.0E0 + EXP(-s.logit)) >= {_f(cut)} THEN 'decline' "
            "ELSE 'approve' END AS decision"]  # fmt: skip
    if not parts["feats"] or k == 0:
        return "WITH " + ",\n".join(ctes) + "\nSELECT " + ", ".join(head) + " FROM scored s"
    key = ids[0]
    pos = {f: i for i, f in enumerate(model.features)}
    fcodes = dict(zip(model.features, feature_codes(model.features), strict=True))
    longs = []
    for j, f in enumerate(parts["feats"]):
        longs.append(
            f"SELECT {key} AS _id, {pos[f]} AS _pos, {_s(f)} AS _feature, "
            f"{_s(fcodes[f])} AS _feature_code, {_q(f'_c{j}')} AS _code, "
            f"{_q(f'_b{j}')} AS _bin, CAST({_q(f)} AS VARCHAR(4000)) AS _value, "
            f"{_q(f'_p{j}')} AS _points FROM scored"
        )
    ctes.append("long AS (" + "\nUNION ALL ".join(longs) + ")")
    ctes.append(
        "ranked AS (SELECT long.*, ROW_NUMBER() OVER (PARTITION BY _id ORDER BY _points DESC, "
        "_pos) AS _rank FROM long WHERE _points > 0)"
    )
    pivot = []
    for i in range(1, k + 1):
        for suffix, src in (("", "_code"), ("_feature_code", "_feature_code"),
                            ("_feature", "_feature"), ("_value", "_value"), ("_bin", "_bin"),
                            ("_points", "_points")):  # fmt: skip
            pivot.append(f"MAX(CASE WHEN _rank = {i} THEN {src} END) AS reason_{i}{suffix}")
    ctes.append(f"reasons AS (SELECT _id, {', '.join(pivot)} FROM ranked WHERE _rank <= {k} "
                "GROUP BY _id)")  # fmt: skip
    tail = [f"r.reason_{i}{s}" for i in range(1, k + 1)
            for s in ("", "_feature_code", "_feature", "_value", "_bin", "_points")]  # fmt: skip
    return (
        "WITH " + ",\n".join(ctes) + "\nSELECT " + ", ".join([*head, *tail])
        + f"\nFROM scored s LEFT JOIN reasons r ON r._id = s.{key}"
    )  # fmt: skip
