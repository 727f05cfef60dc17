"""Tests of emergence.sources.helm: per-example records from a HELM run folder."""

import json
import shutil
from pathlib import Path

import pytest

from emergence.errors import SchemaError
from emergence.sources import ReadOptions, find_files, load
from emergence.sources.helm import family_of, read_helm_run, sniff, task_of

RUN = "evaleval_helm_pythia-1b-v0_hellaswag"


@pytest.fixture
def run_folder(shared_data) -> Path:
    """The HELM run of eleutherai/pythia-1b-v0 on HellaSwag (../shared/data/lm_eval/README.md)."""
    return shared_data / "lm_eval" / RUN


@pytest.fixture
def editable_run(run_folder, tmp_path) -> Path:
    """A writable copy of the run folder."""
    return Path(shutil.copytree(run_folder, tmp_path / "run"))


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_sniff_only_scenario_state(run_folder):
    """Only scenario_state.json identifies a run; its siblings are read with it, not on their own."""
    assert sniff(run_folder / "scenario_state.json", b"")
    assert not sniff(run_folder / "run_spec.json", b"")
    files = [(path.name, module.NAME) for path, module in find_files(run_folder)]
    assert ("scenario_state.json", "helm") in files
    assert all(module == "helm" for _, module in files)


def test_records_of_the_run(run_folder):
    """10 HellaSwag instances, one record each, model and size from the run spec."""
    table = load(run_folder)
    assert table.attrs["shape"] == "records"
    assert len(table) == 10  # max_eval_instances = 10 in run_spec.json
    assert set(table["model"]) == {"eleutherai/pythia-1b-v0"}
    assert set(table["params"]) == {1e9}  # "1b" in the name
    assert set(table["family"]) == {"pythia-v0"}  # as lm-eval names it (sources.family)
    assert set(table["task"]) == {"hellaswag"}
    assert set(table["chance"]) == {0.25}  # four endings per instance
    assert table["example"].iloc[0] == "id44874"


def test_prediction_target_and_correct(run_folder):
    """Pinned from scenario_state.json and per_instance_stats.json: id44874 generated " B" while the
    reference tagged correct is the third (C); id45277 generated " B" and B is correct (exact_match 1)."""
    table = load(run_folder).set_index("example")
    assert table.loc["id44874", ["prediction", "target", "correct"]].tolist() == ["B", "C", 0.0]
    assert table.loc["id45277", ["prediction", "target", "correct"]].tolist() == ["B", "B", 1.0]
    assert table["correct"].sum() == 3  # exact_match 1 for id45277, id41992, id44284
    # HELM's own score agrees with comparing the letters
    assert ((table["prediction"] == table["target"]).astype(float) == table["correct"]).all()


def test_no_invented_logprobs(run_folder):
    """HELM wrote logprob 0.0 for this Hugging Face model: no log-likelihood column is made of it."""
    table = load(run_folder)
    assert not {"target_logprob", "choice_logprobs", "gold"} & set(table.columns)


def test_letter_follows_output_mapping(editable_run):
    """When output_mapping shows the references in another order, the target is the letter shown."""
    def swap(state):
        first = state["request_states"][0]
        mapping = first["output_mapping"]
        mapping["A"], mapping["C"] = mapping["C"], mapping["A"]

    edit_json(editable_run / "scenario_state.json", swap)
    table = read_helm_run(editable_run / "scenario_state.json").set_index("example")
    assert table.loc["id44874", "target"] == "A"


def test_without_per_instance_stats(editable_run):
    """Without per_instance_stats.json the records have no 'correct' column, the rest is kept."""
    (editable_run / "per_instance_stats.json").unlink()
    table = read_helm_run(editable_run)
    assert "correct" not in table and len(table) == 10


def test_unsupported_method_is_a_clear_error(editable_run):
    """A method this module does not read is named, with what to do."""
    edit_json(editable_run / "scenario_state.json",
              lambda s: s["adapter_spec"].update(method="multiple_choice_separate_original"))
    with pytest.raises(SchemaError, match=r"scenario_state.json: adapter method "
                                          r"'multiple_choice_separate_original' is not read"):
        read_helm_run(editable_run)


