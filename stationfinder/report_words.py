"""Staff words for riders' reports: categories, states and kinds, in the UI language.

Each carries the "staff report" context: the rider pages say the same codes in a rider's voice
(``rider/report_texts.py``), and neither catalogue entry may overwrite the other.
"""

from flask_babel import lazy_pgettext

from stationfinder.geo import counties
from stationfinder.models.report import CLOSED_STATES, COMMUNITY_CATEGORIES, OPEN_STATES, STATION_CATEGORIES
from stationfinder.services.stats.labels import region_label

CATEGORY_LABELS = {
    "station_closed": lazy_pgettext("staff report", "Closed though it says open"),
    "no_water": lazy_pgettext("staff report", "No drinking water"),
    "no_power": lazy_pgettext("staff report", "Charging broken"),
    "ac_broken": lazy_pgettext("staff report", "Air conditioning broken"),
    "dirty": lazy_pgettext("staff report", "Dirty"),
    "full": lazy_pgettext("staff report", "Full"),
    "wrong_info": lazy_pgettext("staff report", "Wrong position, hours or phone"),
    "blocked_passage": lazy_pgettext("staff report", "Blocked passage"),
    "road_hazard": lazy_pgettext("staff report", "Road hazard"),
    "illegal_ads": lazy_pgettext("staff report", "Illegal advertising"),
    "uncivil": lazy_pgettext("staff report", "Uncivil behaviour"),
    "needs_help": lazy_pgettext("staff report", "A resident needs help"),
    "emergency": lazy_pgettext("staff report", "Emergency"),
    "other": lazy_pgettext("staff report", "Other"),
}
STATUS_LABELS = {
    "open": lazy_pgettext("staff report", "New"),
    "acknowledged": lazy_pgettext("staff report", "Acknowledged"),
    "in_progress": lazy_pgettext("staff report", "In progress"),
    "fixed": lazy_pgettext("staff report", "Fixed"),
    "not_fixable": lazy_pgettext("staff report", "Cannot be fixed"),
    "duplicate": lazy_pgettext("staff report", "Duplicate"),
    "referred": lazy_pgettext("staff report", "Referred to another office"),
}
KIND_LABELS = {
    "station": lazy_pgettext("staff report", "Station"),
    "community": lazy_pgettext("staff report", "Place (随手拍)"),
}
# Every category once, station ones first: "other" belongs to both kinds.
CATEGORIES = tuple(dict.fromkeys(STATION_CATEGORIES + COMMUNITY_CATEGORIES))
STATES = OPEN_STATES + CLOSED_STATES


def category_label(category: str) -> str:
    """Return a report category in the UI language (the code itself when unknown)."""
    return str(CATEGORY_LABELS.get(category, category))


def status_label(status: str | None) -> str:
    """Return a report state in the UI language (the code itself when unknown)."""
    return str(STATUS_LABELS.get(status, status or "—"))


def kind_label(kind: str) -> str:
    """Return a report kind in the UI language."""
    return str(KIND_LABELS.get(kind, kind))


def region_name(code: str | None, lang: str) -> str:
    """Return a report's region in words: the statistics' label, else the county boundaries' name."""
    if not code:
        return "—"
    label = region_label(code, lang)
    # The labels know Guizhou's counties; a 随手拍 may come from any county of China.
    return (counties.name(code) or code) if label == code else label


__all__ = [
    "CATEGORIES", "CATEGORY_LABELS", "KIND_LABELS", "STATES", "STATUS_LABELS",
    "category_label", "kind_label", "region_name", "status_label",
]  # fmt: skip
