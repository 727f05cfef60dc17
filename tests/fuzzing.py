"""Mutated inputs of every format, and one run of the command line on each (issue 17).

Used by ``tests/test_fuzz.py`` (a bounded Hypothesis run in CI) and by
``analyses/fuzz_inputs.py`` (the long run, with counts by format and exit code).

A *seed* is a valid input of one format: a records CSV, a scores CSV, a gzipped records CSV,
an lm-eval details parquet file, an lm-evaluation-harness run folder (results JSON and samples JSONL),
a BIG-bench scores JSON, and, when ``../shared/data`` is present, a HELM run folder and the first
lines of the Pythia evaluation CSV. A *mutation* changes the bytes of one file of the seed (a
span replaced by a hostile token, deleted, repeated, truncated or a byte flipped) or, for JSON,
one value of its tree (replaced by null, a huge or negative number, NaN, a list, an object, a
control character...). :func:`run_once` runs ``python -m emergence analyze`` in process on the
mutated input and says what happened.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import hashlib
import io
import json
import random
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq

from tests.csv_files import RECORD_COLUMNS, record_rows, write

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"

#: Bytes a hostile or broken file puts where a value should be.
TOKENS = [b"", b"nan", b"NaN", b"inf", b"-inf", b"Infinity", b"-1", b"0", b"-0.0", b"1e400", b"1e-400",
          b"9" * 400, b"\x00", b"\x1b]0;x\x07", b'"', b"'", b",", b",,,,", b"\n", b"\r\n", b"[", b"]",
          b"{", b"}", b"null", b"true", b"=cmd|' /C calc'!A0", b"<script>alert(1)</script>",
          "\u202e".encode(), "é".encode("latin-1"), b"\xff\xfe", b"0b", b"1.3b", b"-5m", b" "]

#: Values a JSON mutation puts into the tree.
JSON_VALUES = [None, -1, 0, 10**400, -(10**30), 1e308, float("nan"), float("inf"), "", "nan", "\x00",
               "\x1b[2J", [], {}, [1, 2], {"a": 1}, True, "x" * 1000, 2.5, "1.3b"]


@dataclass(frozen=True)
class Outcome:
    """What one run on a mutated input did."""

    fmt: str
    exit_code: int
    seconds: float
    modified: bool
    out_of_range: str  # "" or the first value outside its metric's range, described
    message: str  # the first error line, or ""


# ------------------------------------------------------------------------------------------------
# seeds
# ------------------------------------------------------------------------------------------------

def _records_rows() -> list[list[str]]:
    """The test records (4 models) and a fifth model, so that a verdict can be reached."""
    rows = record_rows(n_examples=4)
    model, params = RECORD_COLUMNS.index("model"), RECORD_COLUMNS.index("params")
    last = [row for row in rows if row[model] == "m-6.7b"]
    return rows + [[*row[:model], "m-30b", "30b", *row[params + 1:]] for row in last]


def make_seeds(folder: Path) -> dict[str, Path]:
    """Write one valid input of each format under ``folder``: format -> file or folder."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds: dict[str, Path] = {}
    seeds["records.csv"] = write(folder / "records.csv", RECORD_COLUMNS, _records_rows())
    records = pd.read_csv(seeds["records.csv"], dtype=str)
    records["correct"] = (records["prediction"] == records["target"]).astype(float)
    scores = (records.groupby(["family", "model", "params", "task"], as_index=False)["correct"].mean()
              .rename(columns={"correct": "value"}).assign(metric="acc", stderr=0.05, n=4))
    records = records.drop(columns="correct")
    seeds["scores.csv"] = folder / "scores.csv"
    scores.to_csv(seeds["scores.csv"], index=False)
    seeds["records.csv.gz"] = folder / "records.csv.gz"
    seeds["records.csv.gz"].write_bytes(gzip.compress(seeds["records.csv"].read_bytes(), mtime=0))
    seeds["details.parquet"] = folder / "gsm8k.parquet"  # lm-eval details, as the Hub holds them
    pd.DataFrame({"doc_id": [0, 1, 2], "target": ["18", "7", "3"],
                  "resps": [[["18"]], [["8"]], [["3"]]], "filtered_resps": [["18"], ["8"], ["3"]],
                  "exact_match": [1.0, 0.0, 1.0], "params": ["1.4b"] * 3,
                  "model_name": ["EleutherAI/pythia-1.4b"] * 3}).to_parquet(
        seeds["details.parquet"], index=False)
    seeds["lm-eval"] = _copy(HERE / "data" / "lm_eval_ladder" / "gen" / "arith-10k", folder / "lm-eval")
    seeds["bigbench"] = _copy(HERE / "data" / "bigbench" / "scores_BIG-G_T=0_2m.json",
                              folder / "scores_BIG-G_T=0_2m.json")
    # an Inspect log (as inspect-ai wrote it, 3 samples kept, their events dropped) as .json, and the
    # .eval zip of the same run as inspect-ai wrote it (Zstandard members)
    packed = next((HERE / "data" / "inspect" / "json").glob("*.json.gz"))
    log = orjson.loads(gzip.decompress(packed.read_bytes()))
    log["samples"] = [{k: v for k, v in sample.items() if k not in ("events", "attachments")}
                      for sample in log["samples"][:3]]
    log["eval"]["model_args"] = {}
    seeds["inspect.json"] = folder / "inspect-log.json"
    seeds["inspect.json"].write_bytes(orjson.dumps(log, option=orjson.OPT_INDENT_2))
    seeds["inspect.eval"] = _copy(next((HERE / "data" / "inspect" / "eval").glob("*.eval")),
                                  folder / "inspect-log.eval")
    lighteval = next((HERE / "data" / "lighteval" / "details").glob("toy-1b/*/*.parquet"))
    seeds["lighteval"] = folder / "details"  # lighteval's tree: details/<model>/<date>/<file>
    (seeds["lighteval"] / "toy-1b" / "2026-12-01T00-00-00").mkdir(parents=True)
    pq.write_table(pq.read_table(lighteval).slice(0, 5),
                   seeds["lighteval"] / "toy-1b" / "2026-12-01T00-00-00" / lighteval.name)
    helm = SHARED / "lm_eval" / "evaleval_helm_pythia-1b-v0_hellaswag"
    if helm.is_dir():
        seeds["helm"] = _copy(helm, folder / "helm")
    pythia = SHARED / "pythia" / "pythia_evals.csv.gz"
    if pythia.is_file():
        with gzip.open(pythia, "rt", encoding="utf-8") as handle:
            head = [next(handle) for _ in range(40)]
        seeds["pythia.csv"] = folder / "pythia_evals.csv"
        seeds["pythia.csv"].write_text("".join(head), encoding="utf-8")
    return seeds


