"""The pieces of a partitioned run: which files are read whole and which in blocks, and the rules
of a whole file that its blocks cannot check alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def partitions(files, limits=None) -> list[tuple[Path, str, tuple | None]]:
    """The pieces of a run: every file, and a large plain CSV in blocks of whole records
    (:mod:`emergence.sources.csv_blocks`): ``(path, format name, block or None)``.

    A file over the ``--max-bytes`` limit (``limits``) is one piece, which its reader refuses as in
    process; so is a file that cannot be cut safely."""
    from emergence.sources.csv_blocks import BLOCK_BYTES, blocks
    from emergence.sources.limits import Limits, is_gzip

    limits = limits or Limits()
    out = []
    for path, module in files:
        size = path.stat().st_size
        found = None
        if module.NAME == "csv" and not is_gzip(path) and BLOCK_BYTES < size <= limits.max_bytes:
            found = blocks(path, BLOCK_BYTES)
        if found and len(found) > 1:
            header = found[0][0]
            out += [(path, module.NAME, (*block, header)) for block in found]
        else:
            out.append((path, module.NAME, None))
    return out


def scales_across_blocks(parts, digest) -> list[str]:
    """A model must have one scale in a whole file, as its validator checks when it reads the file
    whole: the blocks' models and scales put together."""
    problems = []
    blocked: dict = {}
    for (path, _, block), d in zip(parts, digest, strict=True):
        if block is not None and d[2].get("scales") is not None:
            blocked.setdefault(str(path), []).append(d[2]["scales"])
    for path, tables in blocked.items():
        table = pd.concat(tables, ignore_index=True)
        keys = [c for c in ("family", "model", "step", "seed") if c in table]
        for column in [c for c in table if c not in keys]:
            values = table.dropna(subset=[column]).groupby(keys, dropna=False, sort=False)[column].unique()
            for key, found in values[values.map(len) > 1].head(5).items():
                key = key if isinstance(key, tuple) else (key,)
                values = sorted(map(float, found))[:4]
                problems.append(f"{path}: column {column!r}: model {key[1]!r} has several values {values}; "
                                "a model (family, model, step) has one scale")
    return problems
