"""An lm-eval samples log as a records table: made with arrays from the columns of a well-formed log
(:mod:`.columnar`), else one sample at a time, naming each problem with its line."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import validate_records
from emergence.sources import ReadOptions
from emergence.sources.lm_eval.columnar import _Columns
from emergence.sources.lm_eval.identity import _task_and_model
from emergence.sources.lm_eval.parsing import _raise
from emergence.sources.lm_eval.responses import (
    _FAMILY_OF_KIND,
    _KIND_WORDS,
    _generation_target,
    _gold,
    _kind_of,
    _pair,
    _responses,
    _text,
)


def _samples_table(path: Path, parsed: tuple[list, list[str]], options: ReadOptions) -> pd.DataFrame:
    """The records of a log parsed into samples (each with its place, "line 7"), one sample at a time:
    every problem is named with its line."""
    items, locs = parsed
    problems = []
    for item, loc in zip(items, locs, strict=True):
        if not isinstance(item, dict):
            problems.append(f"{path}: {loc}: expected a JSON object (one sample), got {type(item).__name__}")
        elif "doc_id" not in item:
            problems.append(
                f"{path}: {loc}: no 'doc_id'; every sample of an lm-eval log names its document "
                "(is this a log written by lm_eval --log_samples?)"
            )
    _raise(problems)
    if not items:
        raise SchemaError(f"{path}: the samples log holds no samples")
    filters = list(dict.fromkeys(str(item.get("filter", "none")) for item in items))
    chosen = _choose_filter(path, filters, options)
    kept = [(item, loc) for item, loc in zip(items, locs, strict=True)
            if str(item.get("filter", "none")) == chosen]
    task, identity = _task_and_model(path, options)
    kinds = [_kind_of(item) for item, _ in kept]
    kind = "choice" if "choice" in kinds else max(set(kinds), key=kinds.count)
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for (item, loc), item_kind in zip(kept, kinds, strict=True):
        row: dict[str, Any] = {"example": _text(item["doc_id"])}
        if _FAMILY_OF_KIND[item_kind] != _FAMILY_OF_KIND[kind]:
            problems.append(
                f"{path}: {loc}: the responses {_responses(item)!r:.80} are not of the kind of the other "
                f"samples of this log ({_KIND_WORDS[kind]})"
            )
            continue
        if kind in ("choice", "loglikelihood"):
            pairs = [_pair(r) for r in _responses(item)]
            if kind == "choice":
                gold, problem = _gold(item, loc)
                if problem:
                    problems.append(f"{path}: {loc}: {problem}")
                    continue
                row["choice_logprobs"] = [p[0] for p in pairs]
                row["gold"] = gold
            else:
                row["target"] = _text(item.get("target"))
                row["target_logprob"] = pairs[0][0]
                row["correct"] = float(pairs[0][1])
                row["target_tokens"] = None
        elif kind == "rolling":
            try:
                row["target_logprob"] = float(_text(_responses(item)) or "nan")
            except ValueError:
                problems.append(
                    f"{path}: {loc}: the response {_responses(item)!r:.60} is not a log-likelihood"
                )
                continue
            row["target_tokens"] = None
        else:
            row["target"], problem = _generation_target(item)
            if problem:
                problems.append(f"{path}: {loc}: {problem}")
                continue
            row["prediction"] = _text(_responses(item))
            row["exact_match"] = item.get("exact_match")
        rows.append(row)
        lines.append(loc)
    _raise(problems)
    locate: Callable[[int], str] = lambda i: lines[i]  # noqa: E731  (row -> line of the file)
    return _records(path, pd.DataFrame(rows), kind, locate, task, identity)


def _columnar_table(path: Path, columns: _Columns, options: ReadOptions) -> pd.DataFrame:
    """The records of a log read as columns (:func:`.columnar._samples_columns`), as
    :func:`_samples_table` makes them."""
    filters = pc.unique(columns.filters).to_pylist()  # in the order first seen
    chosen = _choose_filter(path, filters, options)
    keep = None
    if len(filters) > 1:
        keep = np.flatnonzero(pc.equal(columns.filters, chosen).to_numpy(zero_copy_only=False))
    task, identity = _task_and_model(path, options)
    # the columnar reader takes logs without blank lines: line k + 1 holds sample k
    locate: Callable[[int], str] = (  # row -> line of the file
        (lambda i: f"line {i + 1}") if keep is None else (lambda i: f"line {keep[i] + 1}"))
    return _records(path, pd.DataFrame(columns.rows(keep)), columns.kind, locate, task, identity)


def _records(path: Path, table: pd.DataFrame, kind: str, locate: Callable[[int], str], task: str,
             identity: dict[str, Any]) -> pd.DataFrame:
    """The samples' rows (example and the columns of their kind) as a validated records table."""
    if "exact_match" in table:
        correct = table.pop("exact_match")
        if correct.map(lambda v: not isinstance(v, bool) and v in (0, 1)).all():
            table["correct"] = correct.astype(float)
            table = _targets_or_correct(path, table)
    if kind == "choice":
        sizes = table["choice_logprobs"].map(len)
        if sizes.nunique() == 1 and sizes.iloc[0] >= 2:
            table["chance"] = 1.0 / sizes.iloc[0]
    for column, value in reversed(list(identity.items()) + [("task", task)]):
        table.insert(0, column, value)
    table = table[[*identity, "task", *[c for c in table if c not in identity and c != "task"]]]
    return validate_records(table, source=str(path), locate=locate)


def _targets_or_correct(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    """Keep a generation log's target text only where it is the answer lm-eval compared against.

    lm-eval scores generations after task-specific processing of the target (gsm8k keeps what follows
    '#### ' of a worked solution); the log keeps the raw target. When comparing the stripped
    prediction with the raw target disagrees with the log's own exact_match, rescoring text would give
    silently wrong numbers: the text columns are dropped, with a warning, and exact_match comes from
    the log's scores.
    """
    if "target" not in table or "prediction" not in table:
        return table
    def text(value: Any) -> str:  # a missing cell (None or NaN) compares as empty text
        return value.strip() if isinstance(value, str) else ""

    ours = [text(p) == text(t) for p, t in zip(table["prediction"], table["target"], strict=True)]
    disagree = int(np.sum(np.array(ours, dtype=float) != table["correct"].to_numpy()))
    if not disagree:
        return table
    warnings.warn(
        f"{path}: for {disagree} of {len(table)} samples the raw target and the prediction compare "
        "differently from lm-eval's own exact_match (the task processes its targets, e.g. gsm8k's "
        "'#### answer'); exact_match is taken from the log and token_edit_distance is not computed",
        EmergenceWarning, stacklevel=2,
    )
    return table.drop(columns=["target", "prediction"])


def _choose_filter(path: Path, filters: list[str], options: ReadOptions) -> str:
    """The filter whose samples are kept: options.filter if the log has it, else the first one seen."""
    if len(filters) == 1:
        return filters[0]
    if options.filter is not None:
        if options.filter not in filters:
            raise SchemaError(
                f"{path}: filter {options.filter!r} is not in this log; its filters are "
                f"{', '.join(map(repr, filters))}; choose one of them (--filter)"
            )
        return options.filter
    warnings.warn(
        f"{path}: the documents are logged under several filters ({', '.join(filters)}); the records "
        f"keep {filters[0]!r}, the first (the results' other filters stay metrics of their own, like "
        "exact_match,flexible-extract); choose another with --filter NAME",
        EmergenceWarning, stacklevel=4,
    )
    return filters[0]
