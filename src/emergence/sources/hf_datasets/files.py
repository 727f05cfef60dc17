"""Reading local details files written with ``datasets``: parquet, arrow and JSON(L)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import SchemaError


def read_frame(path: str | Path) -> pd.DataFrame:
    """The rows of a parquet, arrow (``save_to_disk`` shard or IPC file) or JSON(L) file as written
    by ``datasets``, with list and struct cells as plain Python lists and dicts.

    Raises
    ------
    SchemaError
        If the file cannot be read in its format, naming the file (and the line for JSON lines).
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".json", ".jsonl")):
        return _read_json(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if name.endswith(".parquet"):
            table = pq.read_table(path)
        else:
            try:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_stream(source).read_all()
            except pa.ArrowInvalid:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException) as error:
        raise SchemaError(f"{path}: cannot read the file as {path.suffix[1:]}: {error}") from None
    return pd.DataFrame({column: table.column(column).to_pylist() for column in table.column_names})


def _read_json(path: Path) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SchemaError(f"{path}: cannot read the file: {error}") from None
    if data.lstrip().startswith(b"["):
        try:
            rows = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise SchemaError(f"{path}: not valid JSON: {error}") from None
    else:
        rows = []
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError as error:
                raise SchemaError(f"{path}: line {number}: not valid JSON: {error}") from None
    if not rows or not all(isinstance(row, dict) for row in rows):
        raise SchemaError(f"{path}: expected JSON records (one object per line), found none")
    return pd.DataFrame.from_records(rows)
