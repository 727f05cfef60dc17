"""The columns of the two tidy tables (``records`` and ``scores``), the keys that identify a model and
a row, and telling the two tables apart."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from emergence.errors import SchemaError

#: At most this many problems are listed for one table; the rest are counted.
MAX_PROBLEMS = 25

#: A table with more columns than this is refused before any work: a tidy table has the columns of
#: its specification and a few extra ones; thousands are a wide table, or a hostile file (issue 17).
MAX_COLUMNS = 1000


@dataclass(frozen=True)
class Column:
    """One column of a tidy table: its name, type, whether it is required, and its meaning."""

    name: str
    dtype: str
    required: bool
    meaning: str


RECORD_COLUMNS: tuple[Column, ...] = (
    Column("family", "str", False, "model family (default 'default'); each curve holds one family"),
    Column("model", "str", True, "model name"),
    Column("step", "int", False, "training checkpoint; a model is (family, model, step)"),
    Column("params", "scale", False, "parameter count (number or '1.3b'); one scale column needed"),
    Column("tokens", "scale", False, "training tokens"),
    Column("compute", "scale", False, "training FLOPs (filled as 6*params*tokens)"),
    Column("loss", "loss", False, "the model's pretraining or validation loss (nats per token, > 0; "
           "lower is better): the x-axis of --x loss"),
    Column("seed", "int", False, "training seed: models of one size with different seeds are one "
           "scale point, and the intervals include their spread"),
    Column("task", "str", True, "task name"),
    Column("subtask", "str", False, "optional subtask"),
    Column("example", "str", True, "example id, the same across models"),
    Column("target", "str", False, "gold answer"),
    Column("prediction", "str", False, "the model's greedy output"),
    Column("correct", "bool", False, "the producer's own 0/1 score"),
    Column("target_logprob", "logprob", False, "sum of log-probabilities of the target tokens"),
    Column("target_tokens", "count", False, "number of target tokens (with target_logprob)"),
    Column("choice_logprobs", "logprobs", False, "JSON list of each choice's log-likelihood"),
    Column("gold", "gold", False, "index (or JSON list of indices) of the correct choice"),
    Column("chance", "unit", False, "chance level of the task, in [0, 1)"),
)

SCORE_COLUMNS: tuple[Column, ...] = (
    Column("family", "str", False, "model family (default 'default')"),
    Column("model", "str", True, "model name"),
    Column("step", "int", False, "training checkpoint"),
    Column("params", "scale", False, "parameter count; one scale column needed"),
    Column("tokens", "scale", False, "training tokens"),
    Column("compute", "scale", False, "training FLOPs"),
    Column("loss", "loss", False, "pretraining or validation loss (> 0, lower is better): --x loss"),
    Column("seed", "int", False, "training seed: seeds of one size are one scale point"),
    Column("task", "str", True, "task name"),
    Column("subtask", "str", False, "optional subtask"),
    Column("metric", "str", True, "metric name"),
    Column("value", "float", True, "the metric's value (mean over examples), in the metric's range"),
    Column("stderr", "nonneg", False, "standard error of value (>= 0, at most half the metric's range)"),
    Column("n", "count", False, "number of examples"),
    Column("kind", "kind", False, "discontinuous, smooth or nonlinear (from the registry if known)"),
    Column("higher_is_better", "bool", False, "direction (from the registry if known)"),
    Column("chance", "unit", False, "chance level of the task"),
)

KINDS = ("discontinuous", "smooth", "nonlinear")
_SHAPE_COLUMNS = {"records": RECORD_COLUMNS, "scores": SCORE_COLUMNS}


def columns_of(shape: str) -> tuple[Column, ...]:
    """The column specification of ``"records"`` or ``"scores"``."""
    return _SHAPE_COLUMNS[shape]


def model_keys(table: pd.DataFrame) -> list[str]:
    """Columns that identify a model: family, model, and step and seed when present (one name with
    several seeds is several trained models)."""
    return ["family", "model"] + [c for c in ("step", "seed") if c in table]


def row_keys(table: pd.DataFrame, shape: str) -> list[str]:
    """Columns that identify one row: the model, the task (and subtask when present), and the
    example (``shape="records"``) or the metric (``"scores"``)."""
    keys = model_keys(table) + ["task"] + (["subtask"] if "subtask" in table else [])
    return keys + (["example"] if shape == "records" else ["metric"])


def detect_shape(columns: Iterable[str], source: str = "table") -> str:
    """Tell a records table from a scores table by its columns.

    Returns ``"scores"`` when both ``metric`` and ``value`` are present, ``"records"`` when
    ``example`` is present, the same when a column is a close misspelling of one of them
    (``exmaple``: the validator then names it); raises :class:`SchemaError` otherwise.
    """
    columns = set(columns)
    if {"metric", "value"} <= columns:
        return "scores"
    if "example" in columns:
        return "records"
    known = {c.name for shape in _SHAPE_COLUMNS.values() for c in shape}
    meant = {_closest(name, ("example", "metric", "value")) for name in columns - known} - {None}
    # a misspelled key column still tells the shape: validate then reports the misspelling with
    # every other problem of the file at once, instead of this one alone
    if {"metric", "value"} <= columns | meant:
        return "scores"
    if "example" in meant:
        return "records"
    hints = _did_you_mean(columns - known, ("example", "metric", "value"))
    raise SchemaError(
        f"{source}: cannot tell what table this is: a records table needs an 'example' column, a "
        f"scores table 'metric' and 'value' columns; columns found: {', '.join(sorted(columns))}"
        + (f" ({'; '.join(hints)})" if hints else "")
    )


def _closest(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.75)
    return close[0] if close else None


def _did_you_mean(unknown: Iterable[str], known: Iterable[str]) -> list[str]:
    known = list(known)
    return [f"unknown column {name!r}: did you mean {_closest(name, known)!r}?"
            for name in sorted(unknown) if _closest(name, known)]

