"""A samples log's records columns made with arrays: the columnar reader of the common, well-formed log.

:func:`_samples_columns` reads the fields the records use (:mod:`.scan`) and makes, for every line, the
values the per-sample reader (:mod:`.samples`) makes one sample at a time: the same columns, of the same
types, in the same order. It takes the logs of lm-eval 0.4.3+ whose samples are all of one kind
(multiple choice, one log-likelihood request, or generation) and whose fields are all of the types the
first sample has. Whatever else it meets (a missing field, a target that is no choice index, a pair
that is not ``[log-likelihood, is_greedy]``...) makes it return None, before anything is said: the
per-sample reader then reads the file and names what is wrong, line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from emergence.sources.limits import Limits
from emergence.sources.lm_eval.responses import _TRUE
from emergence.sources.lm_eval.scan import _scan

# a generation request's arguments: the settings (arg_1, an object) of its first request
_GENERATE_ARGUMENTS = pa.struct([("gen_args_0", pa.struct([("arg_1", pa.struct([]))]))])


@dataclass(frozen=True)
class _Columns:
    """Every line of a samples log as the per-sample reader makes its row: ``filters`` (of each line),
    ``kind`` and ``columns`` (name -> one value per line, the row's keys in their order)."""

    filters: pa.Array
    kind: str
    columns: dict[str, Any]

    def rows(self, keep: np.ndarray | None = None) -> dict[str, Any]:
        """The columns of the lines at positions ``keep`` (default: every line)."""
        out = {}
        for name, values in self.columns.items():
            if keep is not None and isinstance(values, list):
                values = [values[i] for i in keep.tolist()]
            elif keep is not None:
                values = values[keep] if isinstance(values, np.ndarray) else values.take(pa.array(keep))
            out[name] = values if isinstance(values, list | np.ndarray) else values.to_pylist()
        return out


def _samples_columns(path: Path, first: dict, limits: Limits) -> _Columns | None:
    """The columns of a JSON-lines samples log whose first line is ``first``, or None (see the module
    documentation)."""
    schema = _schema(first)
    if schema is None:
        return None
    table = _scan(path, limits, schema)
    if table is None or table.num_rows == 0:
        return None
    if table["doc_id"].null_count or table["filter"].null_count or table["filtered_resps"].null_count:
        return None  # missing (the per-sample reader says which, or reads the unfiltered responses)
    example = pc.cast(table["doc_id"], pa.string())
    if pa.types.is_list(schema.field("filtered_resps").type.value_type):
        made = _pairs(table)
    else:
        made = _generations(table)
    if made is None:
        return None
    kind, columns = made
    return _Columns(table["filter"].combine_chunks(), kind, {"example": example, **columns})


def _schema(first: dict) -> pa.Schema | None:
    """The fields read, typed as in the first sample: multiple choice and log-likelihood requests
    (responses as ``[log-likelihood, is_greedy]`` pairs of text), or generations (responses as text)."""
    types = {name: _field_type(first.get(name)) for name in ("doc_id", "target", "filtered_resps")}
    if types["doc_id"] not in (pa.int64(), pa.string()) or types["filtered_resps"] is None:
        return None
    fields = [("doc_id", types["doc_id"]), ("filter", pa.string())]
    if types["filtered_resps"] == pa.list_(pa.list_(pa.string())):
        if types["target"] not in (pa.int64(), pa.string()):
            return None
        return pa.schema([*fields, ("target", types["target"]), ("filtered_resps", types["filtered_resps"])])
    if types["filtered_resps"] != pa.list_(pa.string()) or types["target"] not in (pa.string(),
                                                                                   pa.list_(pa.string())):
        return None
    return pa.schema([*fields, ("target", types["target"]), ("filtered_resps", types["filtered_resps"]),
                      ("arguments", _GENERATE_ARGUMENTS), ("exact_match", pa.float64())])


def _field_type(value: Any) -> pa.DataType | None:
    """The Arrow type of a JSON value of the first sample: text, integer, or a list of texts or of lists
    of texts; None for anything else (left to the per-sample reader)."""
    if isinstance(value, str):
        return pa.string()
    if isinstance(value, int) and not isinstance(value, bool):
        return pa.int64()
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return pa.list_(pa.string())
    if isinstance(value, list) and value and all(_field_type(v) == pa.list_(pa.string()) for v in value):
        return pa.list_(pa.list_(pa.string()))
    return None


def _pairs(table: pa.Table) -> tuple[str, dict[str, Any]] | None:
    """Multiple choice (every sample with two or more requests) or one log-likelihood request each."""
    responses = table["filtered_resps"].combine_chunks()
    counts = pc.list_value_length(responses).to_numpy(zero_copy_only=False)
    pairs = pc.list_flatten(responses)
    if pairs.null_count or not (pc.list_value_length(pairs).to_numpy(zero_copy_only=False) == 2).all():
        return None
    if pc.list_flatten(pairs).null_count:
        return None
    greedy = _greedy(pc.list_element(pairs, 1))
    logprobs = _floats(pc.list_element(pairs, 0))
    if greedy is None or logprobs is None:
        return None
    target = table["target"].combine_chunks()
    if (counts >= 2).all():
        gold = _gold(target, counts)
        if gold is None:
            return None
        return "choice", {"choice_logprobs": _split(logprobs, counts), "gold": gold}
    if (counts == 1).all():
        return "loglikelihood", {"target": pc.cast(target, pa.string()), "target_logprob": logprobs,
                                 "correct": greedy.astype(float), "target_tokens": [None] * len(counts)}
    return None


def _floats(values: pa.Array) -> np.ndarray | None:
    """Log-likelihoods written as text ("-10.88"), as Python's float() reads them; None if one is not a
    finite number. (Arrow's reading of a finite number, C++'s from_chars, accepts a part of what float()
    does, and rounds alike: correctly.)"""
    try:
        floats = pc.cast(values, pa.float64()).to_numpy()
    except pa.ArrowInvalid:
        return None
    return floats if np.isfinite(floats).all() else None


def _greedy(values: pa.Array) -> np.ndarray | None:
    """``is_greedy`` of each pair ("True"/"False" as text, in any case): booleans, or None."""
    words = pc.unique(values).to_pylist()
    read = [_TRUE.get(word.strip().lower()) for word in words]
    if any(value is None for value in read):
        return None
    return np.array(read, dtype=bool)[pc.index_in(values, pa.array(words)).to_numpy()]


def _gold(target: pa.Array, counts: np.ndarray) -> np.ndarray | None:
    """The gold index of each multiple-choice sample: its ``target``, an integer or the text of one
    ("1", as lm-eval >= 0.4.3 logs it) below its number of choices; None otherwise (a choice's text)."""
    if target.null_count:
        return None
    if pa.types.is_integer(target.type):
        return target.to_numpy()
    words = pc.unique(target).to_pylist()
    if not all(re.fullmatch(r"\s*\d+\s*", word) for word in words):
        return None
    indices = [int(word) for word in words]
    if max(indices) >= counts.max():
        return None
    gold = np.array(indices, dtype=np.int64)[pc.index_in(target, pa.array(words)).to_numpy()]
    return gold if (gold < counts).all() else None


def _split(values: np.ndarray, counts: np.ndarray) -> list[list[float]]:
    """``values`` cut into one list per sample, ``counts[i]`` long."""
    if (counts == counts[0]).all():
        return values.reshape(len(counts), counts[0]).tolist()
    flat = values.tolist()
    ends = np.cumsum(counts).tolist()
    return [flat[end - count:end] for end, count in zip(ends, counts.tolist(), strict=True)]


def _generations(table: pa.Table) -> tuple[str, dict[str, Any]] | None:
    """Generations: each sample's first response as its prediction, its (first) target, exact_match."""
    arguments = table["arguments"].combine_chunks()
    settings = pc.struct_field(arguments, [0, 0]) if not arguments.null_count else None
    if settings is None or settings.null_count:  # a rolling log-likelihood request has no settings
        return None
    responses = table["filtered_resps"].combine_chunks()
    if not (pc.list_value_length(responses).to_numpy(zero_copy_only=False) >= 1).all():
        return None
    target = table["target"].combine_chunks()
    if pa.types.is_list(target.type):
        if target.null_count or not (pc.list_value_length(target).to_numpy(zero_copy_only=False) >= 1).all():
            return None
        target = pc.list_element(target, 0)
    if target.null_count:
        return None
    return "generate", {"target": target, "prediction": pc.list_element(responses, 0),
                        "exact_match": table["exact_match"].combine_chunks()}
