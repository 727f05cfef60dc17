"""What a user adds about the models: their sizes (``--sizes``: a CSV ``model,params`` or a JSON
object) and their losses (``--loss``: a CSV ``model,loss`` or ``model,step,loss``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError, SchemaError
from emergence.scale import known_params, params_from_name, parse_scale


def read_sizes(path: str | Path) -> dict[str, float]:
    """A user's model-size mapping: a CSV with columns ``model,params`` or a JSON object.

    Sizes may be numbers or forms like ``1.3b`` (:func:`emergence.scale.parse_scale`).

    Raises
    ------
    EmergenceError
        Naming the file, the line or key, and the value that is not a size.
    """
    import orjson

    from emergence.scale import parse_scale

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark dropped, as in inputs
    except (OSError, UnicodeDecodeError) as error:
        raise EmergenceError(f"--sizes {path}: cannot read the file: {error}") from None
    if path.suffix.lower() == ".json":
        try:
            pairs = list(orjson.loads(text).items())
        except (orjson.JSONDecodeError, AttributeError):
            raise EmergenceError(f"--sizes {path}: not a JSON object like {{\"model\": \"1.3b\"}}") from None
        where = [f"key {k!r}" for k, _ in pairs]
    else:
        lines = [line for line in text.splitlines()]
        header = [c.strip() for c in lines[0].split(",")] if lines else []
        if header[:2] != ["model", "params"]:
            raise EmergenceError(f"--sizes {path}: line 1 must be the header 'model,params'; got {lines[:1]}")
        pairs, where = [], []
        for number, line in enumerate(lines[1:], 2):
            if line.strip():
                model, _, size = line.partition(",")
                pairs.append((model.strip(), size.strip()))
                where.append(f"line {number}")
    sizes = {}
    for (model, size), place in zip(pairs, where, strict=True):
        try:
            sizes[str(model)] = parse_scale(size)
        except ValueError as error:
            raise EmergenceError(f"--sizes {path}: {place}: {error}") from None
    return sizes


def model_params(name: str, path: Path | str, sizes: Mapping, *, stated: float | None = None,
                 stated_as: str | None = None) -> float:
    """The parameter count of a model a log names: given in ``sizes`` (by the full name or the part
    after the last ``/``), else the count the file states, a known model's, or a size in the name.

    A size the user gives wins over a stated one (``model_num_parameters`` counts every weight,
    embeddings included, where a study may want non-embedding parameters).

    Raises
    ------
    SchemaError
        Naming the file and the model, what was looked at (``stated_as``: the field a file of this
        format would state the size in) and how to give the size.
    """
    base = name.rstrip("/").rsplit("/", 1)[-1]
    given = next((sizes[k] for k in (name, base) if k in sizes), None)
    if given is not None:
        try:
            return parse_scale(given)
        except ValueError as error:
            raise SchemaError(f"{path}: the size given for model {name!r} in sizes: {error}") from None
    for found in (stated, known_params(name), params_from_name(name)):
        if found is not None:
            return float(found)
    looked = f"the file has no {stated_as}, " if stated_as else ""
    raise SchemaError(
        f"{path}: the size of model {name!r} is not known: {looked}the name holds no size like '1.4b' and it "
        f"is not a known model; give it with --sizes FILE (a CSV 'model,params') or, in Python, "
        f"ReadOptions(sizes={{{name!r}: 1.3e9}})"
    )


def read_losses(path: str | Path) -> pd.DataFrame:
    """A user's model losses (``--loss FILE``): a CSV ``model,loss`` or ``model,step,loss``.

    The loss is the model's pretraining or validation loss in nats per token (> 0), the x-axis of
    ``--x loss``; with a ``step`` column, one loss per checkpoint.

    Raises
    ------
    EmergenceError
        Naming the file, the line and the value that is not a loss, a header that is neither form,
        or a (model, step) given twice.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise EmergenceError(f"--loss {path}: cannot read the file: {error}") from None
    lines = text.splitlines()
    header = [c.strip() for c in lines[0].split(",")] if lines else []
    if header not in (["model", "loss"], ["model", "step", "loss"]):
        raise EmergenceError(f"--loss {path}: line 1 must be the header 'model,loss' or 'model,step,loss'; "
                             f"got {lines[:1]}")
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(header):
            raise EmergenceError(f"--loss {path}: line {number}: {line!r} has {len(cells)} cell(s); "
                                 f"the header has {len(header)}")
        try:
            loss = float(cells[-1])
            step = float(cells[1]) if len(header) == 3 else np.nan
        except ValueError:
            raise EmergenceError(f"--loss {path}: line {number}: {line!r}: not a number where "
                                 f"{', '.join(header[1:])} should be") from None
        if not (np.isfinite(loss) and loss > 0):
            raise EmergenceError(f"--loss {path}: line {number}, column 'loss': {cells[-1]} is not a finite "
                                 "number > 0; a loss is a positive number of nats per token, like 2.3")
        rows.append((cells[0], step, loss, number))
    table = pd.DataFrame(rows, columns=["model", "step", "loss", "line"])
    twice = table.duplicated(["model", "step"], keep=False)
    if twice.any():
        first = table[twice].iloc[0]
        lines = table.loc[twice & (table["model"] == first["model"]), "line"].tolist()
        raise EmergenceError(f"--loss {path}: lines {', '.join(map(str, lines[:4]))}: "
                             f"model {first['model']!r}"
                             + ("" if np.isnan(first["step"]) else f" at step {first['step']:g}")
                             + " is given more than one loss; keep one")
    table = table.drop(columns="line")
    return table if len(header) == 3 else table.drop(columns="step")


def add_losses(table: pd.DataFrame, losses: pd.DataFrame, *, check: bool = True) -> pd.DataFrame:
    """``table`` with a ``loss`` column from ``losses`` (:func:`read_losses`): by model, or by
    (model, step) when both have a step. A loss the table already has is kept where the file gives
    none; models the file does not name keep no loss (``--x loss`` leaves them out, with a warning).
    ``check``: refuse a file that names none of the table's models (:func:`check_losses`; an engine
    checks once for all its shards).
    """
    if check:
        check_losses(set(table["model"].astype(str)), losses)
    keys = ["model", "step"] if "step" in losses and "step" in table else ["model"]
    if keys == ["model"] and losses["model"].astype(str).duplicated().any():
        twice = losses.loc[losses["model"].astype(str).duplicated(), "model"].iloc[0]
        raise EmergenceError(f"--loss: model {twice!r} has several losses (one per step), but the results "
                             "have no step column; give one loss per model, or results with steps")
    given = losses[keys + ["loss"]].rename(columns={"loss": "_given"})
    if "step" in keys:
        given = given.astype({"step": float})
        table = table.assign(step=pd.to_numeric(table["step"], errors="coerce"))
    merged = table.assign(model=table["model"].astype(str)).merge(given, on=keys, how="left")
    merged.index = table.index
    old = merged["loss"] if "loss" in merged else np.nan
    return table.assign(loss=merged["_given"].fillna(old) if "loss" in merged else merged["_given"])


def check_losses(present: set[str], losses: pd.DataFrame) -> None:
    """Refuse a ``--loss`` file that names none of the ``present`` models."""
    named = set(losses["model"].astype(str))
    if not named & present:
        shown, read = ", ".join(sorted(named)[:4]), ", ".join(sorted(present)[:4])
        raise EmergenceError(f"--loss: none of its models ({shown}) is among the models read ({read}); "
                             "name the models as the results do")
