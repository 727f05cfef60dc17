"""Reading one file, and combining the tables of several, as :func:`emergence.sources.load_tables`
does: the two steps are apart so that an engine can read files in one place (a Dask worker) and
combine the rows of a task in another, with the same checks and the same messages."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import MAX_PROBLEMS, check_choice_counts, model_keys, row_keys
from emergence.sources.family import assign_families, with_seeds
from emergence.sources.limits import format_size


def family_rule(options) -> str | dict:
    """The ``family_from`` of :class:`~emergence.sources.ReadOptions` as :func:`assign_families`
    takes it."""
    how = options.family_from
    return dict(how) if isinstance(how, Mapping) else how


def reruns_of(path: Path, module: ModuleType) -> dict[str, str | None]:
    """The files (as named in ``_file``) whose runs may repeat another's, those of result formats
    (not benchmark CSVs), each with when it was written where that is known already (None: read
    from its name or its file when needed). A converted file answers for the file it came from,
    with the time stored when it was converted."""
    if hasattr(module, "reruns"):
        return module.reruns(path)
    return {} if module.NAME == "csv" else {str(path): None}


def read_file(path: Path, module: ModuleType, options, given: Sequence, reader=None
              ) -> tuple[list, list[str]]:
    """Read and validate one file (or a part of it, with ``reader``), and name its families.

    Parameters
    ----------
    path : Path
    module : module
        Its format module (:func:`emergence.sources.find_files`).
    options : ReadOptions
    given : sequence
        The SOURCE arguments (a family per SOURCE under ``--family-from path``).
    reader : callable, optional
        ``reader(path, options)`` in place of ``module.read`` (a block of a large CSV).

    Returns
    -------
    tables : list of (shape, DataFrame, checked)
        Each table with a ``_file`` column; ``checked`` is False where its rows must be checked again
        once combined (families merged by a rule, or a table put together from several documents).
    problems : list of str
        What was wrong with the file (then ``tables`` is empty).
    """
    out = []
    try:
        for shape, table in (reader or module.read)(path, options):
            source = table.attrs.get("source") or str(path)  # a converted file: the original's
            named = assign_families(table, family_rule(options), source=_source_of(path, given))
            # a CSV's table was checked whole by its validator
            checked = named is table and module.NAME == "csv"
            out.append((shape, with_seeds(named).assign(_file=source), checked))
    except SchemaError as error:
        return [], list(error.problems)
    except MemoryError:  # within the limits, yet more than this machine has: a user error too
        return [], [_out_of_memory(path)]
    return out, []


def only_rows(table: pd.DataFrame | None, families=None, tasks=None) -> pd.DataFrame | None:
    """The rows of the ``--family`` and ``--tasks`` asked for (None when none is left)."""
    if table is None:
        return None
    if families:
        table = table[table["family"].isin(families)]
    if tasks:
        table = table[table["task"].isin(tasks)]
    return table.reset_index(drop=True) if len(table) else None


def combine_frames(frames: list[pd.DataFrame], shape: str, *, reruns: dict, modules: Sequence[ModuleType],
                   checked: bool) -> pd.DataFrame:
    """The tables of several files as one: the newest of two runs of a model and task kept, the same
    row in two files refused, every format's notes on the whole said, and for records the choice
    counts checked across files; the ``_file`` column dropped.

    ``checked``: whether every table was checked whole by its validator (then one table needs no
    second look); ``reruns``: the files of result formats, whose runs can repeat one another, and
    when each was written where known (:func:`reruns_of`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # all-NA columns in concat
        combined = pd.concat(frames, ignore_index=True)
    present = set(combined["_file"].unique())
    combined = _newest_runs(combined, {f: t for f, t in reruns.items() if f in present})
    whole = len(frames) == 1 and checked and len(combined) == len(frames[0])
    if not whole:
        _check_across_files(combined, shape)
    # what a format has to say of all its files together (BIG-bench: sizes read from names)
    for module in modules:
        for note in getattr(module, "combined_notes", lambda table: [])(combined):
            warnings.warn(note, EmergenceWarning, stacklevel=3)
    if shape == "records" and not whole:
        check_choice_counts(combined)
    return combined.drop(columns="_file")


def _source_of(path: Path, given: list) -> str:
    """The SOURCE argument ``path`` was found under (itself, or the folder holding it)."""
    resolved = path.resolve()
    for source in given:
        root = Path(source).resolve()
        if resolved == root or root in resolved.parents:
            return str(source)
    return str(path)


def _out_of_memory(path: Path) -> str:
    try:
        size = f"{format_size(path.stat().st_size)} on disk"
    except OSError:
        size = "size unknown"
    return (f"{path}: not enough memory to read the file ({size}); split it into smaller files, or "
            "read it on a machine with more memory")


_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}[-:]\d{2}[-:]\d{2}(?:\.\d+)?)")


