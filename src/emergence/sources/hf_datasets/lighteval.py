"""Details as current lighteval writes them (``--save-details``, 0.10 and later): one parquet file per
task and run, ``details/<model>/<date>/details_<task>|<shots>_<date>.parquet``, each row three
structs: ``doc`` (``query``, ``choices``, ``gold_index``, ``id``, ``task_name``), ``model_response``
(``text``, ``text_post_processed``, ``logprobs``, ``argmax_logits_eq_gold``...) and ``metric`` (the
sample's scores, ``{"acc": 1}``). Documented by lighteval's ``Doc``, ``ModelResponse`` and
``DetailsLogger.Detail`` classes (``lighteval/tasks/requests.py``, ``lighteval/models/model_output.py``,
``lighteval/logging/info_loggers.py``).

:func:`flatten` turns them into the columns of the leaderboard's lighteval details, which
:mod:`emergence.sources.hf_datasets.details` maps: ``choices``, ``gold_index``, ``predictions``
(each choice's log-likelihood, or the generated text), ``metrics`` and ``example`` (the query, whose
hash is the example id: the same document has the same id for every model).
"""

from __future__ import annotations

import pandas as pd

from emergence.errors import SchemaError
from emergence.sources.hf_datasets.cells import _plain

#: The struct columns of current lighteval details.
STRUCTS = ("doc", "model_response", "metric")


def is_current(columns) -> bool:
    """Whether a frame holds current lighteval details (the three struct columns)."""
    return set(STRUCTS) <= set(columns)


def flatten(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Current lighteval details as leaderboard-style lighteval columns (see the module docstring).

    Raises
    ------
    SchemaError
        Naming the file and the row whose ``doc`` or ``model_response`` is not an object, or that has
        neither per-choice log-likelihoods nor generated text.
    """
    rows, problems = [], []
    cells = zip(frame["doc"].map(_plain), frame["model_response"].map(_plain), frame["metric"].map(_plain),
                strict=True)
    for i, (doc, response, metric) in enumerate(cells):
        if not isinstance(doc, dict) or not isinstance(response, dict):
            problems.append(f"{source}: row {i}: 'doc' and 'model_response' must be objects (structs)")
            continue
        choices = doc.get("choices") if isinstance(doc.get("choices"), list) else []
        logprobs = response.get("logprobs") if isinstance(response.get("logprobs"), list) else []
        texts = [t for t in (response.get("text_post_processed") or response.get("text") or [])
                 if isinstance(t, str)]
        if logprobs and len(choices) >= 2 and len(logprobs) != len(choices):
            problems.append(f"{source}: row {i} (doc id {doc.get('id')!r}): model_response.logprobs holds "
                            f"{len(logprobs)} log-likelihood(s) for {len(choices)} choices; a "
                            "multiple-choice row needs one per choice")
            continue
        if logprobs and (len(logprobs) == len(choices) or not texts):
            predictions = [float(v) for v in logprobs]
        elif texts:
            predictions = [texts[0]]
        else:
            problems.append(f"{source}: row {i} (doc id {doc.get('id')!r}): model_response holds neither "
                            "log-likelihoods nor generated text")
            continue
        rows.append({"example": doc.get("query") if doc.get("query") not in (None, "") else doc.get("id"),
                     "choices": choices, "gold_index": doc.get("gold_index"), "predictions": predictions,
                     "metrics": metric if isinstance(metric, dict) else {}})
        if len(problems) > 25:
            break
    if problems:
        raise SchemaError(problems[:25])
    return pd.DataFrame(rows)
