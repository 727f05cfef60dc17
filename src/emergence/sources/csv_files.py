"""Benchmark CSVs (plain or gzip): either tidy table written as CSV, told apart by its columns.

Lines in messages are counted as in a text editor: the header is line 1, the first data row line 2.
"""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import SchemaError
from emergence.schema import detect_shape, validate_records, validate_scores
from emergence.sources.csv_typed import read_records
from emergence.sources.limits import Limits, limits_of, read_bytes

#: Name of this format for ``--format-in``.
NAME = "csv"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "benchmark CSVs (plain or gzip): the records or the scores table"
EXAMPLE = "python -m emergence analyze benchmarks/   # either tidy table, see benchmarks/README.md"

#: File name endings this module reads.
SUFFIXES = (".csv", ".csv.gz")


def is_csv(path: Path) -> bool:
    """Whether the path names a benchmark CSV (``.csv`` or ``.csv.gz``)."""
    return path.name.lower().endswith(SUFFIXES)


def sniff(path: Path, head: bytes) -> bool:
    """A benchmark CSV is told by its name (``.csv`` or ``.csv.gz``)."""
    return is_csv(path)


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: one validated table."""
    return [read_csv(path, limits=limits_of(options))]


def read_data(path: Path, limits: Limits | None = None) -> bytes:
    """The file's bytes (decompressed when named .gz), checked to be UTF-8, a leading byte-order mark
    dropped.

    Raises
    ------
    SchemaError
        If the file cannot be read, is not gzip when named .gz or its gzip data is damaged, passes a
        limit of ``limits`` (its size or a line's length), or is not valid UTF-8 (naming the line and
        byte).
    """
    data = read_bytes(path, limits).removeprefix(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")  # checked here to name the line; pandas parses the bytes, not a copy
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SchemaError(
            f"{path}: line {line}: byte 0x{data[error.start]:02x} is not valid UTF-8; "
            "re-save the file as UTF-8"
        ) from None
    return data


def check_field_counts(raw: pd.DataFrame, data: bytes, path: Path) -> None:
    """Refuse a CSV whose rows have more fields than its header.

    pandas then takes the extra leading fields as an index and shifts every column of every row,
    which reads as wrong values in the wrong columns (or crashed the Pythia reader); the error names
    the first such line.
    """
    if isinstance(raw.index, pd.RangeIndex):
        return
    import csv

    rows = csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""))
    width = len(next(rows, []))
    for line, row in enumerate(rows, start=2):
        if len(row) > width:
            raise SchemaError(f"{path}: line {line} has {len(row)} fields where the header has {width}; "
                              "quote values that hold commas, or remove the extra fields")
    raise SchemaError(f"{path}: some rows have more fields than the header ({width}); quote values "
                      "that hold commas, or remove the extra fields")


def read_csv(path: str | Path, *, limits: Limits | None = None) -> tuple[str, pd.DataFrame]:
    """Read and validate one benchmark CSV.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.csv.gz`` file holding a records or a scores table.
    limits : Limits, optional
        The most bytes the file (decompressed) and one line may hold; default
        :class:`~emergence.sources.limits.Limits` (1 GiB and 64 MiB).

    Returns
    -------
    shape : {"records", "scores"}
    table : DataFrame
        The validated, typed table.

    Raises
    ------
    SchemaError
        Listing every problem of the file with its line, column and value.
    """
    path = Path(path)
    typed = read_records(path, limits or Limits())
    if typed is not None:
        return "records", typed
    data = read_data(path, limits)
    if not data.strip():
        raise SchemaError(f"{path}: the file is empty; a benchmark CSV needs a header and rows")
    try:
        raw = pd.read_csv(
            io.BytesIO(data), encoding="utf-8", dtype=str, keep_default_na=False, na_filter=False,
            skipinitialspace=False,
        )
    except (pd.errors.ParserError, ValueError) as error:
        message = " ".join(str(error).split())
        if message.endswith("C error: out of memory"):  # the parser's MemoryError, as pandas words it
            raise MemoryError(message) from None
        raise SchemaError(f"{path}: not a well-formed CSV: {message}") from None
    check_field_counts(raw, data, path)
    del data
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.empty:
        raise SchemaError(f"{path}: the file has a header but no data rows")
    shape = detect_shape(raw.columns, source=str(path))

    def locate(i: int) -> str:
        return f"line {i + 2}"

    validate = validate_records if shape == "records" else validate_scores
    return shape, validate(raw, source=str(path), locate=locate)


def write_csv(table: pd.DataFrame, path: str | Path) -> None:
    """Write a records or scores table as a benchmark CSV (gzip if the name ends in .gz).

    List cells (``choice_logprobs``, multi-gold ``gold``) are written as JSON text, the form
    :func:`read_csv` reads back.
    """
    out = table.copy()
    for column in ("choice_logprobs", "gold"):
        if column in out and out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: orjson.dumps(v).decode() if isinstance(v, list) else v
            )
    compression = "gzip" if str(path).lower().endswith(".gz") else None
    if compression:
        out.to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})
    else:
        out.to_csv(path, index=False)
