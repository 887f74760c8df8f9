"""Import stations from CSV or GeoJSON: every row valid, or nothing written.

Files carry the columns of :data:`station_fields.COLUMNS`; ``name``, ``lat`` and
``lon`` are required. An unknown column or property is an error, not a warning:
a misspelt ``opening_hour`` would otherwise import every station as open 24/7.
Rows with a ``ref`` already in the database update that station, but only the
columns the file has; rows without a ``ref`` are always inserted.

An empty region code (or none, for a new station) is filled from the county boundaries, and a code
whose area does not hold the position is imported with a warning (``placement``).
"""

import csv
import io
import json
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from stationfinder.db import IMMEDIATE
from stationfinder.extensions import db
from stationfinder.geo import counties
from stationfinder.models import AuditEntry, Station
from stationfinder.services import dataset
from stationfinder.services.cells import revert
from stationfinder.services.errors import InvalidInput
from stationfinder.services.progress import Progress, quiet
from stationfinder.services.stations import placement
from stationfinder.services.stations.fields import COLUMNS, DEFAULTS, REQUIRED, clean

FORMATS = ("csv", "geojson")
_CHUNK = 5000
_REPORT_EVERY = 2000  # rows between progress reports: often enough for a bar, cheap for 186,100 rows
CHECKING = "checking rows"
WRITING = "writing stations"
# Any fixed 64-bit number; it names the PostgreSQL advisory lock that serialises imports.
_PG_LOCK_KEY = 0x53544E494D505254
_WGS84_CRS = ("CRS84", "EPSG::4326", "EPSG:4326")


@dataclass(frozen=True)
class Problem:
    """Why one row cannot be imported, or (a warning) what looks wrong in one that was.

    ``position`` is a CSV physical line or a GeoJSON feature index.
    """

    position: int
    reason: str
    unit: str = "line"

    @property
    def where(self) -> str:
        return _where(self.position, self.unit)

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def _where(position: int, unit: str) -> str:
    return f"features[{position}]" if unit == "feature" else f"{unit} {position}"


