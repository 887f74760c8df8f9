"""A station's change history in words: a label for every audit action and field, no "09:54 → 09:54" rows."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from stationfinder.amenities import BY_CODE
from stationfinder.i18n import current_lang
from stationfinder.manage.forms import ACCESS_LABELS, COORD_LABELS, STATUS_LABELS
from stationfinder.services.posters import tokens as posters
from stationfinder.services.stations import hours
from stationfinder.services.stations.lookup import local_zone

# Every action the services write (station_admin, posters); tests/manage/test_history.py runs them all.
ACTION_LABELS = {
    "create": _l("Added"),
    "update": _l("Changed"),
    "confirm": _l("Confirmed as correct"),
    "poster_create": _l("Check-in poster made"),
    # Not "the old one no longer works": it may work on for POSTER_GRACE_HOURS (old_posters_until says).
    "poster_rotate": _l("Check-in poster replaced"),
    "poster_restore": _l("Poster replacement undone: the old poster is current again"),
    "import": _l("Imported from a file"),
}
# Every field an audit entry may name; the station's are those of the station form.
FIELD_LABELS = {
    "name": _l("Station name"),
    "address": _l("Address"),
    "region_code": _l("Region code"),
    "amenities": _l("Amenities"),
    "opening_hours": _l("Opening hours"),
    "phone": _l("Phone"),
    "access": _l("Who may use it"),
    "seats": _l("Seats"),
    "area_m2": _l("Floor area (m²)"),
    "status": _l("Status"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "coord_system": _l("Coordinate system"),
    "last_verified_at": _l("Last checked"),
    "poster": _l("Poster code"),
    "old_posters_until": _l("Replaced posters work until"),
    # An import's entry counts its rows instead of pairing old and new values.
    "file": _l("File"),
    "created": _l("Stations added"),
    "updated": _l("Stations updated"),
}
_CHOICES = {"status": STATUS_LABELS, "access": ACCESS_LABELS, "coord_system": COORD_LABELS}


def when(moment: datetime | str) -> str:
    """Return a time in the configured TIMEZONE, to the minute."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def value_text(field: str, value) -> str:
    """Return an audit value as the history page shows it."""
    if value is None or value == "" or value == []:
        return "—"
    if field in ("last_verified_at", "old_posters_until"):
        return when(value)
    if field == "amenities":
        lang = current_lang()
        return "、".join(BY_CODE[c].label(lang) if c in BY_CODE else str(c) for c in value)
    if field in _CHOICES:
        return str(_CHOICES[field].get(value, value))
    if field == "poster":
        return "、".join(posters.display_code(c) if len(c) == 8 else c for c in str(value).split(","))
    if field == "opening_hours":
        return _hours(value)
    return str(value)


def _hours(value) -> str:
    # Two spellings of the same hours ("Su closed", "Su off") are one value to the reader.
    try:
        return hours.validate(value)
    except hours.InvalidHours:
        return str(value)


def _same(field: str, old, new) -> bool:
    if field == "amenities" and isinstance(old, list) and isinstance(new, list):
        return sorted(map(str, old)) == sorted(map(str, new))
    return value_text(field, old) == value_text(field, new)


def _pair(item: tuple) -> tuple:
    field, value = item
    if isinstance(value, list | tuple) and len(value) == 2:
        return field, tuple(value)
    return field, (None, value)


def entries(rows) -> list[dict]:
    """Return audit rows (entry, username) for the page: labels in words, rows that changed nothing left out.

    An edit with nothing left to show is left out too; a confirmation always stays, as it says who checked.
    """
    out = []
    for entry, username in rows:
        changes = [
            {
                "label": FIELD_LABELS.get(field, field),
                "old": value_text(field, old),
                "new": value_text(field, new),
            }
            for field, (old, new) in map(_pair, (entry.changes or {}).items())
            if not _same(field, old, new)
        ]
        if entry.action == "update" and not changes:
            continue
        out.append(
            {
                "entry": entry,
                "username": username,
                "action": ACTION_LABELS.get(entry.action, entry.action),
                "changes": changes,
            }
        )
    return out
