"""Seed plausible national-scale benchmark data fast: stations over China and a year of check-ins.

Stations get GB/T 2260-shaped codes (real province prefixes; Guizhou's real city
and county codes, made-up ones elsewhere) and positions around each province's
capital. Check-ins follow meal-time peaks and weekly rhythm; some riders check in
at several stations of one county a day, so unique counts differ by level. Rows go
in with bulk inserts (COPY on PostgreSQL) and the rollups are built with
``bulk.add_range`` rather than one ``apply`` per check-in.
"""

import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import numpy as np
import sqlalchemy as sa

from benchmarks.seeding import bulk
from stationfinder.extensions import db
from stationfinder.models import CATEGORIES, Checkin, Station
from stationfinder.services import dataset
from stationfinder.services.errors import InvalidInput
from stationfinder.services.progress import Progress, quiet
from stationfinder.services.regions import names as region_names
from stationfinder.services.regions.provinces import MAINLAND
from stationfinder.services.rollups.registry import TABLES
from stationfinder.services.stations.lookup import local_zone

REF_PREFIX = "BENCH-"
# Share of check-ins per local hour: lunch and dinner peaks of delivery work.
HOUR_WEIGHTS = np.array(
    [1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 8, 11, 12, 9, 7, 6, 7, 9, 11, 10, 8, 6, 4, 2], dtype=float
)
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 0.9, 0.85])
CATEGORY_WEIGHTS = np.array([0.46, 0.24, 0.12, 0.06, 0.04, 0.08])  # CATEGORIES then none
REPEAT_SHARE = 0.3  # chance a check-in continues the previous rider's day in the same county
DEDUPE_GAP_S = 31 * 60
STATIONS = "inserting stations"
CHECKINS = "inserting check-ins (days)"
ROLLUPS = "building rollups"
ROLLUP_TABLES = tuple(table.table.name for table in TABLES)


@dataclass
class Seeded:
    stations: int
    checkins: int
    first_day: date
    last_day: date


