import csv
import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from stationfinder.amenities import to_mask
from stationfinder.extensions import db
from stationfinder.geo.coords import from_wgs84, to_wgs84
from stationfinder.models import AuditEntry, Station
from stationfinder.services import dataset
from stationfinder.services.stations import export as station_export
from stationfinder.services.stations import importing as station_import
from stationfinder.services.stations.importing import ImportRejected, detect_format
from tests.factories import StationFactory

HEADER = "ref,name,address,lat,lon,region_code,amenities,opening_hours,phone"
GOOD = HEADER + (
    "\nA1,甲驿站,贵阳市云岩区,26.58,106.71,520103,seating;drinking_water,Mo-Fr 08:00-20:00,0851-1234567"
    "\nA2,乙驿站,,27.3,105.29,520502,,,"
    "\n,无编号驿站,,25.09,104.9,,charging,24/7,\n"
)


def run_import(data, name="stations.csv", **kwargs):
    """Import bytes or text and commit, as the CLI does."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        result = station_import.import_file(raw, name, **kwargs)
    except ImportRejected:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def rejected(data, name="stations.csv"):
    """Return the problems of a file that must be rejected, as 'where: reason' strings."""
    with pytest.raises(ImportRejected) as info:
        run_import(data, name)
    return [str(p) for p in info.value.problems]


def by_ref(ref):
    return db.session.scalar(sa.select(Station).where(Station.ref == ref))


def station_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Station))


def feature(position, **properties):
    lon, lat = position
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_csv_import_stores_every_field(app, bom):
    with app.app_context():
        before = dataset.current()
        result = run_import(bom + GOOD.encode("utf-8"))
        assert (result.created, result.updated, result.total) == (3, 0, 3)
        a1 = by_ref("A1")
        assert (a1.name, a1.address, a1.lat, a1.lon) == ("甲驿站", "贵阳市云岩区", 26.58, 106.71)
        assert a1.region_code == "520103"
        assert a1.amenity_mask == to_mask(["seating", "drinking_water"])
        assert a1.opening_hours == "Mo-Fr 08:00-20:00"
        assert a1.phone == "0851-1234567"
        a2 = by_ref("A2")
        assert (a2.address, a2.amenity_mask, a2.opening_hours, a2.phone) == ("", 0, "24/7", "")
        assert (a2.access, a2.status, a2.seats, a2.area_m2, a2.is_demo) == (
            "public",
            "open",
            None,
            None,
            False,
        )
        no_ref = db.session.scalar(sa.select(Station).where(Station.ref.is_(None)))
        # No code given: the county boundaries fill it in (25.09, 104.9 is in 兴义市).
        assert no_ref.name == "无编号驿站" and no_ref.region_code == "522301"
        assert (result.filled, result.warnings) == (1, ())
        assert dataset.current() == before + 1
        audit = db.session.scalars(sa.select(AuditEntry)).all()
        assert len(audit) == 1
        assert (audit[0].action, audit[0].station_id, audit[0].user_id) == ("import", None, None)
        assert audit[0].changes == {"file": "stations.csv", "created": 3, "updated": 0}


def test_csv_optional_columns_and_quoted_multiline_header_case(app):
    text = (
        "Name , LAT,lon,access,seats,area_m2,status,last_verified_at,is_demo,coord_system\n"
        '"驿站, 带逗号",26.5,106.7,members,12,160,temporarily_closed,2024-05-01 10:00,yes,WGS-84\n'
        "乙,26.6,106.8,,,,,2024-05-01T10:00:00Z,,\n"
    )
    with app.app_context():
        run_import(text, timezone="Asia/Shanghai")
        first, second = db.session.scalars(sa.select(Station).order_by(Station.id)).all()
        assert first.name == "驿站, 带逗号"
        assert (first.access, first.seats, first.area_m2, first.status) == (
            "members",
            12,
            160,
            "temporarily_closed",
        )
        # A time without an offset is local (Asia/Shanghai, UTC+8).
        assert first.last_verified_at == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
        assert first.is_demo is True
        assert second.last_verified_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
        assert (second.access, second.status, second.is_demo) == ("public", "open", False)


def test_geojson_import_reads_lon_lat_order(app):
    text = collection(
        feature((106.71, 26.58), ref="G1", name="甲", amenities=["seating", "wifi"], seats=4),
        feature((105.29, 27.3), ref="G2", name="乙", amenities="charging;toilet", region_code="520502"),
    )
    with app.app_context():
        result = run_import(text, "stations.geojson")
        assert result.created == 2
        g1, g2 = by_ref("G1"), by_ref("G2")
        assert (g1.lat, g1.lon, g1.amenities, g1.seats) == (26.58, 106.71, ["seating", "wifi"], 4)
        assert (g2.lat, g2.lon, g2.amenities, g2.region_code) == (
            27.3,
            105.29,
            ["charging", "toilet"],
            "520502",
        )


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_chinese_datums_are_converted_to_wgs84(app, system):
    # A known WGS-84 point shifted into the file's datum must come back to where it started.
    true_lat, true_lon = 26.5800, 106.7100
    lat, lon = from_wgs84(true_lat, true_lon, system)
    csv_text = f"ref,name,lat,lon,coord_system\nC1,甲,{lat!r},{lon!r},{system}\n"
    geojson = collection(feature((lon, lat), ref="J1", name="乙", coord_system=system.upper()))
    with app.app_context():
        run_import(csv_text)
        run_import(geojson, "x.geojson")
        expected = to_wgs84(lat, lon, system)
        for ref in ("C1", "J1"):
            station = by_ref(ref)
            assert (station.lat, station.lon) == expected
            assert abs(station.lat - true_lat) < 1e-7 and abs(station.lon - true_lon) < 1e-7
            # The shift is hundreds of metres: storing the raw input would be far off.
            assert abs(station.lon - lon) > 0.003


def test_reimport_upserts_by_ref_and_only_touches_given_columns(app):
    with app.app_context():
        run_import(GOOD)
        a1_id = by_ref("A1").id
        before = dataset.current()
        result = run_import(
            "ref,name,lat,lon,phone\nA1,甲驿站（新址）,26.59,106.72,0851-7654321\nA3,丙驿站,26.0,106.0,\n"
        )
        assert (result.created, result.updated) == (1, 1)
        a1 = by_ref("A1")
        assert a1.id == a1_id
        assert (a1.name, a1.lat, a1.lon, a1.phone) == ("甲驿站（新址）", 26.59, 106.72, "0851-7654321")
        # Columns the second file does not have keep their values.
        assert (a1.address, a1.region_code, a1.opening_hours) == (
            "贵阳市云岩区",
            "520103",
            "Mo-Fr 08:00-20:00",
        )
        assert a1.amenities == ["drinking_water", "seating"]
        assert dataset.current() == before + 1
        # Rows without a ref are inserted every time.
        run_import(GOOD)
        assert station_count() == 5
        assert db.session.scalar(sa.select(sa.func.count()).where(Station.ref.is_(None))) == 2
        changes = db.session.scalars(sa.select(AuditEntry.changes).order_by(AuditEntry.id)).all()
        assert [(c["created"], c["updated"]) for c in changes] == [(3, 0), (1, 1), (1, 2)]


def test_bad_rows_are_all_reported_and_nothing_is_written(app):
    text = (
        "ref,name,lat,lon,region_code,amenities,opening_hours\n"  # line 1
        "OK1,好驿站,26.5,106.7,520103,seating,24/7\n"  # 2
        "B1,纬度错,95,106.7,,,\n"  # 3
        "B2,设施错,26.5,106.7,,sauna,\n"  # 4
        "B3,区划错,26.5,106.7,52010,,\n"  # 5
        "B4,,26.5,106.7,,,\n"  # 6
        'OK1,"两行\n名字",26.5,106.7,,,\n'  # 7-8: a quoted line break, so the next row is line 9
        "B6,时间错,26.5,106.7,,,Mo-Fr 25:00-26:00\n"  # 9
        "B7,非数,nan,106.7,,,\n"  # 10
        "B8,经度非数,26.5,abc,,,\n"  # 11
    )
    with app.app_context():
        StationFactory(ref="OK1", name="原名")
        db.session.commit()
        version = dataset.current()
        problems = rejected(text)
        lines = [p.split(":")[0] for p in problems]
        assert lines == [
            "line 3",
            "line 4",
            "line 5",
            "line 6",
            "line 7",
            "line 7",
            "line 9",
            "line 10",
            "line 11",
        ]
        assert "lat: 95.0 is outside -90..90" in problems[0]
        assert "unknown amenity 'sauna'" in problems[1]
        assert "region_code" in problems[2] and "52010" in problems[2]
        assert problems[3] == "line 6: name: missing"
        assert "name: contains control characters" in problems[4]
        assert problems[5] == "line 7: ref 'OK1' is already used by line 2"
        assert "opening_hours" in problems[6] and "25:00" in problems[6]
        assert problems[7] == "line 10: lat: 'nan' is not a finite number"
        assert problems[8] == "line 11: lon: 'abc' is not a number"
        assert station_count() == 1
        assert by_ref("OK1").name == "原名"
        assert dataset.current() == version
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,lat,lon,opening_hour\n甲,1,2,24/7\n", "line 1: unknown column(s) 'opening_hour'"),
        ("name,lat\n甲,1\n", "line 1: required column(s) missing: lon"),
        ("name,lat,lon,\n甲,1,2,\n", "line 1: unknown column(s) (blank)"),
        ("name,lat,lon,lat\n甲,1,2,3\n", "line 1: column(s) 'lat' appear more than once"),
        ("", "line 1: no header row"),
        ("name,lat,lon\n甲,1,2\n乙,1\n", "line 3: has 2 fields but the header has 3"),
        ("name,lat,lon,ref\n甲,1,2,12345\n", "line 2: ref: '12345' must not be all digits"),
        ("name,lat,lon,seats\n甲,1,2,2.5\n", "line 2: seats: '2.5' is not a whole number"),
        ("name,lat,lon,status\n甲,1,2,gone\n", "line 2: status: 'gone' is not one of open"),
        ("name,lat,lon,coord_system\n甲,1,2,utm\n", "line 2: coord_system: 'utm' is not one of wgs84"),
        ("name,lat,lon,phone\n甲,1,2,call me\n", "line 2: phone: 'call me' may hold only digits"),
        ("name,lat,lon\n" + "长" * 201 + ",1,2\n", "line 2: name: longer than 200 characters"),
        ("name,lat,lon\n甲,1,inf\n", "line 2: lon: 'inf' is not a finite number"),
        ("name,lat,lon\n甲,1,-180.5\n", "line 2: lon: -180.5 is outside -180..180"),
    ],
)
def test_csv_problem_reports(app, text, expected):
    with app.app_context():
        problems = rejected(text)
        assert any(p.startswith(expected) for p in problems), problems
        assert station_count() == 0


def test_non_utf8_file_names_the_line(app):
    data = "name,lat,lon\n甲,1,2\n乙,1,2\n".encode("gbk")
    with app.app_context():
        problems = rejected(data)
        assert problems == ["line 2: not UTF-8 text (save the file as UTF-8, e.g. Excel's CSV UTF-8)"]


def test_geojson_problems_use_the_feature_index(app):
    text = collection(
        feature((106.7, 26.5), name="好"),
        feature((106.7, 26.5), name="设施错", amenities=["seating", "sauna"]),
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}},
        feature((106.7, 26.5), name="多余", lat=26.5),
        feature((106.7, 26.5), name="未知", colour="red"),
        feature((106.7, 95), name="纬度错"),
        feature((106.7, 26.5), name="区划错", region_code="5201031"),
    )
    with app.app_context():
        problems = rejected(text, "s.geojson")
        assert problems == [
            "features[1]: amenities: unknown amenity 'sauna'",
            "features[2]: geometry must be a Point",
            "features[3]: lat/lon belong in the geometry, not in properties",
            problems[3],
            "features[5]: lat: 95.0 is outside -90..90",
            problems[5],
        ]
        assert problems[3].startswith("features[4]: unknown column(s) 'colour'")
        assert problems[5].startswith("features[6]: region_code:")
        assert station_count() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type": "FeatureCollection", "features": [\n{"type": ', "line 2: invalid JSON"),
        ('{"type": "Feature"}', "line 1: not a GeoJSON FeatureCollection"),
        (
            '{"type": "FeatureCollection", "crs": {"properties": {"name": "EPSG:3857"}}, "features": []}',
            "line 1: unsupported crs",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            '{"type": "Point", "coordinates": [NaN, 26.5]}, "properties": {"name": "x"}}]}',
            "features[0]: lon: nan is not a finite number",
        ),
    ],
)
def test_geojson_file_problems(app, text, expected):
    with app.app_context():
        problems = rejected(text, "s.geojson")
        assert problems[0].startswith(expected), problems


def test_detect_format():
    assert detect_format("a.CSV", b"{") == "csv"
    assert detect_format("a.geojson", b"name") == "geojson"
    assert detect_format("a.json", b"name") == "geojson"
    assert detect_format("-", b'\xef\xbb\xbf  {"type"') == "geojson"
    assert detect_format(None, b"name,lat,lon") == "csv"


def _varied_stations():
    gcj_lat, gcj_lon = to_wgs84(26.5812345, 106.7123456, "gcj02")
    StationFactory(
        ref="R1",
        name='带"引号", 逗号',
        address="贵阳市\u3000云岩区",
        lat=gcj_lat,
        lon=gcj_lon,
        amenity_mask=to_mask(["seating", "charging", "locker"]),
        opening_hours="Mo-Fr 08:00-20:00; Sa 09:00-12:00; Su off",
        phone="0851-1234567",
        access="members",
        seats=8,
        area_m2=160,
        status="temporarily_closed",
        last_verified_at=datetime(2024, 6, 1, 3, 4, 5, tzinfo=UTC),
        is_demo=True,
    )
    StationFactory(ref=None, name="无编号", region_code=None, lat=-33.8688, lon=151.2093)
    StationFactory(ref="R3", name="最小", lat=0.1 + 0.2, lon=1e-7)
    db.session.commit()


_FIELDS = ("ref", "name", "address", "lat", "lon", "region_code", "amenity_mask", "opening_hours", "phone")
_FIELDS += ("access", "seats", "area_m2", "status", "last_verified_at", "is_demo")


def _snapshot():
    stations = db.session.scalars(sa.select(Station).order_by(Station.name)).all()
    return [tuple(getattr(s, f) for f in _FIELDS) for s in stations]


@pytest.mark.parametrize(
    ("export", "name"), [(station_export.export_csv, "e.csv"), (station_export.export_geojson, "e.geojson")]
)
def test_export_then_import_round_trips(app, export, name):
    with app.app_context():
        _varied_stations()
        original = _snapshot()
        first = io.StringIO(newline="")
        assert export(first) == 3
        db.session.execute(sa.delete(Station))
        db.session.commit()
        result = run_import(first.getvalue(), name)
        assert result.created == 3
        assert _snapshot() == original
        second = io.StringIO(newline="")
        export(second)
        assert second.getvalue() == first.getvalue()
        # Importing an export again only updates the stations that have refs.
        again = run_import(first.getvalue(), name)
        assert (again.created, again.updated) == (1, 2)


def test_geojson_export_is_wgs84_point_features(app):
    with app.app_context():
        _varied_stations()
        out = io.StringIO()
        station_export.export_geojson(out)
        doc = json.loads(out.getvalue())
        assert doc["type"] == "FeatureCollection"
        r1 = next(f for f in doc["features"] if f["properties"]["ref"] == "R1")
        station = by_ref("R1")
        assert r1["geometry"] == {"type": "Point", "coordinates": [station.lon, station.lat]}
        assert r1["properties"]["coord_system"] == "wgs84"
        assert r1["properties"]["amenities"] == ["seating", "charging", "locker"]
        assert r1["properties"]["last_verified_at"] == "2024-06-01T03:04:05+00:00"


def test_csv_export_keeps_formulas_inert_and_imports_them_back(app):
    with app.app_context():
        StationFactory(
            ref="F1", name='=HYPERLINK("http://evil.test","x")', address="@贵阳", phone="+86 851 1234567"
        )
        StationFactory(ref="F2", name="'引号开头", address="-1+1", phone="-")
        StationFactory(ref="F3", name="＝全角", address="＋全角")
        db.session.commit()
        original = _snapshot()
        out = io.StringIO(newline="")
        station_export.export_csv(out)
        cells = [cell for row in csv.reader(io.StringIO(out.getvalue())) for cell in row]
        assert [cell for cell in cells if cell.lstrip()[:1] in tuple("=+-@＝＋－＠")] == []
        for escaped in ('\'=HYPERLINK("http://evil.test","x")', "'@贵阳", "'+86 851 1234567", "''引号开头"):
            assert escaped in cells
        assert {"'-1+1", "'-", "'＝全角", "'＋全角"} <= set(cells)
        db.session.execute(sa.delete(Station))
        db.session.commit()
        assert run_import(out.getvalue()).created == 3
        assert _snapshot() == original
