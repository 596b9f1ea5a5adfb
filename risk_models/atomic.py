"""File helpers: the one atomic writer and the one JSON reader of the package.

* :func:`atomic_path` yields a fresh temporary file beside the destination; once the caller
  has written it, the file is flushed to disk (``fsync``), renamed onto the destination
  (:func:`os.replace`, atomic on POSIX and Windows) and the folder entry is flushed too, so
  neither a reader nor a crash ever sees a half-written file. The file gets the mode an
  ordinary ``open(path, "w")`` would give (``0o666`` less the process umask), not the
  ``0o600`` of :func:`tempfile.mkstemp`, so a group that reads the run folder reads it.
* :func:`atomic_write_text` writes a string through it.
* :func:`read_json` parses a JSON file and reports a missing, unreadable or malformed file
  as a :class:`~risk_models.errors.ModelFormatError` naming the file and what it should be.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from risk_models.errors import ModelFormatError

__all__ = ["atomic_path", "atomic_write_text", "read_json"]

_MAX_NAME_TRIES = 100


def _create_temporary(target: Path) -> Path:
    """Create an empty, exclusive temporary file beside ``target``.

    Created with ``os.open(..., 0o666)``, so the kernel applies the process umask exactly as
    it does for a plain ``open(path, "w")``.
    """
    for _ in range(_MAX_NAME_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"{target.parent}: could not create a temporary file for {target.name}")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    """Flush the folder entry (the rename) to disk; a no-op where folders cannot be opened."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success make it ``path``, durably.

    Parameters
    ----------
    path : destination file; missing parent folders are created.

    Yields
    ------
    pathlib.Path
        An empty file in the destination folder for the caller to write (by path: any
        library's ``save(path)`` works). When the ``with`` block ends without an error the
        file is fsynced, renamed onto ``path`` and the folder is fsynced.

    Notes
    -----
    On any error the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temporary(target)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_directory(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_path`).

    Parameters
    ----------
    path : destination file.
    text : the whole content.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def read_json(path: str | os.PathLike[str], what: str, *, expected: str | None = None) -> Any:
    """Parse a JSON file (nothing else is ever done with its content).

    Parameters
    ----------
    path : the file.
    what : what the file holds, for messages (``"shape table"``, ``"ensemble metadata"``).
    expected : optional hint of what to pass instead, appended to a "not valid JSON" message
        (``"pass a shape_table.json or rule_set.json"``).

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    ModelFormatError
        If the file is missing, is a folder, cannot be read or decoded, or is not valid JSON;
        the message names the file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelFormatError(f"{p}: {what} file not found; check the path") from exc
    except IsADirectoryError as exc:
        raise ModelFormatError(f"{p}: is a folder; pass the {what} JSON file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{p}: cannot read the {what} file ({exc})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = f"; {expected}" if expected else ""
        raise ModelFormatError(f"{p}: not valid JSON ({exc}){hint}") from exc
