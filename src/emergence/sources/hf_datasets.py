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
column when there is one, else ``"default"``.
"""

from __future__ import annotations

import hashlib
import math
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from emergence.errors import EmergenceError, EmergenceWarning, SchemaError
from emergence.scale import params_from_name, parse_scale
from emergence.schema import MAX_PROBLEMS, validate_records

#: Name of this format for ``--format-in``.
NAME = "hf"

#: Columns that make a lighteval details row, and those that make an lm-eval one.
LIGHTEVAL_COLUMNS = ("predictions", "gold_index")
LM_EVAL_COLUMNS = ("doc_id", "target", "filtered_resps")

_TIME_RE = re.compile(r"_\d{4}-\d{2}-\d{2}T[0-9:.\-]+$")
_SHARD_RE = re.compile(r"^data-\d+-of-\d+$")
_PAIR_RE = re.compile(
    r"[(\[]?\s*'?(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)'?\s*(?:,\s*'?(\w+)'?\s*)?[)\]]?"
)
_CORRECT_LIGHTEVAL = ("acc", "em", "exact_match", "quasi_exact_match", "qem")
_CORRECT_LM_EVAL = ("acc", "exact_match", "em")


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
    frame = read_frame(path)
    table = details_to_records(
        frame,
        source=str(path),
        path=Path(path),
        sizes=getattr(options, "sizes", None) or {},
        filter=getattr(options, "filter", None),
    )
    return [("records", table)]


def read_frame(path: str | Path) -> pd.DataFrame:
    """The rows of a parquet, arrow (``save_to_disk`` shard or IPC file) or JSON(L) file as written
    by ``datasets``, with list and struct cells as plain Python lists and dicts.

    Raises
    ------
    SchemaError
        If the file cannot be read in its format, naming the file (and the line for JSON lines).
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".json", ".jsonl")):
        return _read_json(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if name.endswith(".parquet"):
            table = pq.read_table(path)
        else:
            try:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_stream(source).read_all()
            except pa.ArrowInvalid:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException) as error:
        raise SchemaError(f"{path}: cannot read the file as {path.suffix[1:]}: {error}") from None
    return pd.DataFrame({column: table.column(column).to_pylist() for column in table.column_names})


def _read_json(path: Path) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SchemaError(f"{path}: cannot read the file: {error}") from None
    if data.lstrip().startswith(b"["):
        try:
            rows = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise SchemaError(f"{path}: not valid JSON: {error}") from None
    else:
        rows = []
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError as error:
                raise SchemaError(f"{path}: line {number}: not valid JSON: {error}") from None
    if not rows or not all(isinstance(row, dict) for row in rows):
        raise SchemaError(f"{path}: expected JSON records (one object per line), found none")
    return pd.DataFrame.from_records(rows)


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
    """Map Open LLM Leaderboard details rows (lm-eval or lighteval style) to a records table.

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
    columns = set(frame.columns)
    if frame.empty:
        raise SchemaError(f"{source}: the file has no rows")
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
    table.insert(0, "family", frame["family"] if "family" in frame else "default")
    table.insert(1, "model", _models(frame, source, path, model, sizes))
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
                out["correct"] = _zero_one(values, out["correct"])
                break
    return out, problems


# -- cells -------------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    """numpy arrays and scalars (as pandas gives nested arrow cells) as Python lists and numbers."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _loglikelihood(value: object, bare_text: bool = False) -> tuple[float, bool | None] | None:
    """(log-likelihood, is_greedy or None) from a response, or None if it is not one.

    A response is a number, a ``[number, flag]`` pair (numbers or text, as lm-eval's sanitised logs
    write it), or text like ``"(-1.23, False)"``. A bare number written as text (``"-1.23"``) counts
    only with ``bare_text``: a generated answer can be a number too.
    """
    flag = None
    pair = isinstance(value, list) and len(value) == 2
    if isinstance(value, list):
        if len(value) not in (1, 2):
            return None
        if pair:
            flag = _flag(value[1])
            if flag is None:
                return None
        value = value[0]
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        match = _PAIR_RE.fullmatch(text)
        if match is None or (match.group(2) is None and not (pair or bare_text)):
            return None
        number = float(match.group(1))
        if match.group(2) is not None:
            flag = _flag(match.group(2))
            if flag is None:
                return None
    else:
        return None
    return (number, flag) if math.isfinite(number) else None


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False, "1": True, "0": False}.get(text)


def _gold_index(value: object, n: int, choices: object) -> int | list[int] | None:
    """A choice index (or list of indices) below n, from an index, its text, or the text of a choice."""
    if isinstance(value, list):
        found = [_gold_index(v, n, choices) for v in value]
        if found and all(isinstance(v, int) for v in found):
            return found if len(found) > 1 else found[0]
        return None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and float(value).is_integer() and 0 <= value < n:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and int(text) < n:
            return int(text)
        if isinstance(choices, list):
            stripped = [str(c).strip() for c in choices]
            if text in stripped:
                return stripped.index(text)
    return None


def _continuations(frame: pd.DataFrame, i: int) -> list[str] | None:
    """The continuation texts of an lm-eval row's requests (``arguments``), for a gold given as text."""
    if "arguments" not in frame:
        return None
    arguments = _plain(frame["arguments"].iloc[i])
    if isinstance(arguments, dict):
        keys = sorted((k for k in arguments if arguments[k] is not None),
                      key=lambda k: int(re.sub(r"\D", "", k) or 0))
        arguments = [arguments[k] for k in keys]
    texts = []
    for request in arguments or []:
        if isinstance(request, dict):
            request = [request.get("arg_0"), request.get("arg_1")]
        if not isinstance(request, list) or len(request) < 2 or not isinstance(request[1], str):
            return None
        texts.append(request[1])
    return texts


