"""Train the ladder: GPT-NeoX decoder-only transformers from scratch, one recipe, seeded.

Each model ``<out>/models/<name>/`` holds ``step<N>/`` checkpoints (a ``transformers`` model folder
with the tokenizer, loadable by lm-eval's ``hf`` model with ``pretrained=<name>,subfolder=step<N>``),
``loss.csv`` (step, tokens, mean training loss over the last ``log_every`` steps, learning rate,
seconds) and ``meta.json`` (sizes, recipe, the tokens and FLOPs at every checkpoint).

Recipe (the same for every size): AdamW (betas 0.9, 0.95, weight decay 0.1), linear warm-up over 5%
of the steps then cosine decay to 10%, peak learning rate ``min(3e-3, 0.25 / width)``, batches of
``batch_size`` (16) rows of ``seq_len`` (64) characters filled with whole problems, loss on the answer
characters only, a fixed number of training tokens for every size; all models see the same data
in the same order (the stream is seeded, not the model). Parameter counts are non-embedding
(Kaplan et al. 2020): every weight except the input embedding and the output projection.

``python -m analyses.ladder.train --bench 20 --sizes arith-3k arith-60k arith-1.2m`` measures the
training throughput (tokens/s) of each size for 20 seconds and trains nothing to completion.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import tasks as tasks_module
from . import tokenizer as tokenizer_module


@dataclass(frozen=True)
class Size:
    """One rung: layers, width (d_model) and heads; the MLP is 4 x width.

    The head size (width / heads) must be even: GPT-NeoX's rotary embedding rotates pairs.
    """

    name: str
    layers: int
    width: int
    heads: int

    @property
    def approx_params(self) -> int:
        """12 L d^2: the attention and MLP weights (biases and layer norms not counted)."""
        return 12 * self.layers * self.width**2


#: The default ladder: 888 .. 1.19e6 non-embedding parameters (3.1 decades), about 2.7x per rung.
LADDER = (
    Size("arith-1k", 1, 8, 2),
    Size("arith-3k", 1, 16, 2),
    Size("arith-10k", 2, 20, 2),
    Size("arith-25k", 2, 32, 2),
    Size("arith-60k", 3, 40, 4),
    Size("arith-150k", 4, 56, 4),
    Size("arith-440k", 4, 96, 4),
    Size("arith-1.2m", 6, 128, 4),
)
#: Larger: 1 hour per 12M tokens on one core, so not in the default ladder.
EXTRA = (Size("arith-3.1m", 6, 208, 8),)
TINY = (Size("arith-1k", 1, 8, 2), Size("arith-3k", 1, 16, 2))
SIZES = {s.name: s for s in (*LADDER, *EXTRA, *TINY)}


@dataclass(frozen=True)
class Recipe:
    tokens: int = 20_000_000  # training tokens per model (positions of the batches, padding included)
    batch_size: int = 16
    seq_len: int = 64
    checkpoints: int = 4  # at 1/2^(k-1) .. 1/2, 1 of the steps
    seed: int = 0
    loss_on: str = "answer"
    reverse: bool = False  # answers written last digit first
    warmup: float = 0.05
    log_every: int = 20

    @property
    def steps(self) -> int:
        return max(1, math.ceil(self.tokens / (self.batch_size * self.seq_len)))

    def checkpoint_steps(self) -> list[int]:
        steps = self.steps
        return sorted({max(1, round(steps / 2**k)) for k in range(self.checkpoints)})


def peak_lr(size: Size) -> float:
    return min(3e-3, 0.25 / size.width)


def make_model(size: Size, vocab_size: int, seq_len: int, seed: int):
    import torch
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

    config = GPTNeoXConfig(
        vocab_size=vocab_size, hidden_size=size.width, num_hidden_layers=size.layers,
        num_attention_heads=size.heads, intermediate_size=4 * size.width,
        max_position_embeddings=seq_len, rotary_pct=1.0, hidden_dropout=0.0, attention_dropout=0.0,
        bos_token_id=1, eos_token_id=1, pad_token_id=0, tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    return GPTNeoXForCausalLM(config)


def count_params(model) -> tuple[int, int]:
    """(non-embedding, total) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel() + model.get_output_embeddings().weight.numel()
    return total - embedding, total


def probe_accuracy(model, tokenizer, docs: dict[str, list[dict]], n: int = 200) -> dict[str, float]:
    """Greedy exact match on the first ``n`` test documents of each bucket (a quick check, not lm-eval).

    The prompts of a bucket have one length, so each bucket is one batch without padding.
    """
    import torch

    was_training = model.training
    model.eval()
    scores = {}
    with torch.no_grad():
        for bucket, rows in docs.items():
            rows = rows[:n]
            ids = torch.tensor([tokenizer(r["prompt"])["input_ids"] for r in rows])
            longest = max(len(r["answer"]) for r in rows) + 1
            for _ in range(longest):
                logits = model(input_ids=ids).logits[:, -1]
                ids = torch.cat([ids, logits.argmax(-1, keepdim=True)], dim=1)
            texts = tokenizer.batch_decode(ids[:, -longest:])
            scores[bucket] = sum(t.split("\n")[0] == r["answer"] and "\n" in t
                                 for t, r in zip(texts, rows, strict=True)) / len(rows)
    model.train(was_training)
    return scores


