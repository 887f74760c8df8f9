"""Following reports: the tracking page /r/<code>, the rider's own codes ("我的反馈"), open problems.

The tracking page shows the public view (services.reports.shapes.public), as the API does, and
works without JavaScript. "我的反馈" lives in the browser (my_reports.js): the server never learns
which codes a phone keeps, only the one it is asked to show.
"""

from datetime import datetime

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext

from stationfinder.i18n import current_lang
from stationfinder.ratelimits import code_lookup_limit
from stationfinder.rider import bp, report_texts
from stationfinder.services import reports as report_service
from stationfinder.services.errors import NotFound
from stationfinder.services.regions.names import name_of
from stationfinder.services.reports import codes, shapes

# The most stations one list shows (the nearest search's limit); more is not a rider's page asking.
MAX_LISTED = 50


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _place(region_code: str | None) -> str:
    """Return "毕节市 七星关区" for a county code (the county alone when its city has no name)."""
    if not region_code:
        return ""
    lang = current_lang()
    county = name_of(region_code, lang)
    city = name_of(region_code[:4] + "00", lang)
    return f"{city} {county}" if city and city != region_code[:4] + "00" and city != county else county


def grouped(code: str) -> str:
    """Return a tracking code as riders read it out: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


def _status_page(report, new: str | None):
    view = shapes.public(report)
    station = view["station"]
    times = [
        (pgettext("rider report", "Sent"), _moment(view["created_at"])),
        (pgettext("rider report", "Taken up"), _moment(view["acknowledged_at"])),
        (pgettext("rider report", "Closed"), _moment(view["closed_at"])),
    ]
    updates = [
        {
            "when": report_texts.when(_moment(u["at"])),
            "at": u["at"],
            "status": report_texts.status_label(u["status"]),
            "note": u["note"],
        }
        for u in reversed(view["updates"])
    ]
    return render_template(
        "rider/report_status.html",
        report=view,
        code=grouped(view["code"]),
        new=new if new in ("1", "merged") else None,
        closed=not report.is_open,
        status=report_texts.status_label(view["status"]),
        category=report_texts.category_label(view["kind"], view["category"]),
        station=station,
        station_key=(station["ref"] or station["id"]) if station else None,
        place=_place(view["region_code"]),
        times=[(label, report_texts.when(moment)) for label, moment in times if moment is not None],
        updates=updates,
    )


@bp.get("/r/<code>")
@code_lookup_limit
def report_status(code: str):
    """Show a report's status, category, public notes and times to anyone with its code."""
    try:
        report = report_service.by_code(code)
    except NotFound:
        page = render_template("rider/report_missing.html", code=code[:40])
        return page, 404
    new = request.args.get("new")
    if code != report.code:
        # Typed as abcd-efgh: one address per report, so the browser's history and "我的反馈" agree.
        return redirect(url_for("rider.report_status", code=report.code, new=new), 302)
    response = current_app.make_response(_status_page(report, new))
    # The status changes as staff act on it: always ask again.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/r")
@code_lookup_limit
def my_reports():
    """List the reports this phone sent (kept in the browser), and look a code up."""
    typed = request.args.get("code")
    error = None
    if typed is not None:
        code = codes.normalize(typed)
        if code is not None:
            return redirect(url_for("rider.report_status", code=code), 303)
        error = _("A tracking code has 8 letters and digits, like ABCD-2345. Check it and try again.")
    page = render_template("rider/my_reports.html", typed=(typed or "")[:40], error=error)
    return page, 404 if error else 200


@bp.get("/reports/open.json")
def open_reports():
    """Return the open problems of the listed stations (?station=1&station=2), one query for all."""
    raw = request.args.getlist("station")
    if len(raw) > MAX_LISTED or not all(r.isascii() and r.isdigit() and 0 < len(r) <= 10 for r in raw):
        abort(400)
    problems = report_service.open_by_station(int(r) for r in raw)
    body = {"stations": {str(sid): report_texts.problem_lines(found) for sid, found in problems.items()}}
    response = jsonify(body)
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response
