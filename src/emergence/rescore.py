"""Rescoring: records -> one score per (family, model, step, task, metric).

All metrics are computed per example in vectorised passes (:mod:`emergence.metrics`) and reduced per
group with ``np.bincount`` over group codes: no Python loop over examples or groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emergence.bootstrap import Replicates, example_keys, task_replicates
from emergence.errors import EmergenceError
from emergence.memory import give_back
from emergence.metrics import REGISTRY, MetricOptions, compute_many, get_metric, has_value
from emergence.metrics.per_example import choice_width
from emergence.scale import SCALE_COLUMNS
from emergence.schema import check_unique_examples, common_examples, model_keys
from emergence.schema.keys import first_appearance, group_codes, key_codes

#: Columns of the table :func:`rescore` returns, in order (scale columns only where present).
SCORE_OUTPUT = ("family", "model", "step", "seed", *(c for c in SCALE_COLUMNS if c != "step"), "task",
                "metric", "kind", "higher_is_better", "value", "stderr", "n", "chance")


def rescore(
    records: pd.DataFrame,
    metrics: list[str] | None = None,
    *,
    options: MetricOptions | None = None,
    common: bool = True,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Score every model on every task under each metric.

    Parameters
    ----------
    records : DataFrame
        A validated records table (see :func:`emergence.schema.validate_records`).
    metrics : list of str, optional
        Metric names from :data:`emergence.metrics.REGISTRY`; by default every metric the records
        have the columns for. Asking for one whose columns are missing is an error.
    options : MetricOptions, optional
        Text normalisation and tokenisation for exact_match and token_edit_distance.
    common : bool, default True
        Keep only the examples every model of a family has (warns with the count dropped), so that
        all points of a curve are computed on the same examples.
    bootstrap : int, default 0
        Replicates of the paired bootstrap over examples (:mod:`emergence.bootstrap`); with
        ``bootstrap > 0`` the table gains ``ci_lo`` and ``ci_hi``, the percentile interval.
    seed : int, default 0
        Seed of the bootstrap weights; the same seed gives the same intervals for any order or
        split of the input.
    level : float, default 0.95
        Coverage of the interval.

    Returns
    -------
    DataFrame
        One row per (family, model, [step], task, metric) with columns ``family``, ``model``,
        ``step`` (if given), the scale columns present (``params``, ``compute``, ``tokens``, ``loss``),
        ``task``, ``metric``, ``kind``, ``higher_is_better``, ``value`` (mean over examples),
        ``stderr`` (standard deviation / sqrt(n), NaN when n = 1), ``n`` (examples scored) and
        ``chance`` (mean chance level per example where known: the records' ``chance`` column, or
        gold choices / choices for multiple_choice_grade), and with ``bootstrap`` also ``ci_lo``
        and ``ci_hi``. Groups where a metric applies to no example are left out.

    Examples
    --------
    >>> import emergence
    >>> records = emergence.simulate(n_examples=50, seed=0)
    >>> scores = emergence.rescore(records, metrics=["exact_match", "token_edit_distance"])
    >>> sorted(scores["metric"].unique())
    ['exact_match', 'token_edit_distance']
    """
    scores, replicates = rescore_replicates(
        records, metrics, options=options, common=common, n_replicates=bootstrap, seed=seed
    )
    if replicates is not None:
        scores["ci_lo"], scores["ci_hi"] = replicates.interval(level)
    return scores


def rescore_replicates(
    records: pd.DataFrame,
    metrics: list[str] | None = None,
    *,
    options: MetricOptions | None = None,
    common: bool = True,
    n_replicates: int = 1000,
    seed: int = 0,
    jobs: int = 1,
) -> tuple[pd.DataFrame, Replicates | None]:
    """Scores and their paired-bootstrap replicates (see :func:`rescore` for the parameters).

    ``jobs``: processes rescoring shards of whole tasks (on Linux, for tables of 200,000 records or
    more: :mod:`emergence.engines.in_process`); the numbers are the same bits for any value.

    Returns
    -------
    scores : DataFrame
        As :func:`rescore` returns it (without interval columns).
    replicates : Replicates or None
        Row i of ``replicates.values`` holds the replicate means of row i of ``scores``; None when
        ``n_replicates`` is 0.
    """
    if not isinstance(n_replicates, int | np.integer) or n_replicates < 0:
        raise EmergenceError(
            f"The 'bootstrap' parameter must be an int >= 0. Got {n_replicates!r} instead."
        )
    metrics = metric_names([c for c in records if has_value(records[c])], metrics)
    width = choice_width(records)
    if jobs > 1:
        from emergence.engines.in_process import rescore_in_processes

        done = rescore_in_processes(records, metrics, options=options, common=common,
                                    n_replicates=n_replicates, seed=seed, width=width, jobs=jobs)
        if done is not None:
            table, replicates = done
            return table, None if replicates is None else Replicates(replicates, seed)
    return rescore_tasks(records, metrics, options=options, common=common, n_replicates=n_replicates,
                         seed=seed, width=width)


