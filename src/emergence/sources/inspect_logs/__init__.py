"""Inspect AI logs (UK AI Security Institute's evaluation framework): ``.eval`` and ``.json``.

One log is one (task, model) run. It maps onto the two tables as follows:

- ``model`` is the header's ``eval.model`` (``openai/gpt-4o``, ``mockllm/toy-1b``); ``family`` is
  :func:`emergence.sources.family.family_of` of it; ``params`` comes from ``--sizes``, a known model,
  or a size in the name, else an error naming the file; ``task`` is ``eval.task``.
- each sample (its first epoch; later epochs are left out with a warning) is a record: ``example``
  is the sample ``id``, ``target`` its target (the first, when a list), ``prediction`` the output's
  ``completion``;
- ``correct`` is the first scorer whose values are ``C``/``I`` (Inspect's correct/incorrect), or 0/1;
  a partial ``P`` or no answer ``N`` is not an exact match: 0 (counted in a warning); a value that
  is none of these nor a number is an error naming the sample;
- a scorer with other numeric values (a mean of a score in 0..1, say) becomes an aggregate score of
  its own name: its mean over the samples, with the standard error of that mean, in the scores table;
- ``target_logprob`` comes from the output's logprobs (a ``logprobs=True`` run with top logprobs):
  the target's tokens where the output begins with them, and where it does not, the target's entry
  among the top logprobs at the first token that differs, when that completes the target. A run in
  which some sample's target log-likelihood cannot be read this way gets none at all (a warning
  says so): the samples that have one would be a biased subset, mostly the right answers.

A damaged file, or a sample without an id, target or output, is an error naming the file and the
sample.
"""

from __future__ import annotations

import math
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import MAX_PROBLEMS, validate_records, validate_scores
from emergence.sources.family import family_of
from emergence.sources.inspect_logs.archive import eval_log
from emergence.sources.limits import limits_of
from emergence.sources.sizes import model_params

__all__ = ["NAME", "read", "read_inspect", "sniff"]

#: Name of this format for ``--format-in``.
NAME = "inspect"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "Inspect AI logs, .eval (zip) or .json: per-sample records, numeric scorers as scores"
EXAMPLE = "python -m emergence analyze logs/   # a folder of .eval / .json logs, one per model"

_JSON_KEYS = (b'"eval"', b'"eval_id"', b'"status"')


def sniff(path: Path, head: bytes) -> bool:
    """An ``.eval`` file (the extension is Inspect's), or a ``.json`` (or ``.json.gz``) document that
    starts like an Inspect log."""
    name = path.name.lower()
    if name.endswith(".eval"):  # Inspect's own extension: a damaged or empty one is an error, not skipped
        return True
    if name.endswith(".json.gz") and head.startswith(b"\x1f\x8b"):
        try:  # the start of the stream: a gzip member may be cut anywhere
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 8192)
        except zlib.error:
            return False
    elif not name.endswith(".json"):
        return False
    return all(key in head for key in _JSON_KEYS)


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: a records table, and a scores table when a
    scorer gives numbers other than right/wrong."""
    sizes = dict(getattr(options, "sizes", None) or {})
    records, scores = read_inspect(path, sizes=sizes, limits=limits_of(options))
    return [("records", records)] + ([("scores", scores)] if scores is not None else [])


def _value(raw) -> float | str | None:
    """A scorer's value: ``"C"``/``"I"``/``"P"`` kept as text, a number as a float, else None."""
    if isinstance(raw, str) and raw.upper() in ("C", "I", "P", "N"):
        return raw.upper()
    if isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, int | float) and math.isfinite(raw):
        return float(raw)
    return None


def _target_logprob(output: dict, target: str) -> tuple[float, int] | None:
    """(log-likelihood of ``target``, its tokens) from the output's logprobs, or None.

    The generated tokens that spell the target's start count as they are; at the first token that
    differs, the target's continuation must be among that position's top logprobs and complete the
    target (after a wrong token the rest of the target was never scored).
    """
    def obj(value) -> dict:  # a damaged log may hold anything where an object belongs
        return value if isinstance(value, dict) else {}

    choices = output.get("choices") if isinstance(output.get("choices"), list) else []
    content = obj(obj(choices[0]).get("logprobs")).get("content") if choices else None
    if not isinstance(content, list) or not content or not target:
        return None
    total, tokens, rest = 0.0, 0, target
    for position in content:
        position = obj(position)
        token, logprob = position.get("token"), position.get("logprob")
        if not isinstance(token, str) or not isinstance(logprob, int | float):
            return None
        if token and rest.startswith(token):
            total, tokens, rest = total + logprob, tokens + 1, rest[len(token):]
            if not rest:
                return total, tokens
            continue
        tops = position.get("top_logprobs") if isinstance(position.get("top_logprobs"), list) else []
        for top in map(obj, tops):
            if top.get("token") == rest and isinstance(top.get("logprob"), int | float):
                return total + top["logprob"], tokens + 1
        return None
    return None


