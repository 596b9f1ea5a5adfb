"""The lineage of a run as a graph: datasets -> teacher runs -> soft labels -> students -> versions.

Nodes carry a ``column`` (left to right: 0 datasets, 1 teacher members, 2 the ensemble,
3 soft labels and transfer set, 4 students, 5 registered versions) so that the report can
draw the graph without a layout engine.
"""

from __future__ import annotations

from typing import Any

__all__ = ["lineage_graph", "lineage_svg"]

_COLUMNS = (
    "datasets",
    "teacher members",
    "teacher ensemble",
    "soft labels",
    "students",
    "registered versions",
)


def _short(digest: Any) -> str:
    return str(digest or "")[:8]


def lineage_graph(collected: dict[str, Any]) -> dict[str, Any]:
    """Nodes and edges of the run's lineage, from :func:`~risk_models.reports.collect.collect_run`.

    Parameters
    ----------
    collected:
        The collected MLflow records of one run.

    Returns
    -------
    dict
        ``columns`` (titles), ``nodes`` (``id``, ``label``, ``detail``, ``kind``, ``column``)
        and ``edges`` (``[from_id, to_id]`` pairs).
    """
    children = collected["children"]
    nodes: list[dict[str, Any]] = []
    edges: list[list[str]] = []

    def node(node_id: str, label: str, detail: str, kind: str, column: int) -> None:
        nodes.append(
            {"id": node_id, "label": label, "detail": detail, "kind": kind, "column": column}
        )

    data_ids = []
    for ds in children.get("data", {}).get("datasets", []):
        rows = ds.get("profile", {}).get("num_rows")
        detail = f"digest {_short(ds['digest'])}" + (f" · {rows} rows" if rows else "")
        node(f"dataset:{ds['name']}", str(ds["name"]), detail, "dataset", 0)
        data_ids.append((str(ds["name"]), f"dataset:{ds['name']}"))
    fit_sets = [i for name, i in data_ids if name in ("train", "valid")] or [i for _, i in data_ids]
    members = sorted(n for n in children if n.startswith("teachers."))
    ensemble = children.get("teachers")
    for name in members:
        rec = children[name]
        auc = rec["metrics"].get("test.auc")
        detail = f"{rec['params'].get('kind', '')}" + (f" · AUC {auc:.3f}" if auc else "")
        node(f"run:{rec['run_id']}", name.removeprefix("teachers."), detail, "teacher", 1)
        edges += [[d, f"run:{rec['run_id']}"] for d in fit_sets]
        if ensemble is not None:
            edges.append([f"run:{rec['run_id']}", f"run:{ensemble['run_id']}"])
    if ensemble is not None:
        auc = ensemble["metrics"].get("test.ensemble.auc")
        detail = f"{ensemble['params'].get('weighting', '')}" + (f" · AUC {auc:.3f}" if auc else "")
        node(f"run:{ensemble['run_id']}", "ensemble", detail, "ensemble", 2)
        if not members:
            edges += [[d, f"run:{ensemble['run_id']}"] for d in fit_sets]
    soft = children.get("soft_labels")
    if soft is not None:
        for ds in soft["datasets"]:
            node(
                f"dataset:{ds['name']}",
                str(ds["name"]),
                f"digest {_short(ds['digest'])}",
                "soft_labels",
                3,
            )
            if ensemble is not None:
                edges.append([f"run:{ensemble['run_id']}", f"dataset:{ds['name']}"])
    soft_ids = [f"dataset:{d['name']}" for d in (soft or {}).get("datasets", [])]
    for name in sorted(n for n in children if n.startswith("students.")):
        rec = children[name]
        auc = rec["metrics"].get("test.auc")
        detail = f"{rec['params'].get('kind', '')}" + (f" · AUC {auc:.3f}" if auc else "")
        sid = f"run:{rec['run_id']}"
        node(sid, name.removeprefix("students."), detail, "student", 4)
        sources = soft_ids or ([f"run:{ensemble['run_id']}"] if ensemble else [])
        edges += [[s, sid] for s in sources]
    by_run = {children[n]["run_id"]: n for n in children}
    for v in collected.get("versions", []):
        vid = f"version:{v['name']}:{v['version']}"
        aliases = ", ".join(v["aliases"])
        gates = v["tags"].get("risk_models.gates_passed")
        detail = (f"@{aliases}" if aliases else "") + (f" gates {gates}" if gates else "")
        node(vid, f"{v['name']} v{v['version']}", detail.strip(), "version", 5)
        student = children.get(f"students.{v['tags'].get('risk_models.student', '')}")
        if v.get("run_id") in by_run:
            edges.append([f"run:{v['run_id']}", vid])
        elif student is not None:
            edges.append([f"run:{student['run_id']}", vid])
    known = {n["id"] for n in nodes}
    edges = [e for e in edges if e[0] in known and e[1] in known]
    return {"columns": list(_COLUMNS), "nodes": nodes, "edges": edges}