def _copy(source: Path, target: Path) -> Path:
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)
    return target


# ------------------------------------------------------------------------------------------------
# mutations
# ------------------------------------------------------------------------------------------------

def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One to four byte-level changes: a span replaced by a hostile token, deleted, repeated, a
    byte flipped, or the data cut short."""
    for _ in range(rng.randint(1, 4)):
        n = len(data)
        start = rng.randrange(n + 1)
        stop = min(n, start + rng.choice((0, 1, 2, 4, 8, 32)))
        kind = rng.randrange(5)
        if kind == 0:
            data = data[:start] + rng.choice(TOKENS) + data[stop:]
        elif kind == 1:
            data = data[:start] + data[stop:]
        elif kind == 2:
            data = data[:stop] + data[start:stop] * rng.randint(2, 50) + data[stop:]
        elif kind == 3 and n:
            i = rng.randrange(n)
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
        else:
            data = data[:start]
    return data


def _leaves(tree, path=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _leaves(value, (*path, i))
    yield path


def mutate_json(text: str, rng: random.Random) -> str | None:
    """One to three values of a JSON document replaced (None if it is not JSON)."""
    try:
        tree = json.loads(text)
    except ValueError:
        return None
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _leaves(tree) if p]
        if not paths:
            break
        where = rng.choice(paths)
        node = tree
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = copy.deepcopy(rng.choice(JSON_VALUES))  # never one object in two places
    return json.dumps(tree, allow_nan=True)


def mutate(seed: Path, target: Path, rng: random.Random) -> Path:
    """Copy ``seed`` to ``target`` and mutate one of its files."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(seed, target)
    victim = rng.choice(_files(target))
    data = victim.read_bytes()
    if victim.suffix in (".json", ".jsonl") and rng.random() < 0.5:
        if victim.suffix == ".jsonl":
            lines = data.decode("utf-8", errors="replace").split("\n")
            i = rng.randrange(len(lines))
            changed = mutate_json(lines[i], rng)
            if changed is not None:
                lines[i] = changed
                victim.write_text("\n".join(lines), encoding="utf-8")
                return target
        else:
            changed = mutate_json(data.decode("utf-8", errors="replace"), rng)
            if changed is not None:
                victim.write_text(changed, encoding="utf-8")
                return target
    if victim.suffix == ".gz" and rng.random() < 0.5:  # mutate what is inside, keep valid gzip
        victim.write_bytes(gzip.compress(mutate_bytes(gzip.decompress(data), rng), mtime=0))
        return target
    victim.write_bytes(mutate_bytes(data, rng))
    return target


# ------------------------------------------------------------------------------------------------
# one run
# ------------------------------------------------------------------------------------------------

def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in _files(path):
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


class _Hang(BaseException):  # not caught by the CLI's last-resort handler
    pass


def _alarm(signum, frame):
    raise _Hang


def out_of_range(out: Path) -> str:
    """The first value of ``scores.csv`` outside its metric's range ("" if none)."""
    from emergence.metrics import value_range

    path = out / "scores.csv"
    if not path.is_file():
        return ""
    scores = pd.read_csv(path)
    for metric, rows in scores.groupby("metric"):
        allowed = value_range(str(metric))
        values = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float)
        if allowed is not None:
            bad = ~allowed.contains(values) & ~np.isnan(values)
            if bad.any():
                return f"{metric} = {values[bad][0]!r} outside {allowed}"
    return ""


def run_once(fmt: str, path: Path, out: Path, *, timeout: int = 30) -> Outcome:
    """``analyze PATH --out OUT`` in process, with a time limit; the input checked unchanged."""
    from emergence.cli import main

    before = _digest(path)
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["analyze", str(path), "--out", str(out), "--no-figures", "--bootstrap", "100"])
    except _Hang:
        code = -1  # over the time limit
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    errors = [line for line in stderr.getvalue().splitlines() if not line.startswith("emergence: warning")]
    return Outcome(fmt, code, seconds, _digest(path) != before,
                   out_of_range(out) if code == 0 else "", errors[0] if errors else "")
