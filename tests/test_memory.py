"""Tests of emergence.memory: the allocator the command line asks pyarrow for, numpy's huge pages,
and the cycle collector held back while many objects are made and kept."""

import os
import subprocess
import sys

import pytest

linux = pytest.mark.skipif(not sys.platform.startswith("linux"),
                           reason="the C heap is preferred on Linux only")

ASK = ("import pyarrow as pa; from emergence.memory import prefer_system_allocator; "
       "changed = prefer_system_allocator(); import os; "
       "print(changed, pa.default_memory_pool().backend_name, os.environ['ARROW_DEFAULT_MEMORY_POOL'])")


def ask(env: dict) -> list[str]:
    """What a fresh process says after prefer_system_allocator: changed?, pyarrow's pool, the variable."""
    done = subprocess.run([sys.executable, "-c", ASK], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


@linux
def test_pyarrow_allocates_from_the_c_heap_and_started_processes_are_told():
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    assert ask(env) == ["True", "system", "system"]


@linux
def test_a_pool_the_user_chose_is_kept():
    assert ask({**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == ["False", "mimalloc", "mimalloc"]


def switch():
    """numpy's module holding its huge-page switch (numpy 2, then 1.x)."""
    try:
        from numpy._core import multiarray
    except ImportError:
        from numpy.core import multiarray
    return multiarray


@pytest.fixture
def numpy_advice(monkeypatch):
    """numpy advising huge pages, without NUMPY_MADVISE_HUGEPAGE; both restored after the test."""
    before = switch()._get_madvise_hugepage()
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "")  # so that the variable's absence is restored
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE")
    switch()._set_madvise_hugepage(True)
    yield switch()._get_madvise_hugepage
    switch()._set_madvise_hugepage(before)


def defrag(monkeypatch, tmp_path, text: str) -> None:
    """The kernel's THP defrag setting, as Linux writes it in sysfs, given as ``text``."""
    from emergence import memory

    path = tmp_path / "defrag"
    path.write_text(text)
    monkeypatch.setattr(memory, "THP_DEFRAG", path)


@linux
@pytest.mark.parametrize("setting", ["always defer defer+madvise [madvise] never\n",
                                     "always defer [defer+madvise] madvise never\n",
                                     "[always] defer defer+madvise madvise never\n"])
def test_numpy_stops_advising_huge_pages_where_a_fault_would_compact(monkeypatch, tmp_path, numpy_advice,
                                                                     setting):
    from emergence.memory import avoid_hugepage_stalls

    defrag(monkeypatch, tmp_path, setting)
    assert avoid_hugepage_stalls() is True
    assert numpy_advice() is False
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"  # for the processes started from here


@linux
@pytest.mark.parametrize("setting", ["always [defer] defer+madvise madvise never\n",
                                     "always defer defer+madvise madvise [never]\n"])
def test_numpy_keeps_its_advice_where_faults_do_not_compact(monkeypatch, tmp_path, numpy_advice, setting):
    from emergence.memory import avoid_hugepage_stalls

    defrag(monkeypatch, tmp_path, setting)
    assert avoid_hugepage_stalls() is False
    assert numpy_advice() is True
    assert "NUMPY_MADVISE_HUGEPAGE" not in os.environ


@linux
def test_numpy_advice_the_user_chose_is_kept(monkeypatch, tmp_path, numpy_advice):
    from emergence.memory import avoid_hugepage_stalls

    defrag(monkeypatch, tmp_path, "always defer defer+madvise [madvise] never\n")
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    assert avoid_hugepage_stalls() is False
    assert numpy_advice() is True


@linux
def test_no_transparent_huge_pages_nothing_to_avoid(monkeypatch, tmp_path, numpy_advice):
    from emergence import memory

    monkeypatch.setattr(memory, "THP_DEFRAG", tmp_path / "absent")
    assert memory.avoid_hugepage_stalls() is False
    assert "NUMPY_MADVISE_HUGEPAGE" not in os.environ


def test_the_collector_is_paused_in_the_block_and_resumed_after_the_last_one():
    import gc
    import threading

    from emergence.memory import paused_gc

    assert gc.isenabled()
    inside, inner_done = [], threading.Event()

    def other_thread():  # a second block, opened and closed while the first is open
        with paused_gc():
            inside.append(gc.isenabled())
        inside.append(gc.isenabled())  # the first block is still open: still paused
        inner_done.set()

    with paused_gc():
        worker = threading.Thread(target=other_thread)
        worker.start()
        inner_done.wait(10)
        worker.join()
        inside.append(gc.isenabled())
    assert inside == [False, False, False]
    assert gc.isenabled()


def test_a_collector_the_program_had_stopped_stays_stopped():
    import gc

    from emergence.memory import paused_gc

    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_from_before_the_block_are_frozen_until_the_last_block_ends():
    import gc

    from emergence.memory import frozen_gc

    assert gc.get_freeze_count() == 0
    kept = [[float(i)] for i in range(1000)]
    with frozen_gc():
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        made = [[1.0] for _ in range(1000)]
        with frozen_gc():  # a nested block (analyze called inside the command line's, say)
            pass
        assert gc.get_freeze_count() >= frozen  # the inner end leaves the outer block's objects frozen
    assert gc.get_freeze_count() == 0  # all handed back to the collector
    del kept, made


def test_objects_the_program_froze_itself_stay_frozen():
    import gc

    from emergence.memory import frozen_gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with frozen_gc():
            made = [[1.0] for _ in range(100)]
        assert gc.get_freeze_count() == frozen  # neither more frozen nor the program's unfrozen
        del made
    finally:
        gc.unfreeze()


def test_an_analysis_freezes_its_records_while_it_works_and_unfreezes_them_after():
    import gc

    import numpy as np

    import emergence

    records = emergence.simulate(np.logspace(8, 10, 4), n_examples=20, seed=0)
    seen = []
    emergence.analyze(records, bootstrap=100, progress=lambda stage, done, total: seen.append(
        (stage, done, gc.get_freeze_count() > 0)))
    assert ("judging", 0, True) in seen
    assert gc.get_freeze_count() == 0


def test_an_error_in_a_block_leaves_the_collector_as_it_was():
    import gc

    from emergence.memory import frozen_gc, paused_gc

    for block in (paused_gc, frozen_gc):
        with pytest.raises(KeyboardInterrupt):
            with block():
                raise KeyboardInterrupt
        assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_block_cut_short_between_its_steps_is_set_right_by_the_next(monkeypatch):
    """What an interrupt (Ctrl-C) between two steps of a block's end leaves behind: the collector
    still off, or the freeze's flag still up. The next block ends with the collector running and
    nothing frozen."""
    import gc

    from emergence import memory

    monkeypatch.setitem(memory._PAUSES, "open", 0)
    monkeypatch.setitem(memory._PAUSES, "ours", True)  # cut after gc.disable(), before the count
    gc.disable()
    with memory.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    monkeypatch.setitem(memory._PAUSES, "frozen", 0)
    monkeypatch.setitem(memory._PAUSES, "frozen_ours", True)  # cut after gc.unfreeze(), before the flag
    with memory.frozen_gc():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0 and not memory._PAUSES["frozen_ours"]


def test_a_block_whose_end_never_runs_is_counted_out_when_it_is_freed():
    """An interrupt can land as a block's ``__exit__`` starts, before it counts out: the block's object
    counts out when it is freed (by its reference count: the paused collector is not needed)."""
    import gc

    from emergence.memory import frozen_gc, paused_gc

    block = paused_gc()
    block.__enter__()
    assert not gc.isenabled()
    del block
    assert gc.isenabled()
    block = frozen_gc()
    block.__enter__()
    assert gc.get_freeze_count() > 0
    del block
    assert gc.get_freeze_count() == 0
