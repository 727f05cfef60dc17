"""A user's model sizes (``--sizes``): a CSV ``model,params`` or a JSON object."""

from __future__ import annotations

from pathlib import Path

from emergence.errors import EmergenceError


def read_sizes(path: str | Path) -> dict[str, float]:
    """A user's model-size mapping: a CSV with columns ``model,params`` or a JSON object.

    Sizes may be numbers or forms like ``1.3b`` (:func:`emergence.scale.parse_scale`).

    Raises
    ------
    EmergenceError
        Naming the file, the line or key, and the value that is not a size.
    """
    import orjson

    from emergence.scale import parse_scale

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark dropped, as in inputs
    except (OSError, UnicodeDecodeError) as error:
        raise EmergenceError(f"--sizes {path}: cannot read the file: {error}") from None
    if path.suffix.lower() == ".json":
        try:
            pairs = list(orjson.loads(text).items())
        except (orjson.JSONDecodeError, AttributeError):
            raise EmergenceError(f"--sizes {path}: not a JSON object like {{\"model\": \"1.3b\"}}") from None
        where = [f"key {k!r}" for k, _ in pairs]
    else:
        lines = [line for line in text.splitlines()]
        header = [c.strip() for c in lines[0].split(",")] if lines else []
        if header[:2] != ["model", "params"]:
            raise EmergenceError(f"--sizes {path}: line 1 must be the header 'model,params'; got {lines[:1]}")
        pairs, where = [], []
        for number, line in enumerate(lines[1:], 2):
            if line.strip():
                model, _, size = line.partition(",")
                pairs.append((model.strip(), size.strip()))
                where.append(f"line {number}")
    sizes = {}
    for (model, size), place in zip(pairs, where, strict=True):
        try:
            sizes[str(model)] = parse_scale(size)
        except ValueError as error:
            raise EmergenceError(f"--sizes {path}: {place}: {error}") from None
    return sizes
