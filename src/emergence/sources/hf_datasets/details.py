"""Details rows (lm-eval or lighteval style) to a records table."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import MAX_PROBLEMS, validate_records
from emergence.sources.family import family_of
from emergence.sources.hf_datasets.cells import (
    _content_ids,
    _continuations,
    _gold_index,
    _loglikelihood,
    _one_filter,
    _plain,
    _zero_one,
)
from emergence.sources.hf_datasets.identity import _models, _params, _task_from_path
from emergence.sources.hf_datasets.lighteval import flatten, is_current

#: Columns that make a lighteval details row, and those that make an lm-eval one.
LIGHTEVAL_COLUMNS = ("predictions", "gold_index")
LM_EVAL_COLUMNS = ("doc_id", "target", "filtered_resps")

_CORRECT_LIGHTEVAL = ("acc", "em", "exact_match", "quasi_exact_match", "qem")
_CORRECT_LM_EVAL = ("acc", "exact_match", "em")


def details_to_records(
    frame: pd.DataFrame,
    *,
    source: str = "details",
    path: Path | None = None,
    model: str | None = None,
    params: float | str | None = None,
    task: str | None = None,
    sizes: Mapping[str, float] | None = None,
    filter: str | None = None,
) -> pd.DataFrame:
    """Map details rows (lm-eval or lighteval style: the leaderboard's, or current lighteval's
    ``doc``/``model_response``/``metric`` structs, :mod:`.lighteval`) to a records table.

    Parameters
    ----------
    frame : DataFrame
        The rows, one per example, as :func:`read_frame` or ``Dataset.to_pandas`` give them.
    source : str
        Name used in messages (a file path or ``hf://`` spec).
    path : Path, optional
        The file, to read the model and task from its name and folders.
    model, params, task : optional
        Override the model name, its size and the task name.
    sizes : mapping, optional
        Model name -> parameter count (``ReadOptions.sizes``).
    filter : str, optional
        lm-eval filter to keep when the rows hold several (default: the first).

    Returns
    -------
    DataFrame
        A validated records table: ``family, model, params, task, example`` and, by style,
        ``choice_logprobs, gold`` (multiple choice), ``prediction, target`` (generation), ``correct``
        (the producer's own 0/1 score), ``target_logprob`` (single log-likelihood rows), plus the
        extra column ``shots`` (when the file name says).

    Raises
    ------
    SchemaError
        If the rows are neither style, a required column is missing, a row cannot be mapped, or the
        model or its size cannot be told; every message names ``source``.
    """
    sizes = dict(sizes or {})
    if frame.empty:
        raise SchemaError(f"{source}: the file has no rows")
    if is_current(frame.columns):  # lighteval >= 0.10: doc / model_response / metric structs
        frame = flatten(frame, source)
    columns = set(frame.columns)
    if columns & set(LIGHTEVAL_COLUMNS):
        style = "lighteval"
        required = LIGHTEVAL_COLUMNS
    elif columns & {"filtered_resps", "resps"}:
        style = "lm-eval"
        required = ("target",)
    else:
        raise SchemaError(
            f"{source}: not Open LLM Leaderboard details: expected lm-eval columns "
            f"({', '.join(LM_EVAL_COLUMNS)}, resps) or lighteval columns "
            f"({', '.join(LIGHTEVAL_COLUMNS)}, choices, metrics); columns "
            f"found: {', '.join(sorted(map(str, columns)))}"
        )
    missing = [c for c in required if c not in columns]
    if missing:
        meaning = {"gold_index": "the index of the correct choice", "predictions": "the log-likelihood of "
                   "each choice or the generated text", "target": "the gold answer or choice index"}
        raise SchemaError([
            f"{source}: {style} details rows need column {c!r} ({meaning[c]}); columns found: "
            f"{', '.join(sorted(map(str, columns)))}" for c in missing
        ])
    frame = frame.reset_index(drop=True)
    if style == "lm-eval":
        frame = _one_filter(frame, source, filter)
        mapped, problems = _map_lm_eval(frame, source)
    else:
        mapped, problems = _map_lighteval(frame, source)
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise SchemaError(problems[:MAX_PROBLEMS] + ([f"{source}: ... and {more} more"] if more > 0 else []))

    named_task, shots = _task_from_path(path) if path is not None else (None, None)
    table = pd.DataFrame(mapped)
    table.insert(0, "family", "default")
    table.insert(1, "model", _models(frame, source, path, model, sizes))
    # the family column when there is one, else the one rule of emergence.sources.family
    table["family"] = (frame["family"].to_numpy() if "family" in frame
                       else table["model"].astype(str).map(family_of).to_numpy())
    table.insert(2, "params", _params(table["model"], frame, source, params, sizes))
    task_column = frame["task"] if task is None and "task" in frame else (task or named_task)
    if task_column is None:
        raise SchemaError(f"{source}: cannot tell the task: add a 'task' column or name the file after it")
    table.insert(3, "task", task_column)
    if shots is not None:
        table["shots"] = shots
    table = table.dropna(axis=1, how="all")
    return validate_records(table, source=source, locate=lambda i: f"row {i}")


# -- the two styles --------------------------------------------------------------------------------


def _map_lm_eval(frame: pd.DataFrame, source: str) -> tuple[dict[str, list], list[str]]:
    n = len(frame)
    responses = frame["filtered_resps"] if "filtered_resps" in frame else frame["resps"].map(
        lambda r: [x[0] if isinstance(x, list) and x else x for x in _plain(r) or []]
    )
    ids = frame["doc_id"].map(lambda v: str(_plain(v))) if "doc_id" in frame else pd.Series(
        [str(i) for i in range(n)])
    out: dict[str, list] = {k: [None] * n for k in ("example", "choice_logprobs", "gold", "prediction",
                                                  "target", "correct", "target_logprob")}
    out["example"] = ids.tolist()
    problems: list[str] = []
    correct_column = next((c for c in _CORRECT_LM_EVAL if c in frame), None)
    for i, (resp, target) in enumerate(zip(responses.map(_plain), frame["target"].map(_plain), strict=True)):
        resp = resp if isinstance(resp, list) else [resp]
        pairs = [_loglikelihood(x) for x in resp]
        if len(pairs) >= 2 and all(p is not None for p in pairs):
            out["choice_logprobs"][i] = [p[0] for p in pairs]
            gold = _gold_index(target, len(pairs), _continuations(frame, i))
            if gold is None:
                problems.append(f"{source}: row {i}, column 'target': {target!r} is neither a choice index "
                                f"below {len(pairs)} nor the text of a choice")
            out["gold"][i] = gold
        elif len(pairs) == 1 and pairs[0] is not None:
            out["target_logprob"][i] = pairs[0][0]
            out["target"][i] = None if target is None else str(target)
            if pairs[0][1] is not None:
                out["correct"][i] = float(pairs[0][1])
        elif resp and isinstance(resp[0], str):
            out["prediction"][i] = resp[0]
            out["target"][i] = "" if target is None else str(target)
        else:
            problems.append(f"{source}: row {i}, column 'filtered_resps': {resp!r} holds neither "
                            "log-likelihoods nor generated text")
    if correct_column is not None:
        out["correct"] = _zero_one(frame[correct_column], out["correct"])
    return out, problems


def _map_lighteval(frame: pd.DataFrame, source: str) -> tuple[dict[str, list], list[str]]:
    n = len(frame)
    out: dict[str, list] = {k: [None] * n for k in ("choice_logprobs", "gold", "prediction", "target",
                                                  "correct", "target_logprob")}
    out["example"] = _content_ids(frame)
    problems: list[str] = []
    choices = frame["choices"].map(_plain) if "choices" in frame else pd.Series([None] * n)
    golds = frame["gold"].map(_plain) if "gold" in frame else pd.Series([None] * n)
    for i, (preds, index) in enumerate(zip(frame["predictions"].map(_plain), frame["gold_index"].map(_plain),
                                           strict=True)):
        preds = preds if isinstance(preds, list) else [preds]
        k_choices = len(choices[i]) if isinstance(choices[i], list) else None
        bare = k_choices == len(preds) and len(preds) >= 2  # choices as numbers written as text
        pairs = [_loglikelihood(p, bare_text=bare) for p in preds]
        if len(pairs) >= 2 and all(p is not None for p in pairs):
            out["choice_logprobs"][i] = [p[0] for p in pairs]
            gold = _gold_index(index, len(pairs), choices[i])
            if gold is None:
                problems.append(f"{source}: row {i}, column 'gold_index': {index!r} is not a choice index "
                                f"below {len(pairs)}")
            out["gold"][i] = gold
        elif len(pairs) == 1 and pairs[0] is not None:
            out["target_logprob"][i] = pairs[0][0]
        elif preds and isinstance(preds[0], str):
            gold = golds[i]
            if isinstance(gold, list):
                gold = gold[0] if gold else None
            if gold is None and isinstance(choices[i], list) and isinstance(index, int) and index < len(
                    choices[i]):
                gold = choices[i][index]
            if gold is None:
                problems.append(f"{source}: row {i}: a generation row needs its gold text in column 'gold' "
                                "(or 'choices' with 'gold_index')")
            out["prediction"][i] = preds[0]
            out["target"][i] = None if gold is None else str(gold)
        else:
            problems.append(f"{source}: row {i}, column 'predictions': {preds!r} holds neither "
                            "log-likelihoods nor generated text")
    if "metrics" in frame:
        metrics = frame["metrics"].map(_plain)
        for name in _CORRECT_LIGHTEVAL:
            values = metrics.map(lambda m, name=name: m.get(name) if isinstance(m, dict) else None)
            if values.notna().any():
                numbers = pd.to_numeric(values.map(_plain), errors="coerce")
                odd = ~numbers.isin([0, 1])  # a missing value too: the whole column or none (_zero_one)
                if not odd.any():
                    out["correct"] = numbers.astype(float).tolist()
                else:  # said, not silent: the producer's score is not used
                    i = int(np.flatnonzero(odd.to_numpy())[0])
                    warnings.warn(f"{source}: metric {name!r} is not 0/1 in {int(odd.sum())} row(s) (row "
                                  f"{i}: {_plain(values.iloc[i])!r}); it is not used as the producer's own "
                                  "score", EmergenceWarning, stacklevel=4)
                break
    return out, problems
