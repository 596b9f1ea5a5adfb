"""Helpers of ``transfer_set.py`` and ``teacher_members.py`` (their defaults are the UCI
Taiwan file; ``--data`` takes any other).

Kept from the first ``students_vs_baselines.py`` (before issue 9 rewrote it for any file);
``students_vs_baselines.py`` no longer uses them. They run the pipeline's own steps as it
does: ``compute_data``, ``compute_teachers``, ``compute_soft_labels`` and ``fit_student``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from risk_models.config import PipelineConfig, load_pipeline_config
from risk_models.evaluation.metrics import auc, ece
from risk_models.steps.data import DataResult
from risk_models.steps.soft_labels import SoftLabelResult, compute_soft_labels
from risk_models.steps.students import fit_student
from risk_models.steps.teachers import TeacherResult, compute_teachers

REPO = Path(__file__).resolve().parents[1]
TAIWAN = REPO.parent / "shared" / "data" / "uci_taiwan_default_credit_card.parquet"
RESULTS = REPO / "benchmarks" / "results"
EBM_RANDOM_STATE = 42  # ExplainableBoostingClassifier's default, recorded explicitly

# Acceptance thresholds of the issue.
MAX_GAP_TO_TEACHER = 0.005
MAX_GAM_TO_EBM_TIME = 0.2


# ----------------------------------------------------------------------------- shared helpers
def load_config(args: argparse.Namespace) -> PipelineConfig:
    """The pipeline config with the real data file as its source (the pipeline's own path)."""
    return load_pipeline_config(
        args.config,
        {"path": args.data, "target": args.target, "positive_label": args.positive_label},
    )


def with_seed(cfg: PipelineConfig, seed: int) -> PipelineConfig:
    """``cfg`` with ``split.seed`` replaced (the frozen model is copied, not changed)."""
    return cfg.model_copy(update={"split": cfg.split.model_copy(update={"seed": seed})})


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def fit_teacher(cfg: PipelineConfig, data: DataResult) -> tuple[TeacherResult, float]:
    """The ``teachers`` step (``compute_teachers``: fit the ensemble, score the test rows once,
    evaluate, profile); return its result and its seconds."""
    t0 = time.perf_counter()
    teachers = compute_teachers(cfg, data)
    return teachers, time.perf_counter() - t0


def teacher_figures(teachers: TeacherResult, data: DataResult, fit_s: float) -> dict[str, Any]:
    """Test AUC / ECE of each member, the raw and the calibrated ensemble, and the weights."""
    ens = teachers.ensemble
    y = data.splits.test.y
    scores = teachers.test  # the step's one scoring pass over the test rows
    members = {}
    for j, name in enumerate(ens.member_names):
        p = sigmoid(scores.members[:, j])
        members[name] = {"auc": auc(y, p), "ece": ece(y, p)}
    raw = sigmoid(scores.raw)
    cal = scores.proba
    best = max(members, key=lambda k: members[k]["auc"])
    return {
        "auc": auc(y, cal),
        "ece": ece(y, cal),
        "auc_uncalibrated": auc(y, raw),
        "ece_uncalibrated": ece(y, raw),
        "members": members,
        "best_member": best,
        "beats_best_member": bool(auc(y, cal) > members[best]["auc"]),
        "weights": dict(zip(ens.member_names, np.asarray(ens.weights_).tolist(), strict=True)),
        "cv_folds": int(ens.cv_folds),
        "fit_seconds": fit_s,
    }


def make_training(
    cfg: PipelineConfig,
    data: DataResult,
    teachers: TeacherResult,
    transfer_rows: int | None = None,
) -> SoftLabelResult:
    """The ``soft_labels`` step (``compute_soft_labels``): out-of-fold soft labels plus the
    transfer set. ``transfer_rows`` replaces the config's transfer size (``distill.transfer``
    ``n_rows`` set to it, ``per_train_row`` off): exactly that many MUNGE rows; ``None`` keeps
    the config's. With ``ensemble.cv_folds >= 2`` the soft labels are read from the
    cross-fitted ensemble, so every call gets the same ones."""
    if transfer_rows is not None:
        d = cfg.distill
        transfer = d.transfer.model_copy(update={"n_rows": transfer_rows, "per_train_row": None})
        cfg = cfg.model_copy(update={"distill": d.model_copy(update={"transfer": transfer})})
    return compute_soft_labels(cfg, data, teachers)


def run_student(
    scfg: Any,
    cfg: PipelineConfig,
    data: DataResult,
    soft: SoftLabelResult,
    teachers: TeacherResult,
) -> dict[str, Any]:
    """Fit one student with ``fit_student`` (timed: the whole call, export and test-row
    evaluation included) and collect its test figures."""
    t0 = time.perf_counter()
    fit = fit_student(scfg, cfg, data, soft, teachers)
    fit_s = time.perf_counter() - t0
    return {
        "kind": scfg.kind,
        "auc": fit.metrics["auc"],
        "auc_gap": fit.fidelity["auc_gap"],
        "logit_correlation": fit.fidelity["logit_correlation"],
        "fit_seconds": fit_s,
        "metrics": fit.metrics,
        "fidelity": fit.fidelity,
        "facts": fit.facts,
    }


def _cmd(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def machine_info() -> dict[str, Any]:
    """CPU, memory, Python and library versions, UTC date and git commit of this run."""
    import importlib.metadata as md

    model = ""
    for line in _cmd(["lscpu"]).splitlines():
        if line.lower().startswith("model name"):
            model = line.split(":", 1)[1].strip()
    mem_gib = None
    try:
        with open("/proc/meminfo") as fh:
            kib = int(fh.readline().split()[1])
        mem_gib = round(kib / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for pkg in ("numpy", "pandas", "scikit-learn", "xgboost", "lightgbm", "torch", "interpret"):
        versions[pkg] = md.version(pkg)
    versions["optbinning"] = md.version("optbinning")
    versions["risk_models"] = md.version("risk_models")
    # uncommitted changes to the code or configs measured (results files do not count)
    dirty = _cmd(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "risk_models", "pipelines"]
    )
    return {
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "memory_gib": mem_gib,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": _cmd(["git", "-C", str(REPO), "rev-parse", "HEAD"]),
        "git_dirty": bool(dirty),
        "git_dirty_paths": [line.split(maxsplit=1)[-1] for line in dirty.splitlines()],
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def config_info(cfg: PipelineConfig) -> dict[str, Any]:
    """The parts of the config that shape the figures (with its hash)."""
    dump = cfg.model_dump(mode="json")
    keys = ("split", "teachers", "ensemble", "distill", "students")
    return {"config_hash": cfg.config_hash(), **{k: dump[k] for k in keys}}


def data_info(cfg: PipelineConfig, args: argparse.Namespace) -> dict[str, Any]:
    s = cfg.split
    return {
        "file": str(Path(args.data).resolve()),
        "sha256": sha256(args.data),
        "target": args.target,
        "positive_label": args.positive_label,
        "split": {"method": s.method, "test_size": s.test_size, "valid_size": s.valid_size},
    }


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=float) + "\n")
    os.replace(tmp, path)


def say(msg: str) -> None:
    print(msg, flush=True)
