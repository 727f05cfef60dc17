"""Arithmetic tasks with multi-token answers: test sets, a training stream, lm-eval task YAMLs.

Every problem is a prompt and an answer of digits, written as one line, ``"123+456=579\\n"``; the
newline ends the answer (training, generation stop, and the scored continuations all use it).

Operations and answer-length buckets (``<op>_<d>digit``: both operands have ``d`` digits):

- ``add``: ``a+b=``, d = 1..5 (answers of d or d+1 digits, as in Schaeffer et al. 2023, Figs. 3/4);
- ``mul``: ``a*b=``, d = 1..3 (answers of up to 2d digits);
- ``comp``: ``(a+b)*c=`` with a one-digit ``c`` in 2..9, d = 1..3: two chained operations, solved only
  when both are; the compositional task where a genuine sharp transition might occur.

Train/test split by example: each bucket's test problems are drawn once with a fixed seed and never
appear in the training stream. A bucket with fewer than ``2 * n_test`` distinct problems (``add`` and
``mul`` with d = 1: 100 problems; ``comp`` d = 1: 800) cannot be split: its test set is every problem,
each also trained on (``heldout`` is false in its documents), so it measures memorisation.

Each test document also carries a multiple-choice version: the gold answer and three distractors
that differ from it in one digit (same length), in a seeded random order.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Characters the problems use; the tokenizer's vocabulary is built from them.
ALPHABET = "0123456789+*=()\n"
#: What ends an answer.
END = "\n"
#: Operations and their buckets (operand digits).
BUCKETS: dict[str, tuple[int, ...]] = {"add": (1, 2, 3, 4, 5), "mul": (1, 2, 3), "comp": (1, 2, 3)}
#: Request types evaluated by lm-eval, and the YAML template of each.
REQUEST_TYPES = ("gen", "ll", "mc")

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Bucket:
    op: str
    digits: int

    @property
    def name(self) -> str:
        return f"{self.op}_{self.digits}digit"

    @property
    def size(self) -> int:
        """Number of distinct problems."""
        n = 10 if self.digits == 1 else 9 * 10 ** (self.digits - 1)
        return n * n * (8 if self.op == "comp" else 1)

    def sample(self, rng: random.Random) -> tuple[int, ...]:
        lo = 0 if self.digits == 1 else 10 ** (self.digits - 1)
        hi = 10**self.digits - 1
        operands = (rng.randint(lo, hi), rng.randint(lo, hi))
        return (*operands, rng.randint(2, 9)) if self.op == "comp" else operands

    def all_problems(self) -> list[tuple[int, ...]]:
        lo = 0 if self.digits == 1 else 10 ** (self.digits - 1)
        span = range(lo, 10**self.digits)
        if self.op == "comp":
            return [(a, b, c) for a in span for b in span for c in range(2, 10)]
        return [(a, b) for a in span for b in span]


def buckets(ops: dict[str, tuple[int, ...]] | None = None) -> list[Bucket]:
    return [Bucket(op, d) for op, ds in (ops or BUCKETS).items() for d in ds]


def prompt_and_answer(op: str, problem: tuple[int, ...], reverse: bool = False) -> tuple[str, str]:
    """``("12+34=", "46")``; with ``reverse``, the answer's digits come last-first (``"64"``)."""
    if op == "add":
        a, b = problem
        prompt, answer = f"{a}+{b}=", str(a + b)
    elif op == "mul":
        a, b = problem
        prompt, answer = f"{a}*{b}=", str(a * b)
    elif op == "comp":
        a, b, c = problem
        prompt, answer = f"({a}+{b})*{c}=", str((a + b) * c)
    else:
        raise ValueError(f"unknown operation {op!r}; expected one of {', '.join(BUCKETS)}")
    return prompt, answer[::-1] if reverse else answer


def distractors(answer: str, rng: random.Random, k: int = 3) -> list[str]:
    """``k`` distinct answers of the same length that differ from ``answer`` in one digit."""
    found: list[str] = []
    candidates = []
    for pos, digit in enumerate(answer):
        for new in "0123456789":
            if new != digit and not (pos == 0 and new == "0" and len(answer) > 1):
                candidates.append(answer[:pos] + new + answer[pos + 1:])
    rng.shuffle(candidates)
    for cand in candidates:
        if cand not in found:
            found.append(cand)
        if len(found) == k:
            break
    return found


@dataclass
class TestSets:
    """Test documents per bucket and the held-out problems the training stream must skip."""

    docs: dict[str, list[dict]]
    heldout: dict[str, set[tuple[int, ...]]]


