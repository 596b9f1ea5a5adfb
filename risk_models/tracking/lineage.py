"""Lineage facts recorded as MLflow tags: versions, git commit, config hash."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path

TRACKED_PACKAGES = (
    "risk_models",
    "numpy",
    "pandas",
    "scikit-learn",
    "xgboost",
    "lightgbm",
    "torch",
    "mlflow",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a model's behaviour depends on."""
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(start: Path | None = None) -> str:
    """The current git commit of the source tree (``"unknown"`` outside a repository)."""
    cwd = start or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    sha = out.stdout.strip()
    if out.returncode != 0 or not sha:
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    ).stdout.strip()
    return f"{sha}-dirty" if dirty else sha


def lineage_tags(config_hash: str) -> dict[str, str]:
    """Tags set on every run: config hash, git commit and package versions."""
    tags = {"risk_models.config_hash": config_hash, "risk_models.git_commit": git_commit()}
    tags.update({f"risk_models.version.{k}": v for k, v in package_versions().items()})
    return tags
