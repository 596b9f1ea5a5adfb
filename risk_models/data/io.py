"""Reading and writing data tables (Parquet or CSV), chosen by file suffix.

A folder is read as one partitioned Parquet table (hive-style ``key=value`` sub-folders become
columns). A CSV row with more or fewer fields than the header is refused with its row number
rather than padded or shifted. Every failure to read a table becomes one
:class:`~risk_models.errors.DataReadError` whose message names the file and says what would
fix it. Writes are atomic
(:func:`risk_models.atomic.atomic_path`): the table goes to a temporary file in the
target folder, is flushed to disk and then moved into place, so a reader never sees a
half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from risk_models.atomic import atomic_path
from risk_models.errors import DataReadError

__all__ = ["ACCEPTED_SUFFIXES", "read_columns", "read_table", "table_format", "write_table"]

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
        File path; only its name is looked at (case-insensitive). An existing folder is a
        partitioned Parquet table.

    Returns
    -------
    str
        ``"parquet"``, ``"csv"`` or ``"csv.gz"``.

    Raises
    ------
    DataReadError
        If the suffix is not one of :data:`ACCEPTED_SUFFIXES`.
    """
    if Path(path).is_dir():
        return "parquet"  # a partitioned Parquet folder
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
        if p.is_dir():
            frame = _read_parquet_folder(p)
        elif fmt == "parquet":
            frame = pd.read_parquet(p)
        else:
            check_csv_rows(p)
            frame = pd.read_csv(p, compression="gzip" if fmt == "csv.gz" else None)
    except PermissionError as exc:
        raise DataReadError(
            f"{path}: permission denied ({exc.strerror}); make the file readable"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataReadError(
            f"{path}: file has no rows; it is empty (not even a header), export the table again"
        ) from exc
    except DataReadError:
        raise
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


def _parquet_dataset(folder: Path) -> Any:
    """The folder as one hive-partitioned Parquet dataset (files named ``.*``/``_*`` ignored)."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(folder, format="parquet", partitioning="hive")
    if not dataset.files:
        raise DataReadError(
            f"{folder}: folder holds no Parquet files; point --data at a Parquet/CSV file or at "
            "a folder of Parquet files (hive-style partitions such as year=2024/part-0.parquet)"
        )
    return dataset


def _read_parquet_folder(folder: Path) -> pd.DataFrame:
    """A partitioned Parquet folder as one table; partition keys become ordinary columns."""
    return _parquet_dataset(folder).to_table().to_pandas()


#: Most bad CSV rows named in one error message.
_SHOWN_ROWS = 5


def check_csv_rows(path: str | os.PathLike[str]) -> None:
    """Refuse a CSV file in which a row has more or fewer fields than the header.

    pandas pads a short row with missing values and turns one extra field on the first row
    into an index, so such a file would load with its values in the wrong columns. The file
    is parsed once more by pyarrow (no values converted); problems in the file other than
    ragged rows are left to the reader to report.

    Parameters
    ----------
    path : a ``.csv`` or ``.csv.gz`` file.

    Raises
    ------
    DataReadError
        Naming the file, how many rows are ragged, and the first few by row number (the
        header is row 1) with their field counts and text.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def scan(use_threads: bool) -> list[Any]:
        bad: list[Any] = []

        def handler(row: Any) -> str:
            bad.append(row)
            return "skip"

        with pa.input_stream(str(path)) as stream:  # gzip detected from the suffix
            pacsv.read_csv(
                stream,
                read_options=pacsv.ReadOptions(use_threads=use_threads),
                parse_options=pacsv.ParseOptions(
                    invalid_row_handler=handler, newlines_in_values=True
                ),
                convert_options=pacsv.ConvertOptions(include_columns=[]),
            )
        return bad

    try:
        bad = scan(use_threads=True)
        if bad and any(row.number is None for row in bad):
            bad = scan(use_threads=False)  # row numbers are only known on one thread
    except (pa.ArrowException, OSError, ValueError):
        return  # not a ragged-row problem: pandas reports it in its own words
    if not bad:
        return
    expected = bad[0].expected_columns
    shown = "; ".join(
        f"row {row.number} has {row.actual_columns} field(s): {_clip(row.text)!r}"
        for row in bad[:_SHOWN_ROWS]
    )
    more = f" and {len(bad) - _SHOWN_ROWS} more" if len(bad) > _SHOWN_ROWS else ""
    raise DataReadError(
        f"{path}: {len(bad)} row(s) do not have the header's {expected} fields: {shown}{more} "
        "(the header is row 1); give every row one value per column (an empty value for "
        "missing), e.g. quote text values that contain a comma"
    )


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_columns(path: str | os.PathLike[str]) -> list[str]:
    """The column names of a table, read from its header or schema only (no rows).

    Parameters
    ----------
    path : a file or partitioned Parquet folder accepted by :func:`read_table`.

    Returns
    -------
    list of str
        Column names in file order (partition keys of a folder last).

    Raises
    ------
    DataReadError
        As :func:`read_table` does, for a missing, unreadable or unknown file.
    """
    p = Path(path)
    if not p.exists():
        raise DataReadError(f"{path}: file not found; check the path or pass --data")
    fmt = table_format(p)
    kind = _FORMAT_NAMES[fmt]
    try:
        if p.is_dir():
            return list(_parquet_dataset(p).schema.names)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(p).names)
        header = pd.read_csv(p, compression="gzip" if fmt == "csv.gz" else None, nrows=0)
        return [str(c) for c in header.columns]
    except DataReadError:
        raise
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


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as Parquet or CSV (by suffix), atomically.

    The frame is written to a temporary file in the destination folder, flushed and
    moved into place (:func:`risk_models.atomic.atomic_path`); on failure the temporary
    file is removed and any existing file at ``path`` is left untouched. The index is not
    written.

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
    with atomic_path(dest) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, compression="gzip" if fmt == "csv.gz" else None)
    return dest
