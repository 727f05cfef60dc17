"""Reading lm-eval files: bytes, JSON lines and arrays, each sample slimmed to the fields used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from emergence.errors import SchemaError
from emergence.schema import MAX_PROBLEMS
from emergence.sources.limits import Limits, iter_lines, read_bytes, too_long
from emergence.sources.lm_eval.responses import _pair, _responses


def _read_bytes(path: Path, limits: Limits | None = None) -> bytes:
    """The whole file within ``limits.max_bytes`` (a JSON document may be written on one line)."""
    data = read_bytes(path, limits, lines=False).removeprefix(b"\xef\xbb\xbf")
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


def _first_line(path: Path, limits: Limits | None = None) -> Any:
    """The first line of a file parsed as JSON, or None (empty, unreadable, or not one JSON value).

    Raises
    ------
    SchemaError
        If the line is an object longer than ``limits.max_line_bytes``: a samples log's line (a results
        JSON is small; a samples array on one line starts with ``[`` and is read whole).
    """
    limits = limits or Limits()
    try:
        with open(path, "rb") as handle:
            line = handle.readline(limits.max_line_bytes + 2).removeprefix(b"\xef\xbb\xbf")
    except OSError:
        return None
    if len(line.rstrip(b"\r\n")) > limits.max_line_bytes and line.lstrip()[:1] == b"{":
        raise too_long(path, 1, limits)
    try:
        return orjson.loads(line) if line.strip() else None
    except orjson.JSONDecodeError:
        return None


def _stream_lines(path: Path, limits: Limits | None = None) -> tuple[list, list[str]]:
    """A JSON-lines samples log read line by line (each within ``limits``), each sample slimmed as it
    is parsed."""
    items, locs, problems = [], [], []
    for number, line in iter_lines(path, limits):
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
