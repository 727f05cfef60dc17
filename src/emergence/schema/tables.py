"""Checks of whole tables, used after validation as tables are combined: every model of an example
saw the same choices, each (model, task, example) once, and the examples common to all models."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema.columns import MAX_PROBLEMS, model_keys, row_keys


def choice_counts(column: pd.Series) -> np.ndarray:
    """The number of choices of each row of a ``choice_logprobs`` column: the length of its list, -1
    where it holds none."""
    cells = column.to_numpy(dtype=object)
    sizes = np.full(len(cells), -1, dtype=np.int32)
    given = np.flatnonzero(pd.notna(cells))
    sizes[given] = [len(v) if isinstance(v, list | tuple) else -1 for v in cells[given]]
    return sizes


def check_choice_counts(records: pd.DataFrame, sizes: np.ndarray | None = None) -> None:
    """The same example must offer every model the same number of choices.

    ``sizes`` are the column's :func:`choice_counts` when the caller has them already.

    Raises
    ------
    SchemaError
        Naming each (family, task, example) whose models saw different numbers of choices.
    """
    if "choice_logprobs" not in records:
        return
    sizes = choice_counts(records["choice_logprobs"]) if sizes is None else sizes
    has = sizes >= 0
    if not has.any():
        return
    table = records.loc[has, ["family", "task", "example", "model"]].assign(_k=sizes[has])
    spread = table.groupby(["family", "task", "example"], sort=False)["_k"].nunique()
    bad = spread[spread > 1]
    if bad.empty:
        return
    problems = []
    for family, task, example in bad.index[:MAX_PROBLEMS]:
        rows = table[(table["family"] == family) & (table["task"] == task) & (table["example"] == example)]
        counts = ", ".join(f"{m}: {int(k)}" for m, k in zip(rows["model"], rows["_k"], strict=True))
        problems.append(f"{family}/{task} example {example!r}: models saw different numbers of choices "
                        f"({counts}); they must be scored on the same choices")
    if len(bad) > MAX_PROBLEMS:
        problems.append(f"... and {len(bad) - MAX_PROBLEMS} more examples")
    raise SchemaError(problems)


def check_unique_examples(records: pd.DataFrame) -> None:
    """Raise :class:`SchemaError` when one model has the same (task, example) more than once.

    Files are checked when they are read; this catches tables built in memory, such as examples of
    several tasks regrouped into one whose ids collide (each task numbering its examples from 0).
    """
    keys = row_keys(records, "records")
    dup = records.duplicated(keys, keep=False)
    if not dup.any():
        return
    shown = records.loc[dup, keys].drop_duplicates().head(3).to_dict("records")
    named = "; ".join(", ".join(f"{k}={v!r}" for k, v in row.items() if v == v) for row in shown)
    raise SchemaError(
        f"the records hold {int(dup.sum())} rows whose (model, task, example) is not unique, e.g. {named}; "
        "each example must appear once per model and task: give examples from different sources their "
        "own ids (e.g. example 'add_2digit:5' instead of '5')"
    )


def common_examples(records: pd.DataFrame) -> pd.DataFrame:
    """Keep, per (family, task), only the examples that every model of the family has.

    Pairing examples across models is what makes curves comparable. Dropped examples are reported
    with an :class:`EmergenceWarning` that says how many and where.
    """
    keys = model_keys(records)
    # the common case, told in one pass of codes: every example of a (family, task) has one row per
    # model of that (family, task)
    place = records.groupby(["family", "task"], sort=False, dropna=False).ngroup().to_numpy()
    model = records.groupby(keys[1:], sort=False, dropna=False).ngroup().to_numpy()
    pairs = np.unique(place.astype(np.int64) * (model.max(initial=0) + 1) + model)
    models_at = np.bincount(pairs // (model.max(initial=0) + 1), minlength=place.max(initial=-1) + 1)
    example = records.groupby(["family", "task", "example"], sort=False).ngroup().to_numpy()
    rows_of = np.bincount(example[example >= 0])
    place_of = np.zeros(len(rows_of), dtype=np.int64)
    place_of[example[example >= 0]] = place[example >= 0]
    if (example >= 0).all() and np.array_equal(rows_of, models_at[place_of]):
        return records
    n_models = records.groupby(["family", "task"], sort=False)[keys[1:]].apply(
        lambda g: len(g.drop_duplicates())
    )
    per_example = records.groupby(["family", "task", "example"], sort=False).size()
    needed = n_models.reindex(per_example.index.droplevel("example")).to_numpy()
    keep_examples = per_example[per_example.to_numpy() == needed]
    if len(keep_examples) == len(per_example):
        return records
    dropped = per_example[per_example.to_numpy() != needed]
    summary = dropped.groupby(level=["family", "task"]).size()
    where = ", ".join(f"{n} in {f}/{t}" for (f, t), n in summary.head(5).items())
    warnings.warn(
        f"{len(dropped)} example(s) are not present for every model of their family and were left "
        f"out ({where}); the analysis uses the {len(keep_examples)} examples common to all models",
        EmergenceWarning,
        stacklevel=2,
    )
    index = pd.MultiIndex.from_frame(records[["family", "task", "example"]])
    return records[index.isin(keep_examples.index)].reset_index(drop=True)
