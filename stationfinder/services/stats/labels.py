"""Labels of statistics groups in a language: rider groups and weekdays from the Babel catalogue.

The services take the language as an argument ("zh" or "en"), so an answer's
labels do not depend on where it is computed (a request, a CLI command, a
test). Region names are data, from ``regions.names``.
"""

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from stationfinder.i18n import SUPPORTED
from stationfinder.services.regions.names import name_of
from stationfinder.services.regions.provinces import province_name
from stationfinder.services.rollups.counting import NATIONAL, NO_CATEGORY

# The rider page offers these groups with these words too (``rider.checkin_routes.group_choices``).
CATEGORY_LABELS = {
    "food_delivery": _l("Food delivery rider"),
    "courier": _l("Courier"),
    "ride_hailing": _l("Ride-hailing driver"),
    "truck_driver": _l("Truck driver"),
    "other": _l("Other"),
    NO_CATEGORY: _l("Not given"),
}
WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def locale_of(lang: str) -> str:
    """Return the catalogue locale of a short language tag: English for "en…", else Chinese."""
    chinese, english = SUPPORTED
    return english if str(lang).lower().startswith("en") else chinese


def category_labels(lang: str = "zh") -> dict[str, str]:
    """Return {rider group: label} in a language."""
    with force_locale(locale_of(lang)):
        return {code: str(label) for code, label in CATEGORY_LABELS.items()}


def weekday_labels(lang: str = "zh") -> list[str]:
    """Return the weekdays' names, Monday first, in a language."""
    with force_locale(locale_of(lang)):
        return [str(label) for label in WEEKDAY_LABELS]


def region_label(code: str | None, lang: str = "zh") -> str:
    """Return a region's name in a language, the code when it has none."""
    if not code:
        return "—"
    if code == NATIONAL:
        with force_locale(locale_of(lang)):
            return gettext("All of China")
    name = name_of(code, lang)
    if name == code:
        name = province_name(code, lang) or code
    return name


__all__ = ["category_labels", "locale_of", "region_label", "weekday_labels"]
