"""Validated records as partitioned parquet: what ``python -m emergence convert SOURCE --to DIR``
writes, and reads back without parsing the original files again.

The folder holds one parquet file per (family, task) and input file, under
``DIR/family=<family>/task=<task>/part-<n>.parquet`` (names percent-encoded), and the aggregate scores
under ``DIR/scores/part-<n>.parquet``. Each file's footer carries, under the key ``emergence``, what
an engine needs to plan a run without reading rows: the family and task, the number of records, the
columns that hold values, the most choices of a row, and the file it was converted from (with that
file's format, so that two runs of one model are told apart as they were in the original files).
Choice lists are kept as JSON text, as in a benchmark CSV; reading validates the rows again
(cheaply: the columns come typed).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from urllib.parse import quote

import orjson
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError, UnknownMetricWarning

#: Name of this format for ``--format-in``.
NAME = "parquet"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "records converted by `emergence convert --to DIR`: parquet by family and task"
EXAMPLE = "python -m emergence convert logs/ --to converted/ && python -m emergence analyze converted/"

#: The footer key of a converted file.
KEY = b"emergence"

#: Columns that hold lists (or a list or a number), kept as JSON text.
LIST_COLUMNS = ("choice_logprobs", "gold")


def sniff(path: Path, head: bytes) -> bool:
    """A parquet file whose footer has the ``emergence`` key."""
    if not path.name.lower().endswith(".parquet") or not head.startswith(b"PAR1"):
        return False
    try:
        return KEY in (_schema(path).metadata or {})
    except (OSError, ValueError):
        return False


def _schema(path: Path):
    import pyarrow.parquet as pq

    return pq.read_schema(path)


def footer(path: Path) -> dict:
    """What the file's footer says (see the module's docstring)."""
    return json.loads(_schema(path).metadata[KEY])


def reruns(path: Path) -> dict[str, str | None]:
    """The file it was converted from, where that file's runs may repeat another's (a result format,
    not a benchmark CSV), with when it was written, as found when it was converted (the original
    may be gone)."""
    said = footer(path)
    return {said["source"]: said.get("run_time")} if said.get("format", "csv") != "csv" else {}


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: the file's validated table, with the file it
    was converted from as ``_file``."""
    import pyarrow.parquet as pq

    from emergence.schema import validate_records, validate_scores

    said = footer(path)
    try:
        table = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as error:
        raise SchemaError(f"{path}: cannot read the parquet file ({error})") from None
    for column in LIST_COLUMNS:
        if column in table and table[column].dtype == object:
            table[column] = [None if cell is None else orjson.loads(cell) for cell in table[column]]
    validate = validate_records if said["shape"] == "records" else validate_scores
    with warnings.catch_warnings():  # what it says of these rows was said of the original file
        warnings.simplefilter("ignore")
        table = validate(table, source=str(path))
    for warning in said.get("warnings", []):  # the original file's warnings, as it gave them
        if warning.get("unknown"):
            warnings.warn(UnknownMetricWarning(*warning["unknown"]), stacklevel=2)
        else:
            warnings.warn(warning["text"], EmergenceWarning, stacklevel=2)
    table.attrs["source"] = said.get("source")
    return [(said["shape"], table)]


def write_table(table: pd.DataFrame, shape: str, out: Path, part: str, *, source: str, format_name: str,
                said: list | None = None) -> list[dict]:
    """Write one input file's validated table under ``out`` as ``part-<part>.parquet``: records one
    file per (family, task), scores one file. Returns each file's footer. ``said``: the warnings
    reading the file gave, kept in the first file's footer and given again when it is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from emergence.metrics import has_value
    from emergence.metrics.per_example import choice_width
    from emergence.sources.reading import run_time

    written = []
    groups = table.groupby(["family", "task"], sort=False, dropna=False) if shape == "records" else [
        ((None, None), table)]
    for (family, task), rows in groups:
        rows = rows.reset_index(drop=True)
        said = {"shape": shape, "family": None if family is None else str(family),
                "task": None if task is None else str(task), "records": len(rows),
                "columns": list(rows.columns), "valued": [c for c in rows if has_value(rows[c])],
                "source": source, "format": format_name,
                "run_time": run_time(source) if format_name != "csv" else None,
                "warnings": [_kept(w) for w in said or []] if not written else []}
        said["models"] = sorted(set(rows["model"].astype(str)))
        said["families"] = sorted(set(rows["family"].astype(str)))
        said["tasks"] = sorted(set(rows["task"].astype(str)))
        if shape == "records":
            said["width"] = choice_width(rows)
            folder = out / f"family={_name(family)}" / f"task={_name(task)}"
        else:
            folder = out / "scores"
        for column in LIST_COLUMNS:
            if column in rows and rows[column].dtype == object:
                rows[column] = [None if not isinstance(c, list | tuple) and pd.isna(c)
                                else orjson.dumps(c, option=orjson.OPT_SERIALIZE_NUMPY).decode()
                                for c in rows[column]]
        folder.mkdir(parents=True, exist_ok=True)
        arrow = pa.Table.from_pandas(rows, preserve_index=False)
        arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), KEY: json.dumps(said)})
        pq.write_table(arrow, folder / f"part-{part}.parquet", compression="zstd")
        written.append(said)
    return written


def _name(value) -> str:
    """A family or task as a folder name: percent-encoded, and where that is longer than a file
    system allows (255 bytes), its start and a hash of the whole (the footer keeps the name)."""
    import hashlib

    text = quote(str(value), safe="")
    if len(text) <= 200:
        return text
    return f"{text[:120]}~{hashlib.sha1(str(value).encode()).hexdigest()[:12]}"


def _kept(warning) -> dict:
    """A warning as a footer keeps it: its text, and what an unknown-metric warning is made of."""
    if isinstance(warning, UnknownMetricWarning):
        return {"text": str(warning), "unknown": [warning.source, list(warning.metrics), warning.hints]}
    return {"text": str(warning)}
