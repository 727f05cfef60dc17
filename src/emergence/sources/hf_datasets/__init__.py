"""Hugging Face ``datasets``: Open LLM Leaderboard "details" rows, from the Hub or from local files.

Two styles of details rows are read, one row per (model, task, example):

lm-evaluation-harness style (leaderboard v2, ``samples_<task>_<time>`` files)
    ``doc_id``, ``doc``, ``target``, ``arguments``, ``resps``, ``filtered_resps`` and metric columns
    (``acc``, ``acc_norm``, ``exact_match``...), with the meaning of lm-eval's per-sample logs. The
    Hub copies hold the responses as text (``["-1.23", "False"]`` or ``"(-1.23, False)"``); both
    forms and plain numbers are read. Several log-likelihood responses make a multiple-choice row
    (``choice_logprobs``; ``gold`` from ``target``, an index or the text of a choice); one text
    response makes a generation row (``prediction``, ``target``). ``acc`` (else ``exact_match``) gives
    ``correct``. A row with a single log-likelihood response (e.g. lambada) gives ``target_logprob``
    (no token count: the per-token metrics skip it) and ``is_greedy`` gives ``correct``.
lighteval style (leaderboard v1, ``details_<suite>|<task>|<shots>_<time>`` files)
    ``predictions`` (the log-likelihood of each choice for multiple choice, or the generated text),
    ``gold_index``, ``choices``, ``gold``, ``example``/``full_prompt`` and ``metrics`` (a mapping;
    ``acc``, else ``em``/``exact_match``/``quasi_exact_match``, gives ``correct``). lighteval rows have
    no document id: an example is named by a hash of its ``example`` (else ``full_prompt``) text, so
    the same question pairs across models whatever the row order.

Local files are those written with ``datasets`` (``Dataset.to_parquet``, ``Dataset.to_json`` and the
``.arrow`` shards of ``save_to_disk``); :func:`load_hf` loads a dataset from the Hub with
``datasets.load_dataset``. ``datasets`` and ``pyarrow`` are imported only when a file is read.

The model is the ``model`` argument, else a ``model_name`` column, else read from a folder or dataset
named like the leaderboard's (``details_ORG__NAME``, ``ORG__NAME-details``, ``ORG__NAME``), else the
name from ``ReadOptions.sizes`` that the file's path contains. Its size is ``params``, else
``ReadOptions.sizes`` (``--sizes``), else a ``params`` column, else a size in the model name
(``pythia-1.4b``). The
task is ``task``, else a ``task`` column, else read from the file name. ``family`` is a ``family``
column when there is one, else the model name's family (:func:`emergence.sources.family.family_of`).

The package: :mod:`~emergence.sources.hf_datasets.files` (reading local files within the limits of
:mod:`emergence.sources.limits`),
:mod:`~emergence.sources.hf_datasets.details` (rows to records, in either style),
:mod:`~emergence.sources.hf_datasets.cells` (one response, index or id at a time) and
:mod:`~emergence.sources.hf_datasets.identity` (the model, its size and the task).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import EmergenceError
from emergence.sources.hf_datasets.cells import _plain
from emergence.sources.hf_datasets.details import LIGHTEVAL_COLUMNS, LM_EVAL_COLUMNS, details_to_records
from emergence.sources.hf_datasets.files import read_frame
from emergence.sources.hf_datasets.identity import _model_from_names, _task_from_config
from emergence.sources.limits import limits_of

__all__ = ["LIGHTEVAL_COLUMNS", "LM_EVAL_COLUMNS", "NAME", "details_to_records", "load_hf", "read",
           "read_frame", "sniff"]

#: Name of this format for ``--format-in``.
NAME = "hf"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "Open LLM Leaderboard details (lm-eval or lighteval style: parquet, arrow, JSON), hf:// datasets"
EXAMPLE = "python -m emergence analyze details/ --sizes sizes.csv   # or hf://ORG/NAME[/CONFIG]"


def sniff(path: Path, head: bytes) -> bool:
    """``.parquet`` and ``.arrow`` files; ``.json``/``.jsonl`` only when the first record holds
    lighteval details fields (``predictions`` and ``gold_index``).

    Plain lm-evaluation-harness ``samples_*.jsonl`` files are left to the lm-eval format.
    """
    name = path.name.lower()
    if name.endswith((".parquet", ".arrow")):
        return True
    if not name.endswith((".json", ".jsonl")):
        return False
    text = head.lstrip()
    if text.startswith(b"["):  # a JSON array of records: look for the keys near the start
        return all(f'"{key}"'.encode() in text[:4096] for key in LIGHTEVAL_COLUMNS)
    line = text.split(b"\n", 1)[0]
    try:
        first = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(first, dict) and all(key in first for key in LIGHTEVAL_COLUMNS)


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: one validated records table."""
    frame = read_frame(path, limits=limits_of(options))
    table = details_to_records(
        frame,
        source=str(path),
        path=Path(path),
        sizes=getattr(options, "sizes", None) or {},
        filter=getattr(options, "filter", None),
    )
    return [("records", table)]


