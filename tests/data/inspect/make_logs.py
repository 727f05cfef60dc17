"""Write the Inspect AI logs of tests/data/inspect/ with the real tool, offline.

    python -m venv /tmp/iv && /tmp/iv/bin/pip install inspect-ai==0.3.285
    cd tests/data/inspect && /tmp/iv/bin/python make_logs.py

Five pretend sizes of one family (``mockllm/toy-10m`` .. ``mockllm/toy-1b``) answer 60 one-digit sums
(``"3+4="``, target ``"7"``) through Inspect's mock model with outputs chosen here, scored by
``match()`` (C/I) and a numeric scorer (``closeness``: 1 - |answer - target| / 10). Each output carries
logprobs as a ``logprobs=True`` run logs them: the answer's token, and among its top logprobs the
target's. The per-sample probability of the target rises smoothly with log size; the model answers the
target when that probability beats its best wrong answer. The mock model's token counter would
download a tokenizer, so every output sets its own usage. Samples run one at a time
(``max_samples=1``), so the mock outputs meet their samples in order. The same runs are written as
``.eval`` (a zip of Zstandard-compressed JSON members) under ``eval/`` and as ``.json`` under
``json/``, the JSON then gzipped (``.json.gz``: 75 KB instead of 890 KB each; the loader reads both).
"""

import gzip
import math
import random
import shutil
from pathlib import Path

from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    Logprob,
    Logprobs,
    ModelOutput,
    ModelUsage,
    TopLogprob,
    get_model,
)
from inspect_ai.scorer import Score, Target, match, mean, scorer
from inspect_ai.solver import TaskState, generate

SIZES = {"toy-10m": 1e7, "toy-30m": 3e7, "toy-100m": 1e8, "toy-300m": 3e8, "toy-1b": 1e9}
N = 60


@scorer(metrics=[mean()])
def closeness():
    async def score(state: TaskState, target: Target) -> Score:
        try:
            value = 1.0 - abs(int(state.output.completion) - int(target.text)) / 10.0
        except ValueError:
            value = 0.0
        return Score(value=max(0.0, value), answer=state.output.completion)

    return score


def samples() -> list[Sample]:
    rng = random.Random(0)
    out = []
    for i in range(N):
        a = rng.randrange(0, 5)
        b = rng.randrange(0, 5)
        out.append(Sample(input=f"{a}+{b}=", target=str(a + b), id=f"sum-{i:02d}"))
    return out


def output(model: str, answer: str, answer_lp: float, target: str, target_lp: float) -> ModelOutput:
    top = [TopLogprob(token=answer, logprob=answer_lp)]
    if target != answer:
        top.append(TopLogprob(token=target, logprob=target_lp))
    message = ChatMessageAssistant(content=answer, model=model, source="generate")
    choice = ChatCompletionChoice(message=message, stop_reason="stop",
                                  logprobs=Logprobs(content=[Logprob(token=answer, logprob=answer_lp,
                                                                     top_logprobs=top)]))
    return ModelOutput(model=model, choices=[choice],
                       usage=ModelUsage(input_tokens=4, output_tokens=1, total_tokens=5))


def outputs(model: str, size: float, data: list[Sample]) -> list[ModelOutput]:
    rng = random.Random(int(size))
    level = (math.log10(size) - 8.0) * 1.6  # smooth in log size
    made = []
    for sample in data:
        target = sample.target
        p = 1.0 / (1.0 + math.exp(-(level + rng.gauss(0.0, 1.0))))  # probability of the target
        wrong = str((int(target) + rng.choice([1, 2, 3])) % 10)
        q = (1.0 - p) * rng.uniform(0.3, 0.9)  # the best wrong answer's probability
        if p >= q:
            made.append(output(model, target, math.log(p), target, math.log(p)))
        else:
            made.append(output(model, wrong, math.log(q), target, math.log(p)))
    return made


def main() -> None:
    here = Path(__file__).parent
    data = samples()
    task = Task(name="sums", dataset=data, solver=generate(), scorer=[match(), closeness()])
    for fmt in ("eval", "json"):
        folder = here / fmt
        shutil.rmtree(folder, ignore_errors=True)
        for name, size in SIZES.items():
            model = get_model(f"mockllm/{name}", custom_outputs=outputs(f"mockllm/{name}", size, data))
            (log,) = eval(task, model=model, log_dir=str(folder), log_format=fmt, display="none",
                          max_samples=1)
            assert log.status == "success", log.error
    for written in (here / "json").glob("*.json"):
        with open(f"{written}.gz", "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as packed:
            packed.write(written.read_bytes())
        written.unlink()


if __name__ == "__main__":
    main()
