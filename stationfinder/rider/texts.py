"""Words the rider pages show: labels for stored values, readable opening hours, the scripts' strings."""

import re

from flask_babel import gettext as _

from stationfinder.services.stations import hours

_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")


def page_texts() -> dict[str, str]:
    """Return the translated strings the rider page scripts need; %(n)s is filled in by the script."""
    return {
        "locating": _("Finding your location…"),
        "loading": _("Looking for stations…"),
        "denied": _("Location is off or was refused. Choose a district or search by name."),
        "unavailable": _("Your location is not available right now. Choose a district or search by name."),
        "timeout": _("Finding your location took too long. Choose a district or search by name."),
        "emptyNearest": _("No station has everything you picked. Try fewer filters."),
        "emptySearch": _("No station found. Try another district or name."),
        "emptyRegion": _("No station found in this district."),
        "searchEverywhere": _("Search all districts"),
        "filteredCount": _("%(n)s stations", n="%(n)s"),
        "filteredOne": _("1 station"),
        "clearFilters": _("Clear filters"),
        "openUntil": _("Open until %(time)s", time="%(time)s"),
        "membersOnly": _("Members only"),
        "error": _("Could not load stations. Check your signal and try again."),
        "retry": _("Try again"),
        "nearestCount": _("The %(n)s stations nearest to you", n="%(n)s"),
        "searchCount": _("%(n)s stations found", n="%(n)s"),
        "searchOne": _("1 station found"),
        "nearestOne": _("The station nearest to you"),
        "searchMore": _(
            "Showing the first %(shown)s of %(n)s. Choose a district to narrow it down.",
            shown="%(shown)s",
            n="%(n)s",
        ),
        "metres": _("%(n)s m", n="%(n)s"),
        "kilometres": _("%(n)s km", n="%(n)s"),
        "openNow": _("Open now"),
        "closedNow": _("Closed now"),
        "temporarilyClosed": _("Temporarily closed"),
        "closed": _("Closed"),
        "navigate": _("Navigate"),
        "amap": _("Amap"),
        "baidu": _("Baidu Maps"),
        "apple": _("Apple Maps"),
        "all": _("All"),
        "choose": _("Choose…"),
        "tilesFailed": _("The map background could not load. The list above still works."),
        "you": _("You are here"),
        # A card says nothing when there is too little data (early on, most stations): no "unknown".
        **{"busy_" + level: word for level, word in busy_labels().items() if level != "unknown"},
    }


def busy_labels() -> dict[str, str]:
    """Return the rider's words for each busy-now level: a word, never a head-count."""
    return {
        "quiet": _("Quiet now"),
        "busy": _("Busy now"),
        "full": _("Full now"),
        "unknown": _("No busy data yet"),
    }


def status_label(status: str) -> str:
    """Return the rider's words for a station status."""
    return {
        "open": _("Open"),
        "temporarily_closed": _("Temporarily closed"),
        "closed": _("Closed"),
    }.get(status, status)


def access_label(access: str) -> str:
    """Return the rider's words for who may use a station."""
    return {"public": _("Open to all"), "members": _("Members only")}.get(access, access)


def capacity_label(seats: int | None, area_m2: int | None) -> str:
    """Return "12 seats · 160 m²", or an empty string when neither is known."""
    parts = []
    if seats is not None:
        parts.append(_("%(n)s seats", n=seats))
    if area_m2 is not None:
        parts.append(_("%(n)s m²", n=area_m2))
    return " · ".join(parts)


def _day_names() -> dict[str, str]:
    return {
        "Mo": _("Mon"),
        "Tu": _("Tue"),
        "We": _("Wed"),
        "Th": _("Thu"),
        "Fr": _("Fri"),
        "Sa": _("Sat"),
        "Su": _("Sun"),
    }


def _days(spec: str, names: dict[str, str]) -> str:
    parts = []
    for part in spec.split(","):
        m = _DAY_RANGE.match(part)
        if not m:
            return spec
        first, last = m.group(1), m.group(2)
        parts.append(_("%(first)s–%(last)s", first=names[first], last=names[last]) if last else names[first])
    return _(", ").join(parts)


def hours_lines(text: str | None) -> list[str]:
    """Return opening hours as readable lines, one per rule (the stored text when it cannot be read)."""
    try:
        canonical = hours.parse(text).text
    except hours.InvalidHours:
        return [text or ""]
    if canonical == hours.ALWAYS:
        return [_("Open 24 hours")]
    names = _day_names()
    lines = []
    for rule in (r.strip() for r in canonical.split(";")):
        if not rule:
            continue
        head, _sep, rest = rule.partition(" ")
        if _DAY_RANGE.match(head.split(",")[0]):
            days, spec = _days(head, names), rest.strip()
        else:
            days, spec = _("Every day"), rule
        times = _("closed all day") if spec.lower() in ("off", "closed") else spec.replace(",", ", ")
        lines.append(_("%(days)s: %(times)s", days=days, times=times))
    return lines
