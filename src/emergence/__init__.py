"""emergence: is an emergent ability of a language-model family real, or a metric artefact?

The public API, each returning tidy DataFrames:

- :func:`load` reads benchmark files (records or scores tables) and validates them;
- :func:`rescore` scores records under discontinuous and smooth metrics;
- :func:`simulate` makes records of a family whose truth is known (the Mirage toy model);
- :func:`curve_table` and :func:`emergence_score` summarise scaling curves;
- :func:`analyze` bootstraps, tests and judges each discontinuous/smooth metric pair;
- :func:`write_report` writes its report folder (CSVs, figures, report.md, report.html);
  :mod:`emergence.plots` draws the figures one by one.

Examples
--------
>>> import emergence
>>> records = emergence.simulate(n_examples=100, seed=0)
>>> scores = emergence.rescore(records)
>>> curves = emergence.curve_table(scores)
"""

from emergence.analysis import Analysis, Thresholds, analyze
from emergence.errors import EmergenceError, EmergenceWarning, SchemaError
from emergence.metrics import REGISTRY as METRICS
from emergence.metrics import MetricOptions
from emergence.report import write_report
from emergence.rescore import rescore
from emergence.schema import validate_records, validate_scores
from emergence.simulate import simulate, toy_model
from emergence.sources import load, load_tables
from emergence.stats import curve_table, emergence_score

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "Analysis",
    "EmergenceError",
    "EmergenceWarning",
    "MetricOptions",
    "SchemaError",
    "Thresholds",
    "__version__",
    "analyze",
    "curve_table",
    "emergence_score",
    "load",
    "load_tables",
    "rescore",
    "simulate",
    "toy_model",
    "validate_records",
    "validate_scores",
    "write_report",
]
