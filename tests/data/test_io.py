"""Tests for risk_models.data.io: reading and atomic writing of Parquet/CSV tables."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.data.io import read_table, table_format, write_table
from risk_models.errors import DataReadError


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a1", "a2", "a3"],
            "x": [1.5, np.nan, -2.0],
            "n": [1, 2, 3],
            "cat": ["u", "v", None],
            "y": [0, 1, 0],
        }
    )


@pytest.mark.parametrize("name", ["t.parquet", "t.pq", "t.csv", "t.csv.gz", "T.PARQUET"])
def test_round_trip(tmp_path: Path, frame: pd.DataFrame, name: str) -> None:
    dest = write_table(frame, tmp_path / name)
    assert dest == tmp_path / name
    back = read_table(dest)
    assert list(back.columns) == list(frame.columns)
    np.testing.assert_allclose(back["x"].to_numpy(dtype=float), frame["x"].to_numpy(dtype=float))
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["cat"].isna().tolist() == [False, False, True]
    assert back["n"].tolist() == [1, 2, 3]


def test_csv_gz_is_really_gzipped(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = write_table(frame, tmp_path / "t.csv.gz")
    with gzip.open(path, "rt") as fh:
        assert fh.readline().strip() == "id,x,n,cat,y"


def test_table_format() -> None:
    assert table_format("a/b.csv.gz") == "csv.gz"
    assert table_format("b.CSV") == "csv"
    assert table_format("b.pq") == "parquet"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.parquet"
    with pytest.raises(
        DataReadError, match=re.escape(f"{path}: file not found; check the path or pass --data")
    ):
        read_table(path)


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_text("x")
    msg = (
        f"{path}: unknown file type; accepted suffixes are .parquet, .pq, .csv, .csv.gz "
        "(rename the file or convert it to Parquet or CSV)"
    )
    with pytest.raises(DataReadError, match=re.escape(msg)):
        read_table(path)


def test_unknown_suffix_on_write(tmp_path: Path, frame: pd.DataFrame) -> None:
    with pytest.raises(DataReadError, match="unknown file type"):
        write_table(frame, tmp_path / "t.json")
    assert list(tmp_path.iterdir()) == []


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_text("id,x\n1,2\n")
    with pytest.raises(DataReadError) as info:
        read_table(path)
    text = str(info.value)
    assert text.startswith(f"{path}: cannot read as Parquet (")
    assert "is it really Parquet? Check the file or give it the right suffix" in text


def test_corrupt_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_text("id,x\n1,2\n")  # not gzipped
    with pytest.raises(DataReadError, match=re.escape("is it really gzipped CSV?")):
        read_table(path)


def test_csv_with_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n\xff\xfe\x00\x81,1\n")
    with pytest.raises(DataReadError, match=re.escape(f"{path}: cannot read as CSV (")):
        read_table(path)


def test_empty_csv_header_only(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,x,y\n")
    msg = (
        f"{path}: file has no rows; it has 3 column(s) but no data, "
        "export the table again with its rows"
    )
    with pytest.raises(DataReadError, match=re.escape(msg)):
        read_table(path)


def test_zero_byte_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"")
    with pytest.raises(DataReadError, match=re.escape(f"{path}: file has no rows; it is empty")):
        read_table(path)


def test_empty_parquet(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "t.parquet"
    frame.iloc[:0].to_parquet(path)
    with pytest.raises(DataReadError, match=re.escape(f"{path}: file has no rows;")):
        read_table(path)


def test_read_error_is_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_table(tmp_path / "missing.csv")


def test_write_creates_parents_and_overwrites(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "deep" / "er" / "t.parquet"
    write_table(frame, path)
    write_table(frame.iloc[:1], path)
    assert len(read_table(path)) == 1
    assert [p.name for p in path.parent.iterdir()] == ["t.parquet"]  # no temp files left


def test_failed_write_keeps_old_file(
    tmp_path: Path, frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.parquet"
    write_table(frame, path)

    def boom(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        Path(args[0]).write_bytes(b"half")  # type: ignore[arg-type]
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_table(frame.iloc[:1], path)
    monkeypatch.undo()
    assert len(read_table(path)) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]
