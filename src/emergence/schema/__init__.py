"""The two tidy tables of emergence, their columns, and their validation.

``records``
    One row per (family, model, step, task, example): the unit of rescoring.
``scores``
    One row per (family, model, step, task, metric): what rescoring produces, and what aggregate-only
    sources (results JSON, score files) provide directly.

Validation collects every problem of a table (up to :data:`MAX_PROBLEMS`) and raises one
:class:`~emergence.errors.SchemaError` whose lines each name the source, the row or line, the column
and the value. The input table is never modified; a validated copy is returned.

The package: :mod:`~emergence.schema.columns` (the columns of both tables, telling them apart),
:mod:`~emergence.schema.validator` (:func:`validate_records`, :func:`validate_scores`),
:mod:`~emergence.schema.convert` (one converter per column type), :mod:`~emergence.schema.values`
(no NUL in text, scores in their metric's range, possible standard errors) and
:mod:`~emergence.schema.tables` (checks of whole tables: choice counts, unique and common examples).
"""

from emergence.schema.columns import (
    KINDS,
    MAX_COLUMNS,
    MAX_PROBLEMS,
    RECORD_COLUMNS,
    SCORE_COLUMNS,
    Column,
    columns_of,
    detect_shape,
    model_keys,
    row_keys,
)
from emergence.schema.tables import check_choice_counts, check_unique_examples, common_examples
from emergence.schema.validator import validate_records, validate_scores

__all__ = [
    "KINDS",
    "MAX_COLUMNS",
    "MAX_PROBLEMS",
    "RECORD_COLUMNS",
    "SCORE_COLUMNS",
    "Column",
    "check_choice_counts",
    "check_unique_examples",
    "columns_of",
    "common_examples",
    "detect_shape",
    "model_keys",
    "row_keys",
    "validate_records",
    "validate_scores",
]
