"""One scores table from per-example records and reported scores, with bootstrap replicates per row.

Reported perplexities gain their log (the smooth counterpart); a reported score that was also
rescored from the same model's examples gives way to the rescored one; a subtask becomes a curve of
its own; aggregate rows get normal replicates from their standard error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning
from emergence.metrics import MetricOptions, resolve_kind
from emergence.rescore import rescore_replicates


def combined_table(records, scores, *, metrics, options: MetricOptions | None, bootstrap: int,
                   seed: int, rescored=None, jobs: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """The scores of a run and their replicates ``(len(table), bootstrap)``, not oriented: those of
    :func:`combined_scores`, every row's replicates made (:func:`replicate_values`)."""
    table, replicates = combined_scores(records, scores, metrics=metrics, options=options,
                                        bootstrap=bootstrap, seed=seed, rescored=rescored, jobs=jobs)
    return replicate_values(table, replicates, bootstrap=bootstrap, seed=seed)


def combined_scores(records, scores, *, metrics, options: MetricOptions | None, bootstrap: int,
                    seed: int, rescored=None, jobs: int = 1) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The scores of a run, not oriented, and the replicates of its rescored rows: a row's
    ``_replicate_row`` is its row of those replicates, -1 for an aggregate row (whose replicates
    :func:`replicate_values` draws, for the rows still wanted then).

    ``rescored``: the records' score rows, replicates and first seed per (family, model) as an
    engine made them (:class:`emergence.engines.on_dask.Rescored`), instead of ``records``.
    """
    parts = []
    replicates = None
    if records is not None or (rescored is not None and rescored.table is not None):
        if rescored is not None:
            table, replicates, seeds = rescored.table, rescored.replicates, rescored.seeds
        else:
            table, replicates = rescore_replicates(records, metrics, options=options,
                                                   n_replicates=bootstrap, seed=seed, jobs=jobs)
            replicates = replicates.values
            seeds = (records[["family", "model", "seed"]].drop_duplicates(["family", "model"])
                     if "seed" in records else None)
        if seeds is not None and "seed" not in table:
            table = table.merge(seeds, on=["family", "model"], how="left")
        parts.append(table.assign(per_example=True, _replicate_row=np.arange(len(table))))
    if scores is not None:
        table = with_log_perplexity(scores)
        if "kind" not in table:
            kinds = table["metric"].map(resolve_kind)
            table["kind"] = kinds.map(lambda k: k[0] if k else None)
            table["higher_is_better"] = kinds.map(lambda k: k[1] if k else None)
        parts.append(table.assign(per_example=False, _replicate_row=-1))
    table = _prefer_rescored(pd.concat(parts, ignore_index=True))
    table["higher_is_better"] = table["higher_is_better"].map(
        lambda v: None if v is None or v != v else bool(v)).astype(object)
    if "subtask" in table and table["subtask"].notna().any():
        # a subtask is a curve of its own: "task:subtask" (rows without one keep the task name)
        task, sub = table["task"].astype(str), table["subtask"].astype("string")
        named = pd.Series([not isinstance(b, str) or a.endswith(":" + b) for a, b in
                           zip(task, sub.to_numpy(dtype=object, na_value=None), strict=True)],
                          index=table.index)
        table["task"] = task.where(named, task + ":" + sub.fillna(""))
    return table, replicates


def replicate_values(table: pd.DataFrame, replicates: np.ndarray | None, *, bootstrap: int, seed: int
                     ) -> tuple[pd.DataFrame, np.ndarray]:
    """``table`` (rows of :func:`combined_scores`, any of them, in any order) without its
    ``_replicate_row`` column, and the replicates of its rows ``(len(table), bootstrap)``.

    An aggregate row's replicates depend on its own identity and ``seed`` alone, so they are drawn
    only for the rows given: the analysis passes the rows it keeps (each model's final checkpoint on
    a scale of size), not the checkpoints it leaves out. On ``../shared/data/pythia`` those took
    5.3 GB and most of a 40 s run, drawn and then dropped (issue 13).
    """
    own = table["_replicate_row"].to_numpy() >= 0
    if own.all() and np.array_equal(table["_replicate_row"].to_numpy(), np.arange(len(replicates))):
        return table.drop(columns="_replicate_row"), replicates  # the rescored rows as they are
    values = np.empty((len(table), bootstrap))
    if own.any():
        values[own] = replicates[table.loc[own, "_replicate_row"].to_numpy()]
    if (~own).any():
        values[~own] = _replicates_from_stderr(table[~own], bootstrap, seed)
    return table.drop(columns="_replicate_row"), values


#: Perplexities and the name of their log, the mean per-token negative log-likelihood.
LOG_PERPLEXITY = {"ppl": "log_ppl", "perplexity": "log_ppl", "word_perplexity": "log_word_perplexity",
                  "byte_perplexity": "log_byte_perplexity"}


def with_log_perplexity(scores: pd.DataFrame) -> pd.DataFrame:
    """Add the log of every perplexity score as its smooth counterpart (DESIGN.md, "Metrics").

    A perplexity is exp(mean negative log-likelihood): nonlinear in the loss. Its log is the loss
    itself, the quantity scaling laws describe. ``stderr`` follows by the delta method
    (stderr / ppl). Rows whose log is already given are not duplicated.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"family": "f", "model": "m", "task": "t", "metric": ["ppl"],
    ...                       "value": [142.4], "stderr": [5.0]})
    >>> with_log_perplexity(table)[["metric", "value"]].round(3).values.tolist()
    [['ppl', 142.4], ['log_ppl', 4.959]]
    """
    base = scores["metric"].astype(str).str.split(",").str[0]
    source = scores[base.isin(list(LOG_PERPLEXITY)) & (scores["value"] > 0)]
    if source.empty:
        return scores.copy()
    derived = source.copy()
    derived["metric"] = base[source.index].map(LOG_PERPLEXITY)
    derived["value"] = np.log(source["value"])
    if "stderr" in derived:
        derived["stderr"] = source["stderr"] / source["value"]
    if "kind" in derived:
        derived["kind"] = "smooth"
    if "higher_is_better" in derived:
        derived["higher_is_better"] = False
    keys = [c for c in ("family", "model", "step", "task", "subtask", "metric") if c in scores]
    have = pd.MultiIndex.from_frame(scores[keys].astype(str))
    derived = derived[~pd.MultiIndex.from_frame(derived[keys].astype(str)).isin(have)]
    return pd.concat([scores, derived], ignore_index=True)


#: Reported metrics that are the same number as a metric rescored from the records, under another
#: name: lm-eval's ``acc`` is the argmax choice of a multiple-choice task (``multiple_choice_grade``)
#: and, for a loglikelihood task like LAMBADA, whether the target is the greedy continuation
#: (``exact_match``). The first alias the records were rescored under is the copy.
COPIES = {"acc": ("multiple_choice_grade", "exact_match")}


def _prefer_rescored(table: pd.DataFrame) -> pd.DataFrame:
    """Where a results file also reports a metric that was rescored from the same model's examples
    (lm-eval's brier_score, say, or its ``acc`` of a multiple-choice task: :data:`COPIES`), keep the
    rescored row, which has paired intervals: one row per model, task and metric, and the warning
    names each reported copy and the metric kept."""
    if table["per_example"].all() or not table["per_example"].any():
        return table
    keys = [c for c in ("family", "model", "step", "task", "subtask") if c in table]
    place = table[keys].astype(str).agg("\x1f".join, axis=1)
    metric = table["metric"].astype(str)
    rescored = set(place[table["per_example"]] + "\x1f" + metric[table["per_example"]])
    reported = ~table["per_example"]
    kept_as = pd.Series(None, index=table.index, dtype=object)
    same = reported & (place + "\x1f" + metric).isin(rescored)
    kept_as[same] = metric[same]
    for name, aliases in COPIES.items():
        for alias in aliases:
            copy = reported & kept_as.isna() & metric.eq(name) & (place + "\x1f" + alias).isin(rescored)
            kept_as[copy] = alias
    repeated = kept_as.notna()
    if repeated.any():
        pairs = sorted({m if m == k else f"{m} (as {k})" for m, k in zip(metric[repeated], kept_as[repeated],
                                                                      strict=True)})
        warnings.warn(
            f"{int(repeated.sum())} reported score(s) were also rescored from the per-example data "
            f"({', '.join(pairs[:4])}); the rescored values are used: same examples, paired intervals",
            EmergenceWarning, stacklevel=3,
        )
    return table[~repeated].reset_index(drop=True)


def _replicates_from_stderr(table: pd.DataFrame, n: int, seed: int) -> np.ndarray:
    """Normal replicates value + stderr * z for aggregate rows (NaN where no stderr)."""
    stderr = table["stderr"].to_numpy(dtype=float) if "stderr" in table else np.full(len(table), np.nan)
    identity = [c for c in ("family", "model", "step", "task", "subtask", "metric") if c in table]
    keys = pd.util.hash_pandas_object(table[identity].astype(str), index=False).to_numpy()
    out = np.empty((len(table), n))
    for i, key in enumerate(keys):  # one generator per score row (few rows; not per example)
        out[i] = np.random.default_rng([seed, int(key)]).standard_normal(n)
    return table["value"].to_numpy(dtype=float)[:, None] + stderr[:, None] * out


