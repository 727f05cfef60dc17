"""--jobs N spreads independent work over N workers; every output is the same bytes at any N.

The run below has 6 tasks of text and multiple-choice records at 6 sizes, so the curves and pairs of
different tasks are measured by different processes at N = 2 and 3.
"""

import numpy as np
import pandas as pd
import pytest

import emergence
from emergence.cli import main
from emergence.errors import EmergenceError, EmergenceWarning
from emergence.jobs import check_jobs, default_jobs, parallel_map
from emergence.sources import write_csv


@pytest.fixture(scope="module")
def records_csv(tmp_path_factory):
    params = np.logspace(7, 10, 6)
    parts = []
    for t in range(6):
        if t % 3 == 2:
            part = emergence.simulate(params, family="f", target_lengths=(), n_choices=4, n_examples=60,
                                      seed=t)
        else:
            part = emergence.simulate(params, family="f", target_lengths=(1 + t % 3,), n_choices=0,
                                      n_examples=60, seed=t)
        parts.append(part.assign(task=f"task_{t}"))
    path = tmp_path_factory.mktemp("jobs") / "records.csv"
    write_csv(pd.concat(parts, ignore_index=True), path)
    return path


def test_every_output_table_is_the_same_bytes_at_any_jobs(records_csv, tmp_path, capsys, monkeypatch):
    from emergence.engines import in_process

    monkeypatch.setattr(in_process, "PARALLEL_RECORDS", 0)  # tasks rescored in processes too
    outputs = {}
    for jobs in (1, 2, 3):
        out = tmp_path / f"jobs{jobs}"
        assert main(["analyze", str(records_csv), "--no-figures", "-q", "--bootstrap", "200", "--jobs",
                     str(jobs), "--out", str(out)]) == 0
        outputs[jobs] = {name: (out / name).read_bytes() for name in
                         ("scores.csv", "curves.csv", "verdicts.csv", "tasks.csv")}
    capsys.readouterr()
    assert outputs[1] == outputs[2] == outputs[3]


def _square(x: int) -> int:
    import warnings

    if x == 2:
        warnings.warn("two is even", UserWarning, stacklevel=1)
    return x * x


def test_parallel_map_keeps_the_order_and_says_the_workers_warnings():
    with pytest.warns(UserWarning, match="two is even"):
        assert parallel_map(_square, [3, 1, 2, 5], jobs=2) == [9, 1, 4, 25]
    assert parallel_map(_square, [4], jobs=4) == [16]


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_map_does_this_process_s_own_work_meanwhile_once(jobs):
    import os

    here = []
    with pytest.warns(UserWarning, match="two is even"):
        done = parallel_map(_square, [3, 1, 2], jobs, meanwhile=lambda: here.append(os.getpid()))
    assert done == [9, 1, 4]
    assert here == [os.getpid()]  # once, in this process


def test_work_done_meanwhile_keeps_this_process_s_settings_and_its_errors_are_dropped(monkeypatch):
    import os
    import sys
    import warnings

    seen = {}

    def meanwhile():
        seen["threads"] = os.environ.get("OPENBLAS_NUM_THREADS")
        seen["main"] = sys.modules["__main__"]
        warnings.simplefilter("always", FutureWarning)  # as a module imported meanwhile may do
        raise RuntimeError("not needed yet")

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    main_module = sys.modules["__main__"]
    with warnings.catch_warnings(record=True) as said:
        assert parallel_map(_square, [3, 1, 2], 2, meanwhile=meanwhile) == [9, 1, 4]
        kept = warnings.filters[0][:3:2]
    assert [str(w.message) for w in said if w.category is UserWarning] == ["two is even"]
    # the processes' settings were undone before: the work here sees this process's own
    assert seen == {"threads": None, "main": main_module}
    assert kept == ("always", FutureWarning)  # a filter added meanwhile lasts


def test_jobs_must_be_a_whole_number_of_at_least_one(capsys):
    assert default_jobs() >= 1
    assert check_jobs(2) == 2
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(EmergenceError, match=r"The 'jobs' parameter must be an int >= 1"):
            check_jobs(bad)
    with pytest.raises(SystemExit) as info:
        main(["analyze", "--jobs", "0"])
    assert info.value.code == 2
    assert "--jobs: '0' is not a whole number >= 1" in capsys.readouterr().err


def test_a_script_without_a_main_guard_can_ask_for_processes(tmp_path):
    """Started processes do not run the caller's script again (they would fail, or redo its work)."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text("from emergence.jobs import parallel_map\nfrom emergence.stats.inference import "
                      "benjamini_hochberg as bh\nprint('ran once')\nprint(len(parallel_map(bh, [[0.01, 0.2], "
                      "[0.5]], jobs=2)))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ran", "once", "2"]


def test_rescoring_in_processes_gives_the_same_bits_and_the_same_warning(monkeypatch):
    """Shards of whole tasks rescored by forked processes: the scores, replicates and the one
    warning about examples left out are those of one pass (engines/in_process.py)."""
    from emergence.engines import in_process
    from emergence.rescore import rescore_replicates

    monkeypatch.setattr(in_process, "PARALLEL_RECORDS", 0)
    records = pd.concat([emergence.simulate(family=f, n_examples=40, seed=s)
                         for s, f in ((1, "a"), (2, "b"))], ignore_index=True)
    records = records.drop(index=[3, 50]).reset_index(drop=True)  # two examples one model lacks
    said = {}
    for jobs in (1, 2):
        with pytest.warns(EmergenceWarning) as caught:
            scores, replicates = rescore_replicates(records, n_replicates=150, seed=4, jobs=jobs)
        said[jobs] = ([str(w.message) for w in caught], scores, replicates.values)
    assert said[1][0] == said[2][0] and "left out" in said[1][0][0]
    pd.testing.assert_frame_equal(said[1][1], said[2][1])
    assert said[1][2].tobytes() == said[2][2].tobytes()
