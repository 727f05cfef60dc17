"""The in-process engine's use of several cores for rescoring: shards of whole tasks rescored in
forked processes (``--jobs N``), with the bits of one pass over the whole table.

The shards are those of the Dask engine (:func:`~emergence.engines.shards.pack_tasks`), rescored with
the same kernel (:func:`emergence.rescore.rescore_tasks`), whose numbers for a task depend only on its
own records, the run's metrics and choice width; their rows are put together in the order of one
table (:func:`~emergence.engines.shards.merge_results`). A forked process reads the records this
process holds (no copy is sent); only row numbers go out and score rows and replicates come back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emergence.engines.shards import (
    ShardResult,
    ShardSettings,
    merge_results,
    pack_tasks,
    rescore_combined,
    say_dropped,
)
from emergence.stats.backtest import import_statistics

#: Fewer records than this are rescored here: starting processes would cost more than it saves.
PARALLEL_RECORDS = 200_000

# what the forked processes read: (records, settings), set only while they run
_SHARED: dict = {}


def rescore_in_processes(records: pd.DataFrame, metrics: list[str], *, options, common: bool,
                         n_replicates: int, seed: int, width: int | None, jobs: int
                         ) -> tuple[pd.DataFrame, np.ndarray | None] | None:
    """:func:`emergence.rescore.rescore_tasks` of ``records`` by ``jobs`` processes, or None when the
    table is too small or has one task (then the caller rescores it here)."""
    import sys

    from emergence.jobs import parallel_map

    # the processes read the records this one holds: only a forked process has them
    if jobs <= 1 or len(records) < PARALLEL_RECORDS or not sys.platform.startswith("linux"):
        return None
    task_codes, names = pd.factorize(records["task"])
    if len(names) < 2:
        return None
    counts = dict(zip(range(len(names)), np.bincount(task_codes, minlength=len(names)).tolist(), strict=True))
    packed = pack_tasks(counts, jobs)
    shard_of_task = np.empty(len(names), dtype=np.int64)
    for number, shard in enumerate(packed):
        shard_of_task[shard] = number
    # each shard's rows in record order, a pass each (a stable sort of the task codes and of each
    # shard's rows took 0.1 s of the 2.4M set before the processes could start)
    shard_of_row = shard_of_task[task_codes]
    shards = [np.flatnonzero(shard_of_row == number) for number in range(len(packed))]
    _SHARED["work"] = (records, ShardSettings(metrics=metrics, width=width, columns=list(records),
                                              reruns={}, formats=[], options=options, common=common,
                                              n_replicates=n_replicates, seed=seed))
    try:
        results = parallel_map(_rescore_rows, shards, jobs,
                               meanwhile=import_statistics)
    finally:
        _SHARED.clear()
    say_dropped(results)
    return merge_results(results, len(records))


def _rescore_rows(rows: np.ndarray) -> ShardResult:
    """Rescore the records at ``rows`` (whole tasks, in record order) in a forked process."""
    records, settings = _SHARED["work"]
    result = ShardResult()
    rescore_combined(records.iloc[rows].reset_index(drop=True), settings, result)
    return result
