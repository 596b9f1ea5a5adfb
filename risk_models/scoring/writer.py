"""Streaming writers for the scored rows and the rejects, committed atomically together.

:func:`committed_outputs` opens both destinations through :func:`risk_models.atomic.atomic_path`
(a temporary file beside each, fsynced and renamed on success): the rejects file is committed
first, then the output. A job killed at any point leaves either no output file or the complete
one (and, at worst, a hidden ``.NAME.*.tmp`` file); the manifest, written after both, marks a
finished job. Parquet is written one row group per batch; CSV with Arrow's writer (dictionary
columns as text).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from risk_models.atomic import atomic_path
from risk_models.errors import DataReadError

#: Output suffixes and their formats (as :data:`risk_models.data.io.ACCEPTED_SUFFIXES`; not
#: imported, so that a scoring job does not load the training-side data package).
SUFFIXES = {".csv.gz": "csv.gz", ".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def table_format(path: str | os.PathLike[str]) -> str:
    """``"parquet"``, ``"csv"`` or ``"csv.gz"`` by suffix; ``DataReadError`` otherwise."""
    name = Path(path).name.lower()
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    raise DataReadError(
        f"{path}: unknown file type; accepted suffixes are {', '.join(SUFFIXES)} (rename the "
        "file or convert it to Parquet or CSV)"
    )


def default_companion(output: str | os.PathLike[str], what: str) -> Path:
    """``scores.parquet`` -> ``scores.rejects.parquet`` / ``scores.manifest.json``."""
    out = Path(output)
    fmt = table_format(out)
    stem = out.name[: -len({"parquet": ".parquet", "csv": ".csv", "csv.gz": ".csv.gz"}[fmt])]
    if out.name.lower().endswith(".pq"):
        stem = out.name[:-3]
    suffix = ".json" if what == "manifest" else out.name[len(stem) :]
    return out.with_name(f"{stem}.{what}{suffix}")


class TableWriter:
    """Append Arrow tables to one Parquet or CSV file (the schema is fixed by the first)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.format = fmt
        self.rows = 0
        self._writer: Any = None
        self._schema: Any = None
        self._stream: Any = None
        #: Schema of the file written when no table comes (an empty input).
        self.empty_schema: Any = None

    def write(self, table: Any) -> None:
        if self.format != "parquet":
            table = _plain(table)
        if self._writer is None:
            self._open(table.schema)
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        if self.format == "parquet":
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        else:
            self._writer.write_table(table)
        self.rows += table.num_rows

    def _open(self, schema: Any) -> None:
        import pyarrow as pa

        self._schema = schema
        if self.format == "parquet":
            import pyarrow.parquet as pq

            text = [f.name for f in schema if pa.types.is_dictionary(f.type)]
            # Dictionary pages for the dictionary columns only, statistics for the others: the
            # writer's default hashes every float and takes min/max of every text (3x slower).
            self._writer = pq.ParquetWriter(
                str(self.path),
                schema,
                compression="snappy",
                use_dictionary=text,
                write_statistics=[
                    f.name
                    for f in schema
                    if not (pa.types.is_dictionary(f.type) or pa.types.is_string(f.type))
                ],
            )
        else:
            import pyarrow.csv as pcsv

            self._stream = pa.output_stream(
                str(self.path), compression="gzip" if self.format == "csv.gz" else None
            )
            self._writer = pcsv.CSVWriter(self._stream, schema)

    def close(self) -> None:
        """Finish the file; with no table written, write an empty one of ``empty_schema``."""
        schema = self.empty_schema
        if self._writer is None and schema is not None:
            self._open(schema if self.format == "parquet" else _plain_schema(schema))
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _plain_schema(schema: Any) -> Any:
    import pyarrow as pa

    return pa.schema(
        [pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f for f in schema]
    )


def _plain(table: Any) -> Any:
    """Dictionary columns as plain strings (the CSV writer takes no dictionaries)."""
    return table.cast(_plain_schema(table.schema))


@contextlib.contextmanager
def committed_outputs(
    output: str | os.PathLike[str], rejects: str | os.PathLike[str]
) -> Iterator[tuple[TableWriter, TableWriter]]:
    """Writers for the output and rejects files; closed and committed when the block succeeds
    (rejects first, then output), removed when it fails."""
    out_fmt, rej_fmt = _format(output, "--output"), _format(rejects, "--rejects")
    if Path(output).resolve() == Path(rejects).resolve():
        raise DataReadError(f"{output}: the rejects file must differ from the output")
    with atomic_path(output) as tmp_out, atomic_path(rejects) as tmp_rej:
        writers = (TableWriter(tmp_out, out_fmt), TableWriter(tmp_rej, rej_fmt))
        try:
            yield writers
        except BaseException:
            for w in writers:
                with contextlib.suppress(Exception):
                    w.close()
            raise
        for w in writers:
            w.close()


def _format(path: str | os.PathLike[str], option: str) -> str:
    try:
        return table_format(path)
    except DataReadError as exc:
        raise DataReadError(f"{option} {exc}") from None
