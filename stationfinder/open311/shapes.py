"""What Open311 clients read: services, their definitions and requests, in the request's language.

Times are W3C datetimes with the offset of the local time zone (TIMEZONE), as the spec's examples are.
"""

from datetime import datetime

from flask_babel import gettext as _

from stationfinder.i18n import current_lang
from stationfinder.models import Report
from stationfinder.report_words import category_label, kind_label, region_name, status_label
from stationfinder.services.accounts import Scope
from stationfinder.services.checkins.identity import zone
from stationfinder.services.reports import open311, scoping

# Station services take the station as an attribute; community services need nothing beyond lat/long.
_METADATA = {"station": True, "community": False}
_ALARMING = ("emergency", "needs_help")


def when(moment: datetime | None) -> str | None:
    """Return a moment as a W3C datetime in local time, or None."""
    return moment.astimezone(zone()).isoformat(timespec="seconds") if moment else None


def _labelled(label: str, text: str) -> str:
    return _("%(label)s: %(text)s", label=label, text=text) if text else label


def service(code: str) -> dict:
    """Return the list entry of one service."""
    kind, category = open311.parse_service_code(code)
    description = _labelled(kind_label(kind), category_label(category))
    if category in _ALARMING:
        description = f"{description} {_('In an emergency call 110, 119 or 120 first.')}"
    return {
        "service_code": code,
        "service_name": category_label(category),
        "description": description,
        "metadata": _METADATA[kind],
        "type": "realtime",
        "keywords": f"{kind}, {category}",
        "group": kind,
    }


def services() -> list[dict]:
    """Return every service: one per report category of each kind."""
    return [service(code) for code in open311.SERVICES]


def definition(code: str) -> dict:
    """Return a service's definition: the attributes a request of it takes. Raises NotFound."""
    kind, _category = open311.parse_service_code(code)
    attributes = []
    if kind == "station":
        attributes.append(
            {
                "variable": True,
                "code": "station",
                "datatype": "string",
                "required": True,
                "datatype_description": _("A station's number (id) or code (ref), or a poster's token."),
                "order": 1,
                "description": _("Which station?"),
                "values": [],
            }
        )
    return {"service_code": code, "attributes": attributes}


def _address(report: Report) -> str:
    station = report.station if report.station_id is not None else None
    if station is not None:
        return " ".join(part for part in (station.address, station.name) if part)
    return region_name(report.region_code, current_lang()) if report.region_code else ""


def request(report: Report, note: str, in_scope: bool) -> dict:
    """Return one request: its public view, with the description only for staff in scope."""
    lat, lon = open311.position(report)
    return {
        "service_request_id": report.code,
        "status": "open" if report.is_open else "closed",
        "status_notes": _labelled(status_label(report.status), note),
        "service_name": category_label(report.category),
        "service_code": open311.service_code(report),
        "description": report.description if in_scope else "",
        "agency_responsible": region_name(report.region_code, current_lang()) if report.region_code else "",
        "requested_datetime": when(report.created_at),
        "updated_datetime": when(report.updated_at),
        "expected_datetime": when(open311.expected_at(report)),
        "address": _address(report),
        "lat": lat,
        "long": lon,
        "media_url": "",
    }


def requests(reports: list[Report], scope: Scope | None) -> list[dict]:
    """Return requests, reading all their public notes in one query."""
    notes = open311.public_notes(reports)
    return [request(r, notes.get(r.id, ""), scope is not None and scoping.covers(scope, r)) for r in reports]


def created(report: Report, merged: bool, media_url: str | None) -> dict:
    """Return the answer to a filing: the tracking code and a notice saying what happened."""
    if merged:
        notice = _("This problem was already reported; your request was added to %(code)s.", code=report.code)
    else:
        notice = _("Received. The tracking code is %(code)s.", code=report.code)
    if media_url:
        notice = f"{notice} {_('media_url is not fetched: photos come through the rider pages only.')}"
    return {"service_request_id": report.code, "service_notice": notice}


__all__ = ["created", "definition", "request", "requests", "service", "services", "when"]
