"""Ground-truth generators: the Mirage toy model and per-example records whose truth is known.

Schaeffer, Miranda & Koyejo (2023, "Are Emergent Abilities of Large Language Models a Mirage?",
Fig. 2) model the per-token cross-entropy of a model with N parameters as a power law,
``L(N) = (N / c) ** alpha`` with ``alpha = -0.5`` and ``c = 2e9``; the per-token probability of the
right token is ``p = exp(-L)``, exact match on an L-token answer is ``p ** L`` and the expected token
edit distance is ``L * (1 - p)``. :func:`toy_model` gives those curves; :func:`simulate` turns them
into per-example records (targets, greedy predictions with token errors, target log-probabilities,
multiple-choice log-likelihoods) that the rest of the toolkit loads and rescores like real results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from emergence.errors import EmergenceError
from emergence.scale import format_scale

#: Parameter counts of the four models of Mirage Fig. 2.
MIRAGE_FIG2_PARAMS = (3.5e8, 1.3e9, 6.7e9, 2e11)

#: Default ladder of :func:`simulate`: the eight GPT-3 sizes (Brown et al. 2020, Table 2.1), the
#: family whose arithmetic results Schaeffer et al. (2023) reanalyse.
DEFAULT_PARAMS = (1.25e8, 3.5e8, 7.6e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10, 1.75e11)

#: What :func:`simulate` can make, and what the truth is.
TRUTHS = {
    "power_law": "per-token loss falls as a power law in N: smooth; exact match on long targets "
    "looks emergent (a mirage)",
    "sharp": "per-token loss drops sharply at one scale: emergent under every metric",
    "linear": "exact-match accuracy itself rises linearly in log N: no emergence",
    "loglinear": "per-token loss falls linearly in log10 N from loss_start to loss_end: smooth, "
    "but not a power law",
    "step_first": "the step of 'sharp' between the two smallest sizes: emergent at the first gap",
    "step_last": "the step of 'sharp' between the two largest sizes: emergent at the last gap",
    "saturating": "power-law loss on a share 'ceiling' of the examples, the rest never solved "
    "(4 nats at every size): accuracy saturates below 1",
    "inverse": "per-token loss rises with size, 0.3 * (N / 1e8) ** 0.25: inverse scaling",
    "flat": "per-token loss 3 nats at every size, multiple choice at chance: no emergence",
}

#: Per-token loss (nats) of the examples that "saturating" never solves.
UNSOLVED_LOSS = 4.0


def toy_loss(params, *, alpha: float = -0.5, c: float = 2e9) -> np.ndarray:
    """Per-token cross-entropy ``L(N) = (N / c) ** alpha`` (Mirage Fig. 2A, nats)."""
    return (np.asarray(params, dtype=float) / c) ** alpha


def toy_model(
    params=MIRAGE_FIG2_PARAMS, *, alpha: float = -0.5, c: float = 2e9, target_length: int = 5
) -> pd.DataFrame:
    """The deterministic curves of Mirage Fig. 2 at the given sizes.

    Parameters
    ----------
    params : sequence of float
        Parameter counts N; default the four models of the paper's Fig. 2.
    alpha, c : float
        Power-law exponent and scale of the per-token cross-entropy.
    target_length : int
        Tokens in the answer (the paper uses 5).

    Returns
    -------
    DataFrame
        One row per N with columns ``params``, ``cross_entropy`` (L), ``p_token`` (exp(-L)),
        ``accuracy`` (p ** target_length), ``token_edit_distance`` (target_length * (1 - p)),
        ``brier_score`` ((1 - p) ** 2, two choices with all probability off the right one on the
        other), ``multiple_choice_grade`` (two choices: 1 once the right one is preferred, p > 1/2,
        else the chance level 1/2; as drawn in the paper's Fig. 2E).

    Examples
    --------
    >>> toy_model()["p_token"].round(4).tolist()  # Mirage Fig. 2B
    [0.0916, 0.2893, 0.5791, 0.9048]
    """
    if target_length < 1:
        raise EmergenceError(f"target_length must be >= 1. Got {target_length!r} instead.")
    loss = toy_loss(params, alpha=alpha, c=c)
    p = np.exp(-loss)
    return pd.DataFrame({
        "params": np.asarray(params, dtype=float),
        "cross_entropy": loss,
        "p_token": p,
        "accuracy": p**target_length,
        "token_edit_distance": target_length * (1 - p),
        "brier_score": (1 - p) ** 2,
        "multiple_choice_grade": np.where(p > 0.5, 1.0, 0.5),
    })


@dataclass(frozen=True)
class _Curve:
    """The truth of a simulation: per-token loss by model, and by example for "saturating"."""

    truth: str
    alpha: float
    c: float
    loss_start: float
    loss_end: float
    step_width: float | None
    step_at: float | None
    ceiling: float
    factor: np.ndarray  # each model's multiplicative model-noise factor
    seed: int | None

    def example_loss(self, params: np.ndarray, length: int, n_examples: int, task_id: int):
        """(model, 1) per-token loss, or (model, example) for "saturating"; before d_i and e_it."""
        loss = (_token_loss(self, params, length) * self.factor)[:, None]
        if self.truth != "saturating":
            return loss
        # which examples are never solved: its own generator per task, shared by all models
        order = np.random.default_rng(None if self.seed is None else [self.seed, 7927, task_id])
        solvable = order.permutation(n_examples) < round(self.ceiling * n_examples)
        return np.where(solvable[None], loss, UNSOLVED_LOSS)


def _step(curve: _Curve, x: np.ndarray) -> tuple[float, float]:
    """Centre and width (decades of log10 N) of the logistic step of the step truths."""
    if curve.truth == "sharp":
        centre, width = ((x.min() + x.max()) / 2 if len(x) > 1 else x[0]), 0.15
    else:
        sizes = np.unique(x)
        lo, hi = sizes[:2] if curve.truth == "step_first" else sizes[-2:]
        # complete at the neighbouring sizes: they lie 5 widths from the centre (weight 0.007)
        centre, width = (lo + hi) / 2, min(0.15, (hi - lo) / 10)
    centre = centre if curve.step_at is None else curve.step_at
    return centre, width if curve.step_width is None else curve.step_width


def _token_loss(curve: _Curve, params: np.ndarray, length: int) -> np.ndarray:
    """Per-token cross-entropy of a typical example, per model, under each truth."""
    truth = curve.truth
    if truth in ("power_law", "saturating"):
        return toy_loss(params, alpha=curve.alpha, c=curve.c)
    if truth == "inverse":
        return 0.3 * (params / 1e8) ** 0.25
    if truth == "flat":
        return np.full(len(params), 3.0)
    x = np.log10(params)
    if truth in ("sharp", "step_first", "step_last"):
        # a step in log N, 2.5 -> 0.1 nats (p goes 0.08 -> 0.9); "sharp": mid-ladder, 0.15 decades
        middle, width = _step(curve, x)
        weight = 1 / (1 + np.exp((x - middle) / width))
        return 0.1 + (2.5 - 0.1) * weight
    span = (x - x.min()) / (x.max() - x.min()) if x.max() > x.min() else np.zeros_like(x)
    if truth == "loglinear":
        return curve.loss_start + (curve.loss_end - curve.loss_start) * span
    # linear: exact match on this length rises linearly in log N from 0.05 to 0.9
    accuracy = 0.05 + 0.85 * span
    return -np.log(accuracy) / length


def simulate(
    params=DEFAULT_PARAMS,
    *,
    family: str = "toy",
    truth: str = "power_law",
    target_lengths=(1, 2, 3, 4, 5),
    n_examples: int = 200,
    n_choices: int = 4,
    alpha: float = -0.5,
    c: float = 2e9,
    difficulty: float = 0.3,
    noise: float = 0.2,
    tokens: float = 3e11,
    seed: int = 0,
    loss_start: float = 2.3,
    loss_end: float = 0.05,
    step_width: float | None = None,
    step_at: float | None = None,
    ceiling: float = 0.7,
    model_noise: float = 0.0,
    seeds: int = 1,
    model_seed: int | None = None,
) -> pd.DataFrame:
    """Per-example records of a model family whose truth is known.

    For each model N and example i the per-token loss is ``L_i(N) = d_i * L(N) * m_N * e_it``
    with a per-example difficulty ``d_i`` (log-normal, sd ``difficulty``), a per-model factor
    ``m_N`` (log-normal, sd ``model_noise``; 1 by default) and per-token noise ``e_it`` (mean 1,
    sd ``noise``); token t of the greedy output is right when a uniform draw ``u_it`` is below
    ``q_it = exp(-L_i(N))``. The example draws are shared by all models, so a larger model gets
    right what a smaller one did (paired examples, as in real families). Wrong tokens are
    substituted (85%), dropped (10%) or doubled (5%).

    One task per target length (``toy_length_K``: K-digit answers) plus ``toy_multiple_choice``:
    ``n_choices`` single-token answers, the right one with probability ``q`` and the rest sharing
    ``1 - q`` at random. Under ``truth="flat"`` the model cannot tell the right choice from the
    others: ``q`` is the right choice's share of a symmetric Dirichlet split, the same for every
    model, so accuracy is ``1 / n_choices`` in expectation.

    Parameters
    ----------
    params : sequence of float
        Parameter counts of the family (default :data:`DEFAULT_PARAMS`).
    family : str
        Family name; model names are ``f"{family}-{size}"`` (``toy-1.3B``), or
        ``f"{family}-{size}-s{k}"`` with ``seeds > 1``.
    truth : {"power_law", "sharp", "linear", "loglinear", "step_first", "step_last", \
"saturating", "inverse", "flat"}
        The per-token loss curve L(N) (see :data:`TRUTHS`):

        - ``power_law``: ``(N / c) ** alpha`` (Mirage Fig. 2A).
        - ``sharp``, ``step_first``, ``step_last``: a logistic step in log10 N from 2.5 to 0.1
          nats, centred mid-ladder, between the two smallest or between the two largest sizes.
        - ``linear``: exact match on each length rises linearly in log10 N from 0.05 to 0.9.
        - ``loglinear``: falls linearly in log10 N from ``loss_start`` at the smallest size to
          ``loss_end`` at the largest.
        - ``saturating``: ``power_law`` on a share ``ceiling`` of each task's examples; the rest
          stay at 4 nats at every size (never solved, model noise not applied), so exact match
          and multiple-choice accuracy saturate below 1.
        - ``inverse``: ``0.3 * (N / 1e8) ** 0.25``, worse with scale.
        - ``flat``: 3 nats at every size.
    target_lengths : sequence of int
        Answer lengths in tokens, one generation task each; empty for none.
    n_examples : int
        Examples per task.
    n_choices : int
        Choices of the multiple-choice task; 0 for no such task.
    alpha, c : float
        Power law of ``truth="power_law"`` and ``"saturating"``.
    difficulty, noise : float
        Spread of example difficulty and per-token noise (log-normal sd).
    tokens : float
        Training tokens of every model (GPT-3: 300 billion), for the ``tokens`` and ``compute``
        columns.
    seed : int
        Seed of every draw; the same seed gives the same records.
    loss_start, loss_end : float
        Per-token loss (nats, >= 0) at the smallest and largest size for ``truth="loglinear"``.
    step_width : float or None
        Width (decades of N) of the logistic step of the step truths. None: 0.15 for ``sharp``;
        ``min(0.15, gap / 10)`` for ``step_first``/``step_last``, where ``gap`` is the log10
        distance between the two sizes around the step, so the step is complete at them.
    step_at : float or None
        log10 N of the step's centre for the step truths, overriding the default.
    ceiling : float
        Share of the examples, in (0, 1], that ``truth="saturating"`` can solve; which ones is
        drawn per task (exactly ``round(ceiling * n_examples)`` of them), shared by all models.
    model_noise : float
        Log-normal sd of each model's factor ``exp(model_noise * z - model_noise**2 / 2)`` on its
        per-token loss, like seed-to-seed variation of trained models; ``z`` is drawn from its
        own generator, ``numpy.random.default_rng([model_seed, 7919])``, one draw per model in
        model order (by size, then seed index), so it does not depend on ``n_examples`` or the
        tasks.
    seeds : int
        Models per size. With ``seeds > 1`` each size has ``seeds`` models that share the example
        draws and differ only by their model-noise factor (identical when ``model_noise=0``), and
        the output gains an integer ``seed`` column (0 .. seeds - 1).
    model_seed : int or None
        Seed of the model-noise draws; None (default) uses ``seed``. Fix it and vary ``seed`` to
        draw independent samples of examples from the same trained models, as a simulation
        study of intervals conditional on the models does.

    Returns
    -------
    DataFrame
        A records table with columns family, model, params, tokens, compute, (seed,) task,
        example, target, prediction, correct, target_logprob, target_tokens, choice_logprobs,
        gold, chance.

    Examples
    --------
    >>> records = simulate(n_examples=10, seed=1)
    >>> sorted(records["task"].unique())[:2]
    ['toy_length_1', 'toy_length_2']
    """
    _check(truth, n_examples, n_choices, loss_start, loss_end, step_width, step_at, ceiling,
           model_noise, seeds)
    params = np.sort(np.asarray(params, dtype=float))
    if len(params) < 1 or (params <= 0).any():
        raise EmergenceError("The 'params' parameter must be positive parameter counts.")
    if truth in ("loglinear", "step_first", "step_last") and len(np.unique(params)) < 2:
        raise EmergenceError(f"truth={truth!r} needs at least two distinct sizes in 'params'.")
    rng = np.random.default_rng(seed)
    models = pd.DataFrame({
        "family": family,
        "model": [f"{family}-{format_scale(n)}" for n in params],
        "params": params,
        "tokens": float(tokens),
    })
    models["compute"] = 6 * models["params"] * models["tokens"]
    if seeds > 1:
        models = models.loc[models.index.repeat(seeds)].reset_index(drop=True)
        models["seed"] = np.tile(np.arange(seeds), len(params))
        models["model"] = models["model"] + "-s" + models["seed"].astype(str)
    model_seed = seed if model_seed is None else model_seed
    z = np.random.default_rng(None if model_seed is None else [model_seed, 7919]).standard_normal(
        len(models))
    curve = _Curve(truth, alpha, c, loss_start, loss_end, step_width, step_at, ceiling,
                   np.exp(model_noise * z - model_noise**2 / 2), seed)
    tables = [_generation_task(rng, models, k, curve, n_examples, difficulty, noise)
              for k in target_lengths]
    if n_choices:
        tables.append(_choice_task(rng, models, curve, n_examples, n_choices, difficulty, noise))
    if not tables:
        raise EmergenceError("Nothing to simulate: give target_lengths or n_choices > 0.")
    return pd.concat(tables, ignore_index=True)


def _check(truth, n_examples, n_choices, loss_start, loss_end, step_width, step_at, ceiling,
           model_noise, seeds) -> None:
    """Refuse parameters out of range, naming the parameter, the value and what is allowed."""
    if truth not in TRUTHS:
        raise EmergenceError(
            f"The 'truth' parameter must be one of {', '.join(TRUTHS)}. Got {truth!r} instead."
        )
    if n_examples < 1:
        raise EmergenceError(f"The 'n_examples' parameter must be >= 1. Got {n_examples!r} instead.")
    if n_choices == 1 or n_choices < 0:
        raise EmergenceError(f"The 'n_choices' parameter must be 0 or >= 2. Got {n_choices!r}.")
    rules = [
        ("loss_start", loss_start, "a finite number >= 0", np.isfinite(loss_start) and loss_start >= 0),
        ("loss_end", loss_end, "a finite number >= 0", np.isfinite(loss_end) and loss_end >= 0),
        ("step_width", step_width, "None or a number > 0",
         step_width is None or (np.isfinite(step_width) and step_width > 0)),
        ("step_at", step_at, "None or a finite log10 N", step_at is None or np.isfinite(step_at)),
        ("ceiling", ceiling, "in (0, 1]", 0 < ceiling <= 1),
        ("model_noise", model_noise, "a finite number >= 0",
         np.isfinite(model_noise) and model_noise >= 0),
        ("seeds", seeds, "an int >= 1", isinstance(seeds, (int, np.integer)) and seeds >= 1),
    ]
    for name, value, allowed, ok in rules:
        if not ok:
            raise EmergenceError(f"The {name!r} parameter must be {allowed}. Got {value!r} instead.")


def _draws(rng, n_examples: int, length: int, difficulty: float, noise: float):
    d = np.exp(rng.normal(-difficulty**2 / 2, difficulty, size=(n_examples, 1)))
    e = np.exp(rng.normal(-(noise**2) / 2, noise, size=(n_examples, length)))
    u = rng.random((n_examples, length))
    return d, e, u


def _model_columns(models: pd.DataFrame, n_examples: int) -> dict[str, np.ndarray]:
    """The model columns of a task's records: each model's row repeated for its examples."""
    return {c: np.repeat(models[c].to_numpy(), n_examples) for c in models.columns}


_DIGITS = np.array(list("0123456789"))
_DOUBLED = np.char.add(_DIGITS, _DIGITS)


def _generation_task(rng, models, length, curve, n_examples, difficulty, noise):
    n_models = len(models)
    digits = rng.integers(0, 10, size=(n_examples, length))
    digits[:, 0] = rng.integers(1, 10, size=n_examples)  # no leading zero
    d, e, u = _draws(rng, n_examples, length, difficulty, noise)
    kind = rng.random((n_examples, length))  # which error a wrong token makes
    shift = rng.integers(1, 10, size=(n_examples, length))
    loss = curve.example_loss(models["params"].to_numpy(), length, n_examples, length)
    # (model, example, token) arrays
    token_loss = loss[:, :, None] * d[None] * e[None]
    right = u[None] < np.exp(-token_loss)
    wrong_digit = (digits + shift) % 10
    # each token as text by table look-up (np.char.mod took 70% of a large simulation)
    tokens = np.where(right, _DIGITS[digits][None], np.where(
        kind[None] < 0.85, _DIGITS[wrong_digit][None],
        np.where(kind[None] < 0.95, "", _DOUBLED[wrong_digit][None]),
    ))
    prediction = tokens[..., 0].astype(object)
    for t in range(1, length):
        prediction = prediction + tokens[..., t].astype(object)
    target = np.array(["".join(map(str, row)) for row in digits], dtype=object)
    return pd.DataFrame({
        **_model_columns(models, n_examples),
        "task": f"toy_length_{length}",
        "example": np.tile([f"L{length}-{i:05d}" for i in range(n_examples)], n_models),
        "target": np.tile(target, n_models),
        "prediction": prediction.reshape(-1),
        "correct": right.all(axis=2).reshape(-1).astype(int),
        "target_logprob": -token_loss.sum(axis=2).reshape(-1),
        "target_tokens": length,
        "chance": 0.0,
    })


def _choice_task(rng, models, curve, n_examples, n_choices, difficulty, noise):
    n_models = len(models)
    d, e, u = _draws(rng, n_examples, 1, difficulty, noise)
    gold = rng.integers(0, n_choices, size=n_examples)
    share = rng.dirichlet(np.ones(n_choices - 1), size=n_examples)  # how distractors split 1 - q
    if curve.truth == "flat":
        # no information: q ~ Beta(1, k - 1) (from the unused uniform draw) and the distractors
        # split 1 - q by a flat Dirichlet, so all k choices are a symmetric Dirichlet split
        q = np.broadcast_to(1 - u[:, 0] ** (1 / (n_choices - 1)), (n_models, n_examples))
    else:
        loss = curve.example_loss(models["params"].to_numpy(), 1, n_examples, 0)
        q = np.exp(-(loss * d[None, :, 0] * e[None, :, 0]))  # (model, example)
    q = np.clip(q, 1e-12, 1 - 1e-12)
    probs = np.empty((n_models, n_examples, n_choices))
    others = np.ones((n_examples, n_choices), dtype=bool)
    others[np.arange(n_examples), gold] = False
    probs[:, ~others] = q
    probs[:, others] = ((1 - q)[..., None] * share[None]).reshape(n_models, -1)
    logp = np.round(np.log(probs), 6)
    return pd.DataFrame({
        **_model_columns(models, n_examples),
        "task": "toy_multiple_choice",
        "example": np.tile([f"MC-{i:05d}" for i in range(n_examples)], n_models),
        "choice_logprobs": list(logp.reshape(-1, n_choices).tolist()),
        "gold": np.tile(gold, n_models),
        "chance": 1.0 / n_choices,
    })
