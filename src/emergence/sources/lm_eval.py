"""lm-evaluation-harness output: results JSON files (scores) and per-sample logs (records).

Files read
----------
results JSON
    ``results.json`` (0.3, 0.4.0-0.4.2) or ``results_<timestamp>.json`` (0.4.3+): ``{"results": {task:
    {metric: value, ...}}, "config": {...}, ...}``. Metric keys are ``acc`` / ``acc_stderr`` (0.3) or
    ``"acc,none"`` / ``"acc_stderr,none"`` (0.4, ``metric,filter``); a stderr of ``"N/A"`` becomes NaN.
    Read as a **scores** table.
per-sample logs (``--log_samples``)
    0.4.0-0.4.2: ``<model_args>_<task>.jsonl`` holding one JSON array; 0.4.3+:
    ``samples_<task>_<timestamp>.jsonl``, one JSON object per line. Read as a **records** table.

Metric names in the scores table
--------------------------------
The ``,filter`` suffix is dropped for a task whose metrics have one filter (``"acc,none"`` ->
``acc``). A task with several filters (e.g. gsm8k's ``strict-match`` and ``flexible-extract``) keeps
``metric,filter`` names (``"exact_match,strict-match"``), unless :attr:`ReadOptions.filter` names
one of them: then only that filter's metrics are kept, without the suffix, as for the samples.

Records from the samples
------------------------
One row per document (``doc_id`` -> ``example``). A document logged under several filters (one line
per document and filter) keeps :attr:`ReadOptions.filter`, or else the first filter of the file, with
an :class:`~emergence.errors.EmergenceWarning` naming the one kept.

- multiple choice (several log-likelihood requests per document): ``choice_logprobs`` (each
  choice's log-likelihood) and ``gold`` (the target index; a target given as the choice's text is
  looked up among the continuations), ``chance`` = 1/k when every document has k choices;
- log-likelihood with one request (lambada style): ``target``, ``target_logprob`` and ``correct``
  (whether the target is the greedy continuation). lm-eval does not log the number of target tokens:
  ``target_tokens`` is present (the records schema pairs it with ``target_logprob``) but empty, so the
  per-token metrics do not apply;
- rolling log-likelihood (perplexity tasks): ``target_logprob`` of the whole document, ``target_tokens``
  empty as above;
- generation (``generate_until``): ``prediction`` (the first filtered response), ``target`` (the first
  one when the log gives a list), and ``correct`` from the per-sample ``exact_match`` when every
  document has a 0/1 value.

Model and scale
---------------
The model is the ``pretrained=`` (else ``model=``/``engine=``) value of ``config.model_args``, else
``model_name``. A samples file takes it from the results JSON of the same run beside it (same
timestamp), else from its file name (0.4.0-0.4.2 names start with the model arguments) or its folder
(0.4.3+ writes into ``<org>__<model>/``), else from :attr:`ReadOptions.sizes` when that names one model.
The parameter count is the one :attr:`ReadOptions.sizes` gives for the model (``--sizes``: it wins,
as ``model_num_parameters`` counts embeddings too), else ``config.model_num_parameters`` when the
results JSON has it, else :func:`emergence.scale.known_params`, else a size in the name
(:func:`~emergence.scale.params_from_name`). A
``revision=step<N>`` model argument (or ``subfolder=step<N>``, or a ``pretrained`` path ending in
``step<N>``) gives the ``step`` column.
The family is the model name without its organisation and size (``EleutherAI/pythia-1b`` -> ``pythia``,
``pythia-1.4b-deduped`` -> ``pythia-deduped``), ``gpt2``/``gpt3`` for those names, else ``"default"``.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.scale import known_params, params_from_name, parse_scale
from emergence.schema import MAX_PROBLEMS, validate_records, validate_scores
from emergence.sources import ReadOptions

__all__ = ["NAME", "read", "read_results", "read_samples", "sniff"]

#: Name of this format for ``--format-in``.
NAME = "lm_eval"

# "2026-11-23T00-04-50.218338", the run timestamp lm-eval >= 0.4.3 puts at the end of file names
_TIMESTAMP_RE = re.compile(r"_(\d{4}-\d{2}-\d{2}T\d{2}[-:]\d{2}[-:]\d{2}(?:\.\d+)?)$")
# keys of a results entry that are not metrics
_NOT_METRICS = frozenset({"alias", "name", "sample_len", "samples", " ", ""})
# keys only an lm-eval results JSON has (besides "results")
_RESULTS_MARKS = (b'"versions"', b'"n-shot"', b'"lm_eval_version"', b'"n-samples"', b'"group_subtasks"',
                  b"_stderr")
# a size in a model name: "1.4b", "70m", and BLOOM's "1b7"
_SIZE_IN_NAME = re.compile(r"(?:^|(?<=[^0-9a-z.]))[0-9]+(?:\.[0-9]+)?[kmbt][0-9]*(?![a-z0-9])", re.I)
_GPT3 = frozenset({"ada", "babbage", "curie", "davinci"})


# -- recognising the files -------------------------------------------------------------------------------


def _strip_head(head: bytes) -> bytes:
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


def _is_results(head: bytes) -> bool:
    return head[:1] == b"{" and b'"results"' in head and any(mark in head for mark in _RESULTS_MARKS)


def _is_samples(name: str, head: bytes) -> bool:
    if head[:1] not in (b"{", b"[") or b'"doc_id"' not in head:
        return False
    return (b'"resps"' in head or b'"filtered_resps"' in head or b'"arguments"' in head
            or name.startswith("samples_"))


def sniff(path: Path, head: bytes) -> bool:
    """Whether ``path`` is an lm-evaluation-harness results JSON or per-sample log.

    Parameters
    ----------
    path : Path
        The file; only its name is looked at (``.json`` or ``.jsonl``).
    head : bytes
        The file's first 64 KiB.

    Returns
    -------
    bool
        True for a JSON object with ``"results"`` and a mark of lm-eval (``"versions"``, ``"n-shot"``,
        ``*_stderr`` keys, ...), or JSON (lines) whose first record has ``"doc_id"`` and ``"resps"``.
    """
    name = path.name.lower()
    if not name.endswith((".json", ".jsonl")):
        return False
    head = _strip_head(head)
    return (name.endswith(".json") and _is_results(head)) or _is_samples(name, head)


# -- reading ---------------------------------------------------------------------------------------------


def read(path: Path, options: ReadOptions | None = None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: one validated table.

    Parameters
    ----------
    path : Path
        A results JSON or a samples log.
    options : ReadOptions, optional
        ``filter`` (which filter to keep) and ``sizes`` (model name -> parameter count).

    Returns
    -------
    list of (str, DataFrame)
        ``[("scores", table)]`` for a results JSON, ``[("records", table)]`` for a samples log.

    Raises
    ------
    SchemaError
        For a file that is not lm-eval output, cannot be parsed (naming the line), lacks ``doc_id``,
        or whose model or model size cannot be told.
    """
    path = Path(path)
    options = options or ReadOptions()
    first = _first_line(path)
    if isinstance(first, dict) and "doc_id" in first:  # JSON lines: stream them, keep what is used
        return [("records", _samples_table(path, _stream_lines(path), options))]
    data = _read_bytes(path)
    stripped = data.lstrip()
    if stripped[:1] == b"[":
        return [("records", _samples_table(path, _parse_array(path, data), options))]
    if stripped[:1] != b"{":
        raise _not_lm_eval(path, "the file does not start with a JSON object or array")
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if b'"doc_id"' not in data[:65536]:  # not a samples log: other JSON lines, or damaged JSON
            try:
                first = orjson.loads(data.lstrip().split(b"\n", 1)[0])
            except orjson.JSONDecodeError:
                first = None
            if isinstance(first, dict):
                keys = ", ".join(map(str, list(first)[:8]))
                raise _not_lm_eval(path, f"JSON lines without 'doc_id'; the first has keys: {keys}") from None
            raise SchemaError(
                f"{path}: line {error.lineno}: not valid JSON ({error.msg}); the file may be truncated; "
                "re-export it from lm-evaluation-harness"
            ) from None
        return [("records", _samples_table(path, _parse_lines(path, data), options))]
    if isinstance(whole, dict) and isinstance(whole.get("results"), dict):
        return [("scores", _results_table(path, whole, options))]
    if isinstance(whole, dict) and "doc_id" in whole:  # a samples log of one line
        return [("records", _samples_table(path, ([whole], ["line 1"]), options))]
    keys = ", ".join(map(str, list(whole)[:8])) if isinstance(whole, dict) else type(whole).__name__
    raise _not_lm_eval(path, f"found a JSON object with keys: {keys}")


