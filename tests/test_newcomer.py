"""A newcomer's first run, as the README tells it, on a fresh clone without ../shared beside it.

The committed repository (HEAD; uncommitted changes are not part of a clone) is cloned into an
empty temporary folder and the README Quickstart's main command is run there with ``--quick``
(a 3,000-row synthetic book, 3 folds, no transfer set). The command runs under this test
session's interpreter, importing the clone's own source (checked), instead of a fresh
``python3 -m venv .venv && pip install -e .``: creating a venv and installing Torch, XGBoost,
LightGBM and MLflow takes minutes and needs the network, too slow for the suite (`.ci/run`
does that part on a clean clone). Set ``RISK_MODELS_NEWCOMER_REPO`` to clone another
repository (a folder or URL) instead of this one.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = os.environ.get("RISK_MODELS_NEWCOMER_REPO", str(REPO))
#: What a newcomer may wait for the quick run on 2 cores shared with other work, at most.
LIMIT_S = 600


def quickstart_command(readme: str) -> list[str]:
    """The arguments of ``riskdistill`` in the README Quickstart's first code block."""
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    (line,) = [s for s in block.splitlines() if "riskdistill run" in s and not s.startswith("#")]
    args = shlex.split(line.split("&&")[-1])
    assert args[0].endswith("riskdistill"), line
    return args[1:]


def _clone(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed; the newcomer test clones the repository")
    if not (Path(SOURCE) / ".git").exists() and "://" not in SOURCE:
        pytest.skip(f"{SOURCE} is not a git repository (nothing committed to clone)")
    dest = tmp_path / "newcomer" / "risk_models"
    dest.parent.mkdir()
    subprocess.run(["git", "clone", "--quiet", SOURCE, str(dest)], check=True, timeout=120)
    assert not (dest.parent / "shared").exists()  # no real data beside the clone
    return dest


def _env(clone: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "RISK_MODELS_"))}
    env["PYTHONPATH"] = str(clone)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_quickstart_command_documents_quick() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert quickstart_command(readme) == ["run", "pipelines/credit.yaml"]
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert "add `--quick` to the command" in quickstart


@pytest.mark.slow
def test_a_fresh_clone_runs_the_quickstart_and_says_where_the_results_are(tmp_path) -> None:
    clone = _clone(tmp_path)
    env = _env(clone)
    where = subprocess.run(
        [sys.executable, "-c", "import risk_models; print(risk_models.__file__)"],
        cwd=clone, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(clone), where.stdout  # the clone's code
    args = [*quickstart_command((clone / "README.md").read_text(encoding="utf-8")), "--quick"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", "from risk_models.cli import main; main()", *args],
        cwd=clone, env=env, capture_output=True, text=True, timeout=LIMIT_S,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    summary = Path(done.stdout.strip().splitlines()[-1])
    assert summary.parts[0] == "runs" and summary.parts[1].startswith("credit-"), done.stdout
    assert summary.name == "summary.json" and (clone / summary).is_file()
    assert f"summary      {summary}" in done.stderr
    assert "MLflow run   " in done.stderr and "at sqlite:///mlflow.db" in done.stderr
    assert (clone / "mlflow.db").is_file()  # the store is in the working directory, as told
    assert list((clone / summary.parent / "students").glob("*/shape_table.json"))
    print(f"newcomer quick run: {elapsed:.0f} s")
