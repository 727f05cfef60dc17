"""Loading result files into the two tidy tables.

One module per input format; :func:`load` and :func:`load_tables` find the files, read each with the
right module, validate, and combine them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import ModuleType

import pandas as pd

from emergence.errors import EmergenceError, SchemaError
from emergence.memory import give_back
from emergence.sources.csv_files import write_csv
from emergence.sources.family import assign_families
from emergence.sources.limits import Limits
from emergence.sources.reading import combine_frames, family_rule, read_file, reruns_of
from emergence.sources.sizes import read_sizes

__all__ = ["Limits", "ReadOptions", "Tables", "find_files", "formats", "load", "load_tables", "read_sizes",
           "write_csv"]

#: Format modules under emergence.sources, in the order their ``sniff`` is asked: specific formats
#: first, the generic benchmark CSV last (a Pythia evaluation CSV is a CSV too). Each module has
#: ``NAME`` (what ``--format-in`` calls it), ``sniff(path, head) -> bool`` (``head``: the file's first
#: 64 KiB) and ``read(path, options) -> list of (shape, validated table)``; optionally
#: ``combined_notes(table) -> list of str``, warnings about a combined table of all the files read.
FORMAT_MODULES = ("converted", "pythia", "inspect_logs", "lm_eval", "helm", "bigbench", "lighteval_details",
                  "hf_datasets", "csv_files")

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


def find_inputs(paths: str | Path | Iterable[str | Path], format_in: str | None = None
                ) -> tuple[list[tuple[Path, ModuleType]], list[str]]:
    """The inputs :func:`load_tables` reads, in its order: the files of :func:`find_files` (each with
    its format module), and the ``hf://`` datasets named, as given."""
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    hub = [str(p) for p in paths if str(p).startswith("hf://")]
    local = [p for p in paths if not str(p).startswith("hf://")]
    return (find_files(local, format_in) if local else []), hub


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
    files, hub = find_inputs(paths, format_in)
    parts: dict[str, list[pd.DataFrame]] = {"records": [], "scores": []}
    unchecked: set[str] = set()
    problems: list[str] = []
    how = family_rule(options)
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
        tables_read, said = read_file(path, module, options, paths)
        problems.extend(said)
        for shape, table, checked in tables_read:
            if not checked:
                unchecked.add(shape)
            parts[shape].append(table)
    if progress is not None:
        progress(len(files), len(files))
    if problems:
        raise SchemaError(problems)
    tables = Tables(files=[path for path, _ in files] + hub)
    reruns = {f: t for path, module in files for f, t in reruns_of(path, module).items()}
    modules = list(dict.fromkeys(module for _, module in files))
    for shape, frames in parts.items():
        if frames:
            setattr(tables, shape, combine_frames(frames, shape, reruns=reruns, modules=modules,
                                                  checked=shape not in unchecked))
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


