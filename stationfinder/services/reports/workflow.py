"""Move a report through its states, as FixMyStreet does: the allowed transitions are data, here.

Any move out of ``open`` acknowledges a report; a closing state needs a public note and frees
the station and category for a new ticket; reopening takes that place back, if it is still free.
The caller owns the transaction and commits.
"""

from datetime import datetime

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Report, ReportEvent, StationStatus, User, utcnow
from stationfinder.models.report import CLOSED_STATES, MAX_NOTE, OPEN_STATES
from stationfinder.services import dataset
from stationfinder.services.accounts import can_manage, scope_of
from stationfinder.services.errors import Conflict, Forbidden, InvalidInput
from stationfinder.services.reports import history, scoping
from stationfinder.services.reports.filing import open_key

_CLOSED = frozenset(CLOSED_STATES)
# From each state, the states a report may move to. Closed reports may only be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "in_progress"}) | _CLOSED,
    "acknowledged": frozenset({"in_progress"}) | _CLOSED,
    "in_progress": frozenset({"acknowledged"}) | _CLOSED,
    **{state: frozenset({"open"}) for state in CLOSED_STATES},
}
# What a station_closed report may do to its station, in the same step.
STATION_STATUSES = (StationStatus.TEMPORARILY_CLOSED.value,)


def state_type(status: str) -> str:
    """Return "open" or "closed": the type of a state, which is all that code outside this module asks."""
    return "open" if status in OPEN_STATES else "closed"


def allowed(from_status: str, to_status: str) -> bool:
    """Return whether a report may move from one state to another."""
    return to_status in TRANSITIONS.get(from_status, ())


def change(
    report: Report,
    user: User,
    *,
    status: str | None = None,
    note: str | None = None,
    public: bool = True,
    station_status: str | None = None,
    now: datetime | None = None,
) -> ReportEvent | None:
    """Change a report's status or add a note as ``user``; return the history entry (None: no change).

    Raises Forbidden outside the user's scope, Conflict for a transition the table does not allow
    (or a reopening while another ticket of the station and category is open), and InvalidInput
    for a closing state without a public note or a station status a report cannot set.
    """
    if not (user and user.is_active) or not scoping.covers(scope_of(user), report):
        raise Forbidden("this report is outside your scope")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters")
    now = now or utcnow()
    before = report.status
    moving = status is not None and status != before
    if moving and not allowed(before, status):
        raise Conflict(f"a report cannot go from {before} to {status}")
    if moving and status in _CLOSED and not (note and public):
        raise InvalidInput(f"closing a report as {status} needs a public note saying why")
    if station_status is not None:
        _set_station_status(report, user, station_status)
    if not moving and not note:
        db.session.flush()
        return None
    if moving:
        _move(report, status, now)
    report.updated_at = now
    return history.changed(report, before, user=user, note=note, public=public, at=now)


def _move(report: Report, status: str, now: datetime) -> None:
    reopening = status not in _CLOSED and report.status in _CLOSED
    report.status = status
    if status != "open" and report.acknowledged_at is None:
        report.acknowledged_at = now
    if status in _CLOSED:
        report.closed_at = now
        report.open_key = None
    elif reopening:
        report.closed_at = None
        if report.station_id is not None:
            try:
                with db.session.begin_nested():
                    report.open_key = open_key(report.station_id, report.category)
                    db.session.flush()
            except sa.exc.IntegrityError:
                raise Conflict(
                    "another report of this station and category is open; add to that one instead"
                ) from None
    db.session.flush()


def _set_station_status(report: Report, user: User, station_status: str) -> None:
    """Set the station of a station_closed report to a status (temporarily closed), in the same step."""
    if station_status not in STATION_STATUSES:
        raise InvalidInput("station_status may only be " + ", ".join(STATION_STATUSES))
    if report.category != "station_closed":
        raise InvalidInput("only a station_closed report can change its station's status")
    station = report.station
    if station is None:
        raise Conflict("the station of this report no longer exists")
    if not can_manage(user, station):
        raise Forbidden("you may not manage this station")
    if station.status == station_status:
        return
    # Written into the station's own history, as an edit of its status on the manage pages is.
    db.session.add(
        AuditEntry(
            station_id=station.id,
            user_id=user.id,
            action="update",
            changes={"status": [station.status, station_status]},
        )
    )
    station.status = station_status
    dataset.bump()


__all__ = ["STATION_STATUSES", "TRANSITIONS", "allowed", "change", "state_type"]
