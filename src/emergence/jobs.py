"""How many cores a run uses for its independent work (``--jobs``).

Work that does not depend on other work is spread over ``jobs`` workers: the bootstrap weights of
different tasks (threads: numpy leaves the interpreter lock while it hashes), the curves of different
tasks and the figures (processes). Every number is the same for any ``jobs``: the workers compute the
same things in the same way, only at the same time, and their results are put together in a fixed
order.
"""

from __future__ import annotations

import os

from emergence.errors import EmergenceError


def default_jobs() -> int:
    """The cores this process may run on (the machine's cores, less any the system keeps from it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: int) -> int:
    """``jobs`` itself when it is an int >= 1.

    Raises
    ------
    EmergenceError
        Naming the value given otherwise.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise EmergenceError(
            f"The 'jobs' parameter must be an int >= 1 (cores to use). Got {jobs!r} instead."
        )
    return jobs
