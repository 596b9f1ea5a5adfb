"""Input columns as the scorer reads them, from a pandas frame or an Arrow batch, once per feature.

A numeric feature becomes float64 values (NaN = missing) and their float32 image, which is what
the bin edges are compared with (as XGBoost does). A categorical feature becomes codes into the
distinct values of the column, each value written as a level string: ``1``, ``1.0`` and ``"1"``
all become ``"1"``; ``None``/NaN are missing. Both are computed once per feature and shared by
every term (and every reason code) that reads the feature.

Each also records what the caller's invalid-value policy needs: text in a numeric column
(``wrong_type``) and ``+-inf`` (``infinite``). Text equal to one of the model's declared
markers (``markers``, :mod:`.markers`; blanks around ignored) reads as missing in both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .markers import marker_cells

#: ``pandas.api.types.infer_dtype`` results whose values can be factorised directly: no mix
#: of booleans with numbers (``True == 1`` would merge two different level strings).
_FACTORISABLE = {"string", "empty", "integer", "floating", "mixed-integer-float", "boolean"}


def level_string(v: Any) -> Any:
    """One value as a level string; ``NaN`` for a missing value."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return np.nan
    if isinstance(v, (float, np.floating)):
        if math.isnan(float(v)):
            return np.nan
        if float(v).is_integer():
            return str(int(v))
    return str(v)


def is_arrow(values: Any) -> bool:
    """Whether ``values`` is a pyarrow Array or ChunkedArray (without importing pyarrow)."""
    return type(values).__module__.startswith("pyarrow")


def get_column(data: Any, name: str) -> Any:
    """Column ``name`` of a pandas frame, an Arrow RecordBatch/Table or a mapping."""
    if hasattr(data, "schema") and hasattr(data, "column") and not isinstance(data, pd.DataFrame):
        return data.column(name)
    return data[name]


def column_names(data: Any) -> list[str]:
    """Column names of a pandas frame, an Arrow RecordBatch/Table or a mapping."""
    if isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    if hasattr(data, "schema") and hasattr(data, "column"):
        return list(data.schema.names)
    return [str(c) for c in data]


def n_rows(data: Any) -> int:
    """Number of rows of a frame, batch or mapping of equal-length columns."""
    if hasattr(data, "num_rows"):
        return int(data.num_rows)
    if isinstance(data, pd.DataFrame):
        return len(data)
    for v in data.values():
        return len(v)
    return 0


def _arrow_to_pandas(values: Any) -> pd.Series:
    return pd.Series(values.to_pandas())


#: Integers up to this magnitude convert to float32 directly exactly as through float64.
_EXACT_INT = 2**53


class NumericColumn:
    """A numeric feature: its numbers (``raw``: integers or floats, NaN = missing) and problems.

    ``x64`` (float64) and ``x32`` (its float32 image, what edges are compared with) are built on
    demand; :meth:`x32_block` converts a slice only, so scoring reads each value once.
    ``source`` names the input column the values were derived from (a date column, see
    :mod:`.dates`), ``None`` when they are the feature's own column.
    """

    def __init__(
        self,
        raw: np.ndarray,
        wrong_type: np.ndarray | None = None,
        infinite: np.ndarray | None = None,
        source: str | None = None,
    ) -> None:
        self.raw = raw
        self.wrong_type = wrong_type
        self.infinite = infinite
        self.source = source
        self._direct = raw.dtype.kind == "f" or (
            len(raw) == 0 or max(abs(int(raw.min())), abs(int(raw.max()))) <= _EXACT_INT
        )
        self._x64: np.ndarray | None = None
        self._x32: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.raw)

    @property
    def has_nan(self) -> bool:
        return self.raw.dtype.kind == "f" and bool(np.isnan(self.raw).any())

    @property
    def x64(self) -> np.ndarray:
        if self._x64 is None:
            self._x64 = self.raw.astype(np.float64, copy=False)
        return self._x64

    @property
    def x32(self) -> np.ndarray:
        if self._x32 is None:
            self._x32 = self.x32_block(0, len(self.raw))
        return self._x32

    def x32_block(self, lo: int, hi: int) -> np.ndarray:
        """float32 image of rows ``lo:hi`` (as ``float32(float64(value))``)."""
        if self._x32 is not None:
            return self._x32[lo:hi]
        part = self.raw[lo:hi]
        if not self._direct:
            part = part.astype(np.float64)
        with np.errstate(over="ignore"):  # beyond float32: +-inf, as in XGBoost
            return part.astype(np.float32)

    def missing(self) -> np.ndarray:
        return np.isnan(self.raw) if self.raw.dtype.kind == "f" else np.zeros(len(self), bool)

    def masked(self, rows: np.ndarray) -> NumericColumn:
        """A copy where ``rows`` (bool) read as missing."""
        return NumericColumn(
            np.where(rows, np.nan, self.x64), self.wrong_type, self.infinite, self.source
        )


