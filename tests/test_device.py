import os

from risk_models.device import ALL_CORES_CELLS, auto_threads
from risk_models.teachers.torch_mlp import MLP_ALL_CORES_CELLS


def test_small_tables_get_one_thread_and_large_ones_every_core() -> None:
    cores = os.cpu_count() or 1
    assert auto_threads(12_000) == 1  # a 1,000-row book
    assert auto_threads(ALL_CORES_CELLS - 1) == 1
    assert auto_threads(ALL_CORES_CELLS) == cores
    assert auto_threads(1_350_000) == cores  # a 90,000-row GAM of 15 columns
    assert auto_threads(10, n_jobs=3) == 3  # an explicit count wins


def test_the_mlp_keeps_its_own_higher_threshold() -> None:
    assert MLP_ALL_CORES_CELLS > ALL_CORES_CELLS
    assert auto_threads(1_350_000, all_cores_cells=MLP_ALL_CORES_CELLS) == 1
