"""Checks of whole tables, used after validation as tables are combined: every model of an example
saw the same choices, each (model, task, example) once, and the examples common to all models."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema.columns import MAX_PROBLEMS, model_keys, row_keys
from emergence.schema.keys import combined_code, group_codes, has_repeats, key_codes


def choice_counts(column: pd.Series) -> np.ndarray:
    """The number of choices of each row of a ``choice_logprobs`` column: the length of its list, -1
    where it holds none."""
    cells = column.to_numpy(dtype=object)
    sizes = np.full(len(cells), -1, dtype=np.int32)
    given = np.flatnonzero(pd.notna(cells))
    sizes[given] = [len(v) if isinstance(v, list | tuple) else -1 for v in cells[given]]
    return sizes


def check_choice_counts(records: pd.DataFrame, sizes: np.ndarray | None = None,
                        codes: dict | None = None) -> None:
    """The same example must offer every model the same number of choices.

    ``sizes`` are the column's :func:`choice_counts` and ``codes`` its key codes
    (:func:`~emergence.schema.keys.key_codes`) when the caller has them already.

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
    # the common case told from codes: each example's fewest choices are its most
    codes = key_codes(records) if codes is None else codes
    given = np.flatnonzero(has)
    example = pd.factorize(combined_code([codes[k] for k in ("family", "task", "example")])[given])[0]
    fewest = np.full(example.max(initial=-1) + 1, np.iinfo(np.int32).max)
    most = np.full(len(fewest), -1)
    np.minimum.at(fewest, example, sizes[given])
    np.maximum.at(most, example, sizes[given])
    if (fewest == most).all():
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


def check_unique_examples(records: pd.DataFrame, codes: dict | None = None) -> None:
    """Raise :class:`SchemaError` when one model has the same (task, example) more than once.

    Files are checked when they are read; this catches tables built in memory, such as examples of
    several tasks regrouped into one whose ids collide (each task numbering its examples from 0).
    ``codes``: the table's :func:`~emergence.schema.keys.key_codes`, when the caller has them.
    """
    keys = row_keys(records, "records")
    codes = key_codes(records) if codes is None else codes
    if not has_repeats(combined_code([codes[k] for k in keys])):  # one sort, no hash of every row
        return
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


def common_examples(records: pd.DataFrame, codes: dict | None = None) -> pd.DataFrame:
    """Keep, per (family, task), only the examples that every model of the family has.

    Pairing examples across models is what makes curves comparable. Dropped examples are reported
    with an :class:`EmergenceWarning` that says how many and where. ``records`` itself is returned
    when every example is kept. ``codes``: the table's :func:`~emergence.schema.keys.key_codes`,
    when the caller has them.
    """
    kept, dropped, n_kept = common_examples_and_dropped(records, codes)
    if dropped is not None:
        warnings.warn(dropped_examples_message(dropped, n_kept), EmergenceWarning, stacklevel=2)
    return kept


def common_examples_and_dropped(records: pd.DataFrame, codes: dict | None = None
                                ) -> tuple[pd.DataFrame, pd.Series | None, int]:
    """:func:`common_examples` without its warning: the records kept; None when no example was left
    out, else the examples left out per (family, task), sorted; and the number of examples kept
    (what :func:`dropped_examples_message` says; an engine adds up those of its shards)."""
    keys = model_keys(records)
    # the common case, told from codes: every example of a (family, task) has one row per model of
    # that (family, task)
    codes = key_codes(records) if codes is None else codes
    place, _ = group_codes([codes["family"], codes["task"]])
    model, n_models = group_codes([codes[k] for k in keys[1:]])
    models_at = np.bincount(np.unique(place.astype(np.int64) * n_models + model) // n_models)
    example, _ = group_codes([codes["family"], codes["task"], codes["example"]])
    rows_of = np.bincount(example)
    place_of = np.empty(len(rows_of), dtype=np.int64)
    place_of[example] = place
    if np.array_equal(rows_of, models_at[place_of]):
        return records, None, len(rows_of)
    n_models = records.groupby(["family", "task"], sort=False)[keys[1:]].apply(
        lambda g: len(g.drop_duplicates())
    )
    per_example = records.groupby(["family", "task", "example"], sort=False).size()
    needed = n_models.reindex(per_example.index.droplevel("example")).to_numpy()
    keep_examples = per_example[per_example.to_numpy() == needed]
    if len(keep_examples) == len(per_example):
        return records, None, len(keep_examples)
    dropped = per_example[per_example.to_numpy() != needed]
    summary = dropped.groupby(level=["family", "task"]).size()
    index = pd.MultiIndex.from_frame(records[["family", "task", "example"]])
    return records[index.isin(keep_examples.index)].reset_index(drop=True), summary, len(keep_examples)


def dropped_examples_message(summary: pd.Series, kept: int) -> str:
    """What :func:`common_examples` warns: how many examples were left out, where (the first five
    (family, task) of ``summary``, a count per (family, task) in sorted order) and how many kept."""
    where = ", ".join(f"{n} in {f}/{t}" for (f, t), n in summary.head(5).items())
    return (f"{int(summary.sum())} example(s) are not present for every model of their family and were "
            f"left out ({where}); the analysis uses the {kept} examples common to all models")
