"""The model ladder of analyses/ladder. The task generator needs only the core install; the tokenizer
and the pipeline are skipped without the ``ladder`` extra (torch, transformers, lm-eval); with it,
the tiny pipeline runs end to end (train 2 tiny models, lm-eval on every checkpoint, records)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_MISSING = [name for name in ("torch", "transformers", "lm_eval") if importlib.util.find_spec(name) is None]
needs_extra = pytest.mark.skipif(
    bool(_MISSING),
    reason="the ladder needs the 'ladder' extra (pip install -e '.[ladder]'); missing: "
    + ", ".join(_MISSING),
)


def test_tasks_are_seeded_and_split_by_example():
    from analyses.ladder import tasks

    first, again = tasks.make_test_sets(50, seed=0), tasks.make_test_sets(50, seed=0)
    assert first.docs == again.docs
    for doc in (d for rows in first.docs.values() for d in rows):  # distractors: one digit off
        wrong = [c for i, c in enumerate(doc["choices"]) if i != doc["gold"]]
        assert all(len(c) == len(doc["answer"]) + 1 for c in wrong)
        assert all(sum(a != b for a, b in zip(c, doc["answer"], strict=False)) == 1 for c in wrong)
    doc = first.docs["add_3digit"][0]
    a, b = doc["prompt"].removesuffix("=").split("+")
    assert int(a) + int(b) == int(doc["answer"])
    assert doc["choices"][doc["gold"]] == doc["answer"] + tasks.END
    assert len(set(doc["choices"])) == 4
    stream = tasks.training_examples(0, first.heldout)
    held = {d["prompt"] for rows in first.docs.values() for d in rows if d["heldout"]}
    assert not any(next(stream)[0] in held for _ in range(20_000))


LADDER_CSV = Path(__file__).parents[1] / "benchmarks" / "arith_ladder.csv.gz"


def test_shipped_ladder_benchmark_is_the_ladder_of_the_issue():
    """benchmarks/arith_ladder.csv.gz (the default ladder, `python -m analyses.ladder.run`): >= 8 sizes
    over >= 2.5 decades, several checkpoints each, >= 4 tasks of >= 1,000 examples, every model scored on
    the same test problems the generator makes, lm-eval's own exact match agreeing with ours."""
    import numpy as np
    from analyses.ladder import tasks, train

    import emergence

    records = emergence.load(LADDER_CSV)
    sizes = records.groupby("model")["params"].first()
    assert len(sizes) >= 8 and np.log10(sizes.max() / sizes.min()) >= 2.5
    assert (records.groupby("model")["step"].nunique() >= 4).all()
    counts = records.groupby(["model", "step", "task"]).size().unstack("task")
    assert (counts.nunique() == 1).all()  # every checkpoint saw every problem
    assert (counts.iloc[0] >= 1000).sum() >= 4
    for column in ("target", "target_logprob", "target_tokens", "correct", "choice_logprobs", "gold",
                   "tokens", "compute"):
        assert records[column].notna().all(), column
    assert np.allclose(records["compute"], 6 * records["params"] * records["tokens"])
    # gen, ll and mc rows joined on the same problem: the multiple-choice log-prob of the gold answer
    # is the log-likelihood request's log-prob of the same "answer\n" (to 1.1e-4: batching)
    gold = [choices[int(k)] for choices, k in zip(records["choice_logprobs"], records["gold"], strict=True)]
    assert np.allclose(gold, records["target_logprob"], atol=2e-4)
    assert (records["target_tokens"] == records["target"].str.len() + 1).all()
    em = emergence.metrics.compute(records, "exact_match")
    assert (em == records["correct"]).all()
    docs = tasks.make_test_sets(1000, train.Recipe.seed).docs
    one = records[(records["model"] == sizes.idxmax()) & (records["step"] == records["step"].max())]
    for task, rows in one.groupby("task"):
        expected = {str(i): doc["answer"] for i, doc in enumerate(docs[task])}
        assert dict(zip(rows["example"], rows["target"], strict=True)) == expected, task


def test_shipped_loss_curves_are_drawn(tmp_path, capsys):
    """analyses/ladder/results/loss_curves.csv.gz: every model of the benchmark, one line each."""
    import pandas as pd
    from analyses.ladder import loss

    table = pd.read_csv(loss.SHIPPED)
    records_models = {"arith-1k", "arith-3k", "arith-10k", "arith-25k", "arith-60k", "arith-150k",
                      "arith-440k", "arith-1.2m"}
    assert set(table["model"]) == records_models
    final = table.groupby("model").tail(1).sort_values("params")["loss"]
    assert final.is_monotonic_decreasing  # bigger models end lower: 1.706 .. 0.294 nats in this run
    assert len(loss.draw(table).axes[0].lines) == 8
    assert loss.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "ladder_loss_curves.png").stat().st_size > 10_000
    assert "arith-1.2m" in capsys.readouterr().out


@needs_extra
def test_tokenizer_is_one_token_per_character():
    from analyses.ladder import tokenizer

    tok = tokenizer.build()
    text = "(12+34)*5=230\n"
    assert len(tok(text)["input_ids"]) == len(text)
    assert tok.decode(tok(text)["input_ids"]) == text


@needs_extra
def test_tiny_pipeline_end_to_end(tmp_path):
    import numpy as np
    import pandas as pd
    from analyses.ladder import run

    import emergence

    out = tmp_path / "ladder"
    assert run.main(["--tiny", "--out", str(out)]) == 0
    records = emergence.load(out / "arith_ladder.csv.gz")
    assert set(records["model"]) == {"arith-1k", "arith-3k"}
    assert records["step"].nunique() == 2
    assert {"add_1digit", "add_2digit", "mul_2digit", "comp_1digit"} == set(records["task"])
    for column in ("prediction", "target", "target_logprob", "target_tokens", "correct",
                   "choice_logprobs", "gold", "params", "tokens", "compute", "step"):
        assert records[column].notna().all(), column
    # the raw lm-eval folders load through the project's own loader too
    from emergence.sources import load_tables

    raw = load_tables([out / "lm_eval"])
    assert len(raw.records) == 3 * len(records)
    assert set(raw.records["model"]) == {"arith-1k", "arith-3k"} and raw.records["step"].nunique() == 2
    assert set(pd.read_csv(out / "loss_curves.csv.gz")["model"]) == {"arith-1k", "arith-3k"}
    # the conversion: non-embedding sizes from meta.json (not lm-eval's total), answer + newline as
    # the scored target, and the three request types joined on the right example
    assert records.groupby("model")["params"].first().to_dict() == {"arith-1k": 888, "arith-3k": 3312}
    assert (records["target_tokens"] == records["target"].str.len() + 1).all()
    gold = [choices[int(k)] for choices, k in zip(records["choice_logprobs"], records["gold"], strict=True)]
    assert np.allclose(gold, records["target_logprob"], atol=2e-4)
    meta = json.loads((out / "models" / "arith-3k" / "meta.json").read_text())
    assert (out / "models" / "arith-3k" / "loss.csv").exists() and len(meta["checkpoints"]) == 2