def lineage_svg(graph: dict[str, Any]) -> str:
    """Draw :func:`lineage_graph`'s output as one ``<svg>``: columns left to right, arrows.

    Parameters
    ----------
    graph:
        ``columns``, ``nodes`` and ``edges`` as returned by :func:`lineage_graph`.

    Returns
    -------
    str
        An ``<svg>`` element; every label is escaped.
    """
    from html import escape

    from risk_models.reports.svg import cut

    box_w, box_h, gap_x, gap_y, top = 150, 34, 40, 12, 40
    columns = graph["columns"]
    by_col: dict[int, list[dict[str, Any]]] = {}
    for n in graph["nodes"]:
        by_col.setdefault(int(n["column"]), []).append(n)
    rows = max((len(v) for v in by_col.values()), default=1)
    width = len(columns) * (box_w + gap_x)
    height = top + rows * (box_h + gap_y) + 10
    where: dict[str, tuple[float, float]] = {}
    body = []
    colors = {
        "dataset": "#eef5ff",
        "teacher": "#fff4e5",
        "ensemble": "#ffe9cc",
        "soft_labels": "#f3eefc",
        "student": "#eaf7ea",
        "version": "#fdecec",
    }
    for c, title in enumerate(columns):
        x = c * (box_w + gap_x) + gap_x / 2
        body.append(
            f'<text x="{x + box_w / 2:.1f}" y="20" text-anchor="middle" font-weight="bold">'
            f"{escape(title)}</text>"
        )
        for r, n in enumerate(by_col.get(c, [])):
            y = top + r * (box_h + gap_y)
            where[n["id"]] = (x, y)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{box_w}" height="{box_h}" rx="5" '
                f'fill="{colors.get(n["kind"], "#f4f4f4")}" stroke="#777"/>'
                f'<text x="{x + 6:.1f}" y="{y + 14:.1f}" font-weight="bold">'
                f"{escape(cut(n['label'], 24))}</text>"
                f'<text x="{x + 6:.1f}" y="{y + 27:.1f}" fill="#444">'
                f"{escape(cut(n['detail'], 28))}</text>"
            )
    for a, b in graph["edges"]:
        (x0, y0), (x1, y1) = where[a], where[b]
        sx, sy, ex, ey = x0 + box_w, y0 + box_h / 2, x1, y1 + box_h / 2
        mid = (sx + ex) / 2
        body.append(
            f'<path d="M{sx:.1f},{sy:.1f} C{mid:.1f},{sy:.1f} {mid:.1f},{ey:.1f} {ex:.1f},'
            f'{ey:.1f}" fill="none" stroke="#888" marker-end="url(#arrow)"/>'
        )
    defs = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="lineage graph" class="chart" '
        f'font-family="sans-serif" font-size="10"><title>lineage graph</title>{defs}'
        + "".join(body)
        + "</svg>"
    )
