"""A monotone direction on a column the file lacks is refused at data validation, by name.

(Config loading checks monotone names when the features are known without reading data;
with features taken from a file, this is where the check happens, before anything trains.)
"""

import re

import numpy as np
import pandas as pd
import pytest

from risk_models.data import DataSpec, validate_frame
from risk_models.errors import DataValidationError

FRAME = pd.DataFrame({"x": np.arange(10.0), "c": list("ab" * 5), "y": [0, 1] * 5})


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        (DataSpec(target="y", monotone={"foo": 1}), "'foo'"),
        (DataSpec(target="y", features=("x", "c"), monotone={"foo": 1, "c": -1}), "'foo', 'c'"),
    ],
)
def test_missing_or_categorical_monotone_column_is_named(spec: DataSpec, named: str) -> None:
    message = (
        "book.csv: 1 data problem(s):\n"
        f"  - monotone constraint(s) on {named}, which are not numeric features; "
        "remove them from monotone"
    )
    with pytest.raises(DataValidationError, match=f"^{re.escape(message)}$"):
        validate_frame(FRAME, spec, "book.csv")