def read_inspect(path: str | Path, *, sizes: dict | None = None, limits=None
                 ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read one Inspect log into a records table and, for numeric scorers, a scores table.

    Parameters
    ----------
    path : str or Path
        An ``.eval``, ``.json`` or ``.json.gz`` log.
    sizes : dict, optional
        Model name -> parameter count.
    limits : Limits, optional

    Returns
    -------
    (records, scores or None)

    Raises
    ------
    SchemaError
        Naming the file and the sample at fault.
    """
    path = Path(path)
    header, samples = eval_log(path, limits or limits_of(None))
    spec = header.get("eval") if isinstance(header, dict) else None
    if not isinstance(spec, dict) or not spec.get("model") or not spec.get("task"):
        raise SchemaError(f"{path}: not an Inspect log: the header has no eval.model and eval.task")
    if header.get("status") not in (None, "success"):
        warnings.warn(f"{path}: the run's status is {header.get('status')!r}, not 'success'; its samples are "
                      "read as they are", EmergenceWarning, stacklevel=3)
    model, task = str(spec["model"]), str(spec["task"])
    params = model_params(model, path, sizes or {})
    rows, numeric, problems = [], {}, []
    later_epochs = partial = lists = 0
    binary_scorer: str | None = None
    for where, sample in samples:
        if not isinstance(sample, dict):
            problems.append(f"{path}: {where}: not a sample object")
            continue
        sid = sample.get("id")
        named = f"{path}: sample {sid!r} ({where})"
        if sample.get("epoch", 1) not in (1, None):
            later_epochs += 1
            continue
        output = sample.get("output") if isinstance(sample.get("output"), dict) else None
        target = sample.get("target")
        if isinstance(target, list):
            lists += len(target) > 1
            target = target[0] if target else None
        if sid is None or str(sid).strip() == "":
            problems.append(f"{path}: {where}: the sample has no id")
            continue
        if not isinstance(target, str):
            problems.append(f"{named}: target is {target!r:.60}; it must be text (or a list of texts)")
            continue
        if output is None or not isinstance(output.get("completion"), str):
            problems.append(f"{named}: no output completion (was the sample scored?)")
            continue
        row = {"example": str(sid), "target": target, "prediction": output["completion"]}
        scores = sample.get("scores") if isinstance(sample.get("scores"), dict) else {}
        for scorer, score in scores.items():
            raw = score.get("value") if isinstance(score, dict) else None
            value = _value(raw)
            if value is None:
                problems.append(f"{named}: scorer {scorer!r} gives {raw!r:.60}; a value is C, I, P, N or a "
                                "number")
                continue
            if isinstance(value, str) or value in (0.0, 1.0):
                if binary_scorer is None:
                    binary_scorer = scorer
                if scorer == binary_scorer:
                    # a partial (P) or no (N) answer is not an exact match: 0, counted in a warning
                    row["correct"] = {"C": 1.0}.get(value, value if isinstance(value, float) else 0.0)
                    partial += value in ("P", "N")
            if isinstance(value, float):
                numeric.setdefault(scorer, []).append(value)
        found = _target_logprob(output, target)
        row["target_logprob"], row["target_tokens"] = found if found else (np.nan, np.nan)
        rows.append(row)
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        raise SchemaError(problems[:MAX_PROBLEMS])
    if not rows:
        raise SchemaError(f"{path}: the log holds no samples (was it written with log_samples=False?)")
    table = pd.DataFrame(rows)
    if table["target_logprob"].isna().any():
        if table["target_logprob"].notna().any():
            warnings.warn(f"{path}: the logprobs give the target's log-likelihood for "
                          f"{int(table['target_logprob'].notna().sum())} of {len(table)} samples; none is "
                          "used (those would be a biased subset, mostly the right answers)",
                          EmergenceWarning, stacklevel=3)
        table = table.drop(columns=["target_logprob", "target_tokens"])
    notes = []
    if later_epochs:
        notes.append(f"{later_epochs} sample(s) of epochs after the first left out")
    if partial:
        notes.append(f"{partial} partial or empty answer(s) (P, N) of {binary_scorer} count as not correct "
                     "(exact match is all or nothing)")
    if lists:
        notes.append(f"{lists} sample(s) with several targets compared with their first")
    if notes:
        warnings.warn(f"{path}: " + "; ".join(notes), EmergenceWarning, stacklevel=3)
    identity = {"family": family_of(model), "model": model, "params": params, "task": task}
    names = table["example"].tolist()
    records = validate_records(table.assign(**identity)[[*identity, *table.columns]], source=str(path),
                               locate=lambda i: f"sample {names[i]!r}")
    graded = {name: values for name, values in numeric.items()
              if name != binary_scorer and not set(values) <= {0.0, 1.0}}
    scores = None
    if graded:
        scores = pd.DataFrame([{**identity, "metric": name, "value": float(np.mean(values)),
                                "stderr": float(np.std(values, ddof=1) / np.sqrt(len(values)))
                                if len(values) > 1 else np.nan, "n": len(values)}
                               for name, values in graded.items()])
        scores = validate_scores(scores, source=str(path))
    return records, scores