def read_results(path: str | Path, options: ReadOptions | None = None) -> pd.DataFrame:
    """Read an lm-eval results JSON as a validated scores table.

    Parameters
    ----------
    path : str or Path
        ``results.json`` or ``results_<timestamp>.json``.
    options : ReadOptions, optional

    Returns
    -------
    DataFrame
        Columns ``family, model, params, [step,] task, metric, value, stderr, n, kind,
        higher_is_better``: one row per (task, metric) of ``"results"``; ``n`` from ``"n-samples"``
        (else ``sample_len``), ``higher_is_better`` from the file where it says.
    """
    [(shape, table)] = read(Path(path), options)
    if shape != "scores":
        raise SchemaError(f"{path}: this is an lm-eval samples log, not a results JSON; use read_samples")
    return table


def read_samples(path: str | Path, options: ReadOptions | None = None) -> pd.DataFrame:
    """Read an lm-eval per-sample log as a validated records table.

    Parameters
    ----------
    path : str or Path
        ``samples_<task>_<timestamp>.jsonl`` (0.4.3+) or ``<model_args>_<task>.jsonl`` (0.4.0-0.4.2).
    options : ReadOptions, optional

    Returns
    -------
    DataFrame
        Columns ``family, model, params, [step,] task, example`` and, by request type,
        ``choice_logprobs, gold, chance`` (multiple choice), ``target, target_logprob, target_tokens
        (empty), correct`` (one log-likelihood request), ``target_logprob, target_tokens (empty)``
        (rolling log-likelihood), or ``target, prediction[, correct]`` (generation); see the module
        documentation.
    """
    [(shape, table)] = read(Path(path), options)
    if shape != "records":
        raise SchemaError(f"{path}: this is an lm-eval results JSON, not a samples log; use read_results")
    return table


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SchemaError(f"{path}: cannot read the file: {error}") from None
    data = data.removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        raise SchemaError(f"{path}: the file is empty; expected lm-evaluation-harness output")
    return data


