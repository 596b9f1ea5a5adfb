"""Data: the column contract, reading and validation, synthetic tables, splits, and the one
check of what an estimator receives (:mod:`risk_models.data.inputs`)."""

from risk_models.data.contract import DataSpec
from risk_models.data.inputs import check_fit_inputs, check_frame, concat_rows, is_categorical
from risk_models.data.io import ACCEPTED_SUFFIXES, read_table, table_format, write_table
from risk_models.data.split import SPLIT_METHODS, Splits, holdout_split, split_data
from risk_models.data.synthetic import (
    CREDIT_SPEC,
    FRAUD_SPEC,
    SyntheticData,
    credit_true_logit,
    fraud_true_logit,
    make_credit_book,
    make_fraud_stream,
    write_synthetic,
)
from risk_models.data.validation import ValidatedData, validate_file, validate_frame

__all__ = [
    "ACCEPTED_SUFFIXES",
    "CREDIT_SPEC",
    "FRAUD_SPEC",
    "SPLIT_METHODS",
    "DataSpec",
    "Splits",
    "SyntheticData",
    "ValidatedData",
    "check_fit_inputs",
    "check_frame",
    "concat_rows",
    "credit_true_logit",
    "fraud_true_logit",
    "holdout_split",
    "is_categorical",
    "make_credit_book",
    "make_fraud_stream",
    "read_table",
    "split_data",
    "table_format",
    "validate_file",
    "validate_frame",
    "write_synthetic",
    "write_table",
]
