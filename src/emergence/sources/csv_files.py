"""Benchmark CSVs (plain or gzip): either tidy table written as CSV, told apart by its columns.

Lines in messages are counted as in a text editor: the header is line 1, the first data row line 2.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import SchemaError
from emergence.schema import detect_shape, validate_records, validate_scores

#: Name of this format for ``--format-in``.
NAME = "csv"

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
    return [read_csv(path)]


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (a leading byte-order mark is dropped).

    Raises
    ------
    SchemaError
        If the file cannot be read, is not gzip when named .gz or its gzip data is damaged, or is not
        valid UTF-8 (naming the line and byte).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SchemaError(f"{path}: cannot read the file: {error}") from None
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
            raise SchemaError(
                f"{path}: cannot read the file as gzip ({error}): it is damaged, cut short or not gzip "
                "data; download or copy it again, or give the uncompressed .csv"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SchemaError(
            f"{path}: line {line}: byte 0x{data[error.start]:02x} is not valid UTF-8; "
            "re-save the file as UTF-8"
        ) from None


def read_csv(path: str | Path) -> tuple[str, pd.DataFrame]:
    """Read and validate one benchmark CSV.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.csv.gz`` file holding a records or a scores table.

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
    text = read_text(path)
    if not text.strip():
        raise SchemaError(f"{path}: the file is empty; a benchmark CSV needs a header and rows")
    try:
        raw = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
            skipinitialspace=False,
        )
    except (pd.errors.ParserError, ValueError) as error:
        message = " ".join(str(error).split())
        raise SchemaError(f"{path}: not a well-formed CSV: {message}") from None
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
