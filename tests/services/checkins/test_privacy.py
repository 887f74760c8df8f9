"""After check-ins by API and page, no IP, user agent, raw device id or rider position is stored."""

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Base, Checkin
from stationfinder.ratelimits import DEVICE_COOKIE
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

IP = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "PrivacyProbe/1.0 (Linux; Android 10; SM-A105F) MicroMessenger/8.0.40"
DEVICE = "raw-device-id-7f3c9a1e55"
RIDER_LAT, RIDER_LON = 26.512345, 106.723456


def all_values(app):
    """Yield (table, column, value) for every cell of every table."""
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    yield table.name, column, value


def test_nothing_identifying_is_stored(app, client):
    with app.app_context():
        station = StationFactory(lat=26.5120, lon=106.7230)
        token = posters.current_poster(station).token
        db.session.commit()
    headers = {"User-Agent": AGENT, "X-Forwarded-For": FORWARDED, "X-Real-IP": FORWARDED}
    environ = {"REMOTE_ADDR": IP}
    body = {"token": token, "device_id": DEVICE, "category": "courier", "lat": RIDER_LAT, "lon": RIDER_LON}
    assert (
        client.post("/api/v1/checkins", json=body, headers=headers, environ_base=environ).status_code == 201
    )
    assert (
        client.post("/api/v1/checkins", json=body, headers=headers, environ_base=environ).status_code == 200
    )
    client.get(f"/c/{token}", headers=headers, environ_base=environ)
    page_device = client.get_cookie(DEVICE_COOKIE).value
    form = {"category": "other", "lat": str(RIDER_LAT), "lon": str(RIDER_LON)}
    tapped = client.post(f"/c/{token}", data=form, headers=headers, environ_base=environ)
    assert tapped.status_code == 303 and "/done/" in tapped.location
    assert client.get(tapped.location, headers=headers, environ_base=environ).status_code == 200
    checkin_id = client.post("/api/v1/checkins", json=dict(body, device_id="second-phone-abc")).get_json()
    client.delete(f"/api/v1/checkins/{checkin_id['checkin']['id']}", json={"device_id": "second-phone-abc"})

    needles = [
        IP,
        FORWARDED,
        AGENT,
        "PrivacyProbe",
        "MicroMessenger",
        DEVICE,
        page_device,
        "second-phone-abc",
    ]
    needles += [str(RIDER_LAT), str(RIDER_LON), "26.5123", "106.7234"]
    cells = list(all_values(app))
    assert cells, "the scan must see the rows"
    for table, column, value in cells:
        text = str(value)
        for needle in needles:
            assert needle not in text, f"{needle!r} found in {table}.{column}"
        if isinstance(value, float):
            assert abs(value - RIDER_LAT) > 1e-4 and abs(value - RIDER_LON) > 1e-4, (
                f"rider position in {table}.{column}"
            )
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Checkin)))
        assert len(rows) == 2 and all(row.near_station is True for row in rows)
        assert len({row.device_hash for row in rows}) == 2
