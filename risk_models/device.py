"""Pick the compute device for XGBoost and Torch: CUDA when present, CPU otherwise."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess

log = logging.getLogger(__name__)

_VALID = ("auto", "cpu", "cuda")


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    """Whether a CUDA GPU is usable, without importing Torch when avoidable.

    ``RISK_MODELS_FORCE_CPU=1`` forces ``False`` (for tests and for sharing a GPU box).
    """
    if os.environ.get("RISK_MODELS_FORCE_CPU", "") not in ("", "0"):
        return False
    # Cheap checks first, so CPU-only machines never pay for importing Torch.
    has_driver = os.path.exists("/dev/nvidia0") or os.path.exists("/proc/driver/nvidia")
    if not has_driver and shutil.which("nvidia-smi") is None:
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def resolve_device(requested: str = "auto") -> str:
    """Turn a requested device into the one to use: ``"cuda"`` or ``"cpu"``.

    ``"auto"`` picks CUDA when a GPU is present. ``"cuda"`` without a GPU falls back to CPU
    with a warning rather than failing a nightly job.
    """
    if requested not in _VALID:
        raise ValueError(f"device must be one of {_VALID}, got {requested!r}")
    if requested == "cpu":
        return "cpu"
    if cuda_available():
        return "cuda"
    if requested == "cuda":
        log.warning("device 'cuda' requested but no CUDA GPU is available; using CPU")
    return "cpu"


#: Tables of at least this many cells (rows x columns) get every core (see :func:`auto_threads`).
ALL_CORES_CELLS = 500_000


def auto_threads(n_cells: int, n_jobs: int = 0, all_cores_cells: int | None = None) -> int:
    """Threads for a learner: ``n_jobs`` if > 0, else 1 below ``all_cores_cells`` (default
    :data:`ALL_CORES_CELLS`), else all cores.

    On small tables OpenMP start-up and busy-waiting cost more than a second core gains
    (measured: LightGBM 300 rounds on 3k x 3 took 0.13 s on 1 thread, 5.8 s on 2 under load).
    From about half a million cells two threads are faster for the tree learners on 2 cores
    (XGBoost stumps, the same model either way: 414,000 cells 0.70-0.83x the seconds, 1.17M
    0.60-0.68x; LightGBM, the same number of trees: ~1M cells 0.78x; benchmarks/RESULTS.md 1a,
    "Large books, second pass").
    """
    if n_jobs > 0:
        return n_jobs
    limit = ALL_CORES_CELLS if all_cores_cells is None else all_cores_cells
    return 1 if n_cells < limit else (os.cpu_count() or 1)
