"""The Dask engine: files read and validated on the workers, tasks rescored in shards, the small
merged tables judged here as in process.

1. Each input file is a piece (:func:`~emergence.engines.shards.read_piece`), read on a worker and
   kept there; only its digest (tasks, columns, choice width) and its aggregate scores come back.
2. The tasks are packed into shards of whole tasks. A shard takes its tasks' rows from the pieces
   that hold them (on those pieces' workers) and rescores them
   (:func:`~emergence.engines.shards.rescore_shard`); what comes back is a few score rows and their
   replicates per (model, task, metric).
3. The shards' rows are put in the order of the in-process table.

A file written by ``python -m emergence convert`` holds the rows of one (family, task): such files
are shards already, and each shard reads its own files (nothing is held between the two steps).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from emergence.engines.partitions import partitions, scales_across_blocks
from emergence.engines.shards import (
    Request,
    ShardSettings,
    merge_results,
    pack_tasks,
    read_and_rescore,
    read_piece,
    rescore_shard,
    say_dropped,
    take_tasks,
)
from emergence.errors import EmergenceError, SchemaError
from emergence.schema import MAX_PROBLEMS
from emergence.sources.reading import reruns_of


@dataclass
class Rescored:
    """What the Dask engine hands to :func:`emergence.analyze`: the score rows of the records and
    their replicates, the first seed of each (family, model), the aggregate scores of the files,
    the files read and the number of records."""

    table: pd.DataFrame | None
    replicates: np.ndarray | None
    seeds: pd.DataFrame | None
    scores: pd.DataFrame | None
    files: list
    records: int
    families: list
    task_names: list


def connect(scheduler: str | None = None, *, workers: int | None = None):
    """A Dask client: of the scheduler at ``scheduler`` (``tcp://host:8786``), or of a local
    cluster of one single-threaded worker process per core.

    Returns
    -------
    client : distributed.Client
    cluster : LocalCluster or None
        The local cluster made here (close it after the client), None for a scheduler address.
    """
    try:
        import logging

        from dask.distributed import Client, LocalCluster
    except ImportError as error:
        raise EmergenceError(
            f"--engine dask needs Dask ({error.name} is not installed); install it with "
            "pip install -e '.[dask]' (or pip install 'dask[distributed]')") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError, ValueError) as error:
            raise EmergenceError(
                f"--scheduler {scheduler}: no Dask scheduler answers there ({type(error).__name__}: "
                f"{error}); start one with `dask scheduler` and give the address it prints, "
                "e.g. tcp://10.0.0.5:8786") from None
    from emergence.jobs import default_jobs

    cluster = LocalCluster(n_workers=workers or default_jobs(), threads_per_worker=1, processes=True,
                           silence_logs=logging.ERROR, dashboard_address=":0")
    return Client(cluster), cluster


def _converted(files) -> dict | None:
    """Per file of a converted dataset, what its footer says (family, task, records, width, valued
    columns, columns); None when any file is not one."""
    from emergence.sources import converted

    if not files or any(module.NAME != converted.NAME for _, module in files):
        return None
    return {str(path): converted.footer(path) for path, _ in files}


def rescore_on_dask(client, sources, *, format_in: str | None, request: Request, metrics=None,
                    options=None, bootstrap: int = 1000, seed: int = 0, progress=None) -> Rescored:
    """Read, validate and rescore ``sources`` on the cluster of ``client``.

    Parameters
    ----------
    client : distributed.Client
    sources : list of path
        Files and folders, as for :func:`emergence.sources.load_tables` (every worker must see them
        at the same paths).
    format_in : str, optional
    request : Request
        Read options, filters and losses.
    metrics, options, bootstrap, seed
        As for :func:`emergence.analyze`.
    progress : callable, optional
        ``progress(stage, done, total)`` for the stages ``"reading"`` and ``"scoring"``.

    Returns
    -------
    Rescored
    """
    from dask.distributed import as_completed

    from emergence.sources import find_files

    say = _sayer(progress)
    hub = [str(s) for s in sources if str(s).startswith("hf://")]
    if hub:
        raise EmergenceError(f"{hub[0]}: --engine dask reads files that every worker can open, not hf:// "
                             "datasets; download the dataset's files and name them, or run in process")
    files = find_files(sources, format_in)
    footers = _converted(files)
    if footers is not None:
        return _rescore_converted(client, files, footers, request=request, metrics=metrics, options=options,
                                  bootstrap=bootstrap, seed=seed, say=say)
    parts = partitions(files, request.options.limits)
    pieces = [client.submit(read_piece, str(path), name, request, block, pure=False)
              for path, name, block in parts]
    digests = client.map(_digest, pieces, pure=False)
    # (problems, warnings, digest, scores, checked) of each piece, in file order
    digest = [None] * len(parts)
    place = {d.key: i for i, d in enumerate(digests)}
    say("reading", 0, len(parts))
    for done, future in enumerate(as_completed(digests), 1):
        digest[place[future.key]] = _result(future)
        say("reading", done, len(parts))
    problems = [p for d in digest for p in d[0]]
    for d in digest:
        for message in d[1]:
            warnings.warn(message, stacklevel=2)
    problems = problems or scales_across_blocks(parts, digest)
    if problems:
        raise SchemaError(problems)
    with_records = [(i, d[2]) for i, d in enumerate(digest) if d[2].get("tasks")]
    rescored = Rescored(None, None, None, None, [p for p, _ in files], 0,
                        sorted({f for d in digest for f in d[2].get("families", [])}),
                        sorted({t for d in digest for t in d[2].get("task_names", [])}))
    if with_records:
        _check_losses(request, [d for _, d in with_records])
        settings = _settings([d for _, d in with_records], files, metrics, options, bootstrap, seed,
                             request)
        counts: dict = {}
        for _, d in with_records:
            for task, n in d["tasks"].items():
                counts[task] = counts.get(task, 0) + n
        results = []
        for tasks in pack_tasks(counts, len(client.scheduler_info().get("workers", {})) or 1):
            wanted = set(tasks)
            rows = [client.submit(take_tasks, pieces[i], tasks, pure=False) for i, d in with_records
                    if wanted & set(d["tasks"])]  # taken where each piece lies
            results.append(client.submit(rescore_shard, rows, settings, pure=False))
        del pieces
        out = _collect(results, say)
        rescored.seeds = _seeds([d for _, d in with_records])
        _merged(out, rescored)
    rescored.scores = _scores_table([t for d in digest for t in d[3]], files, request)
    return rescored


def rescore_frame(client, records: pd.DataFrame, *, metrics=None, options=None, bootstrap: int = 1000,
                  seed: int = 0, progress=None) -> Rescored:
    """Rescore a validated records table on the cluster: split here into shards of whole tasks, each
    sent to a worker (see :func:`rescore_on_dask`)."""
    from emergence.metrics import has_value
    from emergence.metrics.per_example import choice_width
    from emergence.rescore import metric_names

    say = _sayer(progress)
    rescored = Rescored(None, None, None, None, [], len(records),
                        sorted(set(records["family"].astype(str))), sorted(set(records["task"].astype(str))))
    frame = records.assign(_file="<records>")
    settings = ShardSettings(metrics=metric_names([c for c in records if has_value(records[c])], metrics),
                             width=choice_width(records), columns=list(records.columns), reruns={},
                             formats=[], options=options, n_replicates=bootstrap, seed=seed)
    counts = records["task"].value_counts(sort=False).to_dict()
    task_codes = pd.Series(pd.factorize(records["task"])[0])
    number = {task: i for i, task in enumerate(pd.unique(records["task"]))}
    results = []
    for tasks in pack_tasks(counts, len(client.scheduler_info().get("workers", {})) or 1):
        rows = np.flatnonzero(task_codes.isin([number[t] for t in tasks]).to_numpy())
        part = client.scatter(frame.iloc[rows], hash=False)
        results.append(client.submit(rescore_shard, [part], settings, pure=False))
    if "seed" in records:
        rescored.seeds = records[["family", "model", "seed"]].drop_duplicates(["family", "model"])
    return _merged(_collect(results, say), rescored)


def _rescore_converted(client, files, footers, *, request, metrics, options, bootstrap, seed,
                       say) -> Rescored:
    """Shards of a converted dataset: the files of each task, read and rescored in one step."""
    records = [(path, module, footers[str(path)]) for path, module in files
               if footers[str(path)]["shape"] == "records"]
    others = [(path, module) for path, module in files if footers[str(path)]["shape"] != "records"]
    said = list(footers.values())
    rescored = Rescored(None, None, None, None, [p for p, _ in files], 0,
                        sorted({f for foot in said for f in foot.get("families") or [foot["family"]] if f}),
                        sorted({t for foot in said for t in foot.get("tasks") or [foot["task"]] if t}))
    scores = [client.submit(read_piece, str(p), m.NAME, request, pure=False) for p, m in others]
    by_task: dict = {}
    for path, module, foot in records:
        by_task.setdefault(foot["task"], []).append((str(path), module.NAME))
    settings = None
    if records:
        _check_losses(request, [f for _, _, f in records])
        settings = _settings([f for _, _, f in records], files, metrics, options, bootstrap, seed, request)
    results = [client.submit(read_and_rescore, [p for p, _ in group], [n for _, n in group], request,
                             settings, pure=False) for group in by_task.values()]
    pieces = [_result(f) for f in scores]
    done = _collect_pairs(results, say)
    pieces = [piece for shard_pieces, _ in done for piece in shard_pieces] + pieces
    problems = [p for piece in pieces for p in piece.problems]
    for piece in pieces:
        for message in piece.said:
            warnings.warn(message, stacklevel=3)
    if problems:
        raise SchemaError(problems)
    if records:
        out = _check_results([result for _, result in done])
        rescored.seeds = _seeds([piece.digest for piece in pieces])
        _merged(out, rescored)
    rescored.scores = _scores_table([t for piece in pieces for t in piece.scores], files, request)
    return rescored


def _collect_pairs(futures, say):
    from dask.distributed import as_completed

    place = {f.key: i for i, f in enumerate(futures)}
    out = [None] * len(futures)
    say("scoring", 0, len(futures))
    for done, future in enumerate(as_completed(futures), 1):
        out[place[future.key]] = _result(future)
        future.release()
        say("scoring", done, len(futures))
    return out


def _sayer(progress):
    """``say(stage, done, total)``: ``progress`` called, when there is one."""
    def say(stage, done, total):
        if progress is not None:
            progress(stage, done, total)

    return say


def _result(future):
    """A future's result; a worker that died on it (out of memory, killed) is a one-line error."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as error:
        raise EmergenceError(
            f"a Dask worker died while running {future.key!r} ({error}); it most likely ran out of memory: "
            "give each worker more (dask worker --memory-limit 8GB) or split the largest files") from None


def _collect(futures, say) -> list:
    return _check_results(_collect_pairs(futures, say))


def _check_results(results) -> list:
    """The shards' results, once their problems, errors and warnings are said as in process."""
    problems = [p for r in results for p in r.problems]
    if problems:
        raise SchemaError(problems)
    errors = [r.error for r in results if r.error]
    if errors:
        raise EmergenceError(errors[0])
    seen, reruns = set(), 0
    for r in results:
        for message in r.said:
            if str(message) in seen:
                continue
            seen.add(str(message))
            if str(message).startswith("two runs of ("):  # at most MAX_PROBLEMS, as one table says
                reruns += 1
                if reruns > MAX_PROBLEMS:
                    continue
            warnings.warn(message, stacklevel=3)
    say_dropped(results)
    return results


def _digest(piece):
    """What the client needs of a piece: problems, warnings, digest, aggregate scores."""
    return piece.problems, piece.said, piece.digest, piece.scores, piece.checked


def _check_losses(request: Request, digests) -> None:
    """A ``--loss`` file must name some model of the records (checked once, as in process)."""
    if request is not None and request.losses is not None:
        from emergence.sources.sizes import check_losses

        check_losses({m for d in digests for m in d.get("models", [])}, request.losses)


def _settings(digests, files, metrics, options, bootstrap, seed, request=None) -> ShardSettings:
    """The run's settings from the digests of its pieces (or the footers of converted files); a
    ``--loss`` file (in ``request``) adds its column."""
    losses = request is not None and request.losses is not None
    from emergence.rescore import metric_names

    valued = list(dict.fromkeys(c for d in digests for c in d["valued"]))
    columns = list(dict.fromkeys(c for d in digests for c in d["columns"]))
    if losses and "loss" not in columns:
        columns.append("loss")
    widths = [d["width"] for d in digests if d.get("width") is not None]
    return ShardSettings(
        metrics=metric_names(valued, metrics), width=max(widths) if widths else None,
        columns=columns, reruns=_reruns(files),
        formats=list(dict.fromkeys(m.NAME for _, m in files)), options=options,
        n_replicates=bootstrap, seed=seed, request=request)


def _reruns(files) -> dict:
    """The files whose runs may repeat another's, with their times where known (``reruns_of``)."""
    return {f: t for path, module in files for f, t in reruns_of(path, module).items()}


def _seeds(digests) -> pd.DataFrame | None:
    tables = [d["seeds"] for d in digests if d.get("seeds") is not None]
    if not tables:
        return None
    return pd.concat(tables, ignore_index=True).drop_duplicates(["family", "model"])


def _scores_table(tables, files, request: Request) -> pd.DataFrame | None:
    """The files' aggregate scores combined as in process, with the losses and the filters."""
    if not tables:
        return None
    from emergence.engines.shards import filtered
    from emergence.sources.reading import combine_frames

    table = combine_frames(tables, "scores", reruns=_reruns(files),
                           modules=list(dict.fromkeys(m for _, m in files)), checked=False)
    if request.losses is not None:
        from emergence.sources.sizes import check_losses

        check_losses(set(table["model"].astype(str)), request.losses)
    return filtered(table, request)


def _merged(results, rescored: Rescored) -> Rescored:
    """The shards' score rows in the in-process order, with their replicates, and the records
    analysed (those left after the filters)."""
    rescored.records = sum(r.records for r in results)
    rescored.table, rescored.replicates = merge_results(results, rescored.records)
    return rescored


def dashboard(client) -> str | None:
    """The dashboard's address, where the scheduler serves one (it needs bokeh)."""
    import importlib.util

    if importlib.util.find_spec("bokeh") is None:
        return None
    if "dashboard" not in client.scheduler_info().get("services", {}):
        return None
    try:
        return client.dashboard_link or None
    except (KeyError, AttributeError):
        return None
