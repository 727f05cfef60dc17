"""A template for a new benchmark: a valid example table of either shape, and every column explained.

``python -m emergence template [--kind records|scores]`` prints the table as CSV on stdout and the
explanation on stderr, so ``python -m emergence template > mine.csv`` leaves a file that
``validate`` accepts and ``analyze`` judges, to edit into one's own results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError
from emergence.schema import columns_of

KINDS = ("records", "scores")

#: The sizes of the example family (Pythia-like names; five sizes is the fewest a verdict needs).
SIZES = (("my-model-70m", 7e7), ("my-model-160m", 1.6e8), ("my-model-410m", 4.1e8),
         ("my-model-1b", 1e9), ("my-model-2.8b", 2.8e9), ("my-model-6.9b", 6.9e9))


def template(kind: str = "records", *, seed: int = 0) -> pd.DataFrame:
    """An example table of a model family at six sizes, in the given shape.

    Parameters
    ----------
    kind : {"records", "scores"}
        ``records``: one row per (model, example), a 2-digit answer task and a 4-way multiple-choice
        task (100 examples each, simulated: the per-token loss falls as a power law in size, so
        both read ``mirage``);
        ``scores``: one row per (model, task, metric), accuracy and log perplexity with standard
        errors over 500 examples.
    seed : int
        Seed of the simulated records.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> template("scores")[["model", "metric", "value"]].head(2).to_dict("records")[0]["metric"]
    'acc'
    """
    if kind not in KINDS:
        raise EmergenceError(f"The 'kind' parameter must be one of {', '.join(KINDS)}. Got {kind!r} instead.")
    if kind == "records":
        from emergence.simulate import simulate

        records = simulate([size for _, size in SIZES], family="my-family", target_lengths=(2,),
                           n_examples=100, seed=seed, c=5e9)
        names = dict(zip(np.sort([size for _, size in SIZES]), (name for name, _ in SIZES), strict=True))
        records["model"] = records["params"].map(names)
        records["task"] = records["task"].replace({"toy_length_2": "my_arithmetic",
                                                   "toy_multiple_choice": "my_multiple_choice"})
        keep = ["family", "model", "params", "task", "example", "target", "prediction", "target_logprob",
                "target_tokens", "choice_logprobs", "gold", "chance"]
        return records[keep]
    x = np.log10([size for _, size in SIZES])
    acc = 0.25 + 0.6 / (1 + np.exp(-(x - 9.0) / 0.35))  # a rise over about a decade
    log_ppl = 3.2 - 0.45 * (x - x[0])
    rows = []
    for (name, size), a, lp in zip(SIZES, acc, log_ppl, strict=True):
        rows.append({"family": "my-family", "model": name, "params": size, "task": "my_task",
                     "metric": "acc", "value": round(float(a), 4),
                     "stderr": round(float(np.sqrt(a * (1 - a) / 500)), 4), "n": 500, "chance": 0.25})
        rows.append({"family": "my-family", "model": name, "params": size, "task": "my_task",
                     "metric": "log_ppl", "value": round(float(lp), 4), "stderr": 0.02, "n": 500,
                     "chance": np.nan})
    return pd.DataFrame(rows)


def explain(kind: str = "records", *, shown=None) -> str:
    """Every column of the shape: required or optional, what it holds, and whether the template
    shows it (``shown``: the template's columns, when it is already made)."""
    if kind not in KINDS:
        raise EmergenceError(f"The 'kind' parameter must be one of {', '.join(KINDS)}. Got {kind!r} instead.")
    shown = set(template(kind).columns if shown is None else shown)
    lines = [f"A {kind} table ("
             + ("one row per model and example; rescored under every metric the columns allow"
                if kind == "records" else "one row per model, task and metric; reported scores")
             + "). Columns:"]
    for column in columns_of(kind):
        need = "required" if column.required else "optional"
        mark = "" if column.name in shown else "  (not in the example)"
        lines.append(f"  {column.name:<17} {need:<9} {column.meaning}{mark}")
    lines.append("One scale column (params, tokens or compute) is needed; other columns are kept as "
                 "they are. Check a file with `python -m emergence validate FILE`.")
    return "\n".join(lines)