def make_test_sets(n_test: int, seed: int = 0, ops: dict[str, tuple[int, ...]] | None = None,
                   reverse: bool = False) -> TestSets:
    """``n_test`` documents per bucket (fewer where the bucket has fewer problems), seeded."""
    docs: dict[str, list[dict]] = {}
    heldout: dict[str, set[tuple[int, ...]]] = {}
    for bucket in buckets(ops):
        rng = random.Random(f"{seed}-test-{bucket.name}")
        if bucket.size < 2 * n_test:
            problems = bucket.all_problems()
            rng.shuffle(problems)
            problems = problems[:n_test]
            split = False
        else:
            chosen: dict[tuple[int, ...], None] = {}
            while len(chosen) < n_test:
                chosen[bucket.sample(rng)] = None
            problems = list(chosen)
            split = True
            heldout[bucket.name] = set(problems)
        rows = []
        for k, problem in enumerate(problems):
            prompt, answer = prompt_and_answer(bucket.op, problem, reverse)
            choices = [answer, *distractors(answer, rng)]
            rng.shuffle(choices)
            # continuation and choices end with END: their log-likelihood is that of the whole answer
            rows.append({"id": f"{bucket.name}-{k:05d}", "prompt": prompt, "answer": answer,
                         "continuation": answer + END, "choices": [c + END for c in choices],
                         "gold": choices.index(answer), "heldout": split})
        docs[bucket.name] = rows
    return TestSets(docs, heldout)


def training_examples(seed: int, heldout: dict[str, set[tuple[int, ...]]],
                      ops: dict[str, tuple[int, ...]] | None = None,
                      reverse: bool = False) -> Iterator[tuple[str, str]]:
    """An endless seeded stream of (prompt, answer), buckets drawn uniformly, test problems skipped."""
    rng = random.Random(f"{seed}-train")
    all_buckets = buckets(ops)
    while True:
        bucket = all_buckets[rng.randrange(len(all_buckets))]
        problem = bucket.sample(rng)
        if problem in heldout.get(bucket.name, ()):
            continue
        yield prompt_and_answer(bucket.op, problem, reverse)


def pack(examples: Iterator[tuple[str, str]], encode, seq_len: int, batch_size: int,
         pad_id: int, loss_on: str = "answer") -> tuple[np.ndarray, np.ndarray]:
    """One batch of rows filled with whole examples: ``(input_ids, labels)`` with -100 where unscored.

    ``loss_on="answer"`` scores the answer and its end only (the operands are random, their loss
    cannot be learned); ``"all"`` scores every token.
    """
    ids = np.full((batch_size, seq_len), pad_id, dtype=np.int64)
    labels = np.full((batch_size, seq_len), -100, dtype=np.int64)
    pending = None
    for row in range(batch_size):
        pos = 0
        while True:
            prompt, answer = pending or next(examples)
            p, a = encode(prompt), encode(answer + END)
            if pos + len(p) + len(a) > seq_len:
                pending = (prompt, answer)
                break
            pending = None
            ids[row, pos:pos + len(p) + len(a)] = p + a
            # labels are the tokens themselves; the model shifts them
            if loss_on == "all":
                labels[row, pos:pos + len(p) + len(a)] = p + a
            else:
                labels[row, pos + len(p):pos + len(p) + len(a)] = a
            pos += len(p) + len(a)
    return ids, labels


def write_tasks(out: Path, tests: TestSets) -> list[str]:
    """Write each bucket's documents (``data/<bucket>.jsonl``) and its three lm-eval task YAMLs.

    Returns the lm-eval task names, ``<bucket>_gen`` (generate_until, greedy, exact match),
    ``<bucket>_ll`` (loglikelihood of the answer and its end) and ``<bucket>_mc`` (multiple choice).
    """
    data, yamls = out / "data", out / "tasks"
    data.mkdir(parents=True, exist_ok=True)
    yamls.mkdir(parents=True, exist_ok=True)
    names = []
    for bucket, rows in tests.docs.items():
        path = data / f"{bucket}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        longest = max(len(r["answer"]) for r in rows)
        for kind in REQUEST_TYPES:
            name = f"{bucket}_{kind}"
            lines = [f"include: {(TEMPLATES / f'{kind}.yaml').resolve()}", f"task: {name}",
                     "dataset_kwargs:", "  data_files:", f"    test: {path.resolve()}"]
            if kind == "gen":  # room for the longest answer, its end, and one wrong extra digit
                lines += ["generation_kwargs:", "  until: [\"\\n\"]", "  do_sample: false",
                          f"  max_gen_toks: {longest + 2}"]
            (yamls / f"{name}.yaml").write_text("\n".join(lines) + "\n")
            names.append(name)
    return names
