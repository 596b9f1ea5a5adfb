"""Quickstart main job, before vs after a change, side by side in one run.

Runs `riskdistill run pipelines/credit.yaml` (the README Quickstart's main job, embedded
synthetic book, fresh local SQLite store) for a baseline git revision and for the working
tree, one after the other, in fresh folders, and compares their summary.json figures.

    python benchmarks/quickstart_time.py --baseline 9eaf697 [--repeats 1] [--out DIR]

The baseline is checked out with `git worktree` into a temporary folder and run with this
interpreter (its own source first on PYTHONPATH); nothing is installed. Prints wall seconds
per run (median over repeats), the job's own `elapsed_seconds`, and the largest difference
between the two summaries' figures (timings, run ids and sizes excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SKIP = ("seconds", "latency", "elapsed", "size_bytes", "compression_ratio", "n_files")


def run_job(source: Path, workdir: Path) -> tuple[float, dict[str, Any]]:
    """Run the Quickstart job of the tree at ``source`` in ``workdir``; return wall s, summary."""
    workdir.mkdir(parents=True)
    shutil.copy(source / "mlflow.yaml", workdir / "mlflow.yaml")
    env = {**os.environ, "PYTHONPATH": str(source)}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "risk_models.cli",
            "run",
            str(source / "pipelines" / "credit.yaml"),
            "--output-dir",
            "out",
        ],
        cwd=workdir,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    return wall, json.loads((workdir / "out" / "summary.json").read_text())


def figures(x: Any, path: str = "") -> dict[str, float]:
    """Every numeric leaf of a summary, by dotted path."""
    out: dict[str, float] = {}
    if isinstance(x, dict):
        for k, v in x.items():
            out.update(figures(v, f"{path}.{k}"))
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        out[path] = float(x)
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    fa, fb = figures(a), figures(b)
    shared = [k for k in fa if k in fb and not any(s in k for s in SKIP)]
    diffs = {k: abs(fa[k] - fb[k]) for k in shared}
    changed = {k: (fa[k], fb[k]) for k, d in diffs.items() if d > 1e-9}
    return {"n_compared": len(shared), "max_abs_diff": max(diffs.values()), "changed": changed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, help="git revision to compare against")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="quickstart-"))
    base_src = tmp / "baseline-src"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base_src), args.baseline],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    try:
        walls: dict[str, list[float]] = {"baseline": [], "current": []}
        summaries: dict[str, dict[str, Any]] = {}
        for r in range(args.repeats):
            for label, src in (("baseline", base_src), ("current", REPO)):
                wall, summary = run_job(src, tmp / f"{label}-{r}")
                walls[label].append(wall)
                summaries[label] = summary
                print(f"{label} repeat {r}: {wall:.1f} s wall, job {summary['elapsed_seconds']} s")
        result = {
            "baseline": args.baseline,
            "wall_seconds_median": {k: statistics.median(v) for k, v in walls.items()},
            "job_seconds": {k: summaries[k]["elapsed_seconds"] for k in summaries},
            "ratio_current_over_baseline": statistics.median(walls["current"])
            / statistics.median(walls["baseline"]),
            "summary_figures": compare(summaries["baseline"], summaries["current"]),
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores",
        }
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "quickstart_time.json").write_text(json.dumps(result, indent=1))
        print(json.dumps({k: v for k, v in result.items() if k != "summary_figures"}, indent=1))
        print("summary figures:", json.dumps(result["summary_figures"], indent=1)[:3000])
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(base_src)],
            cwd=REPO,
            check=False,
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
