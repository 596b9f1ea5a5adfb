"""Render a :class:`~risk_models.registry.lineage_query.Lineage` as text, Graphviz DOT or Mermaid.

Compute first, render second: the three renderings and ``Lineage.to_dict()`` come from the
same object, and the two graph formats from the same node and edge list
(:func:`lineage_graph`), so they cannot disagree.
"""

from __future__ import annotations

from typing import Any

from risk_models.registry.lineage_query import DatasetFacts, Lineage, RunFacts

__all__ = ["lineage_graph", "render_lineage"]

FORMATS = ("text", "dot", "mermaid")
FIT_SETS = ("train", "valid")
#: Metrics shown first on a run's text line (all of them are in ``--json``).
HEADLINE = ("test.auc", "test.ensemble.auc", "fidelity.auc_gap", "test.ks")


def _short(value: str | None, n: int = 8) -> str:
    return (value or "?")[:n]


def _headline(metrics: dict[str, float], *, limit: int = 3) -> str:
    keys = [k for k in HEADLINE if k in metrics] or sorted(k for k in metrics if "auc" in k)
    keys = keys[:limit]
    return "  ".join(f"{k} {metrics[k]:.4f}" for k in keys)


def _dataset_label(d: DatasetFacts) -> str:
    rows = f", {d.rows} rows" if d.rows is not None else ""
    return f"{d.name}\\ndigest {_short(d.digest)}{rows}"


