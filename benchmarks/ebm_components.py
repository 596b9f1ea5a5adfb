"""Which part of EBM wins on Statlog German: its pairs or its bagging? (issue 9, tuning seeds)

Usage::

    python benchmarks/ebm_components.py german 105,106,107,108,109,110,111,112,113,114

The pipeline's data step on the file (``pipelines/credit.yaml``, the benchmark's split), then
``ExplainableBoostingClassifier`` fitted on the *training rows only* (as the GAM student sees
them; ``random_state`` = the seed) four ways: defaults, no interactions, one outer bag, both.
Prints test AUC per seed and the means. Tuning seeds only.
"""

import sys
from pathlib import Path

import numpy as np
from _baselines import _as_text
from interpret.glassbox import ExplainableBoostingClassifier
from students_vs_baselines import DATASETS, load_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data

V = {
    "full": {},
    "noint": {"interactions": 0},
    "noint_bag1": {"interactions": 0, "outer_bags": 1},
    "bag1": {"outer_bags": 1},
}


def main() -> None:
    res = {k: [] for k in V}
    for seed in [int(x) for x in sys.argv[2].split(",")]:
        cfg = load_config(
            str(Path(__file__).parents[1] / "pipelines" / "credit.yaml"),
            DATASETS[sys.argv[1]],
            seed,
        )
        s = compute_data(cfg).splits
        for k, p in V.items():
            e = ExplainableBoostingClassifier(**p, random_state=seed)
            e.fit(_as_text(s.train.X), s.train.y)
            res[k].append(auc(s.test.y, e.predict_proba(_as_text(s.test.X))[:, 1]))
        print(seed, {k: round(v[-1], 4) for k, v in res.items()}, flush=True)
    print("mean", {k: round(float(np.mean(v)), 4) for k, v in res.items()})


if __name__ == "__main__":
    main()