def train(size: Size, out: Path, recipe: Recipe, heldout, threads: int = 1,
          bench_seconds: float | None = None, verbose: bool = True,
          probe: dict[str, list[dict]] | None = None,
          ops: dict[str, tuple[int, ...]] | None = None) -> dict:
    """Train one size; write its checkpoints, loss curve and meta.json. Returns the meta dict.

    With ``bench_seconds``, train for that long only (after 3 warm-up steps), write nothing, and
    return the measured throughput.
    """
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    tokenizer = tokenizer_module.build()
    encode = {c: tokenizer.convert_tokens_to_ids(c) for c in tasks_module.ALPHABET}

    def enc(text: str) -> list[int]:
        return [encode[c] for c in text]

    model = make_model(size, len(tokenizer), recipe.seq_len, recipe.seed)
    non_embedding, total = count_params(model)
    lr = peak_lr(size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    steps = recipe.steps
    warmup = max(1, int(recipe.warmup * steps))

    def schedule(step: int) -> float:  # step counts from 1
        if step <= warmup:
            return step / warmup
        progress = (step - warmup) / max(1, steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    stream = tasks_module.training_examples(recipe.seed, heldout, ops, recipe.reverse)
    folder = out / "models" / size.name
    checkpoints = set(recipe.checkpoint_steps())
    rows, window, tokens, scored = [], [], 0, 0
    meta = {"name": size.name, **asdict(size), "params": non_embedding, "params_total": total,
            "recipe": asdict(recipe), "peak_lr": lr, "threads": threads, "checkpoints": []}
    start = time.perf_counter()
    bench_start, bench_tokens = None, 0
    model.train()
    for step in range(1, steps + 1):
        ids, labels = tasks_module.pack(stream, enc, recipe.seq_len, recipe.batch_size,
                                        tokenizer.pad_token_id, recipe.loss_on)
        ids_t, labels_t = torch.from_numpy(ids), torch.from_numpy(labels)
        for group in optimizer.param_groups:
            group["lr"] = lr * schedule(step)
        loss = model(input_ids=ids_t, labels=labels_t).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        tokens += ids.size
        scored += int((labels != -100).sum())
        window.append(loss.item())
        if bench_seconds is not None:
            if step == 3:
                bench_start, bench_tokens = time.perf_counter(), tokens
            elif bench_start is not None and time.perf_counter() - bench_start >= bench_seconds:
                break
            continue
        if step % recipe.log_every == 0 or step == steps:
            rows.append({"step": step, "tokens": tokens, "loss": float(np.mean(window)),
                         "lr": lr * schedule(step), "seconds": round(time.perf_counter() - start, 2)})
            window = []
            if verbose:
                r = rows[-1]
                print(f"  {size.name} step {step}/{steps} loss {r['loss']:.3f} "
                      f"{r['seconds']:.0f}s", flush=True)
        if step in checkpoints:
            target = folder / f"step{step}"
            model.save_pretrained(target)
            tokenizer.save_pretrained(target)
            meta["checkpoints"].append({"step": step, "tokens": tokens, "scored_tokens": scored,
                                        "compute": 6.0 * non_embedding * tokens})
            if probe:
                meta["checkpoints"][-1]["probe_exact_match"] = probe_accuracy(model, tokenizer, probe)
                if verbose:
                    print("   probe:", {k: round(v, 3) for k, v in
                                        meta["checkpoints"][-1]["probe_exact_match"].items()}, flush=True)
    if bench_seconds is not None:
        seconds = time.perf_counter() - bench_start
        return {**meta, "bench_steps": step - 3, "bench_seconds": seconds,
                "tokens_per_s": (tokens - bench_tokens) / seconds, "loss": float(np.mean(window[-20:]))}
    meta["seconds"] = time.perf_counter() - start
    meta["tokens_per_s"] = tokens / meta["seconds"]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "loss.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (folder / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("ladder-run"))
    parser.add_argument("--sizes", nargs="+", default=[s.name for s in LADDER], choices=sorted(SIZES))
    parser.add_argument("--tokens", type=float, default=Recipe.tokens)
    parser.add_argument("--batch-size", type=int, default=Recipe.batch_size)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reverse", action="store_true", help="answers last digit first")
    parser.add_argument("--checkpoints", type=int, default=Recipe.checkpoints)
    parser.add_argument("--n-test", type=int, default=1000, help="held out of the training stream")
    parser.add_argument("--probe", type=int, default=0, metavar="N",
                        help="greedy exact match on N test problems per bucket at each checkpoint")
    parser.add_argument("--bench", type=float, default=None, metavar="SECONDS",
                        help="measure tokens/s for SECONDS per size; train nothing to completion")
    args = parser.parse_args(argv)
    recipe = Recipe(tokens=int(args.tokens), batch_size=args.batch_size, reverse=args.reverse,
                    checkpoints=args.checkpoints)
    tests = tasks_module.make_test_sets(args.n_test, recipe.seed, reverse=recipe.reverse)
    probe = {k: v[: args.probe] for k, v in tests.docs.items()} if args.probe else None
    for name in args.sizes:
        result = train(SIZES[name], args.out, recipe, tests.heldout, threads=args.threads,
                       bench_seconds=args.bench, probe=probe)
        keys = ("name", "params", "params_total", "threads", "tokens_per_s", "bench_steps", "loss", "seconds")
        print(json.dumps({k: result[k] for k in keys if k in result}), flush=True)


if __name__ == "__main__":
    main()
