"""Tests for risk_models.atomic: the atomic writer (mode, fsync, cleanup) and read_json."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from risk_models import atomic
from risk_models.atomic import atomic_path, atomic_write_text, read_json
from risk_models.errors import ModelFormatError


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_write_text_round_trip_and_no_leftovers(tmp_path: Path) -> None:
    path = atomic_write_text(tmp_path / "sub" / "a.json", '{"x": 1}')
    assert path == tmp_path / "sub" / "a.json"
    assert path.read_text(encoding="utf-8") == '{"x": 1}'
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.json"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_mode_follows_the_umask_not_mkstemp(tmp_path: Path, umask_027: None) -> None:
    path = atomic_write_text(tmp_path / "a.txt", "hi")
    assert path.stat().st_mode & 0o777 == 0o640  # 0o666 & ~0o027, not mkstemp's 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_mode_with_the_common_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "b.bin") as tmp:
            tmp.write_bytes(b"\x00\x01")
    finally:
        os.umask(old)
    assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o644


def test_fsyncs_the_file_and_then_the_folder(tmp_path: Path, monkeypatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc") else "?")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", spy)
    atomic_write_text(tmp_path / "c.txt", "data")
    if os.name == "posix" and os.path.exists("/proc/self/fd"):
        assert len(synced) == 2
        assert Path(synced[0]).name.startswith(".c.txt.")  # the file, before the rename
        assert Path(synced[1]) == tmp_path  # the folder, after it
    else:
        assert len(synced) >= 1


def test_error_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "d.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"^boom$"), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.txt"]


def test_read_json_parses(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"a": [1, 2]}', encoding="utf-8")
    assert read_json(tmp_path / "a.json", "thing") == {"a": [1, 2]}


def test_read_json_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    with pytest.raises(
        ModelFormatError, match=re.escape(f"{path}: shape table file not found; check the path")
    ):
        read_json(path, "shape table")


def test_read_json_folder(tmp_path: Path) -> None:
    with pytest.raises(
        ModelFormatError, match=re.escape(f"{tmp_path}: is a folder; pass the model JSON file")
    ):
        read_json(tmp_path, "model")


def test_read_json_not_json_with_hint(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{nope", encoding="utf-8")
    with pytest.raises(ModelFormatError) as err:
        read_json(path, "model", expected="pass a shape_table.json")
    text = str(err.value)
    assert text.startswith(f"{path}: not valid JSON (")
    assert text.endswith("); pass a shape_table.json")
    assert isinstance(err.value, ValueError)


def test_read_json_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ModelFormatError, match=re.escape(f"{path}: cannot read the model file (")):
        read_json(path, "model")
