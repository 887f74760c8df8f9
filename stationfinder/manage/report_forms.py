"""The state-change form of a report's ticket page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from stationfinder.models.report import CLOSED_STATES, MAX_NOTE
from stationfinder.report_words import STATES, status_label
from stationfinder.services.reports import workflow


class ReportChangeForm(FlaskForm):
    # The workflow, not the list, decides: a transition it refuses gets its own friendly message.
    status = SelectField(_l("New status"), validators=[Optional()], validate_choice=False)
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=MAX_NOTE)],
        render_kw={"rows": 4, "maxlength": MAX_NOTE},
    )
    public = BooleanField(_l("Riders may read this note (at the report's tracking page)"), default=True)
    close_station = BooleanField(
        _l("Also mark the station as temporarily closed, so the nearest search stops offering it")
    )
    # The status the page showed: a change made meanwhile by someone else is not overwritten unseen.
    shown_status = HiddenField()

    def offer(self, current: str, keep_label: str) -> None:
        """Offer the states the workflow allows from ``current``, after "keep the status"."""
        allowed = [s for s in STATES if workflow.allowed(current, s)]
        self.status.choices = [("", keep_label)] + [(s, status_label(s)) for s in allowed]

    def closing(self) -> bool:
        """Return whether the chosen status closes the report."""
        return self.status.data in CLOSED_STATES


__all__ = ["ReportChangeForm"]