def test_model_without_size_needs_sizes(editable_run):
    """A model name without a size is an error unless ReadOptions.sizes gives it."""
    edit_json(editable_run / "scenario_state.json",
              lambda s: s["adapter_spec"].update(model="openai/gpt2"))
    with pytest.raises(SchemaError, match=r"'openai/gpt2' holds no size"):
        read_helm_run(editable_run)
    table = load(editable_run, options=ReadOptions(sizes={"openai/gpt2": 124e6}))
    assert set(table["params"]) == {124e6}


def test_task_and_family_names():
    """Run names give task and subtask; the size is taken out of a model name for its family."""
    assert task_of("mmlu:subject=anatomy,method=multiple_choice_joint,model=openai_gpt2") == (
        "mmlu", "subject=anatomy")
    # the one rule of emergence.sources.family: organisation and size out, as for lm-eval logs
    assert family_of("eleutherai/pythia-1.4b-deduped") == "pythia-deduped"
    assert family_of("meta/llama-2-7b") == "llama-2"


def first_state(change):
    """Apply ``change`` to the first request state of a scenario_state.json document."""
    return lambda state: change(state["request_states"][0])


@pytest.mark.parametrize(("change", "place", "shown", "what"), [
    (first_state(lambda r: r["instance"].update(references=[["A"], ["B"]])),
     "request_states[0].instance.references[0]", "['A'] (list)", "an object"),
    (first_state(lambda r: r["instance"].update(references="A B C D")),
     "request_states[0].instance.references", "'A B C D' (str)", "a list of reference objects"),
    (first_state(lambda r: r["instance"]["references"][2].update(output=["text"])),
     "request_states[0].instance.references[2].output", "['text'] (list)", "an object"),
    (first_state(lambda r: r["instance"]["references"][2].update(tags="correct")),
     "request_states[0].instance.references[2].tags", "'correct' (str)", "a list of tags"),
    (first_state(lambda r: r.update(result=["B"])),
     "request_states[0].result", "['B'] (list)", "an object"),
    (first_state(lambda r: r["result"].update(completions={"text": " B"})),
     "request_states[0].result.completions", "{'text': ' B'} (dict)", "a list of completion objects"),
    (first_state(lambda r: r["result"].update(completions=[" B"])),
     "request_states[0].result.completions[0]", "' B' (str)", "an object"),
    (first_state(lambda r: r["result"].update(completions=[{"text": 2}])),
     "request_states[0].result.completions[0].text", "2 (int)", "the completion as text"),
    (lambda state: state["request_states"].__setitem__(0, None),
     "request_states[0]", "None (NoneType)", "an object"),
])
def test_wrong_types_name_the_field(editable_run, change, place, shown, what):
    """Issue 17 item 5: references that are lists and result/completions of the wrong type raised
    AttributeError or KeyError, an internal error (exit 1). Each names the file, the field, the value
    and what HELM writes there."""
    path = editable_run / "scenario_state.json"
    edit_json(path, change)
    with pytest.raises(SchemaError) as info:
        read_helm_run(editable_run)
    [problem] = info.value.problems
    assert problem.startswith(f"{path}: {place} is {shown}; HELM writes {what}")
    assert problem.endswith("copy the run folder again from HELM's benchmark_output/runs/")


def test_malformed_per_instance_stats_name_the_entry(editable_run):
    """Issue 17 item 5 (same class): a statistic whose mean is text raised ValueError in float()."""
    path = editable_run / "per_instance_stats.json"
    edit_json(path, lambda stats: [s.update(mean="x") for s in stats[0]["stats"]])
    with pytest.raises(SchemaError, match=r"per_instance_stats.json: \[0\]\.stats\[\d+\]\.mean is 'x' "
                                          r"\(str\); HELM writes the statistic as a number"):
        read_helm_run(editable_run)
