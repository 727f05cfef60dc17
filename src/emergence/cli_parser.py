"""The command line's arguments: one parser per subcommand, with runnable examples.

Kept apart from :mod:`emergence.cli` (the commands) and light: nothing heavy is imported, so
``--help`` is instant.
"""

from __future__ import annotations

import argparse

#: The report folder of ``analyze`` when no ``--out`` is given (and the format is text).
DEFAULT_OUT = "emergence-report"

EXAMPLES = """\
examples:
  python -m emergence analyze                       # the bundled benchmarks/
  python -m emergence analyze results/ --x compute --out my-report --force
  python -m emergence analyze benchmarks/toy_powerlaw.csv.gz --metrics exact_match token_edit_distance
  python -m emergence validate my_results.csv
  python -m emergence convert logs/ --to converted/ && python -m emergence analyze converted/ --engine dask
  python -m emergence simulate --truth sharp --out sharp.csv.gz
  python -m emergence list
  python -m emergence template > mine.csv
"""

#: Each subcommand's own examples (its --help shows these, not the whole list).
COMMAND_EXAMPLES = {
    "analyze": """examples:
  python -m emergence analyze                       # the bundled benchmarks/
  python -m emergence analyze results/ --x compute --out my-report --force
  python -m emergence analyze lm_eval_logs/ --sizes sizes.csv --tasks lambada_openai --verbose
  python -m emergence analyze mine.csv --pairs exact_match:target_logprob --format json | jq '.tasks'
  python -m emergence analyze converted/ --engine dask                     # a local Dask cluster
  python -m emergence analyze converted/ --engine dask --scheduler tcp://10.0.0.5:8786
""",
    "convert": """examples:
  python -m emergence convert lm_eval_logs/ --to converted/    # parquet by family and task
  python -m emergence convert big.csv.gz --to converted/ --engine dask --max-bytes 16G
  python -m emergence convert logs/ --to converted/ --engine dask --scheduler tcp://10.0.0.5:8786
""",
    "validate": """examples:
  python -m emergence validate my_results.csv       # exit 0 if valid; every problem at once if not
  python -m emergence validate lm_eval_logs/ --sizes sizes.csv
""",
    "rescore": """examples:
  python -m emergence rescore records.csv --out scores.csv
  python -m emergence rescore records.csv --out scores.csv --metrics exact_match token_edit_distance
""",
    "simulate": """examples:
  python -m emergence simulate --truth sharp --out sharp.csv.gz
  python -m emergence simulate --truth power_law --n-examples 500 --seed 3 --out toy.csv
""",
    "list": """examples:
  python -m emergence list
  python -m emergence list --formats
""",
    "template": """examples:
  python -m emergence template > mine.csv           # records: one row per model and example
  python -m emergence template --kind scores > scores.csv
""",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emergence",
        description="Is an emergent ability real, or an artefact of a discontinuous metric? "
        "Load per-scale results, rescore them under discontinuous and smooth metrics, compare.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help, description=help, epilog=COMMAND_EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    analyze = command("analyze", "rescore results and summarise each scaling curve")
    analyze.add_argument("sources", nargs="*", metavar="SOURCE",
                         help="benchmark files or folders (default: the bundled benchmarks/)")
    analyze.add_argument("--out", metavar="DIR",
                         help=f"report folder (default: {DEFAULT_OUT}; with --format json no folder is "
                         "written unless --out is given)")
    analyze.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    analyze.add_argument("--x", choices=["params", "compute", "tokens", "step", "loss"],
                         help="scale on the x-axis (default: params when known); loss: the models' "
                         "pretraining loss (a 'loss' column, or --loss FILE), lower to the right")
    analyze.add_argument("--metrics", nargs="+", metavar="METRIC",
                         help="metrics to compute (default: every one the records allow)")
    analyze.add_argument("--pairs", nargs="+", metavar="D:S",
                         help="discontinuous:smooth metric pairs to judge (default: exact_match with "
                         "target_prob_per_token, target_logprob, token_edit_distance; "
                         "multiple_choice_grade with choice_prob, brier_score)")
    analyze.add_argument("--family", nargs="+", metavar="F", help="analyse only these families")
    analyze.add_argument("--tasks", nargs="+", metavar="T", help="analyse only these tasks")
    analyze.add_argument("--bootstrap", type=int, default=1000, metavar="B",
                         help="paired-bootstrap replicates (default: 1000, at least 100)")
    analyze.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    analyze.add_argument("--jobs", type=_positive, default=None, metavar="N",
                         help="cores for independent work: tasks, figures (default: all this machine "
                              "has); the numbers are the same for any N")
    _engine_options(analyze)
    analyze.add_argument("--format", choices=["text", "json"], default="text",
                         help="what to print (default: text)")
    analyze.add_argument("--no-figures", action="store_true",
                         help="write the CSVs and a report without figures (faster)")
    analyze.add_argument("--quiet", "-q", action="store_true",
                         help="no progress bars (they are shown on stderr only when it is a terminal)")
    analyze.add_argument("--verbose", "-v", action="store_true",
                         help="also print every metric's curve per task: its ends, jump effect and "
                         "emergence score (text format)")
    _text_options(analyze)
    _input_options(analyze)

    validate = command("validate", "check benchmark files; exit 0 if valid, 2 if not")
    validate.add_argument("sources", nargs="+", metavar="FILE", help="files or folders")
    _input_options(validate)

    rescore = command("rescore", "rescore records into a scores CSV")
    rescore.add_argument("sources", nargs="+", metavar="SOURCE", help="records files or folders")
    rescore.add_argument("--out", required=True, metavar="FILE", help="scores CSV to write")
    rescore.add_argument("--metrics", nargs="+", metavar="METRIC",
                         help="metrics to compute (default: every one the records allow; see `list`)")
    rescore.add_argument("--force", action="store_true", help="replace an existing --out file")
    _text_options(rescore)
    _input_options(rescore)

    convert = command("convert", "write validated records as parquet by family and task, which analyze "
                                 "reads without parsing the original files again")
    convert.add_argument("sources", nargs="+", metavar="SOURCE", help="files or folders to convert")
    convert.add_argument("--to", required=True, metavar="DIR", help="the folder to write (a new one)")
    convert.add_argument("--force", action="store_true", help="replace a non-empty --to folder")
    _engine_options(convert)
    _input_options(convert)

    simulate = command("simulate", "write records of a family whose truth is known")
    simulate.add_argument("--out", required=True, metavar="FILE", help=".csv or .csv.gz to write")
    simulate.add_argument("--truth", default="power_law",
                          choices=["power_law", "sharp", "linear", "loglinear", "step_first", "step_last",
                                   "saturating", "inverse", "flat"],
                          help="the ground truth to simulate (see emergence.simulate.TRUTHS)")
    simulate.add_argument("--family", default=None, help="family name (default: toy-TRUTH)")
    simulate.add_argument("--n-examples", type=int, default=200, metavar="N",
                          help="examples per task (default: 200)")
    simulate.add_argument("--seed", type=int, default=0, help="seed of every draw (default: 0)")
    simulate.add_argument("--force", action="store_true", help="replace an existing --out file")

    template = command("template", "print an example benchmark CSV to start from (the columns "
                                   "explained on stderr)")
    template.add_argument("--kind", choices=["records", "scores"], default="records",
                          help="records: one row per model and example (rescored); scores: one row per "
                          "model, task and metric (default: records)")

    listing = command("list", "list the bundled benchmarks and the metrics, or the input formats")
    listing.add_argument("--formats", action="store_true",
                         help="list the input formats analyze reads, each with an example command")
    return parser


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=["process", "dask", "auto"], default="process",
                        help="where the work runs: this process (the default), a Dask cluster, or "
                        "auto (Dask for inputs over 4 GiB or with --scheduler, when Dask is "
                        "installed); the numbers are the same")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="the Dask scheduler to run on (e.g. tcp://10.0.0.5:8786; default with "
                        "--engine dask: a local cluster of one worker per core)")


