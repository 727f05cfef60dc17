"""The report folder on disk: written into a staging folder beside the destination and renamed
into place, so an interrupted run leaves no half-written report, and an existing non-empty folder is
replaced only when asked (``force=True``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from emergence.errors import EmergenceError


def check_out_dir(out: str | Path, *, force: bool = False) -> Path:
    """Fail early if ``out`` exists, is not empty, and ``force`` is not set.

    Raises
    ------
    EmergenceError
        Naming the folder and how to proceed.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise EmergenceError(f"--out {out}: exists and is not a folder; choose another path")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise EmergenceError(
            f"--out {out}: the folder exists and is not empty; choose another --out or add --force "
            "to replace it"
        )
    return out


def write_folder(out: str | Path, writers: dict[str, Callable[[Path], None]], *,
                 force: bool = False) -> Path:
    """Write a folder of files atomically.

    Parameters
    ----------
    out : path
        The folder to create (or replace, with ``force``).
    writers : dict
        File name (may contain ``/``) -> function that writes that file to the path it is given.
    force : bool
        Replace an existing non-empty folder.

    Returns
    -------
    Path
        ``out``.
    """
    out = check_out_dir(out, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, write in writers.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{staging.name.rsplit('.', 1)[-1]}")
            out.rename(old)
        staging.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out