class ImportRejected(InvalidInput):
    """The file has problems, so nothing was imported."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: p.position)
        super().__init__(f"{len(self.problems)} problem(s) found; nothing was imported")


@dataclass(frozen=True)
class Record:
    """The raw values of one row, and where it sits in its file."""

    position: int
    values: dict[str, Any]
    unit: str = "line"


@dataclass(frozen=True)
class Checked:
    """The valid rows of a file, and where each sat in it (all rows of one file share a unit)."""

    rows: list[dict[str, Any]]
    positions: array
    unit: str = "line"


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    filled: int = 0  # empty region codes taken from the county boundaries
    warnings: tuple[Problem, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.updated


def detect_format(filename: str | None, data: bytes) -> str:
    """Return "csv" or "geojson" from the file name, or else from the first character."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".geojson", ".json")):
        return "geojson"
    return "geojson" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" else "csv"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reason = "not UTF-8 text (save the file as UTF-8, e.g. Excel's CSV UTF-8)"
        raise ImportRejected([Problem(line, reason)]) from None


def _check_names(names: list[str]) -> list[str]:
    reasons = []
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        shown = ", ".join(repr(n) if n else "(blank)" for n in unknown)
        reasons.append(f"unknown column(s) {shown}; known: {', '.join(COLUMNS)}")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        reasons.append(f"column(s) {', '.join(map(repr, duplicated))} appear more than once")
    return reasons


def read_csv(data: bytes, progress: Progress = quiet) -> Iterator[Record | Problem]:
    """Yield the rows of a CSV file (UTF-8, BOM optional, header row first), reporting lines read."""
    _decode(data)  # Checked whole first, so a bad byte is reported on its own line.
    # Decoding as we go keeps memory low: a StringIO of a 30 MB file holds ~120 MB.
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ImportRejected([Problem(1, "no header row; the first line must name the columns")])
        names = [h.strip().lower() for h in header]
        reasons = _check_names(names)
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            reasons.append(f"required column(s) missing: {', '.join(missing)}")
        if reasons:
            raise ImportRejected(Problem(1, r) for r in reasons)
        # Physical lines: a quoted field may span several, so rows alone could not reach the total.
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        while True:
            start = reader.line_num + 1
            if start % _REPORT_EVERY == 0:
                progress(CHECKING, start, lines)
            row = next(reader, None)
            if row is None:
                progress(CHECKING, lines, lines)
                return
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                yield Problem(start, f"has {len(row)} fields but the header has {len(names)}")
                continue
            # Our export writes formula-like text behind an apostrophe (cells.inert): take it off.
            yield Record(start, dict(zip(names, map(revert, row), strict=True)))
    except csv.Error as exc:
        raise ImportRejected([Problem(reader.line_num, f"unreadable CSV: {exc}")]) from None


def read_geojson(data: bytes, progress: Progress = quiet) -> Iterator[Record | Problem]:
    """Yield the features of a GeoJSON FeatureCollection of Points ([lon, lat]), reporting features read."""
    try:
        doc = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise ImportRejected([Problem(exc.lineno, f"invalid JSON: {exc.msg}")]) from None
    if not (
        isinstance(doc, dict)
        and doc.get("type") == "FeatureCollection"
        and isinstance(doc.get("features"), list)
    ):
        raise ImportRejected([Problem(1, "not a GeoJSON FeatureCollection with a features list")])
    crs = json.dumps(doc.get("crs")) if doc.get("crs") is not None else None
    if crs is not None and not any(name in crs for name in _WGS84_CRS):
        reason = f"unsupported crs {crs[:80]}; positions must be longitude/latitude"
        raise ImportRejected([Problem(1, reason)])
    total = len(doc["features"])
    for index, feature in enumerate(doc["features"]):
        if index % _REPORT_EVERY == 0:
            progress(CHECKING, index, total)
        try:
            yield Record(index, _feature_values(feature), unit="feature")
        except ValueError as exc:
            yield Problem(index, str(exc), unit="feature")
    progress(CHECKING, total, total)


def _feature_values(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise ValueError("geometry must be a Point")
    position = geometry.get("coordinates")
    if not isinstance(position, list) or len(position) not in (2, 3):
        raise ValueError("Point coordinates must be [lon, lat]")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise ValueError("properties must be an object")
    values = {str(k).strip().lower(): v for k, v in properties.items()}
    if "lat" in values or "lon" in values:
        raise ValueError("lat/lon belong in the geometry, not in properties")
    reasons = _check_names(list(values))
    if reasons:
        raise ValueError("; ".join(reasons))
    values["lon"], values["lat"] = position[0], position[1]
    return values


def _validate(items: Iterable[Record | Problem], tz: ZoneInfo) -> Checked:
    rows: list[dict[str, Any]] = []
    positions = array("q")
    unit = "line"
    problems: list[Problem] = []
    first_use: dict[str, str] = {}  # ref -> where; not the Record, whose raw values can go
    for item in items:
        if isinstance(item, Problem):
            problems.append(item)
            continue
        values, reasons = clean(item.values, tz)
        ref = values.get("ref")
        if ref is not None:
            earlier = first_use.get(ref)
            if earlier is None:
                first_use[ref] = _where(item.position, item.unit)
            else:
                reasons.append(f"ref {ref!r} is already used by {earlier}")
        if reasons:
            problems.extend(Problem(item.position, reason, item.unit) for reason in reasons)
        elif not problems:
            rows.append(values)
            positions.append(item.position)
            unit = item.unit
    if problems:
        raise ImportRejected(problems)
    return Checked(rows, positions, unit)


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lock_for_write() -> None:
    # SQLite: take the write lock at BEGIN. PostgreSQL: one import at a time, so two
    # imports of the same new ref cannot both decide to insert it.
    if db.engine.dialect.name == "sqlite":
        if not db.session().in_transaction():
            db.session.connection(execution_options=IMMEDIATE)
    else:
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))


