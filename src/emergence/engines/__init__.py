"""Where the work runs: in this process (the default; ``--jobs`` for the curves and figures) or on a
Dask cluster (``--engine dask``), beyond one machine and out of core.

Both engines rescore a task with the same kernel (:func:`emergence.rescore.rescore_tasks`), whose
numbers depend only on the task's own records, so they write the same bytes. Dask is imported only
when it is asked for (``pip install -e '.[dask]'``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from emergence.errors import EmergenceError

__all__ = ["AUTO_BYTES", "ENGINES", "choose_engine", "input_bytes", "rescore"]

#: The engines ``--engine`` takes.
ENGINES = ("process", "dask", "auto")

#: ``--engine auto`` runs on Dask when the inputs hold more bytes than this on disk (4 GiB: about
#: 30 million records of a benchmark CSV, where one process would need about 12 GB), in process
#: otherwise, and in process when Dask is not installed.
AUTO_BYTES = 4 * 2**30


def input_bytes(sources: Iterable) -> int:
    """Bytes on disk of the files under ``sources`` (files and folders)."""
    total = 0
    for source in sources:
        path = Path(source)
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def choose_engine(engine: str, sources: Iterable = (), scheduler: str | None = None) -> str:
    """``"process"`` or ``"dask"``: ``engine`` itself, or for ``"auto"`` Dask when a scheduler is
    given or the inputs are larger than :data:`AUTO_BYTES` and Dask is installed."""
    if engine not in ENGINES:
        raise EmergenceError(f"--engine must be one of {', '.join(ENGINES)}. Got {engine!r} instead.")
    if engine != "auto":
        return engine
    import importlib.util

    has_dask = importlib.util.find_spec("distributed") is not None
    if has_dask and (scheduler or input_bytes(sources) > AUTO_BYTES):
        return "dask"
    return "process"


def rescore(records, *, engine: str = "dask", client=None, metrics=None, options=None,
            bootstrap: int = 1000, seed: int = 0, request=None, progress=None):
    """Rescore ``records`` on an engine: what :func:`emergence.analyze` does with ``engine="dask"``.

    Parameters
    ----------
    records : DataFrame, path or list of paths
        A validated records table (split into shards of whole tasks here), or files and folders
        (read and validated on the workers).
    engine : {"dask"}
    client : distributed.Client, optional
        Default: a local cluster made for this call and closed after it.
    metrics, options, bootstrap, seed
        As for :func:`emergence.analyze`.
    request : emergence.engines.shards.Request, optional
        Read options, filters and losses for files.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    emergence.engines.on_dask.Rescored
    """
    if engine != "dask":
        raise EmergenceError(f"engines.rescore runs on 'dask'. Got {engine!r} instead.")
    from emergence.engines import on_dask
    from emergence.engines.shards import Request

    own = None
    if client is None:
        client, own = on_dask.connect()
    try:
        if isinstance(records, pd.DataFrame):
            return on_dask.rescore_frame(client, records, metrics=metrics, options=options,
                                         bootstrap=bootstrap, seed=seed, progress=progress)
        if request is None:
            from emergence.sources import ReadOptions

            request = Request(ReadOptions(), given=[str(r) for r in _as_list(records)])
        return on_dask.rescore_on_dask(client, _as_list(records), format_in=None, request=request,
                                       metrics=metrics, options=options, bootstrap=bootstrap, seed=seed,
                                       progress=progress)
    finally:
        if own is not None:
            client.close()
            own.close()


def _as_list(sources) -> list:
    return [sources] if isinstance(sources, str | Path) else list(sources)
