"""Station file columns: the vocabulary shared by import and export, and per-row validation.

One function, :func:`clean`, turns the raw values of one CSV row or GeoJSON
feature into column values for the ``station`` table, or into a list of
reasons why it cannot.
"""

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from stationfinder.amenities import UnknownAmenity, to_mask
from stationfinder.geo.coords import to_wgs84
from stationfinder.models import StationAccess, StationStatus
from stationfinder.services.regions import codes as regions
from stationfinder.services.stations import hours

# Export writes these, in this order; import accepts exactly these.
COLUMNS = (
    "ref",
    "name",
    "address",
    "lat",
    "lon",
    "coord_system",
    "region_code",
    "amenities",
    "opening_hours",
    "phone",
    "access",
    "seats",
    "area_m2",
    "status",
    "last_verified_at",
    "is_demo",
)
REQUIRED = ("name", "lat", "lon")
COORD_SYSTEMS = ("wgs84", "gcj02", "bd09")

# Column values a new station gets for every optional field the file leaves out.
DEFAULTS: dict[str, Any] = {
    "ref": None,
    "address": "",
    "region_code": None,
    "amenity_mask": 0,
    "opening_hours": hours.ALWAYS,
    "phone": "",
    "access": StationAccess.PUBLIC.value,
    "seats": None,
    "area_m2": None,
    "status": StationStatus.OPEN.value,
    "last_verified_at": None,
    "is_demo": False,
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Refs end up in URLs; an all-digit ref would read like another station's id there.
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
_PHONE = re.compile(r"^[0-9+() ,;/#*转-]*$")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}
_MAX_SEATS = 100_000
_ACCESS = tuple(a.value for a in StationAccess)
_STATUS = tuple(s.value for s in StationStatus)
_MAX_AREA_M2 = 1_000_000


class FieldError(ValueError):
    """One field of one row is invalid."""


def _text(field: str, value: Any, max_len: int) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise FieldError(f"{field}: expected text, got {type(value).__name__}")
    value = value.strip()
    if _CONTROL.search(value):
        raise FieldError(f"{field}: contains control characters (line breaks, tabs)")
    if len(value) > max_len:
        raise FieldError(f"{field}: longer than {max_len} characters")
    return value


def _number(field: str, value: Any) -> float:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise FieldError(f"{field}: missing")
        try:
            number = float(text)
        except ValueError:
            raise FieldError(f"{field}: {text[:40]!r} is not a number") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif value is None:
        raise FieldError(f"{field}: missing")
    else:
        raise FieldError(f"{field}: expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise FieldError(f"{field}: {value!r} is not a finite number")
    return number


def _whole(field: str, value: Any, limit: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise FieldError(f"{field}: {value!r} is not a whole number of 0 or more")
    if not 0 <= number <= limit:
        raise FieldError(f"{field}: {number} is not between 0 and {limit}")
    return number


def _choice(field: str, value: Any, choices: tuple[str, ...], default: str) -> str:
    text = _text(field, value, 40).lower()
    if not text:
        return default
    if text not in choices:
        raise FieldError(f"{field}: {text!r} is not one of {', '.join(choices)}")
    return text


def _coord_system(value: Any) -> str:
    text = _text("coord_system", value, 20).lower().replace("-", "").replace("_", "")
    return _choice("coord_system", text, COORD_SYSTEMS, "wgs84")


def _ref(value: Any) -> str | None:
    ref = _text("ref", value, 64)
    if not ref:
        return None
    if not _REF.match(ref):
        raise FieldError(f"ref: {ref!r} may hold only letters, digits and . _ : - (no spaces)")
    if ref.isdigit():
        raise FieldError(f"ref: {ref!r} must not be all digits (it would clash with station ids)")
    return ref


def _region(value: Any) -> str | None:
    text = _text("region_code", value, 20)
    if not text:
        return None
    try:
        return regions.validate(text)
    except regions.InvalidRegion as exc:
        raise FieldError(f"region_code: {exc}") from None


def _amenities(value: Any) -> int:
    if isinstance(value, list):
        codes = value
    else:
        codes = _text("amenities", value, 1000).replace("；", ";").split(";")
    for code in codes:
        if not isinstance(code, str):
            raise FieldError(f"amenities: {code!r} is not an amenity code")
    try:
        return to_mask(c.strip() for c in codes if c.strip())
    except UnknownAmenity as exc:
        raise FieldError(f"amenities: unknown amenity {exc.args[0]!r}") from None


def _hours(value: Any) -> str:
    try:
        return hours.validate(_text("opening_hours", value, 400))
    except hours.InvalidHours as exc:
        raise FieldError(f"opening_hours: {exc}") from None


def _phone(value: Any) -> str:
    phone = _text("phone", value, 40)
    if not _PHONE.match(phone):
        raise FieldError(f"phone: {phone!r} may hold only digits, spaces and + - ( ) , ; / # * 转")
    return phone


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text("is_demo", value, 10).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(f"is_demo: {text!r} is not true or false")


def _timestamp(value: Any, tz: ZoneInfo) -> datetime | None:
    text = _text("last_verified_at", value, 40)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(f"last_verified_at: {text!r} is not an ISO 8601 date or time") from None
    # A bare date or wall-clock time is local time, as a data steward would write it.
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


_SIMPLE = {
    "ref": ("ref", _ref),
    "address": ("address", lambda v: _text("address", v, 300)),
    "region_code": ("region_code", _region),
    "amenities": ("amenity_mask", _amenities),
    "opening_hours": ("opening_hours", _hours),
    "phone": ("phone", _phone),
    "access": ("access", lambda v: _choice("access", v, _ACCESS, DEFAULTS["access"])),
    "seats": ("seats", lambda v: _whole("seats", v, _MAX_SEATS)),
    "area_m2": ("area_m2", lambda v: _whole("area_m2", v, _MAX_AREA_M2)),
    "status": ("status", lambda v: _choice("status", v, _STATUS, DEFAULTS["status"])),
    "is_demo": ("is_demo", _flag),
}


def _position(raw: Mapping[str, Any], errors: list[str]) -> tuple[float, float] | None:
    lat = lon = system = None
    for field, parse in (("lat", _number), ("lon", _number)):
        try:
            value = parse(field, raw.get(field))
        except FieldError as exc:
            errors.append(str(exc))
            continue
        limit = 90.0 if field == "lat" else 180.0
        if not -limit <= value <= limit:
            errors.append(f"{field}: {value} is outside -{limit:g}..{limit:g}")
        elif field == "lat":
            lat = value
        else:
            lon = value
    try:
        system = _coord_system(raw.get("coord_system"))
    except FieldError as exc:
        errors.append(str(exc))
    if lat is None or lon is None or system is None:
        return None
    return to_wgs84(lat, lon, system)


def clean(raw: Mapping[str, Any], tz: ZoneInfo) -> tuple[dict[str, Any], list[str]]:
    """Return (station column values, reasons) for one row; the values are only usable without reasons."""
    errors: list[str] = []
    out: dict[str, Any] = {}
    try:
        out["name"] = _text("name", raw.get("name"), 200)
        if not out["name"]:
            errors.append("name: missing")
    except FieldError as exc:
        errors.append(str(exc))
    position = _position(raw, errors)
    if position is not None:
        out["lat"], out["lon"] = position
    for field, value in raw.items():
        try:
            if field in _SIMPLE:
                column, parse = _SIMPLE[field]
                out[column] = parse(value)
            elif field == "last_verified_at":
                out["last_verified_at"] = _timestamp(value, tz)
        except FieldError as exc:
            errors.append(str(exc))
    return out, errors
