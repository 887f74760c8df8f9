"""Routes of the rider blueprint: the nearest-station page, the station page and district choices."""

from flask import abort, current_app, jsonify, render_template, request, url_for
from flask_babel import format_date

from stationfinder.amenities import AMENITIES, BY_CODE
from stationfinder.i18n import current_lang
from stationfinder.rider import bp, report_texts, texts
from stationfinder.services import busy
from stationfinder.services import errors as domain_errors
from stationfinder.services.regions import choices as region_choices
from stationfinder.services.regions import codes as regions
from stationfinder.services.regions.names import name_of
from stationfinder.services.reports import open_by_station
from stationfinder.services.stations import lookup as stations

# Enough to choose from without scrolling far on a small phone, few enough for a weak signal.
NEAREST_LIMIT = 8
SEARCH_LIMIT = 30


@bp.get("/")
def index():
    """Show the nearest-station page; the list itself comes from the API via the rider scripts."""
    lang = current_lang()
    root = request.script_root
    data = {
        "lang": lang,
        "amenities": [{"code": a.code, "label": a.label(lang), "icon": a.icon} for a in AMENITIES],
        "urls": {
            "nearest": root + "/api/v1/stations/nearest",
            "search": root + "/api/v1/stations",
            "station": root + "/stations/",
            "regions": url_for("rider.region_list"),
            "coordsJs": url_for("static", filename="js/coords.js"),
            "mapJs": url_for("static", filename="js/map.js"),
            "reportListJs": url_for("static", filename="js/report_list.js"),
        },
        "nearestLimit": NEAREST_LIMIT,
        "searchLimit": SEARCH_LIMIT,
        "locateTimeoutMs": round(current_app.config["LOCATE_TIMEOUT_SECONDS"] * 1000),
        "text": texts.page_texts(),
    }
    return render_template("rider/index.html", page_data=data)


@bp.get("/stations/<key>")
def station(key: str):
    """Show one station: works without JavaScript."""
    try:
        row = stations.get_station(key)
    except domain_errors.NotFound:
        return render_template("rider/station_missing.html"), 404
    lang = current_lang()
    (info,) = busy.annotate([stations.to_dict(row)])
    amenities = [{"icon": BY_CODE[c].icon, "label": BY_CODE[c].label(lang)} for c in info["amenities"]]
    region = name_of(row.region_code, lang) if row.region_code else None
    problems = open_by_station([row.id]).get(row.id, [])
    return render_template(
        "rider/station.html",
        station=info,
        station_key=row.public_key,
        problems=report_texts.problem_lines(problems),
        amenities=amenities,
        region=region or row.region_code,
        hours=texts.hours_lines(row.opening_hours),
        status_label=texts.status_label(row.status),
        access_label=texts.access_label(row.access),
        capacity=texts.capacity_label(row.seats, row.area_m2),
        busy_label=texts.busy_labels()[info["busy"]],
        verified=format_date(row.last_verified_at, "long") if row.last_verified_at else None,
    )


@bp.get("/regions.json")
def region_list():
    """Return the districts one level inside ?parent= that have stations (the top choice without it)."""
    parent = request.args.get("parent") or None
    if parent is None:
        parent, codes = region_choices.start()
    else:
        try:
            codes = region_choices.children(parent)
        except regions.InvalidRegion:
            abort(400)
    lang = current_lang()
    items = [
        {"code": code, "name": name_of(code, lang) or code, "leaf": regions.level(code) == "county"}
        for code in codes
    ]
    response = jsonify({"parent": parent, "regions": items})
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response
