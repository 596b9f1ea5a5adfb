"""The input of a scoring job: Parquet (a file or a hive-partitioned folder) or CSV, in chunks.

:func:`open_input` checks, before anything is written, everything that would fail every row:
the path exists, its files can be read, every feature (and id) column is there and has a type
the model can read. A problem names the file and the column and says what would fix it.
:meth:`BatchSource.batches` then streams Arrow record batches of at most ``batch_size`` rows,
file by file in name order, so memory does not grow with the input.

Numeric features stored as text (every CSV column, or a Parquet string column) are parsed per
row: a value that is not a number becomes a ``wrong_type`` problem of that row, not a failed
job. ``{date}`` in a path is replaced by ``--date`` (``book/date={date}/``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from risk_models.errors import DataReadError, DataValidationError
from risk_models.scoring.writer import table_format

DEFAULT_BATCH_ROWS = 262_144
_CSV_BLOCK_BYTES = 16 << 20


def fill_template(path: str | os.PathLike[str], date: str | None) -> str:
    """``path`` with ``{date}`` replaced; refuses a template without ``--date`` and vice versa."""
    text = str(path)
    if "{date}" in text:
        if date is None:
            raise DataReadError(f"{text}: the path holds {{date}}; pass --date YYYY-MM-DD")
        return text.replace("{date}", date)
    return text


@dataclass(frozen=True)
class InputFile:
    """One file read by the job."""

    path: str
    bytes: int


@dataclass(frozen=True, eq=False)
class Batch:
    """A chunk of one input file: ``data`` (Arrow) and its first row's position in the file."""

    file_index: int
    first_row: int
    data: Any


def _is_numeric_type(t: Any) -> bool:
    import pyarrow as pa

    return (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_null(t)
        or pa.types.is_decimal(t)
    )


def _is_text_type(t: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)


def _is_date_type(t: Any) -> bool:
    import pyarrow as pa

    return (
        pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_null(t) or _is_text_type(t)
    )