def _not_lm_eval(path: Path, found: str) -> SchemaError:
    return SchemaError(
        f"{path}: not lm-evaluation-harness output ({found}); lm_eval reads a results JSON (an object "
        "with 'results' and 'config') or a samples log written by --log_samples (JSON lines with "
        "'doc_id' and 'resps')"
    )


#: The fields of a sample that the records are made from; the document and prompts (most of a log's
#: bytes) are dropped as each line is read, so memory follows the records, not the file.
_SAMPLE_FIELDS = ("doc_id", "filter", "target", "resps", "filtered_resps", "exact_match")


def _slim(item: Any) -> Any:
    """A sample reduced to :data:`_SAMPLE_FIELDS` and the continuation of each request."""
    if not isinstance(item, dict):
        return item
    out = {key: item[key] for key in _SAMPLE_FIELDS if key in item}
    if "filtered_resps" in out:
        out.pop("resps", None)  # _responses reads the filtered ones when they are there
    responses = _responses(out)
    target = out.get("target")
    if (responses and all(_pair(r) is not None for r in responses)
            and (isinstance(target, int) or (isinstance(target, str) and target.strip().isdigit()))):
        # log-likelihood requests with an index target: the continuations are not needed
        out["filtered_resps"] = [_pair(r) for r in responses]
        out.pop("resps", None)
        out["arguments"] = {}
        return out
    arguments = item.get("arguments")
    if isinstance(arguments, dict):
        out["arguments"] = {key: {"arg_1": a["arg_1"]} if isinstance(a, dict) and "arg_1" in a else {}
                            for key, a in arguments.items()}
    elif isinstance(arguments, list):
        out["arguments"] = [[None, a[1]] if isinstance(a, list) and len(a) > 1 else [None]
                            for a in arguments]
    return out