def metric_names(have: list[str], metrics: list[str] | None = None) -> list[str]:
    """The metrics to compute from records whose columns ``have`` hold values: ``metrics`` checked
    (each must have its columns), or every metric that applies (see :func:`rescore`)."""
    if metrics is None:
        metrics = [m.name for m in REGISTRY.values() if m.applies_to(have)]
    else:
        metrics = list(dict.fromkeys(metrics))
        for name in metrics:
            metric = get_metric(name)
            if not metric.applies_to(have):
                needs = " or ".join("+".join(group) for group in metric.needs)
                raise EmergenceError(
                    f"Metric {name!r} needs column(s) {needs}, which the records do not have."
                )
    if not metrics:
        raise EmergenceError(
            "No metric applies to these records: give prediction+target, target_logprob"
            "(+target_tokens), choice_logprobs+gold, or correct."
        )
    return metrics


def score_order(scores: pd.DataFrame) -> list[str]:
    """The columns the score table is sorted by: family, the first scale, the other model keys,
    task and metric (models in order of scale)."""
    scales = [c for c in SCALE_COLUMNS if c in scores and c != "step"]
    return ["family", *scales[:1], *model_keys(scores)[1:], "task", "metric"]


def rescore_tasks(
    records: pd.DataFrame,
    metrics: list[str],
    *,
    options: MetricOptions | None,
    common: bool,
    n_replicates: int,
    seed: int,
    width: int | None,
    codes: dict | None = None,
) -> tuple[pd.DataFrame, Replicates | None]:
    """:func:`rescore_replicates` of metrics already checked, with every task's choices padded to
    ``width`` (the widest of the whole table, :func:`choice_width`). ``codes``: the records'
    :func:`~emergence.schema.keys.key_codes`, when the caller has them.

    A task's numbers depend only on its own records, the metrics, ``width`` and ``seed``: the Dask
    engine calls this on shards of whole tasks with the whole run's metrics and width, and gets the
    rows and bits of one call on all the records. A metric that applies to none of a shard's records
    gives it no rows.
    """
    keys = model_keys(records) + ["task"]
    coded = key_codes(records) if codes is None else codes
    check_unique_examples(records, codes=coded)
    kept = common_examples(records, codes=coded) if common else records  # says what it leaves out
    if kept is not records:
        records = kept
        if records.empty:
            raise EmergenceError(
                "No example is present for every model of its family, so no curve can be paired; "
                "check that the models were scored on the same examples with the same ids, or pass "
                "common=False to rescore"
            )
        coded = key_codes(records)
    # the (model, task) groups in sorted order, as groupby(keys, sort=True, dropna=False) numbers them
    codes, n_groups = group_codes([coded[k] for k in keys])
    scales = [c for c in SCALE_COLUMNS if c in records and c != "step"]
    first_rows = records[keys].iloc[np.unique(codes, return_index=True)[1]]
    # each key column typed as groupby types its keys (an Index of them: text as pandas' str type)
    groups_table = pd.DataFrame({key: pd.Series(pd.Index(first_rows[key].to_numpy())) for key in keys})
    for scale in scales:  # the first value given in each group
        groups_table[scale] = pd.Series(records[scale].to_numpy()).groupby(codes).first().to_numpy()

    names = list(dict.fromkeys(metrics))
    # the (task, example) pairs in order of appearance, and the key of each (seed, task, example id)
    example_of_record, first = first_appearance(group_codes([coded["task"], coded["example"]])[0])
    task_of, example_of = (records[c].to_numpy(dtype=object)[first] for c in ("task", "example"))
    keys_ = example_keys(seed, task_of, example_of)
    del task_of, example_of, first
    task = coded["task"][0]
    del coded
    give_back()  # what hashing the keys took, before the metrics take theirs
    chance_column = (
        pd.to_numeric(records["chance"], errors="coerce").to_numpy(dtype=float)
        if "chance" in records else np.full(len(records), np.nan)
    )
    # one task at a time: its records' metrics, their means per group and its bootstrap (a group is a
    # model on a task, so no group spans two tasks); what is held is one task's values, not all
    stats = np.zeros((len(names), 4, n_groups))  # n, mean, stderr, chance of each metric and group
    # the replicates of the scored rows, in the order the tasks come: reserved for every (metric,
    # group), but only the pages written are ever taken from the system
    store = np.empty((len(names) * n_groups if n_replicates else 0, n_replicates))
    stored = np.empty(len(store), dtype=np.int64)  # row m * n_groups + g of each stored row
    filled = 0
    order = np.argsort(task, kind="stable")  # every task's choices padded to ``width``, the table's
    for rows in np.split(order, np.flatnonzero(np.diff(task[order])) + 1):
        # the task's records by group, then by example key: every sum below adds its terms in an
        # order that depends on the keys alone, not on the order or split of the input
        rows = rows[np.lexsort((keys_[example_of_record[rows]], codes[rows]))]
        part = records.iloc[rows]
        values = compute_many(part, names, options, choice_width=width)
        local = codes[rows]
        here = np.unique(local)
        for m, name in enumerate(names):
            stats[m][:, here] = _group_stats(part, name, values[name], local, n_groups,
                                             chance_column[rows])[:, here]
        if n_replicates:
            groups, block = task_replicates(list(values.values()), local, example_of_record[rows], keys_,
                                            n_replicates)
            scored = (stats[:, 0, groups] > 0).ravel()  # (metric, group) rows that have values
            wanted = (np.arange(len(names))[:, None] * n_groups + groups[None, :]).ravel()
            store[filled: filled + scored.sum()] = block[scored]
            stored[filled: filled + scored.sum()] = wanted[scored]
            filled += int(scored.sum())
        del values
    tables = []
    for m, name in enumerate(names):
        metric = get_metric(name)
        n, mean, stderr, chance = stats[m]
        table = groups_table.assign(
            metric=name, kind=metric.kind, higher_is_better=metric.higher_is_better,
            value=mean, stderr=stderr, n=n.astype(int), chance=chance,
        )
        tables.append(table)
    scores = pd.concat(tables, ignore_index=True)
    order = [c for c in SCORE_OUTPUT if c in scores]
    scores = scores[order].sort_values(score_order(scores), kind="stable")  # models in order of scale
    scores = scores[scores["n"] > 0]
    if not n_replicates:
        return scores.reset_index(drop=True), None
    # the stored rows put in the order of the scores, in place (no second copy of the replicates)
    position = np.full(len(names) * n_groups, -1)
    position[stored[:filled]] = np.arange(filled)
    replicates = _rows_in_place(store, position[scores.index.to_numpy()])
    return scores.reset_index(drop=True), Replicates(replicates, seed)


