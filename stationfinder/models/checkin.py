"""Check-ins and the tables that keep them deduplicated and counted.

Nothing here identifies a rider: the device hash is keyed per local day, so it
dedupes within a day and cannot follow a rider across days.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stationfinder.models.base import Base, UTCDateTime, utcnow

CATEGORIES = ("food_delivery", "courier", "ride_hailing", "truck_driver", "other")


class Checkin(Base):
    __tablename__ = "checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id", ondelete="CASCADE"), index=True)
    poster_id: Mapped[int | None] = mapped_column(sa.ForeignKey("poster.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    local_day: Mapped[date] = mapped_column(sa.Date, index=True)
    device_hash: Mapped[str | None] = mapped_column(sa.String(64))
    category: Mapped[str | None] = mapped_column(sa.String(16))
    # Only whether the rider was within 300 m, never where they were.
    near_station: Mapped[bool | None] = mapped_column(sa.Boolean)
    # Bits of the scopes (station, county, city, province, all) in which this
    # was the device's first check-in of its day; the rollups count these.
    unique_mask: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Recorded but not yet counted in the rollups: ``rollups.fold`` counts these in
    # batches, off the check-in's own transaction, and always before statistics are read.
    pending: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    station = relationship("Station")

    __table_args__ = (
        # Only the few pending rows are in it, so finding them costs nothing at any table size.
        sa.Index(
            "ix_checkin_pending",
            "id",
            # Written as each dialect renders ``WHERE checkin.pending``, so the planners match it.
            postgresql_where=sa.text("pending"),
            sqlite_where=sa.text("pending = 1"),
        ),
    )


class DevicePresence(Base):
    """The last counted check-in of a (daily) device hash at a station, for dedupe."""

    __tablename__ = "device_presence"

    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id", ondelete="CASCADE"), primary_key=True)
    device_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeviceDay(Base):
    """A (daily) device hash seen in a scope on a local day: decides unique counts."""

    __tablename__ = "device_day"

    local_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    device_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


class CheckinRollup(Base):
    """Exact hourly counts per station and category, kept as check-ins arrive or go."""

    __tablename__ = "checkin_rollup"

    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id", ondelete="CASCADE"), primary_key=True)
    # Start of the UTC hour; local days/hours are derived with TIMEZONE.
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    u_station: Mapped[int] = mapped_column(sa.Integer, default=0)
    u_county: Mapped[int] = mapped_column(sa.Integer, default=0)
    u_city: Mapped[int] = mapped_column(sa.Integer, default=0)
    u_province: Mapped[int] = mapped_column(sa.Integer, default=0)
    u_all: Mapped[int] = mapped_column(sa.Integer, default=0)
