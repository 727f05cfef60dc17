"""BIG-bench score files: ``bigbench/benchmark_tasks/<task>/results/scores_<model>.json``.

One file per model. Its ``model`` object holds ``model_family`` (``"BIG-G T=0"``, ``"BIG-G sparse"``,
``"GPT"``, ``"PaLM"``...), ``model_name``, ``total_params``, ``non_embedding_params``,
``flop_matched_non_embedding_params``, ``training_batch_size`` and ``training_steps``; its ``scores``
list holds one entry per (subtask, number of shots) with ``score_dict`` (metric -> value),
``preferred_score``, ``number_of_shots``, ``low_score``, ``high_score`` and ``subtask_description``
(``"task:subtask"``, or the task name itself for the task-level entry). These files hold aggregate
scores only, so they give a scores table: it can be analysed, not rescored.

How a file maps to the scores table:

- ``family`` is ``model_family`` with the number of shots folded in (``"BIG-G T=0 0-shot"``), so
  that curves never mix shots; the number itself is kept in the extra column ``shots``.
- ``model`` is ``model_name``; ``params`` is ``total_params``, unless ``ReadOptions.sizes``
  (``--sizes``) gives the model a size, which wins; ``non_embedding_params``,
  ``flop_matched_non_embedding_params``, ``training_batch_size`` and ``training_steps`` are kept as
  extra columns.
- ``task`` is ``subtask_description`` as the file gives it: ``"arithmetic"`` for the task-level entry,
  ``"arithmetic:1_digit_addition"`` for a subtask (the form of ``task``/``subtask`` in BIG-bench's task
  metadata, ``bigbench_tasks.csv``). Each subtask is then a curve of its own: curves are drawn per
  (family, task, metric), and a subtask must not be averaged with its task's aggregate.
  ``subtask`` is the part after ``":"`` (``"1_digit_addition"``, empty for the task-level entry) and
  the extra column ``parent_task`` the part before it.
- every ``score_dict`` item is a row (``metric``, ``value``, raw as the file gives it); the extra
  column ``preferred`` marks the preferred score. One more row per entry,
  ``metric = "normalized_preferred_score"``, holds ``100 * (raw - low_score) / (high_score -
  low_score)`` of the preferred score, the normalisation BIG-bench uses for its plots and aggregates;
  its ``kind`` is that of the preferred metric. A task-level entry computed from subtasks already has
  ``normalized_aggregate_score`` (0..100) in its ``score_dict``; it is kept as given, with the kind of
  the preferred scores it averages when they share one (no kind when they differ).
- the extra boolean column ``aggregate`` is True for a task-level entry of a file that also holds
  subtask entries of that task (a mean over subtasks, not a direct measurement).

Metric kinds come from :func:`emergence.metrics.resolve_kind` (``multiple_choice_grade`` and
``exact_str_match`` are discontinuous); metrics it does not know (``bleu``, ``rouge*``,
``expected_calibration_error``...) get no kind, and validation warns about them.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.schema import validate_scores
from emergence.sources.limits import Limits, limits_of, read_bytes

#: Name of this format for ``--format-in``.
NAME = "bigbench"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "BIG-bench score files scores_<model>.json: aggregate scores, sizes from the file or name"
EXAMPLE = "python -m emergence analyze BIG-bench/bigbench/benchmark_tasks/arithmetic/results/"

#: Metric name of the normalised preferred score of every entry.
NORMALIZED = "normalized_preferred_score"

#: Most shots an entry may have: a larger number is taken for a damaged file (a few-shot prompt holds
#: a handful of examples, not thousands).
MAX_SHOTS = 10_000

#: GPT-3 models that BIG-bench names by word, not size (Brown et al. 2020, "Language Models are
#: Few-Shot Learners", Table 2.1).
GPT3_NAMED = {"small": 125e6, "medium": 350e6, "large": 760e6, "xl": 1.3e9}

_NAME_RE = re.compile(r"^scores_(?P<family>[^_]+)_(?P<model>.+?)\.json$", re.IGNORECASE)
_TEMPERATURE_RE = re.compile(r"_T=(?P<t>[0-9.]+)(?=_|\.json$)")
_SIZE_RE = re.compile(r"(?:^|[-_])(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<unit>[kmbt])$", re.IGNORECASE)


def name_parts(file_name: str) -> dict:
    """Family, model and size from a score file's name, as the BIG-bench repository names them.

    ``scores_BIG-G_128b_T=0.json`` -> family ``BIG-G T=0``, model ``128b``, size 1.28e11 (a BIG-G name
    gives the non-embedding parameters); ``scores_BIG-G-sparse_2m.json`` -> ``BIG-G sparse``;
    ``scores_GPT_GPT-3-200B.json`` -> ``GPT``, ``GPT-3-200B``, 2e11; ``GPT-3-Small`` -> 125M
    (:data:`GPT3_NAMED`). Keys that the name does not give are absent.

    Examples
    --------
    >>> name_parts("scores_BIG-G_128b_T=0.json")
    {'family': 'BIG-G T=0', 'model': '128b', 'params': 128000000000.0}
    >>> name_parts("scores_BIG-G_T=0_2m.json")["model"]
    '2m'
    >>> name_parts("scores_GPT_GPT-3-Small.json")
    {'family': 'GPT', 'model': 'GPT-3-Small', 'params': 125000000.0}
    """
    temperature = _TEMPERATURE_RE.search(file_name)  # "_T=0" at the end, or before the size
    match = _NAME_RE.match(_TEMPERATURE_RE.sub("", file_name))
    if match is None:
        return {}
    family = match["family"].replace("-sparse", " sparse")
    if temperature is not None:
        family += f" T={temperature['t']}"
    out: dict = {"family": family, "model": match["model"]}
    size = _SIZE_RE.search(match["model"])
    word = match["model"].lower().rsplit("-", 1)[-1]
    if size is not None:
        unit = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}[size["unit"].lower()]
        out["params"] = float(size["number"]) * unit
    elif match["model"].lower().startswith("gpt-3") and word in GPT3_NAMED:
        out["params"] = GPT3_NAMED[word]
    return out


_MODEL_FIELDS = ("non_embedding_params", "flop_matched_non_embedding_params", "training_batch_size",
                 "training_steps")
_HEAD_KEYS = (b'"score_dict"', b'"preferred_score"')


def sniff(path: Path, head: bytes) -> bool:
    """A ``.json`` file whose start holds BIG-bench score entries (``score_dict``, ``preferred_score``).

    Full query logs (``full-log_*.json``) repeat the scores of the score file beside them and are
    passed over.
    """
    name = path.name.lower()
    if not name.endswith(".json") or name.startswith("full-log"):
        return False
    return all(key in head for key in _HEAD_KEYS) and b'"scores"' in head


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: one validated scores table."""
    sizes = dict(getattr(options, "sizes", None) or {})
    return [("scores", read_bigbench(path, sizes=sizes, limits=limits_of(options)))]


