"""The fast way into a records CSV: typed columns read once by pyarrow, for files that are clean.

The text path of :mod:`emergence.sources.csv_files` reads every cell as text and converts it, which
costs about a kilobyte and several seconds per million records. Here pyarrow's multithreaded CSV
reader parses each column into its type at once: numbers as float64, names and other text
dictionary-encoded (each distinct string made once and shared by its rows), scale, 0/1 and gold
cells as text to be parsed once per distinct value. The validator then runs on those columns.

This path proves a file clean; it never explains why one is not. Whenever pyarrow refuses the file
(a malformed row, a cell that is not its column's type, bytes that are not UTF-8, a line longer than
a block) or the validator finds a problem, :func:`read_records` returns None and the caller reads the
file the text way, whose messages name each line, column and value. Warnings are kept until the file
is known clean, so none is said twice.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from emergence.errors import SchemaError
from emergence.memory import give_back
from emergence.schema import detect_shape, validate_records
from emergence.schema.columns import _did_you_mean, columns_of
from emergence.sources.limits import Limits, is_gzip

#: Bytes pyarrow parses per block (one thread each); a row longer than a block sends the file down
#: the text path, which holds lines to ``--max-line-bytes``.
BLOCK_BYTES = 1 << 22

#: The bytes after which a plus sign starts a cell (a comma, a newline, an opening quote); with a
#: space before the sign pyarrow refuses the number itself.
_OPENING = np.frombuffer(b',\n"', dtype=np.uint8)

#: A ``choice_logprobs`` cell the typed path reads: a JSON list of one or more numbers, each written
#: with a decimal point or an exponent (those orjson makes floats of), JSON's spaces around them.
#: At most 30 digits before and 30 after the point: orjson, the text way's parser, rounds some
#: numbers of more than 768 digits differently from pyarrow and Python (a review found an exact
#: midpoint written with 769 digits), so longer ones are left to the text way.
_SPACE = r"[ \t\n\r]*"
_FLOAT = r"-?(?:0|[1-9][0-9]{0,29})(?:\.[0-9]{1,30}(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)"
_FLOAT_LIST = rf"^{_SPACE}\[{_SPACE}{_FLOAT}(?:{_SPACE},{_SPACE}{_FLOAT})*{_SPACE}\]{_SPACE}$"

#: Column types of the specification read as float64 by pyarrow; the converters check their rules.
_NUMBER_TYPES = ("float", "nonneg", "unit", "count", "int", "loss", "logprob")


class _TooLarge(Exception):
    """The decompressed file passed ``max_bytes`` (the text path says so)."""


class _Counted(io.RawIOBase):
    """A gzip file read through pyarrow, stopping once more than ``limit`` bytes came out."""

    def __init__(self, path: Path, limit: int):
        self._handle = gzip.open(path, "rb")
        self._limit = limit
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # never more than one byte past the limit, however large the buffer pyarrow offers
        n = self._handle.readinto(memoryview(buffer)[: self._limit - self._total + 1])
        self._total += n
        if self._total > self._limit:
            raise _TooLarge
        return n

    def close(self) -> None:
        self._handle.close()
        super().close()


def header(path: Path) -> list[str] | None:
    """The column names of a CSV's first line, or None when the line is one the text path should
    judge (blank, a quote left open, a carriage return or byte-order mark inside, names with spaces
    around them, repeated or holding NUL)."""
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as handle:
            line = handle.readline(1 << 20)
        text = line.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        if (not text.endswith("\n") or not text.strip() or text.count('"') % 2
                or "\r" in text.removesuffix("\r\n") or "\ufeff" in text):
            return None
        names = next(csv.reader([text.removesuffix("\n").removesuffix("\r")]), None)
    except Exception:  # unreadable, damaged gzip, not UTF-8, not CSV: the text path says which
        return None
    if (not names or any(n != n.strip() or not n or "\x00" in n for n in names)
            or len(set(names)) != len(names)):
        return None
    return names


def plain(path: Path, limit: int) -> bool:
    """Whether the file holds nothing the two readers take differently: every quote closed (an even
    number of them: pyarrow reads a quote left open to the end of the file as one value, pandas
    refuses it), no carriage return but before a newline (pandas' reading of lines that end in a
    lone one shifts cells), no cell that starts with a plus sign (pandas reads ``+3e23`` one bit off
    the nearest double). One pass over the bytes, a block at a time; False past ``limit`` bytes."""
    opener = gzip.open if is_gzip(path) else open
    quotes = total = 0
    before = ord("\n")  # the byte before a block: the file starts as if after a newline
    try:
        with opener(path, "rb") as handle:
            while block := handle.read(1 << 20):
                total += len(block)
                if total > limit:
                    return False
                data = np.frombuffer(block, dtype=np.uint8)
                quotes += int(np.count_nonzero(data == ord('"')))
                # what precedes each plus sign and follows each carriage return (a newline is last)
                ahead = np.concatenate([np.array([before], dtype=np.uint8), data])
                signs = np.flatnonzero(data == ord("+"))
                if np.isin(ahead[signs], _OPENING).any():
                    return False
                returns = np.flatnonzero(ahead == ord("\r"))
                if len(returns) and returns[-1] == len(data):  # its newline would start the next block
                    returns = returns[:-1]
                if (ahead[returns + 1] != ord("\n")).any():
                    return False
                before = int(data[-1])
    except Exception:  # unreadable, damaged gzip: the text path says which
        return False
    return before != ord("\r") and quotes % 2 == 0


def read_records(path: Path, limits: Limits) -> pd.DataFrame | None:
    """The validated records table of a clean records CSV, or None to read it the text way.

    Parameters
    ----------
    path : Path
        A ``.csv`` or ``.csv.gz`` file.
    limits : Limits
        Files over ``max_bytes``, and limits on a line below :data:`BLOCK_BYTES`, go the text way.

    Returns
    -------
    DataFrame or None
        What :func:`emergence.sources.csv_files.read_csv` returns for the file, or None.
    """
    if limits.max_line_bytes < BLOCK_BYTES:
        return None
    try:
        if not is_gzip(path) and path.stat().st_size > limits.max_bytes:
            return None
    except OSError:
        return None
    names = header(path)
    if names is None:
        return None
    try:
        if detect_shape(names, source=str(path)) != "records":
            return None
    except SchemaError:
        return None
    spec = {c.name: c for c in columns_of("records")}
    if any(c.required and c.name not in names for c in spec.values()):
        return None  # the text path names what is missing
    if _did_you_mean(set(names) - set(spec), spec):
        return None  # a misspelt column: the text path says which (others are kept as text)
    gzipped = is_gzip(path)
    if gzipped and not plain(path, limits.max_bytes):
        return None  # decompressed once, not twice at once (a gzip bomb is stopped by the first)
    # the scan of a plain file for what the two readers take differently runs in a thread beside
    # pyarrow's parse (numpy and file reads work outside the GIL): 0.2-0.3 s of a 180 MB file's load
    # (issue 13). A file it refuses goes the text way, from the first step after the refusal.
    with ThreadPoolExecutor(1, thread_name_prefix="emergence-plain") as pool:
        is_plain = pool.submit(lambda: gzipped or plain(path, limits.max_bytes))
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            typed = _typed(path, names, spec, limits,
                           refused=lambda: is_plain.done() and not is_plain.result())
        if not is_plain.result() or typed is None:
            typed = None
            give_back()  # what the parse held, before the text way takes its own
            return None
    for warning in said:  # said once the file is known clean, so the text way does not repeat them
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return typed


def _typed(path: Path, names: list[str], spec: dict, limits: Limits, *,
           refused: Callable[[], bool] = lambda: False) -> pd.DataFrame | None:
    """The validated table pyarrow's parse of the file gives, or None where the parse or the
    validator refuses it, or where ``refused()`` says the file goes the text way anyway (asked
    between the steps; warnings are the caller's to keep)."""
    table = _parse(path, names, spec, limits)
    if table is None or refused():
        return None
    raw: dict = {}
    lists = [name for name in names if name in spec and spec[name].dtype == "logprobs"]
    # the JSON lists parsed by pyarrow (outside the GIL, a block at a time) in a thread while the
    # other columns are converted here: 0.35 s of the 2.4M set's load beside 0.2 s (issue 13)
    with ThreadPoolExecutor(1, thread_name_prefix="emergence-lists") as pool:
        parsing = {name: pool.submit(_choice_lists, table.column(name)) for name in lists}
        for name in names:
            column = table.column(name)
            if name not in spec:  # kept as it is, text as pandas reads it
                raw[name] = column.to_pandas()
            elif spec[name].dtype in _NUMBER_TYPES:
                values = _floats(column)
                if np.isfinite(values).sum() + column.null_count != len(values):
                    return None  # 'nan' or 'inf' written out: the text way names the cell
                # (two masks of one byte a row: values[values == 0] copied most of a column of zeros)
                if (np.signbit(values) & (values == 0)).any() and _whole(values):
                    return None  # pandas reads '-0' as 0 in a column of whole numbers, else as -0.0
                raw[name] = values
            elif name in parsing:
                raw[name] = None  # its place in the table's order; filled below
            elif column.null_count:
                return None  # a text column pyarrow found no value in: not a clean file
            else:
                raw[name] = _categories(column)
            table = table.drop_columns([name])  # each column's memory goes back as it is converted
        for name, parsed in parsing.items():
            raw[name] = parsed.result()
            if raw[name] is None:
                return None
    if refused():
        return None
    # object columns stay object: pandas would otherwise copy each text into its own string type
    frame = pd.DataFrame({name: pd.Series(values, dtype=values.dtype, copy=False) if isinstance(
        values, np.ndarray) else values for name, values in raw.items()}, copy=False)
    del raw, table
    give_back()  # pyarrow's pool keeps what the parsed table held
    try:
        typed = validate_records(frame, source=str(path), locate=lambda i: f"line {i + 2}")
    except SchemaError:
        return None
    del frame
    give_back()
    return typed


def _parse(path: Path, names: list[str], spec: dict, limits: Limits):
    """pyarrow's table of the file, or None where pyarrow refuses it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = pa.dictionary(pa.int32(), pa.string())
    types = {}
    for name in names:
        dtype = spec[name].dtype if name in spec else "extra"
        types[name] = (pa.float64() if dtype in _NUMBER_TYPES
                       else pa.string() if dtype in ("logprobs", "extra") else text)
    source = _Counted(path, limits.max_bytes) if is_gzip(path) else str(path)
    try:
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=False,
                quoted_strings_can_be_null=True, check_utf8=True,
            ),
        )
    except MemoryError:  # pyarrow's ArrowMemoryError too: the text path would need more
        raise
    except Exception:  # whatever pyarrow refuses, the text path explains
        return None
    finally:
        if isinstance(source, _Counted):
            source.close()


def _floats(column) -> np.ndarray:
    """A float64 column of pyarrow's as a numpy array of its own (so the table can go), a missing
    value read as NaN. Chunk by chunk: a ChunkedArray's own ``to_numpy`` took 0.07-0.3 s for a
    column of 2.4M values with missing ones, the chunks 0.014 s (issue 13), to the same bits."""
    if column.num_chunks == 0:
        return np.empty(0)
    return np.concatenate([chunk.to_numpy(zero_copy_only=False) for chunk in column.chunks])


def _whole(values: np.ndarray) -> bool:
    """Whether every number given is a whole number (a column pandas may read as integers)."""
    given = values[~np.isnan(values)]
    return bool(np.array_equal(given, np.floor(given)))


def _categories(column) -> pd.Categorical:
    """A dictionary-encoded text column as a categorical: its codes, and each distinct string once.
    The validator reads the codes instead of hashing the text, and makes an object column whose rows
    share their strings (8 bytes a row, not a string each)."""
    column = column.unify_dictionaries()
    if column.num_chunks == 0:
        return pd.Categorical([])
    words = pd.Index(column.chunk(0).dictionary.to_numpy(zero_copy_only=False), dtype=object)
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in column.chunks])
    return pd.Categorical.from_codes(codes, categories=words, validate=False)


def _choice_lists(column) -> pd.Series | None:
    """The JSON lists of a text column as an Arrow column of float lists (missing where a cell is
    empty), parsed by pyarrow, which reads each number of :data:`_FLOAT_LIST` to the same double as
    orjson and Python do; None when a cell is not a JSON list of such numbers (written with a
    decimal point or an exponent, what the text way makes floats of), which the text way then
    judges. The validator checks the values and makes the lists of Python floats
    (``Converters._convert_arrow_logprobs`` in :mod:`emergence.schema.convert`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for chunk in column.chunks:  # a block at a time: a block's text and lists are all that is held
        cells = pc.if_else(pc.equal(chunk, ""), pa.scalar(None, pa.string()), chunk)
        if pc.any(pc.invert(pc.match_substring_regex(cells, _FLOAT_LIST))).as_py():
            return None
        try:
            parts.append(pc.split_pattern(pc.replace_substring_regex(cells, r"[\[\] \t\n\r]", ""),
                                          ",").cast(pa.list_(pa.float64())))
        except pa.ArrowInvalid:
            return None
    lists = pa.chunked_array(parts, type=pa.list_(pa.float64()))
    return pd.Series(pd.arrays.ArrowExtensionArray(lists))