def lineage_graph(lin: Lineage) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Nodes ``(id, label)`` and edges ``(from_id, to_id)``; labels use ``\\n`` for new lines."""
    nodes: list[tuple[str, str]] = []
    edges: list[tuple[str, str]] = []
    data = [d for d in lin.datasets if d.run == "data"]
    soft_sets = [d for d in lin.datasets if d.run != "data"]
    for d in lin.datasets:
        nodes.append((f"ds_{d.run}_{d.name}", _dataset_label(d)))
    fit = [f"ds_data_{d.name}" for d in data if d.name in FIT_SETS]
    for t in lin.teachers:
        nodes.append((f"run_{t.run_id}", f"teacher {t.name.removeprefix('teachers.')}"))
        edges += [(f, f"run_{t.run_id}") for f in fit]
    ens = lin.ensemble
    if ens is not None:
        nodes.append((f"run_{ens.run_id}", "teacher ensemble"))
        edges += [(f"run_{t.run_id}", f"run_{ens.run_id}") for t in lin.teachers]
        if not lin.teachers:
            edges += [(f, f"run_{ens.run_id}") for f in fit]
    soft = lin.soft_labels
    if soft is not None:
        nodes.append((f"run_{soft.run_id}", "soft labels"))
        if ens is not None:
            edges.append((f"run_{ens.run_id}", f"run_{soft.run_id}"))
        edges += [(f"run_{soft.run_id}", f"ds_{d.run}_{d.name}") for d in soft_sets]
    st = lin.student
    if st is not None:
        kind = lin.student_kind or st.params.get("kind", "")
        nodes.append((f"run_{st.run_id}", f"student {st.name.removeprefix('students.')}\\n{kind}"))
        sources = [f"ds_{d.run}_{d.name}" for d in soft_sets] or (
            [f"run_{soft.run_id}"] if soft is not None else []
        )
        edges += [(s, f"run_{st.run_id}") for s in sources]
        edges += [(f"ds_data_{d.name}", f"run_{st.run_id}") for d in data if d.name == "test"]
    vid = f"version_{lin.version}"
    nodes.append((vid, f"{lin.model_name} v{lin.version}"))
    if st is not None:
        edges.append((f"run_{st.run_id}", vid))
    for alias in lin.aliases:
        nodes.append((f"alias_{alias}", f"@{alias}"))
        edges.append((vid, f"alias_{alias}"))
    return nodes, edges


def _safe_id(node_id: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in node_id)


def _dot(lin: Lineage) -> str:
    nodes, edges = lineage_graph(lin)
    lines = ["digraph lineage {", "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];']
    for nid, label in nodes:
        text = label.replace('"', '\\"')  # "\\n" in a label is DOT's own line break
        lines.append(f'  {_safe_id(nid)} [label="{text}"];')
    lines += [f"  {_safe_id(a)} -> {_safe_id(b)};" for a, b in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid(lin: Lineage) -> str:
    nodes, edges = lineage_graph(lin)
    lines = ["flowchart LR"]
    for nid, label in nodes:
        text = label.replace('"', "#quot;").replace("\\n", "<br/>")
        lines.append(f'  {_safe_id(nid)}["{text}"]')
    lines += [f"  {_safe_id(a)} --> {_safe_id(b)}" for a, b in edges]
    return "\n".join(lines) + "\n"


def _run_line(label: str, r: RunFacts) -> str:
    return f"  {label:<14} run {_short(r.run_id, 12)}  {_headline(r.metrics)}".rstrip()


def _text(lin: Lineage) -> str:
    gates = {"true": ", gates passed", "false": ", gates FAILED"}.get(lin.gates_passed or "", "")
    config = f", config {_short(lin.config_hash, 12)}" if lin.config_hash else ""
    out = [
        f"{lin.uri} = {lin.model_name} v{lin.version} ({lin.student_kind or 'unknown kind'}"
        f"{gates}{config})"
    ]
    out.append("datasets")
    for d in lin.datasets:
        rows = f"{d.rows} rows" if d.rows is not None else "rows ?"
        out.append(f"  {d.name:<14} digest {d.digest or '?':<16}  {rows:<12} ({d.run} run)")
    if not lin.datasets:
        out.append("  (none found)")
    out.append("teachers")
    for t in lin.teachers:
        out.append(_run_line(t.name.removeprefix("teachers."), t))
    if lin.ensemble is not None:
        out.append(_run_line("ensemble", lin.ensemble))
    if not lin.teachers and lin.ensemble is None:
        out.append("  (none found)")
    if lin.soft_labels is not None:
        out.append(f"soft labels      run {_short(lin.soft_labels.run_id, 12)}")
    if lin.student is not None:
        st = lin.student
        out.append(
            f"student          {st.name.removeprefix('students.')} ({lin.student_kind or '?'})  "
            f"run {_short(st.run_id, 12)}  {_headline(st.metrics)}".rstrip()
        )
        params = ", ".join(f"{k}={v}" for k, v in sorted(st.params.items()))
        if params:
            out.append(f"  params         {params}")
    out.append(f"version          {lin.model_name} v{lin.version}  source {lin.source}")
    now = ", ".join(f"{a}=v{v}" for a, v in sorted(lin.model_aliases.items()))
    out.append(f"aliases now      {', '.join(lin.aliases) or '(none)'}   (model: {now or 'none'})")
    out.append("ledger")
    for e in lin.ledger:
        forced = f" FORCED ({e.reason})" if e.forced else (f" ({e.reason})" if e.reason else "")
        out.append(
            f"  {e.seq:06d} {e.time} {e.event:<8} {e.alias} v{e.from_version or '-'} -> "
            f"v{e.to_version or '-'} by {e.actor}{forced}"
            + ("" if e.status == "done" else f" [{e.status}]")
        )
    if not lin.ledger:
        out.append("  (no alias moves of this version)")
    for m in lin.missing:
        out.append(f"missing          {m}")
    return "\n".join(out) + "\n"


def render_lineage(lin: Lineage, fmt: str = "text") -> str:
    """``lin`` as ``text`` (for people), ``dot`` (Graphviz) or ``mermaid``.

    Parameters
    ----------
    lin : Lineage
        From :func:`~risk_models.registry.lineage_query.lineage`.
    fmt : str
        One of :data:`FORMATS`.

    Returns
    -------
    str
        The rendering, ending in a newline.
    """
    renderers: dict[str, Any] = {"text": _text, "dot": _dot, "mermaid": _mermaid}
    if fmt not in renderers:
        raise ValueError(f"unknown lineage format {fmt!r}; use one of {FORMATS}")
    return str(renderers[fmt](lin))
