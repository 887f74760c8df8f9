"""API: check-in statistics for district staff, admins and station managers."""

import re

from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import Forbidden as ForbiddenError
from werkzeug.exceptions import NotFound as NotFoundError

from stationfinder import units
from stationfinder.api.auth import current_api_user
from stationfinder.api.common import Blueprint, http_error, json_response
from stationfinder.i18n import current_lang
from stationfinder.services import accounts
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.stats import groups as stats

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNIQUE_NOTE = (
    "`unique_devices` counts distinct daily device hashes summed over the days (rider-days): a device "
    "that checks in on three days counts three times, twice on one day once. The scope asked decides what "
    "'distinct' means: a county, city, province or the whole country counts a device once per day in that "
    "region; one station, `group_by=station` and a manager's stations count it once per day per station. "
    "In day, hour, weekday and category groups a device counts in the group of its first check-in of the "
    "day; `group_by=region` uses the level of the child regions."
)

blp = Blueprint(
    "stats",
    __name__,
    url_prefix="/api/v1",
    description="Check-in statistics from pre-aggregated counts. Days and hours are local in the server's "
    "TIMEZONE (default Asia/Shanghai). Duplicates are never counted. " + UNIQUE_NOTE,
)


class LocalDay(fields.Date):
    """A local day written exactly YYYY-MM-DD."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _DAY.match(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StatsQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # ?lang=en and cache busters are not errors

    date_from = LocalDay(
        data_key="from",
        metadata={
            "description": "First local day (YYYY-MM-DD, inclusive), 2000-01-01 to 2100-12-31. Default: 29 "
            "days before `to`."
        },
    )
    date_to = LocalDay(
        data_key="to",
        metadata={
            "description": "Last local day (YYYY-MM-DD, inclusive), 2000-01-01 to 2100-12-31. Default: "
            "today. At most 3 years after `from`."
        },
    )
    region = fields.String(
        validate=validate.Regexp(r"^[1-9]\d{5}$", error="region must be a 6-digit adcode, e.g. 520502"),
        metadata={
            "description": "Region adcode inside your scope (520000 a province, 520500 a city, 520502 a "
            "county). Default: your own region (the whole country for admins, your stations for managers)."
        },
    )
    station = fields.String(
        validate=validate.Length(1, 64), metadata={"description": "One station, by id or ref."}
    )
    group_by = fields.String(
        validate=validate.OneOf(stats.GROUP_BYS),
        metadata={
            "description": "day: each local day; hour: local hour of day (00-23); weekday: ISO 1 (Monday) to "
            "7; station: key is the ref, or the id without one, zero-check-in stations included; category: "
            "rider group; region: the regions one level below (province -> cities, city -> counties)."
        },
    )


class StatsGroup(Schema):
    key = fields.String(metadata={"description": "Day, hour, weekday, station ref/id, category or adcode."})
    label = fields.String(metadata={"description": "Human label in the caller's language."})
    count = fields.Integer(metadata={"description": "Check-ins (duplicates never counted)."})
    unique_devices = fields.Integer(metadata={"description": UNIQUE_NOTE})


class StatsOut(Schema):
    date_from = fields.String(data_key="from", attribute="from", metadata={"description": "First local day."})
    date_to = fields.String(data_key="to", attribute="to", metadata={"description": "Last local day."})
    timezone = fields.String(metadata={"description": "IANA zone of days and hours."})
    total = fields.Integer(metadata={"description": "Check-ins in the scope and range."})
    unique_devices = fields.Integer(metadata={"description": UNIQUE_NOTE})
    groups = fields.List(fields.Nested(StatsGroup), metadata={"description": "Empty without group_by."})


@blp.route("/stats/checkins", methods=["GET"])
@blp.arguments(StatsQuery(), location="query")
@blp.response(200, StatsOut)
@blp.alt_response(
    400,
    description="Bad date, a day outside 2000-01-01..2100-12-31, `from` after `to`, a range over 3 years, "
    "unknown group_by.",
)
@blp.alt_response(401, description="No valid bearer token (`flask users token`) and no logged-in session.")
@blp.alt_response(403, description="The region or station lies outside your scope.")
@blp.alt_response(404, description="No such station.")
def checkin_stats(args):
    """Count check-ins in your scope over local days, optionally grouped."""
    user = current_api_user()
    units.fold()
    try:
        body = stats.checkin_stats(
            accounts.scope_of(user),
            args.get("date_from"),
            args.get("date_to"),
            region=args.get("region"),
            station=args.get("station"),
            group_by=args.get("group_by"),
            lang=current_lang(),
        )
    except InvalidInput as exc:
        raise http_error(exc, BadRequest, "invalid-query") from None
    except Forbidden as exc:
        raise http_error(exc, ForbiddenError, "outside-scope") from None
    except NotFound as exc:
        raise http_error(exc, NotFoundError, "no-such-station") from None
    # The body is already exactly StatsOut (20,000 station groups at most).
    response = json_response(body)
    response.headers.update({"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"})
    return response
