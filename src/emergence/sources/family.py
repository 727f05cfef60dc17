"""The family of a model: one naming rule for every log format, and ``--family-from``.

A family is what may share one scaling curve. Files that say it keep it (the ``family`` column of a
benchmark CSV or a details dataset; the Pythia suites, :mod:`emergence.sources.pythia.families`).
Logs that only name a model (lm-evaluation-harness of any version, HELM, Hugging Face details
without a ``family`` column) get :func:`family_of` of the model name. ``--family-from`` overrides
either (:func:`assign_families`):

- ``file`` (the default): as above;
- ``name``: :func:`family_of` for every model, even where a file gives a family;
- ``path``: one family per SOURCE argument, named after it (``runs/opt-sweep/`` -> ``opt-sweep``);
- a CSV ``model,family``: the family of each model listed; the others as ``file``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from emergence.errors import EmergenceError

#: A size in a model name: ``1.4b``, ``70m``, ``93M``, and BLOOM's ``1b7``.
SIZE_IN_NAME = re.compile(r"(?:^|(?<=[^0-9a-z.]))[0-9]+(?:\.[0-9]+)?[kmbt][0-9]*(?![a-z0-9])", re.I)
_GPT3 = frozenset({"ada", "babbage", "curie", "davinci"})

#: A training seed in a model name: PolyPythia's ``pythia-70m-seed3``, ``model_seed_2``.
SEED_IN_NAME = re.compile(r"[-_.]seed[-_]?(\d+)(?![0-9a-z])", re.I)

#: The ``--family-from`` choices besides a mapping file.
FAMILY_FROM = ("file", "name", "path")


def family_of(model: str) -> str:
    """The family of a model, from its name: the organisation or folder and the size taken out, lower case.

    The same rule for every format, so that one model family read from lm-eval 0.4.13, lm-eval 0.4.9
    and HELM lands on one curve. A name without a size (``tiny-neox``, a local path) gives
    ``"default"``, the family of every model whose name does not say its size (as for a CSV without
    a ``family`` column): their sizes come from ``--sizes``, and they share one curve.

    Examples
    --------
    >>> family_of("EleutherAI/pythia-1.4b-deduped"), family_of("eleutherai/pythia-1b-v0")
    ('pythia-deduped', 'pythia-v0')
    >>> family_of("gpt2-medium"), family_of("davinci"), family_of("/home/u/tiny-neox")
    ('gpt2', 'gpt3', 'default')
    >>> family_of("EleutherAI/pythia-70m-seed3")  # PolyPythia: seeds of one family
    'pythia'
    """
    base = str(model).strip().rstrip("/").rsplit("/", 1)[-1].lower()
    base = SEED_IN_NAME.sub("", base)  # seeds of one size share the family (and the scale point)
    if re.fullmatch(r"gpt2(-(medium|large|xl))?", base):
        return "gpt2"
    if base in _GPT3:
        return "gpt3"
    sizes = list(SIZE_IN_NAME.finditer(base))
    if not sizes:
        return "default"
    last = sizes[-1]
    rest = base[: last.start()].rstrip("-_.") + base[last.end():]
    rest = re.sub(r"([-_.])[-_.]+", r"\1", rest).strip("-_.")
    return rest or "default"


def seed_of(model: str) -> int | None:
    """The training seed a model name states (``pythia-70m-seed3`` -> 3), or None.

    Examples
    --------
    >>> seed_of("EleutherAI/pythia-160m-seed7"), seed_of("pythia-160m")
    (7, None)
    """
    match = SEED_IN_NAME.search(str(model).rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def with_seeds(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``seed`` column from the model names when they state seeds and the table has
    no seed column: models of one size with different seeds are then one scale point."""
    if "seed" in table or "model" not in table:
        return table
    seeds = {m: seed_of(m) for m in table["model"].astype(str).unique()}
    if not any(v is not None for v in seeds.values()):
        return table
    return table.assign(seed=table["model"].astype(str).map(seeds).astype(float))


def read_family_map(path: str | Path) -> dict[str, str]:
    """A ``--family-from`` mapping: a CSV with the header ``model,family``, one model per line.

    Raises
    ------
    EmergenceError
        Naming the file and line of a header or row that is not ``model,family``, or a model listed
        twice with different families.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EmergenceError(f"--family-from {path}: cannot read the file: {error}") from None
    header = [c.strip() for c in lines[0].split(",")] if lines else []
    if header != ["model", "family"]:
        raise EmergenceError(f"--family-from {path}: line 1 must be the header 'model,family'; got "
                             f"{lines[:1]}")
    mapping: dict[str, str] = {}
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != 2 or not all(cells):
            raise EmergenceError(f"--family-from {path}: line {number}: {line!r} is not 'model,family' "
                                 "(two non-empty cells)")
        model, family = cells
        if mapping.get(model, family) != family:
            raise EmergenceError(f"--family-from {path}: line {number}: model {model!r} is given two "
                                 f"families ({mapping[model]!r} and {family!r}); keep one")
        mapping[model] = family
    return mapping


def source_name(given: str | Path) -> str:
    """The family ``--family-from path`` gives the files under one SOURCE argument: its name without
    the suffixes of a file (``runs/opt/`` -> ``opt``, ``opt_results.csv.gz`` -> ``opt_results``)."""
    name = Path(str(given).rstrip("/")).name or str(given)
    for suffix in (".gz", ".csv", ".jsonl", ".json", ".parquet", ".eval", ".zip"):
        name = name.removesuffix(suffix)
    return name or "default"


def assign_families(table: pd.DataFrame, how: str | dict[str, str], *,
                    source: str | Path | None = None) -> pd.DataFrame:
    """The table with its ``family`` column set as ``--family-from`` says.

    Parameters
    ----------
    table : DataFrame
        One file's records or scores, with ``family`` and ``model`` columns.
    how : {"file", "name", "path"} or dict
        See the module's docstring; a dict is a mapping from :func:`read_family_map`.
    source : path, optional
        The SOURCE argument the file was found under (for ``"path"``).
    """
    if isinstance(how, dict):
        listed = table["model"].astype(str).map(how)
        return table.assign(family=listed.fillna(table["family"]).astype(object))
    if how == "file":
        return table
    if how == "name":
        names = {m: family_of(m) for m in table["model"].astype(str).unique()}
        return table.assign(family=table["model"].astype(str).map(names).astype(object))
    if how == "path":
        return table.assign(family=source_name(source if source is not None else "default"))
    raise EmergenceError(f"--family-from {how!r}: give one of {', '.join(FAMILY_FROM)} or a CSV file "
                         "'model,family'")
