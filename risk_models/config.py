"""The only place that parses YAML: pipeline and MLflow configs as typed, frozen objects.

Errors name the YAML path of every bad field (``students[1].params``) in one report.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from risk_models.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_params(kind: str, known: set[str], params: dict[str, Any]) -> None:
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(f"unknown {kind} parameter(s) {unknown}; known: {sorted(known)}")


class SyntheticSource(_Strict):
    kind: Literal["credit", "fraud"] = "credit"
    n_rows: int = Field(20_000, ge=100)
    seed: int = 0


class DataConfig(_Strict):
    path: str | None = None
    synthetic: SyntheticSource | None = None
    target: str
    positive_label: str | int | float | bool = 1
    id_column: str | None = None
    time_column: str | None = None
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    monotone: dict[str, Literal[-1, 0, 1]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        if (self.path is None) == (self.synthetic is None):
            raise ValueError("give exactly one of 'path' (a Parquet/CSV file) or 'synthetic'")
        return self


class SplitConfig(_Strict):
    method: Literal["random", "out_of_time"] = "random"
    test_size: float = Field(0.25, gt=0, lt=1)
    valid_size: float = Field(0.15, gt=0, lt=1)
    seed: int = 0

    @model_validator(mode="after")
    def _sizes(self) -> SplitConfig:
        if self.test_size + self.valid_size >= 0.9:
            raise ValueError("test_size + valid_size must leave at least 10% for training")
        return self


class TeacherConfig(_Strict):
    name: str
    kind: Literal["xgboost", "lightgbm", "torch_mlp"]
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0

    @model_validator(mode="after")
    def _known_params(self) -> TeacherConfig:
        from risk_models.teachers.ensemble import teacher_class

        known = set(teacher_class(self.kind)().get_params())
        unknown = sorted(set(self.params) - known - {"random_state"})
        if unknown:
            raise ValueError(f"unknown {self.kind} parameter(s) {unknown}; known: {sorted(known)}")
        return self


class EnsembleConfig(_Strict):
    weighting: Literal["equal", "fitted"] = "equal"
    calibration: Literal["none", "temperature", "platt"] = "none"
    # 0: fit members once (early stopping on valid); K >= 2: cross-fit every member over K
    # folds of train + valid; the out-of-fold ensemble scores then serve as soft labels.
    cv_folds: int = Field(0, ge=0, le=20)
    # Penalty on sum(w^2) when weights are fitted: shrinks them towards equal shares.
    weight_l2: float = Field(0.0, ge=0)

    @field_validator("cv_folds")
    @classmethod
    def _not_one(cls, v: int) -> int:
        if v == 1:
            raise ValueError("cv_folds must be 0 (off) or at least 2")
        return v


class TransferConfig(_Strict):
    """MUNGE transfer set: extra unlabelled rows labelled by the full teacher ensemble."""

    n_rows: int = Field(0, ge=0)
    swap_prob: float = Field(0.5, ge=0, le=1)
    jitter: float = Field(1.0, gt=0)
    seed: int = 0


class DistillConfig(_Strict):
    n_folds: int = Field(5, ge=2, le=20)
    temperature: float = Field(1.0, gt=0)
    alpha: float = Field(0.0, ge=0, le=1)
    transfer: TransferConfig = TransferConfig()


class StudentConfig(_Strict):
    name: str
    kind: Literal["gam", "ga2m", "scorecard", "nam", "tree"]
    params: dict[str, Any] = Field(default_factory=dict)
    monotone_from_data: bool = True

    @field_validator("params")
    @classmethod
    def _known_params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from risk_models.students.registry import student_class

        kind = info.data.get("kind")
        if kind is not None:
            _check_params(kind, set(student_class(kind)().get_params()), v)
        return v


class GatesConfig(_Strict):
    min_auc: float = Field(0.6, ge=0, le=1)
    max_auc_gap: float = Field(0.02, ge=0, le=1)
    min_logit_correlation: float = Field(0.9, ge=-1, le=1)


class RegistryConfig(_Strict):
    model_name: str = Field(min_length=1)


class PipelineConfig(_Strict):
    name: str
    data: DataConfig
    split: SplitConfig = SplitConfig()
    teachers: tuple[TeacherConfig, ...]
    ensemble: EnsembleConfig = EnsembleConfig()
    distill: DistillConfig = DistillConfig()
    students: tuple[StudentConfig, ...]
    gates: GatesConfig = GatesConfig()
    registry: RegistryConfig

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

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON form (after defaults), first 16 hex digits."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class MlflowConfig(_Strict):
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
    path: str | Path, overrides: dict[str, Any] | None = None
) -> PipelineConfig:
    """Read and validate a pipeline YAML; ``overrides`` replace keys of the ``data`` section.

    A ``path`` override switches the source to that file and clears the synthetic data's
    column roles (id, time, features, categorical, monotone) unless they are overridden too.
    """
    path = Path(path)
    raw = _read_yaml(path)
    if overrides and isinstance(raw, dict):
        data = dict(raw.get("data") or {})
        if overrides.get("path") is not None:
            data.pop("synthetic", None)
            for key in ("id_column", "time_column", "features", "categorical", "monotone"):
                data.pop(key, None)
        data.update({k: v for k, v in overrides.items() if v is not None})
        raw = {**raw, "data": data}
    return parse_pipeline_config(raw, str(path))


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
