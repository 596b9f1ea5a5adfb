"""Soft labels, the transfer set and the distillation loss."""

from risk_models.distill.loss import (
    distillation_grad_hess,
    distillation_loss,
    distillation_row_loss,
    mixed_target,
)
from risk_models.distill.munge import make_transfer_set
from risk_models.distill.soft_labels import (
    SoftLabels,
    make_soft_labels,
    soft_labels_from_cross_fit,
)
from risk_models.distill.training_set import StudentTrainingSet, build_training_set

__all__ = [
    "SoftLabels",
    "StudentTrainingSet",
    "build_training_set",
    "distillation_grad_hess",
    "distillation_loss",
    "distillation_row_loss",
    "make_soft_labels",
    "make_transfer_set",
    "mixed_target",
    "soft_labels_from_cross_fit",
]
