"""The only place that parses YAML: pipeline and MLflow configs as typed, frozen objects.

Errors name the YAML path of every bad field (``students[1].params``) in one report.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from risk_models.config_checks import (
    PROBLEMS,
    ColumnFacts,
    is_direction,
    member_param_problems,
    problems_error,
)
from risk_models.config_overrides import DataOverrides, apply_overrides
from risk_models.config_sections import (
    DEFAULT_GATES,
    EvaluationConfig,
    FraudConfig,
    GateBounds,
    RegistryConfig,
    StrictSection,
    check_gate_names,
)
from risk_models.errors import ConfigError
from risk_models.students.param_specs import STUDENT_PARAMS
from risk_models.teachers.param_specs import TEACHER_PARAMS


def _seed() -> Any:
    """A seed field: an integer in [0, 2**32) (NumPy's range), default 0."""
    return Field(0, ge=0, lt=2**32, strict=True)


class SyntheticSource(StrictSection):
    kind: Literal["credit", "fraud"] = "credit"
    n_rows: int = Field(20_000, ge=100, strict=True)
    seed: int = _seed()

    def columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """All columns of the generated table and its categorical ones (without generating)."""
        from risk_models.data.synthetic import CREDIT_SPEC, FRAUD_SPEC

        spec = CREDIT_SPEC if self.kind == "credit" else FRAUD_SPEC
        roles = (spec.id_column, spec.time_column, spec.target)
        return (*spec.features, *(r for r in roles if r)), spec.categorical


class DataConfig(StrictSection):
    path: str | None = None
    synthetic: SyntheticSource | None = None
    target: str
    positive_label: str | int | float | bool = 1
    id_column: str | None = None
    time_column: str | None = None
    segment_column: str | None = None
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    monotone: dict[str, int] = Field(default_factory=dict)
    high_cardinality: Literal["drop", "refuse"] = "drop"
    date_features: tuple[str, ...] = ()
    # Text values read as missing ("unknown") in text columns; [] reads every value as is
    # (default: risk_models.data.contract.DEFAULT_MISSING_VALUES, kept equal by a test).
    missing_values: tuple[str, ...] = ("?",)

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        if (self.path is None) == (self.synthetic is None):
            raise ValueError("give exactly one of 'path' (a Parquet/CSV file) or 'synthetic'")
        return self

    @field_validator(
        "target", "id_column", "time_column", "segment_column", "features", "categorical", "exclude"
    )
    @classmethod
    def _synthetic_column(cls, v: Any, info: ValidationInfo) -> Any:
        synthetic = info.data.get("synthetic")
        if synthetic is None or v is None:
            return v
        columns, _ = synthetic.columns()
        table = f"a column of the synthetic {synthetic.kind} table"
        if isinstance(v, str):
            if v not in columns:
                raise problems_error([("", f"{v!r} is not {table}; its columns: {list(columns)}")])
            return v
        bad = [(f"[{i}]", f"{n!r} is not {table}") for i, n in enumerate(v) if n not in columns]
        if bad:
            raise problems_error(bad)
        return v

    @field_validator("monotone", mode="before")
    @classmethod
    def _monotone(cls, v: Any, info: ValidationInfo) -> Any:
        if not isinstance(v, Mapping):
            return v  # pydantic refuses it as not a mapping
        problems = [
            (str(f), f"must be +1 (risk rises with the value) or -1 (risk falls), got {d!r}")
            for f, d in v.items()
            if not is_direction(d)
        ]
        problems += ColumnFacts.from_values(info.data).monotone_problems(v)
        if problems:
            raise problems_error(problems)
        return v

    def column_facts(self) -> ColumnFacts:
        """The columns this section declares (see :class:`ColumnFacts`)."""
        return ColumnFacts.from_values(dict(self))


class SplitConfig(StrictSection):
    method: Literal["random", "out_of_time"] = "random"
    test_size: float = Field(0.25, gt=0, lt=1, strict=True)
    valid_size: float = Field(0.15, gt=0, lt=1, strict=True)
    seed: int = _seed()

    @model_validator(mode="after")
    def _sizes(self) -> SplitConfig:
        if self.test_size + self.valid_size >= 0.9:
            raise ValueError("test_size + valid_size must leave at least 10% for training")
        return self


class TeacherConfig(StrictSection):
    name: str
    kind: Literal["xgboost", "lightgbm", "torch_mlp", "additive", "linear"]
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = _seed()

    @model_validator(mode="after")
    def _checkmember_param_problems(self) -> TeacherConfig:
        params = dict(self.params)
        problems = []
        if "random_state" in params:
            params.pop("random_state")
            problems.append(("params.random_state", "set the member's seed with 'seed', not here"))
        problems += member_param_problems(self.kind, TEACHER_PARAMS[self.kind], params)
        if problems:
            raise problems_error(problems)
        return self


class EnsembleConfig(StrictSection):
    weighting: Literal["equal", "fitted"] = "equal"
    calibration: Literal["none", "temperature", "platt"] = "none"
    # 0: fit members once (early stopping on valid); K >= 2: cross-fit every member over K
    # folds of train + valid; the out-of-fold ensemble scores then serve as soft labels.
    cv_folds: int = Field(0, ge=0, le=20, strict=True)
    # Penalty on sum(w^2) when weights are fitted: shrinks them towards equal shares.
    weight_l2: float = Field(0.0, ge=0, strict=True)
    # Out-of-fold folds: random, or forward-chaining blocks of event time (no fold model learns
    # from the future of the rows it labels); unset = time for an out-of-time split.
    fold_order: Literal["random", "time"] | None = None
    # Random folds: at most this many rows x folds (at least 3 folds, at most cv_folds), so a
    # large book cross-fits over fewer folds; unset = always cv_folds.
    cv_row_budget: int | None = Field(None, ge=1, strict=True)

    @field_validator("cv_folds")
    @classmethod
    def _not_one(cls, v: int) -> int:
        if v == 1:
            raise ValueError("cv_folds must be 0 (off) or at least 2")
        return v


class TransferConfig(StrictSection):
    """MUNGE transfer set: extra unlabelled rows labelled by the full teacher ensemble."""

    n_rows: int = Field(0, ge=0, strict=True)
    # Scale with the book: at most per_train_row transfer rows per training row (n_rows caps).
    per_train_row: float | None = Field(None, gt=0)
    # The transfer rows only top the students' rows up to this many (real + transfer): a
    # large book's own rows are soft-labelled already; unset = no such cap.
    max_total_rows: int | None = Field(None, ge=1, strict=True)
    swap_prob: float = Field(0.5, ge=0, le=1, strict=True)
    jitter: float = Field(1.0, gt=0, strict=True)
    seed: int = _seed()

    def rows_for(self, n_train: int) -> int:
        """Transfer rows for ``n_train`` training rows: ``n_rows``, or with ``per_train_row``
        the smaller of ``n_rows`` and ``ceil(per_train_row * n_train)``; with
        ``max_total_rows``, at most ``max_total_rows - n_train`` (none for a book that has
        that many training rows)."""
        n = self.n_rows
        if self.per_train_row is not None:
            n = min(n, math.ceil(self.per_train_row * n_train))
        if self.max_total_rows is not None:
            n = min(n, max(0, self.max_total_rows - n_train))
        return n


class TailConfig(StrictSection):
    """Lean students towards the teacher's high-risk rows (risk_models.distill.training_set)."""

    share: float = Field(0.0, ge=0, lt=1, strict=True)
    weight: float = Field(1.0, ge=1, strict=True)
    keep_rest: float = Field(1.0, gt=0, le=1, strict=True)
    transfer_share: float = Field(0.0, ge=0, le=1, strict=True)


class DistillConfig(StrictSection):
    n_folds: int = Field(5, ge=2, le=20, strict=True)
    temperature: float = Field(1.0, gt=0, strict=True)
    alpha: float = Field(0.0, ge=0, le=1, strict=True)
    transfer: TransferConfig = TransferConfig()
    tail: TailConfig = TailConfig()


class StudentConfig(StrictSection):
    name: str
    kind: Literal["gam", "ga2m", "scorecard", "nam", "tree"]
    params: dict[str, Any] = Field(default_factory=dict)
    monotone_from_data: bool = True

    @model_validator(mode="after")
    def _checkmember_param_problems(self) -> StudentConfig:
        problems = member_param_problems(self.kind, STUDENT_PARAMS[self.kind], dict(self.params))
        if problems:
            raise problems_error(problems)
        return self


class PipelineConfig(StrictSection):
    name: str
    data: DataConfig
    split: SplitConfig = SplitConfig()
    teachers: tuple[TeacherConfig, ...]
    ensemble: EnsembleConfig = EnsembleConfig()
    distill: DistillConfig = DistillConfig()
    students: tuple[StudentConfig, ...]
    evaluation: EvaluationConfig = EvaluationConfig()
    # Fraud yardsticks (alert rates, amount, costs); None = none computed (credit configs).
    fraud: FraudConfig | None = None
    gates: dict[str, GateBounds] = Field(
        default_factory=lambda: {k: GateBounds(**v) for k, v in DEFAULT_GATES.items()}
    )
    registry: RegistryConfig

    @field_validator("fraud")
    @classmethod
    def _amount_is_a_feature(
        cls, v: FraudConfig | None, info: ValidationInfo
    ) -> FraudConfig | None:
        """``fraud.amount_column`` must be a numeric feature (when the features are known
        before reading data; the data step checks it against the file otherwise)."""
        data = info.data.get("data")
        if v is None or v.amount_column is None or data is None:
            return v
        facts = data.column_facts()
        name = v.amount_column
        if facts.features is not None and name not in facts.features:
            raise problems_error(
                [("amount_column", f"{name!r} is not a feature; features: {list(facts.features)}")]
            )
        if name in facts.categorical:
            raise problems_error(
                [("amount_column", f"{name!r} is categorical; the amount must be numeric")]
            )
        return v

    @field_validator("gates")
    @classmethod
    def _gate_names(cls, v: dict[str, GateBounds], info: ValidationInfo) -> dict[str, GateBounds]:
        from risk_models.evaluation.gate_policy import (
            fraud_section_hint,
            known_gate_metrics,
            looks_like_fraud_metric,
        )

        if not v:
            raise ValueError("needs at least one gate (a student is only registered through gates)")
        if "fraud" not in info.data:  # the fraud section has its own errors
            v_known = {k: b for k, b in v.items() if not looks_like_fraud_metric(k)}
            check_gate_names(v_known, known_gate_metrics(), "gate")
            return v
        fraud = info.data["fraud"]
        known = known_gate_metrics(fraud.gate_metrics() if fraud is not None else None)
        hint = "" if fraud is not None else fraud_section_hint(list(v))
        check_gate_names(v, known, "gate", hint)
        return v

    @field_validator("teachers", "students")
    @classmethod
    def _unique_names(cls, v: tuple[Any, ...]) -> tuple[Any, ...]:
        if not v:
            raise ValueError("needs at least one entry")
        names = [m.name for m in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"names must be unique; repeated: {dupes}")
        return v

    @field_validator("students")
    @classmethod
    def _student_features(
        cls, v: tuple[StudentConfig, ...], info: ValidationInfo
    ) -> tuple[StudentConfig, ...]:
        """Features named in students' ``monotone`` and ``pairs`` must be features (when the
        features are known before reading data) and, for ``monotone``, numeric."""
        data = info.data.get("data")
        if data is None:
            return v  # the data section has its own errors
        facts = data.column_facts()
        problems: list[tuple[str, str]] = []
        for i, student in enumerate(v):
            at = f"[{i}].params"
            monotone = student.params.get("monotone") or {}
            for path, msg in facts.monotone_problems(monotone):
                problems.append((f"{at}.monotone.{path}", msg))
            for j, pair in enumerate(student.params.get("pairs") or ()):
                known = facts.features
                unknown = [p for p in pair if known is not None and p not in known]
                if unknown:
                    problems.append((f"{at}.pairs[{j}]", f"names unknown feature(s) {unknown}"))
        if problems:
            raise problems_error(problems)
        return v

    def fold_order(self) -> Literal["random", "time"]:
        """``ensemble.fold_order``; unset, time folds for an out-of-time split."""
        if self.ensemble.fold_order is not None:
            return self.ensemble.fold_order
        return "time" if self.split.method == "out_of_time" else "random"

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON form (after defaults), first 16 hex digits."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class MlflowConfig(StrictSection):
    tracking_uri: str = "sqlite:///mlflow.db"
    registry_uri: str | None = None
    experiment: str = "risk_models"
    artifact_location: str | None = None
    champion_alias: str = "champion"
    challenger_alias: str = "challenger"


def _yaml_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith("function-"):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "<top level>"


def _format_errors(err: ValidationError) -> list[str]:
    problems = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not str(p).startswith(("function-", "literal[")))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field (check spelling; see pipelines/*.yaml for the accepted keys)"
        if e["type"] == PROBLEMS:
            base = _yaml_path(loc) if loc else ""
            for path, text in e["ctx"]["problems"]:
                where = f"{base}.{path}" if base and path else (base or path or "<top level>")
                problems.append(f"{where.replace('.[', '[')}: {text}")
            continue
        problems.append(f"{_yaml_path(loc)}: {msg}")
    return problems


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(str(path), ["file not found"]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}"]) from exc


def parse_pipeline_config(raw: Any, source: str = "<dict>") -> PipelineConfig:
    """Validate a parsed YAML mapping into a :class:`PipelineConfig`."""
    if not isinstance(raw, dict):
        raise ConfigError(source, ["<top level>: expected a mapping of sections"])
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, _format_errors(exc)) from None


def load_pipeline_config(
    path: str | Path, overrides: Mapping[str, Any] | DataOverrides | None = None
) -> PipelineConfig:
    """Read and validate a pipeline YAML, with command-line ``overrides`` of its data section.

    See :func:`load_run_config`; without the data file's columns a ``path`` override drops
    every column role of the config (and the notes saying so are not returned).
    """
    return load_run_config(path, overrides)[0]


def load_run_config(
    path: str | Path,
    overrides: Mapping[str, Any] | DataOverrides | None = None,
    file_columns: Sequence[str] | None = None,
) -> tuple[PipelineConfig, list[str]]:
    """Read a pipeline YAML, apply command-line overrides, validate; return it with notes.

    Parameters
    ----------
    path : the pipeline YAML.
    overrides : a :class:`~risk_models.config_overrides.DataOverrides` (or a mapping of its
        fields). A ``path`` override switches the source to that file and keeps the config's
        column roles for the columns the file has (``file_columns``); see
        :func:`~risk_models.config_overrides.apply_overrides`.
    file_columns : the columns of the override's data file, read from its header/schema.

    Returns
    -------
    tuple
        ``(config, notes)``; each note says which config role was dropped for the file (or
        which setting ``quick`` shrank), for the console.

    Raises
    ------
    ConfigError
        For an unreadable or invalid YAML, or a flag naming a column the file lacks.
    """
    path = Path(path)
    raw = _read_yaml(path)
    notes: list[str] = []
    if overrides:
        if not isinstance(overrides, DataOverrides):
            overrides = DataOverrides.from_mapping(overrides)
        raw, notes = apply_overrides(raw, overrides, file_columns)
    return parse_pipeline_config(raw, str(path)), notes


def find_mlflow_config(pipeline_config: str | Path) -> tuple[Path | None, str]:
    """Which ``mlflow.yaml`` a run uses when ``--mlflow-config`` is not given, and why.

    ``./mlflow.yaml`` (the working directory) first; else the one beside the pipeline config's
    repository (``pipelines/credit.yaml`` -> ``mlflow.yaml`` one folder above ``pipelines/``);
    else none, and the defaults apply (a SQLite store ``mlflow.db`` in the working directory).

    Returns
    -------
    tuple
        ``(path or None, a sentence for the console saying which settings are used)``.
    """
    here = Path("mlflow.yaml")
    if here.is_file():
        return here, f"MLflow settings from {here.resolve()}"
    beside = Path(pipeline_config).resolve().parent.parent / "mlflow.yaml"
    if beside.is_file():
        return beside, (
            f"MLflow settings from {beside} (no mlflow.yaml in the working directory; this one "
            "is beside the pipeline config's repository)"
        )
    return None, (
        "no mlflow.yaml in the working directory or beside the pipeline config's repository: "
        "MLflow defaults (store sqlite:///mlflow.db in the working directory)"
    )


def load_mlflow_config(
    path: str | Path | None = None, tracking_uri: str | None = None
) -> MlflowConfig:
    """Read ``mlflow.yaml`` (defaults when ``path`` is None or absent); ``tracking_uri`` wins."""
    raw: dict[str, Any] = {}
    source = "<defaults>"
    if path is not None and Path(path).exists():
        source = str(path)
        loaded = _read_yaml(Path(path))
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(source, ["<top level>: expected a mapping"])
        raw = dict(loaded or {})
    elif path is not None and str(path) != "mlflow.yaml":
        raise ConfigError(str(path), ["file not found"])
    if tracking_uri:
        raw["tracking_uri"] = tracking_uri
    try:
        return MlflowConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, _format_errors(exc)) from None
