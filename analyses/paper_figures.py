"""Run every paper-figure script: one command, PNGs in one folder, the numbers on the terminal.

Usage::

    python analyses/paper_figures.py [--out paper-figures] [--bigbench PATH]

Runs, in order: mirage_fig2.py, mirage_fig3_fig4.py, mirage_fig5.py and pythia_lambada.py (each can
also be run alone). Exits 1 if any printed comparison with a paper-derived value failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("mirage_fig2", "mirage_fig3_fig4", "mirage_fig5", "pythia_lambada")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="paper-figures", help="folder for the PNGs (default: %(default)s)")
    parser.add_argument("--bigbench", help="BIG-bench score files for mirage_fig5.py")
    args = parser.parse_args(argv)
    failed = []
    for name in SCRIPTS:
        print(f"\n=== {name}.py " + "=" * (60 - len(name)))
        start = time.perf_counter()
        extra = ["--bigbench", args.bigbench] if name == "mirage_fig5" and args.bigbench else []
        status = _load(name).main(["--out", args.out, *extra])
        print(f"({name}.py: {time.perf_counter() - start:.1f} s, exit {status})")
        if status:
            failed.append(name)
    verdict = f"; FAILED: {', '.join(failed)}" if failed else "; all comparisons match"
    print(f"\nfigures in {args.out}/{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
