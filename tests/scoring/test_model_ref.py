"""``--model`` as a path: a table file, an MLflow model folder, or nothing usable."""

from __future__ import annotations

import json
import re

import pytest

from risk_models.errors import ModelFormatError
from risk_models.scoring.model_ref import ModelResolutionError, resolve_model
from risk_models.scoring.threads import BackgroundWriter
from tests.scoring.conftest import hand_table


def test_a_table_file_and_a_model_folder_resolve(tmp_path) -> None:
    path = hand_table().save(tmp_path / "t.json")
    m = resolve_model(str(path))
    assert (m.kind, m.version, m.run_id, m.features) == ("shape_table", None, None,
                                                        ("util", "home", "age"))  # fmt: skip
    folder = tmp_path / "model"
    (folder / "artifacts").mkdir(parents=True)
    hand_table().save(folder / "artifacts" / "shape_table.json")
    (folder / "MLmodel").write_text("run_id: abc123\nflavors: {}\n")
    d = resolve_model(str(folder))
    assert d.run_id == "abc123" and d.sha256 == m.sha256 and d.describe()["format"]


def test_unusable_paths_are_refused_by_name(tmp_path) -> None:
    with pytest.raises(ModelResolutionError, match="no such model file or folder"):
        resolve_model(str(tmp_path / "nope.json"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelResolutionError, match=re.escape("no artifacts/shape_table.json")):
        resolve_model(str(tmp_path / "empty"))
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        resolve_model(str(tmp_path / "bad.json"))
    (tmp_path / "other.json").write_text(json.dumps({"format": "x"}))
    with pytest.raises(ModelFormatError, match="not an exported student"):
        resolve_model(str(tmp_path / "other.json"))
    with pytest.raises(ModelResolutionError, match="not a model URI this job understands"):
        resolve_model("models:/a/b/c")


def test_a_write_error_in_the_writer_thread_reaches_the_caller() -> None:
    class Failing:
        def write(self, table) -> None:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), BackgroundWriter() as bg:
        bg.put(Failing(), None)