def numeric_column(values: Any, markers: tuple[str, ...] = ()) -> NumericColumn:
    """Read a numeric feature: numbers as they are, missing (and text) as NaN.

    The values are those of ``pd.to_numeric(values, errors="coerce")``; text that is not a
    number is flagged in ``wrong_type``, unless it is blank, ``nan``/``null``-like or one of
    ``markers`` (a missing value).
    """
    wrong = None
    if is_arrow(values):
        import pyarrow as pa

        t = values.type
        if (pa.types.is_integer(t) or pa.types.is_floating(t)) and not pa.types.is_float16(t):
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            raw = np.asarray(values.to_numpy(zero_copy_only=False))
        elif pa.types.is_boolean(t):
            raw = _arrow_to_pandas(values).astype("float64").to_numpy()
        else:
            raw, wrong = _parse_arrow_text(values, markers)
    else:
        s = values if isinstance(values, pd.Series) else pd.Series(values)
        dt = s.dtype
        if isinstance(dt, np.dtype) and dt.kind in "iuf":
            raw = s.to_numpy()
        elif (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)) and not (
            isinstance(dt, pd.CategoricalDtype)
        ):
            raw = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            raw, wrong = _parse_numbers(s, markers)
    if raw.dtype.kind not in "iuf" or raw.dtype.itemsize > 8:
        raw = raw.astype(np.float64)
    raw = np.ascontiguousarray(raw)
    inf = None
    if raw.dtype.kind == "f":
        inf = np.isinf(raw)
        inf = inf if inf.any() else None
    return NumericColumn(raw, wrong, inf)


def _parse_arrow_text(
    values: Any, markers: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray | None]:
    """Numbers stored as Arrow text (CSV columns): one vectorised cast, else row by row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        try:
            cast = pc.cast(pc.utf8_trim_whitespace(values), pa.float64())
            return np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.float64), None
        except pa.ArrowInvalid:
            pass  # some text is not a number
    return _parse_numbers(_arrow_to_pandas(values), markers)


def _parse_numbers(
    s: pd.Series, markers: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray | None]:
    s = s.reset_index(drop=True)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    parsed = pd.to_numeric(s, errors="coerce")
    x64 = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    wrong = s.notna().to_numpy() & np.isnan(x64)
    if wrong.any() and s.dtype == object:  # a blank or "nan" text is a missing value
        text = s.astype(str).str.strip().str.lower().to_numpy()
        wrong &= ~np.isin(text, ["", "nan", "none", "null", "na", "<na>"])
    if wrong.any() and markers:  # declared markers: missing, not wrong_type
        rows = np.flatnonzero(wrong)
        wrong[rows[marker_cells(s.iloc[rows].astype(str).tolist(), markers)]] = False
    return x64, wrong if wrong.any() else None


@dataclass(frozen=True, eq=False)
class LevelColumn:
    """A categorical feature: ``codes`` into ``uniques`` (level strings), ``-1`` = missing."""

    codes: np.ndarray
    uniques: list[str]

    def masked(self, rows: np.ndarray) -> LevelColumn:
        """A copy where ``rows`` (bool) read as missing."""
        return LevelColumn(np.where(rows, -1, self.codes), self.uniques)

    def without_markers(self, markers: tuple[str, ...]) -> LevelColumn:
        """This column with every level equal to one of ``markers`` (stripped) read as missing."""
        if not markers or not self.uniques:
            return self
        hit = np.append(marker_cells(self.uniques, markers), False)  # code -1 stays missing
        if not hit.any():
            return self
        return LevelColumn(np.where(hit[self.codes], -1, self.codes), self.uniques)


def _from_factorised(codes: np.ndarray, uniques: Any) -> LevelColumn:
    strings = [level_string(v) for v in list(uniques)]
    miss = [i for i, v in enumerate(strings) if not isinstance(v, str)]
    codes = np.asarray(codes, dtype=np.intp)
    if miss:  # a unique value that reads as missing (e.g. a float NaN category)
        lut = np.arange(len(strings) + 1, dtype=np.intp)
        lut[miss] = -1
        lut[-1] = -1
        codes = lut[codes]
        strings = [s if isinstance(s, str) else "" for s in strings]
    return LevelColumn(codes, strings)


def level_column(values: Any, markers: tuple[str, ...] = ()) -> LevelColumn:
    """Read a categorical feature as codes into its distinct level strings (a level equal to
    one of ``markers``, blanks around ignored, is missing)."""
    return _level_column(values).without_markers(markers)


def _level_column(values: Any) -> LevelColumn:
    if is_arrow(values):
        import pyarrow as pa
        import pyarrow.compute as pc

        t = values.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
            arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
            enc = arr if pa.types.is_dictionary(t) else pc.dictionary_encode(arr)
            idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            return _from_factorised(idx, enc.dictionary.to_pylist())
        values = _arrow_to_pandas(values)
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _from_factorised(s.cat.codes.to_numpy(), s.cat.categories)
    if s.dtype == object:
        kind = pd.api.types.infer_dtype(s, skipna=True)
        if kind not in _FACTORISABLE:  # mixed types: one value at a time, exactly
            s = s.map(level_string).astype(object)
    codes, uniques = pd.factorize(s.reset_index(drop=True), use_na_sentinel=True)
    return _from_factorised(codes, uniques)
