"""The station form's hours editor asks here how riders will read the hours it wrote."""

from flask import jsonify, request
from flask_babel import gettext as _

from stationfinder.manage import bp
from stationfinder.rider import texts
from stationfinder.services.stations import hours

# Past the form's own limit, so an over-long value gets the parser's answer, not a cut-off one.
MAX_TEXT = 400


@bp.get("/hours-preview")
def hours_preview():
    """Return opening hours in the rider's words, their canonical value and the editor's day groups."""
    text = request.args.get("hours", "", type=str)[:MAX_TEXT]
    try:
        canonical = hours.validate(text)
    except hours.InvalidHours:
        return jsonify(
            ok=False, error=_("The opening hours are not in a format we can read; see the examples.")
        )
    return jsonify(
        ok=True,
        canonical=canonical,
        lines=texts.hours_lines(canonical),
        always=canonical == hours.ALWAYS,
        groups=hours.day_groups(canonical),
    )
