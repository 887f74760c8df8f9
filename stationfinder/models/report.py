"""Riders' reports (tickets) about a station or a place, with their photo, history and "me too"s.

Like check-ins, nothing here identifies a rider: the filer and each confirmation are known
only by the device's daily keyed hash, which serves the rate limits and merging.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stationfinder.models.base import Base, UTCDateTime, utcnow

KINDS = ("station", "community")
STATION_CATEGORIES = (
    "station_closed", "no_water", "no_power", "ac_broken", "dirty", "full", "wrong_info", "other",
)  # fmt: skip
COMMUNITY_CATEGORIES = (
    "blocked_passage", "road_hazard", "illegal_ads", "uncivil", "needs_help", "emergency", "other",
)  # fmt: skip
CATEGORIES_BY_KIND = {"station": STATION_CATEGORIES, "community": COMMUNITY_CATEGORIES}
# The states as FixMyStreet types them; code asks for a state's type, never for its name.
OPEN_STATES = ("open", "acknowledged", "in_progress")
CLOSED_STATES = ("fixed", "not_fixable", "duplicate", "referred")
STATES = OPEN_STATES + CLOSED_STATES
CODE_LENGTH = 8
MAX_DESCRIPTION = 500
MAX_NOTE = 1000


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Report(Base):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The tracking code a rider reads out (services/reports/codes.py).
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    category: Mapped[str] = mapped_column(sa.String(24))
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    region_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    # Exact WGS-84 position of a community report; staff in scope only. Purging clears it.
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    description: Mapped[str] = mapped_column(sa.String(MAX_DESCRIPTION), default="")
    # Riders who reported it: the filer and every "me too" (a device once per local day).
    confirmations: Mapped[int] = mapped_column(sa.Integer, default=1)
    device_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # "<station id>:<category>" while a station report is open, NULL otherwise. Being unique, it is
    # what turns two riders' concurrent reports of one problem into one ticket on every database.
    open_key: Mapped[str | None] = mapped_column(sa.String(48), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    station = relationship("Station")

    __table_args__ = (
        sa.CheckConstraint(_in("kind", KINDS), name="kind"),
        sa.CheckConstraint(_in("status", STATES), name="status"),
        sa.CheckConstraint(f"length(description) <= {MAX_DESCRIPTION}", name="description"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def __repr__(self) -> str:
        return f"<Report {self.code} {self.kind}/{self.category} {self.status}>"


class ReportPhoto(Base):
    """A report's photo, re-encoded without metadata."""

    # In the database, not on disk: it commits (or not) with its report, and purging it is one DELETE.

    __tablename__ = "report_photo"

    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class ReportEvent(Base):
    """One change of a report: who (None: the rider or the system), when, from and to which state, and why."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # None when the report was filed.
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.String(MAX_NOTE), default="")
    # Public notes are shown to riders at /r/<code>; the others to staff in scope only.
    public: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    user = relationship("User")


class ReportConfirmation(Base):
    """A device that reported this problem on a local day: a device's repeated "me too" counts once."""

    __tablename__ = "report_confirmation"

    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    device_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
