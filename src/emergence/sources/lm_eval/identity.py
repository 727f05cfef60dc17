"""Which model, size, checkpoint step, family and task an lm-eval file holds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from emergence.errors import SchemaError
from emergence.sources import ReadOptions
from emergence.sources.family import family_of
from emergence.sources.limits import Limits, limits_of, read_bytes
from emergence.sources.sizes import model_params

# "2026-11-23T00-04-50.218338", the run timestamp lm-eval >= 0.4.3 puts at the end of file names
_TIMESTAMP_RE = re.compile(r"_(\d{4}-\d{2}-\d{2}T\d{2}[-:]\d{2}[-:]\d{2}(?:\.\d+)?)$")


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


def _identity(path: Path, name: str, stated: float | None, step: int | None,
              options: ReadOptions) -> dict[str, Any]:
    identity: dict[str, Any] = {"family": family_of(name), "model": name,
                                "params": model_params(name, path, options.sizes, stated=stated,
                                                       stated_as="model_num_parameters")}
    if step is not None:
        identity["step"] = step
    return identity


def _task_and_model(path: Path, options: ReadOptions) -> tuple[str, dict[str, Any]]:
    """The task a samples file holds and its model's identity (family, model, params, step)."""
    stem = path.name.removesuffix(".jsonl").removesuffix(".json")
    timestamp = _TIMESTAMP_RE.search(stem)
    core = stem[: timestamp.start()] if timestamp else stem
    results = _sibling_results(path, timestamp.group(1) if timestamp else None, limits_of(options))
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
            "or, in Python, ReadOptions(sizes=...)"
        )
    return task, _identity(path, name, stated, step, options)


def _sibling_results(path: Path, timestamp: str | None, limits: Limits | None = None) -> dict | None:
    """The results JSON of the same run: same timestamp, or the one results*.json of the folder."""
    if timestamp:
        candidates = [path.with_name(f"results_{timestamp}.json")]
    else:
        candidates = sorted(path.parent.glob("results*.json"))
    found = []
    for candidate in candidates:
        try:
            data = orjson.loads(read_bytes(candidate, limits, lines=False))
        except (SchemaError, orjson.JSONDecodeError):  # unreadable, damaged or over the limit
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
