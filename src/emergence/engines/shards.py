"""The work of a partitioned run, in plain functions of plain data: what a Dask worker runs.

A run is split in two kinds of work:

- **pieces**: one input file read and validated (:func:`read_piece`), with the ``--family`` and
  ``--tasks`` filters and the ``--loss`` file applied, and a small digest of it for the client;
- **shards**: every record of a few tasks, from every piece that has them (:func:`rescore_shard`),
  combined with the checks of :func:`emergence.sources.load_tables` and rescored with the kernel of
  :func:`emergence.rescore.rescore_tasks`.

A task's numbers depend only on its own records, the run's metrics, its choice width and seed
(``rescore_tasks``), and a shard holds whole tasks, so the shards' rows put together are the rows and
bits of the in-process engine. Problems come back as values, so that the client reports every file's
problems together, in file order, as in process.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError, EmergenceWarning, SchemaError
from emergence.memory import give_back
from emergence.sources.reading import only_rows

#: The most records a shard is given (whole tasks are never split: a larger task is a shard alone).
SHARD_RECORDS = 2_000_000


@dataclass(frozen=True)
class Request:
    """What every piece and shard of a run needs to know.

    Attributes
    ----------
    options : ReadOptions
    given : list of str
        The SOURCE arguments (families per SOURCE under ``--family-from path``).
    families, tasks : list of str, optional
        Keep only these (``--family``, ``--tasks``).
    losses : DataFrame, optional
        The ``--loss`` file's table (:func:`emergence.sources.sizes.read_losses`).
    """

    options: object
    given: list = field(default_factory=list)
    families: list | None = None
    tasks: list | None = None
    losses: pd.DataFrame | None = None


@dataclass
class Piece:
    """One file read: its records and scores tables, or its problems, and the warnings it gave.

    ``digest`` says what the client needs without the rows: ``tasks`` (records per task, in order of
    appearance), ``columns`` (the records' columns), ``valued`` (those holding a value), ``width`` (the
    most choices of a row), ``seeds`` (the first seed of each (family, model)), ``families`` and
    ``task_names`` (before the filters, for a message when nothing is left).
    """

    records: pd.DataFrame | None = None
    scores: list = field(default_factory=list)
    checked: bool = True
    problems: list = field(default_factory=list)
    said: list = field(default_factory=list)
    digest: dict = field(default_factory=dict)


def read_piece(path: str, format_name: str, request: Request, block: tuple | None = None) -> Piece:
    """Read and validate one file as :func:`emergence.sources.load_tables` does, then keep the rows
    the filters ask for and add the ``--loss`` file's losses.

    ``block``: ``(start, stop, records_before, lines_before, header_stop)`` of a large plain CSV,
    read alone (:func:`emergence.sources.csv_blocks.read_block`)."""
    from emergence.metrics import has_value
    from emergence.metrics.per_example import choice_width
    from emergence.sources import formats
    from emergence.sources.reading import read_file

    piece = Piece()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = None
        if block is not None:
            from emergence.sources.csv_blocks import read_block

            def reader(path, options):
                return read_block(path, *block, options=options)

        tables, piece.problems = read_file(Path(path), formats()[format_name], request.options,
                                           request.given, reader=reader)
        records = [table for shape, table, _ in tables if shape == "records"]
        piece.checked = all(checked for shape, _, checked in tables if shape == "records")
        piece.scores = [table for shape, table, _ in tables if shape == "scores"]
        found = pd.concat(records, ignore_index=True) if len(records) > 1 else (records or [None])[0]
        piece.digest["families"] = sorted({str(f) for t in [found, *piece.scores] if t is not None
                                           for f in t["family"].unique()})
        piece.digest["task_names"] = sorted({str(f) for t in [found, *piece.scores] if t is not None
                                             for f in t["task"].unique()})
        # the filters and the losses come once the tables of all files are combined, as in process
        piece.records = found
    piece.said = [w.message for w in caught]
    if piece.records is not None:
        records = piece.records
        piece.digest |= {
            "tasks": records["task"].value_counts(sort=False).to_dict(),
            "columns": list(records.columns),
            "valued": [c for c in records if has_value(records[c])],
            "width": choice_width(records),
            "seeds": (records[["family", "model", "seed"]].drop_duplicates(["family", "model"])
                      if "seed" in records else None),
            "models": sorted({str(m) for m in records["model"].unique()}),
        }
        if block is not None:  # a file's blocks must give each model one scale, as the file must
            from emergence.scale import SCALE_COLUMNS
            from emergence.schema import model_keys

            scales = [c for c in SCALE_COLUMNS if c in records and c not in model_keys(records)]
            piece.digest["scales"] = records[model_keys(records) + scales].drop_duplicates()
    give_back()
    return piece


def take_tasks(piece: Piece, tasks: list) -> pd.DataFrame | None:
    """The piece's records of ``tasks`` (None when it has none of them)."""
    if piece.records is None:
        return None
    rows = piece.records[piece.records["task"].isin(tasks)]
    return rows if len(rows) else None


@dataclass(frozen=True)
class ShardSettings:
    """The whole run's settings that a shard's numbers depend on.

    Attributes
    ----------
    metrics : list of str
        Every metric of the run (:func:`emergence.rescore.metric_names` of all pieces' columns).
    width : int or None
        The most choices of any record of the run.
    columns : list of str
        The records' columns in the whole run (a shard lacking one gets it empty, as pandas' concat of
        all files gives it).
    reruns : dict
        Files whose runs may repeat one another (result formats, not benchmark CSVs), with their
        times where known (:func:`emergence.sources.reading.reruns_of`).
    formats : list of str
        The format modules read, whose notes on the combined table are said.
    options : MetricOptions or None
    n_replicates, seed : int
    common : bool
    request : Request, optional
        The filters and the ``--loss`` table, applied once a shard's tables are combined.
    """

    metrics: list
    width: int | None
    columns: list
    reruns: dict
    formats: list
    options: object = None
    n_replicates: int = 1000
    seed: int = 0
    common: bool = True
    request: Request | None = None


