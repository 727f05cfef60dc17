"""A lighteval custom model for the fixture: no weights, a pretend size read from its name
(toy-10m .. toy-1b). The log-likelihood of each choice is drawn so that the right choice's
probability rises sharply between 100m and 300m (an emergent step, in accuracy and in the
probability alike); seeded by the size and the document, so reruns agree."""

import math
import random

from lighteval.models.abstract_model import LightevalModel
from lighteval.models.model_output import ModelResponse
from lighteval.tasks.requests import Doc
from lighteval.utils.cache_management import SampleCache

SIZES = {"toy-10m": 1e7, "toy-30m": 3e7, "toy-100m": 1e8, "toy-300m": 3e8, "toy-1b": 1e9}


class ToyModel(LightevalModel):
    def __init__(self, config, *args, **kwargs):
        self.config = config
        self.size = SIZES[config.model_name]
        self._cache = SampleCache(config)  # the pipeline expects one, as lighteval's dummy model has

    @property
    def tokenizer(self):
        return None

    @property
    def add_special_tokens(self):
        return False

    @property
    def max_length(self) -> int:
        return 2048

    def greedy_until(self, docs: list[Doc]) -> list[ModelResponse]:
        raise NotImplementedError("the fixture task is multiple choice")

    def loglikelihood(self, docs: list[Doc]) -> list[ModelResponse]:
        out = []
        level = 6.0 * math.tanh(4.0 * (math.log10(self.size) - 8.25))  # a sharp rise from 100m to 300m
        for doc in docs:
            rng = random.Random(f"{self.size}-{doc.id}")
            right = level + rng.gauss(0.0, 1.0)
            scores = [right if i == doc.gold_index else rng.gauss(0.0, 1.0) for i in range(len(doc.choices))]
            norm = math.log(sum(math.exp(s) for s in scores))
            logprobs = [s - norm for s in scores]
            best = max(range(len(scores)), key=scores.__getitem__)
            out.append(ModelResponse(logprobs=logprobs,
                                     argmax_logits_eq_gold=[i == best for i in range(len(scores))]))
        return out

    def loglikelihood_rolling(self, docs: list[Doc]) -> list[ModelResponse]:
        raise NotImplementedError("the fixture task is multiple choice")
