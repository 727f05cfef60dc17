"""The command line: ``python -m emergence {analyze,validate,rescore,simulate,list}``.

Thin by design: parse arguments (:mod:`emergence.cli_parser`), call the library, print. Heavy
modules are imported inside the commands so ``--help`` is instant. Exit codes: 0 ok, 2 bad input or
usage (one line per problem, ``emergence: error: ...``), 1 internal error.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import warnings
from pathlib import Path

from emergence.cli_output import json_payload, text_report
from emergence.cli_parser import DEFAULT_OUT, EXAMPLES, _parser
from emergence.report.safe import terminal_lines, terminal_text

__all__ = ["EXAMPLES", "default_sources", "main"]


def read_options(args):
    """The --filter, --sizes, --family-from and --max-(line-)bytes settings as ReadOptions."""
    from emergence.sources import Limits, ReadOptions, read_sizes
    from emergence.sources.family import FAMILY_FROM, read_family_map

    sizes = read_sizes(args.sizes) if args.sizes else {}
    given = {"max_bytes": args.max_bytes, "max_line_bytes": args.max_line_bytes}
    limits = Limits(**{key: value for key, value in given.items() if value is not None})
    family_from = args.family_from if args.family_from in FAMILY_FROM else read_family_map(args.family_from)
    return ReadOptions(filter=args.filter, sizes=sizes, limits=limits, family_from=family_from)


def read_losses(args):
    """The --loss file's table (None without one), with a warning when the x-axis is not the loss."""
    if not args.loss:
        return None
    from emergence.sources.sizes import read_losses as read

    if getattr(args, "x", "loss") != "loss":
        warnings.warn(f"--loss {args.loss} is given without --x loss: the losses are kept in the "
                      "tables, but the x-axis is not the loss", stacklevel=2)
    return read(args.loss)


def _read(args, sources, progress=None):
    """Load the inputs with the --format-in, --filter, --sizes, --family-from and --max-(line-)bytes
    settings, and add the --loss file's losses."""
    from emergence.sources import load_tables

    tables = load_tables(sources, format_in=args.format_in, options=read_options(args), progress=progress)
    if args.loss:
        from emergence.sources.sizes import add_losses

        losses = read_losses(args)
        tables.records = None if tables.records is None else add_losses(tables.records, losses)
        tables.scores = None if tables.scores is None else add_losses(tables.scores, losses)
    return tables


