"""lighteval's own details: the parquet files ``lighteval ... --save-details`` writes (0.10 and
later), ``details/<model>/<date>/details_<task>|<shots>_<date>.parquet``, each row a ``doc``, a
``model_response`` and a ``metric``.

A format of its own for ``--format-in lighteval`` and ``list --formats``; the rows are mapped by
:mod:`emergence.sources.hf_datasets` (:mod:`~emergence.sources.hf_datasets.lighteval` flattens the
structs), as the Open LLM Leaderboard's lighteval details are.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from emergence.sources import hf_datasets
from emergence.sources.hf_datasets.lighteval import STRUCTS

#: Name of this format for ``--format-in``.
NAME = "lighteval"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "lighteval --save-details parquet (doc, model_response, metric): per-sample records"
EXAMPLE = "python -m emergence analyze out/details/   # lighteval's --output-dir out"


def sniff(path: Path, head: bytes) -> bool:
    """A parquet file whose schema has lighteval's three struct columns (read from the footer)."""
    if not path.name.lower().endswith(".parquet") or not head.startswith(b"PAR1"):
        return False
    import pyarrow.parquet as pq

    try:
        return set(STRUCTS) <= set(pq.read_schema(path).names)
    except (OSError, ValueError):  # a damaged parquet file: left to the generic details reader
        return False


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: one validated records table."""
    return hf_datasets.read(path, options)
