"""Reading local details files written with ``datasets``: parquet, arrow and JSON(L), within the
limits of :mod:`emergence.sources.limits`."""

from __future__ import annotations

from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import SchemaError
from emergence.sources.limits import Limits, read_bytes, too_large, too_long


def read_frame(path: str | Path, *, limits: Limits | None = None) -> pd.DataFrame:
    """The rows of a parquet, arrow (``save_to_disk`` shard or IPC file) or JSON(L) file as written
    by ``datasets``, with list and struct cells as plain Python lists and dicts.

    Parameters
    ----------
    path : str or Path
    limits : Limits, optional
        The most bytes the file (parquet: its data uncompressed, as its metadata says) and one JSON
        line may hold; default :class:`~emergence.sources.limits.Limits`.

    Raises
    ------
    SchemaError
        If the file cannot be read in its format or passes a limit, naming the file (and the line for
        JSON lines).
    """
    path = Path(path)
    limits = limits or Limits()
    name = path.name.lower()
    if name.endswith((".json", ".jsonl")):
        return _read_json(path, limits)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if path.stat().st_size > limits.max_bytes:
            raise too_large(path, limits)
        if name.endswith(".parquet"):
            metadata = pq.read_metadata(path)
            inflated = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
            if inflated > limits.max_bytes:
                raise too_large(path, limits)
            table = pq.read_table(path)
        else:
            try:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_stream(source).read_all()
            except pa.ArrowInvalid:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_file(source).read_all()
    except SchemaError:
        raise
    except (OSError, ValueError, pa.ArrowException) as error:  # a damaged file's metadata can fail to
        # decode as UTF-8 (UnicodeDecodeError) as well as fail arrow's own checks
        message = " ".join(str(error).split())
        raise SchemaError(f"{path}: cannot read the file as {path.suffix[1:]}: {message}; it is damaged "
                          "or not that format: copy it again") from None
    return pd.DataFrame({column: table.column(column).to_pylist() for column in table.column_names})


def _read_json(path: Path, limits: Limits) -> pd.DataFrame:
    data = read_bytes(path, limits, lines=False)  # an array may be written on one line
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
            if len(line) > limits.max_line_bytes:
                raise too_long(path, number, limits)
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError as error:
                raise SchemaError(f"{path}: line {number}: not valid JSON: {error}") from None
    if not rows or not all(isinstance(row, dict) for row in rows):
        raise SchemaError(f"{path}: expected JSON records (one object per line), found none")
    return pd.DataFrame.from_records(rows)