def _load_json(path: Path, limits: Limits | None = None) -> object:
    data = read_bytes(path, limits, lines=False)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:  # BIG-bench wrote its files with Python's json, which may write NaN
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:  # ValueError: JSONDecodeError, an int > 4300 digits
        raise SchemaError(f"{path}: not valid JSON: {error}") from None


def _number(value: object, where: str) -> float | None:
    """A finite float, or None (NaN, which BIG-bench writes for undefined scores, and non-numbers).

    Raises
    ------
    SchemaError
        For an integer beyond the range of a float (no score, size or count is), naming ``where``
        (the file and the field).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        value = float(value)
    except OverflowError:
        raise SchemaError(
            f"{where} is an integer of {len(str(abs(value)))} digits, beyond the range of a number "
            "(at most about 1.8e308); correct the value in the file"
        ) from None
    return value if math.isfinite(value) else None


def _shots(value: object, where: str) -> int | None:
    """``number_of_shots``: a whole number from 0 to :data:`MAX_SHOTS`, or None when the entry does
    not say.

    Raises
    ------
    SchemaError
        For any other value (NaN, infinity, 2.5, -1, text), naming ``where``.
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_SHOTS:
        if isinstance(value, int) or value.is_integer():
            return int(value)
    text = repr(value)
    shown = text if len(text) <= 60 or not isinstance(value, int) else f"an integer of {len(text)} digits"
    raise SchemaError(
        f"{where}.number_of_shots is {shown:.60}; it must be a whole number of shots from 0 to {MAX_SHOTS}; "
        "correct it in the file, or remove the key if the number is not known"
    )


