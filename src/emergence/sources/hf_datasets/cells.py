"""One cell of a details row at a time: responses, flags, gold indices, continuations, example ids."""

from __future__ import annotations

import hashlib
import math
import re
import warnings

import numpy as np
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError

_PAIR_RE = re.compile(
    r"[(\[]?\s*'?(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)'?\s*(?:,\s*'?(\w+)'?\s*)?[)\]]?"
)


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
