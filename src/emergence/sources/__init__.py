"""Loading result files into the two tidy tables.

One module per input format; :func:`load` and :func:`load_tables` find the files, read each with the
right module, validate, and combine them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError, EmergenceWarning, SchemaError
from emergence.memory import give_back
from emergence.schema import MAX_PROBLEMS, check_choice_counts, model_keys, row_keys
from emergence.sources.csv_files import write_csv
from emergence.sources.family import assign_families, with_seeds
from emergence.sources.limits import Limits, format_size
from emergence.sources.sizes import read_sizes

__all__ = ["Limits", "ReadOptions", "Tables", "find_files", "formats", "load", "load_tables", "read_sizes",
           "write_csv"]

#: Format modules under emergence.sources, in the order their ``sniff`` is asked: specific formats
#: first, the generic benchmark CSV last (a Pythia evaluation CSV is a CSV too). Each module has
#: ``NAME`` (what ``--format-in`` calls it), ``sniff(path, head) -> bool`` (``head``: the file's first
#: 64 KiB) and ``read(path, options) -> list of (shape, validated table)``; optionally
#: ``combined_notes(table) -> list of str``, warnings about a combined table of all the files read.
FORMAT_MODULES = ("pythia", "inspect_logs", "lm_eval", "helm", "bigbench", "lighteval_details", "hf_datasets",
                  "csv_files")

_SNIFF_BYTES = 65536


@dataclass(frozen=True)
class ReadOptions:
    """Settings that some formats need.

    Parameters
    ----------
    filter : str, optional
        lm-evaluation-harness filter to keep when a document has several (default: the first).
    sizes : mapping, optional
        Model name -> parameter count (``--sizes``): for models whose size the files do not say, and
        winning over the size an lm-eval, HELM, BIG-bench or Hugging Face file states (e.g. to
        use non-embedding counts). Benchmark CSVs keep their ``params`` column.
    limits : Limits, optional
        The most bytes one file (decompressed) and one line may hold (``--max-bytes``,
        ``--max-line-bytes``); default :class:`~emergence.sources.limits.Limits` (1 GiB, 64 MiB).
    family_from : {"file", "name", "path"} or mapping, optional
        Where families come from (``--family-from``; :mod:`emergence.sources.family`): what each
        file says (default), the model name's rule for every model, one family per SOURCE argument,
        or a mapping model -> family (:func:`~emergence.sources.family.read_family_map`).
    """

    filter: str | None = None
    sizes: Mapping[str, float] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    family_from: str | Mapping[str, str] = "file"


def formats() -> dict[str, ModuleType]:
    """The format modules present, by NAME."""
    found = {}
    for name in FORMAT_MODULES:
        try:
            module = import_module(f"emergence.sources.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"emergence.sources.{name}":
                raise
            continue
        found[module.NAME] = module
    return found


@dataclass
class Tables:
    """What a set of files holds: a records table, a scores table (either may be None), the files.

    Attributes
    ----------
    records : DataFrame or None
        Per-example rows of every records file, validated and concatenated.
    scores : DataFrame or None
        Aggregate rows of every scores file.
    files : list of Path or str
        The files read, in order (``hf://`` datasets as given).
    """

    records: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    files: list[Path | str] = field(default_factory=list)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise EmergenceError(f"{path}: cannot read the file: {error}") from None


def format_of(path: Path, format_in: str | None = None) -> ModuleType | None:
    """The format module that reads ``path``: the first whose ``sniff`` recognises it (only the one
    named by ``format_in`` is asked when given); None if none does."""
    known = formats()
    if format_in is not None:
        if format_in not in known:
            raise EmergenceError(
                f"--format-in {format_in!r} is not a known format; known: {', '.join(known)}"
            )
        known = {format_in: known[format_in]}
    head = _head(path)
    return next((module for module in known.values() if module.sniff(path, head)), None)


def find_files(paths: str | Path | Iterable[str | Path], format_in: str | None = None
               ) -> list[tuple[Path, ModuleType]]:
    """Expand files and folders into the files to read, each with its format module.

    A folder contributes every file below it that a format recognises (sorted by path); other files
    in it (YAML configs, READMEs) are passed over. A file reached twice (named and in a named folder,
    through ``..`` or a link) is read once, under the name first given.

    Raises
    ------
    EmergenceError
        For a path that does not exist, a file no format reads, or a folder with nothing to read.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    found: dict[Path, ModuleType] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = {}
            for candidate in sorted(p for p in path.rglob("*") if p.is_file()):
                module = format_of(candidate, format_in)
                if module is not None:
                    inside[candidate] = module
            if not inside:
                raise EmergenceError(
                    f"{path}: the folder holds no .csv or .csv.gz file, nor any other file emergence "
                    f"reads (formats: {', '.join(formats())}); give a folder of results or the files"
                )
            found.update(inside)
        elif path.is_file():
            module = format_of(path, format_in)
            if module is None and format_in is not None:  # named explicitly: read it as told
                module = formats()[format_in]
            if module is None:
                raise EmergenceError(
                    f"{path}: unknown file type; emergence reads benchmark .csv or .csv.gz files and "
                    f"these formats: {', '.join(formats())} (name one with --format-in)"
                )
            found[path] = module
        else:
            raise EmergenceError(f"{path}: no such file or folder")
    if not found:
        raise EmergenceError("no input given: name at least one file or folder")
    once: dict[Path, tuple[Path, ModuleType]] = {}
    for path, module in found.items():
        once.setdefault(path.resolve(), (path, module))  # else its rows, and problems, count twice
    return list(once.values())


def load_tables(paths: str | Path | Iterable[str | Path], *, format_in: str | None = None,
                options: ReadOptions | None = None, progress=None) -> Tables:
    """Read and validate every file, combining records and scores separately.

    Problems of all files are reported together. The same (model, task, example) in two files is an
    error naming both.

    Parameters
    ----------
    paths : path or list of paths
        Files and folders (see :func:`find_files`), and ``hf://ORG/NAME[/CONFIG]`` datasets
        (loaded with :func:`emergence.sources.hf_datasets.load_hf`).
    format_in : str, optional
        Read every file with this format instead of sniffing (a NAME from :func:`formats`).
    options : ReadOptions, optional
    progress : callable, optional
        ``progress(done, total)`` before each file and once all are read.

    Returns
    -------
    Tables
    """
    options = options or ReadOptions()
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    hub = [str(p) for p in paths if str(p).startswith("hf://")]
    files = find_files([p for p in paths if not str(p).startswith("hf://")], format_in) if len(hub) < len(
        paths) else []
    parts: dict[str, list[pd.DataFrame]] = {"records": [], "scores": []}
    unchecked: set[str] = set()
    problems: list[str] = []
    how = dict(options.family_from) if isinstance(options.family_from, Mapping) else options.family_from
    for spec in hub:  # a Hugging Face dataset: datasets.load_dataset, then the details mapping
        from emergence.sources.hf_datasets import load_hf

        try:
            table = assign_families(load_hf(spec), how, source=spec.rstrip("/").rsplit("/", 1)[-1])
            parts["records"].append(table.assign(_file=spec))
        except SchemaError as error:
            problems.extend(error.problems)
    for done, (path, module) in enumerate(files):
        if progress is not None:
            progress(done, len(files))
        try:
            for shape, table in module.read(path, options):
                named = assign_families(table, how, source=_source_of(path, paths))
                if named is not table or module.NAME != "csv":
                    # a CSV's table was checked whole by its validator; families merged by a rule,
                    # or a table put together from several documents, are checked again below
                    unchecked.add(shape)
                table = with_seeds(named)
                parts[shape].append(table.assign(_file=str(path)))
        except SchemaError as error:
            problems.extend(error.problems)
        except MemoryError:  # within the limits, yet more than this machine has: a user error too
            problems.append(_out_of_memory(path))
    if progress is not None:
        progress(len(files), len(files))
    if problems:
        raise SchemaError(problems)
    tables = Tables(files=[path for path, _ in files] + hub)
    for shape, frames in parts.items():
        if frames:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # all-NA columns in concat
                combined = pd.concat(frames, ignore_index=True)
            reruns = {str(path) for path, module in files if module.NAME != "csv"}
            combined = _newest_runs(combined, reruns)
            whole = len(frames) == 1 and shape not in unchecked and len(combined) == len(frames[0])
            if not whole:
                _check_across_files(combined, shape)
            # what a format has to say of all its files together (BIG-bench: sizes read from names)
            for module in dict.fromkeys(module for _, module in files):
                for note in getattr(module, "combined_notes", lambda table: [])(combined):
                    warnings.warn(note, EmergenceWarning, stacklevel=2)
            if shape == "records" and not whole:
                check_choice_counts(combined)
            setattr(tables, shape, combined.drop(columns="_file"))
    give_back()
    return tables


def load(paths: str | Path | Iterable[str | Path], *, format_in: str | None = None,
         options: ReadOptions | None = None) -> pd.DataFrame:
    """Load benchmark files into one tidy table.

    Parameters
    ----------
    paths : path or list of paths
        Files and folders (``.csv``, ``.csv.gz`` and the formats of :func:`formats`), all holding
        records or all holding scores.
    format_in : str, optional
        Read every file with this format instead of sniffing.
    options : ReadOptions, optional

    Returns
    -------
    DataFrame
        The validated records table (one row per model x task x example), or the scores table
        (one row per model x task x metric) when every file holds scores. ``table.attrs["shape"]``
        says which.

    Raises
    ------
    SchemaError
        Every problem of every file, with file, line, column and value.

    Examples
    --------
    >>> import emergence
    >>> records = emergence.load("benchmarks/")  # doctest: +SKIP
    """
    tables = load_tables(paths, format_in=format_in, options=options)
    if tables.records is not None and tables.scores is not None:
        raise EmergenceError(
            "the inputs hold both per-example records and aggregate scores (records and scores files, "
            "or logs that give both, like lm-eval results beside their samples or an Inspect log with a "
            "numeric scorer); use emergence.sources.load_tables(...) to get both tables, and pass them "
            "as emergence.analyze(tables.records, tables.scores)"
        )
    table, shape = (
        (tables.records, "records") if tables.records is not None else (tables.scores, "scores")
    )
    table.attrs["shape"] = shape
    return table


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


def _run_time(name: str) -> str:
    """When a run wrote a file: the timestamp lm-eval puts in its names, else the file's mtime."""
    found = _STAMP.search(Path(name).name)
    if found:
        return found.group(1).replace(":", "-")
    try:
        return pd.Timestamp(Path(name).stat().st_mtime, unit="s").strftime("%Y-%m-%dT%H-%M-%S.%f")
    except OSError:
        return ""


def _newest_runs(combined: pd.DataFrame, reruns: set[str]) -> pd.DataFrame:
    """Where two runs (files of result formats, not benchmark CSVs) hold the same model and task,
    keep the newest run's rows and warn naming both files."""
    if not reruns:
        return combined
    keys = model_keys(combined) + ["task"] + (["subtask"] if "subtask" in combined else [])
    part = combined[combined["_file"].isin(reruns)]
    # newest run first: lm-eval's timestamp in the name (else mtime), ties broken by the file name
    order = {f: _run_time(f) + "\x00" + f for f in part["_file"].unique()}
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
                      EmergenceWarning, stacklevel=4)
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
