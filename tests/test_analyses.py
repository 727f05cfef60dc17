"""Tests of the paper-figure scripts in analyses/: the numbers they print and the lines they draw.

Reference values come from ../shared/data/mirage/ (derived from Schaeffer, Miranda & Koyejo 2023; see
its README) and ../shared/data/pythia/README.md ("Sanity check": lambada_openai acc 0.185 -> 0.705,
ppl 142.4 -> 3.92); tests that need them skip when the folder is absent.
"""

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "analyses" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fig2():
    return load("mirage_fig2")


@pytest.fixture(scope="module")
def fig34():
    return load("mirage_fig3_fig4")


@pytest.fixture(scope="module")
def fig5():
    return load("mirage_fig5")


def test_fig2_matches_reference_to_1e_3(fig2, shared_data):
    reference = pd.read_csv(shared_data / "mirage" / "mirage_fig2_toy_model_values.csv")
    diff = fig2.compare(fig2.compute(reference["N"]), reference)
    assert len(diff) == 6
    assert diff["max abs difference"].max() <= 1e-3
    assert diff["vs values read off the figure"].max() <= 2e-3  # digitised to about 3 decimals


def test_fig2_draws_the_computed_values(fig2):
    table = fig2.compute()
    fig = fig2.draw(table)
    for ax, (panel, (column, _, _, _)) in zip(fig.axes, fig2.PANELS.items(), strict=True):
        np.testing.assert_allclose(ax.lines[0].get_xydata(), table[["N", f"{panel}_{column}"]].to_numpy())
    # Fig. 2C: exact match on 5 tokens at 2e11 parameters is p^5 = exp(-0.5)... = 0.6065 (reference file)
    assert table["C_accuracy"].iloc[-1] == pytest.approx(0.6065, abs=1e-4)


def test_fig2_script_exits_0_and_writes_png(fig2, shared_data, tmp_path, capsys):
    assert fig2.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "mirage_fig2_toy_model.png").stat().st_size > 10_000
    assert "MATCH" in capsys.readouterr().out


def test_fig3_fig4_match_reference(fig34, shared_data):
    reference = pd.read_csv(shared_data / "mirage" / "mirage_fig3_fig4_toy_model_by_length.csv")
    assert fig34.compare(fig34.by_length(), reference).max() <= 1e-3


def test_fig4_resolution_needs_a_million_examples_for_the_smallest_model(fig34):
    """p^5 = 6.4e-6 at 350M parameters: 100..10,000 examples see no exact match (expected count
    <= 0.06), a million see some; every estimate is a count over n."""
    table = fig34.test_set_resolution(seed=0)
    smallest = table[table["N"] == 3.5e8].set_index("test_examples")
    assert smallest.loc[[100, 1_000, 10_000], "exact_matches"].eq(0).all()
    assert smallest.loc[1_000_000, "exact_matches"] > 0
    np.testing.assert_allclose(table["estimate"], table["exact_matches"] / table["test_examples"])


def test_fig3_fig4_drawn_lines_are_the_table(fig34):
    table = fig34.by_length()
    fig = fig34.draw_model(table, fig34.test_set_resolution())
    accuracy_panel = fig.axes[0]
    groups = table.groupby("target_len")
    assert [line.get_label() for line in accuracy_panel.lines] == [f"L = {n}" for n, _ in groups]
    for line, (_, rows) in zip(accuracy_panel.lines, groups, strict=True):
        np.testing.assert_allclose(line.get_xydata(), rows[["N", "accuracy"]])
    assert fig.axes[2].get_yscale() == "log"


def test_fig5_benchmark_curves(fig5):
    """Every (family, task, metric) curve of the bundled benchmarks, with the GPT-3 ladder's
    straight-line score (9.34, see emergence.analysis docs)."""
    curves = fig5.benchmark_curves()
    assert len(curves) == 99  # 3 families x (5 exact-match tasks x 6 metrics + 1 multiple-choice x 3)
    assert curves["straight_line_es"].round(2).eq(9.34).all()
    summary = fig5.summarise(curves)
    assert summary.loc["exact_match", "curves"] == 15


def test_fig3_ladder_by_answer_length(fig34):
    """The real-model Fig. 3 (benchmarks/arith_ladder.csv.gz, final checkpoints): the 4,100
    addition problems regrouped by answer digits 1..6 (1 + 4 x 1,000 + 100 test problems); the drawn
    exact match is the share of predictions equal to the target."""
    import emergence

    scores, verdicts = fig34.ladder_by_length(bootstrap=100)
    em = scores[scores["metric"] == "exact_match"]
    assert sorted(em["target_len"].unique()) == [1, 2, 3, 4, 5, 6]
    assert (em.groupby("params")["n"].sum() == 4100).all()
    records = emergence.load(fig34.LADDER)
    largest = records[(records["params"] == records["params"].max())
                      & (records["step"] == records["step"].max())
                      & records["task"].str.startswith("add_") & (records["target"].str.len() == 6)]
    value = em[(em["params"] == records["params"].max()) & (em["target_len"] == 6)]["value"].item()
    assert value == pytest.approx((largest["prediction"] == largest["target"]).mean())  # 0.863 here
    assert len(verdicts) == 6 and set(verdicts["discontinuous"]) == {"exact_match"}
    assert set(verdicts["smooth"]) == {"token_edit_distance"}


def test_fig5_ladder_curves(fig5):
    """11 tasks x 9 metrics (6 for the text and log-likelihood, 3 for the multiple choice)."""
    curves = fig5.ladder_curves()
    assert len(curves) == 99
    assert curves["n_scales"].eq(8).all()


def test_fig5_pythia_curves(fig5, shared_data):
    curves = fig5.pythia_curves(shared_data / "pythia" / "pythia_evals.csv.gz",
                                tasks=["lambada_openai", "piqa"])
    assert {"acc", "ppl", "log_ppl", "acc_norm"} <= set(curves["metric"])
    lambada = curves[(curves["task"] == "lambada_openai") & (curves["family"] == "pythia-deduped")]
    # ppl is exp(loss): its emergence score far exceeds that of log(ppl) on the same models
    es = lambada.set_index("metric")["emergence_score"]
    assert es["ppl"] > 3 * es["log_ppl"]


def test_fig5_bigbench_fixture_has_too_few_sizes(fig5):
    """One BIG-bench score file is one model: it loads, and no curve has 4 sizes."""
    assert fig5.bigbench_curves(ROOT / "tests" / "data" / "bigbench").empty


def test_pythia_lambada_final_checkpoint(shared_data):
    pythia = load("pythia_lambada")
    wide = pythia.final(pythia.lambada(shared_data / "pythia" / "pythia_evals.csv.gz"))
    standard = wide[wide["family"] == "pythia"]
    # ../shared/data/pythia/README.md, "Sanity check"
    assert standard["acc"].iloc[0] == pytest.approx(0.185, abs=1e-3)
    assert standard["acc"].iloc[-1] == pytest.approx(0.705, abs=1e-3)
    assert standard["ppl"].iloc[0] == pytest.approx(142.4, abs=0.05)
    assert standard["ppl"].iloc[-1] == pytest.approx(3.92, abs=0.01)
    assert len(wide[wide["family"] == "pythia-deduped"]) == 8