class BatchSource:
    """A checked input: its files, format and the columns each batch carries."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        files: list[Path],
        columns: list[str],
        numeric: Sequence[str],
        dataset: Any = None,
    ) -> None:
        self.path = path
        self.format = fmt
        self.files = files
        self.columns = columns
        self.numeric = set(numeric)
        self._dataset = dataset

    def describe(self) -> list[InputFile]:
        return [InputFile(str(f), f.stat().st_size) for f in self.files]

    def batches(self, batch_size: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        """Record batches of at most ``batch_size`` rows, file by file, in file order."""
        if self.format == "parquet":
            yield from self._parquet_batches(batch_size)
        else:
            yield from self._csv_batches(batch_size)

    def _parquet_batches(self, batch_size: int) -> Iterator[Batch]:
        """One file at a time, one row group at a time (``pre_buffer`` off: Arrow's default
        keeps every column chunk read so far, and its dataset scanner reads ahead without
        bound when scoring is slower than reading), cast to the dataset's schema; hive
        partition values fill their columns."""
        import pyarrow as pa
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        schema = self._dataset.schema
        frags = {Path(f.path): f for f in self._dataset.get_fragments()}
        for i, file in enumerate(self.files):
            keys = ds.get_partition_keys(frags[file].partition_expression)
            pf = pq.ParquetFile(str(file), pre_buffer=False)
            have = set(pf.schema_arrow.names)
            row = 0
            for b in pf.iter_batches(batch_size=batch_size, columns=[c for c in self.columns
                                                                     if c in have]):  # fmt: skip
                if not b.num_rows:
                    continue
                arrays = []
                for c in self.columns:
                    t = schema.field(c).type
                    if c in have:
                        col = b.column(c)
                        arrays.append(col if col.type == t else col.cast(t))
                    elif c in keys:
                        arrays.append(pa.repeat(pa.scalar(keys[c], type=t), b.num_rows))
                    else:
                        arrays.append(pa.nulls(b.num_rows, type=t))
                yield Batch(i, row, pa.RecordBatch.from_arrays(arrays, names=self.columns))
                row += b.num_rows

    def _csv_batches(self, batch_size: int) -> Iterator[Batch]:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        for i, file in enumerate(self.files):
            types = {c: pa.string() for c in self.columns}
            reader = pcsv.open_csv(
                pa.input_stream(str(file), compression="detect"),
                read_options=pcsv.ReadOptions(block_size=_CSV_BLOCK_BYTES),
                convert_options=pcsv.ConvertOptions(
                    column_types=types, include_columns=self.columns, strings_can_be_null=True
                ),
            )
            row = 0
            try:
                for b in reader:
                    for lo in range(0, b.num_rows, batch_size):
                        part = b.slice(lo, batch_size)
                        yield Batch(i, row, part)
                        row += part.num_rows
            except pa.ArrowInvalid as exc:
                raise DataReadError(
                    f"{file}: cannot read as CSV after row {row} ({exc}); check the file "
                    "(a row with the wrong number of fields, or an unclosed quote)"
                ) from exc


def open_input(
    path: str | os.PathLike[str],
    *,
    kinds: dict[str, str],
    id_columns: Sequence[str] = (),
) -> BatchSource:
    """Check a scoring input and return its batch source.

    Parameters
    ----------
    path : a ``.parquet`` file, a folder of Parquet files (hive partitions ``key=value/`` are
        columns), or a ``.csv`` / ``.csv.gz`` file.
    kinds : input column -> ``"numeric"``, ``"categorical"`` or ``"date"`` (what the model
        reads: its ``input_kinds``, where a date column stands for the features derived from
        it).
    id_columns : columns carried to the output and the rejects file.

    Raises
    ------
    DataReadError
        The path is missing, of an unknown type, or holds no readable file.
    DataValidationError
        A feature or id column is missing, or has a type the model cannot read; every problem
        is listed with its file and column.
    """
    p = Path(path)
    if not p.exists():
        raise DataReadError(f"{p}: input not found; check --input (and --date)")
    needed = list(dict.fromkeys([*id_columns, *kinds]))
    if p.is_dir() or table_format(p) == "parquet":
        return _open_parquet(p, kinds, needed)
    return _open_csv(p, kinds, needed)


def _open_parquet(p: Path, kinds: dict[str, str], needed: list[str]) -> BatchSource:
    import pyarrow as pa
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset(
            str(p),
            format="parquet",
            partitioning="hive" if p.is_dir() else None,
            exclude_invalid_files=False,
            ignore_prefixes=[".", "_"],
        )
        files = sorted(Path(f) for f in dataset.files)
    except (OSError, pa.ArrowInvalid) as exc:
        raise DataReadError(
            f"{p}: cannot read as Parquet ({exc}); is it really Parquet? Check the file"
        ) from exc
    if not files:
        raise DataReadError(f"{p}: folder holds no Parquet file; check --input (and --date)")
    problems = []
    schema = dataset.schema
    for frag in dataset.get_fragments():
        try:
            phys = frag.physical_schema
        except (OSError, pa.ArrowInvalid) as exc:
            raise DataReadError(f"{frag.path}: cannot read as Parquet ({exc})") from exc
        for name in phys.names:
            if name in kinds and phys.field(name).type != schema.field(name).type:
                try:
                    pa.array([], type=phys.field(name).type).cast(schema.field(name).type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    problems.append(
                        f"{frag.path}: column {name!r} is {phys.field(name).type}, other files "
                        f"have {schema.field(name).type}; write every file with one type"
                    )
    types = {n: schema.field(n).type for n in schema.names}
    problems += _schema_problems(str(p), types, kinds, needed)
    if problems:
        raise DataValidationError(str(p), problems)
    numeric = [f for f, k in kinds.items() if k == "numeric"]
    return BatchSource(p, "parquet", files, needed, numeric, dataset)


def _open_csv(p: Path, kinds: dict[str, str], needed: list[str]) -> BatchSource:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    fmt = table_format(p)
    try:
        reader = pcsv.open_csv(
            pa.input_stream(str(p), compression="detect"),
            read_options=pcsv.ReadOptions(block_size=1 << 16),
            convert_options=pcsv.ConvertOptions(strings_can_be_null=True),
        )
        names = reader.schema.names
        reader.close()
    except (OSError, pa.ArrowInvalid) as exc:
        raise DataReadError(
            f"{p}: cannot read as CSV ({exc}); check the file (a header row, then one row per line)"
        ) from exc
    types = {n: pa.string() for n in names}
    problems = _schema_problems(str(p), types, kinds, needed)
    if problems:
        raise DataValidationError(str(p), problems)
    numeric = [f for f, k in kinds.items() if k == "numeric"]
    return BatchSource(p, fmt, [p], needed, numeric)


def _schema_problems(
    source: str, types: dict[str, Any], kinds: dict[str, str], needed: list[str]
) -> list[str]:
    problems = []
    absent = [c for c in needed if c not in types]
    feats = [c for c in absent if c in kinds]
    ids = [c for c in absent if c not in kinds]
    if feats:
        problems.append(
            f"missing feature column(s) {feats} that the model needs; add them (an empty value "
            "scores as the missing bin)"
        )
    if ids:
        problems.append(f"id column(s) {ids} not found; columns are {sorted(types)}")
    for f, kind in kinds.items():
        t = types.get(f)
        if t is None:
            continue
        if kind == "date":
            if not _is_date_type(t):
                problems.append(
                    f"column {f!r} has type {t}; the model reads it as a date column, store it "
                    "as a timestamp, a date or ISO text (2024-01-31)"
                )
            continue
        ok = _is_numeric_type(t) or _is_text_type(t)
        if not ok:
            problems.append(
                f"column {f!r} has type {t}; the model reads it as {kind}, store it as "
                f"{'numbers' if kind == 'numeric' else 'text or numbers'}"
            )
    return problems


def file_digest(path: str | os.PathLike[str], chunk: int = 1 << 22) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
