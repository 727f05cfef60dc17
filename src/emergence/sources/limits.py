"""Limits on what a reader takes in: the size of a file (after decompression) and the length of a line.

A small gzip file can inflate to gigabytes, and one line of a CSV or JSON-lines file can hold a
gigabyte; read whole, either exhausts memory long before validation could say what is wrong (issue 17:
a 12.5 MB ``.csv.gz`` reached 7.5 GB and died with a MemoryError; a 1 GB CSV cell peaked at 9.5 times
the file). The readers here stream the file and stop, with a :class:`~emergence.errors.SchemaError`
naming the file, the limit and the option that raises it, as soon as a limit is passed.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from emergence.errors import SchemaError

#: Default limit on the bytes of one input file, after decompression (``--max-bytes``).
DEFAULT_MAX_BYTES = 1 << 30

#: Default limit on the bytes of one line of a line-oriented file, CSV or JSON lines
#: (``--max-line-bytes``).
DEFAULT_MAX_LINE_BYTES = 64 << 20

_CHUNK = 1 << 20
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """How much one input file may hold.

    Parameters
    ----------
    max_bytes : int
        Bytes of the whole file, after decompression (default :data:`DEFAULT_MAX_BYTES`, 1 GiB).
    max_line_bytes : int
        Bytes of one line, its end of line not counted, in CSV and JSON-lines files (default
        :data:`DEFAULT_MAX_LINE_BYTES`, 64 MiB). Whole JSON documents may be written on one line,
        so only ``max_bytes`` bounds them.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_line_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"The {name!r} parameter of Limits must be an int >= 1. Got {value!r} instead."
                )


def limits_of(options: object) -> Limits:
    """The :class:`Limits` of a reader's options (a :class:`~emergence.sources.ReadOptions` or None)."""
    limits = getattr(options, "limits", None)
    return limits if isinstance(limits, Limits) else Limits()


def parse_size(text: str) -> int:
    """A size in bytes from ``"1073741824"``, ``"512M"``, ``"2GiB"`` or ``"1.5g"`` (units are binary:
    1K = 1024 bytes).

    Raises
    ------
    ValueError
        If the text is not a size of at least one byte.
    """
    found = _SIZE.fullmatch(str(text).strip())
    size = int(float(found.group(1)) * _UNITS[found.group(2).lower()]) if found else 0
    if size < 1:
        raise ValueError(f"{text!r} is not a size in bytes >= 1 (write e.g. 4G, 512M or 1073741824)")
    return size


def format_size(size: int) -> str:
    """``1 GiB``, ``64 MiB``, ``1.5 KiB``, ``100 bytes``."""
    for unit, factor in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}"
    return f"{size} bytes"


def too_large(path: Path, limits: Limits) -> SchemaError:
    """The error for a file over ``max_bytes``."""
    inflated = " once decompressed" if is_gzip(path) else ""
    return SchemaError(
        f"{path}: the file holds more than {format_size(limits.max_bytes)}{inflated}, the limit on one "
        "input file; if it is genuine, raise the limit with --max-bytes (e.g. --max-bytes 8G)"
    )


def too_long(path: Path, line: int, limits: Limits) -> SchemaError:
    """The error for a line over ``max_line_bytes``."""
    return SchemaError(
        f"{path}: line {line} is longer than {format_size(limits.max_line_bytes)}, the limit on one "
        "line; if it is genuine, raise the limit with --max-line-bytes (e.g. --max-line-bytes 1G)"
    )


def is_gzip(path: Path) -> bool:
    """Whether the file is read through gzip (its name ends in ``.gz``)."""
    return path.name.lower().endswith(".gz")


def _damaged(path: Path, error: Exception) -> SchemaError:
    return SchemaError(
        f"{path}: cannot read the file as gzip ({error}): it is damaged, cut short or not gzip "
        "data; download or copy it again, or give the uncompressed file"
    )


def read_bytes(path: str | Path, limits: Limits | None = None, *, lines: bool = True) -> bytes:
    """A file's bytes, decompressed when its name ends in ``.gz``, within the limits.

    Parameters
    ----------
    path : str or Path
    limits : Limits, optional
        Default :class:`Limits`.
    lines : bool
        Also hold each line to ``limits.max_line_bytes`` (CSV and JSON lines; not whole JSON
        documents, which may be written on one line).

    Returns
    -------
    bytes

    Raises
    ------
    SchemaError
        If the file cannot be read, its gzip data is damaged, or it passes a limit: raised as soon as
        the limit is passed, having held at most about the limit in memory.
    """
    path = Path(path)
    limits = limits or Limits()
    chunk = min(_CHUNK, limits.max_line_bytes) if lines else _CHUNK
    parts: list[bytes] = []
    total = newlines = run = 0  # run: bytes since the last end of line
    try:
        if not is_gzip(path) and path.stat().st_size > limits.max_bytes:
            raise too_large(path, limits)
        with (gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")) as handle:
            while part := handle.read(chunk):
                total += len(part)
                if total > limits.max_bytes:
                    raise too_large(path, limits)
                if lines:
                    # a chunk is no longer than max_line_bytes, so a line too long reaches past the
                    # first end of line of a chunk: only the run across chunk boundaries is measured
                    first = part.find(b"\n")
                    if (run + len(part) if first < 0 else run + first) > limits.max_line_bytes:
                        raise too_long(path, newlines + 1, limits)
                    run = run + len(part) if first < 0 else len(part) - part.rfind(b"\n") - 1
                    newlines += part.count(b"\n")
                parts.append(part)
    except OSError as error:  # gzip.BadGzipFile is an OSError
        if is_gzip(path) and not isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
            raise _damaged(path, error) from None
        raise SchemaError(f"{path}: cannot read the file: {error}") from None
    except (EOFError, zlib.error) as error:
        raise _damaged(path, error) from None
    return b"".join(parts)


def iter_lines(path: str | Path, limits: Limits | None = None) -> Iterator[tuple[int, bytes]]:
    """The lines of a file (decompressed when named ``.gz``) one at a time, numbered from 1, each
    with its end of line, within the limits; a leading UTF-8 byte-order mark is dropped.

    Raises
    ------
    SchemaError
        As :func:`read_bytes`, when the line being read or the file passes its limit.
    """
    path = Path(path)
    limits = limits or Limits()
    total = 0
    try:
        if not is_gzip(path) and path.stat().st_size > limits.max_bytes:
            raise too_large(path, limits)
        with (gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")) as handle:
            number = 0
            while line := handle.readline(limits.max_line_bytes + 2):
                number += 1
                total += len(line)
                if total > limits.max_bytes:
                    raise too_large(path, limits)
                if len(line.rstrip(b"\r\n")) > limits.max_line_bytes:
                    raise too_long(path, number, limits)
                yield number, line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line
    except OSError as error:
        if is_gzip(path) and not isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
            raise _damaged(path, error) from None
        raise SchemaError(f"{path}: cannot read the file: {error}") from None
    except (EOFError, zlib.error) as error:
        raise _damaged(path, error) from None