def load_hf(spec: str, *, split: str | None = None, model: str | None = None,
            params: float | str | None = None, task: str | None = None, **kwargs) -> pd.DataFrame:
    """Load Open LLM Leaderboard details from the Hugging Face Hub as a records table.

    Parameters
    ----------
    spec : str
        ``"hf://ORG/NAME"`` or ``"hf://ORG/NAME/CONFIG"``, e.g.
        ``"hf://open-llm-leaderboard/details_EleutherAI__pythia-1.4b/harness_arc_challenge_25"``.
    split : str, optional
        The split to load. Default: the only split, else ``"latest"`` (the leaderboard's name for the
        newest run).
    model : str, optional
        Model name. Default: read from the dataset name (``details_ORG__NAME`` -> ``"ORG/NAME"``).
    params : float or str, optional
        Parameter count (``1.4e9`` or ``"1.4b"``). Default: a ``params`` column, else a size in the
        model name.
    task : str, optional
        Task name. Default: a ``task`` column, else the config name (``harness_arc_challenge_25`` ->
        ``"arc_challenge"``).
    **kwargs
        Passed to ``datasets.load_dataset`` (``revision``, ``cache_dir``, ``token``...).

    Returns
    -------
    DataFrame
        A validated records table (see :func:`details_to_records`).

    Raises
    ------
    EmergenceError
        For a malformed ``spec`` or an ambiguous split.
    SchemaError
        If the rows are not details rows, or the model's size cannot be told.
    """
    if not isinstance(spec, str) or not spec.startswith("hf://"):
        raise EmergenceError(
            f"The 'spec' parameter of load_hf must look like 'hf://ORG/NAME[/CONFIG]'. Got {spec!r} instead."
        )
    parts = [p for p in spec[len("hf://"):].split("/") if p]
    if len(parts) not in (2, 3):
        raise EmergenceError(
            f"The 'spec' parameter of load_hf must look like 'hf://ORG/NAME[/CONFIG]'. Got {spec!r} instead."
        )
    repo, config = "/".join(parts[:2]), (parts[2] if len(parts) == 3 else None)
    import datasets

    loaded = datasets.load_dataset(repo, config, split=split, **kwargs)
    if isinstance(loaded, Mapping):  # a DatasetDict: choose the split
        names = list(loaded.keys())
        if len(names) == 1:
            loaded = loaded[names[0]]
        elif "latest" in names:
            loaded = loaded["latest"]
        else:
            raise EmergenceError(f"{spec}: the dataset has splits {', '.join(names)}; name one with split=")
    frame = loaded.to_pandas()
    frame = frame.apply(lambda column: column.map(_plain) if column.dtype == object else column)
    if model is None and "model_name" not in frame:
        model = _model_from_names([parts[1]])
    if task is None and "task" not in frame and config is not None:
        task = _task_from_config(config)
    elif task is None and "task" not in frame:
        task = parts[1]
    return details_to_records(frame, source=spec, model=model, params=params, task=task)