def _columns(stream) -> int | None:
    """The width of the terminal ``stream`` writes to; None when it is not one (a pipe, a file) or
    says a width too small to lay a table out in (a pseudo-terminal of 0 columns)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns if stream.isatty() else 0
    except (OSError, ValueError, AttributeError):
        return None
    return columns if columns >= 40 else None


def default_sources() -> list[Path]:
    """The bundled benchmarks: ``./benchmarks`` if present, else the one beside the source tree."""
    here = Path("benchmarks")
    if here.is_dir():
        return [here]
    beside = Path(__file__).resolve().parents[2] / "benchmarks"
    if beside.is_dir():
        return [beside]
    from emergence.errors import EmergenceError

    raise EmergenceError(
        "no SOURCE given and no benchmarks/ folder found; name files or folders to analyse"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.version:
        from emergence import __version__

        print(f"emergence {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    from emergence.errors import EmergenceError
    from emergence.memory import avoid_hugepage_stalls, prefer_system_allocator

    prefer_system_allocator()
    avoid_hugepage_stalls()

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(terminal_lines(f"emergence: warning: {message}"), file=sys.stderr)
        _SAID.append(str(message))

    warnings.showwarning = show_warning
    _SAID.clear()
    try:
        return _COMMANDS[args.command](args)
    except EmergenceError as error:
        # "\n" only: str.splitlines would also split at control characters of a quoted name
        for line in str(error).split("\n") if str(error) else [type(error).__name__]:
            print(terminal_text(f"emergence: error: {line}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("emergence: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug: say so in one line; the traceback on request
        if os.environ.get("EMERGENCE_DEBUG"):
            raise
        print(terminal_lines(f"emergence: internal error (a bug, please report it): "
                             f"{type(error).__name__}: {error}; rerun with EMERGENCE_DEBUG=1 for the "
                             "traceback"), file=sys.stderr)
        return 1


def run() -> None:
    """The command line as a program (``python -m emergence``, the ``emergence`` script): :func:`main`,
    then the process ends without the interpreter's teardown.

    A run holds millions of Python objects (the records' texts and choice lists); freeing them one
    by one as the interpreter shuts down took 0.2 s after a 2.4M-record run had written everything
    (issue 13). By the time :func:`main` returns, every file it wrote is closed and its processes
    and threads are done: what is buffered for stdout and stderr is flushed, and the process exits
    with main's code. Where the flush fails (a closed pipe), the interpreter exits as usual.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def _options(args):
    from emergence.metrics import MetricOptions

    return MetricOptions(ignore_case=args.ignore_case,
                         collapse_whitespace=args.collapse_whitespace, tokens=args.tokens)


def _check_metrics(names):
    from emergence.metrics import get_metric

    for name in names or []:
        get_metric(name)


def _warn_about_analysed(caught, scores) -> None:
    """Repeat the loaders' warnings, those about unknown metrics only for the metrics of the rows
    analysed (a warning about crows_pairs' metrics under --tasks lambada_openai is noise)."""
    from emergence.errors import UnknownMetricWarning

    analysed = set() if scores is None else set(scores["metric"].astype(str))
    unknown: dict[tuple, list[UnknownMetricWarning]] = {}  # one line for the files that share them
    for warning in caught:
        message = warning.message
        if isinstance(message, UnknownMetricWarning):
            message = message.only(analysed)
            if message.metrics:
                unknown.setdefault(message.metrics, []).append(message)
            continue
        warnings.warn(message, stacklevel=2)
    for same in unknown.values():
        first = same[0]
        source = first.source if len(same) == 1 else f"{len(same)} files ({first.source} and others)"
        warnings.warn(UnknownMetricWarning(source, first.metrics, first.hints), stacklevel=2)


#: The warnings printed in this run, for the report's "Warnings" section.
_SAID: list[str] = []


def _analyze(args) -> int:
    from emergence.analysis import Thresholds, analyze, parse_pairs
    from emergence.report import check_out_dir, write_report

    _check_metrics(args.metrics)
    pairs = parse_pairs(args.pairs) if args.pairs else None
    sources = args.sources or default_sources()
    # --format json is for pipes: it writes a report folder only when --out names one
    report = args.format != "json" or args.out is not None
    out_dir = DEFAULT_OUT if args.out is None else args.out
    if report:
        check_out_dir(out_dir, force=args.force, inputs=sources)
    from emergence.cli_progress import Progress

    progress = Progress(enabled=sys.stderr.isatty() and not args.quiet)
    from emergence.engines import choose_engine

    engine = choose_engine(args.engine, sources, args.scheduler)
    rescored = hashed = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if engine == "dask":
            from emergence.cli_engine import rescore_on_cluster

            rescored = rescore_on_cluster(args, sources, progress, metrics=args.metrics,
                                          options=_options(args))
            tables = rescored
            records, scores = None, rescored.scores
        else:
            hashing = _Hashing(sources, args.format_in) if report else None
            tables = _read(args, sources, progress=progress.reading)
            # done by now; no thread is left running when processes fork
            hashed = None if hashing is None else hashing.result()
            records, scores = (_only(t, args) for t in (tables.records, tables.scores))
    if scores is not None and args.metrics:
        scores = scores[scores["metric"].isin(args.metrics)]
        scores = None if scores.empty else scores
    _warn_about_analysed(caught, scores)
    if records is None and scores is None and (rescored is None or rescored.table is None):
        from emergence.errors import EmergenceError

        raise EmergenceError("nothing to analyse: no rows match --family/--tasks/--metrics "
                             f"(families: {_names(tables, 'family')}; tasks: {_names(tables, 'task')})")
    from emergence.jobs import default_jobs

    jobs = args.jobs or default_jobs()
    result = analyze(records, scores, x=args.x, metrics=args.metrics, pairs=pairs,
                     bootstrap=args.bootstrap, seed=args.seed, options=_options(args),
                     thresholds=Thresholds(), progress=progress.update, jobs=jobs,
                     rescored=rescored if rescored is not None and rescored.table is not None else None)
    settings = {
        "sources": [str(s) for s in sources],
        "files": [str(f) for f in tables.files],
        "records": (None if records is None else len(records)) if rescored is None else (
            rescored.records or None),
        "score_rows": None if scores is None else len(scores),
        "metrics": args.metrics,
        "pairs": args.pairs,
        "command": "python -m emergence " + " ".join(shlex.quote(a) for a in args.argv),
        **result.settings,
    }
    shown = {k: v for k, v in settings.items() if k not in ("sources", "files")}
    settings["out"] = None
    if report:
        out = write_report(result, out_dir, files=tables.files, settings=shown, force=args.force,
                           figures=not args.no_figures, progress=progress.figures,
                           notes=list(dict.fromkeys(_SAID)), jobs=jobs,
                           hashed=hashed)
        settings["out"] = str(out)
    settings["no_figures"] = bool(args.no_figures) or not report  # no report folder: no figures
    if args.format == "json":
        print(json.dumps(json_payload(result, settings), indent=2, allow_nan=False))
    else:
        # on a terminal, lines fit its width (the whole text is in the report); piped, they are whole
        width = _columns(sys.stdout)
        print(terminal_lines(text_report(result, settings, verbose=args.verbose, width=width)))
    return 0


class _Hashing:
    """The sizes and SHA-256 of the input files (:func:`emergence.report.text.input_files`), made
    in a thread while the files are read: hashlib works outside the GIL, beside the validation's
    one core, where after the analysis it took 0.25 s of a 180 MB file (issue 13)."""

    def __init__(self, sources, format_in):
        import threading

        self._inputs = None
        self._thread = threading.Thread(target=self._work, args=(sources, format_in),
                                        name="emergence-hash-inputs", daemon=True)
        self._thread.start()

    def _work(self, sources, format_in) -> None:
        from emergence.report.text import input_files
        from emergence.sources import find_inputs

        try:
            files, hub = find_inputs(sources, format_in)  # as load_tables lists them
            self._inputs = input_files([path for path, _ in files] + hub)
        except Exception:  # the reading says what is wrong with a file; the report hashes again
            self._inputs = None

    def result(self):
        """The list made, or None when it could not be (``write_report`` then hashes the files)."""
        self._thread.join()
        return self._inputs


def _only(table, args):
    """Rows of the --family and --tasks asked for (None when none is left)."""
    from emergence.sources.reading import only_rows

    return only_rows(table, args.family, args.tasks)


def _names(tables, column: str) -> str:
    """The names in ``column`` of what was read: Tables, or an engine's Rescored (whose ``records``
    is a count, its names listed apart)."""
    import pandas as pd

    found = set(getattr(tables, {"family": "families", "task": "task_names"}[column], None) or [])
    for table in (tables.records, tables.scores):
        if isinstance(table, pd.DataFrame):
            found |= set(table[column].astype(str))
    names = sorted(found)
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def _validate(args) -> int:
    from emergence.schema import common_examples

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = _read(args, args.sources)
        if tables.records is not None:
            common_examples(tables.records)
    for warning in caught:
        print(terminal_lines(f"emergence: warning: {warning.message}"), file=sys.stderr)
    for path in tables.files:
        print(terminal_text(f"ok  {path}"))
    summary = []
    if tables.records is not None:
        summary.append(f"{len(tables.records):,} records")
    if tables.scores is not None:
        summary.append(f"{len(tables.scores):,} scores")
    print(f"{len(tables.files)} file(s) valid: {', '.join(summary)}")
    return 0


def _refuse_existing(path: Path, force: bool, inputs=()) -> None:
    from emergence.errors import EmergenceError

    if path.exists() and not path.is_file():
        raise EmergenceError(f"--out {path}: exists and is not a file; choose another path")
    for given in inputs:
        if path.resolve() == Path(given).resolve():
            raise EmergenceError(f"--out {path}: is the input {given}; the output would replace it. "
                                 "Choose another --out")
    if path.exists() and not force:
        raise EmergenceError(f"--out {path}: the file exists; add --force to replace it")


def _rescore(args) -> int:
    from emergence.errors import EmergenceError
    from emergence.rescore import rescore
    from emergence.sources import write_csv

    _check_metrics(args.metrics)
    out = Path(args.out)
    _refuse_existing(out, args.force, args.sources)
    tables = _read(args, args.sources)
    if tables.records is None:
        raise EmergenceError("rescore needs records files (one row per example); got only scores")
    scores = rescore(tables.records, args.metrics, options=_options(args))
    write_csv(scores, out)
    print(f"wrote {len(scores):,} scores to {out}")
    return 0


def _simulate(args) -> int:
    from emergence.simulate import simulate
    from emergence.sources import write_csv

    out = Path(args.out)
    _refuse_existing(out, args.force)
    family = args.family or f"toy-{args.truth.replace('_', '')}"
    records = simulate(family=family, truth=args.truth, n_examples=args.n_examples,
                       seed=args.seed)
    write_csv(records, out)
    print(f"wrote {len(records):,} records of family {family!r} (truth: {args.truth}) to {out}")
    return 0


def _list(args) -> int:
    from emergence.metrics import REGISTRY
    from emergence.sources import formats, load_tables

    if args.formats:
        print("input formats (told apart by their content; --format-in NAME forces one):")
        for name, module in formats().items():
            print(f"  {name:<9} {module.SUMMARY}")
            print(f"            {module.EXAMPLE}")
        return 0

    sources = default_sources()
    tables = load_tables(sources)
    print(f"benchmarks in {sources[0]}:")
    for path in tables.files:
        print(f"  {path.name}")
    if tables.records is not None:
        overview = tables.records.groupby(["family", "task"]).agg(
            models=("model", "nunique"), examples=("example", "nunique"))
        print()
        print(overview.to_string())
    print("\nmetrics:")
    for metric in REGISTRY.values():
        direction = "higher" if metric.higher_is_better else "lower"
        print(f"  {metric.name:<26} {metric.kind:<13} {direction} is better: {metric.description}")
    return 0


def _template(args) -> int:
    from emergence.template import explain, template

    table = template(args.kind)
    print(explain(args.kind, shown=table.columns), file=sys.stderr)
    table.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _convert(args) -> int:
    from emergence.cli_engine import convert

    return convert(args)


_COMMANDS = {
    "analyze": _analyze,
    "convert": _convert,
    "validate": _validate,
    "rescore": _rescore,
    "simulate": _simulate,
    "list": _list,
    "template": _template,
}
