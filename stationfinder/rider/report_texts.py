"""Words of the riders' report pages: categories in a rider's voice, states, "2 位骑手反馈：…" lines.

Labels carry the "rider report" context, so they never collide with the staff pages' words for the
same codes: a rider taps "没有饮用水", a manager files it under another name.
"""

from datetime import datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import get_locale, ngettext, pgettext
from flask_babel import gettext as _

from stationfinder.models import utcnow
from stationfinder.models.report import MAX_DESCRIPTION
from stationfinder.services.checkins.identity import zone
from stationfinder.services.reports import photos
from stationfinder.services.reports.queries import OpenProblem


def station_categories() -> list[tuple[str, str, str]]:
    """Return (code, label, hint) of each station problem, in the order the tiles show them."""
    return [
        ("station_closed", pgettext("rider report", "The station is closed"),
         pgettext("rider report", "Shut although it says open")),
        ("no_water", pgettext("rider report", "No drinking water"), ""),
        ("no_power", pgettext("rider report", "Charging is broken"), ""),
        ("ac_broken", pgettext("rider report", "Air conditioning is broken"), ""),
        ("dirty", pgettext("rider report", "Not clean"), ""),
        ("full", pgettext("rider report", "Full, no room"), ""),
        ("wrong_info", pgettext("rider report", "Wrong information"),
         pgettext("rider report", "Position, hours or phone")),
        ("other", pgettext("rider report", "Something else"), ""),
    ]  # fmt: skip


def community_categories() -> list[tuple[str, str, str]]:
    """Return (code, label, hint) of each 随手拍 category, in the order the tiles show them."""
    return [
        ("blocked_passage", pgettext("rider report", "Blocked passage"),
         pgettext("rider report", "Fire lane or stairway blocked")),
        ("road_hazard", pgettext("rider report", "Road hazard"),
         pgettext("rider report", "Pothole, missing drain cover, flooding")),
        ("illegal_ads", pgettext("rider report", "Illegal ads"), ""),
        ("uncivil", pgettext("rider report", "Uncivil behaviour"), ""),
        ("needs_help", pgettext("rider report", "Someone needs help"),
         pgettext("rider report", "An elderly, ill or lost resident")),
        ("emergency", pgettext("rider report", "Emergency"),
         pgettext("rider report", "Call 110 / 119 / 120 first")),
        ("other", pgettext("rider report", "Something else"), ""),
    ]  # fmt: skip


def category_label(kind: str, code: str) -> str:
    """Return the rider's words for a report category."""
    pairs = station_categories() if kind == "station" else community_categories()
    return next((label for key, label, _hint in pairs if key == code), code)


def _problem_labels() -> dict[str, str]:
    # Shorter than the tiles: they sit inside "2 位骑手反馈：无饮用水（今天 10:12 起）".
    return {
        "station_closed": pgettext("rider report", "station closed"),
        "no_water": pgettext("rider report", "no drinking water"),
        "no_power": pgettext("rider report", "charging broken"),
        "ac_broken": pgettext("rider report", "air conditioning broken"),
        "dirty": pgettext("rider report", "not clean"),
        "full": pgettext("rider report", "full"),
        "wrong_info": pgettext("rider report", "wrong information"),
        "other": pgettext("rider report", "other problem"),
    }


def status_label(status: str) -> str:
    """Return the rider's words for a report's state."""
    return {
        "open": pgettext("rider report", "Received"),
        "acknowledged": pgettext("rider report", "Seen by staff"),
        "in_progress": pgettext("rider report", "Being dealt with"),
        "fixed": pgettext("rider report", "Fixed"),
        "not_fixable": pgettext("rider report", "Cannot be fixed"),
        "duplicate": pgettext("rider report", "Already reported"),
        "referred": pgettext("rider report", "Passed to another office"),
    }.get(status, status)


def when(moment: datetime, now: datetime | None = None) -> str:
    """Return a moment as a rider reads it: "今天 10:12", "昨天 10:12", "3月5日 10:12"."""
    tz = zone()
    local = moment.astimezone(tz)
    today = (now or utcnow()).astimezone(tz).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return _("today %(time)s", time=clock)
    if local.date() == today - timedelta(days=1):
        return _("yesterday %(time)s", time=clock)
    skeleton = "MMMd" if local.year == today.year else "yMMMd"
    return f"{format_skeleton(skeleton, local, tzinfo=tz, locale=get_locale())} {clock}"


def problem_lines(problems: list[OpenProblem], now: datetime | None = None) -> list[str]:
    """Return "2 位骑手反馈：无饮用水（今天 10:12 起）" for each open problem of a station."""
    labels = _problem_labels()
    return [
        ngettext(
            "%(num)s rider reports: %(problem)s (since %(when)s)",
            "%(num)s riders report: %(problem)s (since %(when)s)",
            problem.riders,
            problem=labels.get(problem.category, problem.category),
            when=when(problem.since, now),
        )
        for problem in problems
    ]


def form_texts() -> dict[str, str]:
    """Return the strings report_form.js shows; %(n)s is filled in by the script."""
    return {
        "locating": _("Finding your location…"),
        "located": _("Location found (within about %(n)s m).", n="%(n)s"),
        "denied": _(
            "Location was refused, so this report cannot be sent: it goes to the district where you are. "
            "Allow location for this site in your browser or WeChat, then tap Try again."
        ),
        "unavailable": _(
            "Your location is not available right now. Go outside or turn on GPS, then tap Try again."
        ),
        "timeout": _("Finding your location took too long. Tap Try again."),
        "retry": _("Try again"),
        "needPosition": _("We need your location to send this. Wait for it, or tap Try again."),
        "sending": pgettext("rider report", "Sending…"),
        "photoTooBig": _("The photo is too large. Choose one of at most %(n)s MB.", n=photos.MAX_BYTES >> 20),
        "charsLeft": _("%(n)s characters left", n="%(n)s"),
    }


def limits() -> dict[str, int]:
    """Return the limits the form states and report_form.js checks before sending."""
    return {"maxBytes": photos.MAX_BYTES, "maxSide": photos.MAX_SIDE, "maxChars": MAX_DESCRIPTION}


__all__ = [
    "category_label", "community_categories", "form_texts", "limits", "problem_lines", "station_categories",
    "status_label", "when",
]  # fmt: skip