def read_bigbench(path: str | Path, *, sizes: dict[str, float] | None = None,
                  limits: Limits | None = None) -> pd.DataFrame:
    """Read and validate one BIG-bench score file.

    Parameters
    ----------
    path : str or Path
        A ``scores_<model>.json`` file.
    sizes : dict, optional
        Model name -> parameter count, used when the file has no positive ``total_params``.
    limits : Limits, optional
        The most bytes the file may hold (default :class:`~emergence.sources.limits.Limits`).

    Returns
    -------
    DataFrame
        A validated scores table with columns ``family, model, params, task, subtask, metric, value,
        kind, higher_is_better`` and the extra columns ``parent_task``, ``shots`` (number of shots),
        ``params_from`` (``total_params``, ``name`` or ``sizes``: where the size came from),
        ``preferred`` (the entry's preferred score), ``aggregate`` (a task-level mean over subtasks),
        ``low_score``, ``high_score``, ``non_embedding_params``,
        ``flop_matched_non_embedding_params``, ``training_batch_size`` and ``training_steps``.

    Raises
    ------
    SchemaError
        If the file is not a BIG-bench score file, naming the file and the entry at fault.
    """
    from emergence.metrics import resolve_kind

    path = Path(path)
    data = _load_json(path, limits)
    if not isinstance(data, dict) or not isinstance(data.get("scores"), list):
        raise SchemaError(f"{path}: not a BIG-bench score file: expected an object with a 'scores' list")
    model = data.get("model")
    if not isinstance(model, dict):
        raise SchemaError(f"{path}: the 'model' object (model_family, model_name, total_params) is missing")
    problems: list[str] = []
    named = name_parts(path.name)  # what the repository's file name says, where the file does not
    family = str(model.get("model_family") or named.get("family") or "").strip()
    name = str(model.get("model_name") or named.get("model") or "").strip()
    if not name:
        problems.append(f"{path}: model.model_name is missing or empty, and the file name does not "
                        "name the model (scores_<family>_<model>[_T=<t>].json)")
    # a size the user gives wins (e.g. the non-embedding count), then the file's total_params, then
    # the size in the file name (a BIG-G name gives the non-embedding count: said in a warning)
    params, params_from = (sizes or {}).get(name), "sizes"
    if params is None:
        params = _number(model.get("total_params"), f"{path}: model.total_params")
        params_from = "total_params"
        if (params is None or params <= 0) and named.get("params"):
            params, params_from = named["params"], "name"  # said once for all files: combined_notes
        if params is None or params <= 0:
            problems.append(
                f"{path}: model.total_params is {model.get('total_params')!r}, not a positive number, and "
                f"the file name gives no size; give the size of {name!r} with --sizes FILE or "
                "ReadOptions.sizes"
            )
    if problems:
        raise SchemaError(problems)
    extras = {field: _number(model.get(field), f"{path}: model.{field}") for field in _MODEL_FIELDS}
    default_task = path.parent.parent.name if path.parent.name == "results" else None

    rows: list[dict] = []
    entry_of: list[int] = []  # row -> position in the scores list, for messages
    skipped: list[str] = []
    for k, entry in enumerate(data["scores"]):
        where = f"{path}: scores[{k}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("score_dict"), dict):
            problems.append(f"{where}: has no 'score_dict' object")
            continue
        description = str(entry.get("subtask_description") or default_task or "").strip()
        if not description:
            problems.append(f"{where}: has no 'subtask_description' (the task or 'task:subtask')")
            continue
        parent, _, sub = description.partition(":")
        shots = _shots(entry.get("number_of_shots"), where)
        preferred = entry.get("preferred_score")
        if preferred is not None and not isinstance(preferred, str):
            problems.append(
                f"{where}.preferred_score is {preferred!r:.60} ({type(preferred).__name__}); it must be "
                "the name of one metric of score_dict, as text (e.g. \"exact_str_match\")"
            )
            continue
        base = {
            "family": f"{family} {shots}-shot" if family and shots is not None else family or "default",
            "model": name,
            "params": params,
            "task": description,
            "subtask": sub or None,
            "parent_task": parent,
            "shots": shots,
            "params_from": params_from,
            "low_score": _number(entry.get("low_score"), f"{where}.low_score"),
            "high_score": _number(entry.get("high_score"), f"{where}.high_score"),
            **extras,
        }
        for metric, raw in entry["score_dict"].items():
            value = _number(raw, f"{where}.score_dict[{metric!r}]")
            if value is None:
                skipped.append(f"scores[{k}] {metric}={raw!r}")
                continue
            known = resolve_kind(metric)
            if metric == "normalized_aggregate_score":
                known = ("mixed", True)  # the kind of what it averages; settled below
            rows.append({**base, "metric": metric, "value": value, "preferred": metric == preferred,
                         "kind": known[0] if known else None,
                         "higher_is_better": known[1] if known else None})
            entry_of.append(k)
        raw_preferred = (_number(entry["score_dict"].get(preferred), f"{where}.score_dict[{preferred!r}]")
                         if preferred else None)
        low, high = base["low_score"], base["high_score"]
        if preferred == "normalized_aggregate_score":
            continue  # already normalised (0..100)
        if raw_preferred is None or low is None or high is None or high == low:
            skipped.append(f"scores[{k}] {NORMALIZED} (preferred_score {preferred!r}, low_score {low}, "
                           f"high_score {high})")
            continue
        known = resolve_kind(preferred)
        rows.append({**base, "metric": NORMALIZED, "value": 100.0 * (raw_preferred - low) / (high - low),
                     "preferred": False, "kind": known[0] if known else None, "higher_is_better": True})
        entry_of.append(k)
    if problems:
        raise SchemaError(problems)
    if not rows:
        raise SchemaError(f"{path}: the file holds no numeric score")
    if skipped:
        warnings.warn(
            f"{path}: {len(skipped)} score(s) left out because they are not finite numbers or cannot be "
            f"normalised: {', '.join(skipped[:5])}" + (" ..." if len(skipped) > 5 else ""),
            EmergenceWarning,
            stacklevel=3,
        )
    table = pd.DataFrame(rows)
    # a task-level entry is an aggregate when the same file holds subtask entries of that task
    with_subtasks = set(table.loc[table["subtask"].notna(), "parent_task"])
    table["aggregate"] = table["subtask"].isna() & table["task"].isin(with_subtasks)
    table["shots"] = table["shots"].astype("Int64")
    table["kind"] = _aggregate_kinds(table)

    def locate(i: int) -> str:
        return f"scores[{entry_of[i]}], metric {table['metric'].iloc[i]!r}"

    return validate_scores(table, source=str(path), locate=locate)


