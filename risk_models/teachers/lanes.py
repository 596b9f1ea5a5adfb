"""Cross-fitting teacher members side by side on a small table (two lanes of threads).

Below :data:`risk_models.device.ALL_CORES_CELLS` every fold fit runs on one thread
(:func:`~risk_models.device.auto_threads`), so on a machine with two or more cores the members
of an ensemble can be cross-fitted at the same time, one lane per core: LightGBM, XGBoost and
Torch release the interpreter lock while they compute. Each member's folds still run in order
inside its lane (a capacity search settles on the first folds), and each fold model gets the
seed it gets when run alone, so the fitted models are the same as in one lane.

Torch members share Torch's global random state (:func:`~risk_models.torch_loop.seeded_torch`
forks and seeds it around each fit), so they all go in one lane; the other members fill the
lanes so that each holds about as many members. Tables that already get every core, members
pinned to several threads (``n_jobs > 1``), a GPU in use, or a one-core machine: one lane, as
before.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from risk_models import device

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Member kinds whose fits use Torch's global random state: never two at once.
TORCH_KINDS = frozenset({"torch_mlp"})


def _wants_gpu(estimator: Any) -> bool:
    requested = estimator.get_params().get("device", "cpu")
    return requested != "cpu" and device.cuda_available()


def member_lanes(members: Sequence[tuple[str, Any]], n_cells: int) -> list[list[int]]:
    """Member indices per lane (each lane fits its members in order); one lane unless the
    table of ``n_cells`` cells is below :data:`~risk_models.device.ALL_CORES_CELLS`, the
    machine has two or more cores, no member is pinned to several threads or wants a GPU,
    and there are members for two lanes."""
    everyone = list(range(len(members)))
    cores = os.cpu_count() or 1
    if len(members) < 2 or cores < 2 or n_cells >= device.ALL_CORES_CELLS:
        return [everyone]
    for _, est in members:
        if int(est.get_params().get("n_jobs", 0) or 0) > 1 or _wants_gpu(est):
            return [everyone]
    torch = [i for i, (_, est) in enumerate(members) if getattr(est, "kind", "") in TORCH_KINDS]
    lanes: list[list[int]] = [[], list(torch)]
    for i in everyone:
        if i not in torch:
            min(lanes, key=len).append(i)
    lanes = [lane for lane in lanes if lane]
    return lanes if len(lanes) > 1 else [everyone]


def run_lanes(lanes: list[list[int]], work: Callable[[int], T]) -> list[T]:
    """``work(i)`` for every member index, lane by lane in threads (in order within a lane);
    results in index order. The first error of any lane is raised once every lane stops."""
    if len(lanes) == 1:
        return [work(i) for i in lanes[0]]
    results: dict[int, T] = {}

    def lane(indices: list[int]) -> None:
        for i in indices:
            results[i] = work(i)

    log.info("cross-fitting the teacher members in %d lanes side by side: %s", len(lanes), lanes)
    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="teacher-lane") as pool:
        futures = [pool.submit(lane, indices) for indices in lanes]
        errors = [f.exception() for f in futures]
    for err in errors:
        if err is not None:
            raise err
    return [results[i] for i in sorted(results)]
