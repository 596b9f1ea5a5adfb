"""A scoring job killed with SIGKILL midway leaves no output; the re-run completes, identically."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.scoring.test_batch import SCORE_COLUMNS

pytestmark = pytest.mark.slow


def _command(model: Path, book: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "risk_models.cli", "score", "--no-tracking", "--model",
            str(model), "--input", str(book), "--output", str(out), "--id-column", "app_id",
            "--as-of", "2026-12-01", "--batch-rows", "5000"]  # fmt: skip


def test_sigkill_midway_leaves_no_output(students, book, tmp_path) -> None:
    big = pd.concat([book] * 100, ignore_index=True).assign(app_id=lambda f: np.arange(len(f)))
    big.to_parquet(tmp_path / "book.parquet", row_group_size=5000)
    out = tmp_path / "scores.parquet"
    proc = subprocess.Popen(_command(students["ga2m"], tmp_path / "book.parquet", out),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # until rows are being written
        if any(p.stat().st_size > 0 for p in tmp_path.glob(".scores.parquet.*.tmp")):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the job ended before it could be killed midway"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists() and not (tmp_path / "scores.manifest.json").exists()
    for run in (out, tmp_path / "again.parquet"):
        done = subprocess.run(_command(students["ga2m"], tmp_path / "book.parquet", run),
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr
    a, b = pq.read_table(out), pq.read_table(tmp_path / "again.parquet")
    assert a.num_rows == len(big)
    for col in ["app_id", *SCORE_COLUMNS, "scored_at"]:
        assert a.column(col).equals(b.column(col)), col