def combined_notes(table: pd.DataFrame) -> list[str]:
    """What to say of the sizes of BIG-bench scores once all files are read (``params_from``): how
    many models took their size from the file name, and which families mix those with the files'
    ``total_params`` (a BIG-G name gives non-embedding parameters, ``total_params`` counts the
    embeddings too: one axis would mix the two)."""
    if "params_from" not in table:
        return []
    models = table[["family", "model", "params_from"]].drop_duplicates()
    named = models[models["params_from"] == "name"]
    if named.empty:
        return []
    notes = [f"{named['model'].nunique()} BIG-bench model(s) have no total_params in their files; their "
             "sizes are read from the file names (non-embedding parameters for BIG-G, the nominal size for "
             "GPT-3); give exact sizes with --sizes FILE"]
    for family, mine in models.groupby("family"):
        counts = mine["params_from"].value_counts()
        if counts.get("name", 0) and counts.get("total_params", 0):
            notes.append(f"family {family!r} mixes sizes from total_params ({counts['total_params']} "
                         f"model(s)) and from file names ({counts['name']}): its axis mixes total and "
                         "non-embedding counts; give every size with --sizes FILE")
    return notes


def _aggregate_kinds(table: pd.DataFrame) -> pd.Series:
    """``kind`` with each ``normalized_aggregate_score`` row given the kind of the preferred scores of
    the subtasks it averages (same family, i.e. same shots) when they all share one; else None."""
    kind = table["kind"].copy()
    mixed = kind.eq("mixed")
    if not mixed.any():
        return kind
    parts = table[table["subtask"].notna() & table["metric"].eq(NORMALIZED)]
    shared = parts.groupby(["family", "parent_task"])["kind"].agg(
        lambda k: k.iloc[0] if k.notna().all() and k.nunique() == 1 else None
    )
    keys = pd.MultiIndex.from_frame(table.loc[mixed, ["family", "parent_task"]])
    kind[mixed] = shared.reindex(keys).to_numpy()
    return kind
