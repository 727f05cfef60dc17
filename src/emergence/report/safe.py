"""Names are data, never control or formulas: text for a terminal with its control characters shown,
and CSV cells that a spreadsheet would run written as text.

Names (families, tasks, metrics, models) come from the input files and the command line. Printed raw,
an ESC or OSC sequence in one can retitle the terminal, clear the screen or forge a line; written raw
into a CSV cell, ``=HYPERLINK(...)`` or ``+cmd|...`` runs as a formula when the file is opened in a
spreadsheet. Markdown and HTML escaping are in :func:`emergence.report.text._md` and
:mod:`emergence.report.page`, which use :func:`terminal_text` too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

# C0 controls, DEL and C1 controls; the line and paragraph separators; the bidirectional marks,
# embeddings, overrides and isolates, which reorder what a terminal shows after them.
_CONTROL = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0x061C, 0x200E, 0x200F,
            *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_VISIBLE = {c: _SHORT.get(chr(c), f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _CONTROL}

#: A text cell that starts with one of these gets a leading apostrophe in the CSVs: a spreadsheet
#: runs ``= + - @`` (and a tab or carriage return before them) as a formula. The apostrophe itself
#: is in the list so that the rule can be undone exactly (see :func:`spreadsheet_restore`).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")

# a plain number written as text ("-1.5", "+2e-3") is data a spreadsheet reads as that number
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def terminal_text(s: str) -> str:
    r"""``s`` with every control character shown as an escape, for printing on a terminal.

    C0 and C1 control characters and DEL (ESC starts the sequences that move the cursor, clear the
    screen or, as OSC, set the window title and hyperlinks; a carriage return overwrites the line), the
    line and paragraph separators (U+2028, U+2029) and the bidirectional marks and overrides (which
    reverse what follows them) are written as ``\xNN``, ``\uNNNN``, ``\t``, ``\n`` or ``\r``. All
    other characters, backslashes included, are kept. Apply it to each name, or to each line of a
    message with :func:`terminal_lines`.

    Parameters
    ----------
    s : str
        Text from the data (a name, a message quoting one).

    Returns
    -------
    str
        The text with no character that acts on a terminal.

    Examples
    --------
    >>> terminal_text("acc\x1b]0;owned\x07")
    'acc\\x1b]0;owned\\x07'
    >>> terminal_text("two\nlines\u202e")
    'two\\nlines\\u202e'
    """
    return str(s).translate(_VISIBLE)


def terminal_lines(text: str) -> str:
    r"""A message of several lines for a terminal: each line through :func:`terminal_text`.

    Only ``"\n"`` separates lines (``str.splitlines`` would also split at control characters that
    names may hold and that must be shown).

    Examples
    --------
    >>> print(terminal_lines("ok\nbad \x1b[2J name"))
    ok
    bad \x1b[2J name
    """
    return "\n".join(terminal_text(line) for line in str(text).split("\n"))


def spreadsheet_cell(value):
    """One CSV cell as a spreadsheet shows it as text: a leading apostrophe on text that starts with
    one of :data:`FORMULA_START`, unless it is a plain number; anything else unchanged.

    Examples
    --------
    >>> [spreadsheet_cell(v) for v in ("=1+1", "@SUM(A1)", "-1.5", "-x", "'q", "acc", 0.5)]
    ["'=1+1", "'@SUM(A1)", '-1.5', "'-x", "''q", 'acc', 0.5]
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names go through :func:`spreadsheet_cell`.

    Numbers (numeric columns, and numbers among the text of an object column) are not touched; the
    input is not modified.
    """
    out = table.rename(columns={c: spreadsheet_cell(c) for c in table.columns if isinstance(c, str)})
    for k in range(out.shape[1]):
        column = out.iloc[:, k]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            text = column.astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
            if risky.any():
                out.isetitem(k, text.where(~risky, text[risky].map(spreadsheet_cell)))
    return out


def spreadsheet_restore(table: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`spreadsheet_safe` on a CSV read back (``pd.read_csv``): one leading apostrophe is
    dropped from every text cell and column name that has one; the input is not modified.

    Examples
    --------
    >>> table = pd.DataFrame({"metric": ["=cmd", "'q", "acc"], "value": [-1.5, 0.2, 0.3]})
    >>> spreadsheet_restore(spreadsheet_safe(table)).equals(table)
    True
    """
    def restore(value):
        return value[1:] if isinstance(value, str) and value.startswith("'") else value

    out = table.rename(columns={c: restore(c) for c in table.columns if isinstance(c, str)})
    for k in range(out.shape[1]):
        column = out.iloc[:, k]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(k, column.astype(object).map(restore))
    return out


def write_csv(table: pd.DataFrame, path: str | Path) -> None:
    """Write a report table as CSV with :func:`spreadsheet_safe` cells, without the index.

    Lines end in ``\n``; when a text cell holds a carriage return they end in ``\r\n`` (RFC 4180)
    instead, because Python's csv module quotes only the cells that hold a character of the line
    ending, and an unquoted ``\r`` splits the row when the file is read back.
    """
    safe = spreadsheet_safe(table)
    columns = [safe.iloc[:, k] for k in range(safe.shape[1])]
    text = [c for c in columns if c.dtype == object or pd.api.types.is_string_dtype(c)]
    carriage = any(column.map(lambda v: isinstance(v, str) and "\r" in v).any() for column in text)
    carriage |= any(isinstance(c, str) and "\r" in c for c in safe.columns)
    safe.to_csv(path, index=False, lineterminator="\r\n" if carriage else "\n")
