"""Teacher models and their ensemble (loaded lazily: Torch only when the MLP is used)."""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "XGBTeacher": "boosted",
    "LGBMTeacher": "boosted",
    "TorchMLPTeacher": "torch_mlp",
    "AdditiveTeacher": "additive",
    "LinearTeacher": "linear",
    "TeacherEnsemble": "ensemble",
    "BaggedMember": "bagging",
    "build_teacher": "ensemble",
    "fit_logit_weights": "combine",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module 'risk_models.teachers' has no attribute {name!r}")
    return getattr(importlib.import_module(f"risk_models.teachers.{_NAMES[name]}"), name)
