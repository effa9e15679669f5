"""``records/<TYPE>.parquet``: every record of a check, as Arrow columns, zstd-compressed.

One Parquet file per artifact (record type), written batch by batch as the artifact's parser
yields, so memory stays bounded by the batch size. The schema comes from the record
declaration (``core.columns``): semantic kinds and time descriptions are field metadata, the
provenance is in dictionary-encoded ``_`` columns. :func:`read_records` reads a store back into
records and provenance (for re-hunting and exports); it also reads the JSON-lines records of
results folders of output format 1.x and of ``--records-jsonl``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tracehound.core.columns import batch_records, schema_of
from tracehound.core.records import Provenance, Record, record_json
from tracehound.reports.derived import iter_jsonl
from tracehound.reports.jsonl import record_from_json, record_line_bytes

#: Records per Parquet row group: large enough for zstd and column statistics to work, small
#: enough to keep a reader's memory low.
ROW_GROUP = 65_536
_BUFFER = 1 << 20


class RecordStore:
    """Writes the records of one check (or of one worker's share) into ``folder``."""

    def __init__(self, folder: Path, jsonl: bool = False) -> None:
        self.folder = folder
        self.jsonl = jsonl
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._lines: dict[str, IO[bytes]] = {}
        self._closed: set[str] = set()

    def write(
        self, cls: type[Record], batch: pa.RecordBatch, records: list[Record], prov: Provenance
    ) -> None:
        """Append one batch of ``cls``'s records (``records`` are the same rows, for the
        JSON-lines copy when it was asked for)."""
        writer = self._writers.get(cls.TYPE)
        if writer is None:
            if cls.TYPE in self._closed:  # its file is finished: a new writer would replace it
                raise ValueError(f"records of {cls.TYPE} after its artifact had finished")
            writer = pq.ParquetWriter(
                self.folder / f"{cls.TYPE}.parquet",
                schema_of(cls),
                compression="zstd",
                # Plain encoding, not dictionaries: most columns are near-unique (texts, URLs,
                # ids), and zstd then packs them tighter. Measured on the scale-100 records:
                # sms 0.46 s and 19.6 MB with dictionaries, 0.35 s and 18.2 MB without;
                # Manifest 0.17 s and 5.9 MB, 0.10 s and 4.8 MB. Readers see the same values.
                use_dictionary=False,
            )
            self._writers[cls.TYPE] = writer
        writer.write_batch(batch, row_group_size=ROW_GROUP)
        if self.jsonl:
            handle = self._lines.get(cls.TYPE)
            if handle is None:
                path = self.folder / f"{cls.TYPE}.jsonl"
                handle = self._lines[cls.TYPE] = path.open("wb", buffering=_BUFFER)
            handle.writelines(record_line_bytes(r, prov) + b"\n" for r in records)

    def close(self) -> None:
        """Finish every file written so far (the engine calls it after each artifact, so memory
        holds the column writers of one artifact at a time)."""
        for name, writer in self._writers.items():
            writer.close()
            self._closed.add(name)
        for handle in self._lines.values():
            handle.close()
        self._writers, self._lines = {}, {}


def record_files(folder: Path) -> dict[str, Path]:
    """The records file of each type in a results folder's ``records/``: Parquet, else the
    JSON lines of an older results folder."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.suffix == ".jsonl":
            found.setdefault(path.stem, path)
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            found[path.stem] = path
    return found


def iter_record_dicts(
    path: Path, cls: type[Record] | None, errors: list[int] | None = None
) -> Iterator[dict[str, Any]]:
    """The records of one file of ``records/`` in their JSON form (``type``, fields with ISO
    times, ``_provenance``), as the report reads them; lines or rows that cannot be read are
    counted in ``errors[0]``. A Parquet file needs its record class."""
    if path.suffix == ".jsonl":
        yield from iter_jsonl(path, errors)
        return
    if cls is None:
        if errors is not None:
            errors[0] += 1
        return
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=8192):
            for record, prov in batch_records(cls, batch):
                yield {**record_json(record), "_provenance": prov.to_json()}
    except (OSError, pa.ArrowException, TypeError, ValueError):
        if errors is not None:
            errors[0] += 1


def records_at(
    path: Path, cls: type[Record], times: set[datetime], errors: list[int] | None = None
) -> Iterator[dict[str, Any]]:
    """The records of one Parquet file of ``records/`` (JSON form) with a time column (``ts``
    or an EXTRA_TIMES field) at one of ``times``: the times are compared on the columns, so
    only those rows become records (the report's lookups of a few redacted rows)."""
    wanted = pa.array(sorted(times), pa.timestamp("us", tz="UTC"))
    names = ["ts", *(name for name, _ in cls.EXTRA_TIMES)]
    try:
        parquet = pq.ParquetFile(path)
        present = [n for n in names if n in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=65_536):
            hit = None
            for name in present:
                found = pc.is_in(batch.column(name), value_set=wanted.cast(batch.column(name).type))
                hit = found if hit is None else pc.or_(hit, found)
            if hit is None or not pc.any(hit).as_py():
                continue
            for record, prov in batch_records(cls, batch.filter(pc.fill_null(hit, False))):
                yield {**record_json(record), "_provenance": prov.to_json()}
    except (OSError, pa.ArrowException, TypeError, ValueError):
        if errors is not None:
            errors[0] += 1


def read_records(path: Path, cls: type[Record]) -> Iterator[tuple[Record, Provenance | None]]:
    """Stream the records of one ``records/<TYPE>.parquet`` (or ``.jsonl``) file."""
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield record_from_json(json.loads(line), cls)
        return
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=8192):
        yield from batch_records(cls, batch)


def artifact_records(results: Path, artifact: str) -> Iterator[dict[str, Any]]:
    """The records of one artifact of a results folder in their JSON form (as
    ``tracehound export records`` writes them); none if the artifact wrote none."""
    from tracehound.core.registry import record_types  # the registry imports every parser

    path = record_files(results / "records").get(artifact)
    if path is not None:
        yield from iter_record_dicts(path, record_types().get(artifact))