def _input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format-in", metavar="FORMAT",
                        help="read every input as this format instead of recognising it (csv, lm_eval, ...)")
    parser.add_argument("--filter", metavar="NAME",
                        help="lm-evaluation-harness filter to keep when a document has several "
                        "(default: the first)")
    parser.add_argument("--sizes", metavar="FILE",
                        help="model sizes: a CSV 'model,params' (1.3b or 1.3e9) or a JSON object; "
                        "they win over the sizes lm-eval, HELM, BIG-bench and HF files state")
    parser.add_argument("--loss", metavar="FILE",
                        help="each model's pretraining or validation loss, for --x loss: a CSV "
                        "'model,loss' or 'model,step,loss' (nats per token)")
    parser.add_argument("--family-from", default="file", metavar="HOW",
                        help="where each model's family comes from: 'file' (what the file says, else the "
                        "model name without organisation and size; the default), 'name' (that rule for "
                        "every model), 'path' (one family per SOURCE, named after it) or a CSV "
                        "'model,family'")
    parser.add_argument("--max-bytes", type=_size, metavar="SIZE",
                        help="refuse an input file holding more than this once decompressed "
                        "(default: 1G; e.g. 8G, 512M)")
    parser.add_argument("--max-line-bytes", type=_size, metavar="SIZE",
                        help="refuse a CSV or JSON-lines file with a line longer than this "
                        "(default: 64M)")


def _size(text: str) -> int:
    """A byte count for ``--max-bytes`` and ``--max-line-bytes`` (``512M``, ``8G``, ``1073741824``)."""
    from emergence.sources.limits import parse_size

    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    """A count of cores for ``--jobs``: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1 (the cores to use, e.g. 2)")
    return value


def _text_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ignore-case", action="store_true",
                        help="exact match and edit distance ignore case")
    parser.add_argument("--collapse-whitespace", action="store_true",
                        help="runs of whitespace compare as one space")
    parser.add_argument("--tokens", choices=["char", "word"], default="char",
                        help="tokens of token_edit_distance (default: char)")
