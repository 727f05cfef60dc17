"""Pythia evaluation results: the tidy evaluation CSV, and the raw lm-eval 0.3 results JSON of
EleutherAI/pythia ``evals/``.

Both give a **scores** table (aggregate numbers only: no per-example data), with two x-axes: model size
(``params``) and training checkpoint (``step``, ``tokens``, ``compute = 6 * params * tokens``).

The tidy CSV (``pythia_evals.csv.gz``, ``pythia_v0_evals.csv.gz``, ``opt_bloom_baselines_evals.csv``)
has one row per model x checkpoint x eval run x task x metric, with the columns
:data:`PYTHIA_COLUMNS` (and ``deduped``, ``variant``, ``batch_tokens``, ``num_fewshot``,
``run_timestamp``...). The raw JSON is ``{"results": {task: {metric: v, metric_stderr: v}},
"versions": ..., "config": {"model_args": "pretrained=EleutherAI/pythia-v1.1-1.4b,revision=step3000",
"num_fewshot": 0, ...}}``, one file per model and checkpoint.

Families keep apart what must not share a curve (see :func:`family_name`): ``pythia`` and
``pythia-deduped`` (zero-shot, the standard runs), ``pythia-deduped-5-shot`` (five-shot), the
batch-size and precision ablations (``pythia-1MtokBS``, ``pythia-bf16``...), the gender-intervention
study (``pythia-deduped-intervention``, ``pythia-deduped-baseline``), ``pythia-v0[-deduped]``, ``opt``
and ``bloom``.

The format is a package by concern: :mod:`.families` (sizes, batch sizes, model names and
families), :mod:`.tidy_csv` (the tidy evaluation CSV) and :mod:`.results_json` (the raw results
JSON). Every public name is importable from ``emergence.sources.pythia``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from emergence.sources.limits import limits_of
from emergence.sources.pythia.families import (
    BASELINE_TOKENS,
    BATCH_TOKENS,
    PYTHIA_PARAMS,
    V0_LARGE_BATCH,
    family_name,
    parse_pythia_name,
)
from emergence.sources.pythia.results_json import is_pythia_json, read_pythia_json
from emergence.sources.pythia.tidy_csv import PYTHIA_COLUMNS, is_pythia_csv, is_pythia_header, read_pythia_csv

__all__ = ["BASELINE_TOKENS", "BATCH_TOKENS", "NAME", "PYTHIA_COLUMNS", "PYTHIA_PARAMS", "V0_LARGE_BATCH",
           "family_name", "is_pythia_csv", "is_pythia_header", "parse_pythia_name", "read",
           "read_pythia_csv", "read_pythia_json", "sniff"]

#: Name of this format for ``--format-in``.
NAME = "pythia"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "Pythia evaluation results: the tidy evaluation CSV, or the lm-eval 0.3 results JSON tree"
EXAMPLE = ("python -m emergence analyze ../shared/data/pythia/pythia_evals.csv.gz --tasks lambada_openai "
           "--x compute")


def sniff(path: Path, head: bytes) -> bool:
    """A tidy Pythia CSV (``.csv``/``.csv.gz`` with the :data:`PYTHIA_COLUMNS` header), or a 0.3-era
    lm-eval results JSON of a Pythia model (``"results"`` and ``"config"`` with
    ``model_args`` ``pretrained=...pythia...``, or a Pythia v0 file name ``...-0shot-global_stepN...``).
    """
    path = Path(path)
    return is_pythia_csv(path, head) or is_pythia_json(path, head)


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: one validated scores table."""
    path = Path(path)
    limits = limits_of(options)
    if path.name.lower().endswith(".json"):
        return [("scores", read_pythia_json(path, limits=limits))]
    return [("scores", read_pythia_csv(path, limits=limits))]