def run_time(name: str) -> str:
    """When a run wrote a file: the timestamp lm-eval puts in its names, else the file's mtime."""
    found = _STAMP.search(Path(name).name)
    if found:
        return found.group(1).replace(":", "-")
    try:
        return pd.Timestamp(Path(name).stat().st_mtime, unit="s").strftime("%Y-%m-%dT%H-%M-%S.%f")
    except OSError:
        return ""


def _newest_runs(combined: pd.DataFrame, reruns: dict) -> pd.DataFrame:
    """Where two runs (files of result formats, not benchmark CSVs) hold the same model and task,
    keep the newest run's rows and warn naming both files."""
    if not reruns:
        return combined
    keys = model_keys(combined) + ["task"] + (["subtask"] if "subtask" in combined else [])
    part = combined[combined["_file"].isin(list(reruns))]
    # newest run first: lm-eval's timestamp in the name (else mtime, or the time a converted file
    # stored), ties broken by the file name
    order = {f: (reruns.get(f) or run_time(f)) + "\x00" + f for f in part["_file"].unique()}
    rank = part["_file"].map(order)
    newest = rank.groupby([part[k] for k in keys], dropna=False, sort=False).transform("max")
    several = part.groupby(keys, dropna=False, sort=False)["_file"].nunique()
    for key in several.index[several > 1][:MAX_PROBLEMS]:
        key = key if isinstance(key, tuple) else (key,)
        mask = np.ones(len(part), dtype=bool)
        for k, v in zip(keys, key, strict=True):
            mask &= (part[k].isna() if pd.isna(v) else part[k] == v).to_numpy()
        files = list(part.loc[mask, "_file"].unique())
        named = ", ".join(f"{k}={v!r}" for k, v in zip(keys, key, strict=True) if pd.notna(v))
        kept = max(files, key=order.get)
        older = " and ".join(f for f in files if f != kept)
        warnings.warn(f"two runs of ({named}): {older} and {kept}; the newest ({kept}) is kept",
                      EmergenceWarning, stacklevel=5)
    return combined.drop(index=part.index[(rank != newest).to_numpy()]).reset_index(drop=True)


def _check_across_files(combined: pd.DataFrame, shape: str) -> None:
    keys = row_keys(combined, shape)
    dup = combined.duplicated(keys, keep=False)
    if not dup.any():
        return
    clashes = combined[dup].groupby(keys, dropna=False, sort=False)["_file"].unique()
    problems = []
    for key, files in clashes.head(MAX_PROBLEMS).items():
        named = ", ".join(f"{k}={v!r}" for k, v in zip(keys, key, strict=True) if pd.notna(v))
        problems.append(
            f"duplicate rows ({named}) in {' and '.join(files)}; each must appear once"
        )
    if len(clashes) > MAX_PROBLEMS:
        problems.append(f"... and {len(clashes) - MAX_PROBLEMS} more duplicates")
    raise SchemaError(problems)