def _first_line(path: Path) -> Any:
    """The first line of a file parsed as JSON, or None (empty, unreadable, or not one JSON value)."""
    try:
        with open(path, "rb") as handle:
            line = handle.readline().removeprefix(b"\xef\xbb\xbf")
        return orjson.loads(line) if line.strip() else None
    except (OSError, orjson.JSONDecodeError):
        return None


def _stream_lines(path: Path) -> tuple[list, list[str]]:
    """A JSON-lines samples log read line by line, each sample slimmed as it is parsed."""
    items, locs, problems = [], [], []
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line.strip():
                continue
            try:
                items.append(_slim(orjson.loads(line)))
                locs.append(f"line {number}")
            except orjson.JSONDecodeError as error:
                cut = "" if line.rstrip().endswith(b"}") else " (the line looks truncated)"
                problems.append(f"{path}: line {number}: not valid JSON: {error.msg}{cut}")
    _raise(problems)
    return items, locs


def _parse_array(path: Path, data: bytes) -> tuple[list, list[str]]:
    """A 0.4.0-0.4.2 samples file: one JSON array of sample objects."""
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise SchemaError(
            f"{path}: line {error.lineno}: not valid JSON ({error.msg}); the file may be truncated"
        ) from None
    if not isinstance(items, list):
        raise _not_lm_eval(path, f"a JSON {type(items).__name__}")
    return items, [f"item {k + 1} of the JSON array" for k in range(len(items))]


def _parse_lines(path: Path, data: bytes) -> tuple[list, list[str]]:
    """JSON lines, parsed in one orjson call; line by line only to name the lines that fail."""
    lines = data.split(b"\n")
    numbered = [(k + 1, line) for k, line in enumerate(lines) if line.strip()]
    try:
        items = orjson.loads(b"[" + b",".join(line for _, line in numbered) + b"]")
        if len(items) != len(numbered):  # a line holding two values, '{...},{...}'
            raise ValueError
    except (orjson.JSONDecodeError, ValueError):
        items = []
        problems = []
        for number, line in numbered:
            try:
                items.append(orjson.loads(line))
            except orjson.JSONDecodeError as error:
                cut = "" if line.rstrip().endswith(b"}") else " (the line looks truncated)"
                problems.append(f"{path}: line {number}: not valid JSON: {error.msg}{cut}")
        _raise(problems)
    return items, [f"line {number}" for number, _ in numbered]


def _raise(problems: list[str]) -> None:
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise SchemaError(problems[:MAX_PROBLEMS] + ([f"... and {more} more problems"] if more > 0 else []))


# -- model identity --------------------------------------------------------------------------------------


def _parse_model_args(args: Any) -> dict[str, str]:
    """``"pretrained=EleutherAI/pythia-70m,revision=step1000"`` (or a dict) -> dict."""
    if isinstance(args, dict):
        return {str(k): str(v) for k, v in args.items() if v is not None}
    if not isinstance(args, str):
        return {}
    parsed = {}
    for part in args.split(","):
        key, sep, value = part.partition("=")
        if sep:
            parsed[key.strip()] = value.strip()
    return parsed


def _model_of_results(data: dict) -> tuple[str | None, float | None, int | None]:
    """(model name, parameter count, step) that a results JSON states; None where it does not."""
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    args = _parse_model_args(config.get("model_args"))
    name = next((args[k] for k in ("pretrained", "model", "engine", "path") if args.get(k)), None)
    name = name or config.get("model_name") or data.get("model_name") or None
    params = config.get("model_num_parameters")
    if isinstance(params, bool) or not isinstance(params, int | float) or not params > 0:
        params = None
    return (str(name) if name else None), params, _step_of(args)


def _step_of(args: dict[str, str]) -> int | None:
    """The checkpoint step a model's arguments name: ``revision=step<N>`` (Pythia's branches on the
    Hub), else ``subfolder=step<N>`` or a ``pretrained`` path ending in ``step<N>`` (local
    checkpoints)."""
    candidates = [args.get("revision", "")]
    candidates += [args.get(key, "").rstrip("/").rsplit("/", 1)[-1] for key in ("subfolder", "pretrained")]
    for value in candidates:
        match = re.fullmatch(r"step(\d+)", value)
        if match:
            return int(match.group(1))
    return None


def family_of(model: str) -> str:
    """The family of a model, from its name: without organisation and size, lower case.

    Examples
    --------
    >>> family_of("EleutherAI/pythia-1b")
    'pythia'
    >>> family_of("EleutherAI/pythia-1.4b-deduped")
    'pythia-deduped'
    >>> family_of("gpt2-medium"), family_of("davinci"), family_of("tiny-neox")
    ('gpt2', 'gpt3', 'default')
    """
    base = str(model).strip().rstrip("/").rsplit("/", 1)[-1].lower()
    if re.fullmatch(r"gpt2(-(medium|large|xl))?", base):
        return "gpt2"
    if base in _GPT3:
        return "gpt3"
    sizes = list(_SIZE_IN_NAME.finditer(base))
    if not sizes:
        return "default"
    last = sizes[-1]
    rest = base[: last.start()].rstrip("-_.") + base[last.end():]
    rest = re.sub(r"([-_.])[-_.]+", r"\1", rest).strip("-_.")
    return rest or "default"


def _params(name: str, stated: float | None, options: ReadOptions, path: Path) -> float:
    """The parameter count: given in options.sizes, else stated in the file, known, or in the name.

    A size the user gives wins over the file's ``model_num_parameters``, which counts every weight
    (embeddings included) where a study may want non-embedding parameters.
    """
    base = name.rstrip("/").rsplit("/", 1)[-1]
    given = next((options.sizes[k] for k in (name, base) if k in options.sizes), None)
    if given is not None:
        try:
            return parse_scale(given)
        except ValueError as error:
            raise SchemaError(f"{path}: the size given for model {name!r} in sizes: {error}") from None
    for found in (stated, known_params(name), params_from_name(name)):
        if found is not None:
            return float(found)
    raise SchemaError(
        f"{path}: the size of model {name!r} is not known: the file has no model_num_parameters, the "
        f"name holds no size like '1.4b' and it is not a known model; give it with --sizes FILE (a CSV "
        f"'model,params') or ReadOptions(sizes={{{name!r}: 1.3e9}})"
    )


def _identity(path: Path, name: str, stated: float | None, step: int | None,
              options: ReadOptions) -> dict[str, Any]:
    identity: dict[str, Any] = {"family": family_of(name), "model": name,
                                "params": _params(name, stated, options, path)}
    if step is not None:
        identity["step"] = step
    return identity


