"""Merge per-seed ``students_vs_baselines.py`` results into one table per data set.

Usage::

    python benchmarks/merge_reporting.py benchmarks/results/issue9_reporting_german*.json \
        ... --out benchmarks/results/issue9_reporting.json

Runs of the same data set are concatenated in seed order and summarised with the script's own
``summarise`` and ``markdown`` (paired DeLong per seed, mean difference over seeds); the seeds
were run one process each so that a partial set still leaves its figures on disk.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from students_vs_baselines import markdown, summarise

from risk_models.atomic import atomic_write_text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {}
    meta: dict[str, Any] = {"sources": [], "configs": set(), "seed_kinds": set()}
    for f in a.files:
        doc = json.loads(f.read_text())
        meta["sources"].append({"file": f.name, "when": doc["when"], "seeds": doc["seeds"]})
        meta["configs"].add(doc["config"])
        meta["seed_kinds"].add(doc["seed_kind"])
        for name, d in doc["datasets"].items():
            runs.setdefault(name, []).extend(d["runs"])
    report: dict[str, Any] = {
        "sources": meta["sources"],
        "configs": sorted(meta["configs"]),
        "seed_kinds": sorted(meta["seed_kinds"]),
        "datasets": {},
    }
    md = [f"Merged from {len(a.files)} file(s); seed kinds {report['seed_kinds']}\n"]
    for name in sorted(runs):
        rs = sorted(runs[name], key=lambda r: r["seed"])
        summary = summarise(rs)
        report["datasets"][name] = {"runs": rs, "summary": summary}
        md.append(markdown(name, rs, summary))
    atomic_write_text(a.out, json.dumps(report, indent=2, default=float))
    atomic_write_text(a.out.with_suffix(".md"), "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
