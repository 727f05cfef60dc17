"""Reading an Inspect AI log: the ``.eval`` zip (members Zstandard-compressed) or a ``.json`` document.

Current Inspect (0.3.285) writes ``.eval`` as a zip whose members use compression method 93
(Zstandard), which Python's :mod:`zipfile` cannot decompress before 3.14. The directory is read with
:mod:`zipfile`; a method-93 member's bytes are located from its local header (the 30-byte record the
zip format puts before every member, which names the lengths of the name and extra field that
follow) and decompressed with the ``zstandard`` package, within the member size the directory states.
Stored and deflated members are read by :mod:`zipfile` itself.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import orjson

from emergence.errors import SchemaError
from emergence.sources.limits import Limits, format_size, read_bytes, too_large

#: The zip compression method number of Zstandard (APPNOTE 4.4.5).
ZSTANDARD = 93
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # signature .. name length, extra length: 30 bytes


class EvalArchive:
    """The members of one ``.eval`` log, read as JSON on demand.

    Parameters
    ----------
    path : Path
    limits : Limits
        The decompressed size of the whole archive (the sum of its members) must stay within
        ``limits.max_bytes``; checked from the directory before anything is decompressed.
    """

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise SchemaError(f"{path}: not an Inspect .eval log (a zip archive): {error}") from None
        self.members = {info.filename: info for info in self._zip.infolist()}
        total = sum(info.file_size for info in self.members.values())
        if total > limits.max_bytes:
            raise too_large(path, limits)
        self.total = total

    def close(self) -> None:
        self._zip.close()

    def names(self, prefix: str) -> list[str]:
        """Member names under ``prefix`` (``"samples/"``), in archive order."""
        return [name for name in self.members if name.startswith(prefix) and name.endswith(".json")]

    def json(self, name: str):
        """Member ``name`` parsed as JSON; a :class:`SchemaError` naming the file and member if it is
        missing, damaged or not JSON."""
        info = self.members.get(name)
        if info is None:
            raise SchemaError(f"{self.path}: the log has no {name} (members: "
                              f"{', '.join(list(self.members)[:6])}); is it a complete Inspect .eval log?")
        try:
            data = self._zstd(info) if info.compress_type == ZSTANDARD else self._zip.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
            raise SchemaError(f"{self.path}: member {name} cannot be read: {error}") from None
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise SchemaError(f"{self.path}: member {name} is not valid JSON: {error}") from None

    def _zstd(self, info: zipfile.ZipInfo) -> bytes:
        import zstandard

        with open(self.path, "rb") as handle:
            handle.seek(info.header_offset)
            header = handle.read(_LOCAL_HEADER.size)
            if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
                raise SchemaError(f"{self.path}: member {info.filename}: no local header where the "
                                  "directory says; the archive is damaged")
            name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
            handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
            compressed = handle.read(info.compress_size)
        try:
            data = zstandard.ZstdDecompressor().decompress(compressed, max_output_size=info.file_size)
        except zstandard.ZstdError as error:
            raise SchemaError(f"{self.path}: member {info.filename} is damaged (Zstandard: {error})"
                              ) from None
        if len(data) != info.file_size:
            raise SchemaError(f"{self.path}: member {info.filename} holds {format_size(len(data))}, not the "
                              f"{format_size(info.file_size)} its directory entry states; the archive is "
                              "damaged")
        return data


def eval_log(path: Path, limits: Limits) -> tuple[dict, Iterator[tuple[str, dict]]]:
    """The header of a log and its samples, streamed: ``(header, iter of (where, sample))``.

    ``where`` names the sample for messages (the member of a ``.eval``, the index of a ``.json``).
    """
    if path.name.endswith(".eval"):
        archive = EvalArchive(path, limits)
        header = archive.json("header.json")

        def samples() -> Iterator[tuple[str, dict]]:
            try:
                for name in archive.names("samples/"):
                    yield name, archive.json(name)
            finally:
                archive.close()

        return header, samples()
    try:
        document = orjson.loads(read_bytes(path, limits, lines=False))
    except orjson.JSONDecodeError as error:
        raise SchemaError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise SchemaError(f"{path}: not an Inspect log: expected a JSON object with 'eval' and 'samples'")
    listed = document.get("samples") or []
    if not isinstance(listed, list):
        raise SchemaError(f"{path}: 'samples' is not a list")
    return document, ((f"samples[{i}]", sample) for i, sample in enumerate(listed))
