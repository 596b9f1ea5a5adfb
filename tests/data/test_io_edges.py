"""Ragged CSV rows are refused with their row number; a partitioned Parquet folder is one table."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.data import DataSpec, validate_file
from risk_models.data.io import read_columns, read_table
from risk_models.errors import DataReadError

ADVICE = (
    "(the header is row 1); give every row one value per column (an empty value for missing), "
    "e.g. quote text values that contain a comma"
)


def _write(path: Path, text: str) -> Path:
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["short.csv", "short.csv.gz"])
def test_a_row_with_too_few_fields_is_refused_not_padded(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, "x,k,y\n1.0,2,0\n2.0,1\n3.0,4,1\n")
    message = (
        f"{path}: 1 row(s) do not have the header's 3 fields: row 3 has 2 field(s): '2.0,1' "
        + ADVICE
    )
    with pytest.raises(DataReadError, match=f"^{re.escape(message)}$"):
        read_table(path)


def test_rows_with_too_many_fields_are_refused_with_each_row_number(tmp_path: Path) -> None:
    # one extra field on the first row used to become a silent index column
    path = _write(tmp_path / "long.csv", "x,k,y\n1,2,0,9\n2,1,1\n3,4,1,8,7\n")
    message = (
        f"{path}: 2 row(s) do not have the header's 3 fields: row 2 has 4 field(s): '1,2,0,9'; "
        f"row 4 has 5 field(s): '3,4,1,8,7' " + ADVICE
    )
    with pytest.raises(DataReadError, match=f"^{re.escape(message)}$"):
        read_table(path)


def test_many_ragged_rows_are_summarised(tmp_path: Path) -> None:
    body = "".join(f"{i},1\n" if i % 2 else f"{i},1,0\n" for i in range(20))
    path = _write(tmp_path / "many.csv", "x,k,y\n" + body)
    with pytest.raises(DataReadError, match=r"10 row\(s\) do not .* row 11 has 2 field\(s\): "
                       r"'9,1' and 5 more \(the header"):  # fmt: skip
        read_table(path)


def test_quoted_commas_and_newlines_and_empty_values_are_fine(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.csv", 'x,note,y\n1,"a, b",0\n,"two\nlines",1\n3,,0\n')
    frame = read_table(path)
    assert frame.shape == (3, 3)
    assert frame["note"].tolist()[:2] == ["a, b", "two\nlines"]
    assert frame["x"].isna().tolist() == [False, True, False]


def _partitioned(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "k": rng.integers(0, 5, n),
            "y": (np.arange(n) % 3 == 0).astype(int),
            "year": np.where(np.arange(n) < 120, 2023, 2024),
            "region": rng.choice(["north", "south"], n),
        }
    )
    folder = tmp_path / "book"
    frame.to_parquet(folder, partition_cols=["year", "region"])
    (folder / "_SUCCESS").write_text("")  # writers' marker files are ignored
    return folder, frame


def test_a_hive_partitioned_parquet_folder_is_read_as_one_table(tmp_path: Path) -> None:
    folder, frame = _partitioned(tmp_path)
    back = read_table(folder)
    assert len(back) == len(frame) and sorted(back.columns) == sorted(frame.columns)
    assert back["year"].dtype.kind == "i"  # partition keys typed from their values
    assert sorted(back["region"].unique()) == ["north", "south"]
    key = ["year", "region", "x"]
    got = back.sort_values(key).reset_index(drop=True)
    want = frame.sort_values(key).reset_index(drop=True)[list(back.columns)]
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert read_columns(folder) == ["x", "k", "y", "year", "region"]
    data = validate_file(folder, DataSpec(target="y"))
    assert data.n_rows == len(frame) and "region" in data.spec.categorical


def test_a_folder_without_parquet_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "_SUCCESS").write_text("")
    message = f"{folder}: folder holds no Parquet files; point --data at a Parquet/CSV file"
    with pytest.raises(DataReadError, match=f"^{re.escape(message)}"):
        read_table(folder)
    with pytest.raises(DataReadError, match=f"^{re.escape(message)}"):
        read_columns(folder)


def test_read_columns_reads_only_the_header(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b c": ["u", "v"], "y": [0, 1]})
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_csv(tmp_path / "t.csv.gz", index=False)
    for name in ("t.parquet", "t.csv", "t.csv.gz"):
        assert read_columns(tmp_path / name) == ["a", "b c", "y"]
    with pytest.raises(DataReadError, match="file not found; check the path or pass --data"):
        read_columns(tmp_path / "none.csv")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataReadError, match=r"bad.parquet: cannot read as Parquet"):
        read_columns(tmp_path / "bad.parquet")