def _place(
    checked: Checked, found: list[str | None], stored: dict[str, str | None]
) -> tuple[int, list[Problem]]:
    """Fill empty region codes from the position and warn about codes whose area does not hold it.

    ``found`` is each row's county; ``stored`` maps the refs of known stations to their region codes.
    A row that updates a station and has no region_code column keeps the stored code, unless empty.
    """
    filled, warnings = 0, []
    for row, county, position in zip(checked.rows, found, checked.positions, strict=True):
        keep = "region_code" not in row and row.get("ref") in stored
        code = stored[row["ref"]] if keep else row.get("region_code")
        if code is None and county is not None:
            row["region_code"] = county
            filled += 1
        warning = placement.judge(code, row["lat"], row["lon"], county)
        if warning is not None:
            warnings.append(Problem(position, str(warning), checked.unit))
    return filled, warnings


def _write(checked: Checked, source: str, progress: Progress = quiet) -> ImportResult:
    # Outside the write lock: the first lookup in a process reads the boundaries (about 1 s).
    found = counties.counties_at([r["lat"] for r in checked.rows], [r["lon"] for r in checked.rows])
    _lock_for_write()
    table = Station.__table__
    known: dict[str, int] = {}
    stored: dict[str, str | None] = {}
    for ref, station_id, region_code in db.session.execute(
        sa.select(table.c.ref, table.c.id, table.c.region_code).where(table.c.ref.is_not(None))
    ):
        known[ref], stored[ref] = station_id, region_code
    filled, warnings = _place(checked, found, stored)
    rows = checked.rows
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for row in rows:
        station_id = known.get(row.get("ref"))
        if station_id is None:
            inserts.append(row)
        else:
            # Grouped by column set: executemany needs the same parameters in every row.
            updates[tuple(sorted(c for c in row if c != "ref"))].append((station_id, row))
    written = 0
    progress(WRITING, written, len(rows))
    # Parameters are built a chunk at a time: a second full copy of 186,100 rows costs ~100 MB.
    for chunk in _chunks(inserts):
        db.session.execute(sa.insert(table), [DEFAULTS | row for row in chunk])
        written += len(chunk)
        progress(WRITING, written, len(rows))
    for columns, pairs in updates.items():
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values({c: sa.bindparam("b_" + c) for c in columns})
        )
        for chunk in _chunks(pairs):
            params = [{"b_id": station_id} | {"b_" + c: row[c] for c in columns} for station_id, row in chunk]
            db.session.execute(stmt, params)
            written += len(chunk)
            progress(WRITING, written, len(rows))
    result = ImportResult(
        created=len(inserts),
        updated=sum(len(p) for p in updates.values()),
        filled=filled,
        warnings=tuple(warnings),
    )
    if result.total:
        dataset.bump()
    db.session.add(
        AuditEntry(
            station_id=None,
            user_id=None,
            action="import",
            changes={"file": source, "created": result.created, "updated": result.updated},
        )
    )
    db.session.flush()
    return result


def import_records(
    items: Iterable[Record | Problem],
    source: str,
    timezone: str = "Asia/Shanghai",
    progress: Progress = quiet,
) -> ImportResult:
    """Validate every record, then write them all; on any problem raise ImportRejected and write nothing."""
    return _write(_validate(items, ZoneInfo(timezone)), source, progress)


def read_file(
    data: bytes, filename: str, fmt: str | None = None, progress: Progress = quiet
) -> Iterator[Record | Problem]:
    """Read a CSV or GeoJSON file's rows (format from ``fmt``, the name or the content)."""
    fmt = fmt or detect_format(filename, data)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return read_csv(data, progress) if fmt == "csv" else read_geojson(data, progress)


def check_records(records: Iterable[Record | Problem], timezone: str = "Asia/Shanghai") -> int:
    """Validate rows without touching the database; return the station count or raise ImportRejected."""
    return len(_validate(records, ZoneInfo(timezone)).rows)


def import_file(
    data: bytes,
    filename: str,
    fmt: str | None = None,
    timezone: str = "Asia/Shanghai",
    progress: Progress = quiet,
) -> ImportResult:
    """Import a CSV or GeoJSON file, all rows or none, reporting progress."""
    records = read_file(data, filename, fmt, progress)
    return import_records(records, source=filename, timezone=timezone, progress=progress)
