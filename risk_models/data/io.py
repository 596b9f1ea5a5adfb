"""Reading and writing data tables (Parquet or CSV), chosen by file suffix.

Every failure to read a table becomes one :class:`~risk_models.errors.DataReadError`
whose message names the file and says what would fix it. Writes are atomic: the
table goes to a temporary file in the target folder first and is then moved into
place with :func:`os.replace`, so a reader never sees a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

import pandas as pd

from risk_models.errors import DataReadError

__all__ = ["ACCEPTED_SUFFIXES", "read_table", "table_format", "write_table"]

TableFormat = Literal["parquet", "csv", "csv.gz"]

#: File suffixes understood by :func:`read_table` and :func:`write_table`.
ACCEPTED_SUFFIXES: dict[str, TableFormat] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".csv.gz": "csv.gz",
}

_FORMAT_NAMES: dict[TableFormat, str] = {
    "parquet": "Parquet",
    "csv": "CSV",
    "csv.gz": "gzipped CSV",
}


def _suffixes_text() -> str:
    return ", ".join(ACCEPTED_SUFFIXES)


def table_format(path: str | os.PathLike[str]) -> TableFormat:
    """Return the table format implied by a path's suffix.

    Parameters
    ----------
    path:
        File path; only its name is looked at (case-insensitive).

    Returns
    -------
    str
        ``"parquet"``, ``"csv"`` or ``"csv.gz"``.

    Raises
    ------
    DataReadError
        If the suffix is not one of :data:`ACCEPTED_SUFFIXES`.
    """
    name = Path(path).name.lower()
    # Longest suffix first so ".csv.gz" wins over a bare ".gz" check.
    for suffix in sorted(ACCEPTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return ACCEPTED_SUFFIXES[suffix]
    raise DataReadError(
        f"{path}: unknown file type; accepted suffixes are {_suffixes_text()} "
        "(rename the file or convert it to Parquet or CSV)"
    )


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a Parquet or CSV table, chosen by the file suffix.

    Parameters
    ----------
    path:
        A ``.parquet``/``.pq`` file (or partitioned Parquet folder), or a ``.csv`` /
        ``.csv.gz`` file with a header row.

    Returns
    -------
    pandas.DataFrame
        The table with a default ``RangeIndex``, as the file's columns and dtypes
        (CSV columns are inferred by pandas).

    Raises
    ------
    DataReadError
        If the file does not exist, has an unknown suffix, cannot be parsed in its
        format, or has no rows.
    """
    p = Path(path)
    if not p.exists():
        raise DataReadError(f"{path}: file not found; check the path or pass --data")
    fmt = table_format(p)
    kind = _FORMAT_NAMES[fmt]
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(p)
        else:
            frame = pd.read_csv(p, compression="gzip" if fmt == "csv.gz" else None)
    except PermissionError as exc:
        raise DataReadError(
            f"{path}: permission denied ({exc.strerror}); make the file readable"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataReadError(
            f"{path}: file has no rows; it is empty (not even a header), export the table again"
        ) from exc
    except (OSError, ValueError) as exc:
        raise DataReadError(
            f"{path}: cannot read as {kind} ({type(exc).__name__}: {exc}); "
            f"is it really {kind}? Check the file or give it the right suffix "
            f"({_suffixes_text()})"
        ) from exc
    if len(frame) == 0:
        raise DataReadError(
            f"{path}: file has no rows; it has {frame.shape[1]} column(s) but no data, "
            "export the table again with its rows"
        )
    return frame.reset_index(drop=True)


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as Parquet or CSV (by suffix), atomically.

    The frame is written to a temporary file in the destination folder and moved
    into place with :func:`os.replace`; on failure the temporary file is removed and
    any existing file at ``path`` is left untouched. The index is not written.

    Parameters
    ----------
    frame:
        Table to write.
    path:
        Destination with a suffix from :data:`ACCEPTED_SUFFIXES`. Missing parent
        folders are created.

    Returns
    -------
    pathlib.Path
        The destination path.

    Raises
    ------
    DataReadError
        If the suffix is not accepted.
    """
    dest = Path(path)
    fmt = table_format(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, compression="gzip" if fmt == "csv.gz" else None)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest
