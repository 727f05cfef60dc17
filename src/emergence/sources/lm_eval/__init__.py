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
``pythia-1.4b-deduped`` -> ``pythia-deduped``), ``gpt2``/``gpt3`` for those names, else ``"default"``:
the one rule of every log format, :func:`emergence.sources.family.family_of`.

The format is a package by concern: :mod:`.parsing` (bytes and lines to JSON values),
:mod:`.identity` (model, size, step, family and task), :mod:`.results` (results JSON -> scores),
:mod:`.responses` (one sample's requests, responses and target) and :mod:`.samples` (samples ->
records, one at a time). A well-formed JSON-lines log, the large kind, is read as columns instead:
:mod:`.scan` (the fields used, by pyarrow's JSON reader) and :mod:`.columnar` (the records' columns
made with arrays); whatever is unusual in it is left to the per-sample reader, whose table and
messages the columnar one gives exactly. Every public name is importable from
``emergence.sources.lm_eval``.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import SchemaError
from emergence.memory import paused_gc
from emergence.sources import ReadOptions
from emergence.sources.family import family_of
from emergence.sources.limits import limits_of
from emergence.sources.lm_eval.columnar import _samples_columns
from emergence.sources.lm_eval.parsing import (
    _first_line,
    _not_lm_eval,
    _parse_array,
    _parse_lines,
    _read_bytes,
    _stream_lines,
)
from emergence.sources.lm_eval.results import _results_table
from emergence.sources.lm_eval.samples import _columnar_table, _samples_table

__all__ = ["NAME", "family_of", "read", "read_results", "read_samples", "sniff"]

#: Name of this format for ``--format-in``.
NAME = "lm_eval"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "lm-evaluation-harness results JSON (scores) and per-sample logs (records), 0.3 and 0.4"
EXAMPLE = "python -m emergence analyze results/ --filter strict-match   # results_*.json and samples_*.jsonl"

# keys only an lm-eval results JSON has (besides "results")
_RESULTS_MARKS = (b'"versions"', b'"n-shot"', b'"lm_eval_version"', b'"n-samples"', b'"group_subtasks"',
                  b"_stderr")


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
    limits = limits_of(options)
    first = _first_line(path, limits)
    if isinstance(first, dict) and "doc_id" in first:  # JSON lines: as columns, else one line at a time
        # making a million lists (the choices' log-likelihoods) and validating them, the collector
        # walked every object made so far again and again (a third of the time); none holds a cycle
        with paused_gc():
            columns = _samples_columns(path, first, limits)
            if columns is not None:
                return [("records", _columnar_table(path, columns, options))]
        return [("records", _samples_table(path, _stream_lines(path, limits), options))]
    data = _read_bytes(path, limits)
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
