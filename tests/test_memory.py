"""Tests of emergence.memory: the allocator the command line asks pyarrow for."""

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