def _rows_in_place(matrix: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``matrix[order]`` made in ``matrix``'s own memory, one row held aside per cycle of the
    permutation; returns the first ``len(order)`` rows (``order`` a permutation of them)."""
    done = np.zeros(len(order), dtype=bool)
    for start in range(len(order)):
        if done[start] or order[start] == start:
            done[start] = True
            continue
        held = matrix[start].copy()
        row = start
        while True:
            done[row] = True
            source = order[row]
            if source == start:
                matrix[row] = held
                break
            matrix[row] = matrix[source]
            row = source
    return matrix[: len(order)]


def _group_stats(part: pd.DataFrame, name: str, per_example: np.ndarray, codes: np.ndarray, n_groups: int,
                 chance_column: np.ndarray) -> np.ndarray:
    """(n, mean, standard error, chance level) of one metric in each group of a task's records: the
    sums of each group in record order, as over the whole table."""
    ok = ~np.isnan(per_example)
    n = np.bincount(codes[ok], minlength=n_groups).astype(float)
    total = np.bincount(codes[ok], weights=per_example[ok], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        deviation = per_example[ok] - mean[codes[ok]]
        var = np.bincount(codes[ok], weights=deviation**2, minlength=n_groups) / (n - 1)
        stderr = np.where(n > 1, np.sqrt(var / n), np.nan)
        chance = _chance(part, name, chance_column, codes, n_groups, ok)
    return np.stack([n, mean, stderr, chance])


def _chance(records, name, chance_column, codes, n_groups, ok) -> np.ndarray:
    """Mean chance level of a metric per group (NaN where unknown)."""
    per_example = chance_column.copy()
    if name == "multiple_choice_grade":
        # gold choices / choices, on the rows the metric applies to (the others have no choices)
        rows = np.flatnonzero(ok)
        lists = records["choice_logprobs"].to_numpy(dtype=object)[rows]
        golds = records["gold"].to_numpy(dtype=object)[rows]
        derived = np.full(len(records), np.nan)
        if set(map(type, golds)) <= {int}:  # one gold each, as a validated table has them
            n_gold = np.ones(len(golds))
        else:
            n_gold = np.fromiter((len(g) if isinstance(g, list) else 1 for g in golds), float, len(golds))
        derived[rows] = n_gold / np.fromiter(map(len, lists), float, len(lists))
        per_example = np.where(np.isnan(per_example), derived, per_example)
    else:  # a chance level belongs to a multiple-choice grade, never to exact match (DESIGN.md 5)
        return np.full(n_groups, np.nan)
    known = ok & ~np.isnan(per_example)
    n = np.bincount(codes[known], minlength=n_groups)
    total = np.bincount(codes[known], weights=per_example[known], minlength=n_groups)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)
