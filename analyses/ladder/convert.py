"""lm-eval samples logs of the ladder -> one records table, through emergence's own lm-eval loader.

Every ``samples_<bucket>_<kind>_<timestamp>.jsonl`` under ``<out>/lm_eval`` is read with
:func:`emergence.sources.lm_eval.read_samples` (which takes the model from the results JSON beside
it and the step from ``revision=step<N>``). The three request types of one bucket are then joined,
per (model, step, example), into one row of task ``<bucket>``:

- ``gen`` (generate_until): ``target``, ``prediction``, ``correct`` (lm-eval's exact_match);
- ``ll`` (loglikelihood): ``target_logprob`` of the answer and its end, ``target_tokens`` (its
  number of characters, i.e. tokens of the character tokenizer: the loader leaves it empty because
  lm-eval does not log it), ``is_greedy`` (lm-eval's acc for the task: the answer is the greedy
  continuation);
- ``mc`` (multiple_choice): ``choice_logprobs``, ``gold``, ``chance``.

What the loader cannot know is filled from the training metadata (``<out>/models/<name>/meta.json``):
``params`` becomes the non-embedding count (lm-eval logs ``model_num_parameters``, every weight),
and ``tokens`` and ``compute`` (6 x params x tokens) of the checkpoint are added. Log-probabilities
are rounded to 5 decimals (1e-5 nats), which halves the compressed file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DECIMALS = 5  # log-probabilities are rounded to this many decimals in the CSV
_SAMPLES = re.compile(r"samples_(?P<bucket>.+)_(?P<kind>gen|ll|mc)_\d{4}-\d{2}-\d{2}T[\d.-]+\.jsonl$")


def records(out: Path, family: str = "arith"):
    """The records table of a ladder run folder (validated by emergence)."""
    import pandas as pd

    from emergence.schema import validate_records
    from emergence.sources.lm_eval import read_samples

    meta = {p.parent.name: json.loads(p.read_text()) for p in (out / "models").glob("*/meta.json")}
    parts: dict[str, list] = {"gen": [], "ll": [], "mc": []}
    for path in sorted((out / "lm_eval").rglob("samples_*.jsonl")):
        match = _SAMPLES.search(path.name)
        if not match:
            continue
        table = read_samples(path)
        table["task"] = match["bucket"]
        parts[match["kind"]].append(table)
    keys = ["model", "step", "task", "example"]
    gen = pd.concat(parts["gen"], ignore_index=True)[[*keys, "target", "prediction", "correct"]]
    ll = pd.concat(parts["ll"], ignore_index=True)
    ll = ll.assign(target_tokens=ll["target"].str.len(), is_greedy=ll["correct"])
    ll = ll[[*keys, "target_logprob", "target_tokens", "is_greedy"]]
    mc = pd.concat(parts["mc"], ignore_index=True)[[*keys, "choice_logprobs", "gold", "chance"]]
    table = gen.merge(ll, on=keys, how="outer", validate="one_to_one")
    table = table.merge(mc, on=keys, how="outer", validate="one_to_one")
    checkpoints = {(name, c["step"]): c for name, m in meta.items() for c in m["checkpoints"]}
    table.insert(0, "family", family)
    table.insert(2, "params", table["model"].map(lambda m: float(meta[m]["params"])))
    table.insert(4, "tokens", [float(checkpoints[(m, s)]["tokens"])
                               for m, s in zip(table["model"], table["step"], strict=True)])
    table.insert(5, "compute", 6.0 * table["params"] * table["tokens"])
    table = table.sort_values(["params", "step", "task", "example"], key=_natural, ignore_index=True)
    # 5 decimals of a nat are far below any difference the metrics resolve, and halve the file
    table["target_logprob"] = table["target_logprob"].round(DECIMALS)
    table["choice_logprobs"] = [[round(v, DECIMALS) for v in row] if isinstance(row, list) else row
                                for row in table["choice_logprobs"]]
    table["is_greedy"] = table["is_greedy"].astype("Int64")
    return validate_records(table, source=str(out))


def _natural(column):
    """Sort examples (doc ids) as numbers."""
    if column.name == "example":
        return column.astype(int)
    return column


def write(out: Path, path: Path, family: str = "arith") -> Path:
    from emergence.sources import write_csv

    table = records(out, family)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, path)
    return path
