"""Helpers for tests of the staff pages: log in through the real form, and read CSRF tokens."""

import re

from stationfinder.extensions import db
from tests.factories import PASSWORD, StationFactory, UserFactory

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """Return the CSRF token a page's form carries."""
    body = client.get(path).get_data(as_text=True)
    match = _CSRF.search(body)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, *, csrf: bool = False, **extra):
    """Log in through POST /login and return the response."""
    data = {"username": username, "password": password, **extra}
    if csrf:
        data["csrf_token"] = csrf_token(client, "/login")
    return client.post("/login", data=data)


def station_form(**changes) -> dict:
    """Return a complete, valid station form (as a browser sends it) for a station in 七星关区."""
    data = {
        "name": "毕城驿站",
        "address": "毕节市七星关区碧阳街道",
        "region_code": "520502",
        "amenities": ["air_conditioning", "seating"],
        "opening_hours": "Mo-Fr 08:00-20:00",
        "phone": "0857 8220000",
        "access": "public",
        "seats": "12",
        "area_m2": "160",
        "status": "open",
        "lat": "27.3009",
        "lon": "105.2863",
        "coord_system": "wgs84",
    }
    data.update(changes)
    return data


# The access-control world: station "gy" in 贵阳市云岩区 (520102), station "bj" in 毕节市七星关区 (520502),
# and one user of each kind; MAY_MANAGE says which stations each may manage.
STATIONS = {"gy": "520102", "bj": "520502"}
USERS = {
    "admin": {"admin": True},
    "staff_520000": {"region_code": "520000"},
    "staff_520100": {"region_code": "520100"},
    "staff_520500": {"region_code": "520500"},
    "manager_gy": {"manager": True},
    "manager_bj": {"manager": True},
}
MAY_MANAGE = {
    "admin": {"gy", "bj"},
    "staff_520000": {"gy", "bj"},
    "staff_520100": {"gy"},
    "staff_520500": {"bj"},
    "manager_gy": {"gy"},
    "manager_bj": {"bj"},
}


def make_world(app) -> dict[str, int]:
    """Create the stations (``station-<key>``) and users above, plus ``disabled_admin``; return ids."""
    with app.app_context():
        stations = {
            key: StationFactory(name=f"station-{key}", region_code=code) for key, code in STATIONS.items()
        }
        for username, traits in USERS.items():
            managed = [stations[username.split("_")[1]]] if traits.get("manager") else None
            UserFactory(username=username, stations=managed, **traits)
        UserFactory(username="disabled_admin", admin=True, active=False)
        db.session.commit()
        return {key: station.id for key, station in stations.items()}


def shown_form(station) -> dict:
    """Return the edit form of a station as the page shows it, unchanged (WGS-84 positions)."""

    def text(value) -> str:
        return "" if value is None else str(value)

    return {
        "name": station.name,
        "address": text(station.address),
        "region_code": text(station.region_code),
        "amenities": station.amenities,
        "opening_hours": station.opening_hours,
        "phone": text(station.phone),
        "access": station.access,
        "seats": text(station.seats),
        "area_m2": text(station.area_m2),
        "status": station.status,
        "lat": repr(station.lat),
        "lon": repr(station.lon),
        "coord_system": "wgs84",
    }
