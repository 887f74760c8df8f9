"""Words the staff pages share about access: the area a user looks after, and a 403 that names it."""

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import Forbidden

from stationfinder.i18n import current_lang
from stationfinder.models import Role, User
from stationfinder.services.regions.names import name_of


def area_text(user: User) -> str:
    """Return the area a user looks after in words: 贵阳市, or the stations a manager runs."""
    if user.role == Role.ADMIN:
        return _("all regions")
    if user.role == Role.STAFF:
        return name_of(user.region_code, current_lang()) or _("no region")
    count = len(user.stations)
    return ngettext("the station you manage", "the %(num)s stations you manage", count)


def forbidden(detail: str) -> Forbidden:
    """Return a 403 whose page explains, below the heading, why."""
    error = Forbidden()
    error.page_detail = detail
    return error


def station_forbidden(user: User) -> Forbidden:
    """Return a 403 for a station outside the user's area that says why, and what to do."""
    return forbidden(
        _(
            "This station is outside the area you look after (your area: %(area)s). "
            "If it should be yours, ask an administrator.",
            area=area_text(user),
        )
    )
