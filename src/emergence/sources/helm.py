"""HELM run folders: per-example records from ``scenario_state.json`` and its sibling files.

A HELM (Holistic Evaluation of Language Models, Stanford CRFM) run folder holds, among others:

``run_spec.json``
    The run: its name (``commonsense:dataset=hellaswag,method=multiple_choice_joint,model=...``), the
    adapter (``adapter_spec.method``, ``adapter_spec.model``).
``scenario_state.json``
    One request state per evaluated instance: the instance (``id``, ``references`` with the
    ``"correct"`` tag, ``split``, ``perturbation``), ``output_mapping`` (letter -> reference text, for
    multiple choice) and the model's ``result.completions``.
``per_instance_stats.json``
    Per instance and train trial, the metric statistics (``exact_match``, ...).

The file that identifies a run is ``scenario_state.json``; the others are read beside it.

Only what HELM kept is returned: the prediction and target text and HELM's own 0/1 score. HELM's
``completions[].logprob`` is not used: for Hugging Face models it is written as 0.0 (no
log-probabilities were computed; so in the example run of eleutherai/pythia-1b-v0), which would read
as a certain prediction. The records therefore support exact match, not the log-likelihood metrics.
"""

from __future__ import annotations

import math
import string
import warnings
from pathlib import Path

import orjson
import pandas as pd

from emergence.errors import EmergenceWarning, SchemaError
from emergence.scale import params_from_name
from emergence.schema import validate_records
from emergence.sources.family import family_of
from emergence.sources.limits import Limits, limits_of, read_bytes

#: Name of this format for ``--format-in``.
NAME = "helm"

#: What ``list --formats`` says of this format, and an example of it at work.
SUMMARY = "HELM run folders (scenario_state.json and its siblings): per-example records"
EXAMPLE = "python -m emergence analyze benchmark_output/runs/   # folders holding scenario_state.json"

#: Adapter methods this module reads.
METHODS = ("multiple_choice_joint", "generation")

_FILE = "scenario_state.json"
# run spec arguments that name the model, not the task
_MODEL_ARGS = ("model", "model_deployment")


def sniff(path: Path, head: bytes) -> bool:
    """A HELM run is told by its ``scenario_state.json`` (the sibling files are read with it)."""
    return Path(path).name == _FILE


def read(path: Path, options=None) -> list[tuple[str, pd.DataFrame]]:
    """The format interface of :mod:`emergence.sources`: one validated records table."""
    sizes = getattr(options, "sizes", None) or {}
    return [("records", read_helm_run(path, sizes=sizes, limits=limits_of(options)))]


def _load_json(path: Path, what: str, required: bool = True, limits: Limits | None = None):
    if not path.is_file():
        if required:
            raise SchemaError(
                f"{path}: missing; a HELM run folder needs {what} beside scenario_state.json "
                "(copy the whole run folder, not just one file)"
            )
        return None
    try:
        return orjson.loads(read_bytes(path, limits, lines=False))
    except orjson.JSONDecodeError as error:
        raise SchemaError(f"{path}: not valid JSON ({error}); is the file complete?") from None


def _typed(value, kind: type | tuple[type, ...], where: str, what: str, optional: bool = True):
    """``value`` when it is of ``kind`` (or None, when ``optional``); else a SchemaError naming
    ``where`` (the file and the field), the value, and ``what`` HELM writes there."""
    if (value is None and optional) or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise SchemaError(
        f"{where} is {value!r:.60} ({type(value).__name__}); HELM writes {what} there; the file is "
        "damaged or not HELM output: copy the run folder again from HELM's benchmark_output/runs/"
    )


def parse_run_name(name: str) -> tuple[str, dict[str, str]]:
    """Split a HELM run name ``scenario:key=value,...`` into the scenario and its arguments.

    Examples
    --------
    >>> parse_run_name("commonsense:dataset=hellaswag,method=multiple_choice_joint,model=m")
    ('commonsense', {'dataset': 'hellaswag', 'method': 'multiple_choice_joint', 'model': 'm'})
    """
    scenario, _, rest = name.partition(":")
    args = {}
    for part in filter(None, rest.split(",")):
        key, _, value = part.partition("=")
        args[key.strip()] = value.strip()
    return scenario.strip(), args


def task_of(run_name: str) -> tuple[str, str | None]:
    """Task and subtask of a run: the ``dataset`` argument (else the scenario) and the remaining
    arguments other than the model and the method (``subject=anatomy``), or None.

    Examples
    --------
    >>> task_of("commonsense:dataset=hellaswag,method=multiple_choice_joint,model=m")
    ('hellaswag', None)
    >>> task_of("mmlu:subject=anatomy,method=multiple_choice_joint,model=m")
    ('mmlu', 'subject=anatomy')
    """
    scenario, args = parse_run_name(run_name)
    task = args.get("dataset") or scenario
    rest = [f"{k}={v}" for k, v in args.items() if k not in (*_MODEL_ARGS, "dataset", "method")]
    return task, (",".join(rest) or None)


