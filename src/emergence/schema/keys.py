"""Integer codes of key columns, each column hashed once and carried as numbers.

Grouping a table of millions of rows by its text columns (family, model, task, example) hashes every
string each time; the checks and groupings of a run do it a dozen times. Here each column is
factorized once and the groupings are made from the codes: sums and sorts of integers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emergence.schema.columns import model_keys


def column_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """(code of each row, number of codes): codes follow the sorted order of the values, a missing
    value after all others, the order ``groupby(sort=True, dropna=False)`` gives its groups. The codes
    are 32-bit where they fit: four bytes a row to carry."""
    codes, uniques = pd.factorize(column, sort=True)
    n = len(uniques)
    if (codes < 0).any():
        codes = np.where(codes < 0, n, codes)
        n += 1
    return _narrow(codes, n), max(n, 1)


def group_codes(columns: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """(group of each row, number of groups) over several columns' codes (from :func:`column_codes`),
    numbered in the lexicographic order of the columns' values: ``groupby(columns, sort=True,
    dropna=False).ngroup()``."""
    inverse, distinct = pd.factorize(combined_code(columns), sort=True)  # only the distinct ones sorted
    return _narrow(inverse, len(distinct)), len(distinct)


def combined_code(columns: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One 64-bit code per row over several columns' codes, in their lexicographic order: rows have
    the same code exactly when they have the same values (not numbered from 0)."""
    n_rows = len(columns[0][0]) if columns else 0
    code, size = np.zeros(n_rows, dtype=np.int64), 1
    for codes, n in columns:
        if size * n >= 2**62:  # renumber the groups so far before the product could overflow
            code = pd.factorize(code, sort=True)[0].astype(np.int64)
            size = int(code.max(initial=-1)) + 1
        code *= n
        code += codes
        size *= n
    return code


def has_repeats(code: np.ndarray) -> bool:
    """Whether any code appears twice: one sort, no hash table of every row."""
    ordered = np.sort(code)
    return bool((ordered[1:] == ordered[:-1]).any())


def first_appearance(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber groups in the order they first appear: (new code of each row, first row of each new
    code), as ``groupby(sort=False).ngroup()`` numbers them."""
    codes, distinct = pd.factorize(groups)  # numbered as they first appear
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    return _narrow(codes, len(distinct)), first


def repeated(groups: np.ndarray) -> np.ndarray:
    """Rows whose group appears more than once (``duplicated(keep=False)``)."""
    counts = np.bincount(groups)
    return counts[groups] > 1


def _narrow(codes: np.ndarray, n: int) -> np.ndarray:
    """Codes below ``n`` as 32-bit integers where they fit (4 bytes a row to carry, not 8); products
    of codes are taken in 64 bits (:func:`group_codes`)."""
    return codes.astype(np.int32 if n < 2**31 - 1 else np.int64, copy=False)


def key_codes(table: pd.DataFrame) -> dict[str, tuple[np.ndarray, int]]:
    """The :func:`column_codes` of each key column of a records table (the model's, task, subtask
    when present, example), each hashed once for every check and grouping that needs them."""
    names = [*model_keys(table), "task", *(["subtask"] if "subtask" in table else []), "example"]
    return {name: column_codes(table[name]) for name in names}
