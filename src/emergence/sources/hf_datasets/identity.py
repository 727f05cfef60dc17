"""The model of details rows, its size, and the task: from arguments, columns, or file and folder names."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from emergence.errors import SchemaError
from emergence.scale import params_from_name, parse_scale

_TIME_RE = re.compile(r"_\d{4}-\d{2}-\d{2}T[0-9:.\-]+$")
_SHARD_RE = re.compile(r"^data-\d+-of-\d+$")


def _model_from_names(names: list[str]) -> str | None:
    """``ORG/NAME`` from the first name like ``details_ORG__NAME``, ``ORG__NAME-details`` or ``ORG__NAME``."""
    for name in names:
        match = re.match(r"^(?:details_)?([^_|]+(?:_[^_|]+)*)__(.+?)(?:-details)?$", name)
        if match and "|" not in name:
            return f"{match.group(1)}/{match.group(2)}"
    return None


def _model_from_details_tree(path: Path) -> str | None:
    """The model of current lighteval's tree: ``details/<org>/<model>/<date>/details_*.parquet`` ->
    ``org/model`` (``details/<model>/<date>/...`` -> ``model``)."""
    parts = path.parts
    for k in range(len(parts) - 3, -1, -1):
        if parts[k] == "details" and len(parts) - k in (4, 5):  # details / model(s) / date / file
            return "/".join(parts[k + 1: -2])
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
        found = _model_from_details_tree(path)
        if found is not None:
            return found
        text = str(path)
        named = sorted((name for name in sizes if str(name) in text), key=len, reverse=True)
        if named:
            return str(named[0])
    raise SchemaError(
        f"{source}: cannot tell which model the rows are from: add a 'model_name' column, keep the "
        "leaderboard's folder name (details_ORG__NAME) or lighteval's tree (details/<model>/<date>/), "
        "or put the model's name in the file name and give its size with --sizes FILE or "
        "ReadOptions.sizes"
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
    -> (``"arc:challenge"``, 25), current lighteval's ``details_gsm8k|5_<time>.parquet`` ->
    (``"gsm8k"``, 5); ``samples_leaderboard_bbh_navigate_<time>.jsonl`` ->
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
        if len(parts) == 2 and parts[1].isdigit():  # current lighteval: "<task>|<shots>"
            return parts[0] or None, int(parts[1])
        shots = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        return parts[1] or None, shots
    return stem or None, None


def _task_from_config(config: str) -> str:
    """Task from a leaderboard config name: ``harness_arc_challenge_25`` -> ``"arc_challenge"``,
    ``ORG__NAME__leaderboard_bbh_navigate`` -> ``"leaderboard_bbh_navigate"``."""
    name = config.rsplit("__", 1)[-1]
    match = re.match(r"^(?:harness|lighteval)_(.+?)(?:_\d+)?$", name)
    return match.group(1) if match else name