# -- results JSON -> scores ------------------------------------------------------------------------------


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
                "or ReadOptions(sizes={'<model>': 1.3e9})"
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
            rows.append({
                **identity, "task": str(task),
                "metric": metric if len(keep) == 1 or not filter_name else f"{metric},{filter_name}",
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


# -- samples -> records ----------------------------------------------------------------------------------


def _task_and_model(path: Path, options: ReadOptions) -> tuple[str, dict[str, Any]]:
    """The task a samples file holds and its model's identity (family, model, params, step)."""
    stem = path.name.removesuffix(".jsonl").removesuffix(".json")
    timestamp = _TIMESTAMP_RE.search(stem)
    core = stem[: timestamp.start()] if timestamp else stem
    results = _sibling_results(path, timestamp.group(1) if timestamp else None)
    tasks = []
    if results is not None:
        configs = results.get("configs") if isinstance(results.get("configs"), dict) else {}
        tasks = [str(t) for t in (*configs, *results["results"])]
    if core.startswith("samples_"):
        task, prefix = core.removeprefix("samples_"), None
    else:  # 0.4.0-0.4.2: "<model_args with / as __>_<task>"
        task, prefix = _split_old_name(core, tasks)
    name = stated = step = None
    if results is not None:
        name, stated, step = _model_of_results(results)
    if name is None and prefix:
        args = _parse_model_args(prefix.replace("__", "/"))
        name = next((args[k] for k in ("pretrained", "model", "engine") if args.get(k)), None)
        step = _step_of(args)
    if name is None and "__" in path.parent.name:  # 0.4.3+ writes into <model_name_sanitized>/
        name = path.parent.name.replace("__", "/")
    if name is None and len(options.sizes) == 1:
        name = str(next(iter(options.sizes)))
    if name is None:
        raise SchemaError(
            f"{path}: cannot tell which model wrote this samples log: there is no results JSON of the same "
            "run beside it (results_<timestamp>.json) and the file name does not say; keep the results "
            "file next to it, or name the model and its size with --sizes FILE (a CSV 'model,params') "
            "or ReadOptions(sizes=...)"
        )
    return task, _identity(path, name, stated, step, options)


def _sibling_results(path: Path, timestamp: str | None) -> dict | None:
    """The results JSON of the same run: same timestamp, or the one results*.json of the folder."""
    if timestamp:
        candidates = [path.with_name(f"results_{timestamp}.json")]
    else:
        candidates = sorted(path.parent.glob("results*.json"))
    found = []
    for candidate in candidates:
        try:
            data = orjson.loads(candidate.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("results"), dict):
            found.append(data)
    return found[0] if len(found) == 1 else None


def _split_old_name(core: str, tasks: list[str]) -> tuple[str, str | None]:
    """Split a 0.4.0-0.4.2 samples name ``<model_args>_<task>`` into (task, model_args)."""
    for task in sorted(tasks, key=len, reverse=True):
        if core.endswith("_" + task):
            return task, core[: -len(task) - 1]
    if "=" not in core:
        return core, None
    # without the results file: the last argument's value ("EleutherAI__pythia-70m" or "float32") ends
    # at the first "_" after its organisation ("/" was written as "__")
    head, _, last = core.rpartition("=")
    org, rest = "", last
    if "__" in last:
        org, _, rest = last.partition("__")
        org += "__"
    value, sep, task = rest.partition("_")
    if not (sep and task):
        return core, None
    return task, f"{head}={org}{value}"


def _responses(item: dict) -> list:
    """The filtered responses of a sample, one per request."""
    if "filtered_resps" in item:
        responses = item["filtered_resps"]
    else:
        responses = [r[0] if isinstance(r, list) and r else r for r in item.get("resps") or []]
    return responses if isinstance(responses, list) else [responses]


def _continuations(item: dict) -> list:
    """The second argument of each request (continuation text, or generation settings)."""
    arguments = item.get("arguments")
    if isinstance(arguments, dict):  # 0.4.3+: {"gen_args_0": {"arg_0": ..., "arg_1": ...}}
        arguments = [a.get("arg_1") if isinstance(a, dict) else None for a in arguments.values()]
        return arguments
    if isinstance(arguments, list):  # 0.4.0-0.4.2: [[context, continuation], ...]
        return [a[1] if isinstance(a, list) and len(a) > 1 else None for a in arguments]
    return []


_TRUE = {"true": True, "false": False}
_FAMILY_OF_KIND = {"choice": "loglikelihood", "loglikelihood": "loglikelihood", "rolling": "rolling",
                   "generate": "generate"}
_KIND_WORDS = {"choice": "[log-likelihood, is_greedy] pairs", "loglikelihood": "[log-likelihood, is_greedy] "
               "pairs", "rolling": "rolling log-likelihoods", "generate": "generated text"}


def _pair(value: Any) -> tuple[float, bool] | None:
    """A log-likelihood response ``[logprob, is_greedy]`` (strings since 0.4.3) as (float, bool)."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    logprob, greedy = value
    if isinstance(greedy, str):
        greedy = _TRUE.get(greedy.strip().lower())
    if not isinstance(greedy, bool):
        return None
    try:
        return float(logprob), greedy
    except (TypeError, ValueError):
        return None


def _kind_of(item: dict) -> str:
    responses = _responses(item)
    if responses and all(_pair(r) is not None for r in responses):
        return "choice" if len(responses) > 1 else "loglikelihood"
    arguments = item.get("arguments")
    if isinstance(arguments, dict):  # rolling requests have a context only: no "arg_1"
        single = all(isinstance(a, dict) and "arg_1" not in a for a in arguments.values())
    else:
        single = isinstance(arguments, list) and all(isinstance(a, list) and len(a) == 1 for a in arguments)
    return "rolling" if single and arguments else "generate"


def _gold(item: dict, loc: str) -> tuple[Any, str | None]:
    target = item.get("target")
    if isinstance(target, bool):
        return None, f"'target' {target!r} is not a choice index"
    if isinstance(target, int):
        return target, None
    if isinstance(target, list) and target and all(isinstance(t, int) and not isinstance(t, bool)
                                                   for t in target):
        return (target if len(target) > 1 else target[0]), None
    if isinstance(target, str):
        choices = [c.strip() if isinstance(c, str) else c for c in _continuations(item)]
        if re.fullmatch(r"\s*\d+\s*", target) and int(target) < max(len(choices), len(_responses(item))):
            return int(target), None  # the index, as lm-eval >= 0.4.3 logs it ("1")
        if target.strip() in choices:  # the text of the gold choice
            return choices.index(target.strip()), None
    return None, f"'target' {target!r} is neither a choice index nor the text of one of the choices"


def _text(value: Any) -> str | None:
    while isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _samples_table(path: Path, parsed: tuple[list, list[str]], options: ReadOptions) -> pd.DataFrame:
    items, locs = parsed
    problems = []
    for item, loc in zip(items, locs, strict=True):
        if not isinstance(item, dict):
            problems.append(f"{path}: {loc}: expected a JSON object (one sample), got {type(item).__name__}")
        elif "doc_id" not in item:
            problems.append(
                f"{path}: {loc}: no 'doc_id'; every sample of an lm-eval log names its document "
                "(is this a log written by lm_eval --log_samples?)"
            )
    _raise(problems)
    if not items:
        raise SchemaError(f"{path}: the samples log holds no samples")
    kept = _keep_filter(path, items, locs, options)
    task, identity = _task_and_model(path, options)
    kinds = [_kind_of(item) for item, _ in kept]
    kind = "choice" if "choice" in kinds else max(set(kinds), key=kinds.count)
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    for (item, loc), item_kind in zip(kept, kinds, strict=True):
        row: dict[str, Any] = {"example": _text(item["doc_id"])}
        if _FAMILY_OF_KIND[item_kind] != _FAMILY_OF_KIND[kind]:
            problems.append(
                f"{path}: {loc}: the responses {_responses(item)!r:.80} are not of the kind of the other "
                f"samples of this log ({_KIND_WORDS[kind]})"
            )
            continue
        if kind in ("choice", "loglikelihood"):
            pairs = [_pair(r) for r in _responses(item)]
            if kind == "choice":
                gold, problem = _gold(item, loc)
                if problem:
                    problems.append(f"{path}: {loc}: {problem}")
                    continue
                row["choice_logprobs"] = [p[0] for p in pairs]
                row["gold"] = gold
            else:
                row["target"] = _text(item.get("target"))
                row["target_logprob"] = pairs[0][0]
                row["correct"] = float(pairs[0][1])
                row["target_tokens"] = None
        elif kind == "rolling":
            try:
                row["target_logprob"] = float(_text(_responses(item)) or "nan")
            except ValueError:
                problems.append(
                    f"{path}: {loc}: the response {_responses(item)!r:.60} is not a log-likelihood"
                )
                continue
            row["target_tokens"] = None
        else:
            row["target"] = _text(item.get("target"))
            row["prediction"] = _text(_responses(item))
            row["exact_match"] = item.get("exact_match")
        rows.append(row)
        lines.append(loc)
    _raise(problems)
    table = pd.DataFrame(rows)
    if "exact_match" in table:
        correct = table.pop("exact_match")
        if correct.map(lambda v: not isinstance(v, bool) and v in (0, 1)).all():
            table["correct"] = correct.astype(float)
            table = _targets_or_correct(path, table)
    if kind == "choice":
        sizes = table["choice_logprobs"].map(len)
        if sizes.nunique() == 1 and sizes.iloc[0] >= 2:
            table["chance"] = 1.0 / sizes.iloc[0]
    for column, value in reversed(list(identity.items()) + [("task", task)]):
        table.insert(0, column, value)
    table = table[[*identity, "task", *[c for c in table if c not in identity and c != "task"]]]
    locate: Callable[[int], str] = lambda i: lines[i]  # noqa: E731  (row -> line of the file)
    return validate_records(table, source=str(path), locate=locate)


def _targets_or_correct(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    """Keep a generation log's target text only where it is the answer lm-eval compared against.

    lm-eval scores generations after task-specific processing of the target (gsm8k keeps what follows
    '#### ' of a worked solution); the log keeps the raw target. When comparing the stripped
    prediction with the raw target disagrees with the log's own exact_match, rescoring text would give
    silently wrong numbers: the text columns are dropped, with a warning, and exact_match comes from
    the log's scores.
    """
    if "target" not in table or "prediction" not in table:
        return table
    ours = [(p or "").strip() == (t or "").strip() for p, t in zip(table["prediction"], table["target"],
                                                                  strict=True)]
    disagree = int(np.sum(np.array(ours, dtype=float) != table["correct"].to_numpy()))
    if not disagree:
        return table
    warnings.warn(
        f"{path}: for {disagree} of {len(table)} samples the raw target and the prediction compare "
        "differently from lm-eval's own exact_match (the task processes its targets, e.g. gsm8k's "
        "'#### answer'); exact_match is taken from the log and token_edit_distance is not computed",
        EmergenceWarning, stacklevel=2,
    )
    return table.drop(columns=["target", "prediction"])


def _keep_filter(path: Path, items: list[dict], locs: list[str], options: ReadOptions
                 ) -> list[tuple[dict, str]]:
    """The samples of one filter: options.filter if the log has it, else the first one seen."""
    filters = list(dict.fromkeys(str(item.get("filter", "none")) for item in items))
    if len(filters) == 1:
        chosen = filters[0]
    elif options.filter is not None:
        if options.filter not in filters:
            raise SchemaError(
                f"{path}: filter {options.filter!r} is not in this log; its filters are "
                f"{', '.join(map(repr, filters))}; choose one of them (--filter)"
            )
        chosen = options.filter
    else:
        chosen = filters[0]
        warnings.warn(
            f"{path}: the documents are logged under several filters ({', '.join(filters)}); kept "
            f"{chosen!r}, the first; choose another with --filter (ReadOptions(filter=...))",
            EmergenceWarning, stacklevel=4,
        )
    return [(item, loc) for item, loc in zip(items, locs, strict=True)
            if str(item.get("filter", "none")) == chosen]