def filtered(table: pd.DataFrame, request: Request | None) -> pd.DataFrame | None:
    """A combined table with the ``--loss`` file's losses, then only the rows of the ``--family``
    and ``--tasks`` asked for (None when none is left), as the command line does in process."""
    if request is None:
        return table
    if request.losses is not None:
        from emergence.sources.sizes import add_losses

        table = add_losses(table, request.losses, check=False)  # checked once, for the whole run
    return only_rows(table, request.families, request.tasks)


@dataclass
class ShardResult:
    """What a shard gives back: its score rows, their replicates, the examples left out, warnings
    and problems."""

    scores: pd.DataFrame | None = None
    replicates: np.ndarray | None = None
    dropped: tuple | None = None
    said: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    error: str | None = None
    records: int = 0


def rescore_shard(frames: list, settings: ShardSettings) -> ShardResult:
    """Combine the records of a shard's tasks (``frames``, in file order, each with ``_file``) and
    rescore them."""
    from emergence.sources import formats
    from emergence.sources.reading import combine_frames

    result = ShardResult()
    frames = [f for f in frames if f is not None]
    if not frames:
        return result
    modules = [formats()[name] for name in settings.formats]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            records = combine_frames(frames, "records", reruns=settings.reruns, modules=modules,
                                     checked=False)
            del frames
            if list(records) != settings.columns:  # as pandas' concat of every file gives them
                records = records.reindex(columns=settings.columns)
            records = filtered(records, settings.request)
            if records is not None:
                rescore_combined(records, settings, result)
        except SchemaError as error:
            result.problems = list(error.problems)
        except EmergenceError as error:
            result.error = str(error)
    result.said = [w.message for w in caught]
    give_back()
    return result


def rescore_combined(records: pd.DataFrame, settings: ShardSettings, result: ShardResult) -> None:
    """Rescore a shard's combined and filtered records into ``result`` (on a Dask worker, or in a
    process of the in-process engine): the examples not common to the models left out, then
    :func:`emergence.rescore.rescore_tasks`."""
    from emergence.rescore import rescore_tasks
    from emergence.schema.keys import key_codes
    from emergence.schema.tables import common_examples_and_dropped

    result.records = len(records)
    codes = key_codes(records)  # hashed once for both steps (0.19 s of each half of 2.4M records)
    if settings.common:
        kept_records, dropped, kept = common_examples_and_dropped(records, codes)
        result.dropped = (dropped, kept)
        if kept_records is not records:
            records, codes = kept_records, None
    if len(records):
        scores, replicates = rescore_tasks(records, settings.metrics, options=settings.options,
                                           common=False, n_replicates=settings.n_replicates,
                                           seed=settings.seed, width=settings.width, codes=codes)
        result.scores = scores
        result.replicates = None if replicates is None else replicates.values


def read_and_rescore(paths: list, format_names: list, request: Request, settings: ShardSettings
                     ) -> tuple[list[Piece], ShardResult]:
    """A shard read from its own files (a converted dataset, whose every file holds one task): the
    pieces read (without their rows) and the shard rescored, with nothing kept in between."""
    pieces = [read_piece(path, name, request) for path, name in zip(paths, format_names, strict=True)]
    frames = [p.records for p in pieces]
    for p in pieces:
        p.records = None
    if any(p.problems for p in pieces):
        return pieces, ShardResult()
    return pieces, rescore_shard(frames, settings)


def pack_tasks(counts: dict, workers: int, limit: int = SHARD_RECORDS) -> list[list]:
    """Tasks (``counts``: records per task, in order of appearance) packed into shards of about a
    quarter of a worker's share of the records (at most ``limit``), whole tasks only."""
    total = sum(counts.values())
    target = max(1, min(limit, total // (4 * workers)))
    shards, current, size = [], [], 0
    for task, n in counts.items():
        if current and size + n > target:
            shards.append(current)
            current, size = [], 0
        current.append(task)
        size += n
    if current:
        shards.append(current)
    return shards


def say_dropped(results: list[ShardResult]) -> None:
    """The one warning :func:`emergence.schema.common_examples` gives for the whole run, from the
    examples each shard left out."""
    dropped = [r.dropped for r in results if r.dropped is not None]
    if any(d[0] is not None for d in dropped):
        from emergence.schema.tables import dropped_examples_message

        summary = pd.concat([d[0] for d in dropped if d[0] is not None]).sort_index()
        kept = sum(d[1] for d in dropped)
        warnings.warn(dropped_examples_message(summary, kept), EmergenceWarning, stacklevel=3)


def merge_results(results: list[ShardResult], records: int) -> tuple[pd.DataFrame | None, np.ndarray | None]:
    """The shards' score rows put in the order of one in-process table, and their replicates
    (None, None when ``records`` is 0); an error when no shard kept an example."""
    from emergence.rescore import score_order

    done = [r for r in results if r.scores is not None and len(r.scores)]
    if not done:
        if records:
            raise EmergenceError(
                "No example is present for every model of its family, so no curve can be paired; "
                "check that the models were scored on the same examples with the same ids, or pass "
                "common=False to rescore")
        return None, None
    table = pd.concat([r.scores for r in done], ignore_index=True)
    order = table.sort_values(score_order(table), kind="stable").index.to_numpy()
    table = table.iloc[order].reset_index(drop=True)
    replicates = None
    if done[0].replicates is not None:
        replicates = np.concatenate([r.replicates for r in done])[order]
    return table, replicates