def _regions(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    """Return n county codes spread by population, and their (lat, lon)."""
    weights = np.array([p.population for p in MAINLAND])
    per_province = rng.multinomial(n, weights / weights.sum())
    codes, positions = [], []
    for province, count in zip(MAINLAND, per_province, strict=True):
        if not count:
            continue
        counties = _counties(rng, province)
        county_weights = rng.lognormal(0, 0.8, len(counties))
        picks = rng.choice(len(counties), count, p=county_weights / county_weights.sum())
        centres = {
            code: (
                province.lat + rng.normal(0, province.spread / 2),
                province.lon + rng.normal(0, province.spread / 2),
            )
            for code in counties
        }
        for pick in picks:
            code = counties[pick]
            lat, lon = centres[code]
            codes.append(code)
            positions.append((lat + rng.normal(0, 0.04), lon + rng.normal(0, 0.04)))
    order = np.argsort(codes, kind="stable")
    return [codes[i] for i in order], np.array(positions)[order]


def _counties(rng: np.random.Generator, province) -> list[str]:
    top = province.prefix + "0000"
    real = [c for city in region_names.children(top) for c in region_names.children(city)]
    if real:
        return real
    cities = (
        1 if province.prefix in ("11", "12", "31", "50") else int(np.clip(province.population / 5, 3, 21))
    )
    out = []
    for city in range(1, cities + 1):
        for county in range(1, int(rng.integers(4, 15)) + 1):
            out.append(f"{province.prefix}{city:02d}{county:02d}")
    return out


def _insert_stations(rng: np.random.Generator, n: int, progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    codes, positions = _regions(rng, n)
    status = rng.choice(["open", "temporarily_closed", "closed"], n, p=[0.97, 0.02, 0.01])
    amenities = rng.integers(0, 64, n)
    now = datetime.now(UTC)
    rows = [
        {
            "ref": f"{REF_PREFIX}{i + 1:06d}",
            "name": f"测试驿站 {codes[i]}-{i + 1}",
            "address": "",
            "lat": round(float(positions[i][0]), 6),
            "lon": round(float(positions[i][1]), 6),
            "region_code": codes[i],
            "amenity_mask": int(amenities[i]),
            "opening_hours": "24/7",
            "phone": "",
            "access": "public",
            "status": str(status[i]),
            "is_demo": True,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    progress(STATIONS, 0, n)
    for start in range(0, n, 20_000):
        db.session.execute(sa.insert(Station), rows[start : start + 20_000])
        progress(STATIONS, min(start + 20_000, n), n)
    ids = db.session.scalars(
        sa.select(Station.id).where(Station.ref.like(REF_PREFIX + "%")).order_by(Station.ref)
    ).all()
    dataset.bump()
    return np.array(ids, dtype=np.int64), np.array([int(c) for c in codes], dtype=np.int64)


def _day_checkins(rng, n, day, tz, station_cdf, county_of, now):
    """Return arrays (station index, UTC epoch seconds, device, category index, unique mask) of one day."""
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, empty
    stations = np.searchsorted(station_cdf, rng.random(n) * station_cdf[-1], side="right")
    midnight = datetime.combine(day, time(0), tz)
    length = int((datetime.combine(day + timedelta(days=1), time(0), tz) - midnight).total_seconds())
    hours = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = (hours * 3600 + rng.integers(0, 3600, n)) * length // 86400
    elapsed = (now - midnight).total_seconds()
    if elapsed < length:  # today: only what has happened yet
        seconds = (rng.random(n) * max(elapsed - 1, 0)).astype(np.int64)
    epoch = int(midnight.timestamp()) + seconds.astype(np.int64)
    # Riders: order by county then time; a check-in may continue the previous one's rider.
    order = np.lexsort((epoch, county_of[stations]))
    stations, epoch = stations[order], epoch[order]
    counties = county_of[stations]
    same = np.zeros(n, dtype=bool)
    same[1:] = (
        (counties[1:] == counties[:-1])
        & (stations[1:] != stations[:-1])
        & (epoch[1:] - epoch[:-1] >= DEDUPE_GAP_S)
        & (rng.random(n - 1) < REPEAT_SHARE)
    )
    device = np.cumsum(~same) - 1
    category = rng.choice(len(CATEGORY_WEIGHTS), device[-1] + 1, p=CATEGORY_WEIGHTS)[device]
    mask = np.zeros(n, dtype=np.int64)
    first_of_device = ~same  # a rider's later check-ins stay in the first one's county
    mask[first_of_device] |= 2 | 4 | 8 | 16
    _, first_at_station = np.unique(device * (len(station_cdf) + 1) + stations, return_index=True)
    mask[first_at_station] |= 1
    return stations, epoch, device, category, mask


def _write_checkins(rows_per_day, station_ids, postgres: bool) -> None:
    categories = np.array([*CATEGORIES, ""], dtype=object)
    copy_categories = np.array([*CATEGORIES, "\\N"], dtype=object)  # COPY's NULL
    if postgres:
        raw = db.session.connection().connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY checkin (station_id, created_at, local_day, device_hash, category, unique_mask)"
                " FROM STDIN"
            ) as copy,
        ):
            for day, (stations, epoch, device, category, mask) in rows_per_day:
                copy.write(_tsv(day, station_ids[stations], epoch, device, copy_categories[category], mask))
        return
    table = Checkin.__table__
    for day, (stations, epoch, device, category, mask) in rows_per_day:
        hashes = _hashes(device)
        stamps = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")
        rows = [
            {
                "station_id": int(station_ids[s]),
                "created_at": datetime.fromisoformat(str(t)).replace(tzinfo=UTC),
                "local_day": day,
                "device_hash": hashes[d],
                "category": categories[c] or None,
                "unique_mask": int(m),
            }
            for s, t, d, c, m in zip(stations, stamps, device, category, mask, strict=True)
        ]
        if rows:
            db.session.execute(sa.insert(table), rows)


def _hashes(device: np.ndarray) -> list[str]:
    count = int(device.max()) + 1 if len(device) else 0
    blob = os.urandom(32 * count).hex()
    return [blob[i * 64 : (i + 1) * 64] for i in range(count)]


def _tsv(day, station_ids, epoch, device, category, mask) -> str:
    hashes = _hashes(device)
    stamps = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")
    day_text = day.isoformat()
    out = io.StringIO()
    columns = zip(
        station_ids.tolist(), stamps.tolist(), device.tolist(), category, mask.tolist(), strict=True
    )
    for s, t, d, c, m in columns:
        out.write(f"{s}\t{t}+00\t{day_text}\t{hashes[d]}\t{c}\t{m}\n")
    return out.getvalue()


def seed(
    n_stations: int,
    n_checkins: int,
    days: int = 365,
    seed: int = 1,
    tz: tzinfo | None = None,
    progress: Progress = quiet,
) -> Seeded:
    """Insert benchmark stations and check-ins over the past ``days`` local days, with their rollups."""
    zone = local_zone(tz)
    if db.session.scalar(sa.select(Station.id).where(Station.ref.like(REF_PREFIX + "%")).limit(1)):
        raise InvalidInput("benchmark stations are already here: seed an empty database")
    if n_stations < 1 or n_checkins < 0 or days < 1:
        raise InvalidInput("need at least one station and one day")
    rng = np.random.default_rng(seed)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    station_ids, codes = _insert_stations(rng, n_stations, progress)
    popularity = rng.lognormal(0, 1.0, n_stations)
    popularity[rng.random(n_stations) < 0.03] = 0  # stations nobody uses: the "least used" list
    if popularity.sum() == 0:
        popularity[:] = 1
    station_cdf = np.cumsum(popularity)
    now = datetime.now(zone)
    last = now.date()
    first = last - timedelta(days=days - 1)
    all_days = [first + timedelta(days=i) for i in range(days)]
    weights = np.array(
        [WEEKDAY_WEIGHTS[d.weekday()] * (0.8 + 0.4 * i / days) for i, d in enumerate(all_days)]
    )
    weights[-1] *= min(1.0, max((now - datetime.combine(last, time(0), zone)).total_seconds() / 86400, 0.01))
    per_day = rng.multinomial(n_checkins, weights / weights.sum())
    before = db.session.scalar(sa.select(sa.func.max(Checkin.id))) or 0
    if postgres and db.session.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        # Every generated row references a station just inserted: skip the per-row foreign-key triggers.
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))

    def generated():
        progress(CHECKINS, 0, days)
        for done, (day, n) in enumerate(zip(all_days, per_day, strict=True), 1):
            yield day, _day_checkins(rng, int(n), day, zone, station_cdf, codes, now)
            progress(CHECKINS, done, days)  # reached once the writer has taken the day

    _write_checkins(generated(), station_ids, postgres)
    after = db.session.scalar(sa.select(sa.func.max(Checkin.id))) or 0
    if after > before:
        if postgres:
            # Fresh statistics, or the planner loops over millions of rows it thinks are a handful.
            db.session.execute(sa.text("ANALYZE station"))
            db.session.execute(sa.text("ANALYZE checkin"))
            db.session.execute(sa.text("SET LOCAL work_mem = '256MB'"))
        # One bulk statement set: the bar can only say it started and when it ended.
        progress(ROLLUPS, 0, 1)
        bulk.add_range(before + 1, after, zone)
        progress(ROLLUPS, 1, 1)
        if postgres:
            for table in ROLLUP_TABLES:
                db.session.execute(sa.text(f"ANALYZE {table}"))
    db.session.flush()
    return Seeded(n_stations, int(per_day.sum()), first, last)
