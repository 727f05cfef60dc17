"""An lm-eval results JSON as a scores table."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import validate_scores
from emergence.sources import ReadOptions
from emergence.sources.lm_eval.identity import _identity, _model_of_results
from emergence.sources.lm_eval.parsing import _raise

# keys of a results entry that are not metrics
_NOT_METRICS = frozenset({"alias", "name", "sample_len", "samples", " ", ""})


def _number(value: Any) -> float | None:
    """A metric value as float; NaN for lm-eval's "N/A"; None for text that is not a value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if value is None or (isinstance(value, str) and value.strip().upper() in ("N/A", "NAN", "")):
        return math.nan
    return None


def _results_table(path: Path, data: dict, options: ReadOptions) -> pd.DataFrame:
    name, stated, step = _model_of_results(data)
    if name is None:
        given = list(options.sizes)
        if len(given) != 1:
            raise SchemaError(
                f"{path}: the results JSON does not name its model (no config.model_args pretrained= "
                "nor model_name); give the model and its size with --sizes FILE (a CSV 'model,params') "
                "or, in Python, ReadOptions(sizes={'<model>': 1.3e9})"
            )
        name = str(given[0])
    identity = _identity(path, name, stated, step, options)
    n_samples = data.get("n-samples") if isinstance(data.get("n-samples"), dict) else {}
    directions = data.get("higher_is_better") if isinstance(data.get("higher_is_better"), dict) else {}
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    skipped: list[str] = []
    for task, entry in data["results"].items():
        if not isinstance(entry, dict):
            problems.append(f"{path}: results[{task!r}] is not an object of metrics")
            continue
        values: dict[tuple[str, str], float] = {}
        stderrs: dict[tuple[str, str], float] = {}
        for key, raw in entry.items():
            if key in _NOT_METRICS:
                continue
            metric, _, filter_name = str(key).partition(",")
            number = _number(raw)
            if metric.endswith("_stderr"):
                stderrs[(metric.removesuffix("_stderr"), filter_name)] = (
                    math.nan if number is None else number
                )
            elif number is None or math.isnan(number):
                skipped.append(f"{task}/{key}={raw!r}")
            else:
                values[(metric, filter_name)] = number
        filters = list(dict.fromkeys(f for _, f in values))
        keep = filters
        if len(filters) > 1 and options.filter in filters:
            keep = [options.filter]
        n = _count(n_samples.get(task), entry.get("sample_len"))
        direction = directions.get(task) if isinstance(directions.get(task), dict) else {}
        for (metric, filter_name), value in values.items():
            if filter_name not in keep:
                continue
            # the kept filter (--filter, else the first: the one the samples reader keeps) is named
            # plainly, so that its reported copy meets the metric rescored from the samples; the
            # other filters keep their suffix
            rows.append({
                **identity, "task": str(task),
                "metric": metric if filter_name in (keep[0], "") else f"{metric},{filter_name}",
                "value": value, "stderr": stderrs.get((metric, filter_name), math.nan), "n": n,
                "higher_is_better": direction.get(metric) if isinstance(direction.get(metric), bool)
                else None,
            })
    _raise(problems)
    if skipped:
        warnings.warn(
            f"{path}: left out metric values that are not numbers: {', '.join(skipped[:8])}",
            EmergenceWarning, stacklevel=3,
        )
    if not rows:
        raise SchemaError(f"{path}: the results JSON holds no metric values under 'results'")
    table = pd.DataFrame(rows)
    table = table.drop(columns=[c for c in ("higher_is_better", "n") if table[c].isna().all()])
    return validate_scores(table, source=str(path), locate=lambda i: f"results row {i + 1}")


def _count(samples: Any, sample_len: Any) -> float:
    if isinstance(samples, dict):
        samples = samples.get("effective", samples.get("original"))
    for value in (samples, sample_len):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return float(value)
    return math.nan
