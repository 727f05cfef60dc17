"""The report folder on disk: checked before any work, written under a lock into a staging folder
beside the destination and renamed into place.

What this guarantees (issue 17):

- **Inputs are never touched.** An ``out`` that is, holds or lies inside an input is refused before
  any work (``--force`` would otherwise replace the folder holding the input, and a report inside an
  input folder would be read back as input by the next run); so is an ``out`` that holds the current
  folder, is a file, a symbolic link, lies under a file, or cannot be written.
- **One writer at a time.** Writing holds a lock file ``.NAME.lock`` beside ``out`` (``filelock``:
  an OS lock, released when a process dies, even by ``kill -9``; the empty file stays, as deleting
  a lock file races with a run about to take it). A run that finds it held is
  refused at once; a run that got the lock after another run wrote ``out`` re-checks, so two runs
  without ``--force`` never both succeed.
- **No half-written report, no lost report.** Files go to a staging folder ``.NAME.staging-*``; it
  is renamed into place only when complete. ``--force`` renames the old report to ``.NAME.old-*``
  first and deletes it after; if a run dies between those two renames, the next run on the same
  ``out`` finds ``out`` missing and an ``.old-*`` folder, and restores it before doing anything else.
  Leftover staging and old folders of dead runs are removed by the next run (under the lock, so
  they cannot belong to a live one).
- The report folder gets the permissions of the process umask, like any folder it would make.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from emergence.errors import EmergenceError, EmergenceWarning


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_out_dir(out: str | Path, *, force: bool = False, inputs: Iterable = (),
                  _locked: bool = False) -> Path:
    """Refuse, before any work, an ``out`` folder that a run must not write.

    Parameters
    ----------
    out : path
        The report folder.
    force : bool
        Replace an existing non-empty folder.
    inputs : iterable of path
        The run's input files and folders (``hf://`` datasets are skipped).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    EmergenceError
        Naming the folder, what is wrong and how to proceed.
    """
    out = Path(out)
    if str(out) in ("", "."):
        out = Path.cwd()
    if out.is_symlink():
        raise EmergenceError(f"--out {out}: is a symbolic link; give the folder it points to "
                             f"({os.path.realpath(out)}) or another path")
    if out.exists() and not out.is_dir():
        raise EmergenceError(f"--out {out}: exists and is not a folder; choose another path")
    real = out.resolve()
    for given in inputs:
        if str(given).startswith("hf://"):
            continue
        source = Path(given).resolve()
        if _inside(source, real):
            raise EmergenceError(f"--out {out}: holds the input {given}; the report would replace it. "
                                 "Choose an --out outside the inputs")
        if source.is_dir() and _inside(real, source):
            raise EmergenceError(f"--out {out}: lies inside the input folder {given}; the next run on "
                                 "that folder would read the report as input. Choose an --out outside it")
    if _inside(Path.cwd().resolve(), real):
        raise EmergenceError(f"--out {out}: holds the current folder; choose a new folder for the report")
    ancestor = real.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise EmergenceError(f"--out {out}: lies under {ancestor}, which is a file; choose another path")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise EmergenceError(f"--out {out}: cannot write in {ancestor} (permission denied); choose a "
                             "folder you can write to")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise EmergenceError(
            f"--out {out}: the folder exists and is not empty; choose another --out or add --force "
            "to replace it"
        )
    lock = _lock_path(real)
    if not _locked and lock.is_file():  # no lock file: nobody holds it (and none is made here)
        _probe_lock(lock, out)
    return out


def _probe_lock(lock: Path, out: Path) -> None:
    """Refuse at once when another run holds the folder's lock."""
    from filelock import FileLock, Timeout

    try:
        with FileLock(lock, timeout=0):
            pass
    except Timeout:
        raise _busy(out, lock) from None


def _busy(out: Path, lock: Path) -> EmergenceError:
    return EmergenceError(f"--out {out}: another run is writing this report now (lock {lock}); wait "
                          "for it to finish or choose another --out")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tidy(out: Path) -> None:
    """Under the lock: restore a report lost between the two renames of ``--force``, and remove
    what dead runs left (staging and old folders)."""
    old = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not out.exists() and old:
        old[-1].rename(out)
        warnings.warn(f"--out {out}: restored the report that an interrupted run had moved to "
                      f"{old[-1].name}", EmergenceWarning, stacklevel=3)
        old = old[:-1]
    for leftover in [*out.parent.glob(f".{out.name}.staging-*"), *old]:
        shutil.rmtree(leftover, ignore_errors=True)


def write_folder(out: str | Path, writers: dict[str, Callable[[Path], None]], *,
                 force: bool = False, inputs: Iterable = ()) -> Path:
    """Write a folder of files atomically, under the folder's lock.

    Parameters
    ----------
    out : path
        The folder to create (or replace, with ``force``).
    writers : dict
        File name (may contain ``/``) -> function that writes that file to the path it is given.
    force : bool
        Replace an existing non-empty folder.
    inputs : iterable of path
        The run's inputs, which ``out`` must not hold or lie inside (:func:`check_out_dir`).

    Returns
    -------
    Path
        ``out``.
    """
    from filelock import FileLock, Timeout

    inputs = list(inputs)
    out = check_out_dir(out, force=force, inputs=inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_path(out)
    try:
        with FileLock(lock, timeout=0):
            _tidy(out)
            # another run may have written it meanwhile
            check_out_dir(out, force=force, inputs=inputs, _locked=True)
            return _swap_in(out, writers, force=force)
    except Timeout:
        raise _busy(out, lock) from None


def _swap_in(out: Path, writers: dict[str, Callable[[Path], None]], *, force: bool) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        for name, write in writers.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700
        old = None
        if out.exists() and any(out.iterdir()) and not force:  # filled by something else meanwhile
            raise EmergenceError(f"--out {out}: the folder was filled while this run wrote its "
                                 "report; choose another --out or add --force to replace it")
        if out.exists():
            old = out.with_name(f".{out.name}.old-{staging.name.rsplit('-', 1)[-1]}")
            out.rename(old)
        staging.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
