"""Coarser check-in rollups in local time, so national-scale statistics read few rows.

``CheckinRollup`` (hourly UTC per station) barely compresses at national scale:
with 186,100 stations most station-hours hold one check-in. These tables group
by region instead (every level: the whole country "000000", province, city,
county), or by station but per local day, month, quarter or year, and are kept
exact alongside ``CheckinRollup`` by ``services.rollups`` (folded in batches).
Areas are the station's region when the check-in was counted; ``uniq`` is the
unique-device count at the area's own level (rider-days).

These classes hold the columns, keys and indexes (the schema, as the migrations
build it); ``services/rollups/registry.py`` declares, once per table, what a row
counts (grain, period, sums) and which measured question needs the table.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from stationfinder.models.base import Base


class CheckinAreaDay(Base):
    """Check-ins per local day, per area at every level, per rider group."""

    __tablename__ = "checkin_area_day"

    area: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    local_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    # The area one level up ("" for the country): reads a region's children with one index range.
    parent: Mapped[str] = mapped_column(sa.String(6))
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    uniq: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (sa.Index("ix_checkin_area_day_parent_day", "parent", "local_day"),)


class CheckinAreaMonth(Base):
    """Check-ins per local month (its first day), per area at every level, per rider group."""

    __tablename__ = "checkin_area_month"

    area: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    parent: Mapped[str] = mapped_column(sa.String(6))
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    uniq: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (sa.Index("ix_checkin_area_month_parent_month", "parent", "month"),)


class CheckinAreaHour(Base):
    """Check-ins per local day and local hour, for the country, provinces and cities.

    Counties and smaller scopes read the per-station ``CheckinRollup`` instead:
    a county-hour would hold about one check-in, so it would only copy the raw rows.
    """

    __tablename__ = "checkin_area_hour"

    area: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    local_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    hour: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    uniq: Mapped[int] = mapped_column(sa.Integer, default=0)


class _PerStation:
    """One station's counts in one period, keyed (province, period, area, station): province first,
    so "every station of a region over these days" is one index range however many years are kept."""

    province: Mapped[str] = mapped_column(sa.String(2))
    area: Mapped[str] = mapped_column(sa.String(6))
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    uniq: Mapped[int] = mapped_column(sa.Integer, default=0)


def _station_key(period: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("province", period, "area", "station_id")


class CheckinStationDay(_PerStation, Base):
    """Check-ins per station per local day."""

    __tablename__ = "checkin_station_day"

    local_day: Mapped[date] = mapped_column(sa.Date)

    __table_args__ = (
        _station_key("local_day"),
        # One station's days: serves "did it have any check-in then?" and the cascade on delete.
        sa.Index("ix_checkin_station_day_station_day", "station_id", "local_day"),
    )


class CheckinStationMonth(_PerStation, Base):
    """Check-ins per station per local month (its first day)."""

    __tablename__ = "checkin_station_month"

    month: Mapped[date] = mapped_column(sa.Date)

    __table_args__ = (
        _station_key("month"),
        sa.Index("ix_checkin_station_month_station_month", "station_id", "month"),
        # The busiest stations of a month come first when read backwards: the national ranking
        # reads a few hundred rows per month instead of summing every station. With station_id
        # in the index those rows come from the index alone, not from scattered table pages.
        sa.Index("ix_checkin_station_month_month_count", "month", "count", "station_id"),
        sa.Index("ix_checkin_station_month_province_month_count", "province", "month", "count", "station_id"),
    )


class CheckinStationQuarter(_PerStation, Base):
    """Check-ins per station per local quarter (its first day)."""

    __tablename__ = "checkin_station_quarter"

    quarter: Mapped[date] = mapped_column(sa.Date)

    __table_args__ = (
        _station_key("quarter"),
        sa.Index("ix_checkin_station_quarter_station_quarter", "station_id", "quarter"),
    )


class CheckinStationYear(_PerStation, Base):
    """Check-ins per station per local calendar year (its first day): long ranges read a row a year."""

    __tablename__ = "checkin_station_year"

    year: Mapped[date] = mapped_column(sa.Date)

    __table_args__ = (
        _station_key("year"),
        sa.Index("ix_checkin_station_year_station_year", "station_id", "year"),
    )