def read_helm_run(path: str | Path, *, sizes: dict[str, float] | None = None,
                  limits: Limits | None = None) -> pd.DataFrame:
    """Read a HELM run folder into a records table.

    Parameters
    ----------
    path : str or Path
        The run's ``scenario_state.json`` or its folder.
    sizes : mapping, optional
        Model name -> parameter count, for a model whose name holds no size.
    limits : Limits, optional
        The most bytes each JSON file of the run may hold (default
        :class:`~emergence.sources.limits.Limits`).

    Returns
    -------
    DataFrame
        One row per evaluated instance (train trial 0, unperturbed), validated, with columns
        ``family`` (:func:`family_of`), ``model`` (``adapter_spec.model``), ``params`` (from the model
        name via :func:`emergence.scale.params_from_name`, or ``sizes``), ``task`` and ``subtask``
        (:func:`task_of`), ``example`` (the instance id), ``prediction`` (the completion text,
        stripped), ``target`` (for ``multiple_choice_joint`` the letter of the reference tagged
        ``"correct"``, lettered A, B, C... in order or as ``output_mapping`` says; for ``generation``
        the correct reference's text), ``correct`` (HELM's ``exact_match`` from
        ``per_instance_stats.json`` when present) and ``chance`` (1 / number of choices, multiple
        choice only). No log-probabilities: see the module docstring.

    Raises
    ------
    SchemaError
        For a missing or malformed file, an adapter method other than :data:`METHODS`, a model with
        no size, or an instance with no correct reference.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    state_path = folder / _FILE
    state = _load_json(state_path, "scenario_state.json", limits=limits)
    run_spec = _load_json(folder / "run_spec.json", "run_spec.json (the run's name and model)",
                          required=False, limits=limits) or {}
    run_spec = _typed(run_spec, dict, f"{folder / 'run_spec.json'}: the document", "an object")
    stats = _load_json(folder / "per_instance_stats.json", "", required=False, limits=limits)
    if not isinstance(state, dict) or not isinstance(state.get("request_states"), list):
        raise SchemaError(f"{state_path}: no \"request_states\" list; not a HELM scenario_state.json")
    adapter = (_typed(state.get("adapter_spec"), dict, f"{state_path}: adapter_spec", "an object")
               or _typed(run_spec.get("adapter_spec"), dict, f"{folder / 'run_spec.json'}: adapter_spec",
                         "an object") or {})
    method = adapter.get("method")
    if method not in METHODS:
        raise SchemaError(
            f"{state_path}: adapter method {method!r} is not read yet (emergence reads HELM runs of "
            f"method {', '.join(METHODS)}); export the per-example scores as a benchmark CSV instead"
        )
    states = state["request_states"]
    for i, request_state in enumerate(states):
        _typed(request_state, dict, f"{state_path}: request_states[{i}]", "an object (one request state)",
               optional=False)
    model = _typed(adapter.get("model"), str, f"{state_path}: adapter_spec.model", "the model name as text")
    if not model and states:
        request = _typed(states[0].get("request"), dict, f"{state_path}: request_states[0].request",
                         "an object")
        model = _typed((request or {}).get("model"), str, f"{state_path}: request_states[0].request.model",
                       "the model name as text")
    if not model:
        raise SchemaError(f"{state_path}: adapter_spec.model is missing; cannot tell the model")
    sizes = sizes or {}
    params = sizes.get(model) or params_from_name(model)
    if params is None:
        raise SchemaError(
            f"{state_path}: the model name {model!r} holds no size; give it with "
            "--sizes FILE (in Python, ReadOptions(sizes={...})), or a benchmark CSV with a params column"
        )
    run_name = _typed(run_spec.get("name"), str, f"{folder / 'run_spec.json'}: name",
                      "the run name as text") or ""
    if run_name:
        task, subtask = task_of(run_name)
    else:
        scenario = _typed(_load_json(folder / "scenario.json", "", required=False, limits=limits), dict,
                          f"{folder / 'scenario.json'}: the document", "an object") or {}
        task = _typed(scenario.get("name"), str, f"{folder / 'scenario.json'}: name", "the scenario name")
        task, subtask = task or folder.name, None

    correct_of = _exact_match(stats, folder / "per_instance_stats.json")
    rows, skipped = [], 0
    for i, request_state in enumerate(states):
        where = f"{state_path}: request_states[{i}]"
        instance = _typed(request_state.get("instance"), dict, f"{where}.instance", "an object") or {}
        if instance.get("perturbation") or request_state.get("train_trial_index", 0) != 0:
            skipped += 1
            continue
        example = instance.get("id")
        if example is None:
            raise SchemaError(f"{state_path}: request_states[{i}]: the instance has no id")
        result = _typed(request_state.get("result"), dict, f"{where}.result", "an object") or {}
        completions = _typed(result.get("completions"), list, f"{where}.result.completions",
                             'a list of completion objects ({"text": ...})') or []
        prediction = None
        if completions:
            first = _typed(completions[0], dict, f"{where}.result.completions[0]",
                           'an object ({"text": ...})')
            prediction = (_typed((first or {}).get("text"), str, f"{where}.result.completions[0].text",
                                 "the completion as text") or "").strip()
        references = _typed(instance.get("references"), list, f"{where}.instance.references",
                            'a list of reference objects ({"output": {"text": ...}, "tags": [...]})') or []
        texts = [_reference_text(ref, f"{where}.instance.references[{k}]")
                 for k, ref in enumerate(references)]
        gold = [k for k, ref in enumerate(references)
                if "correct" in (_typed(ref.get("tags"), list, f"{where}.instance.references[{k}].tags",
                                        'a list of tags (["correct"])') or [])]
        if not gold:
            raise SchemaError(
                f"{state_path}: request_states[{i}] (instance {example!r}): no reference is tagged "
                "\"correct\"; cannot tell the target"
            )
        if method == "multiple_choice_joint":
            target = _letter(texts, gold[0], request_state.get("output_mapping"))
            chance = 1.0 / len(references) if len(references) > 1 else None
        else:
            target, chance = texts[gold[0]], None
            if target is None:
                raise SchemaError(
                    f"{where}.instance.references[{gold[0]}]: the correct reference has no output.text; "
                    "cannot tell the target"
                )
        rows.append({
            "family": family_of(model), "model": model, "params": float(params), "task": task,
            "subtask": subtask, "example": str(example), "prediction": prediction, "target": target,
            "correct": correct_of.get(str(example)), "chance": chance,
        })
    if skipped:
        warnings.warn(
            f"{state_path}: {skipped} request state(s) of perturbed instances or train trials other "
            "than 0 were left out",
            EmergenceWarning,
            stacklevel=3,
        )
    if not rows:
        raise SchemaError(f"{state_path}: no unperturbed instance of train trial 0 to read")
    table = pd.DataFrame(rows)
    table = table.drop(columns=[c for c in ("subtask", "chance", "correct") if table[c].isna().all()])
    return validate_records(table, source=str(state_path),
                            locate=lambda k: f"instance {table['example'].iloc[k]!r}")


def _reference_text(reference, where: str) -> str | None:
    """The ``output.text`` of one reference (None when absent); a SchemaError naming ``where`` when the
    reference or its output is not an object or the text is not text."""
    reference = _typed(reference, dict, where, 'an object ({"output": {"text": ...}, "tags": [...]})',
                       optional=False)
    output = _typed(reference.get("output"), dict, f"{where}.output", 'an object ({"text": ...})')
    return _typed((output or {}).get("text"), str, f"{where}.output.text", "the reference as text")


def _letter(texts: list[str | None], index: int, mapping: dict | None) -> str:
    """The letter HELM showed for reference ``index`` (``texts``: each reference's text): from
    ``output_mapping`` when it names the reference's text, else by position (A, B, C...)."""
    text = texts[index]
    if isinstance(mapping, dict):
        for letter, shown in mapping.items():
            if shown == text:
                return str(letter)
    return string.ascii_uppercase[index] if index < 26 else str(index)


def _exact_match(stats, path: Path) -> dict[str, float]:
    """Instance id -> HELM's exact_match (train trial 0, no perturbation), from the
    ``per_instance_stats.json`` at ``path`` (parsed: ``stats``); a SchemaError naming the entry when
    an exact_match statistic is malformed."""
    found: dict[str, float] = {}
    if not isinstance(stats, list):
        return found
    for k, entry in enumerate(stats):
        if not isinstance(entry, dict) or entry.get("perturbation") or entry.get("train_trial_index", 0):
            continue
        where = f"{path}: [{k}].stats"
        for j, stat in enumerate(_typed(entry.get("stats"), list, where, "a list of statistics") or []):
            stat = _typed(stat, dict, f"{where}[{j}]", 'an object ({"name": {...}, "mean": ...})') or {}
            name = _typed(stat.get("name"), dict, f"{where}[{j}].name", 'an object ({"name": ...})') or {}
            if name.get("name") == "exact_match" and not name.get("perturbation") and stat.get("count"):
                mean = _typed(stat.get("mean"), (int, float), f"{where}[{j}].mean",
                              "the statistic as a number")
                found[str(entry.get("instance_id"))] = math.nan if mean is None else float(mean)
    return found
