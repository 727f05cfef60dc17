"""A ladder of small language models trained from scratch on arithmetic, evaluated with lm-eval.

Run from the repository root (the extra ``ladder`` installs torch, transformers and lm-eval)::

    python -m analyses.ladder.run --tiny --out /tmp/ladder-tiny     # end to end in about a minute
    python -m analyses.ladder.run --out ladder-run                  # the default ladder

Modules: :mod:`.tasks` (problems, train/test split, lm-eval task YAMLs), :mod:`.tokenizer` (a
character tokenizer built locally), :mod:`.train` (model configs, training, checkpoints, loss
curves), :mod:`.evaluate` (lm-evaluation-harness on every checkpoint, its normal output folders),
:mod:`.convert` (lm-eval samples -> records through :mod:`emergence.sources.lm_eval`), :mod:`.run`.
The modules are imported as a package (``analyses.ladder``): a sibling module named ``evaluate``
must not shadow Hugging Face's ``evaluate`` package, which lm-eval imports.
"""
