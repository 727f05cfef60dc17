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
}


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


def _token_loss(truth: str, params: np.ndarray, length: int, alpha: float, c: float) -> np.ndarray:
    """Per-token cross-entropy of a typical example, per model, under each truth."""
    if truth == "power_law":
        return toy_loss(params, alpha=alpha, c=c)
    x = np.log10(params)
    if truth == "sharp":
        # a step in log N at the middle of the ladder, 0.15 decades wide: p goes 0.08 -> 0.9
        middle = (x.min() + x.max()) / 2 if len(x) > 1 else x[0]
        weight = 1 / (1 + np.exp((x - middle) / 0.15))
        return 0.1 + (2.5 - 0.1) * weight
    # linear: exact match on this length rises linearly in log N from 0.05 to 0.9
    span = (x - x.min()) / (x.max() - x.min()) if len(x) > 1 else np.zeros_like(x)
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
) -> pd.DataFrame:
    """Per-example records of a model family whose truth is known.

    For each model N and example i the per-token loss is ``L_i(N) = d_i * L(N) * e_it`` with a
    per-example difficulty ``d_i`` (log-normal, sd ``difficulty``) and per-token noise ``e_it``
    (mean 1, sd ``noise``); token t of the greedy output is right when a uniform draw ``u_it`` is
    below ``q_it = exp(-L_i(N) e_it)``. The draws are shared by all models, so a larger model gets
    right what a smaller one did (paired examples, as in real families). Wrong tokens are
    substituted (85%), dropped (10%) or doubled (5%).

    One task per target length (``toy_length_K``: K-digit answers) plus ``toy_multiple_choice``:
    ``n_choices`` single-token answers, the right one with probability ``q`` and the rest sharing
    ``1 - q`` at random.

    Parameters
    ----------
    params : sequence of float
        Parameter counts of the family (default :data:`DEFAULT_PARAMS`).
    family : str
        Family name; model names are ``f"{family}-{size}"`` (``toy-1.3B``).
    truth : {"power_law", "sharp", "linear"}
        The per-token loss curve (see :data:`TRUTHS`).
    target_lengths : sequence of int
        Answer lengths in tokens, one generation task each; empty for none.
    n_examples : int
        Examples per task.
    n_choices : int
        Choices of the multiple-choice task; 0 for no such task.
    alpha, c : float
        Power law of ``truth="power_law"``.
    difficulty, noise : float
        Spread of example difficulty and per-token noise (log-normal sd).
    tokens : float
        Training tokens of every model (GPT-3: 300 billion), for the ``tokens`` and ``compute``
        columns.
    seed : int
        Seed of every draw; the same seed gives the same records.

    Returns
    -------
    DataFrame
        A records table with columns family, model, params, tokens, compute, task, example, target,
        prediction, correct, target_logprob, target_tokens, choice_logprobs, gold, chance.

    Examples
    --------
    >>> records = simulate(n_examples=10, seed=1)
    >>> sorted(records["task"].unique())[:2]
    ['toy_length_1', 'toy_length_2']
    """
    if truth not in TRUTHS:
        raise EmergenceError(
            f"The 'truth' parameter must be one of {', '.join(TRUTHS)}. Got {truth!r} instead."
        )
    if n_examples < 1:
        raise EmergenceError(f"The 'n_examples' parameter must be >= 1. Got {n_examples!r} instead.")
    if n_choices == 1 or n_choices < 0:
        raise EmergenceError(f"The 'n_choices' parameter must be 0 or >= 2. Got {n_choices!r}.")
    params = np.sort(np.asarray(params, dtype=float))
    if len(params) < 1 or (params <= 0).any():
        raise EmergenceError("The 'params' parameter must be positive parameter counts.")
    rng = np.random.default_rng(seed)
    models = pd.DataFrame({
        "family": family,
        "model": [f"{family}-{format_scale(n)}" for n in params],
        "params": params,
        "tokens": float(tokens),
    })
    models["compute"] = 6 * models["params"] * models["tokens"]
    tables = [_generation_task(rng, models, k, truth, n_examples, alpha, c, difficulty, noise)
              for k in target_lengths]
    if n_choices:
        tables.append(
            _choice_task(rng, models, truth, n_examples, n_choices, alpha, c, difficulty, noise)
        )
    if not tables:
        raise EmergenceError("Nothing to simulate: give target_lengths or n_choices > 0.")
    return pd.concat(tables, ignore_index=True)


def _draws(rng, n_examples: int, length: int, difficulty: float, noise: float):
    d = np.exp(rng.normal(-difficulty**2 / 2, difficulty, size=(n_examples, 1)))
    e = np.exp(rng.normal(-(noise**2) / 2, noise, size=(n_examples, length)))
    u = rng.random((n_examples, length))
    return d, e, u


def _model_columns(models: pd.DataFrame, n_examples: int) -> dict[str, np.ndarray]:
    """The model columns of a task's records: each model's row repeated for its examples."""
    return {c: np.repeat(models[c].to_numpy(), n_examples) for c in models.columns}


def _generation_task(rng, models, length, truth, n_examples, alpha, c, difficulty, noise):
    n_models = len(models)
    digits = rng.integers(0, 10, size=(n_examples, length))
    digits[:, 0] = rng.integers(1, 10, size=n_examples)  # no leading zero
    d, e, u = _draws(rng, n_examples, length, difficulty, noise)
    kind = rng.random((n_examples, length))  # which error a wrong token makes
    shift = rng.integers(1, 10, size=(n_examples, length))
    loss = _token_loss(truth, models["params"].to_numpy(), length, alpha, c)
    # (model, example, token) arrays
    token_loss = loss[:, None, None] * d[None] * e[None]
    right = u[None] < np.exp(-token_loss)
    wrong_digit = (digits + shift) % 10
    as_text = np.char.mod("%d", np.broadcast_to(digits, right.shape))
    wrong_text = np.char.mod("%d", np.broadcast_to(wrong_digit, right.shape))
    tokens = np.where(right, as_text, np.where(
        kind[None] < 0.85, wrong_text,
        np.where(kind[None] < 0.95, "", np.char.add(wrong_text, wrong_text)),
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


def _choice_task(rng, models, truth, n_examples, n_choices, alpha, c, difficulty, noise):
    n_models = len(models)
    d, e, _ = _draws(rng, n_examples, 1, difficulty, noise)
    gold = rng.integers(0, n_choices, size=n_examples)
    share = rng.dirichlet(np.ones(n_choices - 1), size=n_examples)  # how distractors split 1 - q
    loss = _token_loss(truth, models["params"].to_numpy(), 1, alpha, c)
    q = np.exp(-(loss[:, None] * d[None, :, 0] * e[None, :, 0]))  # (model, example)
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
