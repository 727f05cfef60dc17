"""The command line's Dask side: ``analyze --engine dask`` and ``convert --to DIR``.

A local cluster (one single-threaded worker process per core) is made for the run and closed after
it; with ``--scheduler ADDRESS`` the run goes to that cluster, whose workers must see the input files
at the same paths. The dashboard's address is printed on stderr.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from emergence.errors import EmergenceError
from emergence.report.safe import terminal_text


@contextlib.contextmanager
def cluster(args, quiet: bool = False):
    """A Dask client for the run (``--scheduler``, or a local cluster), closed at the end."""
    from emergence.engines.on_dask import connect, dashboard

    client, local = connect(args.scheduler)
    try:
        link = dashboard(client)
        where = args.scheduler or f"a local cluster of {len(client.scheduler_info()['workers'])} workers"
        if not quiet:
            print(terminal_text(f"emergence: running on {where}"
                                + (f"; dashboard: {link}" if link else "")), file=sys.stderr)
        yield client
    finally:
        client.close()
        if local is not None:
            local.close()


def _request(args, sources):
    from emergence.cli import read_losses, read_options
    from emergence.engines.shards import Request

    return Request(read_options(args), given=[str(s) for s in sources],
                   families=getattr(args, "family", None), tasks=getattr(args, "tasks", None),
                   losses=read_losses(args))


def rescore_on_cluster(args, sources, progress, *, metrics, options):
    """Read, validate and rescore ``sources`` on Dask with the command line's settings."""
    from emergence.engines.on_dask import rescore_on_dask

    request = _request(args, sources)
    with cluster(args, quiet=args.quiet or args.format == "json") as client:
        return rescore_on_dask(client, sources, format_in=args.format_in, request=request, metrics=metrics,
                               options=options, bootstrap=args.bootstrap, seed=args.seed,
                               progress=progress.update)


def convert(args) -> int:
    """``python -m emergence convert SOURCE ... --to DIR``: every file read and validated (in process
    or on Dask) and its records written as parquet by family and task (:mod:`emergence.sources.converted`)
    into a new folder, renamed into place once whole."""
    from emergence.engines import choose_engine
    from emergence.sources import find_files

    out = Path(args.to)
    if args.loss:
        raise EmergenceError(f"--loss {args.loss}: convert writes the records as the files give them; "
                             "give --loss to analyze, when it reads the converted folder")
    _check_to(out, args.force, args.sources)
    files = find_files(args.sources, args.format_in)
    request = _request(args, args.sources)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if choose_engine(args.engine, args.sources, args.scheduler) == "dask":
            from emergence.engines.partitions import partitions, scales_across_blocks

            items = [(str(path), name, i, block)
                     for i, (path, name, block) in enumerate(partitions(files, request.options.limits))]
            with cluster(args) as client:
                futures = [client.submit(convert_file, *item, request=request, out=str(work), pure=False)
                           for item in items]
                done = client.gather(futures)
            # the rules of a whole file that its blocks cannot see alone
            across = scales_across_blocks([(p, n, b) for p, n, _, b in items],
                                           [([], [], {"scales": scales}) for *_, scales in done])
        else:
            done = [convert_file(str(path), module.NAME, i, None, request=request, out=str(work))
                    for i, (path, module) in enumerate(files)]
            across = []
        problems = [p for problems, *_ in done for p in problems] or across
        for _, said, *_ in done:
            for message in said:
                warnings.warn(message, stacklevel=2)
        if problems:
            from emergence.errors import SchemaError

            raise SchemaError(problems)
        written = [w for _, _, ws, _ in done for w in ws]
        if not written:
            raise EmergenceError("nothing to convert: the files hold no rows")
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    records = sum(w["records"] for w in written if w["shape"] == "records")
    scores = sum(w["records"] for w in written if w["shape"] == "scores")
    tasks = len({(w["family"], w["task"]) for w in written if w["shape"] == "records"})
    print(terminal_text(f"wrote {records:,} records of {tasks} (family, task) pair(s)"
                        + (f" and {scores:,} scores" if scores else "")
                        + f" from {len(files)} file(s) to {out}; analyse them with "
                        f"`python -m emergence analyze {out}`"))
    return 0


def convert_file(path: str, format_name: str, part: int, block=None, *, request, out: str):
    """Read one file (or block) as :func:`~emergence.engines.shards.read_piece` does and write its
    tables under ``out``; returns its problems, its warnings and what was written."""
    from emergence.engines.shards import read_piece
    from emergence.sources.converted import write_table

    piece = read_piece(path, format_name, request, block)
    if piece.problems:
        return piece.problems, piece.said, [], None
    written = []
    if piece.records is not None:
        written += write_table(piece.records.drop(columns="_file"), "records", Path(out), f"{part:05d}",
                               source=path, format_name=format_name, said=piece.said)
    for k, table in enumerate(piece.scores):
        written += write_table(table.drop(columns="_file"), "scores", Path(out), f"{part:05d}-{k}",
                               source=path, format_name=format_name, said=[] if written else piece.said)
    return [], piece.said, written, piece.digest.get("scales")


def _check_to(out: Path, force: bool, sources) -> None:
    """Refuse a --to folder that must not be written."""
    if out.exists() and not out.is_dir():
        raise EmergenceError(f"--to {out}: exists and is not a folder; choose another path")
    for given in sources:
        source = Path(given).resolve()
        if out.resolve() == source or source in out.resolve().parents or out.resolve() in source.parents:
            raise EmergenceError(f"--to {out}: holds or is inside the input {given}; choose a folder "
                                 "apart from the inputs")
    if out.exists() and any(out.iterdir()) and not force:
        raise EmergenceError(f"--to {out}: the folder exists and is not empty; add --force to replace it")
