"""Champion-relative gates: is the candidate at least as good as the current champion?

The registry holds the champion's exported table, but of the candidate's test data only its
digests. So the comparison uses the first of these that the two versions allow, and says which
(``evidence``) in the promotion result and the ledger:

1. ``paired`` -- the candidate's student run logged its test rows
   (:data:`TEST_SCORES_ARTIFACT`, written by :func:`log_test_scores`: outcome, the candidate's
   logit, the row id and the feature columns). The champion's exported table (downloaded from
   its registered model, scored with NumPy only) and the candidate's are scored on exactly those
   rows. The candidate's re-scored logits must reproduce the logged ones (to 1e-4), so the rows
   are known to belong to this version. This is "the champion evaluated on the candidate's test
   data" and the only evidence that holds when the data changed between runs.
2. ``logged_metrics`` -- no usable test rows, but both versions carry the same test digest
   (``risk_models.digest.test``): both were evaluated on identical rows, so the test metrics
   their student runs logged (``test.auc``...) are directly comparable.
3. ``unavailable`` -- neither holds: the champion-relative gates cannot be evaluated, and
   promotion is refused (with every reason) unless it is forced with a stated reason.

With no current champion there is nothing to compare against (``no_champion``) and the
champion-relative gates are skipped. Logging test rows copies feature values into the artifact
store; a pipeline that must not do so logs only outcome and logit (``features=None``) and relies
on evidence 2.

The metrics are ``candidate_<m>``, ``champion_<m>`` and ``<m>_vs_champion`` (candidate minus
champion) for ``m`` in :data:`COMPARED_METRICS`; rules over them are
:class:`~risk_models.evaluation.gate_policy.GateRule` s, from the ``policy`` argument, else
the candidate's ``risk_models.champion_gates`` tag (JSON in the YAML shape
``{"auc_vs_champion": {"min": 0.0}}``), else :data:`DEFAULT_CHAMPION_GATES`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.errors import RegistryError
from risk_models.evaluation.gate_policy import GateRule, evaluate_policy, parse_rules

__all__ = [
    "CHAMPION_GATES_TAG",
    "COMPARED_METRICS",
    "DEFAULT_CHAMPION_GATES",
    "TEST_SCORES_ARTIFACT",
    "ChampionComparison",
    "champion_checks",
    "champion_rules",
    "compare_with_champion",
    "load_exported",
    "log_test_scores",
]

TEST_SCORES_ARTIFACT = "evaluation/test_scores.parquet"
CHAMPION_GATES_TAG = "risk_models.champion_gates"
DEFAULT_CHAMPION_GATES: dict[str, dict[str, float]] = {"auc_vs_champion": {"min": 0.0}}
COMPARED_METRICS = ("auc", "gini", "ks", "auprc", "brier", "log_loss", "ece")
ROW_ID, TARGET, LOGIT = "__row_id__", "__y__", "__logit__"
LOGIT_TOLERANCE = 1e-4  # tables match their trainers to 1e-6; another model is far off


def log_test_scores(
    client: Any,
    run_id: str,
    *,
    y: Any,
    logit: Any,
    features: pd.DataFrame | None = None,
    row_ids: Any = None,
) -> str:
    """Log a student's test rows as :data:`TEST_SCORES_ARTIFACT` of run ``run_id``.

    Parameters
    ----------
    client : mlflow.MlflowClient
        Tracking client.
    run_id : str
        The student's run.
    y, logit : array-like
        Test outcomes (0/1) and the student's logits, one per row.
    features : pandas.DataFrame, optional
        The test feature columns, same row order; without them only evidence 2 (same test
        digest) can compare this version with a champion.
    row_ids : array-like, optional
        Row identifiers (the data's id column).

    Returns
    -------
    str
        The artifact path.
    """
    frame = pd.DataFrame(index=range(len(np.asarray(y))))
    if features is not None:
        frame = features.reset_index(drop=True).copy()
        clash = sorted({ROW_ID, TARGET, LOGIT} & set(frame.columns))
        if clash:
            raise ValueError(f"feature columns {clash} clash with the reserved column names")
    if row_ids is not None:
        frame[ROW_ID] = np.asarray(row_ids)
    frame[TARGET] = np.asarray(y, dtype=np.int8)
    frame[LOGIT] = np.asarray(logit, dtype=np.float64)
    folder, name = TEST_SCORES_ARTIFACT.rsplit("/", 1)
    with tempfile.TemporaryDirectory(prefix="risk_models_scores_") as tmp:
        path = Path(tmp) / name
        frame.to_parquet(path, index=False)
        client.log_artifact(run_id, str(path), artifact_path=folder)
    return TEST_SCORES_ARTIFACT


@dataclass(frozen=True)
class ChampionComparison:
    """How the candidate compares with the champion, and on what evidence."""

    champion_version: str | None
    evidence: str
    metrics: dict[str, float] = field(default_factory=dict)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_exported(client: Any, version: Any) -> Any:
    """The ``ShapeTable`` or ``RuleSet`` inside a registered version's model (JSON, no pickle)."""
    import mlflow.artifacts

    from risk_models.students.rules import RuleSet
    from risk_models.students.shape_table import ShapeTable

    root = client.get_model_version_download_uri(version.name, str(version.version))
    root = f"{root.rstrip('/')}/artifacts"
    listed = {
        Path(a.path).name
        for a in mlflow.artifacts.list_artifacts(
            artifact_uri=root, tracking_uri=client.tracking_uri
        )
    }
    for name, cls in (("shape_table.json", ShapeTable), ("rule_set.json", RuleSet)):
        if name in listed:
            with tempfile.TemporaryDirectory(prefix="risk_models_champion_") as tmp:
                local = mlflow.artifacts.download_artifacts(
                    artifact_uri=f"{root}/{name}", dst_path=tmp, tracking_uri=client.tracking_uri
                )
                return cls.load(local)
    raise RegistryError(
        f"{version.name} v{version.version}: its model ({root}) holds no shape_table.json or "
        "rule_set.json; only students logged by riskdistill can be compared"
    )


def _test_rows(client: Any, run_id: str | None) -> pd.DataFrame | None:
    if not run_id:
        return None
    listed = {a.path for a in client.list_artifacts(run_id, TEST_SCORES_ARTIFACT.split("/")[0])}
    if TEST_SCORES_ARTIFACT not in listed:
        return None
    with tempfile.TemporaryDirectory(prefix="risk_models_scores_") as tmp:
        local = client.download_artifacts(run_id, TEST_SCORES_ARTIFACT, tmp)
        return pd.read_parquet(local)


def _metrics(y: np.ndarray, candidate: np.ndarray, champion: np.ndarray) -> dict[str, float]:
    from scipy.special import expit

    from risk_models.evaluation.metrics import classification_metrics

    cand = classification_metrics(y, expit(candidate))
    champ = classification_metrics(y, expit(champion))
    return _paired_names(cand, champ)


def _paired_names(cand: dict[str, float], champ: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in COMPARED_METRICS:
        if m in cand and m in champ:
            out[f"candidate_{m}"] = float(cand[m])
            out[f"champion_{m}"] = float(champ[m])
            out[f"{m}_vs_champion"] = float(cand[m]) - float(champ[m])
    return out


def _paired(client: Any, candidate: Any, champion: Any) -> tuple[dict[str, float] | None, str]:
    rows = _test_rows(client, candidate.run_id)
    if rows is None:
        return None, f"candidate run {candidate.run_id} logged no {TEST_SCORES_ARTIFACT}"
    champ_model = load_exported(client, champion)
    cand_model = load_exported(client, candidate)
    absent = [f for f in champ_model.features if f not in rows.columns]
    if absent:
        return None, f"the candidate's logged test rows lack champion feature(s) {absent}"
    absent = [f for f in cand_model.features if f not in rows.columns]
    if absent:
        return None, f"the candidate's logged test rows lack its own feature(s) {absent}"
    cand_logit = np.asarray(cand_model.predict_logit(rows), dtype=float)
    diff = float(np.max(np.abs(cand_logit - rows[LOGIT].to_numpy(dtype=float)), initial=0.0))
    if diff > LOGIT_TOLERANCE:
        return None, (
            f"the candidate's table does not reproduce its logged test logits (max diff "
            f"{diff:.3g}): the test rows belong to another model"
        )
    champ_logit = np.asarray(champ_model.predict_logit(rows), dtype=float)
    metrics = _metrics(rows[TARGET].to_numpy(), cand_logit, champ_logit)
    return metrics, f"both tables scored on the candidate's {len(rows)} logged test rows"


def _logged(client: Any, candidate: Any, champion: Any) -> tuple[dict[str, float] | None, str]:
    key = "risk_models.digest.test"
    d_cand, d_champ = (dict(v.tags or {}).get(key) for v in (candidate, champion))
    if not d_cand or not d_champ:
        return None, f"a version lacks the {key} tag"
    if d_cand != d_champ:
        return None, f"test digests differ (candidate {d_cand}, champion {d_champ})"
    if not candidate.run_id or not champion.run_id:
        return None, "a version has no run"
    runs = [client.get_run(v.run_id).data.metrics for v in (candidate, champion)]
    cand, champ = ({k[5:]: v for k, v in r.items() if k.startswith("test.")} for r in runs)
    if not cand or not champ:
        return None, "a student run logged no test.* metrics"
    return _paired_names(cand, champ), f"same test rows (digest {d_cand}): logged test metrics"


def compare_with_champion(client: Any, candidate: Any, champion: Any | None) -> ChampionComparison:
    """Compare a candidate version with the champion version on the best available evidence.

    Parameters
    ----------
    client : mlflow.MlflowClient
        Tracking and registry client.
    candidate, champion : mlflow.entities.model_registry.ModelVersion
        The versions; ``champion=None`` when the model has none.

    Returns
    -------
    ChampionComparison
        ``evidence`` is ``no_champion``, ``paired``, ``logged_metrics`` or ``unavailable``
        (``detail`` then gives every reason).
    """
    if champion is None:
        return ChampionComparison(None, "no_champion", {}, "no current champion")
    reasons = []
    for evidence, how in (("paired", _paired), ("logged_metrics", _logged)):
        metrics, detail = how(client, candidate, champion)
        if metrics is not None:
            return ChampionComparison(str(champion.version), evidence, metrics, detail)
        reasons.append(detail)
    return ChampionComparison(str(champion.version), "unavailable", {}, "; ".join(reasons))


def champion_rules(
    candidate: Any, policy: Sequence[GateRule] | None = None
) -> tuple[GateRule, ...]:
    """The champion-relative rules: ``policy``, else the candidate's tag, else the default."""
    if policy is not None:
        return tuple(policy)
    raw = dict(candidate.tags or {}).get(CHAMPION_GATES_TAG)
    if raw is None:
        return parse_rules(DEFAULT_CHAMPION_GATES)
    try:
        return parse_rules(json.loads(raw))
    except (ValueError, AttributeError, TypeError) as exc:
        raise RegistryError(
            f"{candidate.name} v{candidate.version}: tag {CHAMPION_GATES_TAG} is not a gate "
            f'policy ({exc}); expected JSON like {{"auc_vs_champion": {{"min": 0.0}}}}'
        ) from None


def champion_checks(
    comparison: ChampionComparison, rules: Sequence[GateRule], student: str
) -> list[dict[str, Any]]:
    """Gate-report checks (``name``, ``value``, ``threshold``, ``comparison``, ``passed``).

    No checks without a champion or without rules; one failing check per rule (value ``None``)
    when the evidence is ``unavailable``; else :func:`evaluate_policy` over the metrics.
    """
    if comparison.evidence == "no_champion" or not rules:
        return []
    if comparison.evidence == "unavailable":
        return [
            {
                "name": r.metric,
                "value": None,
                "threshold": r.threshold,
                "comparison": r.op,
                "passed": False,
            }
            for r in rules
        ]
    from risk_models.evaluation.gate_policy import UnknownMetricError

    try:
        report = evaluate_policy(student, comparison.metrics, rules)
    except UnknownMetricError as exc:
        raise RegistryError(f"champion-relative gates: {exc}") from None
    checks: list[dict[str, Any]] = report.to_dict()["checks"]
    return checks
