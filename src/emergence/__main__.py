"""``python -m emergence``: the command line (see :mod:`emergence.cli`)."""

from emergence.cli import run

run()