def _zero_one(values: pd.Series, fallback: list) -> list:
    """A 0/1 column as floats when every value is 0 or 1, else the fallback."""
    numbers = pd.to_numeric(values.map(_plain), errors="coerce")
    if numbers.notna().all() and numbers.isin([0, 1]).all():
        return numbers.astype(float).tolist()
    return fallback


def _content_ids(frame: pd.DataFrame) -> list[str]:
    """Example ids for rows without a document id: a hash of the question text, ``-k`` for its k-th
    repeat within the file; the row number when there is no text."""
    if "doc_id" in frame:
        return frame["doc_id"].map(lambda v: str(_plain(v))).tolist()
    column = next((c for c in ("example", "full_prompt", "instruction") if c in frame), None)
    if column is None:
        return [str(i) for i in range(len(frame))]
    digests = frame[column].map(lambda t: hashlib.sha1(str(t).encode()).hexdigest()[:16])
    repeat = digests.groupby(digests).cumcount()
    return [d if k == 0 else f"{d}-{k}" for d, k in zip(digests, repeat, strict=True)]


def _one_filter(frame: pd.DataFrame, source: str, name: str | None) -> pd.DataFrame:
    if "filter" not in frame:
        return frame
    present = list(dict.fromkeys(frame["filter"].astype(str)))
    if name is None:
        name = present[0]
        if len(present) > 1:
            warnings.warn(f"{source}: rows hold filters {', '.join(present)}; using {name!r} "
                          "(choose with ReadOptions.filter / --filter)", EmergenceWarning, stacklevel=4)
    elif name not in present:
        raise SchemaError(f"{source}: filter {name!r} is not in the file; it has {', '.join(present)}")
    return frame[frame["filter"].astype(str) == name].reset_index(drop=True)


# -- model, size and task -----------------------------------------------------------------------------


def _model_from_names(names: list[str]) -> str | None:
    """``ORG/NAME`` from the first name like ``details_ORG__NAME``, ``ORG__NAME-details`` or ``ORG__NAME``."""
    for name in names:
        match = re.match(r"^(?:details_)?([^_|]+(?:_[^_|]+)*)__(.+?)(?:-details)?$", name)
        if match and "|" not in name:
            return f"{match.group(1)}/{match.group(2)}"
    return None


def _models(frame: pd.DataFrame, source: str, path: Path | None, model: str | None,
            sizes: Mapping[str, float]) -> list[str] | str:
    if model is not None:
        return model
    if "model_name" in frame:
        return frame["model_name"].map(lambda v: None if v is None else str(v)).tolist()
    if path is not None:
        found = _model_from_names([path.stem, *(q.name for q in list(path.parents)[:3])])
        if found is not None:
            return found
        text = str(path)
        named = sorted((name for name in sizes if str(name) in text), key=len, reverse=True)
        if named:
            return str(named[0])
    raise SchemaError(
        f"{source}: cannot tell which model the rows are from: add a 'model_name' column, keep the "
        "leaderboard's folder name (details_ORG__NAME), or put the model's name in the file name and "
        "give its size with --sizes FILE or ReadOptions.sizes"
    )


def _params(models: pd.Series, frame: pd.DataFrame, source: str, params: float | str | None,
            sizes: Mapping[str, float]) -> list[float]:
    if params is not None:
        return [parse_scale(params)] * len(models)
    given = frame["params"] if "params" in frame else pd.Series([None] * len(models))
    out, unknown = [], []
    for name, value in zip(models, given, strict=True):
        size = sizes.get(name)  # a size the user gives wins over the file's column
        if size is None and name is not None:
            size = sizes.get(name.split("/")[-1])
        if size is None and value is not None and not (isinstance(value, float) and math.isnan(value)):
            size = value
        if size is None and name is not None:
            size = params_from_name(name)
        if size is None:
            unknown.append(name)
        out.append(size)
    if unknown:
        names = ", ".join(map(repr, dict.fromkeys(unknown)))
        raise SchemaError(
            f"{source}: the size of model {names} is unknown; give it with --sizes FILE or ReadOptions.sizes "
            f"(e.g. sizes={{{next(iter(dict.fromkeys(unknown)))!r}: 1.4e9}}) "
            "or add a 'params' column"
        )
    return out


def _task_from_path(path: Path) -> tuple[str | None, int | None]:
    """Task and shots from a details file name: ``details_harness|arc:challenge|25_<time>.parquet``
    -> (``"arc:challenge"``, 25); ``samples_leaderboard_bbh_navigate_<time>.jsonl`` ->
    ``"leaderboard_bbh_navigate"``; a ``data-00000-of-00001.arrow`` shard is named by its folder."""
    stem = path.name
    for suffix in (".parquet", ".arrow", ".jsonl", ".json"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if _SHARD_RE.match(stem):
        stem = path.parent.name
    stem = _TIME_RE.sub("", stem)
    stem = re.sub(r"^(details_|samples_)", "", stem)
    if "|" in stem:
        parts = stem.split("|")
        shots = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        return parts[1] or None, shots
    return stem or None, None


def _task_from_config(config: str) -> str:
    """Task from a leaderboard config name: ``harness_arc_challenge_25`` -> ``"arc_challenge"``,
    ``ORG__NAME__leaderboard_bbh_navigate`` -> ``"leaderboard_bbh_navigate"``."""
    name = config.rsplit("__", 1)[-1]
    match = re.match(r"^(?:harness|lighteval)_(.+?)(?:_\d+)?$", name)
    return match.group(1) if match else name
