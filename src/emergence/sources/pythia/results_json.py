"""The raw lm-eval 0.3 results JSON of EleutherAI/pythia ``evals/``: one file per model and checkpoint."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.scale import add_compute, params_from_name
from emergence.schema import validate_scores
from emergence.sources.limits import Limits, read_bytes
from emergence.sources.pythia.families import (
    BATCH_TOKENS,
    BF16_NOTE,
    EVAL_GROUPS,
    MAX_SHOTS,
    PYTHIA_PARAMS,
    V0_LARGE_BATCH,
    family_name,
    parse_pythia_name,
    shots_of,
)

_PRETRAINED_RE = re.compile(rb"pretrained=[^\",]*pythia", re.IGNORECASE)
_V0_NAME_RE = re.compile(
    r"pythia-(?P<size>\d+(?:\.\d+)?[mb])(?P<deduped>-deduped)?-(?P<shot>\d+)shot-global_step(?P<step>\d+)",
    re.IGNORECASE,
)
_STEP_RE = re.compile(r"step(\d+)", re.IGNORECASE)
# lm-eval 0.4 results carry these top-level keys; 0.3-era files (this format) do not
_LM_EVAL_04_KEYS = (b'"n-shot"', b'"configs"', b'"lm_eval_version"', b'"higher_is_better"')


def is_pythia_json(path: Path, head: bytes) -> bool:
    """Whether ``path`` (whose first bytes are ``head``) is a 0.3-era lm-eval results JSON of a Pythia
    model: ``"results"`` and a ``pretrained=...pythia...`` model argument (or a v0 file name), and none
    of the keys of lm-eval 0.4."""
    if not path.name.lower().endswith(".json") or b'"results"' not in head:
        return False
    if any(key in head for key in _LM_EVAL_04_KEYS):
        return False
    if _V0_NAME_RE.search(path.name):
        return True
    if b'"config"' in head and _PRETRAINED_RE.search(head):
        return True
    # the config comes last in these files: look at the end of a file longer than its head
    try:
        size = path.stat().st_size
        if size <= len(head):
            return False
        with open(path, "rb") as handle:
            handle.seek(max(0, size - 65536))
            tail = handle.read()
    except OSError:
        return False
    return b'"config"' in tail and bool(_PRETRAINED_RE.search(tail)) and not any(
        key in tail for key in _LM_EVAL_04_KEYS
    )


def _model_args(config: dict) -> dict:
    args = config.get("model_args")
    if isinstance(args, dict):
        return {str(k): str(v) for k, v in args.items()}
    if not isinstance(args, str):
        return {}
    pairs = (part.split("=", 1) for part in args.split(",") if "=" in part)
    return {k.strip(): v.strip() for k, v in pairs}


def read_pythia_json(path: str | Path, *, limits: Limits | None = None) -> pd.DataFrame:
    """Read one 0.3-era lm-eval results JSON of EleutherAI/pythia ``evals/`` into a scores table.

    The model comes from ``config.model_args`` (``pretrained=EleutherAI/pythia-v1.1-1.4b``), the step
    from ``revision=step3000`` or the file name (``1.4b_step3000.json``,
    ``pythia-70m-0shot-global_step33000_eval_results_....json`` for v0, whose configs say neither), the
    number of shots from ``config.num_fewshot`` (v0: the file name), the eval group from the parent
    folder (``zero-shot``, ``five-shot``, ``baseline``, ``intervention``). Parameters are the Pythia
    totals (:data:`PYTHIA_PARAMS`), tokens ``step`` times the batch (:data:`BATCH_TOKENS`).

    Parameters
    ----------
    path : str or Path
    limits : Limits, optional
        The most bytes the file may hold (default :class:`~emergence.sources.limits.Limits`).

    Returns
    -------
    DataFrame
        The columns of :func:`read_pythia_csv`, one row per task and metric of the file.

    Raises
    ------
    SchemaError
        If the file is not JSON, has no ``results``, or does not say which Pythia model it holds.
    """
    path = Path(path)
    try:
        document = orjson.loads(read_bytes(path, limits, lines=False))
    except orjson.JSONDecodeError as error:
        raise SchemaError(f"{path}: not valid JSON ({error}); is the file complete?") from None
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, dict) or not results:
        raise SchemaError(f"{path}: no \"results\" object with tasks; not an lm-eval results JSON")
    config = document.get("config") if isinstance(document.get("config"), dict) else {}
    args = _model_args(config)
    named = _V0_NAME_RE.search(path.name)
    info = parse_pythia_name(args.get("pretrained", ""))
    if info is None and named:
        info = parse_pythia_name(
            f"pythia-{named.group('size')}{named.group('deduped') or ''}-v0"
        )
    if info is None:
        raise SchemaError(
            f"{path}: cannot tell which Pythia model this is: config.model_args has no "
            f"pretrained=EleutherAI/pythia-<size>... (found {config.get('model_args')!r}) and the file "
            "name is not like pythia-70m-0shot-global_step33000_eval_results_<date>.json; read other "
            "lm-eval results with --format-in lm_eval"
        )
    step_match = _STEP_RE.search(args.get("revision", "")) or _STEP_RE.search(path.name)
    if step_match is None:
        raise SchemaError(
            f"{path}: cannot tell the training step: no revision=step<N> in config.model_args and no "
            "step<N> in the file name; rename the file like 1.4b_step3000.json"
        )
    step = int(step_match.group(1))
    if named and info["suite"] == "pythia-v0":
        shots = int(named.group("shot"))
    else:
        given = config.get("num_fewshot")
        shots = 0 if given is None else shots_of(given)
        if shots is None:
            raise SchemaError(
                f"{path}: config.num_fewshot is {given!r:.60}; it must be a whole number of shots from 0 "
                f"to {MAX_SHOTS} (the Pythia evals use 0 and 5); correct it in the file"
            )
    group = path.parent.name if path.parent.name in EVAL_GROUPS else (
        "five-shot" if shots == 5 else "zero-shot"
    )
    if info["variant"].startswith("intervention"):
        group = "intervention"
    if info["suite"] == "pythia-v0":
        batch = 4_194_304 if info["size"] in V0_LARGE_BATCH else 2_097_152
    else:
        batch = BATCH_TOKENS.get(info["variant"], BATCH_TOKENS["standard"])
    params = PYTHIA_PARAMS.get(info["size"]) or params_from_name(info["model"])

    rows = []
    for task, metrics in results.items():
        if not isinstance(metrics, dict):
            continue
        for metric, value in metrics.items():
            if metric.endswith("_stderr"):
                continue
            if "," in metric:
                raise SchemaError(
                    f"{path}: task {task!r}: metric {metric!r} is lm-eval 0.4 style (metric,filter); "
                    "read this file with --format-in lm_eval"
                )
            stderr = metrics.get(f"{metric}_stderr")
            rows.append((task, metric, value, stderr))
    if not rows:
        raise SchemaError(f"{path}: \"results\" holds no metric values")
    table = pd.DataFrame(rows, columns=["task", "metric", "value", "stderr"])
    table.insert(0, "family", family_name(info["suite"], info["deduped"], info["variant"], group, shots))
    if info["variant"] == "bf16" and info["suite"] == "pythia-v1" and not info["deduped"]:
        warnings.warn(f"{path}: {BF16_NOTE}", EmergenceWarning, stacklevel=4)
    table.insert(1, "model", info["model"])
    table.insert(2, "step", step)
    table.insert(3, "params", float(params))
    table.insert(4, "tokens", float(step * batch) if step > 0 else np.nan)
    table["stderr"] = pd.to_numeric(table["stderr"], errors="coerce")
    table["value"] = table["value"].map(lambda v: v if isinstance(v, int | float) else np.nan)
    return validate_scores(add_compute(table), source=str(path),
                           locate=lambda i: f"results[{table['task'].iloc[i]!r}]")
